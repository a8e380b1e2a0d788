/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* strict field readers for request bodies, with serde's rules: a present member
 * of the wrong type (null included) is an error, as is an integer out of range;
 * errors are INVALID_ARGUMENT and name the field and the expected type */

/* parses @data (INVALID_DATA when it is not JSON) and requires an object
 * (INVALID_ARGUMENT otherwise); (transfer full) the root node */
JsonNode *
weft_registry_json_parse_object (const gchar *data, gssize length, GError **error);
JsonObject *
weft_registry_json_require_object (JsonNode *node, GError **error);

/* each returns FALSE with @error set on a type error; *@present (optional) says
 * whether the member was there; @out keeps its value when the member is absent */
gboolean
weft_registry_json_get_string (JsonObject *object,
                               const gchar *name,
                               gboolean required,
                               gchar **out,
                               gboolean *present,
                               GError **error);
gboolean
weft_registry_json_get_uint (JsonObject *object,
                             const gchar *name,
                             guint64 max,
                             guint64 *out,
                             gboolean *present,
                             GError **error);
gboolean
weft_registry_json_get_double (JsonObject *object,
                               const gchar *name,
                               gdouble *out,
                               gboolean *present,
                               GError **error);
gboolean
weft_registry_json_get_strv (JsonObject *object,
                             const gchar *name,
                             gchar ***out,
                             gboolean *present,
                             GError **error);

G_END_DECLS
