/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "weft-cli.h"
#include "weft-json-private.h"

/* weft invoke, delegate, send, broadcast (through a local agent over D-Bus)
 * and weft tasks (the registry's queue, or one agent's tasks) */

/* what a local agent answered, when it is JSON */
static JsonNode *
parse_text (const gchar *text, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();

  if (!weft_json_parser_load (parser, text, -1, error))
    return NULL;
  return json_parser_steal_root (parser);
}

static int
call_string (WeftCliOptions *opts, const gchar *method, GVariant *args, gint timeout_ms)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusProxy) proxy = NULL;
  g_autoptr (GVariant) reply = NULL;
  const gchar *text;

  g_variant_ref_sink (args);
  proxy = weft_cli_agent_proxy (opts, &error);
  if (proxy == NULL)
    {
      g_variant_unref (args);
      return weft_cli_fail (opts, error);
    }
  reply =
    g_dbus_proxy_call_sync (proxy, method, args, G_DBUS_CALL_FLAGS_NONE, timeout_ms, NULL, &error);
  g_variant_unref (args);
  if (reply == NULL)
    return weft_cli_fail (opts, error);
  g_variant_get (reply, "(&s)", &text);
  if (opts->json)
    {
      g_autoptr (JsonNode) parsed = parse_text (text, NULL);
      g_autoptr (JsonBuilder) b = json_builder_new ();
      g_autoptr (JsonNode) node = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "agent");
      json_builder_add_string_value (b,
                                     g_dbus_proxy_get_name (proxy) + strlen ("org.weft.Agent1."));
      json_builder_set_member_name (b, "result");
      json_builder_add_string_value (b, text);
      if (parsed != NULL && (JSON_NODE_HOLDS_OBJECT (parsed) || JSON_NODE_HOLDS_ARRAY (parsed)))
        {
          json_builder_set_member_name (b, "result_json");
          json_builder_add_value (b, g_steal_pointer (&parsed));
        }
      json_builder_end_object (b);
      node = json_builder_get_root (b);
      weft_cli_print_json (node);
    }
  else
    g_print ("%s\n", text);
  return 0;
}

int
weft_cli_invoke (WeftCliOptions *opts, int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx = weft_cli_context_new (
    opts, _ ("SKILL [ARGS_JSON]"),
    _ ("Run a skill of a local agent, with its arguments as a JSON object, e.g.\n"
       "  weft invoke --agent alpha echo '{\"message\": \"hi\"}'"));

  if (!weft_cli_parse (ctx, &argc, &argv))
    return 2;
  if (argc < 2 || argc > 3)
    return weft_cli_usage (_ ("usage: weft invoke [--agent NAME] SKILL [ARGS_JSON]"));
  return call_string (opts, "Invoke", g_variant_new ("(ss)", argv[1], argc == 3 ? argv[2] : "{}"),
                      G_MAXINT);
}

int
weft_cli_delegate (WeftCliOptions *opts, int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx = weft_cli_context_new (
    opts, _ ("MESSAGE"),
    _ ("Have a local agent hand a task to another agent: to --to TARGET, or to whichever agent "
       "has --skill SKILL."));
  g_autofree gchar *target = NULL;
  g_autofree gchar *skill = NULL;
  gboolean no_wait = FALSE;
  const GOptionEntry entries[] = {
    { "to", 't', 0, G_OPTION_ARG_STRING, &target, N_ ("The agent to run the task"), N_ ("TARGET") },
    { "skill", 's', 0, G_OPTION_ARG_STRING, &skill, N_ ("The skill to run"), N_ ("SKILL") },
    { "no-wait", 0, 0, G_OPTION_ARG_NONE, &no_wait,
      N_ ("Print the task id at once instead of waiting for the result"), NULL },
    { NULL },
  };

  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  if (!weft_cli_parse (ctx, &argc, &argv))
    return 2;
  if (argc != 2)
    return weft_cli_usage (_ ("usage: weft delegate [--to TARGET] [--skill SKILL] MESSAGE"));
  if (target == NULL && skill == NULL)
    return weft_cli_usage (_ ("delegate needs --to TARGET or --skill SKILL"));
  return call_string (opts, "Delegate",
                      g_variant_new ("(sssb)", target != NULL ? target : "",
                                     skill != NULL ? skill : "", argv[1], !no_wait),
                      150 * 1000);
}

int
weft_cli_send (WeftCliOptions *opts, int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx =
    weft_cli_context_new (opts, _ ("TARGET MESSAGE"), _ ("Send a message to one agent."));

  if (!weft_cli_parse (ctx, &argc, &argv))
    return 2;
  if (argc != 3)
    return weft_cli_usage (_ ("usage: weft send [--agent NAME] TARGET MESSAGE"));
  return call_string (opts, "Send", g_variant_new ("(ss)", argv[1], argv[2]), 30000);
}

int
weft_cli_broadcast (WeftCliOptions *opts, int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx =
    weft_cli_context_new (opts, _ ("MESSAGE"), _ ("Send a message to every other active agent."));

  if (!weft_cli_parse (ctx, &argc, &argv))
    return 2;
  if (argc != 2)
    return weft_cli_usage (_ ("usage: weft broadcast [--agent NAME] MESSAGE"));
  return call_string (opts, "Broadcast", g_variant_new ("(s)", argv[1]), 30000);
}

int
weft_cli_tasks (WeftCliOptions *opts, int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx = weft_cli_context_new (
    opts, NULL,
    _ ("List the registry's tasks, or with --agent NAME the tasks that agent runs and ran."));
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) list = NULL;
  JsonArray *arr;

  if (!weft_cli_parse (ctx, &argc, &argv))
    return 2;
  if (argc > 1)
    return weft_cli_usage (_ ("tasks takes no arguments"));
  if (opts->agent != NULL)
    {
      g_autoptr (GDBusProxy) proxy = weft_cli_agent_proxy (opts, &error);
      g_autoptr (GVariant) reply = NULL;
      const gchar *text;

      if (proxy == NULL)
        return weft_cli_fail (opts, error);
      reply = g_dbus_proxy_call_sync (proxy, "ListTasks", NULL, G_DBUS_CALL_FLAGS_NONE, 10000, NULL,
                                      &error);
      if (reply == NULL)
        return weft_cli_fail (opts, error);
      g_variant_get (reply, "(&s)", &text);
      list = parse_text (text, &error);
      if (list == NULL)
        return weft_cli_fail (opts, error);
    }
  else
    {
      g_autoptr (WeftRegistryClient) client = weft_cli_registry_client (opts);
      g_autoptr (GAsyncResult) res = NULL;

      weft_registry_client_list_tasks_async (client, NULL, weft_cli_store_result, &res);
      weft_cli_wait (&res);
      list = weft_registry_client_list_tasks_finish (client, res, &error);
      if (list == NULL)
        return weft_cli_fail (opts, error);
    }
  if (opts->json)
    {
      weft_cli_print_json (list);
      return 0;
    }
  arr = json_node_get_array (list);
  if (json_array_get_length (arr) == 0)
    {
      g_print (_ ("No tasks.\n"));
      return 0;
    }
  g_print ("%-13s %-10s %-16s %-12s %s\n", _ ("TASK"), _ ("STATE"), _ ("SKILL"), _ ("AGENT"),
           _ ("RESULT"));
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      JsonObject *t = json_array_get_object_element (arr, i);
      const gchar *state, *text;

      if (t == NULL)
        continue;
      state = json_object_get_string_member_with_default (t, "state", "");
      text = g_str_equal (state, "failed")
               ? json_object_get_string_member_with_default (t, "error", "")
               : json_object_get_string_member_with_default (t, "result", "");
      g_print ("%-13s %-10s %-16s %-12s %.60s\n",
               json_object_get_string_member_with_default (t, "id", ""), state,
               json_object_get_string_member_with_default (t, "skill", ""),
               json_object_get_string_member_with_default (
                 t, "assigned_agent_id",
                 json_object_get_string_member_with_default (t, "source_agent_id", "")),
               text);
    }
  return 0;
}
