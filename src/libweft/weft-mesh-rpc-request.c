/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "weft-error.h"
#include "weft-mesh-rpc-internal.h"

/* outgoing requests: task_request → task_response, correlated by
 * request_id, with a timeout; task_stream_chunk pieces (numbered by `seq`)
 * are assembled in order; task_progress is reported; cancelling the
 * request's GCancellable (or its timeout) sends task_cancel. a channel that
 * closes under a request is reopened and the same request id sent again.
 * plain sends (agent_prompt) share the channel handling and the route
 * report. */

#define MAX_RESENDS     5
#define REOPEN_DELAY_MS 250

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
    g_signal_emit (self, weft_mesh_rpc_signals[RPC_SIGNAL_ROUTE], 0, p->route);
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
  g_autoptr (JsonNode) payload = NULL;

  if (!p->sent)
    return;
  payload = weft_mesh_rpc_wire_cancel (reason);
  weft_mesh_rpc_send_frame (self, p->peer_id, "task_cancel", p->request_id, p->target, payload);
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

void
weft_mesh_rpc_peer_disconnected (WeftMesh *mesh, const gchar *peer_id, gpointer user_data)
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
  const gchar *result, *error_text, *status;
  gint64 chunks;
  g_autoptr (GTask) keep = g_object_ref (task);

  weft_mesh_rpc_wire_parse_response (msg, &result, &error_text, &status, &chunks);
  if (error_text[0] != '\0')
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
      /* the number is formatted first: no G_GINT64_FORMAT in a translatable string */
      g_autofree gchar *expected = g_strdup_printf ("%" G_GINT64_FORMAT, chunks);

      pending_fail (task, g_error_new (WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                                       _ ("Request %s: the streamed result is incomplete (%u of "
                                          "%s pieces)"),
                                       p->request_id, p->next_seq, expected));
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
    g_task_return_pointer (task, g_strdup (result), g_free);
}

static void
add_chunk (WeftMeshRpc *self, GTask *task, WeftMessage *msg)
{
  Pending *p = g_task_get_task_data (task);
  gint64 seq;
  const gchar *data;
  gchar *next;

  if (!weft_mesh_rpc_wire_parse_chunk (msg, &seq, &data) || seq < (gint64) p->next_seq ||
      seq > (gint64) p->next_seq + 65536)
    return; /* a duplicate after a resend, or garbage */
  g_hash_table_replace (p->chunks, GUINT_TO_POINTER ((guint) seq), g_strdup (data));
  while ((next = g_hash_table_lookup (p->chunks, GUINT_TO_POINTER (p->next_seq))) != NULL)
    {
      guint seq_now = p->next_seq;

      g_string_append (p->assembled, next);
      g_signal_emit (self, weft_mesh_rpc_signals[RPC_SIGNAL_STREAM_CHUNK], 0, p->request_id,
                     seq_now, next);
      g_hash_table_remove (p->chunks, GUINT_TO_POINTER (seq_now));
      p->next_seq++;
    }
}

/* task_response, task_stream_chunk and task_progress: the answers to our
 * requests. FALSE for other frames */
gboolean
weft_mesh_rpc_handle_reply (WeftMeshRpc *self, const gchar *peer_id, WeftMessage *msg)
{
  const gchar *type = weft_message_get_message_type (msg);
  const gchar *request_id = weft_message_get_request_id (msg);
  GTask *task = request_id[0] != '\0' ? g_hash_table_lookup (self->pending, request_id) : NULL;

  /* answers come from the peer asked, nobody else */
  if (task != NULL && g_strcmp0 (((Pending *) g_task_get_task_data (task))->peer_id, peer_id) != 0)
    task = NULL;

  if (g_str_equal (type, "task_response"))
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

          g_signal_emit (self, weft_mesh_rpc_signals[RPC_SIGNAL_PROGRESS], 0, request_id,
                         json_object_get_double_member_with_default (obj, "progress", 0.0),
                         json_object_get_string_member_with_default (obj, "message", ""));
        }
    }
  else
    return FALSE;
  return TRUE;
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
  payload = weft_mesh_rpc_wire_request (skill, message, args, hops);
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

/* ends every request waiting for an answer (the rpc goes away) */
void
weft_mesh_rpc_fail_all_pending (WeftMeshRpc *self, const gchar *reason)
{
  g_autoptr (GList) tasks = g_hash_table_get_values (self->pending);

  for (GList *l = tasks; l != NULL; l = l->next)
    pending_fail (l->data, g_error_new_literal (WEFT_ERROR, WEFT_ERROR_CANCELLED, reason));
}
