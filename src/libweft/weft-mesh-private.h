/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "weft-manifest.h"
#include "weft-message.h"
#include "weft-signaling.h"

G_BEGIN_DECLS

/* WeftMesh: one WeftPeerConnection and its `mesh` DataChannel per remote
 * signaling peer id, negotiated through the registry's /ws relay. in-tree
 * only; WeftAgent owns one. */

#define WEFT_MESH_DEFAULT_OPEN_BUDGET_MS 3000
#define WEFT_MESH_DEFAULT_IDLE_TIMEOUT   300

#define WEFT_TYPE_MESH (weft_mesh_get_type ())
G_DECLARE_FINAL_TYPE (WeftMesh, weft_mesh, WEFT, MESH, GObject)

WeftMesh *
weft_mesh_new (WeftSignaling *signaling);

WeftSignaling *
weft_mesh_get_signaling (WeftMesh *self);
const gchar *
weft_mesh_get_local_peer_id (WeftMesh *self);

/* configuration */
void
weft_mesh_set_connect_mode (WeftMesh *self, WeftConnectMode mode);
WeftConnectMode
weft_mesh_get_connect_mode (WeftMesh *self);
void
weft_mesh_set_idle_timeout (WeftMesh *self, guint seconds);
guint
weft_mesh_get_idle_timeout (WeftMesh *self);
void
weft_mesh_set_idle_timeout_ms (WeftMesh *self, guint ms);
void
weft_mesh_set_open_budget (WeftMesh *self, guint ms);
guint
weft_mesh_get_open_budget (WeftMesh *self);
void
weft_mesh_add_local_address (WeftMesh *self, const gchar *address);
void
weft_mesh_set_ice_config (WeftMesh *self, JsonNode *config);

void
weft_mesh_start (WeftMesh *self);
void
weft_mesh_stop (WeftMesh *self);

/* a channel to @peer_id: at once when one is open, else negotiated within
 * @budget_ms (0: the open budget). fails with WEFT_ERROR_UNAVAILABLE (peer
 * not on signaling, connection failed) or WEFT_ERROR_TIMED_OUT (budget) */
void
weft_mesh_ensure_channel_async (WeftMesh *self,
                                const gchar *peer_id,
                                guint budget_ms,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data);
gboolean
weft_mesh_ensure_channel_finish (WeftMesh *self, GAsyncResult *result, GError **error);

gboolean
weft_mesh_send (WeftMesh *self, const gchar *peer_id, WeftMessage *message, GError **error);
guint
weft_mesh_broadcast (WeftMesh *self, WeftMessage *message);

gboolean
weft_mesh_is_open (WeftMesh *self, const gchar *peer_id);
gboolean
weft_mesh_is_online (WeftMesh *self, const gchar *peer_id);
gchar **
weft_mesh_dup_open_peers (WeftMesh *self);
guint
weft_mesh_get_n_open (WeftMesh *self);
guint
weft_mesh_get_n_connections_made (WeftMesh *self);
JsonNode *
weft_mesh_dup_report (WeftMesh *self);

/* keeps a channel from the idle close while work is in flight */
void
weft_mesh_hold (WeftMesh *self, const gchar *peer_id);
void
weft_mesh_release (WeftMesh *self, const gchar *peer_id);

void
weft_mesh_close_peer (WeftMesh *self, const gchar *peer_id);
gboolean
weft_mesh_restart_ice (WeftMesh *self, const gchar *peer_id, GError **error);

G_END_DECLS
