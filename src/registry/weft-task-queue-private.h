/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* shared between weft-task-queue.c (requests) and weft-task-queue-maintenance.c
 * (expiry, re-queue, purge); not for other files */

#include "weft-task-queue.h"
#include "weft-task.h"

G_BEGIN_DECLS

struct _WeftTaskQueue
{
  GObject parent_instance;

  WeftStore *store;              /* (owned) */
  WeftAgentDirectory *directory; /* (owned) */
  GHashTable *tasks;             /* (owned) (element-type utf8 WeftStoreTask) */
  GHashTable *inflight;          /* (owned) (element-type utf8 guint) per assignee */
  GHashTable *pending; /* (owned) (element-type WeftStoreTask) set of the pending entries */

  guint max_attempts;
  guint64 retention_ms;
  guint tick_interval_ms;
  guint tick_source_id;
  gulong health_handler;
  gulong available_handler;
  gulong removed_handler;
};

/* writes the changed copies in one transaction, then installs them; @changes
 * holds pairs (entry, copy) */
typedef struct
{
  WeftStoreTask *entry; /* (unowned) */
  WeftTask *copy;       /* (owned) */
} Change;

static inline gboolean
weft_task_queue_is_active_state (WeftTaskState state)
{
  return state == WEFT_TASK_STATE_ASSIGNED || state == WEFT_TASK_STATE_RUNNING;
}

gdouble
weft_task_queue_now_seconds (WeftTaskQueue *self);
WeftTask *
weft_task_queue_clone_task (WeftTask *task);
GPtrArray *
weft_task_queue_sorted_entries (WeftTaskQueue *self, gboolean only_state, WeftTaskState state);
GArray *
weft_task_queue_changes_new (void);
void
weft_task_queue_changes_add (GArray *changes, WeftStoreTask *entry, WeftTask *copy);
gboolean
weft_task_queue_commit_changes (WeftTaskQueue *self, GArray *changes, GError **error);
void
weft_task_queue_emit_updated (WeftTaskQueue *self, WeftStoreTask *entry);
guint
weft_task_queue_dispatch_pending (WeftTaskQueue *self, const gchar *only_agent);
guint
weft_task_queue_recover_tasks_of (WeftTaskQueue *self, const gchar *agent_id, const gchar *why);

G_END_DECLS
