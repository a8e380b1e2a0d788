/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "mesh-test-util.h"
#include "weft-agent-private.h"
#include "weft-mesh-agent-private.h"

/* WeftMeshAgent: real WeftAgents registered with a real weft-registry
 * delegate over DataChannels; no task reaches the registry queue */

typedef struct
{
  AgentTestRegistry *reg;
  gchar *dir;
  WeftAgent *alpha;
  WeftAgent *beta;
  WeftAgent *gamma;
  guint hang_runs;
  guint hang_cancelled;
  guint relay_runs;
  WeftMeshAgent *ma; /* (unowned) alpha's */
  WeftMeshAgent *mb; /* (unowned) beta's */
  guint echo_runs;
  guint slow_runs;
  guint slow_running;
  guint slow_max_parallel;
  GPtrArray *prompts; /* (element-type utf8) */
} Fixture;

#define WAIT(res) g_assert_true (agent_test_wait_result (&(res), 20000))

static void
echo_skill (WeftSkill *skill, JsonNode *args, GCancellable *cancellable, GTask *task, gpointer data)
{
  Fixture *fx = data;
  JsonObject *obj = json_node_get_object (args);

  fx->echo_runs++;
  g_task_return_pointer (
    task,
    g_strdup_printf ("echo:%s", json_object_get_string_member_with_default (obj, "message", "")),
    g_free);
  g_object_unref (task);
}

/* beta's "slow": takes 800 ms; counts how many run at once */
static gboolean
slow_end_cb (gpointer data)
{
  GTask *task = data;
  Fixture *fx = g_task_get_task_data (task);

  fx->slow_running--;
  g_task_return_pointer (task, g_strdup ("slow done"), g_free);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static void
slow_skill (WeftSkill *skill, JsonNode *args, GCancellable *cancellable, GTask *task, gpointer data)
{
  Fixture *fx = data;

  fx->slow_runs++;
  fx->slow_running++;
  fx->slow_max_parallel = MAX (fx->slow_max_parallel, fx->slow_running);
  g_task_set_task_data (task, fx, NULL);
  g_timeout_add (800, slow_end_cb, task);
}

/* gamma's "hang": runs until its cancellable fires */
static gboolean
hang_end_cb (gpointer data)
{
  GTask *task = data;

  g_task_return_new_error (task, WEFT_ERROR, WEFT_ERROR_CANCELLED, "hang was cancelled");
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static void
hang_cancelled_cb (GCancellable *cancellable, GTask *task)
{
  Fixture *fx = g_task_get_task_data (task);

  fx->hang_cancelled++;
  /* end it from the loop, not inside the cancel emission */
  g_idle_add (hang_end_cb, task);
}

static void
hang_skill (WeftSkill *skill, JsonNode *args, GCancellable *cancellable, GTask *task, gpointer data)
{
  Fixture *fx = data;

  fx->hang_runs++;
  g_task_set_task_data (task, fx, NULL);
  g_cancellable_connect (cancellable, G_CALLBACK (hang_cancelled_cb), task, NULL);
}

static void
relay_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  gchar *result = weft_agent_delegate_finish (WEFT_AGENT (source), res, &error);

  if (result != NULL)
    g_task_return_pointer (task, result, g_free);
  else
    g_task_return_error (task, error);
  g_object_unref (task);
}

/* beta's "relay": delegates to gamma's "hang" under its own cancellable */
static void
relay_skill (WeftSkill *skill,
             JsonNode *args,
             GCancellable *cancellable,
             GTask *task,
             gpointer data)
{
  Fixture *fx = data;

  fx->relay_runs++;
  weft_agent_delegate_async (fx->beta, "gamma", "hang", "deeper", TRUE, cancellable, relay_done_cb,
                             task);
}

static WeftAgent *
make_agent (Fixture *fx, const gchar *name, const gchar *extra)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *yaml =
    g_strdup_printf ("name: %s\nregistry: %s\nweft:\n  api_key: ak_%s\n"
                     "  device_token_file: %s/none\n%s",
                     name, fx->reg->url, name, fx->dir, extra != NULL ? extra : "");
  g_autoptr (WeftManifest) manifest = weft_manifest_load_data (yaml, -1, fx->dir, &error);
  WeftAgent *agent;
  g_autoptr (GAsyncResult) res = NULL;

  g_assert_no_error (error);
  agent = weft_agent_new (manifest, &error);
  g_assert_no_error (error);
  weft_signaling_set_backoff (weft_agent_get_signaling (agent), 20, 300);
  weft_agent_start_async (agent, NULL, agent_test_store_result, &res);
  WAIT (res);
  g_assert_true (weft_agent_start_finish (agent, res, &error));
  g_assert_no_error (error);
  return agent;
}

static void
prompt_cb (WeftAgent *agent,
           const gchar *from,
           const gchar *message,
           JsonNode *payload,
           Fixture *fx)
{
  g_ptr_array_add (fx->prompts, g_strdup_printf ("%s:%s", from, message));
}

static gboolean
peers_known (gpointer data)
{
  Fixture *fx = data;
  WeftPeer *peer = weft_agent_lookup_peer (fx->alpha, "beta");

  WeftPeer *gp = fx->gamma != NULL ? weft_agent_lookup_peer (fx->beta, "gamma") : NULL;

  return peer != NULL && g_strcmp0 (weft_peer_get_peer_id (peer), "beta") == 0 &&
         weft_mesh_is_online (weft_mesh_agent_get_mesh (fx->ma), "beta") && gp != NULL &&
         g_strcmp0 (weft_peer_get_peer_id (gp), "gamma") == 0 &&
         weft_mesh_is_online (weft_mesh_agent_get_mesh (fx->mb), "gamma");
}

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  const gchar *names[] = { "alpha", "beta", "gamma", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftSkill) echo = NULL;

  fx->reg = mesh_test_registry_new (names);
  g_assert_true (agent_test_registry_start (fx->reg));
  fx->dir = g_dir_make_tmp ("weft-mesh-agent-XXXXXX", &error);
  g_assert_no_error (error);
  fx->prompts = g_ptr_array_new_with_free_func (g_free);
  fx->alpha = make_agent (fx, "alpha", "skills: [delegate]\n");
  /* data: beta's extra weft settings */
  fx->beta = make_agent (fx, "beta", data);
  echo = weft_skill_new ("echo", "says it back", echo_skill, fx, NULL);
  g_assert_true (weft_skill_add_parameter (echo, "message", WEFT_SKILL_PARAM_TYPE_STRING, "text",
                                           TRUE, NULL, &error));
  g_assert_true (weft_agent_add_skill (fx->beta, echo, &error));
  g_assert_no_error (error);
  g_signal_connect (fx->beta, "agent-prompt", G_CALLBACK (prompt_cb), fx);
  fx->gamma = make_agent (fx, "gamma", NULL);
  {
    g_autoptr (WeftSkill) hang = weft_skill_new ("hang", "waits", hang_skill, fx, NULL);
    g_autoptr (WeftSkill) relay = weft_skill_new ("relay", "passes on", relay_skill, fx, NULL);
    g_autoptr (WeftSkill) slow = weft_skill_new ("slow", "takes a while", slow_skill, fx, NULL);

    g_assert_true (weft_skill_add_parameter (hang, "message", WEFT_SKILL_PARAM_TYPE_STRING, "text",
                                             FALSE, NULL, &error));
    g_assert_true (weft_skill_add_parameter (relay, "message", WEFT_SKILL_PARAM_TYPE_STRING, "text",
                                             FALSE, NULL, &error));
    g_assert_true (weft_agent_add_skill (fx->gamma, hang, &error));
    g_assert_true (weft_agent_add_skill (fx->beta, relay, &error));
    g_assert_true (weft_skill_add_parameter (slow, "message", WEFT_SKILL_PARAM_TYPE_STRING, "text",
                                             FALSE, NULL, &error));
    g_assert_true (weft_agent_add_skill (fx->beta, slow, &error));
    g_assert_no_error (error);
  }
  /* every agent has its direct path (WEFT_MESH_LOOPBACK keeps it on 127.0.0.1) */
  fx->ma = fx->alpha->mesh;
  fx->mb = fx->beta->mesh;
  /* the agents' signaling may have registered before the mesh listened:
   * the registry's list and presence make both known */
  while (!peers_known (fx))
    {
      weft_agent_refresh_peers (fx->alpha);
      weft_agent_refresh_peers (fx->beta);
      agent_test_wait_until (peers_known, fx, 500);
    }
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  g_autoptr (GAsyncResult) ra = NULL;
  g_autoptr (GAsyncResult) rb = NULL;
  g_autoptr (GAsyncResult) rc = NULL;
  g_autofree gchar *cmd = g_strdup_printf ("rm -rf '%s'", fx->dir);

  weft_agent_stop_async (fx->alpha, NULL, agent_test_store_result, &ra);
  weft_agent_stop_async (fx->beta, NULL, agent_test_store_result, &rb);
  weft_agent_stop_async (fx->gamma, NULL, agent_test_store_result, &rc);
  WAIT (ra);
  WAIT (rb);
  WAIT (rc);
  g_clear_object (&fx->alpha);
  g_clear_object (&fx->beta);
  g_clear_object (&fx->gamma);
  mesh_test_spin (100);
  agent_test_registry_free (fx->reg);
  g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL));
  g_free (fx->dir);
  g_ptr_array_unref (fx->prompts);
}

static guint
tasks_in_queue (Fixture *fx)
{
  g_autoptr (WeftRegistryClient) admin = weft_registry_client_new (fx->reg->url);
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) tasks = NULL;

  weft_registry_client_set_api_key (admin, "ak_admin");
  weft_registry_client_list_tasks_async (admin, NULL, agent_test_store_result, &res);
  WAIT (res);
  tasks = weft_registry_client_list_tasks_finish (admin, res, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (tasks));
  return json_array_get_length (json_node_get_array (tasks));
}

static void
test_delegate_direct (Fixture *fx, gconstpointer data)
{
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftMeshRoute) route = NULL;
  g_autofree gchar *result = NULL;
  g_autoptr (JsonNode) routes = NULL;
  JsonArray *list;

  weft_mesh_agent_delegate_async (fx->ma, "beta", "echo", "over the channel", NULL, NULL,
                                  agent_test_store_result, &res);
  WAIT (res);
  result = weft_mesh_agent_delegate_finish (fx->ma, res, &route, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result, ==, "echo:over the channel");
  g_assert_cmpstr (route->path, ==, "direct");
  g_assert_cmpuint (fx->echo_runs, ==, 1);
  /* the registry never saw it */
  g_assert_cmpuint (tasks_in_queue (fx), ==, 0);
  routes = weft_mesh_agent_dup_routes (fx->ma);
  list = json_object_get_array_member (json_node_get_object (routes), "routes");
  g_assert_cmpuint (json_array_get_length (list), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (list, 0), "path"),
                   ==, "direct");
}

static void
test_unknown_target (Fixture *fx, gconstpointer data)
{
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftMeshRoute) route = NULL;
  g_autofree gchar *result = NULL;
  g_autoptr (JsonNode) routes = NULL;
  JsonArray *list;

  /* unavailable at once: the caller takes the registry path */
  weft_mesh_agent_delegate_async (fx->ma, "nobody", "echo", "x", NULL, NULL,
                                  agent_test_store_result, &res);
  WAIT (res);
  result = weft_mesh_agent_delegate_finish (fx->ma, res, &route, &error);
  g_assert_null (result);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_UNAVAILABLE);
  g_assert_false (route->ok);
  weft_mesh_agent_report_fallback (fx->ma, "delegate", "nobody", route->reason, 1500, TRUE);
  routes = weft_mesh_agent_dup_routes (fx->ma);
  list = json_object_get_array_member (json_node_get_object (routes), "routes");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (list, 0), "path"),
                   ==, "registry");
  g_assert_nonnull (strstr (
    json_object_get_string_member (json_array_get_object_element (list, 0), "reason"), "nobody"));
}

static void
test_unknown_skill (Fixture *fx, gconstpointer data)
{
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *result = NULL;

  weft_mesh_agent_delegate_async (fx->ma, "beta", "nope", "x", NULL, NULL, agent_test_store_result,
                                  &res);
  WAIT (res);
  result = weft_mesh_agent_delegate_finish (fx->ma, res, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "unknown skill: nope");
}

static void
test_prompt (Fixture *fx, gconstpointer data)
{
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) sent = NULL;

  weft_mesh_agent_send_async (fx->ma, "beta", "hello beta", NULL, agent_test_store_result, &res);
  WAIT (res);
  g_assert_true (weft_mesh_agent_send_finish (fx->ma, res, NULL, &error));
  g_assert_no_error (error);
  while (fx->prompts->len < 1)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (g_ptr_array_index (fx->prompts, 0), ==, "alpha:hello beta");

  /* the channel is open now: a broadcast goes over it */
  sent = weft_mesh_agent_broadcast (fx->ma, "to all");
  g_assert_cmpuint (g_strv_length (sent), ==, 1);
  g_assert_cmpstr (sent[0], ==, "beta");
  while (fx->prompts->len < 2)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (g_ptr_array_index (fx->prompts, 1), ==, "alpha:to all");
  g_assert_cmpuint (tasks_in_queue (fx), ==, 0);
}

static void
test_agent_delegate (Fixture *fx, gconstpointer data)
{
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *result = NULL;

  /* the agent's own delegate takes the channel: no task in the queue */
  weft_agent_delegate_async (fx->alpha, "beta", "echo", "agent api", TRUE, NULL,
                             agent_test_store_result, &res);
  WAIT (res);
  result = weft_agent_delegate_finish (fx->alpha, res, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result, ==, "echo:agent api");
  g_assert_cmpuint (fx->echo_runs, ==, 1);
  g_assert_cmpuint (tasks_in_queue (fx), ==, 0);
  g_assert_true (weft_mesh_is_open (weft_mesh_agent_get_mesh (fx->ma), "beta"));
}

static void
test_agent_fallback (Fixture *fx, gconstpointer data)
{
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *result = NULL;
  g_autoptr (JsonNode) routes = NULL;
  JsonObject *last;

  /* beta's direct path is down: no channel within the budget, so the
   * delegation goes through the registry queue and still succeeds */
  weft_mesh_agent_stop (fx->mb);
  weft_mesh_set_open_budget (weft_mesh_agent_get_mesh (fx->ma), 400);
  weft_agent_delegate_async (fx->alpha, "beta", "echo", "via registry", TRUE, NULL,
                             agent_test_store_result, &res);
  WAIT (res);
  result = weft_agent_delegate_finish (fx->alpha, res, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result, ==, "echo:via registry");
  g_assert_cmpuint (fx->echo_runs, ==, 1);
  g_assert_cmpuint (tasks_in_queue (fx), ==, 1);
  routes = weft_mesh_agent_dup_routes (fx->ma);
  last = json_array_get_object_element (
    json_object_get_array_member (json_node_get_object (routes), "routes"), 0);
  g_assert_cmpstr (json_object_get_string_member (last, "path"), ==, "registry");
  g_assert_nonnull (strstr (json_object_get_string_member (last, "reason"), "400 ms budget"));
}

static gboolean
cancel_later_cb (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static gboolean
hang_was_cancelled (gpointer data)
{
  return ((Fixture *) data)->hang_cancelled > 0;
}

static void
test_agent_cancel_cascade (Fixture *fx, gconstpointer data)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *result = NULL;

  /* alpha → beta ("relay", a skill that delegates) → gamma ("hang");
   * cancelling alpha's delegation reaches gamma's skill */
  g_timeout_add (1000, cancel_later_cb, cancellable);
  weft_agent_delegate_async (fx->alpha, "beta", "relay", "x", TRUE, cancellable,
                             agent_test_store_result, &res);
  WAIT (res);
  result = weft_agent_delegate_finish (fx->alpha, res, &error);
  g_assert_null (result);
  g_assert_true (g_error_matches (error, WEFT_ERROR, WEFT_ERROR_CANCELLED) ||
                 g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_assert_true (agent_test_wait_until (hang_was_cancelled, fx, 10000));
  g_assert_cmpuint (fx->relay_runs, ==, 1);
  g_assert_cmpuint (fx->hang_runs, ==, 1);
  g_assert_cmpuint (fx->hang_cancelled, ==, 1);
  /* all of it over channels */
  g_assert_cmpuint (tasks_in_queue (fx), ==, 0);
}

static gboolean
echo_ran (gpointer data)
{
  return ((Fixture *) data)->echo_runs > 0;
}

static JsonObject *
newest_route (WeftAgent *agent, guint *n_routes)
{
  g_autoptr (JsonNode) routes = weft_agent_dup_routes (agent);
  JsonArray *list = json_object_get_array_member (json_node_get_object (routes), "routes");

  *n_routes = json_array_get_length (list);
  g_assert_cmpuint (*n_routes, >, 0);
  return json_object_ref (json_array_get_object_element (list, 0));
}

static void
test_fire_and_forget_direct (Fixture *fx, gconstpointer data)
{
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GAsyncResult) res2 = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *request_id = NULL;
  g_autofree gchar *text = NULL;
  g_autoptr (JsonObject) route = NULL;
  g_autoptr (JsonNode) args = NULL;
  guint n_routes = 0;

  /* wait=false takes the channel (opened within the budget) and answers
   * with the task_request's id once it is on its way */
  weft_agent_delegate_async (fx->alpha, "beta", "echo", "no waiting", FALSE, NULL,
                             agent_test_store_result, &res);
  WAIT (res);
  request_id = weft_agent_delegate_finish (fx->alpha, res, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (request_id), >, 0);
  g_assert_true (agent_test_wait_until (echo_ran, fx, 10000));
  /* let the task_response come back: the call still counts once */
  mesh_test_spin (300);
  g_assert_cmpuint (fx->echo_runs, ==, 1);
  g_assert_cmpuint (tasks_in_queue (fx), ==, 0);
  route = newest_route (fx->alpha, &n_routes);
  g_assert_cmpuint (n_routes, ==, 1);
  g_assert_cmpstr (json_object_get_string_member (route, "path"), ==, "direct");
  g_assert_cmpstr (json_object_get_string_member (route, "kind"), ==, "delegate");
  g_assert_cmpstr (json_object_get_string_member (route, "request_id"), ==, request_id);
  g_assert_nonnull (strstr (json_object_get_string_member (route, "reason"), "fire-and-forget"));
  g_assert_true (json_object_get_boolean_member (route, "ok"));

  /* the delegate skill says which path it took, as chatixia does */
  args = json_from_string ("{\"target_agent_id\":\"beta\",\"skill\":\"echo\","
                           "\"message\":\"skill\",\"wait\":false}",
                           NULL);
  weft_agent_invoke_async (fx->alpha, "delegate", args, NULL, agent_test_store_result, &res2);
  WAIT (res2);
  text = weft_agent_invoke_finish (fx->alpha, res2, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, "Task delegated to beta via P2P (fire-and-forget)");
  while (fx->echo_runs < 2)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (tasks_in_queue (fx), ==, 0);
}

static void
test_fire_and_forget_fallback (Fixture *fx, gconstpointer data)
{
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *task_id = NULL;
  g_autoptr (JsonObject) route = NULL;
  guint n_routes = 0;

  /* no channel within the budget: the registry queue takes it */
  weft_mesh_agent_stop (fx->mb);
  weft_mesh_set_open_budget (weft_mesh_agent_get_mesh (fx->ma), 400);
  weft_agent_delegate_async (fx->alpha, "beta", "echo", "queued", FALSE, NULL,
                             agent_test_store_result, &res);
  WAIT (res);
  task_id = weft_agent_delegate_finish (fx->alpha, res, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tasks_in_queue (fx), ==, 1);
  g_assert_true (agent_test_wait_until (echo_ran, fx, 10000));
  g_assert_cmpuint (fx->echo_runs, ==, 1);
  route = newest_route (fx->alpha, &n_routes);
  g_assert_cmpstr (json_object_get_string_member (route, "path"), ==, "registry");
  g_assert_nonnull (strstr (json_object_get_string_member (route, "reason"), "400 ms budget"));
}

static gboolean
slow_is_running (gpointer data)
{
  return ((Fixture *) data)->slow_running > 0;
}

static gboolean
three_slow_ran (gpointer data)
{
  Fixture *fx = data;

  return fx->slow_runs >= 3 && fx->slow_running == 0;
}

static void
test_busy_fallback (Fixture *fx, gconstpointer data)
{
  g_autoptr (GAsyncResult) r1 = NULL;
  g_autoptr (GAsyncResult) r2 = NULL;
  g_autoptr (GAsyncResult) r3 = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *first = NULL;
  g_autofree gchar *second = NULL;
  g_autofree gchar *third = NULL;
  g_autoptr (JsonNode) routes = NULL;
  JsonArray *list;
  guint registry_routes = 0;

  /* beta runs one task at a time (max_concurrent_tasks: 1) */
  g_assert_cmpuint (weft_agent_get_max_concurrent_tasks (fx->beta), ==, 1);
  weft_agent_delegate_async (fx->alpha, "beta", "slow", "one", TRUE, NULL, agent_test_store_result,
                             &r1);
  g_assert_true (agent_test_wait_until (slow_is_running, fx, 10000));
  /* a second request over the channel while beta is full: refused as
   * busy, so it goes through the registry queue and waits for the slot */
  weft_agent_delegate_async (fx->alpha, "beta", "slow", "two", TRUE, NULL, agent_test_store_result,
                             &r2);
  /* and a fire-and-forget one goes out on the channel, is refused, and is
   * queued in the background */
  weft_agent_delegate_async (fx->alpha, "beta", "slow", "three", FALSE, NULL,
                             agent_test_store_result, &r3);
  WAIT (r1);
  WAIT (r2);
  WAIT (r3);
  first = weft_agent_delegate_finish (fx->alpha, r1, &error);
  g_assert_no_error (error);
  second = weft_agent_delegate_finish (fx->alpha, r2, &error);
  g_assert_no_error (error);
  third = weft_agent_delegate_finish (fx->alpha, r3, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (first, ==, "slow done");
  g_assert_cmpstr (second, ==, "slow done");
  g_assert_true (agent_test_wait_until (three_slow_ran, fx, 20000));
  /* nothing ran twice, and never two at once */
  mesh_test_spin (500);
  g_assert_cmpuint (fx->slow_runs, ==, 3);
  g_assert_cmpuint (fx->slow_max_parallel, ==, 1);
  g_assert_cmpuint (tasks_in_queue (fx), ==, 2);

  routes = weft_agent_dup_routes (fx->alpha);
  list = json_object_get_array_member (json_node_get_object (routes), "routes");
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *r = json_array_get_object_element (list, i);

      if (g_str_equal (json_object_get_string_member (r, "path"), "registry"))
        {
          registry_routes++;
          g_assert_nonnull (strstr (json_object_get_string_member (r, "reason"), "limit"));
        }
    }
  g_assert_cmpuint (registry_routes, ==, 2);
}

int
main (int argc, char **argv)
{
  g_setenv ("WEFT_MESH_LOOPBACK", "1", TRUE);
  agent_test_init (&argc, &argv);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/weft/mesh-agent/delegate-direct", test_delegate_direct);
  ADD ("/weft/mesh-agent/unknown-target", test_unknown_target);
  ADD ("/weft/mesh-agent/unknown-skill", test_unknown_skill);
  ADD ("/weft/mesh-agent/prompt", test_prompt);
  ADD ("/weft/mesh-agent/agent-delegate", test_agent_delegate);
  ADD ("/weft/mesh-agent/agent-fallback", test_agent_fallback);
  ADD ("/weft/mesh-agent/agent-cancel-cascade", test_agent_cancel_cascade);
  ADD ("/weft/mesh-agent/fire-and-forget-direct", test_fire_and_forget_direct);
  ADD ("/weft/mesh-agent/fire-and-forget-fallback", test_fire_and_forget_fallback);
  g_test_add ("/weft/mesh-agent/busy-fallback", Fixture,
              "  max_concurrent_tasks: 1\n  heartbeat_interval: 1\n", fixture_setup,
              test_busy_fallback, fixture_teardown);
#undef ADD
  return g_test_run ();
}
