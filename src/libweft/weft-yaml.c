/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>
#include <yaml.h>

#include "weft-error.h"
#include "weft-yaml-private.h"

#define YAML_NULL_TAG "tag:yaml.org,2002:null"
#define YAML_STR_TAG  "tag:yaml.org,2002:str"

static void
weft_yaml_node_free (gpointer data)
{
  WeftYamlNode *node = data;

  g_free (node->value);
  g_free (node->anchor);
  g_clear_pointer (&node->children, g_ptr_array_unref);
  g_free (node);
}

void
weft_yaml_document_free (WeftYamlDocument *doc)
{
  if (doc == NULL)
    return;
  g_ptr_array_unref (doc->nodes);
  g_free (doc);
}

const gchar *
weft_yaml_node_kind_to_string (const WeftYamlNode *node)
{
  if (node->kind == WEFT_YAML_NODE_MAPPING)
    return _ ("a mapping");
  if (node->kind == WEFT_YAML_NODE_SEQUENCE)
    return _ ("a list");
  if (node->is_null)
    return _ ("an empty value");
  return _ ("a single value");
}

typedef struct
{
  WeftYamlDocument *doc;
  GPtrArray *stack;    /* (owned) (element-type WeftYamlNode) open collections */
  GHashTable *anchors; /* (owned) anchor name → node (not owned) */
  guint n_nodes;       /* nodes and aliases seen, for the node limit */
  guint n_documents;
  const gchar *data; /* (not owned) the input, for reader error positions */
  gsize length;
} Composer;

static void
set_position (const yaml_mark_t *mark, guint *line, guint *column)
{
  *line = (guint) MIN (mark->line, (size_t) G_MAXUINT - 1) + 1;
  *column = (guint) MIN (mark->column, (size_t) G_MAXUINT - 1) + 1;
}

static gboolean
composer_count_node (Composer *c,
                     const yaml_mark_t *mark,
                     guint *line,
                     guint *column,
                     GError **error)
{
  if (++c->n_nodes <= WEFT_YAML_MAX_NODES)
    return TRUE;
  set_position (mark, line, column);
  g_set_error (error, WEFT_ERROR, WEFT_ERROR_TOO_LARGE,
               _ ("the document has more than %u nodes; a manifest should be far smaller"),
               (guint) WEFT_YAML_MAX_NODES);
  return FALSE;
}

static WeftYamlNode *
composer_add_node (Composer *c, WeftYamlNodeKind kind, const yaml_mark_t *mark)
{
  WeftYamlNode *node = g_new0 (WeftYamlNode, 1);

  node->kind = kind;
  set_position (mark, &node->line, &node->column);
  if (kind != WEFT_YAML_NODE_SCALAR)
    node->children = g_ptr_array_new ();
  g_ptr_array_add (c->doc->nodes, node);
  return node;
}

/* hangs @node under the innermost open collection, or makes it the root */
static void
composer_attach (Composer *c, WeftYamlNode *node)
{
  if (c->stack->len == 0)
    {
      c->doc->root = node;
      return;
    }
  g_ptr_array_add (((WeftYamlNode *) g_ptr_array_index (c->stack, c->stack->len - 1))->children,
                   node);
}

static void
composer_register_anchor (Composer *c, WeftYamlNode *node)
{
  /* a later anchor with the same name replaces the earlier one, as YAML says */
  if (node->anchor != NULL)
    g_hash_table_insert (c->anchors, node->anchor, node);
}

static gboolean
scalar_is_null (const yaml_event_t *event)
{
  const gchar *tag = (const gchar *) event->data.scalar.tag;
  const gchar *value = (const gchar *) event->data.scalar.value;

  if (tag != NULL)
    return g_str_equal (tag, YAML_NULL_TAG);
  if (event->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
    return FALSE;
  return value[0] == '\0' || g_str_equal (value, "~") || g_str_equal (value, "null") ||
         g_str_equal (value, "Null") || g_str_equal (value, "NULL");
}

/* returns FALSE with @error set when the event makes the document unacceptable */
static gboolean
composer_handle_event (Composer *c,
                       const yaml_event_t *event,
                       gboolean *done,
                       guint *line,
                       guint *column,
                       GError **error)
{
  WeftYamlNode *node;

  switch (event->type)
    {
      case YAML_DOCUMENT_START_EVENT:
        if (++c->n_documents > 1)
          {
            set_position (&event->start_mark, line, column);
            g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                                 _ ("a second YAML document starts here; a manifest holds exactly "
                                    "one document"));
            return FALSE;
          }
        return TRUE;

      case YAML_STREAM_END_EVENT:
        *done = TRUE;
        return TRUE;

      case YAML_SCALAR_EVENT:
        if (!composer_count_node (c, &event->start_mark, line, column, error))
          return FALSE;
        node = composer_add_node (c, WEFT_YAML_NODE_SCALAR, &event->start_mark);
        node->value =
          g_strndup ((const gchar *) event->data.scalar.value, event->data.scalar.length);
        node->is_null = scalar_is_null (event);
        node->plain =
          event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && event->data.scalar.tag == NULL;
        node->anchor = g_strdup ((const gchar *) event->data.scalar.anchor);
        composer_attach (c, node);
        composer_register_anchor (c, node);
        return TRUE;

      case YAML_SEQUENCE_START_EVENT:
      case YAML_MAPPING_START_EVENT:
        if (!composer_count_node (c, &event->start_mark, line, column, error))
          return FALSE;
        if (c->stack->len >= WEFT_YAML_MAX_DEPTH)
          {
            set_position (&event->start_mark, line, column);
            g_set_error (error, WEFT_ERROR, WEFT_ERROR_TOO_LARGE,
                         _ ("lists and mappings are nested deeper than %u levels"),
                         (guint) WEFT_YAML_MAX_DEPTH);
            return FALSE;
          }
        node = composer_add_node (c,
                                  event->type == YAML_SEQUENCE_START_EVENT ? WEFT_YAML_NODE_SEQUENCE
                                                                           : WEFT_YAML_NODE_MAPPING,
                                  &event->start_mark);
        node->anchor = g_strdup ((const gchar *) (event->type == YAML_SEQUENCE_START_EVENT
                                                    ? event->data.sequence_start.anchor
                                                    : event->data.mapping_start.anchor));
        composer_attach (c, node);
        g_ptr_array_add (c->stack, node);
        return TRUE;

      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT:
        g_assert (c->stack->len > 0);
        node = g_ptr_array_steal_index (c->stack, c->stack->len - 1);
        composer_register_anchor (c, node);
        return TRUE;

      case YAML_ALIAS_EVENT:
        if (!composer_count_node (c, &event->start_mark, line, column, error))
          return FALSE;
        node = g_hash_table_lookup (c->anchors, event->data.alias.anchor);
        if (node == NULL)
          {
            /* also what a self-referencing alias looks like, since anchors of
             * collections only count once the collection is complete */
            set_position (&event->start_mark, line, column);
            g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                         _ ("the alias '*%s' refers to no complete anchored node before it"),
                         (const gchar *) event->data.alias.anchor);
            return FALSE;
          }
        composer_attach (c, node);
        return TRUE;

      case YAML_NO_EVENT:
      case YAML_STREAM_START_EVENT:
      case YAML_DOCUMENT_END_EVENT:
      default:
        return TRUE;
    }
}

/* libyaml reports reader errors (bad encoding, control characters) as a byte offset */
static void
position_from_offset (const gchar *data, gsize length, gsize offset, guint *line, guint *column)
{
  *line = 1;
  *column = 1;
  for (gsize i = 0; i < MIN (offset, length); i++)
    {
      if (data[i] == '\n')
        {
          (*line)++;
          *column = 1;
        }
      else if (((guchar) data[i] & 0xC0) != 0x80)
        {
          (*column)++;
        }
    }
}

static void
set_syntax_error (const yaml_parser_t *parser,
                  const Composer *c,
                  guint *line,
                  guint *column,
                  GError **error)
{
  const gchar *problem = parser->problem != NULL ? parser->problem : _ ("unknown error");

  if (parser->error == YAML_READER_ERROR)
    {
      position_from_offset (c->data, c->length, parser->problem_offset, line, column);
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA, _ ("invalid YAML: %s"), problem);
      return;
    }
  set_position (&parser->problem_mark, line, column);
  if (parser->context != NULL)
    {
      /* TRANSLATORS: the second %s is libyaml's context, e.g. "while parsing a block mapping",
       * followed by its line and column */
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA, _ ("invalid YAML: %s (%s at %u:%u)"),
                   problem, parser->context, (guint) parser->context_mark.line + 1,
                   (guint) parser->context_mark.column + 1);
      return;
    }
  g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA, _ ("invalid YAML: %s"), problem);
}

/*
 * weft_yaml_document_parse:
 * @data: the YAML text
 * @length: its length in bytes
 * @error_line: (out): on failure, the 1-based line of the problem
 * @error_column: (out): on failure, the 1-based column of the problem
 * @error: return location for a #GError
 *
 * Composes the single document of @data. An empty stream gives a document with a
 * %NULL root. Syntax errors, a second document, unknown aliases and input past the
 * depth or node limits fail with the position of the problem.
 */
WeftYamlDocument *
weft_yaml_document_parse (const gchar *data,
                          gsize length,
                          guint *error_line,
                          guint *error_column,
                          GError **error)
{
  g_autoptr (WeftYamlDocument) doc = g_new0 (WeftYamlDocument, 1);
  g_autoptr (GPtrArray) stack = g_ptr_array_new ();
  g_autoptr (GHashTable) anchors = g_hash_table_new (g_str_hash, g_str_equal);
  Composer c = { 0 };
  yaml_parser_t parser;
  gboolean done = FALSE;
  gboolean ok = TRUE;

  *error_line = 0;
  *error_column = 0;
  doc->nodes = g_ptr_array_new_with_free_func (weft_yaml_node_free);
  c.doc = doc;
  c.stack = stack;
  c.anchors = anchors;
  c.data = data;
  c.length = length;

  if (!yaml_parser_initialize (&parser))
    {
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_FAILED,
                           _ ("cannot initialise the YAML parser"));
      return NULL;
    }
  yaml_parser_set_input_string (&parser, (const guchar *) data, length);

  while (ok && !done)
    {
      yaml_event_t event;

      if (!yaml_parser_parse (&parser, &event))
        {
          set_syntax_error (&parser, &c, error_line, error_column, error);
          ok = FALSE;
          break;
        }
      ok = composer_handle_event (&c, &event, &done, error_line, error_column, error);
      yaml_event_delete (&event);
    }
  yaml_parser_delete (&parser);

  if (!ok)
    return NULL;
  return g_steal_pointer (&doc);
}
