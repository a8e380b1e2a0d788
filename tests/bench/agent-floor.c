/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * agent-floor: the reference for the agent's idle RSS. It does the least an
 * idle agent must do, with the libraries DESIGN.md prescribes and nothing of
 * Weft: it takes its locale from the environment (an agent's messages are
 * translated), parses the manifest with libyaml, owns a bus name and exports
 * org.weft.Agent1 from its XML through GDBus, exchanges an API key for a
 * token over libsoup, parses the answer with json-glib, keeps a WebSocket
 * open to /ws and fetches the agent list every second, and quits on SIGINT or
 * SIGTERM. It prints "ready" on stdout once the WebSocket is open.
 *
 * usage: agent-floor REGISTRY-URL API-KEY MANIFEST INTERFACE-XML
 */
#include "config.h"

#include <gio/gio.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <locale.h>
#include <stdio.h>
#include <yaml.h>

typedef struct
{
  const gchar *base_url;
  SoupSession *session;
  SoupWebsocketConnection *websocket;
  GDBusNodeInfo *node;
} AgentFloor;

static gboolean
parse_manifest (const gchar *path, GError **error)
{
  g_autofree gchar *text = NULL;
  gsize length = 0;
  yaml_parser_t parser;
  gboolean done = FALSE, ok = TRUE;

  if (!g_file_get_contents (path, &text, &length, error))
    return FALSE;
  yaml_parser_initialize (&parser);
  yaml_parser_set_input_string (&parser, (const guchar *) text, length);
  while (!done && ok)
    {
      yaml_event_t event;

      ok = yaml_parser_parse (&parser, &event);
      if (ok)
        {
          done = event.type == YAML_STREAM_END_EVENT;
          yaml_event_delete (&event);
        }
    }
  if (!ok)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: %s", path,
                 parser.problem != NULL ? parser.problem : "invalid YAML");
  yaml_parser_delete (&parser);
  return ok;
}

static void
method_call (GDBusConnection *connection,
             const gchar *sender,
             const gchar *path,
             const gchar *interface,
             const gchar *method,
             GVariant *parameters,
             GDBusMethodInvocation *invocation,
             gpointer user_data)
{
  g_dbus_method_invocation_return_dbus_error (invocation, "org.weft.Error.NotSupported",
                                              "agent-floor answers no calls");
}

static const GDBusInterfaceVTable vtable = { method_call, NULL, NULL, { NULL } };

static void
bus_acquired (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  AgentFloor *self = user_data;
  g_autoptr (GError) error = NULL;

  if (g_dbus_connection_register_object (connection, "/org/weft/Agent1", self->node->interfaces[0],
                                         &vtable, NULL, NULL, &error) == 0)
    g_error ("agent-floor: %s", error->message);
}

static JsonNode *
parse_json_bytes (GBytes *bytes, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  gsize size = 0;
  const gchar *data = g_bytes_get_data (bytes, &size);

  if (!json_parser_load_from_data (parser, data, size, error))
    return NULL;
  return json_parser_steal_root (parser);
}

static void
agents_fetched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body =
    soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_autoptr (JsonNode) root = NULL;

  if (body != NULL)
    root = parse_json_bytes (body, &error);
  if (root == NULL)
    g_error ("agent-floor: agent list: %s", error->message);
}

static gboolean
fetch_agents (gpointer user_data)
{
  AgentFloor *self = user_data;
  g_autofree gchar *url = g_strconcat (self->base_url, "/api/registry/agents", NULL);
  g_autoptr (SoupMessage) message = soup_message_new ("GET", url);

  soup_session_send_and_read_async (self->session, message, G_PRIORITY_DEFAULT, NULL,
                                    agents_fetched, self);
  return G_SOURCE_CONTINUE;
}

static void
websocket_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AgentFloor *self = user_data;
  g_autoptr (GError) error = NULL;

  self->websocket = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (self->websocket == NULL)
    g_error ("agent-floor: /ws: %s", error->message);
  fetch_agents (self);
  g_timeout_add_seconds (1, fetch_agents, self);
  printf ("ready\n");
  fflush (stdout);
}

static void
token_received (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AgentFloor *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body =
    soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_autoptr (JsonNode) root = NULL;
  g_autofree gchar *escaped = NULL, *ws_url = NULL;
  g_autoptr (SoupMessage) message = NULL;
  const gchar *token = NULL;

  if (body != NULL)
    root = parse_json_bytes (body, &error);
  if (root == NULL)
    g_error ("agent-floor: /api/token: %s", error->message);
  if (JSON_NODE_HOLDS_OBJECT (root))
    token = json_object_get_string_member_with_default (json_node_get_object (root), "token", NULL);
  if (token == NULL)
    g_error ("agent-floor: /api/token answered without a token");

  escaped = g_uri_escape_string (token, NULL, FALSE);
  ws_url = g_strconcat (self->base_url, "/ws?token=", escaped, NULL);
  message = soup_message_new ("GET", ws_url);
  soup_session_websocket_connect_async (self->session, message, NULL, NULL, G_PRIORITY_DEFAULT,
                                        NULL, websocket_connected, self);
}

static gboolean
quit (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  AgentFloor self = { 0 };
  g_autoptr (GError) error = NULL;
  g_autofree gchar *xml = NULL, *token_url = NULL;
  g_autoptr (SoupMessage) message = NULL;
  g_autoptr (GMainLoop) loop = NULL;

  if (argc != 5)
    {
      fprintf (stderr, "usage: %s REGISTRY-URL API-KEY MANIFEST INTERFACE-XML\n", argv[0]);
      return 2;
    }
  setlocale (LC_ALL, "");
  self.base_url = argv[1];
  if (!parse_manifest (argv[3], &error) || !g_file_get_contents (argv[4], &xml, NULL, &error) ||
      (self.node = g_dbus_node_info_new_for_xml (xml, &error)) == NULL)
    {
      fprintf (stderr, "agent-floor: %s\n", error->message);
      return 1;
    }

  /* as the agent: proxies from the environment only, none here */
  self.session = soup_session_new_with_options ("proxy-resolver", NULL, NULL);
  g_bus_own_name (G_BUS_TYPE_SESSION, "org.weft.Agent1.floor", G_BUS_NAME_OWNER_FLAGS_NONE,
                  bus_acquired, NULL, NULL, &self, NULL);

  token_url = g_strconcat (self.base_url, "/api/token", NULL);
  message = soup_message_new ("POST", token_url);
  soup_message_headers_append (soup_message_get_request_headers (message), "X-API-Key", argv[2]);
  soup_session_send_and_read_async (self.session, message, G_PRIORITY_DEFAULT, NULL, token_received,
                                    &self);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, quit, loop);
  g_unix_signal_add (SIGTERM, quit, loop);
  g_main_loop_run (loop);
  return 0;
}
