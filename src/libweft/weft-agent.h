/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__WEFT_INSIDE__) && !defined(WEFT_COMPILATION)
#error "Only <weft.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "weft-manifest.h"
#include "weft-peer.h"
#include "weft-registry-client.h"
#include "weft-signaling.h"
#include "weft-skill.h"
#include "weft-version-macros.h"

G_BEGIN_DECLS

/**
 * WeftAgentState:
 * @WEFT_AGENT_STATE_STOPPED: not started, or stopped
 * @WEFT_AGENT_STATE_STARTING: getting a token and registering
 * @WEFT_AGENT_STATE_RUNNING: registered, heartbeating and taking tasks
 * @WEFT_AGENT_STATE_STOPPING: handing tasks back and deregistering
 *
 * The life cycle of a #WeftAgent.
 *
 * Since: 0.1
 */
typedef enum
{
  WEFT_AGENT_STATE_STOPPED,
  WEFT_AGENT_STATE_STARTING,
  WEFT_AGENT_STATE_RUNNING,
  WEFT_AGENT_STATE_STOPPING,
} WeftAgentState;

#define WEFT_TYPE_AGENT (weft_agent_get_type ())
WEFT_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (WeftAgent, weft_agent, WEFT, AGENT, GObject)

WEFT_AVAILABLE_IN_ALL
WeftAgent *
weft_agent_new (WeftManifest *manifest, GError **error);

WEFT_AVAILABLE_IN_ALL
WeftManifest *
weft_agent_get_manifest (WeftAgent *self);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_agent_get_name (WeftAgent *self);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_agent_get_peer_id (WeftAgent *self);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_agent_get_registry (WeftAgent *self);
WEFT_AVAILABLE_IN_ALL
WeftAgentState
weft_agent_get_state (WeftAgent *self);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_agent_state_to_string (WeftAgentState state);
WEFT_AVAILABLE_IN_ALL
WeftRegistryClient *
weft_agent_get_client (WeftAgent *self);
WEFT_AVAILABLE_IN_ALL
WeftSignaling *
weft_agent_get_signaling (WeftAgent *self);
WEFT_AVAILABLE_IN_ALL
guint
weft_agent_get_running_tasks (WeftAgent *self);
WEFT_AVAILABLE_IN_ALL
guint
weft_agent_get_max_concurrent_tasks (WeftAgent *self);
WEFT_AVAILABLE_IN_ALL
guint
weft_agent_get_heartbeat_interval (WeftAgent *self);
WEFT_AVAILABLE_IN_ALL
void
weft_agent_set_heartbeat_interval (WeftAgent *self, guint seconds);
WEFT_AVAILABLE_IN_ALL
gboolean
weft_agent_get_push (WeftAgent *self);
WEFT_AVAILABLE_IN_ALL
void
weft_agent_set_push (WeftAgent *self, gboolean push);

WEFT_AVAILABLE_IN_ALL
gboolean
weft_agent_add_skill (WeftAgent *self, WeftSkill *skill, GError **error);
WEFT_AVAILABLE_IN_ALL
WeftSkill *
weft_agent_lookup_skill (WeftAgent *self, const gchar *name);
WEFT_AVAILABLE_IN_ALL
gchar **
weft_agent_dup_skill_names (WeftAgent *self);
WEFT_AVAILABLE_IN_ALL
GPtrArray *
weft_agent_dup_peers (WeftAgent *self);
WEFT_AVAILABLE_IN_ALL
WeftPeer *
weft_agent_lookup_peer (WeftAgent *self, const gchar *agent_id);
WEFT_AVAILABLE_IN_ALL
JsonNode *
weft_agent_dup_tasks (WeftAgent *self);
WEFT_AVAILABLE_IN_ALL
JsonNode *
weft_agent_dup_routes (WeftAgent *self);
WEFT_AVAILABLE_IN_ALL
gboolean
weft_agent_reload (WeftAgent *self, GError **error);

WEFT_AVAILABLE_IN_ALL
void
weft_agent_start_async (WeftAgent *self,
                        GCancellable *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer user_data);
WEFT_AVAILABLE_IN_ALL
gboolean
weft_agent_start_finish (WeftAgent *self, GAsyncResult *result, GError **error);
WEFT_AVAILABLE_IN_ALL
void
weft_agent_stop_async (WeftAgent *self,
                       GCancellable *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer user_data);
WEFT_AVAILABLE_IN_ALL
gboolean
weft_agent_stop_finish (WeftAgent *self, GAsyncResult *result, GError **error);

WEFT_AVAILABLE_IN_ALL
void
weft_agent_invoke_async (WeftAgent *self,
                         const gchar *skill,
                         JsonNode *args,
                         GCancellable *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer user_data);
WEFT_AVAILABLE_IN_ALL
gchar *
weft_agent_invoke_finish (WeftAgent *self, GAsyncResult *result, GError **error);

WEFT_AVAILABLE_IN_ALL
void
weft_agent_delegate_async (WeftAgent *self,
                           const gchar *target_agent_id,
                           const gchar *skill,
                           const gchar *message,
                           gboolean wait,
                           GCancellable *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer user_data);
WEFT_AVAILABLE_IN_ALL
gchar *
weft_agent_delegate_finish (WeftAgent *self, GAsyncResult *result, GError **error);

WEFT_AVAILABLE_IN_ALL
void
weft_agent_send_async (WeftAgent *self,
                       const gchar *target_agent_id,
                       const gchar *message,
                       GCancellable *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer user_data);
WEFT_AVAILABLE_IN_ALL
gchar *
weft_agent_send_finish (WeftAgent *self, GAsyncResult *result, GError **error);

WEFT_AVAILABLE_IN_ALL
void
weft_agent_broadcast_async (WeftAgent *self,
                            const gchar *message,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data);
WEFT_AVAILABLE_IN_ALL
gchar *
weft_agent_broadcast_finish (WeftAgent *self, GAsyncResult *result, GError **error);

G_END_DECLS
