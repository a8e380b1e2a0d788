/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "weft-cli.h"

/* what every verb shares: options, waiting, the registry client, the D-Bus
 * proxy to a local agent, and how results and errors are printed */

GOptionContext *
weft_cli_context_new (WeftCliOptions *opts, const gchar *params, const gchar *summary)
{
  GOptionContext *ctx = g_option_context_new (params);
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &opts->json, N_ ("Print JSON instead of text"), NULL },
    { "registry", 'r', 0, G_OPTION_ARG_STRING, &opts->registry,
      N_ ("Registry URL (default: $WEFT_REGISTRY, the manifest's, http://localhost:8080)"),
      N_ ("URL") },
    { "api-key", 'k', 0, G_OPTION_ARG_STRING, &opts->api_key,
      N_ ("API key (default: $WEFT_API_KEY, the manifest's)"), N_ ("KEY") },
    { "agent", 'a', 0, G_OPTION_ARG_STRING, &opts->agent,
      N_ ("The local agent to talk to over D-Bus (default: the only one running)"), N_ ("NAME") },
    { "manifest", 'm', 0, G_OPTION_ARG_FILENAME, &opts->manifest,
      N_ ("The agent.yaml to take the registry and credential from (default: ./agent.yaml)"),
      N_ ("FILE") },
    { NULL },
  };

  g_option_context_set_summary (ctx, summary);
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  return ctx;
}

gboolean
weft_cli_parse (GOptionContext *ctx, int *argc, char ***argv)
{
  g_autoptr (GError) error = NULL;

  if (!g_option_context_parse (ctx, argc, argv, &error))
    {
      g_printerr ("weft: %s\n", error->message);
      return FALSE;
    }
  return TRUE;
}

void
weft_cli_store_result (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (res);
}

void
weft_cli_wait (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
}

WeftRegistryClient *
weft_cli_registry_client (WeftCliOptions *opts)
{
  const gchar *path = opts->manifest != NULL ? opts->manifest : "agent.yaml";
  g_autoptr (WeftManifest) manifest = NULL;
  const gchar *url = opts->registry;
  const gchar *key = opts->api_key;
  WeftRegistryClient *client;

  if (url == NULL)
    url = g_getenv ("WEFT_REGISTRY");
  if (key == NULL)
    key = g_getenv ("WEFT_API_KEY");
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    manifest = weft_manifest_load_file (path, NULL);
  if (url == NULL && manifest != NULL)
    url = weft_manifest_get_registry (manifest);
  if (key == NULL && manifest != NULL)
    key = weft_manifest_get_api_key (manifest);
  client = weft_registry_client_new (url);
  weft_registry_client_set_api_key (client, key);
  if (manifest != NULL)
    {
      g_autofree gchar *token = NULL;

      if (g_file_get_contents (weft_manifest_get_device_token_file (manifest), &token, NULL, NULL))
        weft_registry_client_set_device_token (client, g_strstrip (token));
    }
  return client;
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar *const *) a, *(const gchar *const *) b);
}

gchar **
weft_cli_list_local_agents (GDBusConnection *bus)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariantIter) iter = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const gchar *name;

  reply = g_dbus_connection_call_sync (
    bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "ListNames", NULL,
    G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);
  if (reply != NULL)
    {
      g_variant_get (reply, "(as)", &iter);
      while (g_variant_iter_next (iter, "&s", &name))
        if (g_str_has_prefix (name, "org.weft.Agent1."))
          g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_sort (names, compare_strings);
  g_ptr_array_add (names, NULL);
  return (gchar **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

static gchar *
bus_name_for (const gchar *agent)
{
  g_autoptr (GString) s = g_string_new ("org.weft.Agent1.");

  if (agent[0] == '\0' || g_ascii_isdigit (agent[0]))
    g_string_append_c (s, '_');
  for (const gchar *p = agent; *p != '\0'; p++)
    g_string_append_c (s, g_ascii_isalnum (*p) || *p == '_' ? *p : '_');
  return g_string_free (g_steal_pointer (&s), FALSE);
}

GDBusConnection *
weft_cli_session_bus (GError **error)
{
  GDBusConnection *bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, error);

  if (bus == NULL)
    g_prefix_error (error, _ ("Cannot reach the session bus that local agents use: "));
  return bus;
}

GDBusProxy *
weft_cli_agent_proxy (WeftCliOptions *opts, GError **error)
{
  g_autoptr (GDBusConnection) bus = weft_cli_session_bus (error);
  g_autofree gchar *name = NULL;
  g_autoptr (GDBusProxy) proxy = NULL;
  g_autofree gchar *owner = NULL;

  if (bus == NULL)
    return NULL;
  if (opts->agent != NULL)
    name = bus_name_for (opts->agent);
  else
    {
      g_auto (GStrv) names = weft_cli_list_local_agents (bus);
      guint n = g_strv_length (names);

      if (n == 0)
        {
          g_set_error (error, WEFT_ERROR, WEFT_ERROR_UNAVAILABLE,
                       _ ("No agent is running on this session bus; start one with `weft run` "
                          "(or `systemctl --user start weft-agent@NAME`)"));
          return NULL;
        }
      if (n > 1)
        {
          g_autofree gchar *list = g_strjoinv (", ", names);
          g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                       _ ("Several agents run here (%s); choose one with --agent NAME"), list);
          return NULL;
        }
      name = g_strdup (names[0]);
    }
  proxy = g_dbus_proxy_new_sync (bus, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, NULL, name,
                                 "/org/weft/Agent1", "org.weft.Agent1", NULL, error);
  if (proxy == NULL)
    return NULL;
  owner = g_dbus_proxy_get_name_owner (proxy);
  if (owner == NULL)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND,
                   _ ("No local agent named “%s” is running; `weft status` lists those that are"),
                   opts->agent != NULL ? opts->agent : name);
      return NULL;
    }
  return g_steal_pointer (&proxy);
}

void
weft_cli_print_json (JsonNode *node)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autofree gchar *text = NULL;

  json_generator_set_root (gen, node);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  g_print ("%s\n", text);
}

int
weft_cli_fail (WeftCliOptions *opts, const GError *error)
{
  g_autofree gchar *remote = g_dbus_error_get_remote_error (error);
  g_autoptr (GError) copy = g_error_copy (error);

  /* org.weft.Error.* comes back as WEFT_ERROR; show the message only */
  g_dbus_error_strip_remote_error (copy);
  if (opts != NULL && opts->json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      g_autoptr (JsonNode) node = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "error");
      json_builder_add_string_value (b, copy->message);
      if (copy->domain == WEFT_ERROR)
        {
          json_builder_set_member_name (b, "code");
          json_builder_add_string_value (b, weft_error_get_dbus_name (copy->code));
        }
      else if (remote != NULL)
        {
          json_builder_set_member_name (b, "code");
          json_builder_add_string_value (b, remote);
        }
      json_builder_end_object (b);
      node = json_builder_get_root (b);
      weft_cli_print_json (node);
    }
  g_printerr (_ ("Error: %s\n"), copy->message);
  return 1;
}

int
weft_cli_usage (const gchar *message)
{
  g_printerr ("weft: %s\n", message);
  return 2;
}
