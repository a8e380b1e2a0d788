/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "weft-data-channel.h"
#include "weft-sdp.h"

G_BEGIN_DECLS

typedef enum
{
  WEFT_PEER_CONNECTION_STATE_NEW,
  WEFT_PEER_CONNECTION_STATE_CONNECTING,
  WEFT_PEER_CONNECTION_STATE_CONNECTED,
  WEFT_PEER_CONNECTION_STATE_FAILED,
  WEFT_PEER_CONNECTION_STATE_CLOSED,
} WeftPeerConnectionState;

#define WEFT_TYPE_PEER_CONNECTION (weft_peer_connection_get_type ())
G_DECLARE_FINAL_TYPE (WeftPeerConnection, weft_peer_connection, WEFT, PEER_CONNECTION, GObject)

WeftPeerConnection *
weft_peer_connection_new (GError **error);

/* configuration, before the first offer or answer */
gboolean
weft_peer_connection_set_ice_servers (WeftPeerConnection *self, JsonNode *config, GError **error);
void
weft_peer_connection_add_local_address (WeftPeerConnection *self, const char *address);
void
weft_peer_connection_set_max_message_size (WeftPeerConnection *self, gsize max_message_size);
void
weft_peer_connection_set_port_range (WeftPeerConnection *self, guint min_port, guint max_port);
void
weft_peer_connection_set_large_packets (WeftPeerConnection *self, gboolean large);
void
weft_peer_connection_set_legacy_sdp (WeftPeerConnection *self, gboolean legacy);

/* negotiation */
char *
weft_peer_connection_create_offer (WeftPeerConnection *self, GError **error);
char *
weft_peer_connection_create_answer (WeftPeerConnection *self, GError **error);
char *
weft_peer_connection_get_local_description (WeftPeerConnection *self);
gboolean
weft_peer_connection_set_remote_description (WeftPeerConnection *self,
                                             WeftSdpType type,
                                             const char *sdp,
                                             GError **error);
gboolean
weft_peer_connection_add_remote_candidate (WeftPeerConnection *self,
                                           const char *candidate,
                                           const char *sdp_mid,
                                           gint sdp_mline_index,
                                           GError **error);
void
weft_peer_connection_set_remote_end_of_candidates (WeftPeerConnection *self);
gboolean
weft_peer_connection_restart_ice (WeftPeerConnection *self, GError **error);

WeftDataChannel *
weft_peer_connection_create_data_channel (WeftPeerConnection *self,
                                          const char *label,
                                          const WeftDataChannelOptions *options,
                                          GError **error);
void
weft_peer_connection_close (WeftPeerConnection *self);

WeftPeerConnectionState
weft_peer_connection_get_state (WeftPeerConnection *self);
const GError *
weft_peer_connection_get_error (WeftPeerConnection *self);
gboolean
weft_peer_connection_is_dtls_client (WeftPeerConnection *self);
gsize
weft_peer_connection_get_remote_max_message_size (WeftPeerConnection *self);

G_END_DECLS
