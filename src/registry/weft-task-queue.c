/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "weft-error.h"
#include "weft-task-queue.h"
#include "weft-task.h"
#include "weft-task-queue-private.h"

/*
 * every change is made on a copy of the task, written to the store, and only
 * then swapped into memory and announced: a request is acknowledged only for a
 * change that is durable, and a failed write leaves memory as it was.
 *
 * weft's rules where the reference is loose (chatixia-wire §2.5, §2.6, §12):
 * transitions are checked by WeftTask; a targeted task goes only to its target
 * (the reference lets any agent with the skill take it); only the assignee's
 * credential (or an admin, or the registry) moves a task forward, the submitter
 * may cancel; a task whose assignee stops heartbeating goes back to pending, up
 * to max-attempts assignments, then fails with the reason; finished tasks are
 * purged after the retention time.
 */

enum
{
  PROP_0,
  PROP_STORE,
  PROP_DIRECTORY,
  PROP_MAX_ATTEMPTS,
  PROP_RETENTION_MS,
  PROP_TICK_INTERVAL_MS,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

enum
{
  SIGNAL_TASK_ASSIGNED,
  SIGNAL_TASK_UPDATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (WeftTaskQueue, weft_task_queue, G_TYPE_OBJECT)

gdouble
weft_task_queue_now_seconds (WeftTaskQueue *self)
{
  return (gdouble) weft_agent_directory_now (self->directory) / G_USEC_PER_SEC;
}

WeftTask *
weft_task_queue_clone_task (WeftTask *task)
{
  g_autoptr (JsonNode) node = weft_task_to_json_node (task);
  g_autoptr (GError) error = NULL;
  WeftTask *copy = weft_task_new_from_json_node (node, &error);

  /* the codec round-trips every task it wrote; anything else is a bug */
  g_assert_no_error (error);
  return copy;
}

static void
adjust_inflight (WeftTaskQueue *self, const gchar *agent_id, gint delta)
{
  guint count;

  if (agent_id == NULL || *agent_id == '\0')
    return;
  count = GPOINTER_TO_UINT (g_hash_table_lookup (self->inflight, agent_id));
  if (delta < 0 && count < (guint) -delta)
    count = 0;
  else
    count = (guint) ((gint) count + delta);
  g_hash_table_replace (self->inflight, g_strdup (agent_id), GUINT_TO_POINTER (count));
  if (delta > 0)
    weft_agent_directory_note_assigned (self->directory, agent_id);
  weft_agent_directory_set_inflight (self->directory, agent_id, count);
}

/* heartbeats look for pending tasks; keeping them apart makes that cost
 * independent of the finished tasks still retained */
static void
track_pending (WeftTaskQueue *self, WeftStoreTask *entry)
{
  if (weft_task_get_state (entry->task) == WEFT_TASK_STATE_PENDING)
    g_hash_table_add (self->pending, entry);
  else
    g_hash_table_remove (self->pending, entry);
}

/* swaps @copy in for the stored task and keeps the assignee counts right */
static void
install (WeftTaskQueue *self, WeftStoreTask *entry, WeftTask *copy)
{
  WeftTask *old = entry->task;
  gboolean was_active = weft_task_queue_is_active_state (weft_task_get_state (old));
  gboolean is_active = weft_task_queue_is_active_state (weft_task_get_state (copy));
  const gchar *old_agent = weft_task_get_assigned_agent_id (old);
  const gchar *new_agent = weft_task_get_assigned_agent_id (copy);

  if (was_active && (!is_active || g_strcmp0 (old_agent, new_agent) != 0))
    adjust_inflight (self, old_agent, -1);
  if (is_active && (!was_active || g_strcmp0 (old_agent, new_agent) != 0))
    adjust_inflight (self, new_agent, +1);
  entry->task = g_object_ref (copy);
  g_object_unref (old);
  track_pending (self, entry);
}

void
weft_task_queue_emit_updated (WeftTaskQueue *self, WeftStoreTask *entry)
{
  g_autoptr (WeftTask) task = g_object_ref (entry->task);
  g_autofree gchar *submitter = g_strdup (entry->submitter);

  g_signal_emit (self, signals[SIGNAL_TASK_UPDATED], 0, task, submitter);
}

static void
emit_assigned (WeftTaskQueue *self, WeftStoreTask *entry)
{
  g_autoptr (WeftTask) task = g_object_ref (entry->task);
  g_autofree gchar *agent_id = g_strdup (weft_task_get_assigned_agent_id (task));

  g_debug ("task %s assigned to %s", weft_task_get_id (task), agent_id);
  g_signal_emit (self, signals[SIGNAL_TASK_ASSIGNED], 0, task, agent_id);
}

static gint
compare_entries (gconstpointer a, gconstpointer b)
{
  WeftStoreTask *ea = *(WeftStoreTask *const *) a;
  WeftStoreTask *eb = *(WeftStoreTask *const *) b;
  gdouble ca = weft_task_get_created_at (ea->task);
  gdouble cb = weft_task_get_created_at (eb->task);

  if (ca != cb)
    return ca < cb ? -1 : 1;
  return g_strcmp0 (weft_task_get_id (ea->task), weft_task_get_id (eb->task));
}

/* (transfer container) entries, oldest first, optionally only in one state */
GPtrArray *
weft_task_queue_sorted_entries (WeftTaskQueue *self, gboolean only_state, WeftTaskState state)
{
  GPtrArray *entries = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  if (only_state && state == WEFT_TASK_STATE_PENDING)
    g_hash_table_iter_init (&iter, self->pending);
  else
    g_hash_table_iter_init (&iter, self->tasks);
  /* in a set the value is the key, so both tables read the same way */
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      WeftStoreTask *entry = value;

      if (!only_state || weft_task_get_state (entry->task) == state)
        g_ptr_array_add (entries, entry);
    }
  g_ptr_array_sort (entries, compare_entries);
  return entries;
}

static void
change_clear (gpointer data)
{
  Change *change = data;

  g_clear_object (&change->copy);
}

gboolean
weft_task_queue_commit_changes (WeftTaskQueue *self, GArray *changes, GError **error)
{
  g_autoptr (GPtrArray) rows =
    g_ptr_array_new_with_free_func ((GDestroyNotify) weft_store_task_free);

  for (guint i = 0; i < changes->len; i++)
    {
      Change *change = &g_array_index (changes, Change, i);

      g_ptr_array_add (rows, weft_store_task_new (change->copy, change->entry->submitter));
    }
  if (!weft_store_save_tasks (self->store, rows, error))
    return FALSE;
  for (guint i = 0; i < changes->len; i++)
    {
      Change *change = &g_array_index (changes, Change, i);

      install (self, change->entry, change->copy);
    }
  return TRUE;
}

GArray *
weft_task_queue_changes_new (void)
{
  GArray *changes = g_array_new (FALSE, TRUE, sizeof (Change));

  g_array_set_clear_func (changes, change_clear);
  return changes;
}

void
weft_task_queue_changes_add (GArray *changes, WeftStoreTask *entry, WeftTask *copy)
{
  Change change = { entry, copy };

  g_array_append_val (changes, change);
}

/* tries to push one pending task to a push-connected agent with a free slot */
static gboolean
pick_push_target (WeftTaskQueue *self, WeftTask *task, gchar **agent_id)
{
  const gchar *target = weft_task_get_target_agent_id (task);
  const gchar *skill = weft_task_get_skill (task);
  g_autoptr (WeftAgentRecord) record = NULL;

  if (target[0] != '\0')
    {
      if (!weft_agent_directory_get_push_connected (self->directory, target) ||
          !weft_agent_directory_has_free_slot (self->directory, target))
        return FALSE;
      *agent_id = g_strdup (target);
      return TRUE;
    }
  if (skill[0] == '\0')
    return FALSE;
  record = weft_agent_directory_route (self->directory, skill, TRUE, NULL);
  if (record == NULL || !weft_agent_directory_has_free_slot (
                          self->directory, weft_agent_record_get_agent_id (record)))
    return FALSE;
  *agent_id = g_strdup (weft_agent_record_get_agent_id (record));
  return TRUE;
}

/* pushes one pending task if an agent can take it now; @only_agent limits the
 * choice to that agent */
static gboolean
try_dispatch (WeftTaskQueue *self, WeftStoreTask *entry, const gchar *only_agent)
{
  g_autofree gchar *agent_id = NULL;
  g_autoptr (GArray) changes = NULL;
  g_autoptr (GError) error = NULL;
  WeftTask *copy;

  if (weft_task_get_state (entry->task) != WEFT_TASK_STATE_PENDING ||
      !pick_push_target (self, entry->task, &agent_id))
    return FALSE;
  if (only_agent != NULL && g_strcmp0 (agent_id, only_agent) != 0)
    return FALSE;
  copy = weft_task_queue_clone_task (entry->task);
  changes = weft_task_queue_changes_new ();
  weft_task_queue_changes_add (changes, entry, copy);
  if (!weft_task_assign (copy, agent_id, weft_task_queue_now_seconds (self), &error) ||
      !weft_task_queue_commit_changes (self, changes, &error))
    {
      g_warning ("Cannot push task %s to %s: %s", weft_task_get_id (entry->task), agent_id,
                 error->message);
      return FALSE;
    }
  emit_assigned (self, entry);
  weft_task_queue_emit_updated (self, entry);
  return TRUE;
}

/* pushes pending tasks, oldest first; @only_agent limits it to one agent */
guint
weft_task_queue_dispatch_pending (WeftTaskQueue *self, const gchar *only_agent)
{
  g_autoptr (GPtrArray) pending =
    weft_task_queue_sorted_entries (self, TRUE, WEFT_TASK_STATE_PENDING);
  guint assigned = 0;

  for (guint i = 0; i < pending->len; i++)
    if (try_dispatch (self, g_ptr_array_index (pending, i), only_agent))
      assigned++;
  return assigned;
}

static void
on_health_changed (WeftAgentDirectory *directory,
                   const gchar *agent_id,
                   gint old_health,
                   gint new_health,
                   gpointer user_data)
{
  WeftTaskQueue *self = user_data;

  if (new_health != WEFT_AGENT_HEALTH_ACTIVE)
    {
      weft_task_queue_recover_tasks_of (self, agent_id, _ ("stopped heartbeating"));
      weft_task_queue_dispatch_pending (self, NULL);
    }
}

static void
on_agent_available (WeftAgentDirectory *directory, const gchar *agent_id, gpointer user_data)
{
  weft_task_queue_dispatch_pending (WEFT_TASK_QUEUE (user_data), agent_id);
}

static void
on_agent_removed (WeftAgentDirectory *directory, const gchar *agent_id, gpointer user_data)
{
  WeftTaskQueue *self = user_data;

  weft_task_queue_recover_tasks_of (self, agent_id, _ ("was removed"));
  weft_task_queue_dispatch_pending (self, NULL);
}

static void
weft_task_queue_constructed (GObject *object)
{
  WeftTaskQueue *self = WEFT_TASK_QUEUE (object);

  G_OBJECT_CLASS (weft_task_queue_parent_class)->constructed (object);

  g_assert (self->store != NULL && self->directory != NULL);
  self->health_handler =
    g_signal_connect (self->directory, "health-changed", G_CALLBACK (on_health_changed), self);
  self->available_handler =
    g_signal_connect (self->directory, "agent-available", G_CALLBACK (on_agent_available), self);
  self->removed_handler =
    g_signal_connect (self->directory, "agent-removed", G_CALLBACK (on_agent_removed), self);
}

static void
weft_task_queue_dispose (GObject *object)
{
  WeftTaskQueue *self = WEFT_TASK_QUEUE (object);

  weft_task_queue_stop (self);
  if (self->directory != NULL)
    {
      g_clear_signal_handler (&self->health_handler, self->directory);
      g_clear_signal_handler (&self->available_handler, self->directory);
      g_clear_signal_handler (&self->removed_handler, self->directory);
    }
  g_clear_object (&self->directory);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (weft_task_queue_parent_class)->dispose (object);
}

static void
weft_task_queue_finalize (GObject *object)
{
  WeftTaskQueue *self = WEFT_TASK_QUEUE (object);

  g_clear_pointer (&self->pending, g_hash_table_unref);
  g_clear_pointer (&self->tasks, g_hash_table_unref);
  g_clear_pointer (&self->inflight, g_hash_table_unref);

  G_OBJECT_CLASS (weft_task_queue_parent_class)->finalize (object);
}

static void
weft_task_queue_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  WeftTaskQueue *self = WEFT_TASK_QUEUE (object);

  switch (prop_id)
    {
      case PROP_STORE:
        g_value_set_object (value, self->store);
        break;
      case PROP_DIRECTORY:
        g_value_set_object (value, self->directory);
        break;
      case PROP_MAX_ATTEMPTS:
        g_value_set_uint (value, self->max_attempts);
        break;
      case PROP_RETENTION_MS:
        g_value_set_uint64 (value, self->retention_ms);
        break;
      case PROP_TICK_INTERVAL_MS:
        g_value_set_uint (value, self->tick_interval_ms);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
weft_task_queue_set_property (GObject *object,
                              guint prop_id,
                              const GValue *value,
                              GParamSpec *pspec)
{
  WeftTaskQueue *self = WEFT_TASK_QUEUE (object);

  switch (prop_id)
    {
      case PROP_STORE:
        self->store = g_value_dup_object (value);
        break;
      case PROP_DIRECTORY:
        self->directory = g_value_dup_object (value);
        break;
      case PROP_MAX_ATTEMPTS:
        weft_task_queue_set_max_attempts (self, g_value_get_uint (value));
        break;
      case PROP_RETENTION_MS:
        weft_task_queue_set_retention_ms (self, g_value_get_uint64 (value));
        break;
      case PROP_TICK_INTERVAL_MS:
        if (self->tick_interval_ms != g_value_get_uint (value))
          {
            self->tick_interval_ms = g_value_get_uint (value);
            g_object_notify_by_pspec (object, pspec);
          }
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
weft_task_queue_class_init (WeftTaskQueueClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = weft_task_queue_constructed;
  object_class->dispose = weft_task_queue_dispose;
  object_class->finalize = weft_task_queue_finalize;
  object_class->get_property = weft_task_queue_get_property;
  object_class->set_property = weft_task_queue_set_property;

  props[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, WEFT_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  props[PROP_DIRECTORY] =
    g_param_spec_object ("directory", NULL, NULL, WEFT_TYPE_AGENT_DIRECTORY,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  props[PROP_MAX_ATTEMPTS] = g_param_spec_uint (
    "max-attempts", NULL, NULL, 1, G_MAXUINT, WEFT_TASK_QUEUE_DEFAULT_MAX_ATTEMPTS,
    G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  props[PROP_RETENTION_MS] = g_param_spec_uint64 (
    "retention-ms", NULL, NULL, 0, G_MAXUINT64, WEFT_TASK_QUEUE_DEFAULT_RETENTION_MS,
    G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  props[PROP_TICK_INTERVAL_MS] = g_param_spec_uint (
    "tick-interval-ms", NULL, NULL, 1, G_MAXUINT, WEFT_TASK_QUEUE_DEFAULT_TICK_MS,
    G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);

  signals[SIGNAL_TASK_ASSIGNED] =
    g_signal_new ("task-assigned", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, WEFT_TYPE_TASK, G_TYPE_STRING);
  signals[SIGNAL_TASK_UPDATED] =
    g_signal_new ("task-updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, WEFT_TYPE_TASK, G_TYPE_STRING);
}

static void
weft_task_queue_init (WeftTaskQueue *self)
{
  self->tasks =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) weft_store_task_free);
  self->inflight = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->pending = g_hash_table_new (NULL, NULL);
  self->max_attempts = WEFT_TASK_QUEUE_DEFAULT_MAX_ATTEMPTS;
  self->retention_ms = WEFT_TASK_QUEUE_DEFAULT_RETENTION_MS;
  self->tick_interval_ms = WEFT_TASK_QUEUE_DEFAULT_TICK_MS;
}

WeftTaskQueue *
weft_task_queue_new (WeftStore *store, WeftAgentDirectory *directory, GError **error)
{
  g_autoptr (WeftTaskQueue) self = NULL;
  g_autoptr (GPtrArray) stored = NULL;

  g_return_val_if_fail (WEFT_IS_STORE (store), NULL);
  g_return_val_if_fail (WEFT_IS_AGENT_DIRECTORY (directory), NULL);

  self = g_object_new (WEFT_TYPE_TASK_QUEUE, "store", store, "directory", directory, NULL);
  stored = weft_store_load_tasks (store, error);
  if (stored == NULL)
    return NULL;
  for (guint i = 0; i < stored->len; i++)
    {
      WeftStoreTask *row = g_ptr_array_index (stored, i);
      WeftStoreTask *entry = weft_store_task_new (row->task, row->submitter);

      g_hash_table_replace (self->tasks, g_strdup (weft_task_get_id (entry->task)), entry);
      track_pending (self, entry);
      if (weft_task_queue_is_active_state (weft_task_get_state (entry->task)))
        adjust_inflight (self, weft_task_get_assigned_agent_id (entry->task), +1);
    }
  g_debug ("task queue loaded %u tasks", g_hash_table_size (self->tasks));
  return g_steal_pointer (&self);
}

void
weft_task_queue_set_max_attempts (WeftTaskQueue *self, guint max_attempts)
{
  g_return_if_fail (WEFT_IS_TASK_QUEUE (self));
  max_attempts = MAX (1, max_attempts);
  if (self->max_attempts == max_attempts)
    return;
  self->max_attempts = max_attempts;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_MAX_ATTEMPTS]);
}

void
weft_task_queue_set_retention_ms (WeftTaskQueue *self, guint64 retention_ms)
{
  g_return_if_fail (WEFT_IS_TASK_QUEUE (self));
  if (self->retention_ms == retention_ms)
    return;
  self->retention_ms = retention_ms;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RETENTION_MS]);
}

static WeftStoreTask *
lookup (WeftTaskQueue *self, const gchar *task_id, GError **error)
{
  WeftStoreTask *entry = task_id != NULL ? g_hash_table_lookup (self->tasks, task_id) : NULL;

  if (entry == NULL)
    g_set_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND, _ ("No task “%s” in the queue"),
                 task_id != NULL ? task_id : "");
  return entry;
}

WeftTask *
weft_task_queue_submit (WeftTaskQueue *self, WeftTask *task, const WeftActor *actor, GError **error)
{
  g_autoptr (WeftStoreTask) entry = NULL;
  WeftStoreTask *stored;
  const gchar *id;

  g_return_val_if_fail (WEFT_IS_TASK_QUEUE (self), NULL);
  g_return_val_if_fail (WEFT_IS_TASK (task), NULL);

  id = weft_task_get_id (task);
  if (weft_task_get_state (task) != WEFT_TASK_STATE_PENDING)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE,
                   _ ("Task %s is %s; only a pending task can be submitted"), id,
                   weft_task_state_to_string (weft_task_get_state (task)));
      return NULL;
    }
  if (g_hash_table_contains (self->tasks, id))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_ALREADY_EXISTS,
                   _ ("A task with id %s exists already; submit it again for a new id"), id);
      return NULL;
    }
  {
    /* the queue keeps its own copy: the caller's object stays the caller's */
    g_autoptr (WeftTask) copy = weft_task_queue_clone_task (task);

    entry = weft_store_task_new (copy, actor != NULL ? actor->credential_id : NULL);
  }
  if (!weft_store_save_task (self->store, task, entry->submitter, error))
    return NULL;
  g_debug ("task %s submitted (skill “%s”, target “%s”)", id, weft_task_get_skill (task),
           weft_task_get_target_agent_id (task));
  stored = entry;
  g_hash_table_replace (self->tasks, g_strdup (id), g_steal_pointer (&entry));
  track_pending (self, stored);
  try_dispatch (self, stored, NULL);
  return weft_task_queue_clone_task (stored->task);
}

WeftTask *
weft_task_queue_get (WeftTaskQueue *self, const gchar *task_id, GError **error)
{
  WeftStoreTask *entry;

  g_return_val_if_fail (WEFT_IS_TASK_QUEUE (self), NULL);
  entry = lookup (self, task_id, error);
  return entry != NULL ? weft_task_queue_clone_task (entry->task) : NULL;
}

GPtrArray *
weft_task_queue_list (WeftTaskQueue *self)
{
  g_autoptr (GPtrArray) entries = NULL;
  GPtrArray *tasks;

  g_return_val_if_fail (WEFT_IS_TASK_QUEUE (self), NULL);

  entries = weft_task_queue_sorted_entries (self, FALSE, 0);
  tasks = g_ptr_array_new_full (entries->len, g_object_unref);
  for (guint i = 0; i < entries->len; i++)
    g_ptr_array_add (
      tasks, weft_task_queue_clone_task (((WeftStoreTask *) g_ptr_array_index (entries, i))->task));
  return tasks;
}

guint
weft_task_queue_count_in_state (WeftTaskQueue *self, const gchar *state)
{
  WeftTaskState wanted;
  GHashTableIter iter;
  gpointer value;
  guint count = 0;

  g_return_val_if_fail (WEFT_IS_TASK_QUEUE (self), 0);
  if (!weft_task_state_from_string (state, &wanted))
    return 0;
  g_hash_table_iter_init (&iter, self->tasks);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (weft_task_get_state (((WeftStoreTask *) value)->task) == wanted)
      count++;
  return count;
}

GPtrArray *
weft_task_queue_claim_for_agent (WeftTaskQueue *self, const gchar *agent_id, GError **error)
{
  g_autoptr (WeftAgentRecord) record = NULL;
  g_autoptr (GPtrArray) pending = NULL;
  g_autoptr (GArray) changes = NULL;
  GPtrArray *claimed;
  gdouble now;
  guint capacity;
  guint used;
  guint free_slots = G_MAXUINT;

  g_return_val_if_fail (WEFT_IS_TASK_QUEUE (self), NULL);
  g_return_val_if_fail (agent_id != NULL, NULL);

  claimed = g_ptr_array_new_with_free_func (g_object_unref);
  /* every heartbeat asks: with nothing pending there is nothing to look at */
  if (g_hash_table_size (self->pending) == 0)
    return claimed;
  /* a reference, not a copy: only capacity, load and skills are read, and the
   * signals emitted below may change the stored record */
  record = weft_agent_directory_peek (self->directory, agent_id);
  if (record == NULL)
    return claimed;
  g_object_ref (record);
  changes = weft_task_queue_changes_new ();

  capacity = weft_agent_record_get_capacity (record);
  used = MAX (weft_agent_record_get_running_tasks (record),
              weft_agent_directory_get_inflight (self->directory, agent_id));
  if (capacity > 0)
    free_slots = capacity > used ? capacity - used : 0;

  now = weft_task_queue_now_seconds (self);
  pending = weft_task_queue_sorted_entries (self, TRUE, WEFT_TASK_STATE_PENDING);
  for (guint i = 0; i < pending->len && changes->len < free_slots; i++)
    {
      WeftStoreTask *entry = g_ptr_array_index (pending, i);
      const gchar *target = weft_task_get_target_agent_id (entry->task);
      const gchar *skill = weft_task_get_skill (entry->task);
      WeftTask *copy;

      /* weft: a target is binding; the skill only matters for untargeted tasks */
      if (target[0] != '\0' ? g_strcmp0 (target, agent_id) != 0
                            : (skill[0] == '\0' || !weft_agent_record_has_skill (record, skill)))
        continue;
      copy = weft_task_queue_clone_task (entry->task);
      if (!weft_task_assign (copy, agent_id, now, error))
        {
          g_object_unref (copy);
          g_ptr_array_unref (claimed);
          return NULL;
        }
      weft_task_queue_changes_add (changes, entry, copy);
    }
  if (changes->len > 0 && !weft_task_queue_commit_changes (self, changes, error))
    {
      g_ptr_array_unref (claimed);
      return NULL;
    }
  for (guint i = 0; i < changes->len; i++)
    {
      WeftStoreTask *entry = g_array_index (changes, Change, i).entry;

      g_ptr_array_add (claimed, weft_task_queue_clone_task (entry->task));
      emit_assigned (self, entry);
      weft_task_queue_emit_updated (self, entry);
    }
  return claimed;
}

/* whether @actor speaks for the agent the task is assigned to */
static gboolean
actor_is_assignee (WeftTaskQueue *self, WeftTask *task, const WeftActor *actor)
{
  const gchar *assignee = weft_task_get_assigned_agent_id (task);
  g_autoptr (WeftAgentRecord) record = NULL;

  if (actor == NULL || actor->admin)
    return TRUE;
  if (assignee[0] == '\0')
    return FALSE;
  record = weft_agent_directory_get (self->directory, assignee, NULL);
  if (record == NULL)
    return FALSE;
  return weft_actor_may_act_for (actor, weft_agent_record_get_owner (record));
}

static WeftTask *
apply_update (WeftTaskQueue *self,
              WeftStoreTask *entry,
              WeftTaskState state,
              const gchar *result,
              const gchar *error_text,
              GError **error)
{
  g_autoptr (GArray) changes = weft_task_queue_changes_new ();
  WeftTask *copy = weft_task_queue_clone_task (entry->task);
  gboolean requeued;

  weft_task_queue_changes_add (changes, entry, copy);
  if (!weft_task_transition (copy, state, NULL, result, error_text,
                             weft_task_queue_now_seconds (self), error) ||
      !weft_task_queue_commit_changes (self, changes, error))
    return NULL;
  requeued = state == WEFT_TASK_STATE_PENDING;
  weft_task_queue_emit_updated (self, entry);
  if (requeued)
    weft_task_queue_dispatch_pending (self, NULL);
  return weft_task_queue_clone_task (entry->task);
}

WeftTask *
weft_task_queue_update (WeftTaskQueue *self,
                        const gchar *task_id,
                        const gchar *state,
                        const gchar *result,
                        const gchar *error_text,
                        const WeftActor *actor,
                        GError **error)
{
  WeftStoreTask *entry;
  WeftTaskState new_state;

  g_return_val_if_fail (WEFT_IS_TASK_QUEUE (self), NULL);

  entry = lookup (self, task_id, error);
  if (entry == NULL)
    return NULL;
  if (state == NULL || !weft_task_state_from_string (state, &new_state))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("Unknown task state “%s”; use running, completed, failed or cancelled"),
                   state != NULL ? state : "");
      return NULL;
    }
  if (new_state == WEFT_TASK_STATE_CANCELLED)
    return weft_task_queue_cancel (self, task_id, actor, error);
  if (new_state == WEFT_TASK_STATE_ASSIGNED)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE,
                   _ ("Task %s cannot be set to assigned; the registry assigns tasks"), task_id);
      return NULL;
    }
  if (!actor_is_assignee (self, entry->task, actor))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_PERMISSION_DENIED,
                   _ ("Task %s is not assigned to an agent of this credential; only its "
                      "assignee moves it forward"),
                   task_id);
      return NULL;
    }
  return apply_update (self, entry, new_state, result, error_text, error);
}

WeftTask *
weft_task_queue_cancel (WeftTaskQueue *self,
                        const gchar *task_id,
                        const WeftActor *actor,
                        GError **error)
{
  WeftStoreTask *entry;

  g_return_val_if_fail (WEFT_IS_TASK_QUEUE (self), NULL);

  entry = lookup (self, task_id, error);
  if (entry == NULL)
    return NULL;
  if (!weft_actor_may_act_for (actor, entry->submitter) &&
      !actor_is_assignee (self, entry->task, actor))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_PERMISSION_DENIED,
                   _ ("Task %s was submitted with another credential; only its submitter or "
                      "an admin can cancel it"),
                   task_id);
      return NULL;
    }
  return apply_update (self, entry, WEFT_TASK_STATE_CANCELLED, NULL, NULL, error);
}

const gchar *
weft_task_queue_get_submitter (WeftTaskQueue *self, const gchar *task_id)
{
  WeftStoreTask *entry;

  g_return_val_if_fail (WEFT_IS_TASK_QUEUE (self), NULL);
  entry = task_id != NULL ? g_hash_table_lookup (self->tasks, task_id) : NULL;
  return entry != NULL ? entry->submitter : NULL;
}
