/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "weft-transport-private.h"

G_BEGIN_DECLS

typedef enum
{
  WEFT_ICE_STATE_NEW,
  WEFT_ICE_STATE_CHECKING,
  WEFT_ICE_STATE_CONNECTED,
  WEFT_ICE_STATE_FAILED,
  WEFT_ICE_STATE_CLOSED,
} WeftIceState;

#define WEFT_TYPE_ICE_TRANSPORT (weft_ice_transport_get_type ())
G_DECLARE_FINAL_TYPE (WeftIceTransport, weft_ice_transport, WEFT, ICE_TRANSPORT, GObject)

WeftIceTransport *
weft_ice_transport_new (gboolean controlling, GError **error);

gboolean
weft_ice_transport_add_local_address (WeftIceTransport *self, const char *address, GError **error);
gboolean
weft_ice_transport_set_ice_servers (WeftIceTransport *self, JsonNode *config, GError **error);
void
weft_ice_transport_set_port_range (WeftIceTransport *self, guint min_port, guint max_port);
void
weft_ice_transport_gather (WeftIceTransport *self);

void
weft_ice_transport_get_local_credentials (WeftIceTransport *self, char **ufrag, char **pwd);
gboolean
weft_ice_transport_set_remote_credentials (WeftIceTransport *self,
                                           const char *ufrag,
                                           const char *pwd,
                                           GError **error);
gboolean
weft_ice_transport_add_remote_candidate (WeftIceTransport *self,
                                         const char *candidate,
                                         GError **error);
void
weft_ice_transport_set_remote_gathering_done (WeftIceTransport *self);
gboolean
weft_ice_transport_restart (WeftIceTransport *self, GError **error);

void
weft_ice_transport_set_receive_func (WeftIceTransport *self,
                                     WeftTransportPacketFunc func,
                                     gpointer user_data);
gboolean
weft_ice_transport_send (WeftIceTransport *self, const guint8 *data, gsize len);
void
weft_ice_transport_cork (WeftIceTransport *self);
void
weft_ice_transport_uncork (WeftIceTransport *self);
void
weft_ice_transport_close (WeftIceTransport *self);

WeftIceState
weft_ice_transport_get_state (WeftIceTransport *self);
gboolean
weft_ice_transport_get_controlling (WeftIceTransport *self);
gboolean
weft_ice_transport_is_gathering_done (WeftIceTransport *self);

GPtrArray *
weft_ice_transport_get_local_candidates (WeftIceTransport *self);
gboolean
weft_ice_transport_selected_pair_is_loopback (WeftIceTransport *self);

G_END_DECLS
