/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * weft-mesh-node: one WeftMesh peer in its own process, for tests and
 * benchmarks of the direct path against other processes (another node, an
 * aiortc peer that behaves like the chatixia sidecar).
 *
 * usage: weft-mesh-node --registry URL --api-key KEY --name AGENT
 *                       [--full-mesh] [--expect-peers N] [--idle-ms MS] [--agent]
 *                       [--quiet]
 *
 * it answers task_request for the skills "echo" (result "<name>:<message>")
 * and "fail", prints one JSON object per line on stdout for what happens
 * ({"event":"ready"|"peer-connected"|"peer-disconnected"|"executed"|
 * "prompt"|"result"|"all-connected", ...}) and reads commands from stdin,
 * one JSON object per line:
 *   {"cmd":"request","peer":P,"skill":S,"message":M,"timeout_ms":T}
 *   {"cmd":"prompt","peer":P,"message":M}
 *   {"cmd":"quit"}
 *
 * with --agent it also registers AGENT with the registry and completes the
 * tasks the registry pushes to it (the registry path, for comparison).
 */
#include "config.h"

#include <gio/gunixinputstream.h>
#include <stdio.h>

#include "weft.h"
#include "weft-mesh-private.h"
#include "weft-mesh-rpc-private.h"

typedef struct
{
  GMainLoop *loop;
  WeftMesh *mesh;
  WeftMeshRpc *rpc;
  gchar *name;
  guint expect_peers;
  gboolean announced_all;
  gint64 started_at;
  GDataInputStream *input;
  gboolean agent;
  gboolean registered;
  gboolean quiet;
} Node;

static void
emit (JsonBuilder *b)
{
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree gchar *text = json_to_string (root, FALSE);

  fprintf (stdout, "%s\n", text);
  fflush (stdout);
}

static JsonBuilder *
event (const gchar *name)
{
  JsonBuilder *b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "event");
  json_builder_add_string_value (b, name);
  return b;
}

static void
emit_event (JsonBuilder *b)
{
  json_builder_end_object (b);
  emit (b);
  g_object_unref (b);
}

static void
peer_connected_cb (WeftMesh *mesh, const gchar *peer_id, Node *node)
{
  JsonBuilder *b = event ("peer-connected");

  json_builder_set_member_name (b, "peer");
  json_builder_add_string_value (b, peer_id);
  emit_event (b);
  if (node->expect_peers > 0 && !node->announced_all &&
      weft_mesh_get_n_open (mesh) >= node->expect_peers)
    {
      node->announced_all = TRUE;
      b = event ("all-connected");
      json_builder_set_member_name (b, "ms");
      json_builder_add_double_value (b, (g_get_monotonic_time () - node->started_at) / 1000.0);
      emit_event (b);
    }
}

static void
peer_disconnected_cb (WeftMesh *mesh, const gchar *peer_id, Node *node)
{
  JsonBuilder *b = event ("peer-disconnected");

  json_builder_set_member_name (b, "peer");
  json_builder_add_string_value (b, peer_id);
  emit_event (b);
}

static gboolean
task_request_cb (WeftMeshRpc *rpc, WeftMeshCall *call, Node *node)
{
  const gchar *skill = weft_mesh_call_get_skill (call);

  if (!node->quiet)
    {
      JsonBuilder *b = event ("executed");

      json_builder_set_member_name (b, "request_id");
      json_builder_add_string_value (b, weft_mesh_call_get_request_id (call));
      json_builder_set_member_name (b, "skill");
      json_builder_add_string_value (b, skill != NULL ? skill : "");
      json_builder_set_member_name (b, "from");
      json_builder_add_string_value (b, weft_mesh_call_get_from_peer (call));
      emit_event (b);
    }
  if (g_strcmp0 (skill, "echo") == 0)
    {
      g_autofree gchar *result = g_strdup_printf (
        "%s:%s", node->name,
        weft_mesh_call_get_message (call) != NULL ? weft_mesh_call_get_message (call) : "");

      weft_mesh_call_return_result (call, result);
      return TRUE;
    }
  if (g_strcmp0 (skill, "fail") == 0)
    {
      g_autoptr (GError) error = g_error_new (WEFT_ERROR, WEFT_ERROR_FAILED, "asked to fail");

      weft_mesh_call_return_error (call, error);
      return TRUE;
    }
  return FALSE;
}

static void
prompt_cb (WeftMeshRpc *rpc, const gchar *from, WeftMessage *msg, Node *node)
{
  JsonBuilder *b = event ("prompt");
  g_autofree gchar *payload = weft_message_dup_payload_json (msg);

  json_builder_set_member_name (b, "from");
  json_builder_add_string_value (b, from);
  json_builder_set_member_name (b, "payload");
  json_builder_add_string_value (b, payload);
  emit_event (b);
}

static void
request_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autofree gchar *tag = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftMeshRoute) route = NULL;
  g_autofree gchar *result =
    weft_mesh_rpc_request_finish (WEFT_MESH_RPC (source), res, &route, &error);
  JsonBuilder *b = event ("result");

  json_builder_set_member_name (b, "tag");
  json_builder_add_string_value (b, tag);
  json_builder_set_member_name (b, "ok");
  json_builder_add_boolean_value (b, result != NULL);
  json_builder_set_member_name (b, "result");
  json_builder_add_string_value (b, result != NULL ? result : "");
  json_builder_set_member_name (b, "error");
  json_builder_add_string_value (b, error != NULL ? error->message : "");
  if (route != NULL)
    {
      json_builder_set_member_name (b, "route");
      json_builder_add_value (b, weft_mesh_route_to_json_node (route));
    }
  emit_event (b);
}

static void
read_line (Node *node);

static void
update_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!weft_registry_client_update_task_finish (WEFT_REGISTRY_CLIENT (source), res, &error))
    g_printerr ("weft-mesh-node: task update failed: %s\n", error->message);
}

/* the registry path: a pushed task is run (echo) and reported at once */
static void
task_assigned_cb (WeftSignaling *signaling, JsonNode *task, Node *node)
{
  JsonObject *obj;
  JsonNode *payload;
  const gchar *message = "";
  g_autofree gchar *result = NULL;

  if (task == NULL || !JSON_NODE_HOLDS_OBJECT (task))
    return;
  obj = json_node_get_object (task);
  payload = json_object_get_member (obj, "payload");
  if (payload != NULL && JSON_NODE_HOLDS_OBJECT (payload))
    message =
      json_object_get_string_member_with_default (json_node_get_object (payload), "message", "");
  result = g_strdup_printf ("%s:%s", node->name, message);
  weft_registry_client_update_task_async (
    weft_signaling_get_client (signaling),
    json_object_get_string_member_with_default (obj, "id", ""), "completed", result, "", NULL,
    update_done_cb, NULL);
}

static void
register_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!weft_registry_client_register_finish (WEFT_REGISTRY_CLIENT (source), res, &error))
    g_printerr ("weft-mesh-node: cannot register: %s\n", error->message);
  else
    {
      JsonBuilder *b = event ("registered");

      emit_event (b);
    }
}

static void
register_agent (WeftRegistryClient *client, const gchar *name, const gchar *peer_id)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) info = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "agent_id");
  json_builder_add_string_value (b, name);
  json_builder_set_member_name (b, "hostname");
  json_builder_add_string_value (b, "localhost");
  json_builder_set_member_name (b, "sidecar_peer_id");
  json_builder_add_string_value (b, peer_id);
  json_builder_set_member_name (b, "capabilities");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "skills");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, "echo");
  json_builder_end_array (b);
  json_builder_end_object (b);
  json_builder_end_object (b);
  info = json_builder_get_root (b);
  weft_registry_client_register_async (client, info, NULL, register_done_cb, NULL);
}

static void
handle_command (Node *node, const gchar *line)
{
  g_autoptr (JsonNode) root = json_from_string (line, NULL);
  JsonObject *obj;
  const gchar *cmd;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return;
  obj = json_node_get_object (root);
  cmd = json_object_get_string_member_with_default (obj, "cmd", "");
  if (g_str_equal (cmd, "quit"))
    g_main_loop_quit (node->loop);
  else if (g_str_equal (cmd, "request"))
    {
      const gchar *peer = json_object_get_string_member_with_default (obj, "peer", "");

      weft_mesh_rpc_request_async (
        node->rpc, peer, peer, json_object_get_string_member_with_default (obj, "skill", "echo"),
        json_object_get_string_member_with_default (obj, "message", ""), NULL,
        json_object_get_string_member_with_default (obj, "request_id", NULL),
        (guint) json_object_get_int_member_with_default (obj, "timeout_ms", 10000), NULL,
        request_done_cb, g_strdup (json_object_get_string_member_with_default (obj, "tag", "")));
    }
  else if (g_str_equal (cmd, "prompt"))
    {
      g_autoptr (WeftMessage) msg = weft_mesh_rpc_new_prompt (
        node->rpc, NULL, json_object_get_string_member_with_default (obj, "message", ""), FALSE);

      weft_mesh_rpc_send_async (node->rpc,
                                json_object_get_string_member_with_default (obj, "peer", ""), msg,
                                NULL, NULL, NULL);
    }
}

static void
line_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Node *node = user_data;
  g_autofree gchar *line =
    g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), res, NULL, NULL);

  if (line == NULL)
    {
      /* stdin closed: the driver is gone */
      g_main_loop_quit (node->loop);
      return;
    }
  handle_command (node, line);
  read_line (node);
}

static void
read_line (Node *node)
{
  g_data_input_stream_read_line_async (node->input, G_PRIORITY_DEFAULT, NULL, line_cb, node);
}

static void
connected_notify_cb (GObject *signaling, GParamSpec *pspec, Node *node)
{
  JsonBuilder *b;

  if (!weft_signaling_get_connected (WEFT_SIGNALING (signaling)))
    return;
  b = event ("ready");
  json_builder_set_member_name (b, "peer_id");
  json_builder_add_string_value (b, weft_signaling_get_peer_id (WEFT_SIGNALING (signaling)));
  emit_event (b);
  if (node->agent && !node->registered)
    {
      node->registered = TRUE;
      register_agent (weft_signaling_get_client (WEFT_SIGNALING (signaling)), node->name,
                      weft_signaling_get_peer_id (WEFT_SIGNALING (signaling)));
    }
}

int
main (int argc, char **argv)
{
  g_autofree gchar *registry = NULL;
  g_autofree gchar *api_key = NULL;
  g_autofree gchar *name = NULL;
  gboolean full_mesh = FALSE;
  gint expect_peers = 0;
  gint idle_ms = 0;
  gboolean agent = FALSE;
  gboolean quiet = FALSE;
  GOptionEntry entries[] = {
    { "registry", 0, 0, G_OPTION_ARG_STRING, &registry, "registry URL", "URL" },
    { "api-key", 0, 0, G_OPTION_ARG_STRING, &api_key, "API key", "KEY" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, "agent name", "NAME" },
    { "full-mesh", 0, 0, G_OPTION_ARG_NONE, &full_mesh, "offer to every peer", NULL },
    { "expect-peers", 0, 0, G_OPTION_ARG_INT, &expect_peers, "report all-connected at N", "N" },
    { "idle-ms", 0, 0, G_OPTION_ARG_INT, &idle_ms, "idle close after MS", "MS" },
    { "agent", 0, 0, G_OPTION_ARG_NONE, &agent, "register and take pushed tasks", NULL },
    { "quiet", 0, 0, G_OPTION_ARG_NONE, &quiet, "no event per executed request", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- one WeftMesh peer");
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftRegistryClient) client = NULL;
  g_autoptr (WeftSignaling) signaling = NULL;
  g_autoptr (GInputStream) in = NULL;
  g_autoptr (JsonNode) no_servers = json_from_string ("{\"iceServers\":[]}", NULL);
  Node node = { 0 };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || registry == NULL ||
      api_key == NULL || name == NULL)
    {
      g_printerr ("weft-mesh-node: %s\n",
                  error != NULL ? error->message : "--registry, --api-key and --name are needed");
      return 2;
    }
  node.loop = g_main_loop_new (NULL, FALSE);
  node.name = name;
  node.expect_peers = (guint) MAX (expect_peers, 0);
  node.agent = agent;
  node.quiet = quiet;
  node.started_at = g_get_monotonic_time ();
  client = weft_registry_client_new (registry);
  weft_registry_client_set_api_key (client, api_key);
  signaling = weft_signaling_new (client);
  weft_signaling_set_backoff (signaling, 50, 1000);
  if (agent)
    {
      weft_signaling_set_agent_id (signaling, name);
      g_signal_connect (signaling, "task-assigned", G_CALLBACK (task_assigned_cb), &node);
    }
  node.mesh = weft_mesh_new (signaling);
  weft_mesh_add_local_address (node.mesh, "127.0.0.1");
  weft_mesh_set_ice_config (node.mesh, no_servers);
  weft_mesh_set_connect_mode (node.mesh, full_mesh ? WEFT_CONNECT_MODE_FULL_MESH
                                                   : WEFT_CONNECT_MODE_ON_DEMAND);
  if (idle_ms > 0)
    weft_mesh_set_idle_timeout_ms (node.mesh, (guint) idle_ms);
  node.rpc = weft_mesh_rpc_new (node.mesh, name);
  g_signal_connect (node.mesh, "peer-connected", G_CALLBACK (peer_connected_cb), &node);
  g_signal_connect (node.mesh, "peer-disconnected", G_CALLBACK (peer_disconnected_cb), &node);
  g_signal_connect (node.rpc, "task-request", G_CALLBACK (task_request_cb), &node);
  g_signal_connect (node.rpc, "agent-prompt", G_CALLBACK (prompt_cb), &node);
  g_signal_connect (signaling, "notify::connected", G_CALLBACK (connected_notify_cb), &node);
  in = g_unix_input_stream_new (0, FALSE);
  node.input = g_data_input_stream_new (in);
  read_line (&node);
  weft_mesh_start (node.mesh);
  weft_signaling_start (signaling);
  g_main_loop_run (node.loop);

  g_clear_object (&node.rpc);
  weft_mesh_stop (node.mesh);
  weft_signaling_stop (signaling);
  g_clear_object (&node.mesh);
  g_clear_object (&node.input);
  g_main_loop_unref (node.loop);
  return 0;
}
