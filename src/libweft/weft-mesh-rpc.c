/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "weft-error.h"
#include "weft-mesh-rpc-private.h"

/* the MeshMessage protocol over WeftMesh's channels.
 *
 * requests: task_request → task_response, correlated by request_id, with a
 * timeout; task_stream_chunk pieces (numbered by `seq`) are assembled in
 * order; task_progress is reported; cancelling the request's GCancellable
 * (or its timeout) sends task_cancel. a channel that closes under a request
 * is reopened and the same request id sent again.
 *
 * calls (incoming task_request): every request id is remembered with its
 * outcome for the replay window, so a retried id is answered from memory
 * and never run twice. `hops` counts how many requests led here; past the
 * limit a request is refused, which stops delegation loops. */

#define MAX_RESENDS     5
#define REOPEN_DELAY_MS 250
#define MAX_OUTCOMES    4096

enum
{
  SIGNAL_TASK_REQUEST,
  SIGNAL_AGENT_PROMPT,
  SIGNAL_MESSAGE,
  SIGNAL_STREAM_CHUNK,
  SIGNAL_PROGRESS,
  SIGNAL_ROUTE,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

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

G_DEFINE_TYPE (WeftMeshRpc, weft_mesh_rpc, G_TYPE_OBJECT)

/* ---- outcomes ---- */

static void
outcome_free (gpointer data)
{
  Outcome *o = data;

  g_free (o->request_id);
  g_free (o->status);
  g_free (o->result);
  g_free (o->error);
  if (o->call != NULL)
    weft_mesh_call_detach (o->call);
  g_clear_object (&o->call);
  g_free (o);
}

static void
prune_outcomes (WeftMeshRpc *self)
{
  gint64 now = g_get_monotonic_time ();

  while (self->outcome_order.length > 0)
    {
      Outcome *o = g_queue_peek_head (&self->outcome_order);
      gboolean expired = o->finished_at != 0 &&
                         now - o->finished_at > (gint64) self->replay_window_s * G_USEC_PER_SEC;

      if (!expired && self->outcome_order.length <= MAX_OUTCOMES)
        break;
      if (o->finished_at == 0 && !expired)
        break; /* never forget a running call */
      g_queue_pop_head (&self->outcome_order);
      g_hash_table_remove (self->outcomes, o->request_id);
    }
}

static Outcome *
outcome_add (WeftMeshRpc *self, const gchar *request_id, const gchar *status)
{
  Outcome *o = g_new0 (Outcome, 1);

  o->request_id = g_strdup (request_id);
  o->status = g_strdup (status);
  g_hash_table_replace (self->outcomes, o->request_id, o);
  g_queue_push_tail (&self->outcome_order, o);
  return o;
}

/* ---- sending ---- */

static JsonNode *
response_payload (const gchar *result,
                  const gchar *error_text,
                  const gchar *status,
                  guint chunks,
                  gboolean replayed)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "result");
  json_builder_add_string_value (b, result != NULL ? result : "");
  json_builder_set_member_name (b, "error");
  json_builder_add_string_value (b, error_text != NULL ? error_text : "");
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, status);
  json_builder_set_member_name (b, "chunks");
  json_builder_add_int_value (b, chunks);
  if (replayed)
    {
      json_builder_set_member_name (b, "replayed");
      json_builder_add_boolean_value (b, TRUE);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
send_to (WeftMeshRpc *self,
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

gboolean
weft_mesh_rpc_call_send (WeftMeshRpc *self,
                         WeftMeshCall *call,
                         const gchar *type,
                         JsonNode *payload)
{
  g_autoptr (WeftMessage) msg =
    weft_message_new (type, weft_mesh_call_get_request_id (call), self->agent_id,
                      weft_mesh_call_get_source_agent (call), payload);

  return weft_mesh_send (self->mesh, weft_mesh_call_get_reply_peer (call), msg, NULL);
}

void
weft_mesh_rpc_call_done (WeftMeshRpc *self,
                         WeftMeshCall *call,
                         const gchar *status,
                         const gchar *remainder,
                         const gchar *error_text)
{
  const gchar *request_id = weft_mesh_call_get_request_id (call);
  Outcome *o = request_id[0] != '\0' ? g_hash_table_lookup (self->outcomes, request_id) : NULL;
  guint n_chunks = 0;
  const gchar *streamed = weft_mesh_call_get_streamed (call, &n_chunks);
  g_autoptr (JsonNode) payload = response_payload (remainder, error_text, status, n_chunks, FALSE);
  g_autoptr (WeftMeshCall) keep = g_object_ref (call);

  g_debug ("mesh rpc: %s %s for %s", request_id, status, weft_mesh_call_get_reply_peer (call));
  weft_mesh_rpc_pop_context (self, weft_mesh_call_get_cancellable (call));
  send_to (self, weft_mesh_call_get_reply_peer (call), "task_response", request_id,
           weft_mesh_call_get_source_agent (call), payload);
  weft_mesh_release (self->mesh, weft_mesh_call_get_from_peer (call));
  if (o != NULL && o->call == call && g_str_equal (status, "busy"))
    {
      /* refused before it ran: a retry of the id may run it */
      self->n_executed--;
      g_queue_remove (&self->outcome_order, o);
      g_hash_table_remove (self->outcomes, request_id);
    }
  else if (o != NULL && o->call == call)
    {
      g_free (o->status);
      o->status = g_strdup (status);
      o->result = g_strconcat (streamed, remainder, NULL);
      o->error = g_strdup (error_text);
      o->finished_at = g_get_monotonic_time ();
      g_clear_object (&o->call);
    }
  prune_outcomes (self);
}

/* ---- requests ---- */

/* a failure after which nothing reached the peer, or after which a retry
 * under the same request id is safe */
static GError *
unavailable (GError *error)
{
  GError *out = g_error_new_literal (WEFT_ERROR, WEFT_ERROR_UNAVAILABLE, error->message);

  g_error_free (error);
  return out;
}

static void
pending_free (gpointer data)
{
  Pending *p = data;

  g_clear_handle_id (&p->timeout_id, g_source_remove);
  g_free (p->peer_id);
  g_free (p->request_id);
  g_free (p->target);
  g_free (p->open_reason);
  g_clear_object (&p->request);
  g_hash_table_unref (p->chunks);
  g_string_free (p->assembled, TRUE);
  weft_mesh_route_free (p->route);
  g_free (p);
}

static gboolean
pending_is_live (WeftMeshRpc *self, GTask *task)
{
  Pending *p = g_task_get_task_data (task);

  return !p->is_send && g_hash_table_lookup (self->pending, p->request_id) == task;
}

/* detaches @task from everything and records its route; the caller
 * returns the result */
static void
pending_end (GTask *task, gboolean ok, const gchar *reason)
{
  Pending *p = g_task_get_task_data (task);
  WeftMeshRpc *self = p->rpc;
  GCancellable *cancellable = g_task_get_cancellable (task);

  g_clear_handle_id (&p->timeout_id, g_source_remove);
  if (p->cancel_id != 0)
    g_cancellable_disconnect (cancellable, p->cancel_id);
  p->cancel_id = 0;
  if (p->held)
    weft_mesh_release (self->mesh, p->peer_id);
  p->held = FALSE;
  p->route = weft_mesh_route_new (p->is_send ? "send" : "delegate", p->target, "direct",
                                  reason != NULL ? reason : p->open_reason, p->request_id,
                                  g_get_monotonic_time () - p->started_at, ok);
  if (p->sent)
    g_signal_emit (self, signals[SIGNAL_ROUTE], 0, p->route);
}

static void
pending_fail (GTask *task, GError *error)
{
  Pending *p = g_task_get_task_data (task);
  WeftMeshRpc *self = p->rpc;
  g_autoptr (GTask) keep = g_object_ref (task);

  if (!p->is_send)
    g_hash_table_remove (self->pending, p->request_id);
  pending_end (task, FALSE, error->message);
  g_task_return_error (task, error);
}

static void
send_cancel (WeftMeshRpc *self, Pending *p, const gchar *reason)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) payload = NULL;

  if (!p->sent)
    return;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "reason");
  json_builder_add_string_value (b, reason);
  json_builder_end_object (b);
  payload = json_builder_get_root (b);
  send_to (self, p->peer_id, "task_cancel", p->request_id, p->target, payload);
}

static gboolean
request_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  Pending *p = g_task_get_task_data (task);

  p->timeout_id = 0;
  send_cancel (p->rpc, p, "timeout");
  pending_fail (task, g_error_new (WEFT_ERROR, WEFT_ERROR_TIMED_OUT,
                                   _ ("No answer from peer “%s” to request %s within %u ms"),
                                   p->peer_id, p->request_id, p->timeout_ms));
  return G_SOURCE_REMOVE;
}

static gboolean
request_cancelled_idle_cb (gpointer user_data)
{
  GTask *task = user_data;
  Pending *p = g_task_get_task_data (task);

  if (!pending_is_live (p->rpc, task))
    return G_SOURCE_REMOVE;
  send_cancel (p->rpc, p, "cancelled");
  pending_fail (task, g_error_new (WEFT_ERROR, WEFT_ERROR_CANCELLED,
                                   _ ("Request %s to peer “%s” was cancelled"), p->request_id,
                                   p->peer_id));
  return G_SOURCE_REMOVE;
}

static void
request_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  g_idle_add_full (G_PRIORITY_HIGH, request_cancelled_idle_cb, g_object_ref (user_data),
                   g_object_unref);
}

static void
request_transmit (GTask *task)
{
  Pending *p = g_task_get_task_data (task);
  WeftMeshRpc *self = p->rpc;
  g_autoptr (GError) error = NULL;

  if (!weft_mesh_send (self->mesh, p->peer_id, p->request, &error))
    {
      if (!p->sent)
        {
          g_prefix_error (&error, _ ("Request %s was not delivered: "), p->request_id);
          pending_fail (task, unavailable (g_steal_pointer (&error)));
        }
      /* else: the channel is going; peer-disconnected reopens it */
      return;
    }
  if (!p->held)
    weft_mesh_hold (self->mesh, p->peer_id);
  p->held = TRUE;
  p->sent = TRUE;
}

static void
request_channel_cb (GObject *source, GAsyncResult *res, gpointer user_data);

static gboolean
reopen_cb (gpointer user_data)
{
  GTask *task = user_data;
  Pending *p = g_task_get_task_data (task);

  if (pending_is_live (p->rpc, task))
    weft_mesh_ensure_channel_async (p->rpc->mesh, p->peer_id, 0, NULL, request_channel_cb,
                                    g_object_ref (task));
  return G_SOURCE_REMOVE;
}

static void
request_channel_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Pending *p = g_task_get_task_data (task);
  WeftMeshRpc *self = p->rpc;
  g_autoptr (GError) error = NULL;
  gboolean first = !p->sent;

  p->reopening = FALSE;
  if (!weft_mesh_ensure_channel_finish (WEFT_MESH (source), res, &error))
    {
      if (!pending_is_live (self, task))
        return;
      if (first)
        {
          /* nothing was sent: another path is safe */
          pending_fail (task, unavailable (g_steal_pointer (&error)));
        }
      else if (p->resends < MAX_RESENDS)
        {
          /* the peer may be reconnecting to the registry: try again soon */
          p->resends++;
          p->reopening = TRUE;
          g_timeout_add_full (G_PRIORITY_DEFAULT, REOPEN_DELAY_MS, reopen_cb, g_object_ref (task),
                              g_object_unref);
        }
      else
        {
          /* it may have run there: not a case for another path */
          pending_fail (task, g_error_new (WEFT_ERROR, WEFT_ERROR_GONE,
                                           _ ("The channel closed during request %s and did not "
                                              "come back (the peer may have run it): %s"),
                                           p->request_id, error->message));
        }
      return;
    }
  if (!pending_is_live (self, task))
    return;
  if (first && p->open_reason == NULL)
    p->open_reason = g_strdup_printf ("channel opened in %.1f ms",
                                      (g_get_monotonic_time () - p->started_at) / 1000.0);
  request_transmit (task);
}

static void
peer_disconnected_cb (WeftMesh *mesh, const gchar *peer_id, gpointer user_data)
{
  WeftMeshRpc *self = user_data;
  g_autoptr (GList) tasks = g_hash_table_get_values (self->pending);

  for (GList *l = tasks; l != NULL; l = l->next)
    {
      GTask *task = l->data;
      Pending *p = g_task_get_task_data (task);

      if (!p->sent || p->reopening || g_strcmp0 (p->peer_id, peer_id) != 0)
        continue;
      p->held = FALSE;
      if (p->resends >= MAX_RESENDS)
        {
          pending_fail (task, g_error_new (WEFT_ERROR, WEFT_ERROR_GONE,
                                           _ ("The channel to peer “%s” closed during request %s "
                                              "too often"),
                                           peer_id, p->request_id));
          continue;
        }
      /* the peer remembers the request id: sending it again never runs it twice */
      p->resends++;
      p->reopening = TRUE;
      g_debug ("mesh rpc: channel to %s closed under %s; resending", peer_id, p->request_id);
      weft_mesh_ensure_channel_async (self->mesh, peer_id, 0, NULL, request_channel_cb,
                                      g_object_ref (task));
    }
}

static void
complete_request (WeftMeshRpc *self, GTask *task, WeftMessage *msg)
{
  Pending *p = g_task_get_task_data (task);
  JsonNode *payload = weft_message_get_payload (msg);
  JsonObject *obj =
    payload != NULL && JSON_NODE_HOLDS_OBJECT (payload) ? json_node_get_object (payload) : NULL;
  const gchar *result =
    obj != NULL ? json_object_get_string_member_with_default (obj, "result", "") : "";
  const gchar *error_text =
    obj != NULL ? json_object_get_string_member_with_default (obj, "error", "") : "";
  const gchar *status =
    obj != NULL ? json_object_get_string_member_with_default (obj, "status", "") : "";
  gint64 chunks = obj != NULL ? json_object_get_int_member_with_default (obj, "chunks", 0) : 0;
  g_autoptr (GTask) keep = g_object_ref (task);

  if (error_text != NULL && error_text[0] != '\0')
    {
      gint code = WEFT_ERROR_FAILED;

      if (g_strcmp0 (status, "cancelled") == 0)
        code = WEFT_ERROR_CANCELLED;
      else if (g_strcmp0 (status, "busy") == 0)
        code = WEFT_ERROR_UNAVAILABLE; /* never ran there: another path is safe */
      else if (g_strcmp0 (status, "rejected") == 0)
        code = WEFT_ERROR_PERMISSION_DENIED;
      pending_fail (task, g_error_new (WEFT_ERROR, code, "%s", error_text));
      return;
    }
  if (chunks > 0 && p->next_seq != (guint64) chunks)
    {
      pending_fail (task, g_error_new (WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                                       _ ("Request %s: the streamed result is incomplete (%u of "
                                          "%" G_GINT64_FORMAT " pieces)"),
                                       p->request_id, p->next_seq, chunks));
      return;
    }
  g_hash_table_remove (self->pending, p->request_id);
  pending_end (task, TRUE, NULL);
  if (chunks > 0)
    {
      g_string_append (p->assembled, result);
      g_task_return_pointer (task, g_strdup (p->assembled->str), g_free);
    }
  else
    g_task_return_pointer (task, g_strdup (result != NULL ? result : ""), g_free);
}

static void
add_chunk (WeftMeshRpc *self, GTask *task, WeftMessage *msg)
{
  Pending *p = g_task_get_task_data (task);
  JsonNode *payload = weft_message_get_payload (msg);
  JsonObject *obj;
  gint64 seq;
  const gchar *data;
  gchar *next;

  if (payload == NULL || !JSON_NODE_HOLDS_OBJECT (payload))
    return;
  obj = json_node_get_object (payload);
  seq = json_object_get_int_member_with_default (obj, "seq", -1);
  data = json_object_get_string_member_with_default (obj, "data", NULL);
  if (seq < (gint64) p->next_seq || seq > (gint64) p->next_seq + 65536 || data == NULL)
    return; /* a duplicate after a resend, or garbage */
  g_hash_table_replace (p->chunks, GUINT_TO_POINTER ((guint) seq), g_strdup (data));
  while ((next = g_hash_table_lookup (p->chunks, GUINT_TO_POINTER (p->next_seq))) != NULL)
    {
      guint seq_now = p->next_seq;

      g_string_append (p->assembled, next);
      g_signal_emit (self, signals[SIGNAL_STREAM_CHUNK], 0, p->request_id, seq_now, next);
      g_hash_table_remove (p->chunks, GUINT_TO_POINTER (seq_now));
      p->next_seq++;
    }
}

static JsonNode *
request_payload (const gchar *skill, const gchar *message, JsonNode *args, guint hops)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message != NULL ? message : "");
  json_builder_set_member_name (b, "skill");
  json_builder_add_string_value (b, skill != NULL ? skill : "");
  if (args != NULL && JSON_NODE_HOLDS_OBJECT (args))
    {
      json_builder_set_member_name (b, "args");
      json_builder_add_value (b, json_node_copy (args));
    }
  json_builder_set_member_name (b, "hops");
  json_builder_add_int_value (b, hops);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

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
                             gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (JsonNode) payload = NULL;
  g_autofree gchar *id = NULL;
  Pending *p;
  guint hops;

  g_return_if_fail (WEFT_IS_MESH_RPC (self));
  g_return_if_fail (peer_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, weft_mesh_rpc_request_async);
  g_task_set_check_cancellable (task, FALSE);
  id = request_id != NULL && request_id[0] != '\0' ? g_strdup (request_id)
                                                   : weft_message_generate_request_id ();
  p = g_new0 (Pending, 1);
  p->rpc = self;
  p->task = task;
  p->peer_id = g_strdup (peer_id);
  p->request_id = g_strdup (id);
  p->target = g_strdup (target_agent != NULL ? target_agent : "");
  p->chunks = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  p->assembled = g_string_new (NULL);
  p->started_at = g_get_monotonic_time ();
  p->timeout_ms = timeout_ms > 0 ? timeout_ms : WEFT_MESH_RPC_DEFAULT_TIMEOUT_MS;
  g_task_set_task_data (task, p, pending_free);

  hops = weft_mesh_rpc_get_context_hops (self, cancellable) + 1;
  if (hops > self->max_hops)
    {
      pending_fail (g_steal_pointer (&task),
                    g_error_new (WEFT_ERROR, WEFT_ERROR_PERMISSION_DENIED,
                                 _ ("Delegation stopped: the hop limit of %u is reached (a "
                                    "delegation loop?)"),
                                 self->max_hops));
      return;
    }
  if (g_hash_table_contains (self->pending, id))
    {
      pending_fail (g_steal_pointer (&task),
                    g_error_new (WEFT_ERROR, WEFT_ERROR_ALREADY_EXISTS,
                                 _ ("Request %s is already waiting for an answer"), id));
      return;
    }
  payload = request_payload (skill, message, args, hops);
  p->request = weft_message_new ("task_request", id, self->agent_id, p->target, payload);
  g_hash_table_insert (self->pending, g_strdup (id), g_object_ref (task));
  p->timeout_id = g_timeout_add (p->timeout_ms, request_timeout_cb, task);
  if (cancellable != NULL)
    p->cancel_id =
      g_cancellable_connect (cancellable, G_CALLBACK (request_cancelled_cb), task, NULL);
  if (weft_mesh_is_open (self->mesh, peer_id))
    {
      p->open_reason = g_strdup ("open channel");
      request_transmit (task);
      return;
    }
  weft_mesh_ensure_channel_async (self->mesh, peer_id, 0, NULL, request_channel_cb,
                                  g_object_ref (task));
}

/* whether request @request_id is waiting for its answer and went out on
 * the channel already */
gboolean
weft_mesh_rpc_request_is_sent (WeftMeshRpc *self, const gchar *request_id)
{
  GTask *task;

  g_return_val_if_fail (WEFT_IS_MESH_RPC (self), FALSE);
  task = request_id != NULL ? g_hash_table_lookup (self->pending, request_id) : NULL;
  return task != NULL && ((Pending *) g_task_get_task_data (task))->sent;
}

/* Returns: (transfer full): the result, streamed pieces assembled */
gchar *
weft_mesh_rpc_request_finish (WeftMeshRpc *self,
                              GAsyncResult *result,
                              WeftMeshRoute **route,
                              GError **error)
{
  Pending *p;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  p = g_task_get_task_data (G_TASK (result));
  if (route != NULL)
    *route = p->route != NULL ? weft_mesh_route_copy (p->route) : NULL;
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
send_channel_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Pending *p = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  if (!weft_mesh_ensure_channel_finish (WEFT_MESH (source), res, &error) ||
      !weft_mesh_send (p->rpc->mesh, p->peer_id, p->request, &error))
    {
      pending_fail (task, unavailable (g_steal_pointer (&error)));
      return;
    }
  p->sent = TRUE;
  pending_end (task, TRUE, p->open_reason);
  g_task_return_boolean (task, TRUE);
}

void
weft_mesh_rpc_send_async (WeftMeshRpc *self,
                          const gchar *peer_id,
                          WeftMessage *message,
                          GCancellable *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  Pending *p;

  g_return_if_fail (WEFT_IS_MESH_RPC (self));
  g_return_if_fail (WEFT_IS_MESSAGE (message));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, weft_mesh_rpc_send_async);
  p = g_new0 (Pending, 1);
  p->rpc = self;
  p->task = task;
  p->is_send = TRUE;
  p->peer_id = g_strdup (peer_id);
  p->request_id = g_strdup (weft_message_get_request_id (message));
  p->target = g_strdup (weft_message_get_target_agent (message));
  p->chunks = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  p->assembled = g_string_new (NULL);
  p->started_at = g_get_monotonic_time ();
  p->request = g_object_ref (message);
  p->open_reason = g_strdup (weft_mesh_is_open (self->mesh, peer_id) ? "open channel"
                                                                     : "channel opened on demand");
  g_task_set_task_data (task, p, pending_free);
  weft_mesh_ensure_channel_async (self->mesh, peer_id, 0, cancellable, send_channel_cb,
                                  g_steal_pointer (&task));
}

gboolean
weft_mesh_rpc_send_finish (WeftMeshRpc *self,
                           GAsyncResult *result,
                           WeftMeshRoute **route,
                           GError **error)
{
  Pending *p;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  p = g_task_get_task_data (G_TASK (result));
  if (route != NULL)
    *route = p->route != NULL ? weft_mesh_route_copy (p->route) : NULL;
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Returns: (transfer full): an agent_prompt as chatixia's mesh_send
 *   (`{"message","direct":true}`) or mesh_broadcast (`{"message",
 *   "broadcast":true}`, target `*`) makes it */
WeftMessage *
weft_mesh_rpc_new_prompt (WeftMeshRpc *self,
                          const gchar *target_agent,
                          const gchar *message,
                          gboolean broadcast)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) payload = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message != NULL ? message : "");
  json_builder_set_member_name (b, broadcast ? "broadcast" : "direct");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_end_object (b);
  payload = json_builder_get_root (b);
  return weft_message_new ("agent_prompt", "", self->agent_id,
                           broadcast ? "*" : (target_agent != NULL ? target_agent : ""), payload);
}

void
weft_mesh_rpc_report_route (WeftMeshRpc *self, const WeftMeshRoute *route)
{
  g_return_if_fail (WEFT_IS_MESH_RPC (self));
  g_signal_emit (self, signals[SIGNAL_ROUTE], 0, route);
}

/* ---- incoming ---- */

static void
reply_error (WeftMeshRpc *self,
             const gchar *peer_id,
             WeftMessage *request,
             const gchar *status,
             const gchar *error_text)
{
  g_autoptr (JsonNode) payload = response_payload ("", error_text, status, 0, FALSE);

  send_to (self, peer_id, "task_response", weft_message_get_request_id (request),
           weft_message_get_source_agent (request), payload);
}

static void
handle_request (WeftMeshRpc *self, const gchar *peer_id, WeftMessage *msg)
{
  const gchar *request_id = weft_message_get_request_id (msg);
  JsonNode *payload = weft_message_get_payload (msg);
  JsonObject *obj =
    payload != NULL && JSON_NODE_HOLDS_OBJECT (payload) ? json_node_get_object (payload) : NULL;
  gint64 hops = obj != NULL ? json_object_get_int_member_with_default (obj, "hops", 1) : 1;
  Outcome *o = request_id[0] != '\0' ? g_hash_table_lookup (self->outcomes, request_id) : NULL;
  g_autoptr (WeftMeshCall) call = NULL;
  gboolean handled = FALSE;

  if (o != NULL)
    {
      self->n_replayed++;
      if (o->call != NULL)
        {
          /* still running: answer the retry's channel when done */
          g_debug ("mesh rpc: %s from %s is running already", request_id, peer_id);
          weft_mesh_call_set_reply_peer (o->call, peer_id);
        }
      else
        {
          g_autoptr (JsonNode) cached = response_payload (o->result, o->error, o->status, 0, TRUE);

          g_debug ("mesh rpc: replaying the outcome of %s to %s", request_id, peer_id);
          send_to (self, peer_id, "task_response", request_id, weft_message_get_source_agent (msg),
                   cached);
        }
      return;
    }
  if (hops < 1 || hops > (gint64) self->max_hops)
    {
      g_autofree gchar *why =
        g_strdup_printf (_ ("hop limit of %u reached (a delegation loop?)"), self->max_hops);

      g_message ("mesh rpc: refusing %s from %s: %s", request_id, peer_id, why);
      if (request_id[0] != '\0')
        {
          o = outcome_add (self, request_id, "rejected");
          o->error = g_strdup (why);
          o->result = g_strdup ("");
          o->finished_at = g_get_monotonic_time ();
        }
      reply_error (self, peer_id, msg, "rejected", why);
      return;
    }

  call = weft_mesh_call_new (self, peer_id, msg, (guint) hops);
  if (request_id[0] != '\0')
    {
      o = outcome_add (self, request_id, "running");
      o->call = g_object_ref (call);
    }
  self->n_executed++;
  weft_mesh_hold (self->mesh, peer_id);
  weft_mesh_rpc_push_context (self, weft_mesh_call_get_cancellable (call), (guint) hops);
  g_signal_emit (self, signals[SIGNAL_TASK_REQUEST], 0, call, &handled);
  if (!handled && !weft_mesh_call_get_finished (call))
    {
      g_autoptr (GError) error = g_error_new (
        WEFT_ERROR, WEFT_ERROR_NOT_FOUND, "unknown skill: %s",
        weft_mesh_call_get_skill (call) != NULL ? weft_mesh_call_get_skill (call) : "");

      weft_mesh_call_return_error (call, error);
    }
}

static void
handle_cancel (WeftMeshRpc *self, const gchar *peer_id, WeftMessage *msg)
{
  Outcome *o = g_hash_table_lookup (self->outcomes, weft_message_get_request_id (msg));

  if (o == NULL || o->call == NULL ||
      g_strcmp0 (weft_mesh_call_get_from_peer (o->call), peer_id) != 0)
    return;
  g_message ("mesh rpc: %s cancelled by %s", o->request_id, peer_id);
  g_cancellable_cancel (weft_mesh_call_get_cancellable (o->call));
}

static void
mesh_message_cb (WeftMesh *mesh, const gchar *peer_id, WeftMessage *msg, gpointer user_data)
{
  WeftMeshRpc *self = user_data;
  const gchar *type = weft_message_get_message_type (msg);
  const gchar *request_id = weft_message_get_request_id (msg);
  GTask *task = request_id[0] != '\0' ? g_hash_table_lookup (self->pending, request_id) : NULL;

  /* answers come from the peer asked, nobody else */
  if (task != NULL && g_strcmp0 (((Pending *) g_task_get_task_data (task))->peer_id, peer_id) != 0)
    task = NULL;

  if (g_str_equal (type, "task_request"))
    handle_request (self, peer_id, msg);
  else if (g_str_equal (type, "task_response"))
    {
      if (task != NULL)
        complete_request (self, task, msg);
    }
  else if (g_str_equal (type, "task_stream_chunk"))
    {
      if (task != NULL)
        add_chunk (self, task, msg);
    }
  else if (g_str_equal (type, "task_progress"))
    {
      JsonNode *payload = weft_message_get_payload (msg);

      if (task != NULL && payload != NULL && JSON_NODE_HOLDS_OBJECT (payload))
        {
          JsonObject *obj = json_node_get_object (payload);

          g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, request_id,
                         json_object_get_double_member_with_default (obj, "progress", 0.0),
                         json_object_get_string_member_with_default (obj, "message", ""));
        }
    }
  else if (g_str_equal (type, "task_cancel"))
    handle_cancel (self, peer_id, msg);
  else if (g_str_equal (type, "agent_prompt"))
    g_signal_emit (self, signals[SIGNAL_AGENT_PROMPT], 0, peer_id, msg);
  else if (g_str_equal (type, "ping"))
    send_to (self, peer_id, "pong", request_id, weft_message_get_source_agent (msg),
             weft_message_get_payload (msg));
  else
    g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, peer_id, msg);
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

gboolean
weft_mesh_rpc_lookup_outcome (WeftMeshRpc *self,
                              const gchar *request_id,
                              gboolean *finished,
                              gchar **result,
                              gchar **error_text)
{
  Outcome *o;

  g_return_val_if_fail (WEFT_IS_MESH_RPC (self), FALSE);
  o = request_id != NULL ? g_hash_table_lookup (self->outcomes, request_id) : NULL;
  if (o == NULL)
    return FALSE;
  if (finished != NULL)
    *finished = o->call == NULL;
  if (result != NULL)
    *result = g_strdup (o->result);
  if (error_text != NULL)
    *error_text = g_strdup (o->error);
  return TRUE;
}

guint
weft_mesh_rpc_get_n_executed (WeftMeshRpc *self)
{
  g_return_val_if_fail (WEFT_IS_MESH_RPC (self), 0);
  return self->n_executed;
}

guint
weft_mesh_rpc_get_n_replayed (WeftMeshRpc *self)
{
  g_return_val_if_fail (WEFT_IS_MESH_RPC (self), 0);
  return self->n_replayed;
}

/* ---- GObject ---- */

static void
weft_mesh_rpc_dispose (GObject *object)
{
  WeftMeshRpc *self = WEFT_MESH_RPC (object);

  if (self->mesh != NULL)
    g_signal_handlers_disconnect_by_data (self->mesh, self);
  if (self->pending != NULL)
    {
      g_autoptr (GList) tasks = g_hash_table_get_values (self->pending);

      for (GList *l = tasks; l != NULL; l = l->next)
        pending_fail (l->data,
                      g_error_new (WEFT_ERROR, WEFT_ERROR_CANCELLED, _ ("The mesh was shut down")));
    }
  g_queue_clear (&self->outcome_order);
  if (self->outcomes != NULL)
    g_hash_table_remove_all (self->outcomes);
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
  signals[SIGNAL_TASK_REQUEST] =
    g_signal_new ("task-request", type, G_SIGNAL_RUN_LAST, 0, g_signal_accumulator_true_handled,
                  NULL, NULL, G_TYPE_BOOLEAN, 1, WEFT_TYPE_MESH_CALL);
  /* agent-prompt (const char *from_peer, WeftMessage *message) */
  signals[SIGNAL_AGENT_PROMPT] =
    g_signal_new ("agent-prompt", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_STRING, WEFT_TYPE_MESSAGE);
  /* message (const char *from_peer, WeftMessage *message): other types */
  signals[SIGNAL_MESSAGE] = g_signal_new ("message", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 2, G_TYPE_STRING, WEFT_TYPE_MESSAGE);
  /* stream-chunk (const char *request_id, guint seq, const char *data): in order */
  signals[SIGNAL_STREAM_CHUNK] =
    g_signal_new ("stream-chunk", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_STRING, G_TYPE_UINT, G_TYPE_STRING);
  /* progress (const char *request_id, double fraction, const char *message) */
  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_STRING, G_TYPE_DOUBLE, G_TYPE_STRING);
  /* route (WeftMeshRoute *route): a call finished; which path, why, how long */
  signals[SIGNAL_ROUTE] = g_signal_new ("route", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 1, WEFT_TYPE_MESH_ROUTE);
}

static void
weft_mesh_rpc_init (WeftMeshRpc *self)
{
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->outcomes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, outcome_free);
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
  g_signal_connect (mesh, "peer-disconnected", G_CALLBACK (peer_disconnected_cb), self);
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

/* how long a finished request id is remembered (and replayed) */
void
weft_mesh_rpc_set_replay_window (WeftMeshRpc *self, guint seconds)
{
  g_return_if_fail (WEFT_IS_MESH_RPC (self));
  self->replay_window_s = seconds;
  prune_outcomes (self);
}
