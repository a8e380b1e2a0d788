/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <stdio.h>

#include "weft-agent-runner.h"
#include "weft-agent-service.h"

typedef struct
{
  const gchar *prgname;
  GMainLoop *loop;           /* (owned) */
  WeftAgent *agent;          /* (owned) */
  WeftAgentService *service; /* (owned) (nullable) */
  int status;
  gboolean stopping;
  gboolean json; /* --json: log records and errors as JSON lines on stderr */
} Runner;

static const gchar *
level_name (GLogLevelFlags level)
{
  if (level & G_LOG_LEVEL_ERROR)
    return "error";
  if (level & G_LOG_LEVEL_CRITICAL)
    return "critical";
  if (level & G_LOG_LEVEL_WARNING)
    return "warning";
  if (level & G_LOG_LEVEL_MESSAGE)
    return "message";
  if (level & G_LOG_LEVEL_INFO)
    return "info";
  return "debug";
}

/* one record: {"time", "level", "domain" (if any), "message"} */
static void
print_json_record (const gchar *level, const gchar *domain, const gchar *message)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree gchar *time = g_date_time_format_iso8601 (now);
  g_autoptr (JsonNode) root = NULL;
  g_autofree gchar *line = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "time");
  json_builder_add_string_value (b, time);
  json_builder_set_member_name (b, "level");
  json_builder_add_string_value (b, level);
  if (domain != NULL)
    {
      json_builder_set_member_name (b, "domain");
      json_builder_add_string_value (b, domain);
    }
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message != NULL ? message : "");
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  line = json_to_string (root, FALSE);
  fprintf (stderr, "%s\n", line);
  fflush (stderr);
}

static GLogWriterOutput
json_log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  const gchar *domain = NULL, *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      /* text fields only; a length of -1 means nul-terminated */
      if (fields[i].length >= 0)
        continue;
      if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0)
        domain = fields[i].value;
      else if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
        message = fields[i].value;
    }
  if (g_log_writer_default_would_drop (level, domain))
    return G_LOG_WRITER_HANDLED;
  print_json_record (level_name (level), domain, message);
  return G_LOG_WRITER_HANDLED;
}

/* an error that ends the run: "PRGNAME: TEXT", or a JSON record with --json */
static void
report_error (Runner *r, const gchar *text)
{
  if (r->json)
    print_json_record ("error", NULL, text);
  else
    g_printerr ("%s: %s\n", r->prgname, text);
}

static gboolean
give_up_cb (gpointer user_data)
{
  Runner *r = user_data;

  g_message ("stopping took too long; exiting anyway");
  g_main_loop_quit (r->loop);
  return G_SOURCE_REMOVE;
}

static void
stopped_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Runner *r = user_data;

  weft_agent_stop_finish (WEFT_AGENT (source), res, NULL);
  g_main_loop_quit (r->loop);
}

static void
stop (Runner *r)
{
  if (r->stopping)
    return;
  r->stopping = TRUE;
  g_timeout_add_seconds (8, give_up_cb, r);
  weft_agent_stop_async (r->agent, NULL, stopped_cb, r);
}

static gboolean
signal_cb (gpointer user_data)
{
  stop (user_data);
  return G_SOURCE_CONTINUE;
}

static void
quit_cb (WeftAgentService *service, gpointer user_data)
{
  stop (user_data);
}

static void
started_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Runner *r = user_data;
  g_autoptr (GError) error = NULL;

  if (!weft_agent_start_finish (WEFT_AGENT (source), res, &error))
    {
      report_error (r, error->message);
      r->status = 1;
      g_main_loop_quit (r->loop);
      return;
    }
}

int
weft_agent_runner_main (const gchar *prgname, int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftManifest) manifest = NULL;
  g_auto (GStrv) rest = NULL;
  gint heartbeat = 0;
  gboolean no_push = FALSE;
  gboolean no_dbus = FALSE;
  const gchar *path = "agent.yaml";
  const gchar *const *errors;
  Runner r = { prgname, NULL, NULL, NULL, 0, FALSE, FALSE };
  guint sigint_id, sigterm_id;
  const GOptionEntry entries[] = {
    { "heartbeat-interval", 0, 0, G_OPTION_ARG_INT, &heartbeat,
      N_ ("Seconds between heartbeats (default: weft.heartbeat_interval, 15)"), N_ ("SECONDS") },
    { "no-push", 0, 0, G_OPTION_ARG_NONE, &no_push,
      N_ ("Do not open the registry's /ws: take tasks from heartbeats only"), NULL },
    { "no-dbus", 0, 0, G_OPTION_ARG_NONE, &no_dbus,
      N_ ("Do not offer org.weft.Agent1 on the session bus"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &r.json,
      N_ ("Log as JSON lines on stderr (time, level, domain, message)"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL, N_ ("[MANIFEST]") },
    { NULL },
  };

  ctx = g_option_context_new (NULL);
  g_option_context_set_summary (
    ctx, _ ("Run a Weft agent from its agent.yaml (default: ./agent.yaml): register with the "
            "registry, take tasks, and offer org.weft.Agent1 on the session bus."));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_set_help_enabled (ctx, TRUE);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("%s: %s\n", prgname, error->message);
      return 2;
    }
  if (rest != NULL && rest[0] != NULL)
    {
      if (rest[1] != NULL)
        {
          g_printerr (_ ("%s: one manifest at a time; got “%s” and “%s”\n"), prgname, rest[0],
                      rest[1]);
          return 2;
        }
      path = rest[0];
    }
  if (r.json)
    g_log_set_writer_func (json_log_writer, NULL, NULL);

  manifest = weft_manifest_load_file (path, &error);
  if (manifest == NULL)
    {
      /* a missing manifest's error already says how to create one */
      report_error (&r, error->message);
      return 1;
    }
  errors = weft_manifest_get_errors (manifest);
  if (errors != NULL && errors[0] != NULL)
    {
      for (guint i = 0; errors[i] != NULL; i++)
        {
          if (r.json)
            print_json_record ("error", NULL, errors[i]);
          else
            g_printerr ("  Error: %s\n", errors[i]);
        }
      return 1;
    }

  r.agent = weft_agent_new (manifest, &error);
  if (r.agent == NULL)
    {
      report_error (&r, error->message);
      return 1;
    }
  if (heartbeat > 0)
    weft_agent_set_heartbeat_interval (r.agent, (guint) heartbeat);
  if (no_push)
    weft_agent_set_push (r.agent, FALSE);

  r.loop = g_main_loop_new (NULL, FALSE);
  if (!no_dbus && weft_manifest_get_dbus_enabled (manifest))
    {
      r.service = weft_agent_service_new (r.agent);
      g_signal_connect (r.service, "quit", G_CALLBACK (quit_cb), &r);
      weft_agent_service_own_name (r.service, G_BUS_TYPE_SESSION);
    }
  sigint_id = g_unix_signal_add (SIGINT, signal_cb, &r);
  sigterm_id = g_unix_signal_add (SIGTERM, signal_cb, &r);
  weft_agent_start_async (r.agent, NULL, started_cb, &r);
  g_main_loop_run (r.loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_clear_object (&r.service);
  g_clear_object (&r.agent);
  g_main_loop_unref (r.loop);
  return r.status;
}
