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
 * WEFT_TASK_DEFAULT_TTL:
 *
 * The time to live, in seconds, of a task whose submitter gave none.
 *
 * Since: 0.1
 */
#define WEFT_TASK_DEFAULT_TTL 300

/**
 * WEFT_TASK_ID_LENGTH:
 *
 * The length of a task id: 8 hex digits, a `-` and 3 hex digits.
 *
 * Since: 0.1
 */
#define WEFT_TASK_ID_LENGTH 12

/**
 * WeftTaskState:
 * @WEFT_TASK_STATE_PENDING: submitted, waiting for an agent
 * @WEFT_TASK_STATE_ASSIGNED: handed to an agent that has not started it yet
 * @WEFT_TASK_STATE_RUNNING: the assigned agent is working on it
 * @WEFT_TASK_STATE_COMPLETED: finished with a result (terminal)
 * @WEFT_TASK_STATE_FAILED: finished with an error, or expired (terminal)
 * @WEFT_TASK_STATE_CANCELLED: given up by its submitter (terminal)
 *
 * The states of a #WeftTask. On the wire each is its lower-case name, see
 * weft_task_state_to_string().
 *
 * Since: 0.1
 */
typedef enum
{
  WEFT_TASK_STATE_PENDING,
  WEFT_TASK_STATE_ASSIGNED,
  WEFT_TASK_STATE_RUNNING,
  WEFT_TASK_STATE_COMPLETED,
  WEFT_TASK_STATE_FAILED,
  WEFT_TASK_STATE_CANCELLED,
} WeftTaskState;

WEFT_AVAILABLE_IN_ALL
const gchar *
weft_task_state_to_string (WeftTaskState state);
WEFT_AVAILABLE_IN_ALL
gboolean
weft_task_state_from_string (const gchar *string, WeftTaskState *out_state);
WEFT_AVAILABLE_IN_ALL
gboolean
weft_task_state_is_terminal (WeftTaskState state);

#define WEFT_TYPE_TASK (weft_task_get_type ())
WEFT_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (WeftTask, weft_task, WEFT, TASK, GObject)

WEFT_AVAILABLE_IN_ALL
WeftTask *
weft_task_new (const gchar *skill,
               const gchar *target_agent_id,
               const gchar *source_agent_id,
               JsonNode *payload,
               gint64 ttl,
               gdouble now);
WEFT_AVAILABLE_IN_ALL
WeftTask *
weft_task_new_from_json_node (JsonNode *node, GError **error);
WEFT_AVAILABLE_IN_ALL
WeftTask *
weft_task_new_from_submission (const gchar *data, gssize length, gdouble now, GError **error);
WEFT_AVAILABLE_IN_ALL
gboolean
weft_task_parse_update (const gchar *data,
                        gssize length,
                        WeftTaskState *out_state,
                        gchar **out_result,
                        gchar **out_error,
                        GError **error);

WEFT_AVAILABLE_IN_ALL
const gchar *
weft_task_get_id (WeftTask *self);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_task_get_skill (WeftTask *self);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_task_get_target_agent_id (WeftTask *self);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_task_get_source_agent_id (WeftTask *self);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_task_get_assigned_agent_id (WeftTask *self);
WEFT_AVAILABLE_IN_ALL
JsonNode *
weft_task_get_payload (WeftTask *self);
WEFT_AVAILABLE_IN_ALL
WeftTaskState
weft_task_get_state (WeftTask *self);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_task_get_result (WeftTask *self);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_task_get_error (WeftTask *self);
WEFT_AVAILABLE_IN_ALL
gdouble
weft_task_get_created_at (WeftTask *self);
WEFT_AVAILABLE_IN_ALL
gdouble
weft_task_get_updated_at (WeftTask *self);
WEFT_AVAILABLE_IN_ALL
gint64
weft_task_get_ttl (WeftTask *self);
WEFT_AVAILABLE_IN_ALL
guint
weft_task_get_attempts (WeftTask *self);

WEFT_AVAILABLE_IN_ALL
gboolean
weft_task_transition (WeftTask *self,
                      WeftTaskState new_state,
                      const gchar *agent_id,
                      const gchar *result,
                      const gchar *error_text,
                      gdouble now,
                      GError **error);
WEFT_AVAILABLE_IN_ALL
gboolean
weft_task_assign (WeftTask *self, const gchar *agent_id, gdouble now, GError **error);
WEFT_AVAILABLE_IN_ALL
gboolean
weft_task_start (WeftTask *self, gdouble now, GError **error);
WEFT_AVAILABLE_IN_ALL
gboolean
weft_task_complete (WeftTask *self, const gchar *result, gdouble now, GError **error);
WEFT_AVAILABLE_IN_ALL
gboolean
weft_task_fail (WeftTask *self, const gchar *error_text, gdouble now, GError **error);
WEFT_AVAILABLE_IN_ALL
gboolean
weft_task_cancel (WeftTask *self, gdouble now, GError **error);
WEFT_AVAILABLE_IN_ALL
gboolean
weft_task_requeue (WeftTask *self, gdouble now, GError **error);
WEFT_AVAILABLE_IN_ALL
gboolean
weft_task_is_expired (WeftTask *self, gdouble now);
WEFT_AVAILABLE_IN_ALL
gboolean
weft_task_expire (WeftTask *self, gdouble now, GError **error);

WEFT_AVAILABLE_IN_ALL
JsonNode *
weft_task_to_json_node (WeftTask *self);

WEFT_AVAILABLE_IN_ALL
gchar *
weft_task_generate_id (void);
WEFT_AVAILABLE_IN_ALL
gboolean
weft_task_id_is_valid (const gchar *id);

G_END_DECLS
