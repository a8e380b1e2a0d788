/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__WEFT_INSIDE__) && !defined(WEFT_COMPILATION)
#error "Only <weft.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "weft-registry-client.h"
#include "weft-version-macros.h"

G_BEGIN_DECLS

#define WEFT_TYPE_SIGNALING (weft_signaling_get_type ())
WEFT_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (WeftSignaling, weft_signaling, WEFT, SIGNALING, GObject)

WEFT_AVAILABLE_IN_ALL
WeftSignaling *
weft_signaling_new (WeftRegistryClient *client);

WEFT_AVAILABLE_IN_ALL
WeftRegistryClient *
weft_signaling_get_client (WeftSignaling *self);
WEFT_AVAILABLE_IN_ALL
gboolean
weft_signaling_get_connected (WeftSignaling *self);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_signaling_get_peer_id (WeftSignaling *self);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_signaling_get_agent_id (WeftSignaling *self);
WEFT_AVAILABLE_IN_ALL
void
weft_signaling_set_agent_id (WeftSignaling *self, const gchar *agent_id);
WEFT_AVAILABLE_IN_ALL
void
weft_signaling_set_backoff (WeftSignaling *self, guint min_ms, guint max_ms);

WEFT_AVAILABLE_IN_ALL
void
weft_signaling_start (WeftSignaling *self);
WEFT_AVAILABLE_IN_ALL
void
weft_signaling_stop (WeftSignaling *self);

WEFT_AVAILABLE_IN_ALL
gboolean
weft_signaling_send (WeftSignaling *self,
                     const gchar *type,
                     const gchar *target_id,
                     JsonNode *payload,
                     GError **error);

G_END_DECLS
