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
 * WeftPeerState:
 * @WEFT_PEER_STATE_DISCONNECTED: not connected to the registry's signaling
 * @WEFT_PEER_STATE_SIGNALING: reachable through the registry (signaling and task queue)
 * @WEFT_PEER_STATE_DIRECT: a direct DataChannel is open
 *
 * How this agent can reach a remote agent.
 *
 * Since: 0.1
 */
typedef enum
{
  WEFT_PEER_STATE_DISCONNECTED,
  WEFT_PEER_STATE_SIGNALING,
  WEFT_PEER_STATE_DIRECT,
} WeftPeerState;

#define WEFT_TYPE_PEER (weft_peer_get_type ())
WEFT_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (WeftPeer, weft_peer, WEFT, PEER, GObject)

WEFT_AVAILABLE_IN_ALL
WeftPeer *
weft_peer_new (const gchar *agent_id);
WEFT_AVAILABLE_IN_ALL
gboolean
weft_peer_update_from_json (WeftPeer *self, JsonNode *record);

WEFT_AVAILABLE_IN_ALL
const gchar *
weft_peer_get_agent_id (WeftPeer *self);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_peer_get_peer_id (WeftPeer *self);
WEFT_AVAILABLE_IN_ALL
void
weft_peer_set_peer_id (WeftPeer *self, const gchar *peer_id);
WEFT_AVAILABLE_IN_ALL
const gchar *const *
weft_peer_get_skills (WeftPeer *self);
WEFT_AVAILABLE_IN_ALL
gboolean
weft_peer_has_skill (WeftPeer *self, const gchar *skill);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_peer_get_health (WeftPeer *self);
WEFT_AVAILABLE_IN_ALL
void
weft_peer_set_health (WeftPeer *self, const gchar *health);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_peer_get_hostname (WeftPeer *self);
WEFT_AVAILABLE_IN_ALL
WeftPeerState
weft_peer_get_state (WeftPeer *self);
WEFT_AVAILABLE_IN_ALL
void
weft_peer_set_state (WeftPeer *self, WeftPeerState state);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_peer_state_to_string (WeftPeerState state);

G_END_DECLS
