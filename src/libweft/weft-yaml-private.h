/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* a small YAML tree composed from libyaml events, with source positions and hard
 * limits: aliases share the anchored node instead of copying it, and an alias can only
 * name a node that is complete, so the tree is acyclic and never larger than the input */

/* the deepest nesting of collections a document may have */
#define WEFT_YAML_MAX_DEPTH 64
/* the most nodes (scalars, collections and aliases) a document may have */
#define WEFT_YAML_MAX_NODES 50000

typedef enum
{
  WEFT_YAML_NODE_SCALAR,
  WEFT_YAML_NODE_SEQUENCE,
  WEFT_YAML_NODE_MAPPING,
} WeftYamlNodeKind;

typedef struct _WeftYamlNode WeftYamlNode;

struct _WeftYamlNode
{
  WeftYamlNodeKind kind;
  guint line;       /* 1-based */
  guint column;     /* 1-based, in characters */
  gchar *value;     /* (owned) (nullable) scalar text, always UTF-8 */
  gboolean is_null; /* a scalar that resolves to null (`~`, `null`, empty) */
  gboolean plain;   /* a plain (unquoted, untagged) scalar */
  gchar *anchor;    /* (owned) (nullable) registered when the node is complete */
  /* sequence: the items; mapping: key, value, key, value, ...
   * (element-type WeftYamlNode) (not owned: the document owns every node) */
  GPtrArray *children;
};

typedef struct
{
  GPtrArray *nodes;   /* (owned) (element-type WeftYamlNode) every node */
  WeftYamlNode *root; /* (nullable) NULL for an empty stream */
} WeftYamlDocument;

WeftYamlDocument *
weft_yaml_document_parse (const gchar *data,
                          gsize length,
                          guint *error_line,
                          guint *error_column,
                          GError **error);
void
weft_yaml_document_free (WeftYamlDocument *doc);

const gchar *
weft_yaml_node_kind_to_string (const WeftYamlNode *node);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WeftYamlDocument, weft_yaml_document_free)

G_END_DECLS
