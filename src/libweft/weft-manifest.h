/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__WEFT_INSIDE__) && !defined(WEFT_COMPILATION)
#error "Only <weft.h> can be included directly."
#endif

#include <glib-object.h>

#include "weft-version-macros.h"

G_BEGIN_DECLS

/**
 * WeftConnectMode:
 * @WEFT_CONNECT_MODE_ON_DEMAND: open a DataChannel to a peer on first use and close it
 *   when it has been idle for the manifest's idle timeout
 * @WEFT_CONNECT_MODE_FULL_MESH: offer a DataChannel to every peer the registry lists, as
 *   the chatixia sidecar does
 *
 * How an agent opens direct connections to its peers (`weft.connect` in agent.yaml).
 *
 * Since: 0.1
 */
typedef enum
{
  WEFT_CONNECT_MODE_ON_DEMAND,
  WEFT_CONNECT_MODE_FULL_MESH,
} WeftConnectMode;

/**
 * WEFT_MANIFEST_MAX_SIZE:
 *
 * The largest agent.yaml (and AGENT.md) Weft reads, in bytes.
 *
 * Since: 0.1
 */
#define WEFT_MANIFEST_MAX_SIZE (1024 * 1024)

#define WEFT_TYPE_MANIFEST (weft_manifest_get_type ())
WEFT_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (WeftManifest, weft_manifest, WEFT, MANIFEST, GObject)

WEFT_AVAILABLE_IN_ALL
WeftManifest *
weft_manifest_new_from_file (const gchar *path, GError **error);
WEFT_AVAILABLE_IN_ALL
WeftManifest *
weft_manifest_new_from_data (const gchar *data,
                             gssize length,
                             const gchar *base_dir,
                             GError **error);
WEFT_AVAILABLE_IN_ALL
WeftManifest *
weft_manifest_load_file (const gchar *path, GError **error);
WEFT_AVAILABLE_IN_ALL
WeftManifest *
weft_manifest_load_data (const gchar *data, gssize length, const gchar *base_dir, GError **error);

WEFT_AVAILABLE_IN_ALL
const gchar *const *
weft_manifest_get_errors (WeftManifest *self);
WEFT_AVAILABLE_IN_ALL
gboolean
weft_manifest_validate (WeftManifest *self, GError **error);

WEFT_AVAILABLE_IN_ALL
const gchar *
weft_manifest_get_path (WeftManifest *self);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_manifest_get_base_dir (WeftManifest *self);

WEFT_AVAILABLE_IN_ALL
const gchar *
weft_manifest_get_name (WeftManifest *self);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_manifest_get_description (WeftManifest *self);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_manifest_get_registry (WeftManifest *self);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_manifest_get_provider (WeftManifest *self);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_manifest_get_model (WeftManifest *self);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_manifest_get_prompt (WeftManifest *self);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_manifest_get_agent_md (WeftManifest *self);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_manifest_get_system_prompt (WeftManifest *self);

WEFT_AVAILABLE_IN_ALL
const gchar *
weft_manifest_get_sidecar_binary (WeftManifest *self);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_manifest_get_sidecar_api_key (WeftManifest *self);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_manifest_get_sidecar_socket (WeftManifest *self);

WEFT_AVAILABLE_IN_ALL
const gchar *const *
weft_manifest_get_builtin_skills (WeftManifest *self);
WEFT_AVAILABLE_IN_ALL
const gchar *const *
weft_manifest_get_skill_dirs (WeftManifest *self);
WEFT_AVAILABLE_IN_ALL
const gchar *const *
weft_manifest_get_disabled_skills (WeftManifest *self);
WEFT_AVAILABLE_IN_ALL
gboolean
weft_manifest_is_skill_disabled (WeftManifest *self, const gchar *skill);

WEFT_AVAILABLE_IN_ALL
const gchar *
weft_manifest_get_data_dir (WeftManifest *self);
WEFT_AVAILABLE_IN_ALL
guint
weft_manifest_get_max_turns (WeftManifest *self);
WEFT_AVAILABLE_IN_ALL
guint
weft_manifest_get_context_window (WeftManifest *self);

WEFT_AVAILABLE_IN_ALL
const gchar *
weft_manifest_get_api_key (WeftManifest *self);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_manifest_get_device_token_file (WeftManifest *self);
WEFT_AVAILABLE_IN_ALL
guint
weft_manifest_get_heartbeat_interval (WeftManifest *self);
WEFT_AVAILABLE_IN_ALL
guint
weft_manifest_get_max_concurrent_tasks (WeftManifest *self);
WEFT_AVAILABLE_IN_ALL
WeftConnectMode
weft_manifest_get_connect_mode (WeftManifest *self);
WEFT_AVAILABLE_IN_ALL
guint
weft_manifest_get_idle_timeout (WeftManifest *self);
WEFT_AVAILABLE_IN_ALL
guint
weft_manifest_get_task_timeout (WeftManifest *self);
WEFT_AVAILABLE_IN_ALL
gboolean
weft_manifest_get_dbus_enabled (WeftManifest *self);
WEFT_AVAILABLE_IN_ALL
GHashTable *
weft_manifest_get_labels (WeftManifest *self);

G_END_DECLS
