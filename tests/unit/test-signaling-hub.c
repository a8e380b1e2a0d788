/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gio.h>
#include <string.h>
#include <sys/socket.h>

#include "weft.h"
#include "weft-auth.h"
#include "weft-signaling-hub.h"

/* a real WebSocket over a socket pair: the server end goes to the hub, the test speaks
 * through the client end */
typedef struct
{
  SoupWebsocketConnection *server; /* (owned) */
  SoupWebsocketConnection *client; /* (owned) */
  GQueue frames;                   /* (element-type JsonNode) received by the client */
  gboolean closed;
  gushort close_code;
} Peer;

typedef struct
{
  WeftAuth *auth;
  WeftSignalingHub *hub;
} Fixture;

static void
on_client_message (SoupWebsocketConnection *conn, gint type, GBytes *data, gpointer user_data)
{
  Peer *peer = user_data;
  g_autoptr (JsonParser) parser = json_parser_new ();
  gsize len;
  const gchar *text = g_bytes_get_data (data, &len);

  g_assert_true (json_parser_load_from_data (parser, text, (gssize) len, NULL));
  g_queue_push_tail (&peer->frames, json_node_copy (json_parser_get_root (parser)));
}

static void
on_client_closed (SoupWebsocketConnection *conn, gpointer user_data)
{
  Peer *peer = user_data;

  peer->closed = TRUE;
  peer->close_code = soup_websocket_connection_get_close_code (conn);
}

static Peer *
peer_new (Fixture *f, const gchar *peer_id, gint64 expires_at)
{
  Peer *peer = g_new0 (Peer, 1);
  int fds[2];
  g_autoptr (GSocket) s0 = NULL;
  g_autoptr (GSocket) s1 = NULL;
  g_autoptr (GSocketConnection) c0 = NULL;
  g_autoptr (GSocketConnection) c1 = NULL;
  g_autoptr (GUri) uri = g_uri_parse ("ws://127.0.0.1/ws", G_URI_FLAGS_NONE, NULL);
  g_autoptr (WeftPrincipal) principal = NULL;
  g_autofree gchar *credential = g_strconcat ("key:", peer_id, NULL);

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM, 0, fds), ==, 0);
  s0 = g_socket_new_from_fd (fds[0], NULL);
  s1 = g_socket_new_from_fd (fds[1], NULL);
  c0 = g_socket_connection_factory_create_connection (s0);
  c1 = g_socket_connection_factory_create_connection (s1);
  peer->server = soup_websocket_connection_new (G_IO_STREAM (c0), uri,
                                                SOUP_WEBSOCKET_CONNECTION_SERVER, NULL, NULL, NULL);
  peer->client = soup_websocket_connection_new (G_IO_STREAM (c1), uri,
                                                SOUP_WEBSOCKET_CONNECTION_CLIENT, NULL, NULL, NULL);
  g_signal_connect (peer->client, "message", G_CALLBACK (on_client_message), peer);
  g_signal_connect (peer->client, "closed", G_CALLBACK (on_client_closed), peer);
  principal = weft_principal_new (credential, peer_id, WEFT_ROLE_AGENT, expires_at);
  weft_signaling_hub_add_connection (f->hub, peer->server, principal);
  return peer;
}

static void
peer_free (Peer *peer)
{
  g_signal_handlers_disconnect_by_data (peer->client, peer);
  if (soup_websocket_connection_get_state (peer->client) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (peer->client, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_clear_object (&peer->client);
  g_clear_object (&peer->server);
  g_queue_clear_full (&peer->frames, (GDestroyNotify) json_node_unref);
  g_free (peer);
}

static void
send_frame (Peer *peer, const gchar *type, const gchar *from, const gchar *target)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;
  g_autofree gchar *text = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
  json_builder_set_member_name (b, "peer_id");
  json_builder_add_string_value (b, from);
  if (target != NULL)
    {
      json_builder_set_member_name (b, "target_id");
      json_builder_add_string_value (b, target);
    }
  json_builder_set_member_name (b, "payload");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "sdp");
  json_builder_add_string_value (b, "v=0");
  json_builder_end_object (b);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  text = json_to_string (node, FALSE);
  soup_websocket_connection_send_text (peer->client, text);
}

/* runs the main loop for @ms milliseconds */
static void
spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}

static JsonNode *
wait_frame (Peer *peer, const gchar *type)
{
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < end)
    {
      while (!g_queue_is_empty (&peer->frames))
        {
          JsonNode *node = g_queue_pop_head (&peer->frames);

          if (g_str_equal (json_object_get_string_member (json_node_get_object (node), "type"),
                           type))
            return node;
          json_node_unref (node);
        }
      g_main_context_iteration (NULL, FALSE);
    }
  g_assert_not_reached ();
  return NULL;
}

static gboolean
got_frame (Peer *peer, const gchar *type)
{
  for (GList *l = peer->frames.head; l != NULL; l = l->next)
    if (g_str_equal (json_object_get_string_member (json_node_get_object (l->data), "type"), type))
      return TRUE;
  return FALSE;
}

static void
wait_closed (Peer *peer)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!peer->closed && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
  g_assert_true (peer->closed);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->auth = weft_auth_new ("hub-unit-test-secret", 300, 60, WEFT_ANONYMOUS_NONE);
  g_assert_true (weft_auth_load_api_keys_data (
    f->auth,
    "{\"keys\": {\"ka\": {\"peer_id\": \"alpha\", \"role\": \"agent\"},"
    "\"kb\": {\"peer_id\": \"beta\", \"role\": \"agent\"}}}",
    -1, "test", FALSE, &error));
  g_assert_no_error (error);
  f->hub = weft_signaling_hub_new (f->auth);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->hub);
  g_clear_object (&f->auth);
  spin (50);
}

static void
test_relay (Fixture *f, gconstpointer data)
{
  Peer *alpha = peer_new (f, "alpha", 0);
  Peer *beta = peer_new (f, "beta", 0);
  Peer *mallory = peer_new (f, "mallory", 0);
  g_autoptr (JsonNode) list = NULL;
  g_autoptr (JsonNode) joined = NULL;
  g_autoptr (JsonNode) offer = NULL;
  JsonObject *obj;

  send_frame (alpha, "register", "alpha", NULL);
  list = wait_frame (alpha, "peer_list");
  {
    JsonArray *peers = json_object_get_array_member (
      json_object_get_object_member (json_node_get_object (list), "payload"), "peers");

    /* the other connected authorised peer, not the unauthorised one */
    g_assert_cmpuint (json_array_get_length (peers), ==, 1);
    g_assert_cmpstr (json_array_get_string_element (peers, 0), ==, "beta");
  }
  send_frame (beta, "register", "beta", NULL);
  joined = wait_frame (alpha, "peer_joined");
  g_assert_cmpstr (
    json_object_get_string_member (
      json_object_get_object_member (json_node_get_object (joined), "payload"), "peer_id"),
    ==, "beta");

  send_frame (alpha, "offer", "alpha", "beta");
  offer = wait_frame (beta, "offer");
  obj = json_node_get_object (offer);
  g_assert_cmpstr (json_object_get_string_member (obj, "peer_id"), ==, "alpha");
  g_assert_cmpstr (json_object_get_string_member (obj, "target_id"), ==, "beta");
  g_assert_cmpuint (weft_signaling_hub_get_n_relayed (f->hub), ==, 1);

  /* spoofed sender, unauthorised sender and target: all dropped */
  send_frame (alpha, "offer", "beta", "beta");
  send_frame (mallory, "register", "mallory", NULL);
  send_frame (mallory, "offer", "mallory", "beta");
  send_frame (beta, "offer", "beta", "mallory");
  spin (200);
  g_assert_false (got_frame (beta, "offer"));
  g_assert_false (got_frame (mallory, "offer"));
  /* nobody hears of an unauthorised peer */
  g_assert_false (got_frame (alpha, "peer_joined") || got_frame (beta, "peer_joined"));
  g_assert_cmpuint (weft_signaling_hub_get_n_relayed (f->hub), ==, 1);
  g_assert_cmpuint (weft_signaling_hub_get_n_connections (f->hub), ==, 3);

  peer_free (mallory);
  peer_free (beta);
  {
    g_autoptr (JsonNode) left = wait_frame (alpha, "peer_left");
  }
  peer_free (alpha);
}

static void
test_replace (Fixture *f, gconstpointer data)
{
  Peer *first = peer_new (f, "alpha", 0);
  Peer *second = NULL;
  Peer *beta = peer_new (f, "beta", 0);
  g_autoptr (JsonNode) offer = NULL;

  send_frame (first, "register", "alpha", NULL);
  g_clear_pointer (&offer, json_node_unref);
  second = peer_new (f, "alpha", 0);
  wait_closed (first);
  g_assert_cmpuint (first->close_code, ==, WEFT_WS_CLOSE_REPLACED);
  spin (100);
  /* the replaced socket's close left the new entry alone */
  g_assert_true (weft_signaling_hub_has_peer (f->hub, "alpha"));
  send_frame (beta, "offer", "beta", "alpha");
  offer = wait_frame (second, "offer");
  g_assert_nonnull (offer);
  peer_free (first);
  peer_free (second);
  peer_free (beta);
}

static void
test_revoke_and_expiry (Fixture *f, gconstpointer data)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  Peer *alpha = peer_new (f, "alpha", 0);
  Peer *beta = peer_new (f, "beta", now + 1);

  weft_auth_revoke_credential (f->auth, "key:alpha");
  wait_closed (alpha);
  g_assert_cmpuint (alpha->close_code, ==, WEFT_WS_CLOSE_REVOKED);
  wait_closed (beta);
  g_assert_cmpuint (beta->close_code, ==, WEFT_WS_CLOSE_TOKEN_EXPIRED);
  peer_free (alpha);
  peer_free (beta);
  spin (100);
  g_assert_cmpuint (weft_signaling_hub_get_n_connections (f->hub), ==, 0);
}

static void
test_rate_limit (Fixture *f, gconstpointer data)
{
  Peer *alpha = peer_new (f, "alpha", 0);

  weft_signaling_hub_set_limits (f->hub, 1024, 10, 5);
  for (guint i = 0; i < 50; i++)
    send_frame (alpha, "heartbeat", "alpha", NULL);
  wait_closed (alpha);
  g_assert_cmpuint (alpha->close_code, ==, WEFT_WS_CLOSE_RATE_LIMITED);
  peer_free (alpha);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add ("/weft/signaling-hub/relay", Fixture, NULL, fixture_setup, test_relay,
              fixture_teardown);
  g_test_add ("/weft/signaling-hub/replace", Fixture, NULL, fixture_setup, test_replace,
              fixture_teardown);
  g_test_add ("/weft/signaling-hub/revoke-and-expiry", Fixture, NULL, fixture_setup,
              test_revoke_and_expiry, fixture_teardown);
  g_test_add ("/weft/signaling-hub/rate-limit", Fixture, NULL, fixture_setup, test_rate_limit,
              fixture_teardown);
  return g_test_run ();
}
