/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <sqlite3.h>

#include <glib/gstdio.h>

#include "weft.h"
#include "weft-agent-directory.h"
#include "weft-store-sqlite.h"

#define T0 ((gint64) 1775013217 * G_USEC_PER_SEC)

typedef struct
{
  gchar *dir;
  gchar *path;
  gint64 now;
  WeftStore *store;
  WeftAgentDirectory *directory;
  GPtrArray *events; /* (element-type utf8) "agent:old>new" from health-changed */
} Fixture;

static gint64
fake_clock (gpointer user_data)
{
  return ((Fixture *) user_data)->now;
}

static void
on_health_changed (WeftAgentDirectory *directory,
                   const gchar *agent_id,
                   gint old_health,
                   gint new_health,
                   Fixture *f)
{
  g_ptr_array_add (f->events,
                   g_strdup_printf ("%s:%s>%s", agent_id, weft_agent_health_to_string (old_health),
                                    weft_agent_health_to_string (new_health)));
}

static void
open_directory (Fixture *f)
{
  g_autoptr (GError) error = NULL;

  f->store = WEFT_STORE (weft_store_sqlite_new (f->path, &error));
  g_assert_no_error (error);
  f->directory = weft_agent_directory_new (f->store, &error);
  g_assert_no_error (error);
  weft_agent_directory_set_clock (f->directory, fake_clock, f);
  g_signal_connect (f->directory, "health-changed", G_CALLBACK (on_health_changed), f);
}

static void
close_directory (Fixture *f)
{
  g_clear_object (&f->directory);
  g_clear_object (&f->store);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("weft-directory-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "registry.db", NULL);
  f->now = T0;
  f->events = g_ptr_array_new_with_free_func (g_free);
  open_directory (f);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  const gchar *suffixes[] = { "", "-wal", "-shm" };

  close_directory (f);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree gchar *file = g_strconcat (f->path, suffixes[i], NULL);

      g_unlink (file);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->path);
  g_ptr_array_unref (f->events);
}

static WeftAgentRecord *
register_json (Fixture *f, const gchar *json, const WeftActor *actor)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftAgentRecord) info = weft_agent_record_from_json (json, -1, &error);
  WeftAgentRecord *record;

  g_assert_no_error (error);
  record = weft_agent_directory_register (f->directory, info, actor, &error);
  g_assert_no_error (error);
  return record;
}

static WeftAgentRecord *
heartbeat_json (Fixture *f, const gchar *json, const WeftActor *actor, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (WeftAgentHeartbeat) hb = weft_agent_heartbeat_from_json (json, -1, &local_error);

  g_assert_no_error (local_error);
  return weft_agent_directory_heartbeat (f->directory, hb, actor, error);
}

/* decoders */

static void
test_registration_body (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftAgentRecord) record = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autofree gchar *json = NULL;

  record =
    weft_agent_record_from_json ("{\"agent_id\":\"a\",\"hostname\":\"h\",\"extra\":1}", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (weft_agent_record_get_ip (record), ==, "");
  g_assert_cmpuint (weft_agent_record_get_port (record), ==, 8000);
  g_assert_cmpstr (weft_agent_record_get_sidecar_peer_id (record), ==, "");
  g_assert_cmpuint (g_strv_length ((gchar **) weft_agent_record_get_skills (record)), ==, 0);
  g_assert_cmpuint (weft_agent_record_get_goals_count (record), ==, 0);
  g_assert_cmpstr (weft_agent_record_get_status (record), ==, "");
  g_clear_object (&record);

  record = weft_agent_record_from_json (
    "{\"agent_id\":\"alpha\",\"hostname\":\"h1\",\"ip\":\"10.0.0.1\",\"port\":9000,"
    "\"sidecar_peer_id\":\"alpha-sidecar\",\"capabilities\":{\"skills\":[\"echo\"],"
    "\"mcp_servers\":[\"fs\"],\"goals_count\":2,\"mode\":\"cap\"},\"status\":\"s\",\"mode\":\"m\"}",
    -1, &error);
  g_assert_no_error (error);
  weft_agent_record_set_registered_at (record, T0 + 123456);
  weft_agent_record_set_last_heartbeat (record, T0);
  node = weft_agent_record_to_json (record);
  json = json_to_string (node, FALSE);
  g_assert_cmpstr (
    json, ==,
    "{\"agent_id\":\"alpha\",\"hostname\":\"h1\",\"ip\":\"10.0.0.1\",\"port\":9000,"
    "\"sidecar_peer_id\":\"alpha-sidecar\",\"capabilities\":{\"skills\":[\"echo\"],"
    "\"mcp_servers\":[\"fs\"],\"goals_count\":2,\"mode\":\"cap\"},\"status\":\"s\",\"mode\":\"m\","
    "\"health\":\"active\",\"registered_at\":\"2026-04-01T03:13:37.123456+00:00\","
    "\"last_heartbeat\":\"2026-04-01T03:13:37+00:00\",\"capacity\":0,\"running_tasks\":0,"
    "\"load\":0.0}");
}

static void
test_registration_body_errors (void)
{
  struct
  {
    const gchar *body;
    gint code;
    const gchar *mentions;
  } cases[] = {
    { "", WEFT_ERROR_INVALID_DATA, NULL },
    { "{\"agent_id\":", WEFT_ERROR_INVALID_DATA, NULL },
    { "not json", WEFT_ERROR_INVALID_DATA, NULL },
    { "{\"agent_id\":\"\xff\xfe\",\"hostname\":\"h\"}", WEFT_ERROR_INVALID_DATA, "UTF-8" },
    { "[1,2]", WEFT_ERROR_INVALID_ARGUMENT, NULL },
    { "{\"hostname\":\"h\"}", WEFT_ERROR_INVALID_ARGUMENT, "agent_id" },
    { "{\"agent_id\":\"a\"}", WEFT_ERROR_INVALID_ARGUMENT, "hostname" },
    { "{\"agent_id\":5,\"hostname\":\"h\"}", WEFT_ERROR_INVALID_ARGUMENT, "agent_id" },
    { "{\"agent_id\":\"a\",\"hostname\":null}", WEFT_ERROR_INVALID_ARGUMENT, "hostname" },
    { "{\"agent_id\":\"a\",\"hostname\":\"h\",\"port\":70000}", WEFT_ERROR_INVALID_ARGUMENT,
      "port" },
    { "{\"agent_id\":\"a\",\"hostname\":\"h\",\"port\":-1}", WEFT_ERROR_INVALID_ARGUMENT, "port" },
    { "{\"agent_id\":\"a\",\"hostname\":\"h\",\"port\":80.5}", WEFT_ERROR_INVALID_ARGUMENT,
      "port" },
    { "{\"agent_id\":\"a\",\"hostname\":\"h\",\"port\":\"80\"}", WEFT_ERROR_INVALID_ARGUMENT,
      "port" },
    { "{\"agent_id\":\"a\",\"hostname\":\"h\",\"capabilities\":[]}", WEFT_ERROR_INVALID_ARGUMENT,
      "capabilities" },
    { "{\"agent_id\":\"a\",\"hostname\":\"h\",\"capabilities\":{\"skills\":[1]}}",
      WEFT_ERROR_INVALID_ARGUMENT, "skills" },
    { "{\"agent_id\":\"a\",\"hostname\":\"h\",\"capabilities\":{\"goals_count\":-2}}",
      WEFT_ERROR_INVALID_ARGUMENT, "goals_count" },
    { "{\"agent_id\":\"a\",\"hostname\":\"h\",\"status\":{}}", WEFT_ERROR_INVALID_ARGUMENT,
      "status" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (WeftAgentRecord) record = weft_agent_record_from_json (cases[i].body, -1, &error);
      /* escaped: the TAP output must stay UTF-8 when the body is not */
      g_autofree gchar *shown = g_strescape (cases[i].body, NULL);

      g_test_message ("body: %s", shown);
      g_assert_null (record);
      g_assert_error (error, WEFT_ERROR, cases[i].code);
      if (cases[i].mentions != NULL)
        g_assert_nonnull (strstr (error->message, cases[i].mentions));
    }
}

static void
test_heartbeat_body (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftAgentHeartbeat) hb = NULL;

  hb = weft_agent_heartbeat_from_json ("{\"agent_id\":\"a\"}", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hb->present, ==, 0);
  g_assert_cmpuint (hb->port, ==, 8000);
  g_assert_cmpstr (hb->hostname, ==, "");
  g_assert_cmpuint (g_strv_length (hb->skill_names), ==, 0);
  g_clear_pointer (&hb, weft_agent_heartbeat_free);

  hb = weft_agent_heartbeat_from_json (
    "{\"agent_id\":\"a\",\"hostname\":\"h\",\"port\":1,\"skills_count\":2,\"goals_count\":3,"
    "\"uptime_seconds\":99,\"skill_names\":[\"x\",\"y\"],\"sidecar_peer_id\":\"p\","
    "\"capacity\":4,\"running_tasks\":1,\"load\":0.5}",
    -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hb->port, ==, 1);
  g_assert_cmpuint (hb->goals_count, ==, 3);
  g_assert_cmpuint (hb->uptime_seconds, ==, 99);
  g_assert_cmpstr (hb->skill_names[1], ==, "y");
  g_assert_cmpuint (hb->capacity, ==, 4);
  g_assert_cmpfloat (hb->load, ==, 0.5);
  g_assert_true (hb->present & WEFT_AGENT_HEARTBEAT_SKILL_NAMES);
  g_assert_true (hb->present & WEFT_AGENT_HEARTBEAT_HOSTNAME);
  g_assert_false (hb->present & WEFT_AGENT_HEARTBEAT_IP);
  g_clear_pointer (&hb, weft_agent_heartbeat_free);

  hb = weft_agent_heartbeat_from_json ("{\"hostname\":\"h\"}", -1, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "agent_id"));
  g_clear_error (&error);
  hb = weft_agent_heartbeat_from_json ("{\"agent_id\":\"a\",\"skill_names\":\"x\"}", -1, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "skill_names"));
  g_clear_error (&error);
  hb = weft_agent_heartbeat_from_json ("{\"agent_id\":\"a\",\"uptime_seconds\":-5}", -1, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  hb = weft_agent_heartbeat_from_json ("{\"agent_id\":\"a\",\"load\":\"high\"}", -1, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  hb = weft_agent_heartbeat_from_json ("{\"agent_id\":\"a\"", -1, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA);
}

/* directory */

static void
test_register_overwrites_and_persists (Fixture *f, gconstpointer data)
{
  g_autoptr (WeftAgentRecord) first = NULL;
  g_autoptr (WeftAgentRecord) second = NULL;
  g_autoptr (WeftAgentRecord) got = NULL;
  g_autoptr (GError) error = NULL;

  first = register_json (f,
                         "{\"agent_id\":\"alpha\",\"hostname\":\"h1\",\"ip\":\"10.0.0.1\","
                         "\"capabilities\":{\"skills\":[\"echo\"]}}",
                         NULL);
  g_assert_cmpint (weft_agent_record_get_registered_at (first), ==, T0);
  f->now += 5 * G_USEC_PER_SEC;
  /* registration replaces everything, ip included */
  second = register_json (f, "{\"agent_id\":\"alpha\",\"hostname\":\"h2\"}", NULL);
  g_assert_cmpstr (weft_agent_record_get_ip (second), ==, "");
  g_assert_cmpint (weft_agent_record_get_registered_at (second), ==, f->now);
  g_assert_cmpuint (weft_agent_directory_get_size (f->directory), ==, 1);

  close_directory (f);
  open_directory (f);
  got = weft_agent_directory_get (f->directory, "alpha", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (weft_agent_record_get_hostname (got), ==, "h2");
  g_assert_cmpint (weft_agent_record_get_health (got), ==, WEFT_AGENT_HEALTH_ACTIVE);
  g_assert_null (weft_agent_directory_get (f->directory, "nobody", &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND);
}

static void
test_heartbeat_keeps_omitted_fields (Fixture *f, gconstpointer data)
{
  g_autoptr (WeftAgentRecord) record = NULL;
  g_autoptr (GError) error = NULL;

  g_clear_object (&record);
  record = register_json (f,
                          "{\"agent_id\":\"alpha\",\"hostname\":\"h1\",\"ip\":\"10.0.0.1\","
                          "\"port\":9000,\"status\":\"ready\",\"mode\":\"m\","
                          "\"sidecar_peer_id\":\"alpha-sidecar\","
                          "\"capabilities\":{\"skills\":[\"echo\"],\"mcp_servers\":[\"fs\"],"
                          "\"mode\":\"cm\"}}",
                          NULL);
  g_clear_object (&record);
  f->now += 15 * G_USEC_PER_SEC;
  /* what the Python agent sends: no ip, port, status or mode */
  record = heartbeat_json (f,
                           "{\"agent_id\":\"alpha\",\"hostname\":\"h1\",\"skills_count\":2,"
                           "\"skill_names\":[\"echo\",\"sum\"],\"sidecar_peer_id\":\"\"}",
                           NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (weft_agent_record_get_ip (record), ==, "10.0.0.1");
  g_assert_cmpuint (weft_agent_record_get_port (record), ==, 9000);
  g_assert_cmpstr (weft_agent_record_get_status (record), ==, "ready");
  g_assert_cmpstr (weft_agent_record_get_mode (record), ==, "m");
  /* an empty sidecar_peer_id never replaces one, as in the reference */
  g_assert_cmpstr (weft_agent_record_get_sidecar_peer_id (record), ==, "alpha-sidecar");
  g_assert_true (weft_agent_record_has_skill (record, "sum"));
  g_assert_cmpstr (weft_agent_record_get_mcp_servers (record)[0], ==, "fs");
  g_assert_cmpstr (weft_agent_record_get_capabilities_mode (record), ==, "cm");
  g_assert_cmpint (weft_agent_record_get_last_heartbeat (record), ==, f->now);
  g_assert_cmpint (weft_agent_record_get_registered_at (record), ==, T0);
  g_clear_object (&record);

  /* the skill change was durable at once */
  close_directory (f);
  open_directory (f);
  record = weft_agent_directory_get (f->directory, "alpha", &error);
  g_assert_true (weft_agent_record_has_skill (record, "sum"));
  g_assert_cmpint (weft_agent_record_get_last_heartbeat (record), ==, f->now);
}

static void
test_heartbeat_creates_unknown_agent (Fixture *f, gconstpointer data)
{
  g_autoptr (WeftAgentRecord) record = NULL;
  g_autoptr (GError) error = NULL;

  record = heartbeat_json (f, "{\"agent_id\":\"ghost\",\"mode\":\"auto\",\"skill_names\":[\"x\"]}",
                           NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (weft_agent_record_get_mode (record), ==, "auto");
  g_assert_cmpstr (weft_agent_record_get_capabilities_mode (record), ==, "auto");
  g_assert_cmpuint (weft_agent_record_get_port (record), ==, 8000);
  g_assert_cmpint (weft_agent_record_get_registered_at (record), ==, T0);
  g_assert_cmpuint (weft_agent_directory_get_size (f->directory), ==, 1);
}

static void
test_heartbeat_coalesced (Fixture *f, gconstpointer data)
{
  g_autoptr (WeftAgentRecord) record = NULL;
  g_autoptr (GError) error = NULL;
  gint64 beat;

  record = register_json (f, "{\"agent_id\":\"alpha\",\"hostname\":\"h\"}", NULL);
  g_clear_object (&record);
  f->now += 10 * G_USEC_PER_SEC;
  beat = f->now;
  record = heartbeat_json (f, "{\"agent_id\":\"alpha\",\"hostname\":\"h\",\"running_tasks\":2}",
                           NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&record);

  /* not written yet: a second connection to the database sees the old time */
  {
    g_autoptr (WeftStoreSqlite) other = weft_store_sqlite_new (f->path, &error);
    g_autoptr (GPtrArray) rows = weft_store_load_agents (WEFT_STORE (other), &error);

    g_assert_cmpint (weft_agent_record_get_last_heartbeat (g_ptr_array_index (rows, 0)), ==, T0);
  }
  g_assert_true (weft_agent_directory_flush (f->directory, &error));
  g_assert_no_error (error);
  {
    g_autoptr (WeftStoreSqlite) other = weft_store_sqlite_new (f->path, &error);
    g_autoptr (GPtrArray) rows = weft_store_load_agents (WEFT_STORE (other), &error);

    g_assert_cmpint (weft_agent_record_get_last_heartbeat (g_ptr_array_index (rows, 0)), ==, beat);
    g_assert_cmpuint (weft_agent_record_get_running_tasks (g_ptr_array_index (rows, 0)), ==, 2);
  }
}

static void
test_heartbeat_flushed_on_close (Fixture *f, gconstpointer data)
{
  g_autoptr (WeftAgentRecord) record = NULL;
  g_autoptr (GError) error = NULL;

  record = register_json (f, "{\"agent_id\":\"alpha\",\"hostname\":\"h\"}", NULL);
  g_clear_object (&record);
  f->now += 7 * G_USEC_PER_SEC;
  record = heartbeat_json (f, "{\"agent_id\":\"alpha\"}", NULL, &error);
  g_clear_object (&record);
  /* a clean shutdown writes what was coalesced */
  close_directory (f);
  open_directory (f);
  record = weft_agent_directory_get (f->directory, "alpha", &error);
  g_assert_cmpint (weft_agent_record_get_last_heartbeat (record), ==, f->now);
}

static void
test_failed_write_changes_nothing (Fixture *f, gconstpointer data)
{
  g_autoptr (WeftAgentRecord) record = NULL;
  g_autoptr (WeftAgentRecord) info = NULL;
  g_autoptr (GError) error = NULL;
  sqlite3 *other = NULL;

  record = register_json (f, "{\"agent_id\":\"alpha\",\"hostname\":\"h\"}", NULL);
  g_clear_object (&record);
  weft_store_sqlite_set_busy_timeout (WEFT_STORE_SQLITE (f->store), 20);
  g_assert_cmpint (sqlite3_open (f->path, &other), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (other, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);

  info = weft_agent_record_from_json ("{\"agent_id\":\"beta\",\"hostname\":\"h\"}", -1, NULL);
  record = weft_agent_directory_register (f->directory, info, NULL, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  g_assert_cmpuint (weft_agent_directory_get_size (f->directory), ==, 1);
  record = heartbeat_json (f, "{\"agent_id\":\"alpha\",\"hostname\":\"changed\"}", NULL, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  g_assert_false (weft_agent_directory_remove (f->directory, "alpha", NULL, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_UNAVAILABLE);
  g_clear_error (&error);
  record = weft_agent_directory_get (f->directory, "alpha", &error);
  g_assert_cmpstr (weft_agent_record_get_hostname (record), ==, "h");

  sqlite3_exec (other, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_close (other);
}

static void
test_heartbeat_flushed_by_timer (Fixture *f, gconstpointer data)
{
  g_autoptr (WeftAgentRecord) record = NULL;
  g_autoptr (GError) error = NULL;
  gboolean timed_out = FALSE;

  g_object_set (f->directory, "flush-interval-ms", 20, NULL);
  record = register_json (f, "{\"agent_id\":\"alpha\",\"hostname\":\"h\"}", NULL);
  g_clear_object (&record);
  f->now += G_USEC_PER_SEC;
  record = heartbeat_json (f, "{\"agent_id\":\"alpha\"}", NULL, &error);
  g_clear_object (&record);

  {
    gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
    gint64 stored = T0;

    while (stored != f->now && !timed_out)
      {
        g_autoptr (WeftStoreSqlite) other = NULL;
        g_autoptr (GPtrArray) rows = NULL;

        g_main_context_iteration (NULL, FALSE);
        g_usleep (5000);
        other = weft_store_sqlite_new (f->path, &error);
        rows = weft_store_load_agents (WEFT_STORE (other), &error);
        stored = weft_agent_record_get_last_heartbeat (g_ptr_array_index (rows, 0));
        timed_out = g_get_monotonic_time () > deadline;
      }
    g_assert_false (timed_out);
  }
}

static void
test_health_thresholds (Fixture *f, gconstpointer data)
{
  g_autoptr (WeftAgentRecord) record = NULL;
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GError) error = NULL;

  record = register_json (f, "{\"agent_id\":\"alpha\",\"hostname\":\"h\"}", NULL);
  g_clear_object (&record);
  g_assert_cmpuint (weft_agent_directory_get_stale_after_ms (f->directory), ==, 90000);
  g_assert_cmpuint (weft_agent_directory_get_offline_after_ms (f->directory), ==, 270000);

  f->now = T0 + 90 * G_USEC_PER_SEC;
  g_assert_cmpint (weft_agent_directory_get_health (f->directory, "alpha"), ==,
                   WEFT_AGENT_HEALTH_ACTIVE);
  f->now = T0 + 91 * G_USEC_PER_SEC;
  g_assert_cmpint (weft_agent_directory_get_health (f->directory, "alpha"), ==,
                   WEFT_AGENT_HEALTH_STALE);
  list = weft_agent_directory_list (f->directory);
  g_assert_cmpint (weft_agent_record_get_health (g_ptr_array_index (list, 0)), ==,
                   WEFT_AGENT_HEALTH_STALE);
  weft_agent_directory_tick (f->directory);
  g_assert_cmpuint (f->events->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (f->events, 0), ==, "alpha:active>stale");
  weft_agent_directory_tick (f->directory);
  g_assert_cmpuint (f->events->len, ==, 1);

  f->now = T0 + 271 * G_USEC_PER_SEC;
  weft_agent_directory_tick (f->directory);
  g_assert_cmpstr (g_ptr_array_index (f->events, 1), ==, "alpha:stale>offline");
  /* offline agents stay listed */
  g_clear_pointer (&list, g_ptr_array_unref);
  list = weft_agent_directory_list (f->directory);
  g_assert_cmpuint (list->len, ==, 1);

  record = heartbeat_json (f, "{\"agent_id\":\"alpha\"}", NULL, &error);
  g_assert_cmpstr (g_ptr_array_index (f->events, 2), ==, "alpha:offline>active");

  /* configurable, so tests of the server run in seconds */
  weft_agent_directory_set_thresholds (f->directory, 1000, 3000);
  f->now += 1500 * 1000;
  g_assert_cmpint (weft_agent_directory_get_health (f->directory, "alpha"), ==,
                   WEFT_AGENT_HEALTH_STALE);
  f->now += 2000 * 1000;
  g_assert_cmpint (weft_agent_directory_get_health (f->directory, "alpha"), ==,
                   WEFT_AGENT_HEALTH_OFFLINE);
}

static void
test_route_least_loaded (Fixture *f, gconstpointer data)
{
  g_autoptr (WeftAgentRecord) record = NULL;
  g_autoptr (GError) error = NULL;
  const gchar *names[] = { "a1", "a2", "a3" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree gchar *json = g_strdup_printf (
        "{\"agent_id\":\"%s\",\"hostname\":\"h\",\"capabilities\":{\"skills\":[\"echo\"]}}",
        names[i]);

      g_clear_object (&record);
      record = register_json (f, json, NULL);
    }
  g_clear_object (&record);
  record = register_json (f, "{\"agent_id\":\"other\",\"hostname\":\"h\"}", NULL);

  /* a1 busy 2 of 4 (0.5), a2 busy 1 of 1 (1.0), a3 busy 1 of 4 (0.25) */
  g_clear_object (&record);
  record =
    heartbeat_json (f, "{\"agent_id\":\"a1\",\"capacity\":4,\"running_tasks\":2}", NULL, &error);
  g_clear_object (&record);
  record =
    heartbeat_json (f, "{\"agent_id\":\"a2\",\"capacity\":1,\"running_tasks\":1}", NULL, &error);
  g_clear_object (&record);
  record =
    heartbeat_json (f, "{\"agent_id\":\"a3\",\"capacity\":4,\"running_tasks\":1}", NULL, &error);
  g_clear_object (&record);
  record = weft_agent_directory_route (f->directory, "echo", FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (weft_agent_record_get_agent_id (record), ==, "a3");
  g_assert_false (weft_agent_directory_has_free_slot (f->directory, "a2"));
  g_assert_true (weft_agent_directory_has_free_slot (f->directory, "a3"));

  /* the registry's own count of handed-out tasks counts too */
  weft_agent_directory_set_inflight (f->directory, "a3", 3);
  g_clear_object (&record);
  record = weft_agent_directory_route (f->directory, "echo", FALSE, &error);
  g_assert_cmpstr (weft_agent_record_get_agent_id (record), ==, "a1");

  /* stale agents are never routed to */
  f->now += 100 * G_USEC_PER_SEC;
  g_clear_object (&record);
  record =
    heartbeat_json (f, "{\"agent_id\":\"a2\",\"capacity\":1,\"running_tasks\":1}", NULL, &error);
  g_clear_object (&record);
  record = weft_agent_directory_route (f->directory, "echo", FALSE, &error);
  g_assert_cmpstr (weft_agent_record_get_agent_id (record), ==, "a2");

  /* exact, case-sensitive skill match */
  g_clear_object (&record);
  record = weft_agent_directory_route (f->directory, "Echo", FALSE, &error);
  g_assert_null (record);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* push-only routing needs a /ws connection */
  record = weft_agent_directory_route (f->directory, "echo", TRUE, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND);
  g_clear_error (&error);
  weft_agent_directory_set_push_connected (f->directory, "a2", TRUE);
  record = weft_agent_directory_route (f->directory, "echo", TRUE, &error);
  g_assert_cmpstr (weft_agent_record_get_agent_id (record), ==, "a2");
}

static void
test_route_ties_rotate (Fixture *f, gconstpointer data)
{
  g_autoptr (WeftAgentRecord) record = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *first = NULL;

  record = register_json (
    f, "{\"agent_id\":\"b\",\"hostname\":\"h\",\"capabilities\":{\"skills\":[\"s\"]}}", NULL);
  g_clear_object (&record);
  record = register_json (
    f, "{\"agent_id\":\"a\",\"hostname\":\"h\",\"capabilities\":{\"skills\":[\"s\"]}}", NULL);
  g_clear_object (&record);
  record = weft_agent_directory_route (f->directory, "s", FALSE, &error);
  first = g_strdup (weft_agent_record_get_agent_id (record));
  g_assert_cmpstr (first, ==, "a");
  /* after a's task finished (inflight back to 0) the next tie goes to b */
  weft_agent_directory_note_assigned (f->directory, "a");
  weft_agent_directory_set_inflight (f->directory, "a", 0);
  g_clear_object (&record);
  record = weft_agent_directory_route (f->directory, "s", FALSE, &error);
  g_assert_cmpstr (weft_agent_record_get_agent_id (record), ==, "b");
}

static void
test_route_follows_skill_changes (Fixture *f, gconstpointer data)
{
  g_autoptr (WeftAgentRecord) record = NULL;
  g_autoptr (GError) error = NULL;

  record = register_json (
    f, "{\"agent_id\":\"a\",\"hostname\":\"h\",\"capabilities\":{\"skills\":[\"s\",\"t\"]}}", NULL);
  g_clear_object (&record);
  record = weft_agent_directory_route (f->directory, "t", FALSE, &error);
  g_assert_no_error (error);
  g_clear_object (&record);

  /* a heartbeat that drops a skill takes the agent out of that skill's routes */
  record = heartbeat_json (f, "{\"agent_id\":\"a\",\"skill_names\":[\"s\",\"u\"]}", NULL, &error);
  g_clear_object (&record);
  record = weft_agent_directory_route (f->directory, "t", FALSE, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND);
  g_clear_error (&error);
  record = weft_agent_directory_route (f->directory, "u", FALSE, &error);
  g_assert_no_error (error);
  g_clear_object (&record);

  /* the index is rebuilt when the directory is loaded */
  close_directory (f);
  open_directory (f);
  record = weft_agent_directory_route (f->directory, "u", FALSE, &error);
  g_assert_no_error (error);
  g_clear_object (&record);

  g_assert_true (weft_agent_directory_remove (f->directory, "a", NULL, &error));
  record = weft_agent_directory_route (f->directory, "s", FALSE, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND);
}

static void
test_owner_checks (Fixture *f, gconstpointer data)
{
  WeftActor alice = { "alice", FALSE };
  WeftActor bob = { "bob", FALSE };
  WeftActor admin = { "root", TRUE };
  g_autoptr (WeftAgentRecord) record = NULL;
  g_autoptr (WeftAgentRecord) info =
    weft_agent_record_from_json ("{\"agent_id\":\"alpha\",\"hostname\":\"h\"}", -1, NULL);
  g_autoptr (GError) error = NULL;

  record = register_json (f, "{\"agent_id\":\"alpha\",\"hostname\":\"h\"}", &alice);
  g_assert_cmpstr (weft_agent_record_get_owner (record), ==, "alice");
  g_clear_object (&record);

  record = heartbeat_json (f, "{\"agent_id\":\"alpha\"}", &bob, &error);
  g_assert_null (record);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_PERMISSION_DENIED);
  g_clear_error (&error);
  record = weft_agent_directory_register (f->directory, info, &bob, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_PERMISSION_DENIED);
  g_clear_error (&error);
  g_assert_false (weft_agent_directory_remove (f->directory, "alpha", &bob, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_PERMISSION_DENIED);
  g_clear_error (&error);

  record = heartbeat_json (f, "{\"agent_id\":\"alpha\"}", &alice, &error);
  g_assert_no_error (error);
  g_clear_object (&record);
  g_assert_true (weft_agent_directory_remove (f->directory, "alpha", &admin, &error));
  g_assert_no_error (error);
  g_assert_false (weft_agent_directory_remove (f->directory, "alpha", &admin, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* removal is durable */
  close_directory (f);
  open_directory (f);
  g_assert_cmpuint (weft_agent_directory_get_size (f->directory), ==, 0);
}

static void
test_topology (Fixture *f, gconstpointer data)
{
  g_autoptr (WeftAgentRecord) record = NULL;
  g_autoptr (JsonNode) topology = NULL;
  g_autofree gchar *json = NULL;

  record = register_json (f,
                          "{\"agent_id\":\"alpha\",\"hostname\":\"h1\",\"sidecar_peer_id\":\"alpha-"
                          "sidecar\",\"capabilities\":{\"skills\":[\"a\",\"b\"]}}",
                          NULL);
  g_clear_object (&record);
  record = register_json (
    f, "{\"agent_id\":\"beta\",\"hostname\":\"h2\",\"sidecar_peer_id\":\"beta-sidecar\"}", NULL);
  g_clear_object (&record);
  record = register_json (f, "{\"agent_id\":\"gamma\",\"hostname\":\"h3\"}", NULL);
  topology = weft_agent_directory_build_topology (f->directory);
  json = json_to_string (topology, FALSE);
  g_assert_cmpstr (
    json, ==,
    "{\"nodes\":["
    "{\"agent_id\":\"alpha\",\"ip\":\"\",\"port\":8000,\"hostname\":\"h1\","
    "\"sidecar_peer_id\":\"alpha-sidecar\",\"mode\":\"\",\"skills_count\":2,"
    "\"health\":\"active\",\"mesh_peers\":[\"beta-sidecar\"]},"
    "{\"agent_id\":\"beta\",\"ip\":\"\",\"port\":8000,\"hostname\":\"h2\","
    "\"sidecar_peer_id\":\"beta-sidecar\",\"mode\":\"\",\"skills_count\":0,"
    "\"health\":\"active\",\"mesh_peers\":[\"alpha-sidecar\"]},"
    "{\"agent_id\":\"gamma\",\"ip\":\"\",\"port\":8000,\"hostname\":\"h3\","
    "\"sidecar_peer_id\":\"\",\"mode\":\"\",\"skills_count\":0,"
    "\"health\":\"active\",\"mesh_peers\":[\"alpha-sidecar\",\"beta-sidecar\"]}],"
    "\"mesh_edges\":[{\"from_peer\":\"alpha-sidecar\",\"to_peer\":\"beta-sidecar\"}]}");
}

static void
test_topology_skips_inactive (Fixture *f, gconstpointer data)
{
  g_autoptr (WeftAgentRecord) record = NULL;
  g_autoptr (JsonNode) topology = NULL;
  g_autoptr (GError) error = NULL;
  JsonArray *edges;
  JsonArray *nodes;

  record = register_json (
    f, "{\"agent_id\":\"alpha\",\"hostname\":\"h\",\"sidecar_peer_id\":\"alpha-sidecar\"}", NULL);
  g_clear_object (&record);
  record = register_json (
    f, "{\"agent_id\":\"beta\",\"hostname\":\"h\",\"sidecar_peer_id\":\"beta-sidecar\"}", NULL);
  g_clear_object (&record);
  f->now += 100 * G_USEC_PER_SEC;
  record = heartbeat_json (f, "{\"agent_id\":\"alpha\"}", NULL, &error);
  /* beta is stale: still a node, but out of the mesh */
  topology = weft_agent_directory_build_topology (f->directory);
  nodes = json_object_get_array_member (json_node_get_object (topology), "nodes");
  edges = json_object_get_array_member (json_node_get_object (topology), "mesh_edges");
  g_assert_cmpuint (json_array_get_length (nodes), ==, 2);
  g_assert_cmpuint (json_array_get_length (edges), ==, 0);
  g_assert_cmpstr (
    json_object_get_string_member (json_array_get_object_element (nodes, 1), "health"), ==,
    "stale");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                      json_array_get_object_element (nodes, 0), "mesh_peers")),
                    ==, 0);
}

/* agents that report their DataChannels get real edges; only agents that
 * report nothing keep the reference's assumed full mesh */
static void
test_topology_reported (Fixture *f, gconstpointer data)
{
  const gchar *ids[] = { "a", "b", "c", "d", "e" };
  g_autoptr (JsonNode) topology = NULL;
  g_autofree gchar *edges = NULL;
  JsonArray *nodes;

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autofree gchar *body = g_strdup_printf (
        "{\"agent_id\":\"%s\",\"hostname\":\"h\",\"sidecar_peer_id\":\"p%s\"}", ids[i], ids[i]);
      g_autoptr (WeftAgentRecord) record = register_json (f, body, NULL);
    }
  /* a has a channel to b; c has none; b, d and e report nothing (chatixia agents) */
  g_clear_object (&(WeftAgentRecord *){
    heartbeat_json (f, "{\"agent_id\":\"a\",\"mesh_peers\":[\"pb\"]}", NULL, NULL) });
  g_clear_object (&(WeftAgentRecord *){
    heartbeat_json (f, "{\"agent_id\":\"c\",\"mesh_peers\":[]}", NULL, NULL) });

  topology = weft_agent_directory_build_topology (f->directory);
  edges =
    json_to_string (json_object_get_member (json_node_get_object (topology), "mesh_edges"), FALSE);
  g_assert_cmpstr (edges, ==,
                   "[{\"from_peer\":\"pa\",\"to_peer\":\"pb\"},"
                   "{\"from_peer\":\"pb\",\"to_peer\":\"pd\"},"
                   "{\"from_peer\":\"pb\",\"to_peer\":\"pe\"},"
                   "{\"from_peer\":\"pd\",\"to_peer\":\"pe\"}]");
  nodes = json_object_get_array_member (json_node_get_object (topology), "nodes");
  /* b reports nothing: a's report names it, and d and e are assumed as in the reference */
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                      json_array_get_object_element (nodes, 1), "mesh_peers")),
                    ==, 3);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                      json_array_get_object_element (nodes, 2), "mesh_peers")),
                    ==, 0);

  /* a removed agent's report goes with it */
  g_assert_true (weft_agent_directory_remove (f->directory, "a", NULL, NULL));
  g_assert_null (weft_agent_directory_get_mesh_report (f->directory, "a"));
  g_assert_nonnull (weft_agent_directory_get_mesh_report (f->directory, "c"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  g_test_add_func ("/weft/agent-directory/registration-body", test_registration_body);
  g_test_add_func ("/weft/agent-directory/registration-body-errors", test_registration_body_errors);
  g_test_add_func ("/weft/agent-directory/heartbeat-body", test_heartbeat_body);
  ADD ("/weft/agent-directory/register", test_register_overwrites_and_persists);
  ADD ("/weft/agent-directory/topology-reported", test_topology_reported);
  ADD ("/weft/agent-directory/heartbeat-keeps-fields", test_heartbeat_keeps_omitted_fields);
  ADD ("/weft/agent-directory/heartbeat-creates", test_heartbeat_creates_unknown_agent);
  ADD ("/weft/agent-directory/heartbeat-coalesced", test_heartbeat_coalesced);
  ADD ("/weft/agent-directory/heartbeat-flush-timer", test_heartbeat_flushed_by_timer);
  ADD ("/weft/agent-directory/heartbeat-flush-close", test_heartbeat_flushed_on_close);
  ADD ("/weft/agent-directory/failed-write", test_failed_write_changes_nothing);
  ADD ("/weft/agent-directory/health", test_health_thresholds);
  ADD ("/weft/agent-directory/route-least-loaded", test_route_least_loaded);
  ADD ("/weft/agent-directory/route-ties", test_route_ties_rotate);
  ADD ("/weft/agent-directory/route-skill-changes", test_route_follows_skill_changes);
  ADD ("/weft/agent-directory/owners", test_owner_checks);
  ADD ("/weft/agent-directory/topology", test_topology);
  ADD ("/weft/agent-directory/topology-inactive", test_topology_skips_inactive);
#undef ADD

  return g_test_run ();
}
