/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "weft-error.h"
#include "weft-mesh-rpc-private.h"

/* WeftMeshCall: one incoming task_request while it runs. the handler of
 * WeftMeshRpc::task-request keeps a reference, may stream chunks and
 * progress, and ends it once with a result or an error. a task_cancel from
 * the requester cancels the call's GCancellable. */

struct _WeftMeshCall
{
  GObject parent_instance;

  WeftMeshRpc *rpc;          /* (unowned) (nullable) cleared when the rpc goes */
  gchar *from_peer;          /* (owned) */
  gchar *reply_peer;         /* (owned) where the response goes (the latest retry's peer) */
  WeftMessage *request;      /* (owned) */
  GCancellable *cancellable; /* (owned) */
  GString *streamed;         /* (owned) the chunks sent so far */
  guint n_chunks;
  guint hops;
  gboolean finished;
};

G_DEFINE_TYPE (WeftMeshCall, weft_mesh_call, G_TYPE_OBJECT)

static void
weft_mesh_call_finalize (GObject *object)
{
  WeftMeshCall *self = WEFT_MESH_CALL (object);

  g_free (self->from_peer);
  g_free (self->reply_peer);
  g_clear_object (&self->request);
  g_clear_object (&self->cancellable);
  g_string_free (self->streamed, TRUE);
  G_OBJECT_CLASS (weft_mesh_call_parent_class)->finalize (object);
}

static void
weft_mesh_call_class_init (WeftMeshCallClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = weft_mesh_call_finalize;
}

static void
weft_mesh_call_init (WeftMeshCall *self)
{
  self->cancellable = g_cancellable_new ();
  self->streamed = g_string_new (NULL);
}

WeftMeshCall *
weft_mesh_call_new (WeftMeshRpc *rpc, const gchar *from_peer, WeftMessage *request, guint hops)
{
  WeftMeshCall *self = g_object_new (WEFT_TYPE_MESH_CALL, NULL);

  self->rpc = rpc;
  self->from_peer = g_strdup (from_peer);
  self->reply_peer = g_strdup (from_peer);
  self->request = g_object_ref (request);
  self->hops = hops;
  return self;
}

void
weft_mesh_call_detach (WeftMeshCall *self)
{
  self->rpc = NULL;
  g_cancellable_cancel (self->cancellable);
}

void
weft_mesh_call_set_reply_peer (WeftMeshCall *self, const gchar *peer_id)
{
  g_free (self->reply_peer);
  self->reply_peer = g_strdup (peer_id);
}

const gchar *
weft_mesh_call_get_reply_peer (WeftMeshCall *self)
{
  return self->reply_peer;
}

gboolean
weft_mesh_call_get_finished (WeftMeshCall *self)
{
  return self->finished;
}

const gchar *
weft_mesh_call_get_streamed (WeftMeshCall *self, guint *n_chunks)
{
  if (n_chunks != NULL)
    *n_chunks = self->n_chunks;
  return self->streamed->str;
}

const gchar *
weft_mesh_call_get_request_id (WeftMeshCall *self)
{
  g_return_val_if_fail (WEFT_IS_MESH_CALL (self), NULL);
  return weft_message_get_request_id (self->request);
}

const gchar *
weft_mesh_call_get_from_peer (WeftMeshCall *self)
{
  g_return_val_if_fail (WEFT_IS_MESH_CALL (self), NULL);
  return self->from_peer;
}

const gchar *
weft_mesh_call_get_source_agent (WeftMeshCall *self)
{
  g_return_val_if_fail (WEFT_IS_MESH_CALL (self), NULL);
  return weft_message_get_source_agent (self->request);
}

static const gchar *
payload_string (WeftMeshCall *self, const gchar *member)
{
  JsonNode *payload = weft_message_get_payload (self->request);
  JsonNode *node;

  if (payload == NULL || !JSON_NODE_HOLDS_OBJECT (payload))
    return NULL;
  node = json_object_get_member (json_node_get_object (payload), member);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

const gchar *
weft_mesh_call_get_skill (WeftMeshCall *self)
{
  g_return_val_if_fail (WEFT_IS_MESH_CALL (self), NULL);
  return payload_string (self, "skill");
}

const gchar *
weft_mesh_call_get_message (WeftMeshCall *self)
{
  g_return_val_if_fail (WEFT_IS_MESH_CALL (self), NULL);
  return payload_string (self, "message");
}

JsonNode *
weft_mesh_call_get_payload (WeftMeshCall *self)
{
  g_return_val_if_fail (WEFT_IS_MESH_CALL (self), NULL);
  return weft_message_get_payload (self->request);
}

/* Returns: (transfer full): the skill's arguments: the payload's `args`
 * object (Weft), else the payload without the envelope members (chatixia
 * calls the handler with the payload as keyword arguments) */
JsonNode *
weft_mesh_call_dup_args (WeftMeshCall *self)
{
  JsonNode *payload;
  JsonNode *args;
  JsonObject *out;
  g_autoptr (GList) members = NULL;

  g_return_val_if_fail (WEFT_IS_MESH_CALL (self), NULL);
  payload = weft_message_get_payload (self->request);
  out = json_object_new ();
  if (payload != NULL && JSON_NODE_HOLDS_OBJECT (payload))
    {
      JsonObject *obj = json_node_get_object (payload);

      args = json_object_get_member (obj, "args");
      if (args != NULL && JSON_NODE_HOLDS_OBJECT (args))
        {
          json_object_unref (out);
          return json_node_copy (args);
        }
      members = json_object_get_members (obj);
      for (GList *l = members; l != NULL; l = l->next)
        {
          const gchar *name = l->data;

          if (g_str_equal (name, "skill") || g_str_equal (name, "hops") ||
              g_str_equal (name, "timeout_ms") || g_str_equal (name, "stream"))
            continue;
          json_object_set_member (out, name, json_node_copy (json_object_get_member (obj, name)));
        }
    }
  return json_node_init_object (json_node_alloc (), out);
}

guint
weft_mesh_call_get_hops (WeftMeshCall *self)
{
  g_return_val_if_fail (WEFT_IS_MESH_CALL (self), 0);
  return self->hops;
}

/* cancelled when the requester sends task_cancel (or the rpc goes away);
 * requests made with it are cancelled in turn */
GCancellable *
weft_mesh_call_get_cancellable (WeftMeshCall *self)
{
  g_return_val_if_fail (WEFT_IS_MESH_CALL (self), NULL);
  return self->cancellable;
}

/* one piece of a streamed result; the requester assembles them in order */
gboolean
weft_mesh_call_send_chunk (WeftMeshCall *self, const gchar *data)
{
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (JsonNode) payload = NULL;

  g_return_val_if_fail (WEFT_IS_MESH_CALL (self), FALSE);
  g_return_val_if_fail (data != NULL, FALSE);
  if (self->finished)
    return FALSE;
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "seq");
  json_builder_add_int_value (b, self->n_chunks);
  json_builder_set_member_name (b, "data");
  json_builder_add_string_value (b, data);
  json_builder_end_object (b);
  payload = json_builder_get_root (b);
  g_string_append (self->streamed, data);
  self->n_chunks++;
  return self->rpc != NULL &&
         weft_mesh_rpc_call_send (self->rpc, self, "task_stream_chunk", payload);
}

gboolean
weft_mesh_call_send_progress (WeftMeshCall *self, gdouble fraction, const gchar *message)
{
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (JsonNode) payload = NULL;

  g_return_val_if_fail (WEFT_IS_MESH_CALL (self), FALSE);
  if (self->finished || self->rpc == NULL)
    return FALSE;
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "progress");
  json_builder_add_double_value (b, CLAMP (fraction, 0.0, 1.0));
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message != NULL ? message : "");
  json_builder_end_object (b);
  payload = json_builder_get_root (b);
  return weft_mesh_rpc_call_send (self->rpc, self, "task_progress", payload);
}

/* ends the call with @result (the part not streamed already) */
void
weft_mesh_call_return_result (WeftMeshCall *self, const gchar *result)
{
  g_return_if_fail (WEFT_IS_MESH_CALL (self));
  if (self->finished)
    return;
  self->finished = TRUE;
  if (self->rpc != NULL)
    weft_mesh_rpc_call_done (self->rpc, self, "completed", result != NULL ? result : "", "");
}

void
weft_mesh_call_return_error (WeftMeshCall *self, const GError *error)
{
  const gchar *status = "failed";

  g_return_if_fail (WEFT_IS_MESH_CALL (self));
  g_return_if_fail (error != NULL);
  if (self->finished)
    return;
  self->finished = TRUE;
  if (g_error_matches (error, WEFT_ERROR, WEFT_ERROR_CANCELLED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    status = "cancelled";
  if (self->rpc != NULL)
    weft_mesh_rpc_call_done (self->rpc, self, status, "", error->message);
}

/* refuses the call without running it (the agent is at its concurrency
 * limit): the requester takes another path, and a retry of the request id
 * may run it */
void
weft_mesh_call_return_busy (WeftMeshCall *self, const gchar *reason)
{
  g_return_if_fail (WEFT_IS_MESH_CALL (self));
  g_return_if_fail (reason != NULL);
  if (self->finished)
    return;
  self->finished = TRUE;
  if (self->rpc != NULL)
    weft_mesh_rpc_call_done (self->rpc, self, "busy", "", reason);
}
