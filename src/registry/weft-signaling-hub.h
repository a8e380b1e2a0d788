/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "weft-auth.h"

G_BEGIN_DECLS

/* close codes of the signaling socket (4000-4999 is for applications) */
#define WEFT_WS_CLOSE_REPLACED      4000
#define WEFT_WS_CLOSE_TOKEN_EXPIRED 4001
#define WEFT_WS_CLOSE_REVOKED       4003
#define WEFT_WS_CLOSE_RATE_LIMITED  4008
#define WEFT_WS_CLOSE_SHUTTING_DOWN 1001

#define WEFT_TYPE_SIGNALING_HUB (weft_signaling_hub_get_type ())
G_DECLARE_FINAL_TYPE (WeftSignalingHub, weft_signaling_hub, WEFT, SIGNALING_HUB, GObject)

WeftSignalingHub *
weft_signaling_hub_new (WeftAuth *auth);
void
weft_signaling_hub_set_limits (WeftSignalingHub *self,
                               gsize max_message_size,
                               guint frames_per_second,
                               guint frame_burst);
void
weft_signaling_hub_add_connection (WeftSignalingHub *self,
                                   SoupWebsocketConnection *conn,
                                   WeftPrincipal *principal);
gboolean
weft_signaling_hub_send (WeftSignalingHub *self, const gchar *peer_id, JsonNode *frame);
guint
weft_signaling_hub_send_to_credential (WeftSignalingHub *self,
                                       const gchar *credential_id,
                                       JsonNode *frame);
gboolean
weft_signaling_hub_has_peer (WeftSignalingHub *self, const gchar *peer_id);
WeftPrincipal *
weft_signaling_hub_get_principal (WeftSignalingHub *self, const gchar *peer_id);
guint
weft_signaling_hub_close_credential (WeftSignalingHub *self,
                                     const gchar *credential_id,
                                     gushort code,
                                     const gchar *reason);
void
weft_signaling_hub_close_all (WeftSignalingHub *self, gushort code, const gchar *reason);
guint
weft_signaling_hub_get_n_connections (WeftSignalingHub *self);
guint64
weft_signaling_hub_get_n_relayed (WeftSignalingHub *self);
guint64
weft_signaling_hub_get_n_dropped (WeftSignalingHub *self);

JsonNode *
weft_signaling_frame_new (const gchar *type,
                          const gchar *peer_id,
                          const gchar *target_id,
                          JsonNode *payload);

/* signals:
 *   "peer-registered" (const gchar *peer_id, WeftPrincipal *principal, JsonNode *payload)
 *     a socket sent `register` (payload may be NULL)
 *   "peer-left" (const gchar *peer_id, WeftPrincipal *principal)
 *     the socket that held @peer_id closed (not emitted for a replaced socket) */

G_END_DECLS
