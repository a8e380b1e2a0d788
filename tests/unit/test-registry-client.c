/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "weft.h"

#include "agent-test-util.h"

typedef struct
{
  AgentTestRegistry *reg;
  WeftRegistryClient *client; /* ak_alpha */
} Fixture;

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  fx->reg = agent_test_registry_new ();
  g_assert_true (agent_test_registry_start (fx->reg));
  fx->client = weft_registry_client_new (fx->reg->url);
  weft_registry_client_set_api_key (fx->client, "ak_alpha");
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  g_clear_object (&fx->client);
  agent_test_registry_free (fx->reg);
}

#define WAIT(res) g_assert_true (agent_test_wait_result (&(res), 20000))

static JsonNode *
parse (const gchar *text)
{
  return json_from_string (text, NULL);
}

static void
test_ws_url (void)
{
  g_autoptr (WeftRegistryClient) a = weft_registry_client_new ("http://example.test:8080///");
  g_autoptr (WeftRegistryClient) b = weft_registry_client_new ("https://example.test");
  g_autoptr (WeftRegistryClient) c = weft_registry_client_new (NULL);
  g_autofree gchar *wa = weft_registry_client_dup_ws_url (a);
  g_autofree gchar *wb = weft_registry_client_dup_ws_url (b);

  g_assert_cmpstr (weft_registry_client_get_base_url (a), ==, "http://example.test:8080");
  g_assert_cmpstr (wa, ==, "ws://example.test:8080/ws");
  g_assert_cmpstr (wb, ==, "wss://example.test/ws");
  g_assert_cmpstr (weft_registry_client_get_base_url (c), ==, "http://localhost:8080");
  weft_registry_client_set_api_key (c, "");
  g_assert_null (weft_registry_client_get_api_key (c));
}

static void
test_refused (void)
{
  guint16 port = agent_test_free_port ();
  g_autofree gchar *url = g_strdup_printf ("http://127.0.0.1:%u", port);
  g_autoptr (WeftRegistryClient) client = weft_registry_client_new (url);
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = NULL;

  weft_registry_client_list_agents_async (client, NULL, agent_test_store_result, &res);
  WAIT (res);
  node = weft_registry_client_list_agents_finish (client, res, &error);
  g_assert_null (node);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, url));
  g_assert_nonnull (strstr (error->message, "weft-registry"));
}

static void
test_bad_url (void)
{
  g_autoptr (WeftRegistryClient) client = weft_registry_client_new ("not a url");
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = NULL;

  weft_registry_client_list_agents_async (client, NULL, agent_test_store_result, &res);
  WAIT (res);
  node = weft_registry_client_list_agents_finish (client, res, &error);
  g_assert_null (node);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
}

static void
test_no_credential (void)
{
  g_autoptr (WeftRegistryClient) client = weft_registry_client_new ("http://127.0.0.1:1");
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *token = NULL;

  weft_registry_client_fetch_token_async (client, NULL, agent_test_store_result, &res);
  WAIT (res);
  token = weft_registry_client_fetch_token_finish (client, res, NULL, &error);
  g_assert_null (token);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED);
  g_assert_nonnull (strstr (error->message, "weft pair"));
}

static void
test_cancelled (Fixture *fx, gconstpointer data)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = NULL;

  weft_registry_client_list_agents_async (fx->client, cancellable, agent_test_store_result, &res);
  g_cancellable_cancel (cancellable);
  WAIT (res);
  node = weft_registry_client_list_agents_finish (fx->client, res, &error);
  g_assert_null (node);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_CANCELLED);
}

static void
test_token (Fixture *fx, gconstpointer data)
{
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GAsyncResult) res2 = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *token = NULL;
  g_autofree gchar *peer = NULL;
  g_autofree gchar *bad_token = NULL;
  g_autoptr (WeftRegistryClient) bad = weft_registry_client_new (fx->reg->url);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  weft_registry_client_fetch_token_async (fx->client, NULL, agent_test_store_result, &res);
  WAIT (res);
  token = weft_registry_client_fetch_token_finish (fx->client, res, &peer, &error);
  g_assert_no_error (error);
  g_assert_nonnull (token);
  g_assert_cmpstr (peer, ==, "alpha");
  g_assert_cmpstr (weft_registry_client_get_peer_id (fx->client), ==, "alpha");
  g_assert_cmpstr (weft_registry_client_get_token (fx->client), ==, token);
  g_assert_cmpint (weft_registry_client_get_token_expiry (fx->client), >, now);
  g_assert_cmpint (weft_registry_client_get_token_expiry (fx->client), <=, now + 3600);

  weft_registry_client_set_api_key (bad, "ak_nonsense");
  weft_registry_client_fetch_token_async (bad, NULL, agent_test_store_result, &res2);
  WAIT (res2);
  bad_token = weft_registry_client_fetch_token_finish (bad, res2, NULL, &error);
  g_assert_null (bad_token);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED);
}

static void
test_unauthenticated (Fixture *fx, gconstpointer data)
{
  g_autoptr (WeftRegistryClient) anon = weft_registry_client_new (fx->reg->url);
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = NULL;

  weft_registry_client_list_agents_async (anon, NULL, agent_test_store_result, &res);
  WAIT (res);
  node = weft_registry_client_list_agents_finish (anon, res, &error);
  g_assert_null (node);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED);
  g_assert_nonnull (strstr (error->message, "401"));
}

static gboolean
array_has_agent (JsonNode *arr, const gchar *id)
{
  JsonArray *a = json_node_get_array (arr);

  for (guint i = 0; i < json_array_get_length (a); i++)
    if (g_strcmp0 (json_object_get_string_member_with_default (json_array_get_object_element (a, i),
                                                               "agent_id", NULL),
                   id) == 0)
      return TRUE;
  return FALSE;
}

static void
register_alpha (Fixture *fx)
{
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) info =
    parse ("{\"agent_id\": \"alpha\", \"hostname\": \"h\", \"sidecar_peer_id\": \"alpha\","
           " \"capabilities\": {\"skills\": [\"echo\", \"sum\"]}}");

  weft_registry_client_register_async (fx->client, info, NULL, agent_test_store_result, &res);
  WAIT (res);
  g_assert_true (weft_registry_client_register_finish (fx->client, res, &error));
  g_assert_no_error (error);
}

static void
test_agents (Fixture *fx, gconstpointer data)
{
  g_autoptr (GAsyncResult) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL, r5 = NULL, r6 = NULL,
                           r7 = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) list = NULL;
  g_autoptr (JsonNode) agent = NULL;
  g_autoptr (JsonNode) missing = NULL;
  g_autoptr (JsonNode) route = NULL;
  g_autoptr (JsonNode) noroute = NULL;
  g_autoptr (JsonNode) gone = NULL;

  register_alpha (fx);

  weft_registry_client_list_agents_async (fx->client, NULL, agent_test_store_result, &r1);
  WAIT (r1);
  list = weft_registry_client_list_agents_finish (fx->client, r1, &error);
  g_assert_no_error (error);
  g_assert_true (array_has_agent (list, "alpha"));

  weft_registry_client_get_agent_async (fx->client, "alpha", NULL, agent_test_store_result, &r2);
  WAIT (r2);
  agent = weft_registry_client_get_agent_finish (fx->client, r2, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (agent), "health"), ==,
                   "active");

  weft_registry_client_get_agent_async (fx->client, "nobody", NULL, agent_test_store_result, &r3);
  WAIT (r3);
  missing = weft_registry_client_get_agent_finish (fx->client, r3, &error);
  g_assert_null (missing);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND);
  g_clear_error (&error);

  weft_registry_client_route_async (fx->client, "sum", NULL, agent_test_store_result, &r4);
  WAIT (r4);
  route = weft_registry_client_route_finish (fx->client, r4, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (route), "agent_id"), ==,
                   "alpha");

  weft_registry_client_route_async (fx->client, "fly", NULL, agent_test_store_result, &r5);
  WAIT (r5);
  noroute = weft_registry_client_route_finish (fx->client, r5, &error);
  g_assert_null (noroute);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND);
  g_clear_error (&error);

  weft_registry_client_deregister_async (fx->client, "alpha", NULL, agent_test_store_result, &r6);
  WAIT (r6);
  g_assert_true (weft_registry_client_deregister_finish (fx->client, r6, &error));
  g_assert_no_error (error);

  weft_registry_client_get_agent_async (fx->client, "alpha", NULL, agent_test_store_result, &r7);
  WAIT (r7);
  gone = weft_registry_client_get_agent_finish (fx->client, r7, &error);
  g_assert_null (gone);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND);
}

static void
test_tasks (Fixture *fx, gconstpointer data)
{
  g_autoptr (GAsyncResult) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL, r5 = NULL, r6 = NULL,
                           r7 = NULL, r8 = NULL, r9 = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) submit =
    parse ("{\"skill\": \"echo\", \"source_agent_id\": \"alpha\", \"payload\": {\"message\": "
           "\"hi\"}, \"ttl\": 60}");
  g_autoptr (JsonNode) hb = parse ("{\"agent_id\": \"alpha\", \"hostname\": \"h\", "
                                   "\"skill_names\": [\"echo\", \"sum\"]}");
  g_autofree gchar *task_id = NULL;
  g_autoptr (JsonNode) pending = NULL;
  g_autoptr (JsonNode) task = NULL;
  g_autoptr (JsonNode) all = NULL;
  JsonObject *t;

  register_alpha (fx);
  weft_registry_client_submit_task_async (fx->client, submit, NULL, agent_test_store_result, &r1);
  WAIT (r1);
  task_id = weft_registry_client_submit_task_finish (fx->client, r1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (task_id);

  weft_registry_client_heartbeat_async (fx->client, hb, NULL, agent_test_store_result, &r2);
  WAIT (r2);
  pending = weft_registry_client_heartbeat_finish (fx->client, r2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (pending)), ==, 1);
  t = json_array_get_object_element (json_node_get_array (pending), 0);
  g_assert_cmpstr (json_object_get_string_member (t, "id"), ==, task_id);
  g_assert_cmpstr (json_object_get_string_member (t, "state"), ==, "assigned");

  weft_registry_client_update_task_async (fx->client, task_id, "running", NULL, NULL, NULL,
                                          agent_test_store_result, &r3);
  WAIT (r3);
  g_assert_true (weft_registry_client_update_task_finish (fx->client, r3, &error));
  g_assert_no_error (error);
  weft_registry_client_update_task_async (fx->client, task_id, "completed", "hi back", NULL, NULL,
                                          agent_test_store_result, &r4);
  WAIT (r4);
  g_assert_true (weft_registry_client_update_task_finish (fx->client, r4, &error));
  g_assert_no_error (error);

  /* an illegal transition out of a terminal state is refused */
  weft_registry_client_update_task_async (fx->client, task_id, "running", NULL, NULL, NULL,
                                          agent_test_store_result, &r5);
  WAIT (r5);
  g_assert_false (weft_registry_client_update_task_finish (fx->client, r5, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE);
  g_clear_error (&error);

  weft_registry_client_get_task_async (fx->client, task_id, NULL, agent_test_store_result, &r6);
  WAIT (r6);
  task = weft_registry_client_get_task_finish (fx->client, r6, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (task), "state"), ==,
                   "completed");
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (task), "result"), ==,
                   "hi back");

  weft_registry_client_list_tasks_async (fx->client, NULL, agent_test_store_result, &r7);
  WAIT (r7);
  all = weft_registry_client_list_tasks_finish (fx->client, r7, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (all)), >=, 1);

  weft_registry_client_cancel_task_async (fx->client, "00000000-000", NULL, agent_test_store_result,
                                          &r8);
  WAIT (r8);
  g_assert_false (weft_registry_client_cancel_task_finish (fx->client, r8, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND);
  g_clear_error (&error);

  weft_registry_client_get_task_async (fx->client, "00000000-000", NULL, agent_test_store_result,
                                       &r9);
  WAIT (r9);
  g_assert_null (weft_registry_client_get_task_finish (fx->client, r9, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND);
}

static void
test_cancel (Fixture *fx, gconstpointer data)
{
  g_autoptr (GAsyncResult) r1 = NULL, r2 = NULL, r3 = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) submit = parse ("{\"skill\": \"nobody-has-this\", \"ttl\": 60}");
  g_autofree gchar *task_id = NULL;
  g_autoptr (JsonNode) task = NULL;

  weft_registry_client_submit_task_async (fx->client, submit, NULL, agent_test_store_result, &r1);
  WAIT (r1);
  task_id = weft_registry_client_submit_task_finish (fx->client, r1, &error);
  g_assert_no_error (error);
  weft_registry_client_cancel_task_async (fx->client, task_id, NULL, agent_test_store_result, &r2);
  WAIT (r2);
  g_assert_true (weft_registry_client_cancel_task_finish (fx->client, r2, &error));
  g_assert_no_error (error);
  weft_registry_client_get_task_async (fx->client, task_id, NULL, agent_test_store_result, &r3);
  WAIT (r3);
  task = weft_registry_client_get_task_finish (fx->client, r3, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (task), "state"), ==,
                   "cancelled");
}

static void
test_config_and_pairing (Fixture *fx, gconstpointer data)
{
  g_autoptr (GAsyncResult) r1 = NULL, r2 = NULL, r3 = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) config = NULL;
  g_autoptr (JsonNode) pair = NULL;
  g_autoptr (JsonNode) claim = NULL;

  weft_registry_client_get_ice_config_async (fx->client, NULL, agent_test_store_result, &r1);
  WAIT (r1);
  config = weft_registry_client_get_ice_config_finish (fx->client, r1, &error);
  g_assert_no_error (error);
  g_assert_true (json_object_has_member (json_node_get_object (config), "iceServers"));

  weft_registry_client_pair_async (fx->client, "12ab", "me", NULL, agent_test_store_result, &r2);
  WAIT (r2);
  pair = weft_registry_client_pair_finish (fx->client, r2, &error);
  g_assert_null (pair);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "6 digits"));
  g_clear_error (&error);

  weft_registry_client_claim_async (fx->client, "deadbeef", "nope", NULL, agent_test_store_result,
                                    &r3);
  WAIT (r3);
  claim = weft_registry_client_claim_finish (fx->client, r3, &error);
  g_assert_null (claim);
  g_assert_nonnull (error);
  g_assert_true (error->domain == WEFT_ERROR);
}

int
main (int argc, char **argv)
{
  agent_test_init (&argc, &argv);

  g_test_add_func ("/weft/registry-client/ws-url", test_ws_url);
  g_test_add_func ("/weft/registry-client/refused", test_refused);
  g_test_add_func ("/weft/registry-client/bad-url", test_bad_url);
  g_test_add_func ("/weft/registry-client/no-credential", test_no_credential);
#define ADD(path, fn) \
  g_test_add ("/weft/registry-client/" path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("cancelled", test_cancelled);
  ADD ("token", test_token);
  ADD ("unauthenticated", test_unauthenticated);
  ADD ("agents", test_agents);
  ADD ("tasks", test_tasks);
  ADD ("cancel", test_cancel);
  ADD ("config-and-pairing", test_config_and_pairing);
#undef ADD
  return g_test_run ();
}
