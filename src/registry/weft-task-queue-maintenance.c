/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* the task queue's maintenance: TTL expiry, recovery of the tasks of assignees
 * that went away, and purge of finished tasks */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "weft-error.h"
#include "weft-task-queue-private.h"

/* puts back (or fails) the tasks of an assignee that went away */
guint
weft_task_queue_recover_tasks_of (WeftTaskQueue *self, const gchar *agent_id, const gchar *why)
{
  g_autoptr (GPtrArray) entries = weft_task_queue_sorted_entries (self, FALSE, 0);
  g_autoptr (GArray) changes = weft_task_queue_changes_new ();
  g_autoptr (GError) error = NULL;
  gdouble now = weft_task_queue_now_seconds (self);

  for (guint i = 0; i < entries->len; i++)
    {
      WeftStoreTask *entry = g_ptr_array_index (entries, i);
      WeftTask *copy;
      guint attempts;

      if (!weft_task_queue_is_active_state (weft_task_get_state (entry->task)) ||
          g_strcmp0 (weft_task_get_assigned_agent_id (entry->task), agent_id) != 0)
        continue;
      copy = weft_task_queue_clone_task (entry->task);
      /* every assignment is an attempt; weft_task_requeue counts the ones that ended */
      attempts = weft_task_get_attempts (copy) + 1;
      if (attempts >= self->max_attempts)
        {
          g_autofree gchar *reason =
            g_strdup_printf (_ ("assignee %s %s (%u attempts)"), agent_id, why, attempts);

          weft_task_fail (copy, reason, now, &error);
        }
      else
        weft_task_requeue (copy, now, &error);
      if (error != NULL)
        {
          g_warning ("Cannot recover task %s: %s", weft_task_get_id (copy), error->message);
          g_clear_error (&error);
          g_object_unref (copy);
          continue;
        }
      weft_task_queue_changes_add (changes, entry, copy);
    }
  if (changes->len == 0)
    return 0;
  if (!weft_task_queue_commit_changes (self, changes, &error))
    {
      g_warning ("Cannot re-queue the tasks of %s: %s", agent_id, error->message);
      return 0;
    }
  for (guint i = 0; i < changes->len; i++)
    {
      WeftStoreTask *entry = g_array_index (changes, Change, i).entry;

      g_message ("Task %s of %s is now %s", weft_task_get_id (entry->task), agent_id,
                 weft_task_state_to_string (weft_task_get_state (entry->task)));
      weft_task_queue_emit_updated (self, entry);
    }
  return changes->len;
}

static guint
expire_tasks (WeftTaskQueue *self, gdouble now)
{
  g_autoptr (GPtrArray) entries = weft_task_queue_sorted_entries (self, FALSE, 0);
  g_autoptr (GArray) changes = weft_task_queue_changes_new ();
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < entries->len; i++)
    {
      WeftStoreTask *entry = g_ptr_array_index (entries, i);
      WeftTask *copy;

      if (!weft_task_is_expired (entry->task, now))
        continue;
      copy = weft_task_queue_clone_task (entry->task);
      if (!weft_task_expire (copy, now, &error))
        {
          g_warning ("Cannot expire task %s: %s", weft_task_get_id (copy), error->message);
          g_clear_error (&error);
          g_object_unref (copy);
          continue;
        }
      weft_task_queue_changes_add (changes, entry, copy);
    }
  if (changes->len == 0)
    return 0;
  if (!weft_task_queue_commit_changes (self, changes, &error))
    {
      g_warning ("Cannot expire tasks: %s", error->message);
      return 0;
    }
  for (guint i = 0; i < changes->len; i++)
    weft_task_queue_emit_updated (self, g_array_index (changes, Change, i).entry);
  return changes->len;
}

static guint
purge_tasks (WeftTaskQueue *self, gdouble now)
{
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  GHashTableIter iter;
  gpointer value;
  gdouble horizon = now - (gdouble) self->retention_ms / 1000.0;

  g_hash_table_iter_init (&iter, self->tasks);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      WeftTask *task = ((WeftStoreTask *) value)->task;

      if (weft_task_state_is_terminal (weft_task_get_state (task)) &&
          weft_task_get_updated_at (task) < horizon)
        g_ptr_array_add (ids, g_strdup (weft_task_get_id (task)));
    }
  if (ids->len == 0)
    return 0;
  g_ptr_array_add (ids, NULL);
  if (!weft_store_delete_tasks (self->store, (const gchar *const *) ids->pdata, &error))
    {
      g_warning ("Cannot purge finished tasks: %s", error->message);
      return 0;
    }
  for (guint i = 0; i + 1 < ids->len; i++)
    g_hash_table_remove (self->tasks, g_ptr_array_index (ids, i));
  g_debug ("purged %u finished tasks", ids->len - 1);
  return ids->len - 1;
}

guint
weft_task_queue_tick (WeftTaskQueue *self)
{
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (GHashTable) gone = NULL;
  GHashTableIter iter;
  gpointer key;
  guint changed = 0;
  gdouble now;

  g_return_val_if_fail (WEFT_IS_TASK_QUEUE (self), 0);

  now = weft_task_queue_now_seconds (self);
  changed += expire_tasks (self, now);

  /* assignees that are not active any more */
  gone = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  entries = weft_task_queue_sorted_entries (self, FALSE, 0);
  for (guint i = 0; i < entries->len; i++)
    {
      WeftTask *task = ((WeftStoreTask *) g_ptr_array_index (entries, i))->task;
      const gchar *assignee = weft_task_get_assigned_agent_id (task);

      if (weft_task_queue_is_active_state (weft_task_get_state (task)) &&
          weft_agent_directory_get_health (self->directory, assignee) != WEFT_AGENT_HEALTH_ACTIVE)
        g_hash_table_add (gone, g_strdup (assignee));
    }
  g_clear_pointer (&entries, g_ptr_array_unref);
  g_hash_table_iter_init (&iter, gone);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    changed += weft_task_queue_recover_tasks_of (self, key, _ ("stopped heartbeating"));

  changed += weft_task_queue_dispatch_pending (self, NULL);
  changed += purge_tasks (self, now);
  return changed;
}

static gboolean
tick_cb (gpointer user_data)
{
  weft_task_queue_tick (WEFT_TASK_QUEUE (user_data));
  return G_SOURCE_CONTINUE;
}

void
weft_task_queue_start (WeftTaskQueue *self)
{
  GSource *source;

  g_return_if_fail (WEFT_IS_TASK_QUEUE (self));
  if (self->tick_source_id != 0)
    return;
  source = g_timeout_source_new (self->tick_interval_ms);
  g_source_set_callback (source, tick_cb, self, NULL);
  g_source_set_static_name (source, "[weft] task queue");
  self->tick_source_id = g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
}

void
weft_task_queue_stop (WeftTaskQueue *self)
{
  g_return_if_fail (WEFT_IS_TASK_QUEUE (self));
  g_clear_handle_id (&self->tick_source_id, g_source_remove);
}
