/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "weft-mesh-private.h"

G_BEGIN_DECLS

/* WeftMeshRpc: the MeshMessage protocol on top of WeftMesh (chatixia-wire
 * §7 plus Weft's task_stream_chunk, task_cancel and task_progress; see
 * docs/protocol.md, "MeshMessage additions"). in-tree only. */

#define WEFT_MESH_RPC_DEFAULT_MAX_HOPS      8
#define WEFT_MESH_RPC_DEFAULT_TIMEOUT_MS    30000
#define WEFT_MESH_RPC_DEFAULT_REPLAY_WINDOW 600

/* which path one call took, why, and how long it took */
typedef struct
{
  gchar *kind;       /* (owned) delegate, invoke, send, broadcast */
  gchar *target;     /* (owned) agent or peer id */
  gchar *path;       /* (owned) "direct" or "registry" */
  gchar *reason;     /* (owned) */
  gchar *request_id; /* (owned) (nullable) */
  gint64 elapsed_us;
  gboolean ok;
} WeftMeshRoute;

#define WEFT_TYPE_MESH_ROUTE (weft_mesh_route_get_type ())
GType
weft_mesh_route_get_type (void);
WeftMeshRoute *
weft_mesh_route_new (const gchar *kind,
                     const gchar *target,
                     const gchar *path,
                     const gchar *reason,
                     const gchar *request_id,
                     gint64 elapsed_us,
                     gboolean ok);
WeftMeshRoute *
weft_mesh_route_copy (const WeftMeshRoute *route);
void
weft_mesh_route_free (WeftMeshRoute *route);
JsonNode *
weft_mesh_route_to_json_node (const WeftMeshRoute *route);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WeftMeshRoute, weft_mesh_route_free)

/* an incoming task_request being run */
#define WEFT_TYPE_MESH_CALL (weft_mesh_call_get_type ())
G_DECLARE_FINAL_TYPE (WeftMeshCall, weft_mesh_call, WEFT, MESH_CALL, GObject)

const gchar *
weft_mesh_call_get_request_id (WeftMeshCall *self);
const gchar *
weft_mesh_call_get_from_peer (WeftMeshCall *self);
const gchar *
weft_mesh_call_get_source_agent (WeftMeshCall *self);
const gchar *
weft_mesh_call_get_skill (WeftMeshCall *self);
const gchar *
weft_mesh_call_get_message (WeftMeshCall *self);
JsonNode *
weft_mesh_call_get_payload (WeftMeshCall *self);
JsonNode *
weft_mesh_call_dup_args (WeftMeshCall *self);
guint
weft_mesh_call_get_hops (WeftMeshCall *self);
GCancellable *
weft_mesh_call_get_cancellable (WeftMeshCall *self);
gboolean
weft_mesh_call_send_chunk (WeftMeshCall *self, const gchar *data);
gboolean
weft_mesh_call_send_progress (WeftMeshCall *self, gdouble fraction, const gchar *message);
void
weft_mesh_call_return_result (WeftMeshCall *self, const gchar *result);
void
weft_mesh_call_return_error (WeftMeshCall *self, const GError *error);
void
weft_mesh_call_return_busy (WeftMeshCall *self, const gchar *reason);

#define WEFT_TYPE_MESH_RPC (weft_mesh_rpc_get_type ())
G_DECLARE_FINAL_TYPE (WeftMeshRpc, weft_mesh_rpc, WEFT, MESH_RPC, GObject)

WeftMeshRpc *
weft_mesh_rpc_new (WeftMesh *mesh, const gchar *agent_id);
WeftMesh *
weft_mesh_rpc_get_mesh (WeftMeshRpc *self);
void
weft_mesh_rpc_set_agent_id (WeftMeshRpc *self, const gchar *agent_id);
void
weft_mesh_rpc_set_max_hops (WeftMeshRpc *self, guint max_hops);
void
weft_mesh_rpc_set_replay_window (WeftMeshRpc *self, guint seconds);

/* a cancellable that belongs to work started by a request with @hops hops
 * (a registry task, an incoming call): requests made with it count one hop
 * more and are cancelled with it */
void
weft_mesh_rpc_push_context (WeftMeshRpc *self, GCancellable *cancellable, guint hops);
void
weft_mesh_rpc_pop_context (WeftMeshRpc *self, GCancellable *cancellable);
guint
weft_mesh_rpc_get_context_hops (WeftMeshRpc *self, GCancellable *cancellable);

/* task_request → task_response over the channel to @peer_id.
 * WEFT_ERROR_UNAVAILABLE: the request never reached the peer (no channel
 * within the budget): safe to use another path. WEFT_ERROR_GONE: the
 * channel closed after delivery and did not come back. WEFT_ERROR_TIMED_OUT,
 * CANCELLED: sent, and a task_cancel followed. WEFT_ERROR_FAILED: the
 * remote skill failed. a `busy` answer (the peer is at its concurrency
 * limit and did not run it) is WEFT_ERROR_UNAVAILABLE too. @request_id:
 * (nullable) a retry's id. */
void
weft_mesh_rpc_request_async (WeftMeshRpc *self,
                             const gchar *peer_id,
                             const gchar *target_agent,
                             const gchar *skill,
                             const gchar *message,
                             JsonNode *args,
                             const gchar *request_id,
                             guint timeout_ms,
                             GCancellable *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer user_data);
gchar *
weft_mesh_rpc_request_finish (WeftMeshRpc *self,
                              GAsyncResult *result,
                              WeftMeshRoute **route,
                              GError **error);

gboolean
weft_mesh_rpc_request_is_sent (WeftMeshRpc *self, const gchar *request_id);

/* one message (agent_prompt and the like) to @peer_id, opening the channel
 * within the budget when needed */
void
weft_mesh_rpc_send_async (WeftMeshRpc *self,
                          const gchar *peer_id,
                          WeftMessage *message,
                          GCancellable *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer user_data);
gboolean
weft_mesh_rpc_send_finish (WeftMeshRpc *self,
                           GAsyncResult *result,
                           WeftMeshRoute **route,
                           GError **error);

WeftMessage *
weft_mesh_rpc_new_prompt (WeftMeshRpc *self,
                          const gchar *target_agent,
                          const gchar *message,
                          gboolean broadcast);

/* emits ::route and logs it; for calls that took the registry path */
void
weft_mesh_rpc_report_route (WeftMeshRpc *self, const WeftMeshRoute *route);

/* whether @request_id was run (or is running) here; a registry task that
 * carries a request id already run over the channel must not run again */
gboolean
weft_mesh_rpc_lookup_outcome (WeftMeshRpc *self,
                              const gchar *request_id,
                              gboolean *finished,
                              gchar **result,
                              gchar **error_text);

guint
weft_mesh_rpc_get_n_executed (WeftMeshRpc *self);
guint
weft_mesh_rpc_get_n_replayed (WeftMeshRpc *self);

G_END_DECLS

G_BEGIN_DECLS

/* between WeftMeshCall (weft-mesh-call.c) and WeftMeshRpc */
WeftMeshCall *
weft_mesh_call_new (WeftMeshRpc *rpc, const gchar *from_peer, WeftMessage *request, guint hops);
void
weft_mesh_call_detach (WeftMeshCall *self);
void
weft_mesh_call_set_reply_peer (WeftMeshCall *self, const gchar *peer_id);
gboolean
weft_mesh_call_get_finished (WeftMeshCall *self);
const gchar *
weft_mesh_call_get_reply_peer (WeftMeshCall *self);
const gchar *
weft_mesh_call_get_streamed (WeftMeshCall *self, guint *n_chunks);
gboolean
weft_mesh_rpc_call_send (WeftMeshRpc *rpc,
                         WeftMeshCall *call,
                         const gchar *type,
                         JsonNode *payload);
void
weft_mesh_rpc_call_done (WeftMeshRpc *rpc,
                         WeftMeshCall *call,
                         const gchar *status,
                         const gchar *full_result,
                         const gchar *error_text);

G_END_DECLS
