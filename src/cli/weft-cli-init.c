/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "weft-cli.h"

/* weft init, weft validate */

static const gchar agent_yaml_template[] =
  "# an agent of a Weft (or chatixia) mesh; see `man weft` and docs/manifest.md\n"
  "name: %s\n"
  "description: \"\"\n"
  "registry: http://localhost:8080\n"
  "provider: azure\n"
  "prompt: |\n"
  "  You are %s, an agent of the mesh.\n"
  "skills:\n"
  "  builtin: [list_agents, find_agent, delegate, mesh_send, mesh_broadcast]\n"
  "  dirs: [skills/hello]\n"
  "  disabled: []\n"
  "data_dir: .chatixia\n"
  "weft:\n"
  "  api_key: ak_dev_001\n"
  "  heartbeat_interval: 15\n"
  "  max_concurrent_tasks: 4\n"
  "  task_timeout: 120\n";

static const gchar agent_md_template[] =
  "# %s\n\nDescribe what this agent is for; it is added to the prompt.\n";

static const gchar gitignore_text[] = ".chatixia/\ndevice-token\n*.log\n";

static const gchar skill_json_text[] =
  "{\n"
  "  \"name\": \"hello\",\n"
  "  \"description\": \"Greets whoever asks\",\n"
  "  \"version\": \"1.0.0\",\n"
  "  \"category\": \"example\",\n"
  "  \"parameters\": {\n"
  "    \"message\": {\"type\": \"string\", \"description\": \"Who is asking\", \"required\": "
  "false}\n"
  "  }\n"
  "}\n";

/* the handler reads the arguments (one JSON object) on stdin and prints the result */
static const gchar skill_run_text[] =
  "#!/bin/sh\n"
  "# arguments arrive as one JSON object on stdin; the result is what we print\n"
  "args=$(cat)\n"
  "echo \"hello from $WEFT_AGENT_NAME, you sent: $args\"\n";

static gboolean
write_file (const gchar *path,
            const gchar *text,
            gint mode,
            gboolean only_if_absent,
            GError **error)
{
  if (only_if_absent && g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  if (!g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, mode, error))
    return FALSE;
  return TRUE;
}

int
weft_cli_init (WeftCliOptions *opts, int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx =
    weft_cli_context_new (opts, _ ("[NAME]"),
                          _ ("Create an agent directory: agent.yaml, AGENT.md, .gitignore and a "
                             "sample skill in skills/hello."));
  g_autofree gchar *dir_opt = NULL;
  const GOptionEntry entries[] = {
    { "dir", 'd', 0, G_OPTION_ARG_FILENAME, &dir_opt, N_ ("Directory to create (default: ./NAME)"),
      N_ ("DIR") },
    { NULL },
  };
  const gchar *name;
  g_autofree gchar *dir = NULL;
  g_autofree gchar *yaml_path = NULL;
  g_autofree gchar *skill_dir = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);

  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  if (!weft_cli_parse (ctx, &argc, &argv))
    return 2;
  if (argc > 2)
    return weft_cli_usage (_ ("init takes one NAME"));
  name = argc == 2 ? argv[1] : "my-agent";
  dir = g_strdup (dir_opt != NULL ? dir_opt : name);
  yaml_path = g_build_filename (dir, "agent.yaml", NULL);
  if (g_file_test (yaml_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (&error, WEFT_ERROR, WEFT_ERROR_ALREADY_EXISTS,
                   _ ("%s already exists; edit it, or choose another directory with --dir"),
                   yaml_path);
      return weft_cli_fail (opts, error);
    }
  skill_dir = g_build_filename (dir, "skills", "hello", NULL);
  if (g_mkdir_with_parents (skill_dir, 0755) != 0)
    {
      g_set_error (&error, WEFT_ERROR, WEFT_ERROR_FAILED, _ ("Cannot create %s: %s"), skill_dir,
                   g_strerror (errno));
      return weft_cli_fail (opts, error);
    }
  {
    g_autofree gchar *yaml = g_strdup_printf (agent_yaml_template, name, name);
    g_autofree gchar *md = g_strdup_printf (agent_md_template, name);
    struct
    {
      gchar *path;
      const gchar *text;
      gint mode;
      gboolean keep;
    } out[] = {
      { g_steal_pointer (&yaml_path), yaml, 0644, FALSE },
      { g_build_filename (dir, "AGENT.md", NULL), md, 0644, TRUE },
      { g_build_filename (dir, ".gitignore", NULL), gitignore_text, 0644, TRUE },
      { g_build_filename (skill_dir, "skill.json", NULL), skill_json_text, 0644, TRUE },
      { g_build_filename (skill_dir, "run", NULL), skill_run_text, 0755, TRUE },
    };

    for (guint i = 0; i < G_N_ELEMENTS (out); i++)
      {
        if (error == NULL &&
            !write_file (out[i].path, out[i].text, out[i].mode, out[i].keep, &error))
          g_prefix_error (&error, "%s: ", out[i].path);
        g_ptr_array_add (files, out[i].path);
      }
  }
  if (error != NULL)
    return weft_cli_fail (opts, error);

  if (opts->json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      g_autoptr (JsonNode) node = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, name);
      json_builder_set_member_name (b, "directory");
      json_builder_add_string_value (b, dir);
      json_builder_set_member_name (b, "files");
      json_builder_begin_array (b);
      for (guint i = 0; i < files->len; i++)
        json_builder_add_string_value (b, g_ptr_array_index (files, i));
      json_builder_end_array (b);
      json_builder_end_object (b);
      node = json_builder_get_root (b);
      weft_cli_print_json (node);
      return 0;
    }
  g_print (_ ("Created agent %s in %s\n"), name, dir);
  for (guint i = 0; i < files->len; i++)
    g_print ("  %s\n", (const gchar *) g_ptr_array_index (files, i));
  g_print (_ ("Next:\n  weft validate %s\n  weft run %s\n"), dir, dir);
  return 0;
}

int
weft_cli_validate (WeftCliOptions *opts, int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx = weft_cli_context_new (
    opts, _ ("[MANIFEST]"),
    _ ("Check an agent.yaml (or a directory holding one) and print every problem with its "
       "line:column. Exit status 1 when there is any."));
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftManifest) manifest = NULL;
  const gchar *path;
  const gchar *const *errors;
  guint n_errors;

  if (!weft_cli_parse (ctx, &argc, &argv))
    return 2;
  if (argc > 2)
    return weft_cli_usage (_ ("validate takes one MANIFEST"));
  path = argc == 2 ? argv[1] : (opts->manifest != NULL ? opts->manifest : "agent.yaml");
  manifest = weft_manifest_load_file (path, &error);
  if (manifest == NULL)
    return weft_cli_fail (opts, error);
  errors = weft_manifest_get_errors (manifest);
  n_errors = errors != NULL ? g_strv_length ((gchar **) errors) : 0;

  /* skill directories must load too: skill.json and an executable handler */
  {
    g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func (g_free);
    g_autoptr (WeftAgent) agent = NULL;
    g_autoptr (GError) agent_error = NULL;

    for (guint i = 0; i < n_errors; i++)
      g_ptr_array_add (all, g_strdup (errors[i]));
    if (n_errors == 0)
      {
        agent = weft_agent_new (manifest, &agent_error);
        if (agent == NULL)
          g_ptr_array_add (all, g_strdup (agent_error->message));
      }
    if (opts->json)
      {
        g_autoptr (JsonBuilder) b = json_builder_new ();
        g_autoptr (JsonNode) node = NULL;

        json_builder_begin_object (b);
        json_builder_set_member_name (b, "manifest");
        json_builder_add_string_value (b, weft_manifest_get_path (manifest));
        json_builder_set_member_name (b, "valid");
        json_builder_add_boolean_value (b, all->len == 0);
        json_builder_set_member_name (b, "errors");
        json_builder_begin_array (b);
        for (guint i = 0; i < all->len; i++)
          json_builder_add_string_value (b, g_ptr_array_index (all, i));
        json_builder_end_array (b);
        json_builder_set_member_name (b, "name");
        json_builder_add_string_value (b, weft_manifest_get_name (manifest));
        json_builder_set_member_name (b, "registry");
        json_builder_add_string_value (b, weft_manifest_get_registry (manifest));
        json_builder_set_member_name (b, "skills");
        json_builder_begin_array (b);
        if (agent != NULL)
          {
            g_auto (GStrv) names = weft_agent_dup_skill_names (agent);
            for (guint i = 0; names[i] != NULL; i++)
              json_builder_add_string_value (b, names[i]);
          }
        json_builder_end_array (b);
        json_builder_end_object (b);
        node = json_builder_get_root (b);
        weft_cli_print_json (node);
        return all->len == 0 ? 0 : 1;
      }
    if (all->len > 0)
      {
        g_print (g_dngettext (GETTEXT_PACKAGE, "%u error in %s:\n", "%u errors in %s:\n", all->len),
                 all->len, weft_manifest_get_path (manifest));
        for (guint i = 0; i < all->len; i++)
          g_print ("  - %s\n", (const gchar *) g_ptr_array_index (all, i));
        return 1;
      }
    {
      g_auto (GStrv) names = weft_agent_dup_skill_names (agent);
      g_autofree gchar *joined = g_strjoinv (", ", names);
      const gchar *md = weft_manifest_get_agent_md (manifest);

      g_print ("OK: %s\n", weft_manifest_get_path (manifest));
      g_print (_ ("  Agent:    %s\n"), weft_manifest_get_name (manifest));
      g_print (_ ("  Registry: %s\n"), weft_manifest_get_registry (manifest));
      g_print (_ ("  Provider: %s\n"), weft_manifest_get_provider (manifest));
      g_print (_ ("  Skills:   %s\n"), *joined != '\0' ? joined : _ ("(none)"));
      if (md != NULL && *md != '\0')
        g_print (_ ("  AGENT.md: loaded\n"));
      else
        g_print (_ ("  AGENT.md: not found (optional)\n"));
    }
  }
  return 0;
}
