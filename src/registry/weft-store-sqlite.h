/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "weft-store.h"

G_BEGIN_DECLS

/* the schema version this build writes; older databases are migrated on open */
#define WEFT_STORE_SQLITE_SCHEMA_VERSION 1

#define WEFT_TYPE_STORE_SQLITE (weft_store_sqlite_get_type ())
G_DECLARE_FINAL_TYPE (WeftStoreSqlite, weft_store_sqlite, WEFT, STORE_SQLITE, GObject)

/* opens (creating parent directories and the file when missing) and migrates
 * @path; ":memory:" gives a private in-memory database for tests */
WeftStoreSqlite *
weft_store_sqlite_new (const gchar *path, GError **error);
const gchar *
weft_store_sqlite_get_path (WeftStoreSqlite *self);
gint
weft_store_sqlite_get_schema_version (WeftStoreSqlite *self);
/* how long a write waits for another process's lock before failing with
 * UNAVAILABLE; 5000 ms by default */
void
weft_store_sqlite_set_busy_timeout (WeftStoreSqlite *self, guint timeout_ms);

/* the default database: $XDG_STATE_HOME/weft/registry.db */
gchar *
weft_store_sqlite_default_path (void);

G_END_DECLS
