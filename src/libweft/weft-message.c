/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "weft-error.h"
#include "weft-json-private.h"
#include "weft-message.h"

/**
 * WeftMessage:
 *
 * The MeshMessage envelope that agents exchange over a DataChannel: a
 * `type`, a `request_id` that pairs a request with its response, the
 * source and target agent ids and a JSON payload.
 *
 * On the wire it is one JSON object with all five keys. On receipt only
 * `type` is required; a missing `request_id`, `source_agent` or
 * `target_agent` reads as the empty string and a missing `payload` as null.
 *
 * Since: 0.1
 */

struct _WeftMessage
{
  GObject parent_instance;

  gchar *type;         /* (owned) */
  gchar *request_id;   /* (owned) */
  gchar *source_agent; /* (owned) */
  gchar *target_agent; /* (owned) */
  JsonNode *payload;   /* (owned) (nullable) */
};

G_DEFINE_FINAL_TYPE (WeftMessage, weft_message, G_TYPE_OBJECT)

typedef enum
{
  PROP_MESSAGE_TYPE = 1,
  PROP_REQUEST_ID,
  PROP_SOURCE_AGENT,
  PROP_TARGET_AGENT,
  PROP_PAYLOAD,
} WeftMessageProperty;

static GParamSpec *props[PROP_PAYLOAD + 1];

#define REQUEST_ID_LENGTH 12

static void
weft_message_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  WeftMessage *self = WEFT_MESSAGE (object);

  switch ((WeftMessageProperty) prop_id)
    {
      case PROP_MESSAGE_TYPE:
        g_value_set_string (value, self->type);
        break;
      case PROP_REQUEST_ID:
        g_value_set_string (value, self->request_id);
        break;
      case PROP_SOURCE_AGENT:
        g_value_set_string (value, self->source_agent);
        break;
      case PROP_TARGET_AGENT:
        g_value_set_string (value, self->target_agent);
        break;
      case PROP_PAYLOAD:
        g_value_set_boxed (value, self->payload);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
weft_message_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  WeftMessage *self = WEFT_MESSAGE (object);

  switch ((WeftMessageProperty) prop_id)
    {
      case PROP_MESSAGE_TYPE:
        /* construct-only */
        g_free (self->type);
        self->type = g_value_dup_string (value);
        if (self->type == NULL)
          self->type = g_strdup ("");
        break;
      case PROP_REQUEST_ID:
        weft_message_set_request_id (self, g_value_get_string (value));
        break;
      case PROP_SOURCE_AGENT:
        weft_message_set_source_agent (self, g_value_get_string (value));
        break;
      case PROP_TARGET_AGENT:
        weft_message_set_target_agent (self, g_value_get_string (value));
        break;
      case PROP_PAYLOAD:
        weft_message_set_payload (self, g_value_get_boxed (value));
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
weft_message_finalize (GObject *object)
{
  WeftMessage *self = WEFT_MESSAGE (object);

  g_free (self->type);
  g_free (self->request_id);
  g_free (self->source_agent);
  g_free (self->target_agent);
  g_clear_pointer (&self->payload, json_node_unref);

  G_OBJECT_CLASS (weft_message_parent_class)->finalize (object);
}

static void
weft_message_class_init (WeftMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = weft_message_get_property;
  object_class->set_property = weft_message_set_property;
  object_class->finalize = weft_message_finalize;

  /**
   * WeftMessage:message-type:
   *
   * The message type, such as `task_request` or `agent_prompt`.
   *
   * Since: 0.1
   */
  props[PROP_MESSAGE_TYPE] =
    g_param_spec_string ("message-type", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * WeftMessage:request-id:
   *
   * The id that pairs a request with its response; empty when unused.
   *
   * Since: 0.1
   */
  props[PROP_REQUEST_ID] =
    g_param_spec_string ("request-id", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WeftMessage:source-agent:
   *
   * The agent id of the sender.
   *
   * Since: 0.1
   */
  props[PROP_SOURCE_AGENT] =
    g_param_spec_string ("source-agent", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WeftMessage:target-agent:
   *
   * The agent id of the receiver, or `*` for a broadcast.
   *
   * Since: 0.1
   */
  props[PROP_TARGET_AGENT] =
    g_param_spec_string ("target-agent", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WeftMessage:payload:
   *
   * The payload, any JSON value; %NULL stands for JSON null.
   *
   * Since: 0.1
   */
  props[PROP_PAYLOAD] =
    g_param_spec_boxed ("payload", NULL, NULL, JSON_TYPE_NODE,
                        G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, G_N_ELEMENTS (props), props);
}

static void
weft_message_init (WeftMessage *self)
{
  self->type = g_strdup ("");
  self->request_id = g_strdup ("");
  self->source_agent = g_strdup ("");
  self->target_agent = g_strdup ("");
}

/**
 * weft_message_new:
 * @type: the message type; must not be empty
 * @request_id: (nullable): the request id, or %NULL for none
 * @source_agent: (nullable): the sender's agent id
 * @target_agent: (nullable): the receiver's agent id
 * @payload: (nullable): the payload; %NULL for JSON null
 *
 * Creates a message. The payload is copied.
 *
 * Returns: (transfer full): a new #WeftMessage
 *
 * Since: 0.1
 */
WeftMessage *
weft_message_new (const gchar *type,
                  const gchar *request_id,
                  const gchar *source_agent,
                  const gchar *target_agent,
                  JsonNode *payload)
{
  g_return_val_if_fail (type != NULL && *type != '\0', NULL);

  return g_object_new (WEFT_TYPE_MESSAGE, "message-type", type, "request-id", request_id,
                       "source-agent", source_agent, "target-agent", target_agent, "payload",
                       payload, NULL);
}

/**
 * weft_message_new_request:
 * @type: the message type; must not be empty
 * @source_agent: (nullable): the sender's agent id
 * @target_agent: (nullable): the receiver's agent id
 * @payload: (nullable): the payload; %NULL for JSON null
 *
 * Creates a message with a fresh request id from
 * weft_message_generate_request_id().
 *
 * Returns: (transfer full): a new #WeftMessage
 *
 * Since: 0.1
 */
WeftMessage *
weft_message_new_request (const gchar *type,
                          const gchar *source_agent,
                          const gchar *target_agent,
                          JsonNode *payload)
{
  g_autofree gchar *request_id = weft_message_generate_request_id ();

  return weft_message_new (type, request_id, source_agent, target_agent, payload);
}

/* a missing member reads as "" (the reference's default); anything but a
 * string is refused so that a typo in a peer is found, not papered over */
static gboolean
read_string_member (JsonObject *object,
                    const gchar *name,
                    gboolean required,
                    gchar **out,
                    GError **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL)
    {
      if (required)
        {
          g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                       _ ("Message has no “%s” field; every message needs one"), name);
          return FALSE;
        }
      *out = g_strdup ("");
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("Message field “%s” must be a string, not %s"), name,
                   weft_json_describe (node));
      return FALSE;
    }
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

/**
 * weft_message_new_from_json_node:
 * @node: a JSON object node
 * @error: return location for a #GError
 *
 * Reads a message from a parsed JSON object. Only `type` is required and it
 * must be a non-empty string; `request_id`, `source_agent` and
 * `target_agent` must be strings when present; `payload` may be any value.
 * Other members are ignored.
 *
 * Returns: (transfer full): a new #WeftMessage, or %NULL with @error set
 *
 * Since: 0.1
 */
WeftMessage *
weft_message_new_from_json_node (JsonNode *node, GError **error)
{
  JsonObject *object;
  JsonNode *payload;
  g_autoptr (WeftMessage) self = NULL;
  g_autofree gchar *type = NULL;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("A message must be a JSON object, not %s"), weft_json_describe (node));
      return NULL;
    }
  object = json_node_get_object (node);

  if (!read_string_member (object, "type", TRUE, &type, error))
    return NULL;
  if (*type == '\0')
    {
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                           _ ("Message field “type” must not be empty"));
      return NULL;
    }

  self = g_object_new (WEFT_TYPE_MESSAGE, "message-type", type, NULL);
  g_clear_pointer (&self->request_id, g_free);
  g_clear_pointer (&self->source_agent, g_free);
  g_clear_pointer (&self->target_agent, g_free);
  if (!read_string_member (object, "request_id", FALSE, &self->request_id, error) ||
      !read_string_member (object, "source_agent", FALSE, &self->source_agent, error) ||
      !read_string_member (object, "target_agent", FALSE, &self->target_agent, error))
    return NULL;

  payload = json_object_get_member (object, "payload");
  /* what Weft reads it must be able to pass on as valid JSON */
  if (payload != NULL && !weft_json_node_is_writable (payload))
    {
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                           _ ("Message field “payload” holds a number too large to represent"));
      return NULL;
    }
  if (payload != NULL && !JSON_NODE_HOLDS_NULL (payload))
    self->payload = json_node_copy (payload);

  return g_steal_pointer (&self);
}

/**
 * weft_message_new_from_data_with_limit:
 * @data: (array length=length) (element-type guint8): serialised JSON
 * @length: the length of @data, or -1 if it is nul-terminated
 * @max_size: the largest accepted length of @data in bytes
 * @error: return location for a #GError
 *
 * Parses a message from its JSON text, refusing input longer than
 * @max_size with %WEFT_ERROR_TOO_LARGE before parsing it.
 *
 * Returns: (transfer full): a new #WeftMessage, or %NULL with @error set
 *
 * Since: 0.1
 */
WeftMessage *
weft_message_new_from_data_with_limit (const gchar *data,
                                       gssize length,
                                       gsize max_size,
                                       GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  gsize len;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  len = length < 0 ? strlen (data) : (gsize) length;
  if (len > max_size)
    {
      g_autofree gchar *len_text = g_strdup_printf ("%" G_GSIZE_FORMAT, len);
      g_autofree gchar *max_text = g_strdup_printf ("%" G_GSIZE_FORMAT, max_size);

      g_set_error (error, WEFT_ERROR, WEFT_ERROR_TOO_LARGE,
                   _ ("Message is %s bytes, more than the limit of %s bytes"), len_text, max_text);
      return NULL;
    }
  if (len == 0)
    {
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                           _ ("Message is empty; expected a JSON object"));
      return NULL;
    }

  root = weft_json_parse (data, (gssize) len, error);
  if (root == NULL)
    {
      g_prefix_error (error, _ ("Message is not valid: "));
      return NULL;
    }

  return weft_message_new_from_json_node (root, error);
}

/**
 * weft_message_new_from_data:
 * @data: (array length=length) (element-type guint8): serialised JSON
 * @length: the length of @data, or -1 if it is nul-terminated
 * @error: return location for a #GError
 *
 * Parses a message with the %WEFT_MESSAGE_DEFAULT_MAX_SIZE limit.
 *
 * Returns: (transfer full): a new #WeftMessage, or %NULL with @error set
 *
 * Since: 0.1
 */
WeftMessage *
weft_message_new_from_data (const gchar *data, gssize length, GError **error)
{
  return weft_message_new_from_data_with_limit (data, length, WEFT_MESSAGE_DEFAULT_MAX_SIZE, error);
}

/**
 * weft_message_get_message_type:
 * @self: a #WeftMessage
 *
 * Returns: the message type
 *
 * Since: 0.1
 */
const gchar *
weft_message_get_message_type (WeftMessage *self)
{
  g_return_val_if_fail (WEFT_IS_MESSAGE (self), NULL);
  return self->type;
}

/**
 * weft_message_get_request_id:
 * @self: a #WeftMessage
 *
 * Returns: the request id, empty if there is none
 *
 * Since: 0.1
 */
const gchar *
weft_message_get_request_id (WeftMessage *self)
{
  g_return_val_if_fail (WEFT_IS_MESSAGE (self), NULL);
  return self->request_id;
}

/**
 * weft_message_get_source_agent:
 * @self: a #WeftMessage
 *
 * Returns: the sender's agent id, possibly empty
 *
 * Since: 0.1
 */
const gchar *
weft_message_get_source_agent (WeftMessage *self)
{
  g_return_val_if_fail (WEFT_IS_MESSAGE (self), NULL);
  return self->source_agent;
}

/**
 * weft_message_get_target_agent:
 * @self: a #WeftMessage
 *
 * Returns: the receiver's agent id, possibly empty
 *
 * Since: 0.1
 */
const gchar *
weft_message_get_target_agent (WeftMessage *self)
{
  g_return_val_if_fail (WEFT_IS_MESSAGE (self), NULL);
  return self->target_agent;
}

/**
 * weft_message_get_payload:
 * @self: a #WeftMessage
 *
 * Returns: (transfer none) (nullable): the payload, %NULL for JSON null
 *
 * Since: 0.1
 */
JsonNode *
weft_message_get_payload (WeftMessage *self)
{
  g_return_val_if_fail (WEFT_IS_MESSAGE (self), NULL);
  return self->payload;
}

/**
 * weft_message_dup_payload_json:
 * @self: a #WeftMessage
 *
 * The payload as JSON text, convenient for scripts.
 *
 * Returns: (transfer full): the payload serialised, `null` when there is none
 *
 * Since: 0.1
 */
gchar *
weft_message_dup_payload_json (WeftMessage *self)
{
  g_return_val_if_fail (WEFT_IS_MESSAGE (self), NULL);

  if (self->payload == NULL)
    return g_strdup ("null");
  return json_to_string (self->payload, FALSE);
}

static void
replace_string (WeftMessage *self, gchar **field, const gchar *value, WeftMessageProperty prop)
{
  if (value == NULL)
    value = "";
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), props[prop]);
}

/**
 * weft_message_set_request_id:
 * @self: a #WeftMessage
 * @request_id: (nullable): the request id; %NULL clears it
 *
 * Since: 0.1
 */
void
weft_message_set_request_id (WeftMessage *self, const gchar *request_id)
{
  g_return_if_fail (WEFT_IS_MESSAGE (self));
  replace_string (self, &self->request_id, request_id, PROP_REQUEST_ID);
}

/**
 * weft_message_set_source_agent:
 * @self: a #WeftMessage
 * @source_agent: (nullable): the sender's agent id
 *
 * Since: 0.1
 */
void
weft_message_set_source_agent (WeftMessage *self, const gchar *source_agent)
{
  g_return_if_fail (WEFT_IS_MESSAGE (self));
  replace_string (self, &self->source_agent, source_agent, PROP_SOURCE_AGENT);
}

/**
 * weft_message_set_target_agent:
 * @self: a #WeftMessage
 * @target_agent: (nullable): the receiver's agent id
 *
 * Since: 0.1
 */
void
weft_message_set_target_agent (WeftMessage *self, const gchar *target_agent)
{
  g_return_if_fail (WEFT_IS_MESSAGE (self));
  replace_string (self, &self->target_agent, target_agent, PROP_TARGET_AGENT);
}

/**
 * weft_message_set_payload:
 * @self: a #WeftMessage
 * @payload: (nullable): the payload; %NULL for JSON null
 *
 * Replaces the payload with a copy of @payload.
 *
 * Since: 0.1
 */
void
weft_message_set_payload (WeftMessage *self, JsonNode *payload)
{
  g_return_if_fail (WEFT_IS_MESSAGE (self));

  if (self->payload == NULL && payload == NULL)
    return;
  g_clear_pointer (&self->payload, json_node_unref);
  if (payload != NULL && !JSON_NODE_HOLDS_NULL (payload))
    self->payload = json_node_copy (payload);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PAYLOAD]);
}

/**
 * weft_message_to_json_node:
 * @self: a #WeftMessage
 *
 * The message as a JSON object with all five members, in the order the
 * reference emits them.
 *
 * Returns: (transfer full): a JSON object node
 *
 * Since: 0.1
 */
JsonNode *
weft_message_to_json_node (WeftMessage *self)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (WEFT_IS_MESSAGE (self), NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, self->type);
  json_builder_set_member_name (builder, "request_id");
  json_builder_add_string_value (builder, self->request_id);
  json_builder_set_member_name (builder, "source_agent");
  json_builder_add_string_value (builder, self->source_agent);
  json_builder_set_member_name (builder, "target_agent");
  json_builder_add_string_value (builder, self->target_agent);
  json_builder_set_member_name (builder, "payload");
  if (self->payload != NULL)
    json_builder_add_value (builder, json_node_copy (self->payload));
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/**
 * weft_message_to_data:
 * @self: a #WeftMessage
 * @length: (out) (optional): return location for the length in bytes
 *
 * Serialises the message as compact JSON text, ready to send as one
 * DataChannel text message.
 *
 * Returns: (transfer full): the JSON text
 *
 * Since: 0.1
 */
gchar *
weft_message_to_data (WeftMessage *self, gsize *length)
{
  g_autoptr (JsonNode) node = NULL;
  gchar *data;

  g_return_val_if_fail (WEFT_IS_MESSAGE (self), NULL);

  node = weft_message_to_json_node (self);
  data = json_to_string (node, FALSE);
  if (length != NULL)
    *length = strlen (data);
  return data;
}

/**
 * weft_message_generate_request_id:
 *
 * A fresh request id: 12 lower-case hex digits, as the reference uses.
 *
 * Returns: (transfer full): a new request id
 *
 * Since: 0.1
 */
gchar *
weft_message_generate_request_id (void)
{
  g_autofree gchar *uuid = g_uuid_string_random ();
  GString *id = g_string_sized_new (REQUEST_ID_LENGTH);

  for (const gchar *p = uuid; *p != '\0' && id->len < REQUEST_ID_LENGTH; p++)
    if (g_ascii_isxdigit (*p))
      g_string_append_c (id, g_ascii_tolower (*p));

  return g_string_free (id, FALSE);
}

/**
 * weft_message_request_id_is_valid:
 * @request_id: (nullable): a string
 *
 * Whether @request_id has the form weft_message_generate_request_id()
 * produces: exactly 12 lower-case hex digits.
 *
 * Returns: %TRUE if it does
 *
 * Since: 0.1
 */
gboolean
weft_message_request_id_is_valid (const gchar *request_id)
{
  if (request_id == NULL || strlen (request_id) != REQUEST_ID_LENGTH)
    return FALSE;
  for (const gchar *p = request_id; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
      return FALSE;
  return TRUE;
}
