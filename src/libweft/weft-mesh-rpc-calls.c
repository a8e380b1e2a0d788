/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "weft-error.h"
#include "weft-mesh-rpc-internal.h"

/* incoming task_request frames (calls): every request id is remembered
 * with its outcome for the replay window, so a retried id is answered from
 * memory and never run twice. `hops` counts how many requests led here;
 * past the limit a request is refused, which stops delegation loops. a call
 * refused as busy is forgotten: it never ran. */

void
weft_mesh_rpc_outcome_free (gpointer data)
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

      if (!expired && self->outcome_order.length <= WEFT_MESH_RPC_MAX_OUTCOMES)
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
  g_autoptr (JsonNode) payload =
    weft_mesh_rpc_wire_response (remainder, error_text, status, n_chunks, FALSE);
  G_GNUC_UNUSED g_autoptr (WeftMeshCall) keep = g_object_ref (call);

  g_debug ("mesh rpc: %s %s for %s", request_id, status, weft_mesh_call_get_reply_peer (call));
  weft_mesh_rpc_pop_context (self, weft_mesh_call_get_cancellable (call));
  weft_mesh_rpc_send_frame (self, weft_mesh_call_get_reply_peer (call), "task_response", request_id,
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

static void
reply_error (WeftMeshRpc *self,
             const gchar *peer_id,
             WeftMessage *request,
             const gchar *status,
             const gchar *error_text)
{
  g_autoptr (JsonNode) payload = weft_mesh_rpc_wire_response ("", error_text, status, 0, FALSE);

  weft_mesh_rpc_send_frame (self, peer_id, "task_response", weft_message_get_request_id (request),
                            weft_message_get_source_agent (request), payload);
}

void
weft_mesh_rpc_handle_request (WeftMeshRpc *self, const gchar *peer_id, WeftMessage *msg)
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
          g_autoptr (JsonNode) cached =
            weft_mesh_rpc_wire_response (o->result, o->error, o->status, 0, TRUE);

          g_debug ("mesh rpc: replaying the outcome of %s to %s", request_id, peer_id);
          weft_mesh_rpc_send_frame (self, peer_id, "task_response", request_id,
                                    weft_message_get_source_agent (msg), cached);
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
  g_signal_emit (self, weft_mesh_rpc_signals[RPC_SIGNAL_TASK_REQUEST], 0, call, &handled);
  if (!handled && !weft_mesh_call_get_finished (call))
    {
      g_autoptr (GError) error = g_error_new (
        WEFT_ERROR, WEFT_ERROR_NOT_FOUND, "unknown skill: %s",
        weft_mesh_call_get_skill (call) != NULL ? weft_mesh_call_get_skill (call) : "");

      weft_mesh_call_return_error (call, error);
    }
}

void
weft_mesh_rpc_handle_cancel (WeftMeshRpc *self, const gchar *peer_id, WeftMessage *msg)
{
  Outcome *o = g_hash_table_lookup (self->outcomes, weft_message_get_request_id (msg));

  if (o == NULL || o->call == NULL ||
      g_strcmp0 (weft_mesh_call_get_from_peer (o->call), peer_id) != 0)
    return;
  g_message ("mesh rpc: %s cancelled by %s", o->request_id, peer_id);
  g_cancellable_cancel (weft_mesh_call_get_cancellable (o->call));
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

/* how long a finished request id is remembered (and replayed) */
void
weft_mesh_rpc_set_replay_window (WeftMeshRpc *self, guint seconds)
{
  g_return_if_fail (WEFT_IS_MESH_RPC (self));
  self->replay_window_s = seconds;
  prune_outcomes (self);
}

/* drops every remembered outcome, detaching running calls */
void
weft_mesh_rpc_forget_outcomes (WeftMeshRpc *self)
{
  g_queue_clear (&self->outcome_order);
  if (self->outcomes != NULL)
    g_hash_table_remove_all (self->outcomes);
}
