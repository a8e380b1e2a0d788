/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <sqlite3.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "weft-error.h"
#include "weft-store-sqlite.h"
#include "weft-task.h"

/*
 * durability: the database runs in WAL mode with synchronous=FULL, so every
 * COMMIT fsyncs the write-ahead log before sqlite3_step() returns. A write the
 * registry acknowledged therefore survives kill -9 of the registry and also a
 * power cut or kernel crash. (synchronous=NORMAL with WAL would survive kill -9
 * too, since the data sits in the page cache, but could lose the last commits on
 * power loss; the registry's writes are small and the hot path, heartbeats, is
 * coalesced, so the extra fsync per commit is affordable.)
 *
 * blocking: calls are synchronous on the caller's thread. On a local file with
 * WAL a small transaction costs one fsync of the log (well under a millisecond
 * on an SSD, a few ms on slow disks); that is accepted on the daemon's main loop
 * because each request makes at most one short transaction and every write must
 * be durable before the request is answered anyway. A busy timeout covers a
 * second process (a backup, sqlite3 CLI) holding the lock for a moment.
 */

#define BUSY_TIMEOUT_MS 5000

typedef enum
{
  STMT_SAVE_AGENT,
  STMT_DELETE_AGENT,
  STMT_LOAD_AGENTS,
  STMT_SAVE_TASK,
  STMT_DELETE_TASK,
  STMT_LOAD_TASKS,
  STMT_SAVE_PAIRING,
  STMT_LOAD_PAIRINGS,
  STMT_SAVE_CODE,
  STMT_DELETE_CODE,
  STMT_LOAD_CODES,
  STMT_SAVE_KEY,
  STMT_DELETE_KEY,
  STMT_LOAD_KEYS,
  STMT_BEGIN,
  STMT_COMMIT,
  STMT_ROLLBACK,
  N_STMTS
} StmtId;

static const gchar *const stmt_sql[N_STMTS] = {
  [STMT_SAVE_AGENT] =
    "INSERT OR REPLACE INTO agents (agent_id, hostname, ip, port, sidecar_peer_id, skills,"
    " mcp_servers, goals_count, capabilities_mode, status, mode, registered_at, last_heartbeat,"
    " owner, capacity, running_tasks, load)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
  [STMT_DELETE_AGENT] = "DELETE FROM agents WHERE agent_id = ?1",
  [STMT_LOAD_AGENTS] =
    "SELECT agent_id, hostname, ip, port, sidecar_peer_id, skills, mcp_servers, goals_count,"
    " capabilities_mode, status, mode, registered_at, last_heartbeat, owner, capacity,"
    " running_tasks, load FROM agents ORDER BY agent_id",
  [STMT_SAVE_TASK] = "INSERT OR REPLACE INTO tasks (id, state, created_at, updated_at, submitter,"
                     " body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
  [STMT_DELETE_TASK] = "DELETE FROM tasks WHERE id = ?1",
  [STMT_LOAD_TASKS] = "SELECT id, submitter, body FROM tasks ORDER BY created_at, rowid",
  [STMT_SAVE_PAIRING] =
    "INSERT OR REPLACE INTO pairing_entries (id, agent_name, peer_id, status, created_at,"
    " updated_at, claim_token_hash, device_token_hash, sealed_device_token, claimed)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
  [STMT_LOAD_PAIRINGS] =
    "SELECT id, agent_name, peer_id, status, created_at, updated_at, claim_token_hash,"
    " device_token_hash, sealed_device_token, claimed FROM pairing_entries"
    " ORDER BY created_at, rowid",
  [STMT_SAVE_CODE] = "INSERT OR REPLACE INTO invite_codes (code, creator, created_at, used)"
                     " VALUES (?1, ?2, ?3, ?4)",
  [STMT_DELETE_CODE] = "DELETE FROM invite_codes WHERE code = ?1",
  [STMT_LOAD_CODES] =
    "SELECT code, creator, created_at, used FROM invite_codes ORDER BY created_at",
  [STMT_SAVE_KEY] =
    /* an upsert, not INSERT OR REPLACE: a clash on key_hash must fail, not delete
     * the other key */
  "INSERT INTO api_keys (id, key_hash, peer_id, role, created_at) VALUES (?1, ?2, ?3, ?4, ?5)"
  " ON CONFLICT (id) DO UPDATE SET key_hash = excluded.key_hash, peer_id = excluded.peer_id,"
  " role = excluded.role, created_at = excluded.created_at",
  [STMT_DELETE_KEY] = "DELETE FROM api_keys WHERE id = ?1",
  [STMT_LOAD_KEYS] = "SELECT id, key_hash, peer_id, role, created_at FROM api_keys ORDER BY id",
  [STMT_BEGIN] = "BEGIN IMMEDIATE",
  [STMT_COMMIT] = "COMMIT",
  [STMT_ROLLBACK] = "ROLLBACK",
};

/* migrations[i] takes the schema from version i to i + 1 */
static const gchar *const migrations[] = {
  "CREATE TABLE agents ("
  "  agent_id TEXT PRIMARY KEY NOT NULL,"
  "  hostname TEXT NOT NULL DEFAULT '',"
  "  ip TEXT NOT NULL DEFAULT '',"
  "  port INTEGER NOT NULL DEFAULT 8000,"
  "  sidecar_peer_id TEXT NOT NULL DEFAULT '',"
  "  skills TEXT NOT NULL DEFAULT '[]',"
  "  mcp_servers TEXT NOT NULL DEFAULT '[]',"
  "  goals_count INTEGER NOT NULL DEFAULT 0,"
  "  capabilities_mode TEXT NOT NULL DEFAULT '',"
  "  status TEXT NOT NULL DEFAULT '',"
  "  mode TEXT NOT NULL DEFAULT '',"
  "  registered_at INTEGER NOT NULL,"
  "  last_heartbeat INTEGER NOT NULL,"
  "  owner TEXT,"
  "  capacity INTEGER NOT NULL DEFAULT 0,"
  "  running_tasks INTEGER NOT NULL DEFAULT 0,"
  "  load REAL NOT NULL DEFAULT 0"
  ");"
  "CREATE TABLE tasks ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  state TEXT NOT NULL,"
  "  created_at REAL NOT NULL,"
  "  updated_at REAL NOT NULL,"
  "  submitter TEXT,"
  "  body TEXT NOT NULL"
  ");"
  "CREATE INDEX tasks_state ON tasks (state, updated_at);"
  "CREATE TABLE pairing_entries ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  agent_name TEXT NOT NULL,"
  "  peer_id TEXT NOT NULL,"
  "  status TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  updated_at INTEGER NOT NULL,"
  "  claim_token_hash TEXT,"
  "  device_token_hash TEXT,"
  "  sealed_device_token TEXT,"
  "  claimed INTEGER NOT NULL DEFAULT 0"
  ");"
  "CREATE UNIQUE INDEX pairing_device_token ON pairing_entries (device_token_hash);"
  "CREATE TABLE invite_codes ("
  "  code TEXT PRIMARY KEY NOT NULL,"
  "  creator TEXT,"
  "  created_at INTEGER NOT NULL,"
  "  used INTEGER NOT NULL DEFAULT 0"
  ");"
  "CREATE TABLE api_keys ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  key_hash TEXT NOT NULL UNIQUE,"
  "  peer_id TEXT NOT NULL,"
  "  role TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL"
  ");",
};
G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == WEFT_STORE_SQLITE_SCHEMA_VERSION);

struct _WeftStoreSqlite
{
  GObject parent_instance;

  gchar *path;                  /* (owned) */
  sqlite3 *db;                  /* (owned) (nullable) */
  sqlite3_stmt *stmts[N_STMTS]; /* (owned) (nullable) prepared once, on first use */
  gint schema_version;
};

static void
weft_store_sqlite_iface_init (WeftStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (WeftStoreSqlite,
                               weft_store_sqlite,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (WEFT_TYPE_STORE,
                                                      weft_store_sqlite_iface_init))

static gboolean
set_db_error (WeftStoreSqlite *self, const gchar *what, GError **error)
{
  gint code = sqlite3_errcode (self->db);
  WeftError weft_code = WEFT_ERROR_FAILED;

  if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
    weft_code = WEFT_ERROR_UNAVAILABLE;
  else if (code == SQLITE_FULL)
    weft_code = WEFT_ERROR_UNAVAILABLE;
  else if (code == SQLITE_CONSTRAINT)
    weft_code = WEFT_ERROR_ALREADY_EXISTS;
  g_set_error (error, WEFT_ERROR, weft_code, _ ("Database %s: cannot %s: %s"), self->path, what,
               sqlite3_errmsg (self->db));
  return FALSE;
}

static gboolean
exec_sql (WeftStoreSqlite *self, const gchar *sql, const gchar *what, GError **error)
{
  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return set_db_error (self, what, error);
  return TRUE;
}

static sqlite3_stmt *
get_stmt (WeftStoreSqlite *self, StmtId id, GError **error)
{
  if (self->stmts[id] == NULL &&
      sqlite3_prepare_v3 (self->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &self->stmts[id],
                          NULL) != SQLITE_OK)
    {
      set_db_error (self, "prepare a statement", error);
      return NULL;
    }
  sqlite3_reset (self->stmts[id]);
  sqlite3_clear_bindings (self->stmts[id]);
  return self->stmts[id];
}

static gboolean
step_done (WeftStoreSqlite *self, sqlite3_stmt *stmt, const gchar *what, GError **error)
{
  gint rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return set_db_error (self, what, error);
  return TRUE;
}

static gboolean
run_simple (WeftStoreSqlite *self, StmtId id, const gchar *what, GError **error)
{
  sqlite3_stmt *stmt = get_stmt (self, id, error);

  return stmt != NULL && step_done (self, stmt, what, error);
}

static gboolean
begin (WeftStoreSqlite *self, GError **error)
{
  return run_simple (self, STMT_BEGIN, "begin a transaction", error);
}

static gboolean
commit (WeftStoreSqlite *self, GError **error)
{
  if (!run_simple (self, STMT_COMMIT, "commit", error))
    {
      run_simple (self, STMT_ROLLBACK, "roll back", NULL);
      return FALSE;
    }
  return TRUE;
}

static gboolean
rollback (WeftStoreSqlite *self)
{
  if (sqlite3_get_autocommit (self->db) == 0)
    run_simple (self, STMT_ROLLBACK, "roll back", NULL);
  return FALSE;
}

static void
bind_text (sqlite3_stmt *stmt, gint index, const gchar *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
}

static gchar *
strv_to_json (const gchar *const *strv)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_array (builder);
  for (gsize i = 0; strv != NULL && strv[i] != NULL; i++)
    json_builder_add_string_value (builder, strv[i]);
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static gchar **
strv_from_json (const gchar *text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  JsonNode *root;

  if (text != NULL && json_parser_load_from_data (parser, text, -1, NULL))
    {
      root = json_parser_get_root (parser);
      if (root != NULL && JSON_NODE_HOLDS_ARRAY (root))
        {
          JsonArray *array = json_node_get_array (root);

          for (guint i = 0; i < json_array_get_length (array); i++)
            {
              const gchar *s = json_array_get_string_element (array, i);

              if (s != NULL)
                g_strv_builder_add (builder, s);
            }
        }
    }
  return g_strv_builder_end (builder);
}

static const gchar *
column_text (sqlite3_stmt *stmt, gint column)
{
  return (const gchar *) sqlite3_column_text (stmt, column);
}

/* agents */

static gboolean
weft_store_sqlite_save_agents (WeftStore *store, GPtrArray *records, GError **error)
{
  WeftStoreSqlite *self = WEFT_STORE_SQLITE (store);

  if (!begin (self, error))
    return FALSE;
  for (guint i = 0; i < records->len; i++)
    {
      WeftAgentRecord *record = g_ptr_array_index (records, i);
      sqlite3_stmt *stmt = get_stmt (self, STMT_SAVE_AGENT, error);
      g_autofree gchar *skills = NULL;
      g_autofree gchar *mcp = NULL;

      if (stmt == NULL)
        return rollback (self);
      skills = strv_to_json (weft_agent_record_get_skills (record));
      mcp = strv_to_json (weft_agent_record_get_mcp_servers (record));
      bind_text (stmt, 1, weft_agent_record_get_agent_id (record));
      bind_text (stmt, 2, weft_agent_record_get_hostname (record));
      bind_text (stmt, 3, weft_agent_record_get_ip (record));
      sqlite3_bind_int (stmt, 4, weft_agent_record_get_port (record));
      bind_text (stmt, 5, weft_agent_record_get_sidecar_peer_id (record));
      bind_text (stmt, 6, skills);
      bind_text (stmt, 7, mcp);
      sqlite3_bind_int64 (stmt, 8, weft_agent_record_get_goals_count (record));
      bind_text (stmt, 9, weft_agent_record_get_capabilities_mode (record));
      bind_text (stmt, 10, weft_agent_record_get_status (record));
      bind_text (stmt, 11, weft_agent_record_get_mode (record));
      sqlite3_bind_int64 (stmt, 12, weft_agent_record_get_registered_at (record));
      sqlite3_bind_int64 (stmt, 13, weft_agent_record_get_last_heartbeat (record));
      bind_text (stmt, 14, weft_agent_record_get_owner (record));
      sqlite3_bind_int64 (stmt, 15, weft_agent_record_get_capacity (record));
      sqlite3_bind_int64 (stmt, 16, weft_agent_record_get_running_tasks (record));
      sqlite3_bind_double (stmt, 17, weft_agent_record_get_load (record));
      if (!step_done (self, stmt, "save an agent", error))
        return rollback (self);
    }
  return commit (self, error);
}

static gboolean
weft_store_sqlite_delete_agent (WeftStore *store, const gchar *agent_id, GError **error)
{
  WeftStoreSqlite *self = WEFT_STORE_SQLITE (store);
  sqlite3_stmt *stmt = get_stmt (self, STMT_DELETE_AGENT, error);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, agent_id);
  return step_done (self, stmt, "delete an agent", error);
}

static GPtrArray *
weft_store_sqlite_load_agents (WeftStore *store, GError **error)
{
  WeftStoreSqlite *self = WEFT_STORE_SQLITE (store);
  g_autoptr (GPtrArray) records = g_ptr_array_new_with_free_func (g_object_unref);
  sqlite3_stmt *stmt = get_stmt (self, STMT_LOAD_AGENTS, error);
  gint rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      WeftAgentRecord *record = weft_agent_record_new (column_text (stmt, 0));
      g_auto (GStrv) skills = strv_from_json (column_text (stmt, 5));
      g_auto (GStrv) mcp = strv_from_json (column_text (stmt, 6));

      weft_agent_record_set_hostname (record, column_text (stmt, 1));
      weft_agent_record_set_ip (record, column_text (stmt, 2));
      weft_agent_record_set_port (record, (guint16) sqlite3_column_int (stmt, 3));
      weft_agent_record_set_sidecar_peer_id (record, column_text (stmt, 4));
      weft_agent_record_set_skills (record, (const gchar *const *) skills);
      weft_agent_record_set_mcp_servers (record, (const gchar *const *) mcp);
      weft_agent_record_set_goals_count (record, (guint32) sqlite3_column_int64 (stmt, 7));
      weft_agent_record_set_capabilities_mode (record, column_text (stmt, 8));
      weft_agent_record_set_status (record, column_text (stmt, 9));
      weft_agent_record_set_mode (record, column_text (stmt, 10));
      weft_agent_record_set_registered_at (record, sqlite3_column_int64 (stmt, 11));
      weft_agent_record_set_last_heartbeat (record, sqlite3_column_int64 (stmt, 12));
      weft_agent_record_set_owner (record, column_text (stmt, 13));
      weft_agent_record_set_capacity (record, (guint32) sqlite3_column_int64 (stmt, 14));
      weft_agent_record_set_running_tasks (record, (guint32) sqlite3_column_int64 (stmt, 15));
      weft_agent_record_set_load (record, sqlite3_column_double (stmt, 16));
      g_ptr_array_add (records, record);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_db_error (self, "load agents", error);
      return NULL;
    }
  return g_steal_pointer (&records);
}

/* tasks: the task's own JSON codec is the stored form, so new WeftTask fields
 * need no migration; state and times are columns for queries and inspection */

static gboolean
weft_store_sqlite_save_tasks (WeftStore *store, GPtrArray *tasks, GError **error)
{
  WeftStoreSqlite *self = WEFT_STORE_SQLITE (store);

  if (!begin (self, error))
    return FALSE;
  for (guint i = 0; i < tasks->len; i++)
    {
      WeftStoreTask *stored = g_ptr_array_index (tasks, i);
      sqlite3_stmt *stmt = get_stmt (self, STMT_SAVE_TASK, error);
      g_autoptr (JsonNode) node = NULL;
      g_autofree gchar *body = NULL;

      if (stmt == NULL)
        return rollback (self);
      node = weft_task_to_json_node (stored->task);
      body = json_to_string (node, FALSE);
      bind_text (stmt, 1, weft_task_get_id (stored->task));
      bind_text (stmt, 2, weft_task_state_to_string (weft_task_get_state (stored->task)));
      sqlite3_bind_double (stmt, 3, weft_task_get_created_at (stored->task));
      sqlite3_bind_double (stmt, 4, weft_task_get_updated_at (stored->task));
      bind_text (stmt, 5, stored->submitter);
      bind_text (stmt, 6, body);
      if (!step_done (self, stmt, "save a task", error))
        return rollback (self);
    }
  return commit (self, error);
}

static gboolean
weft_store_sqlite_delete_tasks (WeftStore *store, const gchar *const *task_ids, GError **error)
{
  WeftStoreSqlite *self = WEFT_STORE_SQLITE (store);

  if (!begin (self, error))
    return FALSE;
  for (gsize i = 0; task_ids[i] != NULL; i++)
    {
      sqlite3_stmt *stmt = get_stmt (self, STMT_DELETE_TASK, error);

      if (stmt == NULL)
        return rollback (self);
      bind_text (stmt, 1, task_ids[i]);
      if (!step_done (self, stmt, "delete a task", error))
        return rollback (self);
    }
  return commit (self, error);
}

static GPtrArray *
weft_store_sqlite_load_tasks (WeftStore *store, GError **error)
{
  WeftStoreSqlite *self = WEFT_STORE_SQLITE (store);
  g_autoptr (GPtrArray) tasks =
    g_ptr_array_new_with_free_func ((GDestroyNotify) weft_store_task_free);
  sqlite3_stmt *stmt = get_stmt (self, STMT_LOAD_TASKS, error);
  gint rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr (JsonParser) parser = json_parser_new ();
      g_autoptr (GError) local_error = NULL;
      g_autoptr (WeftTask) task = NULL;
      const gchar *id = column_text (stmt, 0);

      if (!json_parser_load_from_data (parser, column_text (stmt, 2), -1, &local_error) ||
          (task = weft_task_new_from_json_node (json_parser_get_root (parser), &local_error)) ==
            NULL)
        {
          /* one unreadable row must not take the registry down; say so and go on */
          g_warning ("Database %s: skipping task %s that cannot be read: %s", self->path, id,
                     local_error->message);
          continue;
        }
      g_ptr_array_add (tasks, weft_store_task_new (task, column_text (stmt, 1)));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_db_error (self, "load tasks", error);
      return NULL;
    }
  return g_steal_pointer (&tasks);
}

/* pairing */

static gboolean
weft_store_sqlite_save_pairing_entry (WeftStore *store, WeftPairingEntry *entry, GError **error)
{
  WeftStoreSqlite *self = WEFT_STORE_SQLITE (store);
  sqlite3_stmt *stmt = get_stmt (self, STMT_SAVE_PAIRING, error);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, weft_pairing_entry_get_id (entry));
  bind_text (stmt, 2, weft_pairing_entry_get_agent_name (entry));
  bind_text (stmt, 3, weft_pairing_entry_get_peer_id (entry));
  bind_text (stmt, 4, weft_pairing_status_to_string (weft_pairing_entry_get_status (entry)));
  sqlite3_bind_int64 (stmt, 5, weft_pairing_entry_get_created_at (entry));
  sqlite3_bind_int64 (stmt, 6, weft_pairing_entry_get_updated_at (entry));
  bind_text (stmt, 7, weft_pairing_entry_get_claim_token_hash (entry));
  bind_text (stmt, 8, weft_pairing_entry_get_device_token_hash (entry));
  bind_text (stmt, 9, weft_pairing_entry_get_sealed_device_token (entry));
  sqlite3_bind_int (stmt, 10, weft_pairing_entry_get_claimed (entry) ? 1 : 0);
  return step_done (self, stmt, "save a pairing entry", error);
}

static GPtrArray *
weft_store_sqlite_load_pairing_entries (WeftStore *store, GError **error)
{
  WeftStoreSqlite *self = WEFT_STORE_SQLITE (store);
  g_autoptr (GPtrArray) entries = g_ptr_array_new_with_free_func (g_object_unref);
  sqlite3_stmt *stmt = get_stmt (self, STMT_LOAD_PAIRINGS, error);
  gint rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      WeftPairingEntry *entry;
      WeftPairingStatus status = WEFT_PAIRING_STATUS_PENDING_APPROVAL;

      entry = weft_pairing_entry_new (column_text (stmt, 0), column_text (stmt, 1),
                                      column_text (stmt, 2), sqlite3_column_int64 (stmt, 4));
      if (!weft_pairing_status_from_string (column_text (stmt, 3), &status))
        g_warning ("Database %s: pairing entry %s has unknown status %s", self->path,
                   column_text (stmt, 0), column_text (stmt, 3));
      weft_pairing_entry_set_status (entry, status);
      weft_pairing_entry_set_updated_at (entry, sqlite3_column_int64 (stmt, 5));
      weft_pairing_entry_set_claim_token_hash (entry, column_text (stmt, 6));
      weft_pairing_entry_set_device_token_hash (entry, column_text (stmt, 7));
      weft_pairing_entry_set_sealed_device_token (entry, column_text (stmt, 8));
      weft_pairing_entry_set_claimed (entry, sqlite3_column_int (stmt, 9) != 0);
      g_ptr_array_add (entries, entry);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_db_error (self, "load pairing entries", error);
      return NULL;
    }
  return g_steal_pointer (&entries);
}

static gboolean
weft_store_sqlite_save_invite_code (WeftStore *store, WeftStoreInviteCode *code, GError **error)
{
  WeftStoreSqlite *self = WEFT_STORE_SQLITE (store);
  sqlite3_stmt *stmt = get_stmt (self, STMT_SAVE_CODE, error);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, code->code);
  bind_text (stmt, 2, code->creator);
  sqlite3_bind_int64 (stmt, 3, code->created_at);
  sqlite3_bind_int (stmt, 4, code->used ? 1 : 0);
  return step_done (self, stmt, "save an invite code", error);
}

static gboolean
weft_store_sqlite_delete_invite_codes (WeftStore *store, const gchar *const *codes, GError **error)
{
  WeftStoreSqlite *self = WEFT_STORE_SQLITE (store);

  if (!begin (self, error))
    return FALSE;
  for (gsize i = 0; codes[i] != NULL; i++)
    {
      sqlite3_stmt *stmt = get_stmt (self, STMT_DELETE_CODE, error);

      if (stmt == NULL)
        return rollback (self);
      bind_text (stmt, 1, codes[i]);
      if (!step_done (self, stmt, "delete an invite code", error))
        return rollback (self);
    }
  return commit (self, error);
}

static GPtrArray *
weft_store_sqlite_load_invite_codes (WeftStore *store, GError **error)
{
  WeftStoreSqlite *self = WEFT_STORE_SQLITE (store);
  g_autoptr (GPtrArray) codes =
    g_ptr_array_new_with_free_func ((GDestroyNotify) weft_store_invite_code_free);
  sqlite3_stmt *stmt = get_stmt (self, STMT_LOAD_CODES, error);
  gint rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (codes, weft_store_invite_code_new (
                              column_text (stmt, 0), column_text (stmt, 1),
                              sqlite3_column_int64 (stmt, 2), sqlite3_column_int (stmt, 3) != 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_db_error (self, "load invite codes", error);
      return NULL;
    }
  return g_steal_pointer (&codes);
}

/* api keys */

static gboolean
weft_store_sqlite_save_api_key (WeftStore *store, WeftStoreApiKey *key, GError **error)
{
  WeftStoreSqlite *self = WEFT_STORE_SQLITE (store);
  sqlite3_stmt *stmt = get_stmt (self, STMT_SAVE_KEY, error);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, key->id);
  bind_text (stmt, 2, key->key_hash);
  bind_text (stmt, 3, key->peer_id);
  bind_text (stmt, 4, key->role);
  sqlite3_bind_int64 (stmt, 5, key->created_at);
  return step_done (self, stmt, "save an API key", error);
}

static gboolean
weft_store_sqlite_delete_api_key (WeftStore *store, const gchar *id, GError **error)
{
  WeftStoreSqlite *self = WEFT_STORE_SQLITE (store);
  sqlite3_stmt *stmt = get_stmt (self, STMT_DELETE_KEY, error);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, id);
  if (!step_done (self, stmt, "delete an API key", error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND, _ ("No API key with id “%s”"), id);
      return FALSE;
    }
  return TRUE;
}

static GPtrArray *
weft_store_sqlite_load_api_keys (WeftStore *store, GError **error)
{
  WeftStoreSqlite *self = WEFT_STORE_SQLITE (store);
  g_autoptr (GPtrArray) keys =
    g_ptr_array_new_with_free_func ((GDestroyNotify) weft_store_api_key_free);
  sqlite3_stmt *stmt = get_stmt (self, STMT_LOAD_KEYS, error);
  gint rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (keys, weft_store_api_key_new (column_text (stmt, 0), column_text (stmt, 1),
                                                   column_text (stmt, 2), column_text (stmt, 3),
                                                   sqlite3_column_int64 (stmt, 4)));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_db_error (self, "load API keys", error);
      return NULL;
    }
  return g_steal_pointer (&keys);
}

static void
weft_store_sqlite_iface_init (WeftStoreInterface *iface)
{
  iface->save_agents = weft_store_sqlite_save_agents;
  iface->delete_agent = weft_store_sqlite_delete_agent;
  iface->load_agents = weft_store_sqlite_load_agents;
  iface->save_tasks = weft_store_sqlite_save_tasks;
  iface->delete_tasks = weft_store_sqlite_delete_tasks;
  iface->load_tasks = weft_store_sqlite_load_tasks;
  iface->save_pairing_entry = weft_store_sqlite_save_pairing_entry;
  iface->load_pairing_entries = weft_store_sqlite_load_pairing_entries;
  iface->save_invite_code = weft_store_sqlite_save_invite_code;
  iface->delete_invite_codes = weft_store_sqlite_delete_invite_codes;
  iface->load_invite_codes = weft_store_sqlite_load_invite_codes;
  iface->save_api_key = weft_store_sqlite_save_api_key;
  iface->delete_api_key = weft_store_sqlite_delete_api_key;
  iface->load_api_keys = weft_store_sqlite_load_api_keys;
}

static void
weft_store_sqlite_finalize (GObject *object)
{
  WeftStoreSqlite *self = WEFT_STORE_SQLITE (object);

  for (guint i = 0; i < N_STMTS; i++)
    sqlite3_finalize (self->stmts[i]);
  if (self->db != NULL)
    sqlite3_close (self->db);
  g_free (self->path);

  G_OBJECT_CLASS (weft_store_sqlite_parent_class)->finalize (object);
}

static void
weft_store_sqlite_class_init (WeftStoreSqliteClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = weft_store_sqlite_finalize;
}

static void
weft_store_sqlite_init (WeftStoreSqlite *self)
{
}

static gint
read_schema_version (WeftStoreSqlite *self, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  gint version = -1;

  if (!exec_sql (self, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
                 "create the schema version table", error))
    return -1;
  if (sqlite3_prepare_v2 (self->db, "SELECT MAX(version) FROM schema_version", -1, &stmt, NULL) !=
      SQLITE_OK)
    {
      set_db_error (self, "read the schema version", error);
      return -1;
    }
  if (sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_type (stmt, 0) == SQLITE_NULL ? 0 : sqlite3_column_int (stmt, 0);
  else
    set_db_error (self, "read the schema version", error);
  sqlite3_finalize (stmt);
  return version;
}

static gboolean
migrate (WeftStoreSqlite *self, GError **error)
{
  gint version;

  if (!exec_sql (self, "BEGIN IMMEDIATE", "begin the migration", error))
    return FALSE;
  version = read_schema_version (self, error);
  if (version < 0)
    return rollback (self);
  if (version > WEFT_STORE_SQLITE_SCHEMA_VERSION)
    {
      rollback (self);
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_NOT_SUPPORTED,
                   _ ("Database %s has schema version %d but this weft-registry knows only up "
                      "to %d; use a newer weft-registry or another --db"),
                   self->path, version, WEFT_STORE_SQLITE_SCHEMA_VERSION);
      return FALSE;
    }
  for (gint v = version; v < WEFT_STORE_SQLITE_SCHEMA_VERSION; v++)
    {
      g_autofree gchar *record = NULL;

      if (!exec_sql (self, migrations[v], "migrate the schema", error))
        return rollback (self);
      record = g_strdup_printf ("DELETE FROM schema_version; INSERT INTO schema_version "
                                "(version) VALUES (%d)",
                                v + 1);
      if (!exec_sql (self, record, "record the schema version", error))
        return rollback (self);
      g_debug ("database %s migrated to schema version %d", self->path, v + 1);
    }
  if (!exec_sql (self, "COMMIT", "commit the migration", error))
    return rollback (self);
  self->schema_version = WEFT_STORE_SQLITE_SCHEMA_VERSION;
  return TRUE;
}

static gboolean
open_database (WeftStoreSqlite *self, GError **error)
{
  gint flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;

  if (g_strcmp0 (self->path, ":memory:") != 0)
    {
      g_autofree gchar *dir = g_path_get_dirname (self->path);

      if (g_mkdir_with_parents (dir, 0700) != 0)
        {
          gint saved_errno = errno;

          g_set_error (error, WEFT_ERROR, WEFT_ERROR_FAILED,
                       _ ("Cannot create the directory %s for the database: %s"), dir,
                       g_strerror (saved_errno));
          return FALSE;
        }
    }
  if (sqlite3_open_v2 (self->path, &self->db, flags, NULL) != SQLITE_OK)
    {
      if (self->db == NULL)
        {
          g_set_error (error, WEFT_ERROR, WEFT_ERROR_FAILED,
                       _ ("Cannot open database %s: out of memory"), self->path);
          return FALSE;
        }
      return set_db_error (self, "open the database", error);
    }
  sqlite3_extended_result_codes (self->db, 0);
  sqlite3_busy_timeout (self->db, BUSY_TIMEOUT_MS);
  /* see the comment at the top of the file for why FULL */
  if (!exec_sql (self, "PRAGMA journal_mode=WAL", "switch to WAL mode", error) ||
      !exec_sql (self, "PRAGMA synchronous=FULL", "set synchronous=FULL", error) ||
      !exec_sql (self, "PRAGMA foreign_keys=ON", "enable foreign keys", error))
    return FALSE;
  return migrate (self, error);
}

WeftStoreSqlite *
weft_store_sqlite_new (const gchar *path, GError **error)
{
  g_autoptr (WeftStoreSqlite) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (WEFT_TYPE_STORE_SQLITE, NULL);
  self->path = g_strdup (path);
  if (!open_database (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

const gchar *
weft_store_sqlite_get_path (WeftStoreSqlite *self)
{
  g_return_val_if_fail (WEFT_IS_STORE_SQLITE (self), NULL);
  return self->path;
}

gint
weft_store_sqlite_get_schema_version (WeftStoreSqlite *self)
{
  g_return_val_if_fail (WEFT_IS_STORE_SQLITE (self), 0);
  return self->schema_version;
}

void
weft_store_sqlite_set_busy_timeout (WeftStoreSqlite *self, guint timeout_ms)
{
  g_return_if_fail (WEFT_IS_STORE_SQLITE (self));
  sqlite3_busy_timeout (self->db, (gint) MIN (timeout_ms, (guint) G_MAXINT));
}

gchar *
weft_store_sqlite_default_path (void)
{
  return g_build_filename (g_get_user_state_dir (), "weft", "registry.db", NULL);
}
