/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__WEFT_INSIDE__) && !defined(WEFT_COMPILATION)
#error "Only <weft.h> can be included directly."
#endif

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "weft-version-macros.h"

G_BEGIN_DECLS

/**
 * WEFT_MESSAGE_DEFAULT_MAX_SIZE:
 *
 * The largest serialised message, in bytes, that weft_message_new_from_data()
 * accepts: the max-message-size Weft announces on its DataChannels.
 *
 * Since: 0.1
 */
#define WEFT_MESSAGE_DEFAULT_MAX_SIZE (256 * 1024)

#define WEFT_TYPE_MESSAGE (weft_message_get_type ())
WEFT_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (WeftMessage, weft_message, WEFT, MESSAGE, GObject)

WEFT_AVAILABLE_IN_ALL
WeftMessage *
weft_message_new (const gchar *type,
                  const gchar *request_id,
                  const gchar *source_agent,
                  const gchar *target_agent,
                  JsonNode *payload);
WEFT_AVAILABLE_IN_ALL
WeftMessage *
weft_message_new_request (const gchar *type,
                          const gchar *source_agent,
                          const gchar *target_agent,
                          JsonNode *payload);
WEFT_AVAILABLE_IN_ALL
WeftMessage *
weft_message_new_from_data (const gchar *data, gssize length, GError **error);
WEFT_AVAILABLE_IN_ALL
WeftMessage *
weft_message_new_from_data_with_limit (const gchar *data,
                                       gssize length,
                                       gsize max_size,
                                       GError **error);
WEFT_AVAILABLE_IN_ALL
WeftMessage *
weft_message_new_from_json_node (JsonNode *node, GError **error);

WEFT_AVAILABLE_IN_ALL
const gchar *
weft_message_get_message_type (WeftMessage *self);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_message_get_request_id (WeftMessage *self);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_message_get_source_agent (WeftMessage *self);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_message_get_target_agent (WeftMessage *self);
WEFT_AVAILABLE_IN_ALL
JsonNode *
weft_message_get_payload (WeftMessage *self);
WEFT_AVAILABLE_IN_ALL
gchar *
weft_message_dup_payload_json (WeftMessage *self);

WEFT_AVAILABLE_IN_ALL
void
weft_message_set_request_id (WeftMessage *self, const gchar *request_id);
WEFT_AVAILABLE_IN_ALL
void
weft_message_set_source_agent (WeftMessage *self, const gchar *source_agent);
WEFT_AVAILABLE_IN_ALL
void
weft_message_set_target_agent (WeftMessage *self, const gchar *target_agent);
WEFT_AVAILABLE_IN_ALL
void
weft_message_set_payload (WeftMessage *self, JsonNode *payload);

WEFT_AVAILABLE_IN_ALL
JsonNode *
weft_message_to_json_node (WeftMessage *self);
WEFT_AVAILABLE_IN_ALL
gchar *
weft_message_to_data (WeftMessage *self, gsize *length);

WEFT_AVAILABLE_IN_ALL
gchar *
weft_message_generate_request_id (void);
WEFT_AVAILABLE_IN_ALL
gboolean
weft_message_request_id_is_valid (const gchar *request_id);

G_END_DECLS
