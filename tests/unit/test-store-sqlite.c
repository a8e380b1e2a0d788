/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <signal.h>
#include <sqlite3.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "weft.h"
#include "weft-store-sqlite.h"

#define CHILD_ENV "WEFT_TEST_STORE_KILL_CHILD_DB"

static gchar *self_exe; /* (owned) this test program, run again as the writer child */

typedef struct
{
  gchar *dir;
  gchar *path;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("weft-store-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "state", "registry.db", NULL);
}

static void
remove_tree (const gchar *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree gchar *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR))
          remove_tree (child);
        else
          g_unlink (child);
      }
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

static WeftStore *
open_store (const gchar *path)
{
  g_autoptr (GError) error = NULL;
  WeftStoreSqlite *store = weft_store_sqlite_new (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return WEFT_STORE (store);
}

static gchar *
query_text (const gchar *path, const gchar *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gchar *result = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    result = g_strdup ((const gchar *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return result;
}

static void
test_open_and_migrate (Fixture *f, gconstpointer data)
{
  g_autoptr (WeftStore) store = open_store (f->path);
  g_autofree gchar *mode = NULL;
  g_autofree gchar *version = NULL;

  /* the parent directory was created */
  g_assert_true (g_file_test (f->path, G_FILE_TEST_EXISTS));
  g_assert_cmpint (weft_store_sqlite_get_schema_version (WEFT_STORE_SQLITE (store)), ==,
                   WEFT_STORE_SQLITE_SCHEMA_VERSION);
  g_assert_cmpstr (weft_store_sqlite_get_path (WEFT_STORE_SQLITE (store)), ==, f->path);
  g_clear_object (&store);

  mode = query_text (f->path, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "wal");
  version = query_text (f->path, "SELECT version FROM schema_version");
  g_assert_cmpstr (version, ==, "1");

  /* opening again leaves the schema alone */
  store = open_store (f->path);
  g_assert_cmpint (weft_store_sqlite_get_schema_version (WEFT_STORE_SQLITE (store)), ==, 1);
}

static void
test_newer_schema_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (WeftStore) store = open_store (f->path);
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftStoreSqlite) again = NULL;
  sqlite3 *db = NULL;

  g_clear_object (&store);
  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE schema_version SET version = 99", NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (db);

  again = weft_store_sqlite_new (f->path, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_SUPPORTED);
  g_assert_null (again);
  g_assert_nonnull (strstr (error->message, "99"));
}

static void
test_unopenable_path (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftStoreSqlite) store = NULL;

  /* a regular file where a directory is needed */
  store = weft_store_sqlite_new ("/dev/null/registry.db", &error);
  g_assert_nonnull (error);
  g_assert_null (store);
}

static WeftAgentRecord *
make_record (const gchar *id)
{
  WeftAgentRecord *record = weft_agent_record_new (id);
  const gchar *skills[] = { "echo", "summarise", NULL };
  const gchar *mcp[] = { "files", NULL };

  weft_agent_record_set_hostname (record, "host-1");
  weft_agent_record_set_ip (record, "192.0.2.7");
  weft_agent_record_set_port (record, 9001);
  weft_agent_record_set_sidecar_peer_id (record, "alpha-sidecar");
  weft_agent_record_set_skills (record, skills);
  weft_agent_record_set_mcp_servers (record, mcp);
  weft_agent_record_set_goals_count (record, 4);
  weft_agent_record_set_capabilities_mode (record, "auto");
  weft_agent_record_set_status (record, "ready");
  weft_agent_record_set_mode (record, "manual");
  weft_agent_record_set_registered_at (record, 1775013217000123);
  weft_agent_record_set_last_heartbeat (record, 1775013218000456);
  weft_agent_record_set_owner (record, "key-alpha");
  weft_agent_record_set_capacity (record, 3);
  weft_agent_record_set_running_tasks (record, 1);
  weft_agent_record_set_load (record, 0.25);
  return record;
}

static void
test_agents_round_trip (Fixture *f, gconstpointer data)
{
  g_autoptr (WeftStore) store = open_store (f->path);
  g_autoptr (WeftAgentRecord) alpha = make_record ("alpha");
  g_autoptr (WeftAgentRecord) beta = weft_agent_record_new ("beta");
  g_autoptr (GPtrArray) batch = g_ptr_array_new ();
  g_autoptr (GPtrArray) loaded = NULL;
  g_autoptr (GError) error = NULL;
  WeftAgentRecord *got;

  g_ptr_array_add (batch, alpha);
  g_ptr_array_add (batch, beta);
  g_assert_true (weft_store_save_agents (store, batch, &error));
  g_assert_no_error (error);
  /* saving again replaces, it does not duplicate */
  weft_agent_record_set_status (alpha, "busy");
  g_assert_true (weft_store_save_agent (store, alpha, &error));
  g_clear_object (&store);

  store = open_store (f->path);
  loaded = weft_store_load_agents (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (loaded->len, ==, 2);
  got = g_ptr_array_index (loaded, 0);
  g_assert_cmpstr (weft_agent_record_get_agent_id (got), ==, "alpha");
  g_assert_cmpstr (weft_agent_record_get_hostname (got), ==, "host-1");
  g_assert_cmpstr (weft_agent_record_get_ip (got), ==, "192.0.2.7");
  g_assert_cmpuint (weft_agent_record_get_port (got), ==, 9001);
  g_assert_cmpstr (weft_agent_record_get_sidecar_peer_id (got), ==, "alpha-sidecar");
  g_assert_true (weft_agent_record_has_skill (got, "summarise"));
  g_assert_cmpuint (g_strv_length ((gchar **) weft_agent_record_get_skills (got)), ==, 2);
  g_assert_cmpstr (weft_agent_record_get_mcp_servers (got)[0], ==, "files");
  g_assert_cmpuint (weft_agent_record_get_goals_count (got), ==, 4);
  g_assert_cmpstr (weft_agent_record_get_capabilities_mode (got), ==, "auto");
  g_assert_cmpstr (weft_agent_record_get_status (got), ==, "busy");
  g_assert_cmpstr (weft_agent_record_get_mode (got), ==, "manual");
  g_assert_cmpint (weft_agent_record_get_registered_at (got), ==, 1775013217000123);
  g_assert_cmpint (weft_agent_record_get_last_heartbeat (got), ==, 1775013218000456);
  g_assert_cmpstr (weft_agent_record_get_owner (got), ==, "key-alpha");
  g_assert_cmpuint (weft_agent_record_get_capacity (got), ==, 3);
  g_assert_cmpuint (weft_agent_record_get_running_tasks (got), ==, 1);
  g_assert_cmpfloat (weft_agent_record_get_load (got), ==, 0.25);
  got = g_ptr_array_index (loaded, 1);
  g_assert_cmpstr (weft_agent_record_get_agent_id (got), ==, "beta");
  g_assert_null (weft_agent_record_get_owner (got));
  g_assert_cmpuint (weft_agent_record_get_port (got), ==, 8000);

  g_assert_true (weft_store_delete_agent (store, "alpha", &error));
  g_clear_pointer (&loaded, g_ptr_array_unref);
  g_clear_object (&store);
  store = open_store (f->path);
  loaded = weft_store_load_agents (store, &error);
  g_assert_cmpuint (loaded->len, ==, 1);
  g_assert_cmpstr (weft_agent_record_get_agent_id (g_ptr_array_index (loaded, 0)), ==, "beta");
}

static void
test_tasks_round_trip (Fixture *f, gconstpointer data)
{
  g_autoptr (WeftStore) store = open_store (f->path);
  g_autoptr (JsonNode) payload = json_from_string ("{\"text\":\"hi\",\"n\":[1,2]}", NULL);
  g_autoptr (WeftTask) first = weft_task_new ("echo", "", "alpha", payload, 60, 1000.5);
  g_autoptr (WeftTask) second = weft_task_new ("", "beta", "alpha", NULL, 300, 1001.0);
  g_autoptr (GPtrArray) loaded = NULL;
  g_autoptr (GError) error = NULL;
  const gchar *ids[2] = { NULL, NULL };
  WeftStoreTask *row;
  g_autofree gchar *payload_text = NULL;

  g_assert_true (weft_store_save_task (store, first, "key-alpha", &error));
  g_assert_no_error (error);
  g_assert_true (weft_store_save_task (store, second, NULL, &error));
  g_assert_true (weft_task_assign (second, "beta", 1002.0, &error));
  g_assert_true (weft_task_complete (second, "done", 1003.0, &error));
  g_assert_true (weft_store_save_task (store, second, NULL, &error));
  g_clear_object (&store);

  store = open_store (f->path);
  loaded = weft_store_load_tasks (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (loaded->len, ==, 2);
  row = g_ptr_array_index (loaded, 0);
  g_assert_cmpstr (weft_task_get_id (row->task), ==, weft_task_get_id (first));
  g_assert_cmpstr (row->submitter, ==, "key-alpha");
  g_assert_cmpstr (weft_task_get_skill (row->task), ==, "echo");
  g_assert_cmpint (weft_task_get_ttl (row->task), ==, 60);
  payload_text = json_to_string (weft_task_get_payload (row->task), FALSE);
  g_assert_cmpstr (payload_text, ==, "{\"text\":\"hi\",\"n\":[1,2]}");
  row = g_ptr_array_index (loaded, 1);
  g_assert_null (row->submitter);
  g_assert_cmpint (weft_task_get_state (row->task), ==, WEFT_TASK_STATE_COMPLETED);
  g_assert_cmpstr (weft_task_get_result (row->task), ==, "done");
  g_assert_cmpstr (weft_task_get_assigned_agent_id (row->task), ==, "beta");

  ids[0] = weft_task_get_id (first);
  g_assert_true (weft_store_delete_tasks (store, ids, &error));
  g_clear_pointer (&loaded, g_ptr_array_unref);
  loaded = weft_store_load_tasks (store, &error);
  g_assert_cmpuint (loaded->len, ==, 1);
}

static void
test_pairing_round_trip (Fixture *f, gconstpointer data)
{
  g_autoptr (WeftStore) store = open_store (f->path);
  g_autoptr (WeftPairingEntry) entry =
    weft_pairing_entry_new ("1a2b3c4d", "my-agent", "agent-9f01ab", 1775013217000000);
  g_autoptr (WeftStoreInviteCode) code =
    weft_store_invite_code_new ("042917", "agent-001", 1775013217000000, FALSE);
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (GPtrArray) codes = NULL;
  g_autoptr (GError) error = NULL;
  const gchar *dead[] = { "042917", NULL };
  WeftPairingEntry *got;

  weft_pairing_entry_set_status (entry, WEFT_PAIRING_STATUS_APPROVED);
  weft_pairing_entry_set_updated_at (entry, 1775013218000000);
  weft_pairing_entry_set_claim_token_hash (entry, "aa");
  weft_pairing_entry_set_device_token_hash (entry, "bb");
  weft_pairing_entry_set_sealed_device_token (entry, "cc");
  g_assert_true (weft_store_save_pairing_entry (store, entry, &error));
  g_assert_no_error (error);
  g_assert_true (weft_store_save_invite_code (store, code, &error));
  g_clear_object (&store);

  store = open_store (f->path);
  entries = weft_store_load_pairing_entries (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 1);
  got = g_ptr_array_index (entries, 0);
  g_assert_cmpstr (weft_pairing_entry_get_id (got), ==, "1a2b3c4d");
  g_assert_cmpstr (weft_pairing_entry_get_agent_name (got), ==, "my-agent");
  g_assert_cmpstr (weft_pairing_entry_get_peer_id (got), ==, "agent-9f01ab");
  g_assert_cmpint (weft_pairing_entry_get_status (got), ==, WEFT_PAIRING_STATUS_APPROVED);
  g_assert_cmpint (weft_pairing_entry_get_updated_at (got), ==, 1775013218000000);
  g_assert_cmpstr (weft_pairing_entry_get_claim_token_hash (got), ==, "aa");
  g_assert_cmpstr (weft_pairing_entry_get_device_token_hash (got), ==, "bb");
  g_assert_cmpstr (weft_pairing_entry_get_sealed_device_token (got), ==, "cc");
  g_assert_false (weft_pairing_entry_get_claimed (got));

  codes = weft_store_load_invite_codes (store, &error);
  g_assert_cmpuint (codes->len, ==, 1);
  g_assert_cmpstr (((WeftStoreInviteCode *) g_ptr_array_index (codes, 0))->code, ==, "042917");
  g_assert_cmpstr (((WeftStoreInviteCode *) g_ptr_array_index (codes, 0))->creator, ==,
                   "agent-001");
  g_assert_true (weft_store_delete_invite_codes (store, dead, &error));
  g_clear_pointer (&codes, g_ptr_array_unref);
  codes = weft_store_load_invite_codes (store, &error);
  g_assert_cmpuint (codes->len, ==, 0);
}

static void
test_api_keys (Fixture *f, gconstpointer data)
{
  g_autoptr (WeftStore) store = open_store (f->path);
  g_autoptr (WeftStoreApiKey) key =
    weft_store_api_key_new ("ak_work", "00ff", "work-pc", "admin", 42);
  g_autoptr (WeftStoreApiKey) clash =
    weft_store_api_key_new ("ak_other", "00ff", "other", "agent", 43);
  g_autoptr (GPtrArray) keys = NULL;
  g_autoptr (GError) error = NULL;
  WeftStoreApiKey *got;

  g_assert_true (weft_store_save_api_key (store, key, &error));
  g_assert_no_error (error);
  /* two keys with the same digest would make a key ambiguous */
  g_assert_false (weft_store_save_api_key (store, clash, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_ALREADY_EXISTS);
  g_clear_error (&error);
  g_clear_object (&store);

  store = open_store (f->path);
  keys = weft_store_load_api_keys (store, &error);
  g_assert_cmpuint (keys->len, ==, 1);
  got = g_ptr_array_index (keys, 0);
  g_assert_cmpstr (got->id, ==, "ak_work");
  g_assert_cmpstr (got->key_hash, ==, "00ff");
  g_assert_cmpstr (got->peer_id, ==, "work-pc");
  g_assert_cmpstr (got->role, ==, "admin");
  g_assert_cmpint (got->created_at, ==, 42);

  g_assert_true (weft_store_delete_api_key (store, "ak_work", &error));
  g_assert_false (weft_store_delete_api_key (store, "ak_work", &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND);
}

/* an implementation that provides nothing: the interface reports it instead of
 * crashing, so a partial backend (a PostgreSQL one in progress) fails cleanly */
#define TEST_TYPE_EMPTY_STORE (test_empty_store_get_type ())
G_DECLARE_FINAL_TYPE (TestEmptyStore, test_empty_store, TEST, EMPTY_STORE, GObject)
struct _TestEmptyStore
{
  GObject parent_instance;
};
static void
test_empty_store_iface_init (WeftStoreInterface *iface)
{
}
G_DEFINE_FINAL_TYPE_WITH_CODE (TestEmptyStore,
                               test_empty_store,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (WEFT_TYPE_STORE, test_empty_store_iface_init))
static void
test_empty_store_class_init (TestEmptyStoreClass *klass)
{
}
static void
test_empty_store_init (TestEmptyStore *self)
{
}

static void
test_interface_not_supported (void)
{
  g_autoptr (WeftStore) store = g_object_new (TEST_TYPE_EMPTY_STORE, NULL);
  g_autoptr (WeftAgentRecord) record = weft_agent_record_new ("a");
  g_autoptr (GPtrArray) loaded = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_false (weft_store_save_agent (store, record, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  loaded = weft_store_load_tasks (store, &error);
  g_assert_null (loaded);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_assert_false (weft_store_delete_api_key (store, "x", &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_SUPPORTED);
}

/* child side of the kill -9 test: writes forever, printing each acknowledged id */
static int
run_writer_child (const gchar *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftStoreSqlite) store = weft_store_sqlite_new (path, &error);

  if (store == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  for (guint i = 0;; i++)
    {
      g_autofree gchar *id = g_strdup_printf ("agent-%05u", i);
      g_autoptr (WeftAgentRecord) record = weft_agent_record_new (id);
      g_autoptr (WeftTask) task = weft_task_new ("echo", id, "", NULL, 300, 1000.0 + i);

      if (!weft_store_save_agent (WEFT_STORE (store), record, &error) ||
          !weft_store_save_task (WEFT_STORE (store), task, id, &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      /* only now is the write acknowledged */
      g_print ("%s %s\n", id, weft_task_get_id (task));
      fflush (stdout);
    }
  return 0;
}

static void
test_kill9_keeps_acknowledged_writes (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GSubprocess) child = NULL;
  g_autoptr (GDataInputStream) lines = NULL;
  g_autoptr (GHashTable) acked_agents =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) acked_tasks =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (WeftStore) store = NULL;
  g_autoptr (GPtrArray) agents = NULL;
  g_autoptr (GPtrArray) tasks = NULL;
  g_autoptr (GHashTable) found = g_hash_table_new (g_str_hash, g_str_equal);
  gchar *line;

  g_subprocess_launcher_setenv (launcher, CHILD_ENV, f->path, TRUE);
  child = g_subprocess_launcher_spawn (launcher, &error, self_exe, NULL);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));

  /* let it get well into its writes, then kill it mid-stream */
  while (g_hash_table_size (acked_agents) < 150 &&
         (line = g_data_input_stream_read_line (lines, NULL, NULL, &error)) != NULL)
    {
      g_auto (GStrv) parts = g_strsplit (line, " ", 2);

      g_hash_table_add (acked_agents, g_strdup (parts[0]));
      g_hash_table_add (acked_tasks, g_strdup (parts[1]));
      g_free (line);
    }
  g_assert_no_error (error);
  g_subprocess_send_signal (child, SIGKILL);
  /* whatever it acknowledged before dying is in the pipe */
  while ((line = g_data_input_stream_read_line (lines, NULL, NULL, NULL)) != NULL)
    {
      g_auto (GStrv) parts = g_strsplit (line, " ", 2);

      if (parts[0] != NULL && parts[1] != NULL)
        {
          g_hash_table_add (acked_agents, g_strdup (parts[0]));
          g_hash_table_add (acked_tasks, g_strdup (parts[1]));
        }
      g_free (line);
    }
  g_subprocess_wait (child, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (child));
  g_assert_cmpint (g_subprocess_get_term_sig (child), ==, SIGKILL);

  store = open_store (f->path);
  agents = weft_store_load_agents (store, &error);
  g_assert_no_error (error);
  tasks = weft_store_load_tasks (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (agents->len, >=, g_hash_table_size (acked_agents));
  for (guint i = 0; i < agents->len; i++)
    g_hash_table_add (found,
                      (gpointer) weft_agent_record_get_agent_id (g_ptr_array_index (agents, i)));
  for (guint i = 0; i < tasks->len; i++)
    g_hash_table_add (
      found, (gpointer) weft_task_get_id (((WeftStoreTask *) g_ptr_array_index (tasks, i))->task));
  {
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init (&iter, acked_agents);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      g_assert_true (g_hash_table_contains (found, key));
    g_hash_table_iter_init (&iter, acked_tasks);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      g_assert_true (g_hash_table_contains (found, key));
  }
}

int
main (int argc, char **argv)
{
  const gchar *child_db = g_getenv (CHILD_ENV);

  if (child_db != NULL)
    return run_writer_child (child_db);

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  self_exe = g_file_read_link ("/proc/self/exe", NULL);

  g_test_add ("/weft/store-sqlite/open-and-migrate", Fixture, NULL, fixture_set_up,
              test_open_and_migrate, fixture_tear_down);
  g_test_add ("/weft/store-sqlite/newer-schema-refused", Fixture, NULL, fixture_set_up,
              test_newer_schema_refused, fixture_tear_down);
  g_test_add_func ("/weft/store-sqlite/unopenable-path", test_unopenable_path);
  g_test_add_func ("/weft/store-sqlite/interface-not-supported", test_interface_not_supported);
  g_test_add ("/weft/store-sqlite/agents", Fixture, NULL, fixture_set_up, test_agents_round_trip,
              fixture_tear_down);
  g_test_add ("/weft/store-sqlite/tasks", Fixture, NULL, fixture_set_up, test_tasks_round_trip,
              fixture_tear_down);
  g_test_add ("/weft/store-sqlite/pairing", Fixture, NULL, fixture_set_up, test_pairing_round_trip,
              fixture_tear_down);
  g_test_add ("/weft/store-sqlite/api-keys", Fixture, NULL, fixture_set_up, test_api_keys,
              fixture_tear_down);
  g_test_add ("/weft/store-sqlite/kill-9", Fixture, NULL, fixture_set_up,
              test_kill9_keeps_acknowledged_writes, fixture_tear_down);

  {
    int ret = g_test_run ();

    g_free (self_exe);
    return ret;
  }
}
