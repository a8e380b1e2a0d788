/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "fuzz-common.h"
#include "weft-mesh-private.h"
#include "weft-mesh-rpc-private.h"
#include "weft.h"

/* what a peer can put on the wire to WeftMesh and WeftMeshRpc: one
 * MeshMessage on a channel, and the payload of an answer, ice_candidate or
 * peer_list frame from the registry. the mesh runs without a network:
 * every answer it tries to send has nowhere to go */

static WeftSignaling *signaling;
static WeftMesh *mesh;
static WeftMeshRpc *rpc;

static void
setup (void)
{
  g_autoptr (WeftRegistryClient) client = NULL;
  g_autoptr (JsonNode) no_servers = NULL;

  if (mesh != NULL)
    return;
  client = weft_registry_client_new ("http://127.0.0.1:9");
  signaling = weft_signaling_new (client);
  mesh = weft_mesh_new (signaling);
  no_servers = json_from_string ("{\"iceServers\":[]}", NULL);
  weft_mesh_set_ice_config (mesh, no_servers);
  weft_mesh_start (mesh);
  rpc = weft_mesh_rpc_new (mesh, "fuzz");
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr (WeftMessage) msg = NULL;
  g_autoptr (JsonNode) payload = NULL;

  setup ();
  msg = weft_message_new_from_data ((const gchar *) data, (gssize) size, NULL);
  if (msg != NULL)
    {
      g_signal_emit_by_name (mesh, "message", "peer", msg);
      if (weft_message_get_payload (msg) != NULL)
        payload = json_node_ref (weft_message_get_payload (msg));
    }
  else
    {
      g_autofree gchar *text = g_strndup ((const gchar *) data, size);

      payload = json_from_string (text, NULL);
    }
  if (payload != NULL)
    {
      g_auto (GStrv) peers = g_strsplit ("peer,other", ",", -1);

      g_signal_emit_by_name (signaling, "answer", "peer", payload);
      g_signal_emit_by_name (signaling, "ice-candidate", "peer", payload);
      g_signal_emit_by_name (signaling, "peer-list", peers);
    }
  /* forget what was remembered, so inputs stay independent */
  weft_mesh_rpc_set_replay_window (rpc, 0);
  weft_mesh_close_peer (mesh, "peer");
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return 0;
}
