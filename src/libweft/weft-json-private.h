/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* how deeply JSON that Weft reads may nest; json-glib parses recursively
 * and has no limit of its own, so deeper input would exhaust the stack */
#define WEFT_JSON_MAX_DEPTH 128

gboolean
weft_json_check_depth (const gchar *data, gsize length, guint max_depth, GError **error);

JsonNode *
weft_json_parse (const gchar *data, gssize length, GError **error);
gboolean
weft_json_parser_load (JsonParser *parser, const gchar *data, gssize length, GError **error);

const gchar *
weft_json_describe (JsonNode *node);

gboolean
weft_json_double_is_writable (gdouble value);
gboolean
weft_json_node_is_writable (JsonNode *node);

G_END_DECLS
