/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "mesh-test-util.h"

AgentTestRegistry *
mesh_test_registry_new (const gchar *const *names)
{
  AgentTestRegistry *reg = agent_test_registry_new ();
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree gchar *text = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "keys");
  json_builder_begin_object (b);
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      g_autofree gchar *key = g_strdup_printf ("ak_%s", names[i]);

      json_builder_set_member_name (b, key);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "peer_id");
      json_builder_add_string_value (b, names[i]);
      json_builder_set_member_name (b, "role");
      json_builder_add_string_value (b, "agent");
      json_builder_end_object (b);
    }
  json_builder_set_member_name (b, "ak_admin");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "peer_id");
  json_builder_add_string_value (b, "admin");
  json_builder_set_member_name (b, "role");
  json_builder_add_string_value (b, "admin");
  json_builder_end_object (b);
  json_builder_end_object (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  text = json_to_string (root, FALSE);
  g_assert_true (g_file_set_contents (reg->keys, text, -1, NULL));
  return reg;
}

static void
connected_cb (WeftMesh *mesh, const gchar *peer_id, MeshNode *node)
{
  node->connected++;
}

static void
disconnected_cb (WeftMesh *mesh, const gchar *peer_id, MeshNode *node)
{
  node->disconnected++;
}

MeshNode *
mesh_node_new (AgentTestRegistry *reg, const gchar *name, WeftConnectMode mode)
{
  MeshNode *node = g_new0 (MeshNode, 1);
  g_autofree gchar *key = g_strdup_printf ("ak_%s", name);
  g_autoptr (JsonNode) no_servers = json_from_string ("{\"iceServers\":[]}", NULL);

  node->name = g_strdup (name);
  node->client = weft_registry_client_new (reg->url);
  weft_registry_client_set_api_key (node->client, key);
  node->signaling = weft_signaling_new (node->client);
  weft_signaling_set_backoff (node->signaling, 50, 1000);
  node->mesh = weft_mesh_new (node->signaling);
  weft_mesh_add_local_address (node->mesh, "127.0.0.1");
  weft_mesh_set_ice_config (node->mesh, no_servers);
  weft_mesh_set_connect_mode (node->mesh, mode);
  node->rpc = weft_mesh_rpc_new (node->mesh, name);
  g_signal_connect (node->mesh, "peer-connected", G_CALLBACK (connected_cb), node);
  g_signal_connect (node->mesh, "peer-disconnected", G_CALLBACK (disconnected_cb), node);
  weft_mesh_start (node->mesh);
  weft_signaling_start (node->signaling);
  return node;
}

void
mesh_node_free (MeshNode *node)
{
  if (node == NULL)
    return;
  g_signal_handlers_disconnect_by_data (node->mesh, node);
  g_clear_object (&node->rpc);
  weft_mesh_stop (node->mesh);
  weft_signaling_stop (node->signaling);
  g_clear_object (&node->mesh);
  g_clear_object (&node->signaling);
  g_clear_object (&node->client);
  g_free (node->name);
  g_free (node);
}

typedef struct
{
  MeshNode *node;
  const gchar *const *peers;
} OnlineWait;

static gboolean
online_cond (gpointer data)
{
  OnlineWait *w = data;

  if (!weft_signaling_get_connected (w->node->signaling))
    return FALSE;
  for (guint i = 0; w->peers != NULL && w->peers[i] != NULL; i++)
    if (!weft_mesh_is_online (w->node->mesh, w->peers[i]))
      return FALSE;
  return TRUE;
}

void
mesh_node_wait_online (MeshNode *node, const gchar *const *peers)
{
  OnlineWait w = { node, peers };

  g_assert_true (agent_test_wait_until (online_cond, &w, 20000));
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

void
mesh_test_spin (guint ms)
{
  agent_test_wait_until (never, NULL, ms);
}
