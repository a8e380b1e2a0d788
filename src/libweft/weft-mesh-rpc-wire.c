/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "weft-mesh-rpc-internal.h"

/* the payloads of WeftMeshRpc's frames (docs/protocol.md, "MeshMessage
 * additions"); built with json-glib, read leniently: a chatixia peer leaves
 * out what it does not know */

JsonNode *
weft_mesh_rpc_wire_request (const gchar *skill, const gchar *message, JsonNode *args, guint hops)
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

JsonNode *
weft_mesh_rpc_wire_response (const gchar *result,
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

JsonNode *
weft_mesh_rpc_wire_cancel (const gchar *reason)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "reason");
  json_builder_add_string_value (b, reason);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static JsonObject *
payload_object (WeftMessage *msg)
{
  JsonNode *payload = weft_message_get_payload (msg);

  return payload != NULL && JSON_NODE_HOLDS_OBJECT (payload) ? json_node_get_object (payload)
                                                             : NULL;
}

/* a task_response's members; empty strings and 0 for missing ones */
void
weft_mesh_rpc_wire_parse_response (WeftMessage *msg,
                                   const gchar **result,
                                   const gchar **error_text,
                                   const gchar **status,
                                   gint64 *chunks)
{
  JsonObject *obj = payload_object (msg);

  *result = obj != NULL ? json_object_get_string_member_with_default (obj, "result", "") : "";
  *error_text = obj != NULL ? json_object_get_string_member_with_default (obj, "error", "") : "";
  *status = obj != NULL ? json_object_get_string_member_with_default (obj, "status", "") : "";
  *chunks = obj != NULL ? json_object_get_int_member_with_default (obj, "chunks", 0) : 0;
  if (*result == NULL)
    *result = "";
  if (*error_text == NULL)
    *error_text = "";
}

/* a task_stream_chunk's `seq` and `data`; FALSE when it has neither */
gboolean
weft_mesh_rpc_wire_parse_chunk (WeftMessage *msg, gint64 *seq, const gchar **data)
{
  JsonObject *obj = payload_object (msg);

  if (obj == NULL)
    return FALSE;
  *seq = json_object_get_int_member_with_default (obj, "seq", -1);
  *data = json_object_get_string_member_with_default (obj, "data", NULL);
  return *seq >= 0 && *data != NULL;
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
