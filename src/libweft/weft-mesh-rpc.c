/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "weft-error.h"
#include "weft-mesh-rpc-internal.h"

/* WeftMeshRpc: the MeshMessage protocol over WeftMesh's channels. this file
 * holds the object, the dispatch of incoming frames and the hop contexts;
 * outgoing requests are in weft-mesh-rpc-request.c, incoming calls in
 * weft-mesh-rpc-calls.c, payloads in weft-mesh-rpc-wire.c. */

guint weft_mesh_rpc_signals[RPC_N_SIGNALS];

G_DEFINE_TYPE (WeftMeshRpc, weft_mesh_rpc, G_TYPE_OBJECT)

void
weft_mesh_rpc_send_frame (WeftMeshRpc *self,
                          const gchar *peer_id,
                          const gchar *type,
                          const gchar *request_id,
                          const gchar *target_agent,
                          JsonNode *payload)
{
  g_autoptr (WeftMessage) msg =
    weft_message_new (type, request_id, self->agent_id, target_agent, payload);
  g_autoptr (GError) error = NULL;

  if (!weft_mesh_send (self->mesh, peer_id, msg, &error))
    g_debug ("mesh rpc: cannot send %s %s to %s: %s", type, request_id, peer_id, error->message);
}

static void
mesh_message_cb (WeftMesh *mesh, const gchar *peer_id, WeftMessage *msg, gpointer user_data)
{
  WeftMeshRpc *self = user_data;
  const gchar *type = weft_message_get_message_type (msg);

  if (g_str_equal (type, "task_request"))
    weft_mesh_rpc_handle_request (self, peer_id, msg);
  else if (weft_mesh_rpc_handle_reply (self, peer_id, msg))
    return;
  else if (g_str_equal (type, "task_cancel"))
    weft_mesh_rpc_handle_cancel (self, peer_id, msg);
  else if (g_str_equal (type, "agent_prompt"))
    g_signal_emit (self, weft_mesh_rpc_signals[RPC_SIGNAL_AGENT_PROMPT], 0, peer_id, msg);
  else if (g_str_equal (type, "ping"))
    weft_mesh_rpc_send_frame (self, peer_id, "pong", weft_message_get_request_id (msg),
                              weft_message_get_source_agent (msg), weft_message_get_payload (msg));
  else
    g_signal_emit (self, weft_mesh_rpc_signals[RPC_SIGNAL_MESSAGE], 0, peer_id, msg);
}

void
weft_mesh_rpc_report_route (WeftMeshRpc *self, const WeftMeshRoute *route)
{
  g_return_if_fail (WEFT_IS_MESH_RPC (self));
  g_signal_emit (self, weft_mesh_rpc_signals[RPC_SIGNAL_ROUTE], 0, route);
}

/* ---- contexts ---- */

void
weft_mesh_rpc_push_context (WeftMeshRpc *self, GCancellable *cancellable, guint hops)
{
  g_return_if_fail (WEFT_IS_MESH_RPC (self));
  if (cancellable != NULL)
    g_hash_table_replace (self->contexts, cancellable, GUINT_TO_POINTER (hops + 1));
}

void
weft_mesh_rpc_pop_context (WeftMeshRpc *self, GCancellable *cancellable)
{
  g_return_if_fail (WEFT_IS_MESH_RPC (self));
  if (cancellable != NULL)
    g_hash_table_remove (self->contexts, cancellable);
}

/* how many hops the work that owns @cancellable is at; 0 for none */
guint
weft_mesh_rpc_get_context_hops (WeftMeshRpc *self, GCancellable *cancellable)
{
  gpointer v;

  g_return_val_if_fail (WEFT_IS_MESH_RPC (self), 0);
  if (cancellable == NULL)
    return 0;
  v = g_hash_table_lookup (self->contexts, cancellable);
  return v != NULL ? GPOINTER_TO_UINT (v) - 1 : 0;
}

/* ---- GObject ---- */

static void
weft_mesh_rpc_dispose (GObject *object)
{
  WeftMeshRpc *self = WEFT_MESH_RPC (object);

  if (self->mesh != NULL)
    g_signal_handlers_disconnect_by_data (self->mesh, self);
  if (self->pending != NULL)
    weft_mesh_rpc_fail_all_pending (self, _ ("The mesh was shut down"));
  weft_mesh_rpc_forget_outcomes (self);
  G_OBJECT_CLASS (weft_mesh_rpc_parent_class)->dispose (object);
}

static void
weft_mesh_rpc_finalize (GObject *object)
{
  WeftMeshRpc *self = WEFT_MESH_RPC (object);

  g_hash_table_unref (self->pending);
  g_hash_table_unref (self->outcomes);
  g_hash_table_unref (self->contexts);
  g_clear_object (&self->mesh);
  g_free (self->agent_id);
  G_OBJECT_CLASS (weft_mesh_rpc_parent_class)->finalize (object);
}

static void
weft_mesh_rpc_class_init (WeftMeshRpcClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GType type = G_TYPE_FROM_CLASS (klass);

  object_class->dispose = weft_mesh_rpc_dispose;
  object_class->finalize = weft_mesh_rpc_finalize;

  /* task-request (WeftMeshCall *call) → handled: keep a reference, end it
   * with weft_mesh_call_return_result() or _return_error() */
  weft_mesh_rpc_signals[RPC_SIGNAL_TASK_REQUEST] =
    g_signal_new ("task-request", type, G_SIGNAL_RUN_LAST, 0, g_signal_accumulator_true_handled,
                  NULL, NULL, G_TYPE_BOOLEAN, 1, WEFT_TYPE_MESH_CALL);
  /* agent-prompt (const char *from_peer, WeftMessage *message) */
  weft_mesh_rpc_signals[RPC_SIGNAL_AGENT_PROMPT] =
    g_signal_new ("agent-prompt", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_STRING, WEFT_TYPE_MESSAGE);
  /* message (const char *from_peer, WeftMessage *message): other types */
  weft_mesh_rpc_signals[RPC_SIGNAL_MESSAGE] =
    g_signal_new ("message", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_STRING, WEFT_TYPE_MESSAGE);
  /* stream-chunk (const char *request_id, guint seq, const char *data): in order */
  weft_mesh_rpc_signals[RPC_SIGNAL_STREAM_CHUNK] =
    g_signal_new ("stream-chunk", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_STRING, G_TYPE_UINT, G_TYPE_STRING);
  /* progress (const char *request_id, double fraction, const char *message) */
  weft_mesh_rpc_signals[RPC_SIGNAL_PROGRESS] =
    g_signal_new ("progress", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_STRING, G_TYPE_DOUBLE, G_TYPE_STRING);
  /* route (WeftMeshRoute *route): a call finished; which path, why, how long */
  weft_mesh_rpc_signals[RPC_SIGNAL_ROUTE] = g_signal_new (
    "route", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1, WEFT_TYPE_MESH_ROUTE);
}

static void
weft_mesh_rpc_init (WeftMeshRpc *self)
{
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->outcomes =
    g_hash_table_new_full (g_str_hash, g_str_equal, NULL, weft_mesh_rpc_outcome_free);
  self->contexts = g_hash_table_new (NULL, NULL);
  g_queue_init (&self->outcome_order);
  self->max_hops = WEFT_MESH_RPC_DEFAULT_MAX_HOPS;
  self->replay_window_s = WEFT_MESH_RPC_DEFAULT_REPLAY_WINDOW;
}

WeftMeshRpc *
weft_mesh_rpc_new (WeftMesh *mesh, const gchar *agent_id)
{
  WeftMeshRpc *self;

  g_return_val_if_fail (WEFT_IS_MESH (mesh), NULL);
  self = g_object_new (WEFT_TYPE_MESH_RPC, NULL);
  self->mesh = g_object_ref (mesh);
  self->agent_id = g_strdup (agent_id != NULL ? agent_id : "");
  g_signal_connect (mesh, "message", G_CALLBACK (mesh_message_cb), self);
  g_signal_connect (mesh, "peer-disconnected", G_CALLBACK (weft_mesh_rpc_peer_disconnected), self);
  return self;
}

WeftMesh *
weft_mesh_rpc_get_mesh (WeftMeshRpc *self)
{
  g_return_val_if_fail (WEFT_IS_MESH_RPC (self), NULL);
  return self->mesh;
}

void
weft_mesh_rpc_set_agent_id (WeftMeshRpc *self, const gchar *agent_id)
{
  g_return_if_fail (WEFT_IS_MESH_RPC (self));
  g_free (self->agent_id);
  self->agent_id = g_strdup (agent_id != NULL ? agent_id : "");
}

void
weft_mesh_rpc_set_max_hops (WeftMeshRpc *self, guint max_hops)
{
  g_return_if_fail (WEFT_IS_MESH_RPC (self));
  self->max_hops = max_hops > 0 ? max_hops : WEFT_MESH_RPC_DEFAULT_MAX_HOPS;
}
