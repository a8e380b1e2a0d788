/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "weft-agent-directory.h"
#include "weft-registry-types.h"
#include "weft-store.h"

G_BEGIN_DECLS

#define WEFT_TASK_QUEUE_DEFAULT_MAX_ATTEMPTS 3
/* finished tasks are kept this long, then purged */
#define WEFT_TASK_QUEUE_DEFAULT_RETENTION_MS (24 * 3600 * 1000)
#define WEFT_TASK_QUEUE_DEFAULT_TICK_MS      (5 * 1000)

#define WEFT_TYPE_TASK_QUEUE (weft_task_queue_get_type ())
G_DECLARE_FINAL_TYPE (WeftTaskQueue, weft_task_queue, WEFT, TASK_QUEUE, GObject)

/* loads every task from @store. Properties: "store", "directory" (construct-only),
 * "max-attempts", "retention-ms", "tick-interval-ms". The queue uses the
 * directory's clock. */
WeftTaskQueue *
weft_task_queue_new (WeftStore *store, WeftAgentDirectory *directory, GError **error);

void
weft_task_queue_set_max_attempts (WeftTaskQueue *self, guint max_attempts);
void
weft_task_queue_set_retention_ms (WeftTaskQueue *self, guint64 retention_ms);

/* POST /api/hub/tasks: @task is new (state pending, as WeftTask decoded it from
 * the body, with its id and times); the queue records the actor as submitter,
 * persists a copy, and, when an agent that can take it is push-connected,
 * assigns it at once (emitting "task-assigned"). ALREADY_EXISTS for a known id,
 * INVALID_STATE for a task that is not pending.
 * Returns (transfer full) a copy of the queued task, already assigned if it was
 * pushed; @task itself is not changed. */
WeftTask *
weft_task_queue_submit (WeftTaskQueue *self,
                        WeftTask *task,
                        const WeftActor *actor,
                        GError **error);

/* (transfer full) a copy of the task; NOT_FOUND */
WeftTask *
weft_task_queue_get (WeftTaskQueue *self, const gchar *task_id, GError **error);
/* (transfer full) (element-type WeftTask) copies, oldest first */
GPtrArray *
weft_task_queue_list (WeftTaskQueue *self);
guint
weft_task_queue_count_in_state (WeftTaskQueue *self, const gchar *state);

/* heartbeat pickup (chatixia-wire §2.5, Weft rules): assigns to @agent_id every
 * pending task targeted at it, and pending untargeted tasks whose skill it
 * advertises, up to its free capacity; all in one transaction; returns
 * (transfer full) (element-type WeftTask) the tasks now assigned to it, and emits
 * "task-assigned" for each. Tasks targeted at another agent are never handed out. */
GPtrArray *
weft_task_queue_claim_for_agent (WeftTaskQueue *self, const gchar *agent_id, GError **error);

/* POST /api/hub/tasks/{id}: moves the task to @state (a WeftTask state name)
 * when the transition is legal (else INVALID_STATE), setting @result/@error_text
 * when non-empty. Allowed for the assignee's owner, an admin or the registry
 * (@actor NULL); "cancelled" is also allowed for the submitter. NOT_FOUND,
 * PERMISSION_DENIED, INVALID_ARGUMENT (unknown state). Emits "task-updated".
 * Returns (transfer full) a copy of the task after the change. */
WeftTask *
weft_task_queue_update (WeftTaskQueue *self,
                        const gchar *task_id,
                        const gchar *state,
                        const gchar *result,
                        const gchar *error_text,
                        const WeftActor *actor,
                        GError **error);
/* cancel by the submitter (or an admin / the registry) */
WeftTask *
weft_task_queue_cancel (WeftTaskQueue *self,
                        const gchar *task_id,
                        const WeftActor *actor,
                        GError **error);
/* (nullable) the submitter credential id recorded at submit */
const gchar *
weft_task_queue_get_submitter (WeftTaskQueue *self, const gchar *task_id);

/* maintenance: expires tasks past their TTL ("TTL expired"), re-queues tasks of
 * assignees that are no longer active (bounded attempts, then failed with the
 * reason), pushes pending tasks to push-connected agents, and purges finished
 * tasks older than the retention. Returns the number of tasks changed. */
guint
weft_task_queue_tick (WeftTaskQueue *self);
/* attach/detach the periodic tick on the thread-default main context */
void
weft_task_queue_start (WeftTaskQueue *self);
void
weft_task_queue_stop (WeftTaskQueue *self);

/* signals:
 *   "task-assigned" (WeftTask *task, const gchar *agent_id): the server sends the
 *     agent a `task_assigned` frame if it holds a /ws connection
 *   "task-updated" (WeftTask *task, const gchar *submitter /nullable/): the server
 *     sends `task_updated` to the submitter's connection */

G_END_DECLS
