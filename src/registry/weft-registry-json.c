/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "weft-error.h"
#include "weft-json-private.h"
#include "weft-registry-json.h"

JsonNode *
weft_registry_json_parse_object (const gchar *data, gssize length, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) local_error = NULL;
  JsonNode *root;

  if (data == NULL)
    data = "";
  if (length < 0)
    length = (gssize) strlen (data);
  /* json-glib reads the buffer up to a NUL; a body with one inside is not JSON */
  if (memchr (data, '\0', (gsize) length) != NULL)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                   _ ("The request body is not valid JSON: it contains a NUL byte"));
      return NULL;
    }
  /* JSON is UTF-8 (RFC 8259); a body that is not would be stored and echoed as is */
  if (!g_utf8_validate_len (data, (gsize) length, NULL))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                   _ ("The request body is not valid JSON: it is not UTF-8"));
      return NULL;
    }
  if (!weft_json_parser_load (parser, data, length, &local_error))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                   _ ("The request body is not valid JSON: %s"), local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                   _ ("The request body is empty; send a JSON object"));
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("The request body must be a JSON object"));
      return NULL;
    }
  /* the parser is dropped here: take its tree rather than copying it */
  return json_parser_steal_root (parser);
}

JsonObject *
weft_registry_json_require_object (JsonNode *node, GError **error)
{
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("The request body must be a JSON object"));
      return NULL;
    }
  return json_node_get_object (node);
}

/* @type_msgid is untranslated: every body field passes here, so the type name
 * is only translated when an error needs it */
static gboolean
lookup (JsonObject *object,
        const gchar *name,
        gboolean required,
        const gchar *type_msgid,
        JsonNode **node,
        gboolean *present,
        GError **error)
{
  *node = json_object_get_member (object, name);
  if (present != NULL)
    *present = (*node != NULL);
  if (*node == NULL && required)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("Missing required field “%s” (%s)"), name, _ (type_msgid));
      return FALSE;
    }
  return TRUE;
}

static gboolean
type_error (const gchar *name, const gchar *type_name, GError **error)
{
  g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT, _ ("Field “%s” must be %s"), name,
               type_name);
  return FALSE;
}

gboolean
weft_registry_json_get_string (JsonObject *object,
                               const gchar *name,
                               gboolean required,
                               gchar **out,
                               gboolean *present,
                               GError **error)
{
  JsonNode *node;

  if (!lookup (object, name, required, N_ ("a string"), &node, present, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return type_error (name, _ ("a string"), error);
  g_free (*out);
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
uint_type_error (const gchar *name, guint64 max, GError **error)
{
  g_autofree gchar *type_name = NULL;
  g_autofree gchar *max_text = NULL;

  /* the number is formatted apart so that the translatable text has no macro */
  max_text = g_strdup_printf ("%" G_GUINT64_FORMAT, max);
  type_name = g_strdup_printf (_ ("an integer from 0 to %s"), max_text);
  return type_error (name, type_name, error);
}

gboolean
weft_registry_json_get_uint (JsonObject *object,
                             const gchar *name,
                             guint64 max,
                             guint64 *out,
                             gboolean *present,
                             GError **error)
{
  JsonNode *node;
  gint64 value;

  /* never required, so the lookup cannot fail and needs no type name */
  if (!lookup (object, name, FALSE, NULL, &node, present, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return uint_type_error (name, max, error);
  value = json_node_get_int (node);
  if (value < 0 || (guint64) value > max)
    return uint_type_error (name, max, error);
  *out = (guint64) value;
  return TRUE;
}

gboolean
weft_registry_json_get_double (JsonObject *object,
                               const gchar *name,
                               gdouble *out,
                               gboolean *present,
                               GError **error)
{
  JsonNode *node;

  if (!lookup (object, name, FALSE, N_ ("a number"), &node, present, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node))
    return type_error (name, _ ("a number"), error);
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    *out = (gdouble) json_node_get_int (node);
  else if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    *out = json_node_get_double (node);
  else
    return type_error (name, _ ("a number"), error);
  return TRUE;
}

gboolean
weft_registry_json_get_strv (JsonObject *object,
                             const gchar *name,
                             gchar ***out,
                             gboolean *present,
                             GError **error)
{
  JsonNode *node;
  JsonArray *array;
  g_autoptr (GStrvBuilder) builder = NULL;
  guint n;

  if (!lookup (object, name, FALSE, N_ ("an array of strings"), &node, present, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return type_error (name, _ ("an array of strings"), error);
  array = json_node_get_array (node);
  n = json_array_get_length (array);
  builder = g_strv_builder_new ();
  for (guint i = 0; i < n; i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        return type_error (name, _ ("an array of strings"), error);
      g_strv_builder_add (builder, json_node_get_string (element));
    }
  g_strfreev (*out);
  *out = g_strv_builder_end (builder);
  return TRUE;
}
