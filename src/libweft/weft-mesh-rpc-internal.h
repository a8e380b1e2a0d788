/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "weft-mesh-rpc-private.h"

G_BEGIN_DECLS

/* between the files of WeftMeshRpc: weft-mesh-rpc.c (the object, dispatch
 * of incoming frames, hop contexts), weft-mesh-rpc-request.c (outgoing
 * requests: correlation, timeouts, cancellation, resends, streamed
 * results), weft-mesh-rpc-calls.c (incoming task_request: outcomes, replay,
 * the hop limit) and weft-mesh-rpc-wire.c (payload encoding) */

#define WEFT_MESH_RPC_MAX_OUTCOMES 4096

enum
{
  RPC_SIGNAL_TASK_REQUEST,
  RPC_SIGNAL_AGENT_PROMPT,
  RPC_SIGNAL_MESSAGE,
  RPC_SIGNAL_STREAM_CHUNK,
  RPC_SIGNAL_PROGRESS,
  RPC_SIGNAL_ROUTE,
  RPC_N_SIGNALS
};
extern guint weft_mesh_rpc_signals[RPC_N_SIGNALS];

typedef struct
{
  gchar *request_id;  /* (owned) */
  gchar *status;      /* (owned) running, completed, failed, cancelled, rejected */
  gchar *result;      /* (owned) the whole result, streamed part included */
  gchar *error;       /* (owned) */
  WeftMeshCall *call; /* (owned) (nullable) while running */
  gint64 finished_at; /* monotonic; 0 while running */
} Outcome;

typedef struct
{
  WeftMeshRpc *rpc;     /* (unowned) */
  GTask *task;          /* (unowned) owns this */
  gchar *peer_id;       /* (owned) */
  gchar *request_id;    /* (owned) */
  gchar *target;        /* (owned) */
  WeftMessage *request; /* (owned) (nullable) for requests; the message for sends */
  GHashTable *chunks;   /* (owned) (element-type guint utf8) out-of-order pieces */
  GString *assembled;   /* (owned) */
  WeftMeshRoute *route; /* (owned) (nullable) once finished */
  gchar *open_reason;   /* (owned) (nullable) */
  guint next_seq;
  guint timeout_ms;
  guint timeout_id;
  gulong cancel_id;
  gint64 started_at;
  guint resends;
  gboolean sent;
  gboolean held;
  gboolean reopening;
  gboolean is_send;
} Pending;

struct _WeftMeshRpc
{
  GObject parent_instance;

  WeftMesh *mesh;       /* (owned) */
  gchar *agent_id;      /* (owned) */
  GHashTable *pending;  /* (owned) (element-type utf8 GTask) by request id */
  GHashTable *outcomes; /* (owned) (element-type utf8 Outcome) by request id */
  GQueue outcome_order; /* (element-type Outcome) oldest first, unowned */
  GHashTable *contexts; /* (owned) (element-type GCancellable guint) hops + 1 */
  guint max_hops;
  guint replay_window_s;
  guint n_executed;
  guint n_replayed;
};

/* weft-mesh-rpc.c */
void
weft_mesh_rpc_send_frame (WeftMeshRpc *self,
                          const gchar *peer_id,
                          const gchar *type,
                          const gchar *request_id,
                          const gchar *target_agent,
                          JsonNode *payload);

/* weft-mesh-rpc-request.c */
gboolean
weft_mesh_rpc_handle_reply (WeftMeshRpc *self, const gchar *peer_id, WeftMessage *msg);
void
weft_mesh_rpc_peer_disconnected (WeftMesh *mesh, const gchar *peer_id, gpointer user_data);
void
weft_mesh_rpc_fail_all_pending (WeftMeshRpc *self, const gchar *reason);

/* weft-mesh-rpc-calls.c */
void
weft_mesh_rpc_outcome_free (gpointer data);
void
weft_mesh_rpc_handle_request (WeftMeshRpc *self, const gchar *peer_id, WeftMessage *msg);
void
weft_mesh_rpc_handle_cancel (WeftMeshRpc *self, const gchar *peer_id, WeftMessage *msg);
void
weft_mesh_rpc_forget_outcomes (WeftMeshRpc *self);

/* weft-mesh-rpc-wire.c */
JsonNode *
weft_mesh_rpc_wire_request (const gchar *skill, const gchar *message, JsonNode *args, guint hops);
JsonNode *
weft_mesh_rpc_wire_response (const gchar *result,
                             const gchar *error_text,
                             const gchar *status,
                             guint chunks,
                             gboolean replayed);
JsonNode *
weft_mesh_rpc_wire_cancel (const gchar *reason);
void
weft_mesh_rpc_wire_parse_response (WeftMessage *msg,
                                   const gchar **result,
                                   const gchar **error_text,
                                   const gchar **status,
                                   gint64 *chunks);
gboolean
weft_mesh_rpc_wire_parse_chunk (WeftMessage *msg, gint64 *seq, const gchar **data);

G_END_DECLS
