/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "weft-cli.h"

/* weft agents, weft route SKILL, weft status [NAME] */

static const gchar *
str_member (JsonObject *obj, const gchar *name)
{
  return json_object_get_string_member_with_default (obj, name, "");
}

static gchar *
skills_of (JsonObject *rec)
{
  JsonNode *caps = json_object_get_member (rec, "capabilities");
  JsonArray *skills = NULL;
  g_autoptr (GString) s = g_string_new (NULL);

  if (caps != NULL && JSON_NODE_HOLDS_OBJECT (caps))
    skills = json_object_get_array_member (json_node_get_object (caps), "skills");
  for (guint i = 0; skills != NULL && i < json_array_get_length (skills); i++)
    g_string_append_printf (s, "%s%s", i > 0 ? "," : "", json_array_get_string_element (skills, i));
  return g_string_free (g_steal_pointer (&s), FALSE);
}

int
weft_cli_agents (WeftCliOptions *opts, int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx =
    weft_cli_context_new (opts, NULL, _ ("List the agents registered with the registry."));
  g_autoptr (WeftRegistryClient) client = NULL;
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) list = NULL;
  JsonArray *arr;

  if (!weft_cli_parse (ctx, &argc, &argv))
    return 2;
  if (argc > 1)
    return weft_cli_usage (_ ("agents takes no arguments"));
  client = weft_cli_registry_client (opts);
  weft_registry_client_list_agents_async (client, NULL, weft_cli_store_result, &res);
  weft_cli_wait (&res);
  list = weft_registry_client_list_agents_finish (client, res, &error);
  if (list == NULL)
    return weft_cli_fail (opts, error);
  if (opts->json)
    {
      weft_cli_print_json (list);
      return 0;
    }
  arr = json_node_get_array (list);
  if (json_array_get_length (arr) == 0)
    {
      g_print (_ ("No agents are registered with %s.\n"),
               weft_registry_client_get_base_url (client));
      return 0;
    }
  g_print ("%-20s %-8s %-20s %s\n", _ ("AGENT"), _ ("HEALTH"), _ ("PEER"), _ ("SKILLS"));
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      JsonObject *rec = json_array_get_object_element (arr, i);
      g_autofree gchar *skills = NULL;

      if (rec == NULL)
        continue;
      skills = skills_of (rec);
      g_print ("%-20s %-8s %-20s %s\n", str_member (rec, "agent_id"), str_member (rec, "health"),
               str_member (rec, "sidecar_peer_id"), skills);
    }
  return 0;
}

int
weft_cli_route (WeftCliOptions *opts, int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx =
    weft_cli_context_new (opts, _ ("SKILL"), _ ("Ask the registry which active agent has SKILL."));
  g_autoptr (WeftRegistryClient) client = NULL;
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) rec = NULL;
  g_autofree gchar *skills = NULL;

  if (!weft_cli_parse (ctx, &argc, &argv))
    return 2;
  if (argc != 2)
    return weft_cli_usage (_ ("usage: weft route SKILL"));
  client = weft_cli_registry_client (opts);
  weft_registry_client_route_async (client, argv[1], NULL, weft_cli_store_result, &res);
  weft_cli_wait (&res);
  rec = weft_registry_client_route_finish (client, res, &error);
  if (rec == NULL)
    return weft_cli_fail (opts, error);
  if (opts->json)
    {
      weft_cli_print_json (rec);
      return 0;
    }
  skills = skills_of (json_node_get_object (rec));
  g_print (_ ("%s (peer %s) has skill %s\n"), str_member (json_node_get_object (rec), "agent_id"),
           str_member (json_node_get_object (rec), "sidecar_peer_id"), argv[1]);
  return 0;
}

static JsonNode *
status_of (GDBusConnection *bus, const gchar *name, GError **error)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) props = NULL;
  g_autoptr (JsonNode) node = NULL;

  reply = g_dbus_connection_call_sync (
    bus, name, "/org/weft/Agent1", "org.freedesktop.DBus.Properties", "GetAll",
    g_variant_new ("(s)", "org.weft.Agent1"), G_VARIANT_TYPE ("(a{sv})"), G_DBUS_CALL_FLAGS_NONE,
    5000, NULL, error);
  if (reply == NULL)
    return NULL;
  props = g_variant_get_child_value (reply, 0);
  node = json_gvariant_serialize (props);
  return g_steal_pointer (&node);
}

static void
print_status (JsonNode *node)
{
  JsonObject *o = json_node_get_object (node);
  JsonArray *skills = json_object_get_array_member (o, "Skills");
  JsonArray *peers = json_object_get_array_member (o, "Peers");
  g_autofree gchar *running = NULL;

  g_print ("%s\n", str_member (o, "Name"));
  g_print (_ ("  State:    %s\n"), str_member (o, "State"));
  g_print (_ ("  Peer id:  %s\n"), str_member (o, "PeerId"));
  g_print (_ ("  Registry: %s\n"), str_member (o, "Registry"));
  running = g_strdup_printf ("%" G_GINT64_FORMAT,
                             json_object_get_int_member_with_default (o, "RunningTasks", 0));
  g_print (_ ("  Running:  %s task(s)\n"), running);
  g_print (_ ("  Skills:  "));
  for (guint i = 0; skills != NULL && i < json_array_get_length (skills); i++)
    g_print (" %s", json_array_get_string_element (skills, i));
  g_print ("\n");
  g_print (_ ("  Peers:   "));
  for (guint i = 0; peers != NULL && i < json_array_get_length (peers); i++)
    {
      JsonArray *p = json_array_get_array_element (peers, i);
      if (p != NULL && json_array_get_length (p) >= 4)
        g_print (" %s(%s,%s)", json_array_get_string_element (p, 0),
                 json_array_get_string_element (p, 2), json_array_get_string_element (p, 3));
    }
  g_print ("\n");
}

int
weft_cli_status (WeftCliOptions *opts, int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx = weft_cli_context_new (
    opts, _ ("[NAME]"), _ ("Show the state of the agents running here (over D-Bus)."));
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusConnection) bus = NULL;
  g_auto (GStrv) names = NULL;
  g_autoptr (JsonArray) all = json_array_new ();
  int status = 0;

  if (!weft_cli_parse (ctx, &argc, &argv))
    return 2;
  if (argc > 2)
    return weft_cli_usage (_ ("usage: weft status [NAME]"));
  if (argc == 2)
    {
      g_free (opts->agent);
      opts->agent = g_strdup (argv[1]);
    }
  bus = weft_cli_session_bus (&error);
  if (bus == NULL)
    return weft_cli_fail (opts, error);
  if (opts->agent != NULL)
    {
      g_autoptr (GDBusProxy) proxy = weft_cli_agent_proxy (opts, &error);

      if (proxy == NULL)
        return weft_cli_fail (opts, error);
      names = g_new0 (gchar *, 2);
      names[0] = g_strdup (g_dbus_proxy_get_name (proxy));
    }
  else
    names = weft_cli_list_local_agents (bus);

  if (names[0] == NULL && !opts->json)
    g_print (_ ("No agent is running on this session bus; start one with `weft run`.\n"));
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autoptr (JsonNode) node = status_of (bus, names[i], &error);

      if (node == NULL)
        {
          status = weft_cli_fail (opts->json ? NULL : opts, error);
          g_clear_error (&error);
          continue;
        }
      if (opts->json)
        json_array_add_element (all, g_steal_pointer (&node));
      else
        print_status (node);
    }
  if (opts->json)
    {
      g_autoptr (JsonNode) root = json_node_init_array (json_node_alloc (), all);
      weft_cli_print_json (root);
    }
  return status;
}
