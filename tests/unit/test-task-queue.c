/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <sqlite3.h>

#include <glib/gstdio.h>

#include "weft.h"
#include "weft-store-sqlite.h"
#include "weft-task-queue.h"

#define T0 ((gint64) 1775013217 * G_USEC_PER_SEC)

typedef struct
{
  gchar *dir;
  gchar *path;
  gint64 now;
  WeftStore *store;
  WeftAgentDirectory *directory;
  WeftTaskQueue *queue;
  GPtrArray *assigned; /* (element-type utf8) "task-id>agent" */
  GPtrArray *updated;  /* (element-type utf8) "task-id:state:submitter" */
} Fixture;

static const WeftActor alice = { "alice", FALSE };
static const WeftActor bob = { "bob", FALSE };
static const WeftActor admin = { "root", TRUE };

static gint64
fake_clock (gpointer user_data)
{
  return ((Fixture *) user_data)->now;
}

static gdouble
now_s (Fixture *f)
{
  return (gdouble) f->now / G_USEC_PER_SEC;
}

static void
on_assigned (WeftTaskQueue *queue, WeftTask *task, const gchar *agent_id, Fixture *f)
{
  g_assert_cmpstr (weft_task_get_assigned_agent_id (task), ==, agent_id);
  g_assert_cmpint (weft_task_get_state (task), ==, WEFT_TASK_STATE_ASSIGNED);
  g_ptr_array_add (f->assigned, g_strdup_printf ("%s>%s", weft_task_get_id (task), agent_id));
}

static void
on_updated (WeftTaskQueue *queue, WeftTask *task, const gchar *submitter, Fixture *f)
{
  g_ptr_array_add (f->updated,
                   g_strdup_printf ("%s:%s:%s", weft_task_get_id (task),
                                    weft_task_state_to_string (weft_task_get_state (task)),
                                    submitter != NULL ? submitter : "-"));
}

static void
open_queue (Fixture *f)
{
  g_autoptr (GError) error = NULL;

  f->store = WEFT_STORE (weft_store_sqlite_new (f->path, &error));
  g_assert_no_error (error);
  f->directory = weft_agent_directory_new (f->store, &error);
  g_assert_no_error (error);
  weft_agent_directory_set_clock (f->directory, fake_clock, f);
  f->queue = weft_task_queue_new (f->store, f->directory, &error);
  g_assert_no_error (error);
  g_signal_connect (f->queue, "task-assigned", G_CALLBACK (on_assigned), f);
  g_signal_connect (f->queue, "task-updated", G_CALLBACK (on_updated), f);
}

static void
close_queue (Fixture *f)
{
  g_clear_object (&f->queue);
  weft_agent_directory_stop (f->directory);
  g_clear_object (&f->directory);
  g_clear_object (&f->store);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("weft-queue-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "registry.db", NULL);
  f->now = T0;
  f->assigned = g_ptr_array_new_with_free_func (g_free);
  f->updated = g_ptr_array_new_with_free_func (g_free);
  open_queue (f);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  const gchar *suffixes[] = { "", "-wal", "-shm" };

  close_queue (f);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree gchar *file = g_strconcat (f->path, suffixes[i], NULL);

      g_unlink (file);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->path);
  g_ptr_array_unref (f->assigned);
  g_ptr_array_unref (f->updated);
}

/* an agent that has sent a heartbeat now; @skills is a JSON array */
static void
agent_beats (Fixture *f,
             const gchar *agent_id,
             const gchar *skills,
             const gchar *extra,
             const WeftActor *actor)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *json =
    g_strdup_printf ("{\"agent_id\":\"%s\",\"skill_names\":%s%s%s}", agent_id, skills,
                     extra != NULL ? "," : "", extra != NULL ? extra : "");
  g_autoptr (WeftAgentHeartbeat) hb = weft_agent_heartbeat_from_json (json, -1, &error);
  g_autoptr (WeftAgentRecord) record = NULL;

  g_assert_no_error (error);
  record = weft_agent_directory_heartbeat (f->directory, hb, actor, &error);
  g_assert_no_error (error);
}

static gchar *
submit (Fixture *f, const gchar *skill, const gchar *target, gint64 ttl, const WeftActor *actor)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftTask) task = weft_task_new (skill, target, "src", NULL, ttl, now_s (f));
  g_autoptr (WeftTask) queued = weft_task_queue_submit (f->queue, task, actor, &error);

  g_assert_no_error (error);
  g_assert_nonnull (queued);
  return g_strdup (weft_task_get_id (queued));
}

static WeftTaskState
state_of (Fixture *f, const gchar *id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftTask) task = weft_task_queue_get (f->queue, id, &error);

  g_assert_no_error (error);
  return weft_task_get_state (task);
}

static GPtrArray *
claim (Fixture *f, const gchar *agent_id)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *tasks = weft_task_queue_claim_for_agent (f->queue, agent_id, &error);

  g_assert_no_error (error);
  return tasks;
}

static void
test_submit_persists (Fixture *f, gconstpointer data)
{
  g_autofree gchar *id = submit (f, "echo", "", 300, &alice);
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftTask) task = NULL;
  g_autoptr (GPtrArray) all = NULL;

  g_assert_true (weft_task_id_is_valid (id));
  g_assert_cmpint (state_of (f, id), ==, WEFT_TASK_STATE_PENDING);
  close_queue (f);
  open_queue (f);
  task = weft_task_queue_get (f->queue, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (weft_task_get_skill (task), ==, "echo");
  g_assert_cmpstr (weft_task_queue_get_submitter (f->queue, id), ==, "alice");
  all = weft_task_queue_list (f->queue);
  g_assert_cmpuint (all->len, ==, 1);
  g_assert_cmpuint (weft_task_queue_count_in_state (f->queue, "pending"), ==, 1);
  g_clear_object (&task);
  task = weft_task_queue_get (f->queue, "00000000-000", &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND);
}

static void
test_pickup_rules (Fixture *f, gconstpointer data)
{
  g_autofree gchar *for_beta = NULL;
  g_autofree gchar *by_skill = NULL;
  g_autofree gchar *nothing = NULL;
  g_autoptr (GPtrArray) got = NULL;

  agent_beats (f, "alpha", "[\"echo\"]", NULL, NULL);
  agent_beats (f, "beta", "[]", NULL, NULL);
  /* targeted at beta but carrying a skill alpha has: the reference would give it
   * to alpha; weft keeps it for beta */
  for_beta = submit (f, "echo", "beta", 300, NULL);
  by_skill = submit (f, "echo", "", 300, NULL);
  nothing = submit (f, "", "", 300, NULL);

  got = claim (f, "alpha");
  g_assert_cmpuint (got->len, ==, 1);
  g_assert_cmpstr (weft_task_get_id (g_ptr_array_index (got, 0)), ==, by_skill);
  g_assert_cmpint (weft_task_get_state (g_ptr_array_index (got, 0)), ==, WEFT_TASK_STATE_ASSIGNED);
  g_assert_cmpstr (weft_task_get_assigned_agent_id (g_ptr_array_index (got, 0)), ==, "alpha");
  g_clear_pointer (&got, g_ptr_array_unref);

  got = claim (f, "beta");
  g_assert_cmpuint (got->len, ==, 1);
  g_assert_cmpstr (weft_task_get_id (g_ptr_array_index (got, 0)), ==, for_beta);
  g_clear_pointer (&got, g_ptr_array_unref);

  /* nothing left for anyone; the empty task is never handed out */
  got = claim (f, "alpha");
  g_assert_cmpuint (got->len, ==, 0);
  g_clear_pointer (&got, g_ptr_array_unref);
  g_assert_cmpint (state_of (f, nothing), ==, WEFT_TASK_STATE_PENDING);
  g_assert_cmpuint (f->assigned->len, ==, 2);

  /* unknown agents get nothing */
  got = claim (f, "nobody");
  g_assert_cmpuint (got->len, ==, 0);

  /* assignment is durable */
  close_queue (f);
  open_queue (f);
  g_assert_cmpint (state_of (f, for_beta), ==, WEFT_TASK_STATE_ASSIGNED);
  g_assert_cmpuint (weft_agent_directory_get_inflight (f->directory, "beta"), ==, 1);
}

static void
test_pickup_respects_capacity (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) got = NULL;
  g_autofree gchar *a = NULL;
  g_autofree gchar *b = NULL;
  g_autofree gchar *c = NULL;

  agent_beats (f, "alpha", "[\"echo\"]", "\"capacity\":2", NULL);
  a = submit (f, "echo", "", 300, NULL);
  f->now += 1000;
  b = submit (f, "echo", "", 300, NULL);
  f->now += 1000;
  c = submit (f, "echo", "", 300, NULL);

  got = claim (f, "alpha");
  g_assert_cmpuint (got->len, ==, 2);
  /* oldest first */
  g_assert_cmpstr (weft_task_get_id (g_ptr_array_index (got, 0)), ==, a);
  g_assert_cmpstr (weft_task_get_id (g_ptr_array_index (got, 1)), ==, b);
  g_clear_pointer (&got, g_ptr_array_unref);
  got = claim (f, "alpha");
  g_assert_cmpuint (got->len, ==, 0);
  g_assert_cmpint (state_of (f, c), ==, WEFT_TASK_STATE_PENDING);
}

static void
test_push_on_submit (Fixture *f, gconstpointer data)
{
  g_autofree gchar *first = NULL;
  g_autofree gchar *second = NULL;
  g_autofree gchar *third = NULL;
  g_autofree gchar *expected = NULL;

  agent_beats (f, "alpha", "[\"echo\"]", "\"capacity\":1", NULL);
  agent_beats (f, "beta", "[\"echo\"]", "\"capacity\":1", NULL);
  agent_beats (f, "gamma", "[\"echo\"]", NULL, NULL);

  /* nobody holds a /ws connection: the task waits for a heartbeat */
  first = submit (f, "echo", "", 300, NULL);
  g_assert_cmpint (state_of (f, first), ==, WEFT_TASK_STATE_PENDING);
  g_assert_cmpuint (f->assigned->len, ==, 0);

  /* alpha connects: the waiting task is pushed to it at once */
  weft_agent_directory_set_push_connected (f->directory, "alpha", TRUE);
  g_assert_cmpuint (f->assigned->len, ==, 1);
  expected = g_strdup_printf ("%s>alpha", first);
  g_assert_cmpstr (g_ptr_array_index (f->assigned, 0), ==, expected);

  /* alpha is full; beta connects and takes the next one */
  weft_agent_directory_set_push_connected (f->directory, "beta", TRUE);
  second = submit (f, "echo", "", 300, NULL);
  g_assert_cmpuint (f->assigned->len, ==, 2);
  g_assert_true (g_str_has_suffix (g_ptr_array_index (f->assigned, 1), ">beta"));

  /* everyone connected is full: the third one waits */
  third = submit (f, "echo", "", 300, NULL);
  g_assert_cmpint (state_of (f, third), ==, WEFT_TASK_STATE_PENDING);
}

static void
test_targeted_push (Fixture *f, gconstpointer data)
{
  g_autofree gchar *id = NULL;

  agent_beats (f, "alpha", "[\"echo\"]", NULL, NULL);
  agent_beats (f, "beta", "[]", NULL, NULL);
  weft_agent_directory_set_push_connected (f->directory, "alpha", TRUE);
  id = submit (f, "echo", "beta", 300, NULL);
  /* alpha is connected and has the skill, but the task is for beta */
  g_assert_cmpint (state_of (f, id), ==, WEFT_TASK_STATE_PENDING);
  weft_agent_directory_set_push_connected (f->directory, "beta", TRUE);
  g_assert_cmpint (state_of (f, id), ==, WEFT_TASK_STATE_ASSIGNED);
}

static void
test_update_permissions (Fixture *f, gconstpointer data)
{
  g_autofree gchar *id = NULL;
  g_autoptr (GPtrArray) got = NULL;
  g_autoptr (WeftTask) task = NULL;
  g_autoptr (GError) error = NULL;

  agent_beats (f, "alpha", "[\"echo\"]", NULL, &alice);
  id = submit (f, "echo", "", 300, &bob);

  /* not assigned yet: nobody but the registry/admin moves it */
  task = weft_task_queue_update (f->queue, id, "running", NULL, NULL, &alice, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_PERMISSION_DENIED);
  g_clear_error (&error);

  got = claim (f, "alpha");
  g_assert_cmpuint (got->len, ==, 1);

  /* the submitter is not the assignee */
  task = weft_task_queue_update (f->queue, id, "completed", "x", NULL, &bob, &error);
  g_assert_null (task);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_PERMISSION_DENIED);
  g_clear_error (&error);

  task = weft_task_queue_update (f->queue, id, "exploded", NULL, NULL, &alice, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  task = weft_task_queue_update (f->queue, id, "assigned", NULL, NULL, &alice, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE);
  g_clear_error (&error);

  task = weft_task_queue_update (f->queue, id, "running", NULL, NULL, &alice, &error);
  g_assert_no_error (error);
  g_assert_cmpint (weft_task_get_state (task), ==, WEFT_TASK_STATE_RUNNING);
  g_clear_object (&task);
  task = weft_task_queue_update (f->queue, id, "completed", "42", "", &alice, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (weft_task_get_result (task), ==, "42");
  g_clear_object (&task);
  g_assert_cmpuint (weft_agent_directory_get_inflight (f->directory, "alpha"), ==, 0);

  /* out of a terminal state: illegal */
  task = weft_task_queue_update (f->queue, id, "running", NULL, NULL, &alice, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE);
  g_clear_error (&error);
  task = weft_task_queue_update (f->queue, "ffffffff-fff", "running", NULL, NULL, &alice, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* the submitter heard about every change */
  {
    g_autofree gchar *last = g_strdup_printf ("%s:completed:bob", id);

    g_assert_cmpstr (g_ptr_array_index (f->updated, f->updated->len - 1), ==, last);
  }

  close_queue (f);
  open_queue (f);
  task = weft_task_queue_get (f->queue, id, &error);
  g_assert_cmpint (weft_task_get_state (task), ==, WEFT_TASK_STATE_COMPLETED);
  g_assert_cmpstr (weft_task_get_result (task), ==, "42");
}

static void
test_cancel (Fixture *f, gconstpointer data)
{
  g_autofree gchar *id = submit (f, "echo", "", 300, &bob);
  g_autofree gchar *other = submit (f, "echo", "", 300, &bob);
  g_autoptr (WeftTask) task = NULL;
  g_autoptr (GError) error = NULL;

  task = weft_task_queue_cancel (f->queue, id, &alice, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_PERMISSION_DENIED);
  g_clear_error (&error);
  task = weft_task_queue_cancel (f->queue, id, &bob, &error);
  g_assert_no_error (error);
  g_assert_cmpint (weft_task_get_state (task), ==, WEFT_TASK_STATE_CANCELLED);
  g_clear_object (&task);
  task = weft_task_queue_cancel (f->queue, id, &bob, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE);
  g_clear_error (&error);

  /* cancelling through an update works for the submitter, and for an admin */
  task = weft_task_queue_update (f->queue, other, "cancelled", NULL, NULL, &admin, &error);
  g_assert_no_error (error);
  g_assert_cmpint (weft_task_get_state (task), ==, WEFT_TASK_STATE_CANCELLED);
}

static void
test_ttl_expiry (Fixture *f, gconstpointer data)
{
  g_autofree gchar *id = submit (f, "echo", "", 60, NULL);
  g_autofree gchar *young = NULL;
  g_autoptr (WeftTask) task = NULL;
  g_autoptr (GError) error = NULL;

  f->now += 30 * G_USEC_PER_SEC;
  young = submit (f, "echo", "", 60, NULL);
  g_assert_cmpuint (weft_task_queue_tick (f->queue), ==, 0);
  f->now += 31 * G_USEC_PER_SEC;
  g_assert_cmpuint (weft_task_queue_tick (f->queue), ==, 1);
  task = weft_task_queue_get (f->queue, id, &error);
  g_assert_cmpint (weft_task_get_state (task), ==, WEFT_TASK_STATE_FAILED);
  g_assert_cmpstr (weft_task_get_error (task), ==, "TTL expired");
  g_assert_cmpint (state_of (f, young), ==, WEFT_TASK_STATE_PENDING);

  close_queue (f);
  open_queue (f);
  g_assert_cmpint (state_of (f, id), ==, WEFT_TASK_STATE_FAILED);
}

static void
test_requeue_on_stale_assignee (Fixture *f, gconstpointer data)
{
  const gchar *agents[] = { "beta", "gamma", "delta" };
  g_autofree gchar *id = NULL;
  g_autoptr (WeftTask) task = NULL;
  g_autoptr (GError) error = NULL;

  weft_agent_directory_set_thresholds (f->directory, 1000, 3000);
  id = submit (f, "echo", "", 3600, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (agents); i++)
    {
      g_autoptr (GPtrArray) got = NULL;

      agent_beats (f, agents[i], "[\"echo\"]", NULL, NULL);
      got = claim (f, agents[i]);
      g_assert_cmpuint (got->len, ==, 1);
      g_assert_cmpstr (weft_task_get_id (g_ptr_array_index (got, 0)), ==, id);
      /* the assignee goes quiet */
      f->now += 1500 * 1000;
      weft_agent_directory_tick (f->directory);
      weft_task_queue_tick (f->queue);
      g_clear_object (&task);
      task = weft_task_queue_get (f->queue, id, &error);
      if (i + 1 < G_N_ELEMENTS (agents))
        {
          g_assert_cmpint (weft_task_get_state (task), ==, WEFT_TASK_STATE_PENDING);
          g_assert_cmpuint (weft_task_get_attempts (task), ==, i + 1);
          g_assert_cmpstr (weft_task_get_assigned_agent_id (task), ==, "");
          g_assert_cmpuint (weft_agent_directory_get_inflight (f->directory, agents[i]), ==, 0);
        }
    }
  g_assert_cmpint (weft_task_get_state (task), ==, WEFT_TASK_STATE_FAILED);
  g_assert_cmpstr (weft_task_get_error (task), ==,
                   "assignee delta stopped heartbeating (3 attempts)");
}

static void
test_requeue_goes_to_other_agent (Fixture *f, gconstpointer data)
{
  g_autofree gchar *id = NULL;
  g_autoptr (GPtrArray) got = NULL;
  g_autofree gchar *expected = NULL;

  weft_agent_directory_set_thresholds (f->directory, 1000, 3000);
  agent_beats (f, "beta", "[\"echo\"]", NULL, NULL);
  id = submit (f, "echo", "", 3600, NULL);
  got = claim (f, "beta");
  g_assert_cmpuint (got->len, ==, 1);

  /* gamma keeps beating and holds a connection; beta stops */
  f->now += 800 * 1000;
  agent_beats (f, "gamma", "[\"echo\"]", NULL, NULL);
  weft_agent_directory_set_push_connected (f->directory, "gamma", TRUE);
  f->now += 800 * 1000;
  agent_beats (f, "gamma", "[\"echo\"]", NULL, NULL);
  weft_task_queue_tick (f->queue);
  expected = g_strdup_printf ("%s>gamma", id);
  g_assert_cmpstr (g_ptr_array_index (f->assigned, f->assigned->len - 1), ==, expected);
}

static void
test_removed_assignee (Fixture *f, gconstpointer data)
{
  g_autofree gchar *id = NULL;
  g_autoptr (GPtrArray) got = NULL;
  g_autoptr (GError) error = NULL;

  agent_beats (f, "beta", "[\"echo\"]", NULL, NULL);
  id = submit (f, "echo", "", 3600, NULL);
  got = claim (f, "beta");
  g_assert_true (weft_agent_directory_remove (f->directory, "beta", NULL, &error));
  g_assert_cmpint (state_of (f, id), ==, WEFT_TASK_STATE_PENDING);
}

static void
test_purge (Fixture *f, gconstpointer data)
{
  g_autofree gchar *done = NULL;
  g_autofree gchar *open = NULL;
  g_autoptr (WeftTask) task = NULL;
  g_autoptr (GError) error = NULL;

  weft_task_queue_set_retention_ms (f->queue, 60 * 1000);
  done = submit (f, "echo", "", 3600, &bob);
  open = submit (f, "echo", "", 3600, &bob);
  task = weft_task_queue_cancel (f->queue, done, &bob, &error);
  g_assert_no_error (error);
  f->now += 59 * G_USEC_PER_SEC;
  weft_task_queue_tick (f->queue);
  g_assert_cmpint (state_of (f, done), ==, WEFT_TASK_STATE_CANCELLED);
  f->now += 2 * G_USEC_PER_SEC;
  weft_task_queue_tick (f->queue);
  g_clear_object (&task);
  task = weft_task_queue_get (f->queue, done, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (state_of (f, open), ==, WEFT_TASK_STATE_PENDING);

  close_queue (f);
  open_queue (f);
  task = weft_task_queue_get (f->queue, done, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND);
}

static void
test_duplicate_submit (Fixture *f, gconstpointer data)
{
  g_autoptr (WeftTask) task = weft_task_new ("echo", "", "", NULL, 300, now_s (f));
  g_autoptr (WeftTask) queued = NULL;
  g_autoptr (GError) error = NULL;

  queued = weft_task_queue_submit (f->queue, task, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&queued);
  queued = weft_task_queue_submit (f->queue, task, NULL, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_ALREADY_EXISTS);
}

/* a write that cannot be made is not acknowledged, and memory stays as it was */
static void
test_failed_write_changes_nothing (Fixture *f, gconstpointer data)
{
  g_autofree gchar *id = submit (f, "echo", "", 300, &bob);
  g_autoptr (WeftTask) task = NULL;
  g_autoptr (WeftTask) fresh = weft_task_new ("echo", "", "", NULL, 300, now_s (f));
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) got = NULL;
  sqlite3 *other = NULL;

  agent_beats (f, "alpha", "[\"echo\"]", NULL, NULL);
  weft_store_sqlite_set_busy_timeout (WEFT_STORE_SQLITE (f->store), 20);
  /* another process holds the write lock */
  g_assert_cmpint (sqlite3_open (f->path, &other), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (other, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);

  task = weft_task_queue_cancel (f->queue, id, &bob, &error);
  g_assert_null (task);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  g_assert_cmpint (state_of (f, id), ==, WEFT_TASK_STATE_PENDING);

  got = weft_task_queue_claim_for_agent (f->queue, "alpha", &error);
  g_assert_null (got);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  g_assert_cmpint (state_of (f, id), ==, WEFT_TASK_STATE_PENDING);
  g_assert_cmpuint (weft_agent_directory_get_inflight (f->directory, "alpha"), ==, 0);
  g_assert_cmpuint (f->assigned->len, ==, 0);

  task = weft_task_queue_submit (f->queue, fresh, NULL, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  g_assert_cmpuint (weft_task_queue_count_in_state (f->queue, "pending"), ==, 1);

  /* once the lock is gone everything works again */
  sqlite3_exec (other, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_close (other);
  got = claim (f, "alpha");
  g_assert_cmpuint (got->len, ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/weft/task-queue/submit", test_submit_persists);
  ADD ("/weft/task-queue/duplicate", test_duplicate_submit);
  ADD ("/weft/task-queue/pickup", test_pickup_rules);
  ADD ("/weft/task-queue/pickup-capacity", test_pickup_respects_capacity);
  ADD ("/weft/task-queue/push", test_push_on_submit);
  ADD ("/weft/task-queue/push-targeted", test_targeted_push);
  ADD ("/weft/task-queue/update", test_update_permissions);
  ADD ("/weft/task-queue/cancel", test_cancel);
  ADD ("/weft/task-queue/ttl", test_ttl_expiry);
  ADD ("/weft/task-queue/requeue", test_requeue_on_stale_assignee);
  ADD ("/weft/task-queue/requeue-other-agent", test_requeue_goes_to_other_agent);
  ADD ("/weft/task-queue/removed-assignee", test_removed_assignee);
  ADD ("/weft/task-queue/purge", test_purge);
  ADD ("/weft/task-queue/failed-write", test_failed_write_changes_nothing);
#undef ADD

  return g_test_run ();
}
