/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* JSON helpers shared by the parsers of libweft */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "weft-error.h"
#include "weft-json-private.h"

/* refuses @data when its arrays and objects nest deeper than @max_depth; a
 * lexical scan that skips strings, cheap enough to run before every parse.
 * Malformed JSON passes as long as it is shallow: the parser reports it. */
gboolean
weft_json_check_depth (const gchar *data, gsize length, guint max_depth, GError **error)
{
  guint depth = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < length; i++)
    {
      gchar c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      switch (c)
        {
          case '"':
            in_string = TRUE;
            break;
          case '[':
          case '{':
            if (++depth > max_depth)
              {
                g_autofree gchar *offset = g_strdup_printf ("%" G_GSIZE_FORMAT, i);

                g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                             _ ("JSON nested deeper than %u levels at byte %s"), max_depth, offset);
                return FALSE;
              }
            break;
          case ']':
          case '}':
            if (depth > 0)
              depth--;
            break;
          default:
            break;
        }
    }
  return TRUE;
}

/* every member name of @node is UTF-8 and @value_ok holds for every value
 * in it; recursion is bounded by the depth check every parse starts with */
static gboolean
all_values (JsonNode *node, gboolean (*value_ok) (JsonNode *value))
{
  switch (json_node_get_node_type (node))
    {
      case JSON_NODE_OBJECT:
        {
          JsonObjectIter iter;
          const gchar *name;
          JsonNode *member;

          json_object_iter_init (&iter, json_node_get_object (node));
          while (json_object_iter_next (&iter, &name, &member))
            if (!g_utf8_validate (name, -1, NULL) || !all_values (member, value_ok))
              return FALSE;
          return TRUE;
        }
      case JSON_NODE_ARRAY:
        {
          JsonArray *array = json_node_get_array (node);

          for (guint i = 0; i < json_array_get_length (array); i++)
            if (!all_values (json_array_get_element (array, i), value_ok))
              return FALSE;
          return TRUE;
        }
      case JSON_NODE_VALUE:
        return value_ok (node);
      case JSON_NODE_NULL:
      default:
        return TRUE;
    }
}

/* json-glib turns the escape of half a surrogate pair (`"\ud83d"`) into bytes
 * that are not UTF-8; such a text would be stored, then written back as
 * invalid JSON */
static gboolean
string_is_utf8 (JsonNode *value)
{
  return json_node_get_value_type (value) != G_TYPE_STRING ||
         g_utf8_validate (json_node_get_string (value), -1, NULL);
}

static gboolean
check_strings (JsonNode *root, GError **error)
{
  if (root == NULL || all_values (root, string_is_utf8))
    return TRUE;
  g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                       _ ("a string is not valid UTF-8 (an escape of half a surrogate pair, "
                          "such as \\ud83d alone?)"));
  return FALSE;
}

/* json-glib quotes the offending bytes in its messages, valid UTF-8 or not;
 * a message that goes back into JSON must be UTF-8 */
static gboolean
load (JsonParser *parser, const gchar *data, gsize length, GError **error)
{
  if (json_parser_load_from_data (parser, data, (gssize) length, error))
    return TRUE;
  if (error != NULL && *error != NULL && !g_utf8_validate ((*error)->message, -1, NULL))
    {
      gchar *valid = g_utf8_make_valid ((*error)->message, -1);

      g_free ((*error)->message);
      (*error)->message = valid;
    }
  return FALSE;
}

/* json_parser_load_from_data() behind the depth check and with the strings
 * checked, for callers that want a parser of their own (a mutable tree, say);
 * json-glib's own errors keep their domain and code */
gboolean
weft_json_parser_load (JsonParser *parser, const gchar *data, gssize length, GError **error)
{
  gsize len;

  if (data == NULL)
    data = "";
  len = length < 0 ? strlen (data) : (gsize) length;
  return weft_json_check_depth (data, len, WEFT_JSON_MAX_DEPTH, error) &&
         load (parser, data, len, error) && check_strings (json_parser_get_root (parser), error);
}

/* the one way Weft parses JSON text it did not write: bounded depth first,
 * then json-glib; an empty document is an error. The message says what is
 * wrong with the JSON; callers prefix it with what the text was. */
JsonNode *
weft_json_parse (const gchar *data, gssize length, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) local_error = NULL;
  gsize len;

  if (data == NULL)
    data = "";
  len = length < 0 ? strlen (data) : (gsize) length;
  if (!weft_json_check_depth (data, len, WEFT_JSON_MAX_DEPTH, error))
    return NULL;
  if (!load (parser, data, len, &local_error))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA, _ ("not valid JSON: %s"),
                   local_error->message);
      return NULL;
    }
  if (json_parser_get_root (parser) == NULL)
    {
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                           _ ("empty; expected a JSON value"));
      return NULL;
    }
  if (!check_strings (json_parser_get_root (parser), error))
    return NULL;
  return json_node_ref (json_parser_get_root (parser));
}

/* what a JSON value is, for error messages: "must be a string, not an integer" */
const gchar *
weft_json_describe (JsonNode *node)
{
  if (node == NULL)
    return _ ("nothing");
  switch (json_node_get_node_type (node))
    {
      case JSON_NODE_OBJECT:
        return _ ("an object");
      case JSON_NODE_ARRAY:
        return _ ("an array");
      case JSON_NODE_NULL:
        return _ ("null");
      case JSON_NODE_VALUE:
        break;
      default:
        return _ ("an unknown value");
    }
  switch (json_node_get_value_type (node))
    {
      case G_TYPE_STRING:
        return _ ("a string");
      case G_TYPE_INT64:
        return _ ("an integer");
      case G_TYPE_DOUBLE:
        return _ ("a number with a fraction");
      case G_TYPE_BOOLEAN:
        return _ ("a boolean");
      default:
        return _ ("an unknown value");
    }
}

/* whether json-glib can write a double as valid JSON: it reads 1e999 as
 * infinity and writes that as "inf.0", and it writes a "%.17g" form without
 * a point, like 1e+20, with ".0" appended */
gboolean
weft_json_double_is_writable (gdouble value)
{
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (value))
    return FALSE;
  g_ascii_formatd (buf, sizeof buf, "%.17g", value);
  return strchr (buf, '.') != NULL || strchr (buf, 'e') == NULL;
}

static gboolean
double_is_writable (JsonNode *value)
{
  return json_node_get_value_type (value) != G_TYPE_DOUBLE ||
         weft_json_double_is_writable (json_node_get_double (value));
}

/* whether json-glib can write @node back as valid JSON (see above); values
 * that Weft passes on must be; @node's depth is bounded by
 * weft_json_check_depth() */
gboolean
weft_json_node_is_writable (JsonNode *node)
{
  return all_values (node, double_is_writable);
}
