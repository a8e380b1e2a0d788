/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "weft.h"

static gchar *
fixture (const gchar *name)
{
  return g_test_build_filename (G_TEST_DIST, "unit", "data", "manifests", name, NULL);
}

static WeftManifest *
load_fixture (const gchar *name)
{
  g_autofree gchar *path = fixture (name);
  g_autoptr (GError) error = NULL;
  WeftManifest *manifest = weft_manifest_load_file (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (manifest);
  return manifest;
}

/* the problems of @manifest must be exactly @expected, in order */
static void
assert_errors (WeftManifest *manifest, const gchar *const *expected)
{
  const gchar *const *errors = weft_manifest_get_errors (manifest);
  guint n = g_strv_length ((gchar **) errors);

  for (guint i = 0; i < MAX (n, g_strv_length ((gchar **) expected)); i++)
    g_assert_cmpstr (errors[MIN (i, n)], ==, expected[i]);
  g_assert_cmpuint (n, ==, g_strv_length ((gchar **) expected));
}

static void
assert_strv (const gchar *const *strv, const gchar *const *expected)
{
  g_assert_nonnull (strv);
  g_assert_cmpstrv (strv, expected);
}

static void
assert_defaults (WeftManifest *m)
{
  g_assert_cmpstr (weft_manifest_get_description (m), ==, "");
  g_assert_cmpstr (weft_manifest_get_registry (m), ==, "http://localhost:8080");
  g_assert_cmpstr (weft_manifest_get_provider (m), ==, "azure");
  g_assert_cmpstr (weft_manifest_get_model (m), ==, "");
  g_assert_cmpstr (weft_manifest_get_prompt (m), ==, "");
  g_assert_cmpstr (weft_manifest_get_system_prompt (m), ==, "");
  g_assert_cmpstr (weft_manifest_get_sidecar_binary (m), ==, "chatixia-sidecar");
  g_assert_cmpstr (weft_manifest_get_sidecar_api_key (m), ==, "ak_dev_001");
  g_assert_cmpstr (weft_manifest_get_sidecar_socket (m), ==, "/tmp/chatixia-sidecar.sock");
  g_assert_cmpstr (weft_manifest_get_api_key (m), ==, "ak_dev_001");
  assert_strv (weft_manifest_get_builtin_skills (m), (const gchar *[]){ NULL });
  assert_strv (weft_manifest_get_skill_dirs (m), (const gchar *[]){ NULL });
  assert_strv (weft_manifest_get_disabled_skills (m), (const gchar *[]){ NULL });
  g_assert_cmpstr (weft_manifest_get_data_dir (m), ==, ".chatixia");
  g_assert_cmpuint (weft_manifest_get_max_turns (m), ==, 10);
  g_assert_cmpuint (weft_manifest_get_context_window (m), ==, 120000);
  g_assert_cmpuint (weft_manifest_get_heartbeat_interval (m), ==, 15);
  g_assert_cmpuint (weft_manifest_get_max_concurrent_tasks (m), ==, 4);
  g_assert_cmpint (weft_manifest_get_connect_mode (m), ==, WEFT_CONNECT_MODE_ON_DEMAND);
  g_assert_cmpuint (weft_manifest_get_idle_timeout (m), ==, 300);
  g_assert_cmpuint (weft_manifest_get_task_timeout (m), ==, 120);
  g_assert_true (weft_manifest_get_dbus_enabled (m));
  g_assert_cmpuint (g_hash_table_size (weft_manifest_get_labels (m)), ==, 0);
}

static void
test_manifest_minimal (void)
{
  g_autofree gchar *path = fixture ("minimal.yaml");
  g_autofree gchar *token = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftManifest) m = weft_manifest_new_from_file (path, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (weft_manifest_get_name (m), ==, "alpha");
  assert_defaults (m);
  g_assert_null (weft_manifest_get_agent_md (m));
  g_assert_cmpstr (weft_manifest_get_path (m), ==, path);
  g_assert_true (g_path_is_absolute (weft_manifest_get_base_dir (m)));
  g_assert_true (g_str_has_suffix (weft_manifest_get_base_dir (m), "/data/manifests"));
  assert_strv (weft_manifest_get_errors (m), (const gchar *[]){ NULL });
  g_assert_true (weft_manifest_validate (m, &error));
  g_assert_no_error (error);

  /* the default token file lives in the (isolated) state directory, per agent */
  token = g_build_filename (g_get_user_state_dir (), "weft", "alpha", "device-token", NULL);
  g_assert_cmpstr (weft_manifest_get_device_token_file (m), ==, token);
}

static void
test_manifest_empty (void)
{
  static const gchar *const inputs[] = { "", "# only a comment\n", "---\n", "~\n", "---\n...\n" };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (WeftManifest) m = weft_manifest_new_from_data (inputs[i], -1, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (weft_manifest_get_name (m), ==, "unnamed-agent");
      assert_defaults (m);
      g_assert_null (weft_manifest_get_path (m));
      g_assert_null (weft_manifest_get_base_dir (m));
    }

  {
    g_autoptr (WeftManifest) m = load_fixture ("empty.yaml");

    assert_strv (weft_manifest_get_errors (m), (const gchar *[]){ NULL });
    g_assert_cmpstr (weft_manifest_get_name (m), ==, "unnamed-agent");
    assert_defaults (m);
  }
}

static void
test_manifest_full (void)
{
  g_autofree gchar *path = fixture ("full.yaml");
  g_autofree gchar *dir = g_path_get_dirname (path);
  g_autofree gchar *skills = g_build_filename (dir, "skills", NULL);
  g_autofree gchar *token = g_build_filename (dir, "secrets", "device-token", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftManifest) m = weft_manifest_new_from_file (path, &error);
  GHashTable *labels;

  g_assert_no_error (error);
  g_assert_cmpstr (weft_manifest_get_name (m), ==, "researcher");
  g_assert_cmpstr (weft_manifest_get_description (m), ==, "Finds and summarises papers");
  g_assert_cmpstr (weft_manifest_get_registry (m), ==, "https://mesh.example.org:8443");
  g_assert_cmpstr (weft_manifest_get_provider (m), ==, "ollama");
  g_assert_cmpstr (weft_manifest_get_model (m), ==, "llama3.1:8b");
  g_assert_cmpstr (weft_manifest_get_prompt (m), ==, "You are a careful research assistant.\n");
  g_assert_cmpstr (weft_manifest_get_system_prompt (m), ==,
                   "You are a careful research assistant.");
  g_assert_cmpstr (weft_manifest_get_sidecar_binary (m), ==, "/opt/chatixia/bin/chatixia-sidecar");
  g_assert_cmpstr (weft_manifest_get_sidecar_api_key (m), ==, "ak_test_123");
  g_assert_cmpstr (weft_manifest_get_sidecar_socket (m), ==, "/run/user/1000/researcher.sock");
  assert_strv (weft_manifest_get_builtin_skills (m),
               (const gchar *[]){ "delegate", "list_agents", "mesh_send", NULL });
  assert_strv (weft_manifest_get_skill_dirs (m),
               (const gchar *[]){ skills, "/srv/weft/skills", NULL });
  assert_strv (weft_manifest_get_disabled_skills (m), (const gchar *[]){ "mesh_broadcast", NULL });
  g_assert_true (weft_manifest_is_skill_disabled (m, "mesh_broadcast"));
  g_assert_false (weft_manifest_is_skill_disabled (m, "delegate"));
  g_assert_cmpstr (weft_manifest_get_data_dir (m), ==, "state");
  g_assert_cmpuint (weft_manifest_get_max_turns (m), ==, 25);
  g_assert_cmpuint (weft_manifest_get_context_window (m), ==, 64000);

  /* weft.api_key wins over sidecar.api_key */
  g_assert_cmpstr (weft_manifest_get_api_key (m), ==, "ak_weft_456");
  g_assert_cmpstr (weft_manifest_get_device_token_file (m), ==, token);
  g_assert_cmpuint (weft_manifest_get_heartbeat_interval (m), ==, 5);
  g_assert_cmpuint (weft_manifest_get_max_concurrent_tasks (m), ==, 8);
  g_assert_cmpint (weft_manifest_get_connect_mode (m), ==, WEFT_CONNECT_MODE_FULL_MESH);
  g_assert_cmpuint (weft_manifest_get_idle_timeout (m), ==, 0);
  g_assert_cmpuint (weft_manifest_get_task_timeout (m), ==, 600);
  g_assert_false (weft_manifest_get_dbus_enabled (m));
  labels = weft_manifest_get_labels (m);
  g_assert_cmpuint (g_hash_table_size (labels), ==, 2);
  g_assert_cmpstr (g_hash_table_lookup (labels, "zone"), ==, "eu-west");
  g_assert_cmpstr (g_hash_table_lookup (labels, "gpu"), ==, "true");
}

static void
test_manifest_skills_list (void)
{
  g_autoptr (WeftManifest) m = load_fixture ("skills-list.yaml");

  assert_strv (weft_manifest_get_errors (m), (const gchar *[]){ NULL });
  assert_strv (weft_manifest_get_builtin_skills (m),
               (const gchar *[]){ "delegate", "list_agents", NULL });
  assert_strv (weft_manifest_get_skill_dirs (m), (const gchar *[]){ NULL });
  assert_strv (weft_manifest_get_disabled_skills (m), (const gchar *[]){ NULL });
}

static void
test_manifest_skills_mapping (void)
{
  g_autoptr (WeftManifest) m = load_fixture ("skills-mapping.yaml");
  g_autofree gchar *mine = g_build_filename (weft_manifest_get_base_dir (m), "my-skills", NULL);
  g_autofree gchar *shared = g_build_filename (g_get_home_dir (), "shared-skills", NULL);

  assert_strv (weft_manifest_get_errors (m), (const gchar *[]){ NULL });
  assert_strv (weft_manifest_get_builtin_skills (m), (const gchar *[]){ "find_agent", NULL });
  assert_strv (weft_manifest_get_skill_dirs (m), (const gchar *[]){ mine, shared, NULL });
  assert_strv (weft_manifest_get_disabled_skills (m),
               (const gchar *[]){ "delegate", "user_intervention", NULL });
  g_assert_true (weft_manifest_is_skill_disabled (m, "user_intervention"));

  /* a null skills value and null lists are empty; unknown keys under skills are ignored */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (WeftManifest) n =
      weft_manifest_new_from_data ("skills:\n  builtin:\n  mcp: [x]\n", -1, NULL, &error);

    g_assert_no_error (error);
    assert_strv (weft_manifest_get_builtin_skills (n), (const gchar *[]){ NULL });
  }
}

static void
test_manifest_name_missing (void)
{
  g_autoptr (WeftManifest) m = load_fixture ("no-name.yaml");

  assert_strv (weft_manifest_get_errors (m), (const gchar *[]){ NULL });
  g_assert_cmpstr (weft_manifest_get_name (m), ==, "unnamed-agent");
  g_assert_cmpstr (weft_manifest_get_description (m), ==, "an agent without a name");
}

static void
test_manifest_name_empty (void)
{
  g_autofree gchar *path = fixture ("empty-name.yaml");
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftManifest) m = load_fixture ("empty-name.yaml");
  g_autoptr (WeftManifest) strict = NULL;

  assert_errors (m, (const gchar *[]){ "empty-name.yaml:2:7: 'name' is required", NULL });

  strict = weft_manifest_new_from_file (path, &error);
  g_assert_null (strict);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "empty-name.yaml:2:7: 'name' is required");

  /* a key without a value is empty too, and reported right after its colon */
  {
    g_autoptr (WeftManifest) n = weft_manifest_load_data ("name:\nmodel: x\n", -1, NULL, NULL);

    assert_errors (n, (const gchar *[]){ "1:6: 'name' is required", NULL });
  }
  /* names become file names and D-Bus names, so they cannot hold a path */
  {
    g_autoptr (WeftManifest) n = weft_manifest_load_data ("name: ../evil\n", -1, NULL, NULL);

    g_assert_cmpuint (g_strv_length ((gchar **) weft_manifest_get_errors (n)), ==, 1);
    g_assert_true (g_str_has_prefix (weft_manifest_get_errors (n)[0],
                                     "1:7: 'name': '../evil' cannot be used as an agent name"));
    g_assert_cmpstr (weft_manifest_get_name (n), ==, "unnamed-agent");
  }
}

static void
test_manifest_provider_unknown (void)
{
  g_autoptr (WeftManifest) m = load_fixture ("unknown-provider.yaml");

  assert_errors (m, (const gchar *[]){ "unknown-provider.yaml:4:11: 'provider': Unknown provider: "
                                       "'foo' (expected azure|openai|ollama)",
                                       NULL });
  /* the field keeps its default */
  g_assert_cmpstr (weft_manifest_get_provider (m), ==, "azure");

  {
    g_autoptr (WeftManifest) n = weft_manifest_load_data ("provider: OpenAI\n", -1, NULL, NULL);

    assert_errors (n, (const gchar *[]){ "1:11: 'provider': Unknown provider: 'OpenAI' "
                                         "(expected azure|openai|ollama)",
                                         NULL });
  }
  /* quoted values stay on one line and short */
  {
    g_autoptr (WeftManifest) n =
      weft_manifest_load_data ("provider: \"two\\nlines\"\nweft: {\"x\\ty\": 1}\n"
                               "registry: x0123456789012345678901234567890123456789\n",
                               -1, NULL, NULL);

    assert_errors (n, (const gchar *[]){ "1:11: 'provider': Unknown provider: 'two\\nlines' "
                                         "(expected azure|openai|ollama)",
                                         "2:8: 'weft.x\\ty': unknown key (expected api_key, "
                                         "device_token_file, heartbeat_interval, "
                                         "max_concurrent_tasks, connect, idle_timeout, "
                                         "task_timeout, dbus or labels)",
                                         "3:11: 'registry': "
                                         "'x012345678901234567890123456789012345678...' is not an "
                                         "http:// or https:// URL",
                                         NULL });
  }
  {
    g_autoptr (WeftManifest) n = weft_manifest_load_data ("provider: openai\n", -1, NULL, NULL);

    assert_errors (n, (const gchar *[]){ NULL });
    g_assert_cmpstr (weft_manifest_get_provider (n), ==, "openai");
  }
}

static void
test_manifest_wrong_types (void)
{
  g_autoptr (WeftManifest) m = load_fixture ("wrong-types.yaml");

  assert_errors (
    m, (const gchar *[]){
         "wrong-types.yaml:2:3: 'name': expected a string, found a mapping",
         "wrong-types.yaml:4:11: 'registry': expected a string, found a list",
         "wrong-types.yaml:6:12: 'skills.builtin': expected a list of strings, found a single "
         "value",
         "wrong-types.yaml:10:7: 'skills.disabled[2]': expected a string, found a mapping",
         "wrong-types.yaml:11:12: 'max_turns': expected a whole number, found 'ten'",
         "wrong-types.yaml:12:17: 'context_window': must be between 1 and 2147483647, found -5",
         NULL });
  /* the good items of a list with a bad one are kept */
  assert_strv (weft_manifest_get_disabled_skills (m),
               (const gchar *[]){ "mesh_send", "list_agents", NULL });
  g_assert_cmpuint (weft_manifest_get_max_turns (m), ==, 10);

  /* skills as a plain value, a list item that is empty, a root that is not a mapping */
  {
    g_autoptr (WeftManifest) n = weft_manifest_load_data ("skills: delegate\n", -1, NULL, NULL);

    assert_errors (n, (const gchar *[]){ "1:9: 'skills': expected a list or a mapping, found a "
                                         "single value",
                                         NULL });
  }
  {
    g_autoptr (WeftManifest) n =
      weft_manifest_load_data ("skills:\n  - a\n  -\n  - [b]\n  - ''\n", -1, NULL, NULL);

    assert_errors (n, (const gchar *[]){ "3:4: 'skills[1]': expected a string, found an empty "
                                         "value",
                                         "4:5: 'skills[2]': expected a string, found a list",
                                         "5:5: 'skills[3]': must not be empty", NULL });
    assert_strv (weft_manifest_get_builtin_skills (n), (const gchar *[]){ "a", NULL });
  }
  {
    g_autoptr (WeftManifest) n = weft_manifest_load_data ("- a\n- b\n", -1, NULL, NULL);

    assert_errors (n, (const gchar *[]){ "1:1: the manifest must be a mapping of keys to values, "
                                         "found a list",
                                         NULL });
  }
  /* sidecar that is not a mapping means all defaults, as in the reference */
  {
    g_autoptr (WeftManifest) n = weft_manifest_load_data ("sidecar: none\n", -1, NULL, NULL);

    assert_errors (n, (const gchar *[]){ NULL });
    g_assert_cmpstr (weft_manifest_get_sidecar_binary (n), ==, "chatixia-sidecar");
  }
  {
    g_autoptr (WeftManifest) n =
      weft_manifest_load_data ("sidecar:\n  socket: [x]\n", -1, NULL, NULL);

    assert_errors (
      n, (const gchar *[]){ "2:11: 'sidecar.socket': expected a string, found a list", NULL });
  }
}

static void
test_manifest_invalid_yaml (void)
{
  g_autofree gchar *path = fixture ("invalid-syntax.yaml");
  g_autoptr (WeftManifest) m = load_fixture ("invalid-syntax.yaml");
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftManifest) strict = weft_manifest_new_from_file (path, &error);
  const gchar *const *errors = weft_manifest_get_errors (m);

  g_assert_cmpuint (g_strv_length ((gchar **) errors), ==, 1);
  g_assert_cmpstr (errors[0], ==,
                   "invalid-syntax.yaml:4:2: invalid YAML: did not find expected key "
                   "(while parsing a block mapping at 1:1)");
  g_assert_cmpstr (weft_manifest_get_name (m), ==, "unnamed-agent");

  g_assert_null (strict);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA);
  g_assert_cmpstr (error->message, ==, errors[0]);

  {
    g_autoptr (WeftManifest) n = weft_manifest_load_data ("name: \"unterminated\n", -1, NULL, NULL);

    g_assert_cmpuint (g_strv_length ((gchar **) weft_manifest_get_errors (n)), ==, 1);
    g_assert_true (g_str_has_prefix (weft_manifest_get_errors (n)[0],
                                     "2:1: invalid YAML: found unexpected end of stream"));
  }
  /* a control character is a reader error, reported at its own position */
  {
    g_autoptr (WeftManifest) n =
      weft_manifest_load_data ("name: a\nmodel: b\x01\n", -1, NULL, NULL);

    assert_errors (
      n, (const gchar *[]){ "2:9: invalid YAML: control characters are not allowed", NULL });
  }
  {
    static const gchar bad_utf8[] = "name: caf\xc3\x28\n";
    g_autoptr (WeftManifest) n =
      weft_manifest_load_data (bad_utf8, sizeof bad_utf8 - 1, NULL, NULL);

    assert_errors (n,
                   (const gchar *[]){ "1:11: invalid YAML: invalid trailing UTF-8 octet", NULL });
  }
}

static void
test_manifest_multiple_documents (void)
{
  g_autoptr (WeftManifest) m =
    weft_manifest_load_data ("name: one\n---\nname: two\n", -1, NULL, NULL);

  assert_errors (m, (const gchar *[]){ "2:1: a second YAML document starts here; a manifest "
                                       "holds exactly one document",
                                       NULL });
}

static void
test_manifest_directory (void)
{
  struct
  {
    const gchar *dir;
    const gchar *file;
    const gchar *name;
  } cases[] = {
    { "dir-yaml", "agent.yaml", "from-yaml" },
    { "dir-yml", "agent.yml", "from-yml" },
    { "dir-both", "agent.yaml", "both-yaml" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *dir = fixture (cases[i].dir);
      g_autofree gchar *file = g_build_filename (dir, cases[i].file, NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (WeftManifest) m = weft_manifest_new_from_file (dir, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (weft_manifest_get_name (m), ==, cases[i].name);
      g_assert_cmpstr (weft_manifest_get_path (m), ==, file);
      g_assert_cmpstr (weft_manifest_get_base_dir (m), ==, dir);
    }

  {
    g_autofree gchar *dir = fixture ("dir-none");
    g_autoptr (GError) error = NULL;
    g_autoptr (WeftManifest) m = weft_manifest_load_file (dir, &error);
    g_autofree gchar *expected =
      g_strdup_printf ("No manifest in %s: tried agent.yaml and agent.yml", dir);

    g_assert_null (m);
    g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND);
    g_assert_cmpstr (error->message, ==, expected);
  }
  {
    g_autofree gchar *path = fixture ("no-such-file.yaml");
    g_autoptr (GError) error = NULL;
    g_autoptr (WeftManifest) m = weft_manifest_new_from_file (path, &error);

    g_assert_null (m);
    g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND);
    g_assert_nonnull (strstr (error->message, path));
  }
}

static void
test_manifest_agent_md (void)
{
  g_autofree gchar *dir = fixture ("with-agent-md");
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftManifest) m = weft_manifest_new_from_file (dir, &error);
  g_autofree gchar *tmp = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (weft_manifest_get_prompt (m), ==, "  Be brief.  \n");
  g_assert_cmpstr (weft_manifest_get_agent_md (m), ==, "\n\n# Role\n\nYou review code.\n\n\n");
  g_assert_cmpstr (weft_manifest_get_system_prompt (m), ==,
                   "Be brief.\n\n# Role\n\nYou review code.");

  /* AGENT.md alone, an empty prompt part skipped; then a prompt with a blank AGENT.md */
  tmp = g_dir_make_tmp ("manifest-XXXXXX", &error);
  g_assert_no_error (error);
  {
    g_autofree gchar *md = g_build_filename (tmp, "AGENT.md", NULL);
    g_autoptr (WeftManifest) n = NULL;

    g_assert_true (g_file_set_contents (md, "  Only the file.\n", -1, &error));
    n = weft_manifest_new_from_data ("name: x\nprompt: \"   \"\n", -1, tmp, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (weft_manifest_get_base_dir (n), ==, tmp);
    g_assert_cmpstr (weft_manifest_get_system_prompt (n), ==, "Only the file.");
    g_clear_object (&n);

    g_assert_true (g_file_set_contents (md, " \n\t\n", -1, &error));
    n = weft_manifest_new_from_data ("prompt: Hello\n", -1, tmp, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (weft_manifest_get_system_prompt (n), ==, "Hello");
    g_clear_object (&n);

    /* an AGENT.md that is not text is a problem of the manifest */
    g_assert_true (g_file_set_contents (md, "caf\xc3\x28", -1, &error));
    n = weft_manifest_load_data ("name: x\nprovider: nope\n", -1, tmp, &error);
    g_assert_no_error (error);
    {
      g_autofree gchar *expected = g_strdup_printf ("%s is not valid UTF-8 text", md);

      assert_errors (n, (const gchar *[]){ "2:11: 'provider': Unknown provider: 'nope' "
                                           "(expected azure|openai|ollama)",
                                           expected, NULL });
    }
    g_assert_null (weft_manifest_get_agent_md (n));
    g_assert_cmpint (g_unlink (md), ==, 0);
  }
  g_assert_cmpint (g_rmdir (tmp), ==, 0);
}

static void
test_manifest_registry (void)
{
  struct
  {
    const gchar *yaml;
    const gchar *registry;
    const gchar *error;
  } cases[] = {
    { "registry: http://10.0.0.1:8080///\n", "http://10.0.0.1:8080", NULL },
    { "registry: HTTPS://mesh.example.org/weft/\n", "HTTPS://mesh.example.org/weft", NULL },
    { "registry: \"\"\n", NULL, "1:11: 'registry' URL is required" },
    { "registry: /\n", NULL, "1:11: 'registry' URL is required" },
    { "registry:\n", NULL, "1:10: 'registry' URL is required" },
    { "registry: localhost:8080\n", NULL,
      "1:11: 'registry': 'localhost:8080' is not an http:// or https:// URL" },
    { "registry: ftp://x\n", NULL,
      "1:11: 'registry': 'ftp://x' is not an http:// or https:// URL" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (WeftManifest) m = weft_manifest_load_data (cases[i].yaml, -1, NULL, NULL);

      if (cases[i].error == NULL)
        {
          assert_errors (m, (const gchar *[]){ NULL });
          g_assert_cmpstr (weft_manifest_get_registry (m), ==, cases[i].registry);
        }
      else
        {
          assert_errors (m, (const gchar *[]){ cases[i].error, NULL });
          g_assert_cmpstr (weft_manifest_get_registry (m), ==, "http://localhost:8080");
        }
    }
}

static void
test_manifest_weft_values (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftManifest) m = NULL;
  g_autofree gchar *token = g_build_filename (g_get_home_dir (), "t", NULL);

  /* the alternative spellings YAML users write for booleans and nulls */
  m = weft_manifest_new_from_data ("name: eps\n"
                                   "weft:\n"
                                   "  dbus: no\n"
                                   "  connect: on-demand\n"
                                   "  heartbeat_interval: \"30\"\n"
                                   "  task_timeout: ~\n"
                                   "  device_token_file: ~/t\n"
                                   "  labels:\n"
                                   "    a/b.c_d-e: \n",
                                   -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (weft_manifest_get_dbus_enabled (m));
  g_assert_cmpint (weft_manifest_get_connect_mode (m), ==, WEFT_CONNECT_MODE_ON_DEMAND);
  g_assert_cmpuint (weft_manifest_get_heartbeat_interval (m), ==, 30);
  g_assert_cmpuint (weft_manifest_get_task_timeout (m), ==, 120);
  g_assert_cmpstr (weft_manifest_get_device_token_file (m), ==, token);
  g_assert_cmpstr (g_hash_table_lookup (weft_manifest_get_labels (m), "a/b.c_d-e"), ==, "");
  g_clear_object (&m);

  /* an empty weft: section is all defaults, and relative paths stay relative without a base */
  m = weft_manifest_new_from_data ("weft:\n", -1, NULL, &error);
  g_assert_no_error (error);
  assert_defaults (m);
  g_clear_object (&m);
  m = weft_manifest_new_from_data ("weft: {device_token_file: rel/token, dbus: On}\n", -1, NULL,
                                   &error);
  g_assert_no_error (error);
  g_assert_cmpstr (weft_manifest_get_device_token_file (m), ==, "rel/token");
  g_assert_true (weft_manifest_get_dbus_enabled (m));
}

static void
test_manifest_weft_bad (void)
{
  g_autoptr (WeftManifest) m = load_fixture ("weft-bad.yaml");

  assert_errors (
    m, (const gchar *[]){
         "weft-bad.yaml:3:12: 'weft.api_key': must not be empty; remove the key to use "
         "sidecar.api_key",
         "weft-bad.yaml:4:22: 'weft.device_token_file': expected a string, found a list",
         "weft-bad.yaml:5:23: 'weft.heartbeat_interval': must be between 1 and 3600, found 3601",
         "weft-bad.yaml:6:25: 'weft.max_concurrent_tasks': expected a whole number, found 'four'",
         "weft-bad.yaml:7:17: 'weft.idle_timeout': must be between 0 and 604800, found -1",
         "weft-bad.yaml:8:17: 'weft.task_timeout': must be between 1 and 86400, found 0",
         "weft-bad.yaml:10:5: 'weft.labels.bad key!': a label key is 1 to 63 characters from A-Z, "
         "a-z, 0-9, '.', '_', '-' and '/'",
         "weft-bad.yaml:11:9: 'weft.labels.ok': expected a string, found a mapping", NULL });
  /* every bad value left its default in place */
  g_assert_cmpstr (weft_manifest_get_api_key (m), ==, "ak_dev_001");
  g_assert_cmpuint (weft_manifest_get_heartbeat_interval (m), ==, 15);
  g_assert_cmpuint (weft_manifest_get_max_concurrent_tasks (m), ==, 4);
  g_assert_cmpuint (weft_manifest_get_idle_timeout (m), ==, 300);
  g_assert_cmpuint (weft_manifest_get_task_timeout (m), ==, 120);
  g_assert_cmpuint (g_hash_table_size (weft_manifest_get_labels (m)), ==, 0);

  {
    g_autoptr (WeftManifest) n = weft_manifest_load_data ("weft: [a]\n", -1, NULL, NULL);

    assert_errors (n, (const gchar *[]){ "1:7: 'weft': expected a mapping, found a list", NULL });
  }
  {
    g_autoptr (WeftManifest) n =
      weft_manifest_load_data ("weft:\n  labels: [a]\n  dbus: {}\n", -1, NULL, NULL);

    assert_errors (n, (const gchar *[]){ "2:11: 'weft.labels': expected a mapping of strings, "
                                         "found a list",
                                         "3:9: 'weft.dbus': expected true or false, found a "
                                         "mapping",
                                         NULL });
  }
}

static void
test_manifest_several_errors (void)
{
  g_autofree gchar *path = fixture ("several-errors.yaml");
  g_autoptr (WeftManifest) m = load_fixture ("several-errors.yaml");
  g_autoptr (WeftManifest) strict = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *joined = NULL;
  const gchar *const expected[] = {
    "several-errors.yaml:1:7: 'name' is required",
    "several-errors.yaml:2:11: 'registry' URL is required",
    "several-errors.yaml:3:11: 'provider': Unknown provider: 'bedrock' (expected "
    "azure|openai|ollama)",
    "several-errors.yaml:5:23: 'weft.heartbeat_interval': must be between 1 and 3600, found 0",
    "several-errors.yaml:6:12: 'weft.connect': unknown mode 'sometimes' (expected "
    "on-demand|full-mesh)",
    "several-errors.yaml:7:9: 'weft.dbus': expected true or false, found 'maybe'",
    "several-errors.yaml:8:3: 'weft.colour': unknown key (expected api_key, device_token_file, "
    "heartbeat_interval, max_concurrent_tasks, connect, idle_timeout, task_timeout, dbus or "
    "labels)",
    NULL,
  };

  assert_errors (m, expected);
  g_assert_false (weft_manifest_validate (m, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
  joined = g_strjoinv ("\n", (gchar **) expected);
  g_assert_cmpstr (error->message, ==, joined);
  g_clear_error (&error);

  strict = weft_manifest_new_from_file (path, &error);
  g_assert_null (strict);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, joined);
}

static void
test_manifest_duplicates_and_merges (void)
{
  g_autoptr (WeftManifest) m = weft_manifest_load_data ("name: a\nmodel: m\nname: b\n"
                                                        "base: &base {model: x}\n"
                                                        "<<: *base\n"
                                                        "\"<<\": fine\n",
                                                        -1, NULL, NULL);

  assert_errors (m, (const gchar *[]){ "3:1: 'name': duplicate key (first given at 1:1)",
                                       "5:1: '<<': merge keys ('<<') are not supported; write "
                                       "the keys out",
                                       NULL });
  g_assert_cmpstr (weft_manifest_get_name (m), ==, "a");
  g_assert_cmpstr (weft_manifest_get_model (m), ==, "m");

  {
    g_autoptr (WeftManifest) n = weft_manifest_load_data ("? [a, b]\n: c\n", -1, NULL, NULL);

    assert_errors (n, (const gchar *[]){ "1:3: keys must be strings, found a list", NULL });
  }
}

static void
test_manifest_oversized (void)
{
  gsize size = WEFT_MANIFEST_MAX_SIZE + 1;
  g_autofree gchar *big = g_malloc (size + 1);
  g_autofree gchar *dir = NULL;
  g_autofree gchar *path = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftManifest) m = NULL;

  /* a comment just over the limit: valid YAML, but too much of it */
  memset (big, ' ', size);
  big[0] = '#';
  big[size] = '\0';

  m = weft_manifest_load_data (big, -1, NULL, &error);
  g_assert_null (m);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_TOO_LARGE);
  g_clear_error (&error);
  m = weft_manifest_new_from_data (big, (gssize) size, NULL, &error);
  g_assert_null (m);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_TOO_LARGE);
  g_clear_error (&error);

  /* exactly at the limit is fine */
  m = weft_manifest_new_from_data (big, (gssize) size - 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (m);
  g_clear_object (&m);

  dir = g_dir_make_tmp ("manifest-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "agent.yaml", NULL);
  g_assert_true (g_file_set_contents (path, big, (gssize) size, &error));
  m = weft_manifest_load_file (dir, &error);
  g_assert_null (m);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);

  /* an oversized AGENT.md is a problem of the manifest, not a read failure */
  g_assert_true (g_file_set_contents (path, "name: big\n", -1, &error));
  {
    g_autofree gchar *md = g_build_filename (dir, "AGENT.md", NULL);

    g_assert_true (g_file_set_contents (md, big, (gssize) size, &error));
    m = weft_manifest_load_file (dir, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_strv_length ((gchar **) weft_manifest_get_errors (m)), ==, 1);
    g_assert_nonnull (strstr (weft_manifest_get_errors (m)[0], "AGENT.md is larger than"));
    g_clear_object (&m);
    g_assert_cmpint (g_unlink (md), ==, 0);
  }
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_manifest_deep_nesting (void)
{
  g_autoptr (GString) yaml = g_string_new ("name: deep\ngoals: ");
  g_autoptr (WeftManifest) m = NULL;
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (yaml, '[');
  m = weft_manifest_load_data (yaml->str, (gssize) yaml->len, NULL, &error);
  g_assert_no_error (error);
  /* the root mapping is level 1, so the 64th bracket is the 65th level */
  assert_errors (
    m, (const gchar *[]){ "2:71: lists and mappings are nested deeper than 64 levels", NULL });
  g_clear_object (&m);

  /* 63 levels of lists under the root are fine */
  g_string_assign (yaml, "goals: ");
  for (guint i = 0; i < 63; i++)
    g_string_append_c (yaml, '[');
  for (guint i = 0; i < 63; i++)
    g_string_append_c (yaml, ']');
  m = weft_manifest_new_from_data (yaml->str, -1, NULL, &error);
  g_assert_no_error (error);
}

static void
test_manifest_aliases (void)
{
  g_autoptr (GString) yaml = g_string_new ("lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol]\n");
  g_autoptr (WeftManifest) m = NULL;
  g_autoptr (GError) error = NULL;
  gint64 start;

  /* aliases that reuse a value work */
  m = weft_manifest_new_from_data ("common: &skills [delegate, mesh_send]\n"
                                   "name: &n shared\n"
                                   "description: *n\n"
                                   "skills: {builtin: *skills, disabled: *skills}\n",
                                   -1, NULL, &error);
  g_assert_no_error (error);
  assert_strv (weft_manifest_get_builtin_skills (m),
               (const gchar *[]){ "delegate", "mesh_send", NULL });
  assert_strv (weft_manifest_get_disabled_skills (m),
               (const gchar *[]){ "delegate", "mesh_send", NULL });
  g_assert_cmpstr (weft_manifest_get_description (m), ==, "shared");
  g_clear_object (&m);

  /* a billion laughs: each level refers to the previous one eight times; nothing is
   * expanded, so this is as cheap as its text, and the list of lists is a type error */
  for (guint level = 1; level < 30; level++)
    g_string_append_printf (yaml, "lol%u: &l%u [*l%u, *l%u, *l%u, *l%u, *l%u, *l%u, *l%u, *l%u]\n",
                            level, level, level - 1, level - 1, level - 1, level - 1, level - 1,
                            level - 1, level - 1, level - 1);
  g_string_append (yaml, "skills: *l29\nweft: {labels: *l29}\n");
  start = g_get_monotonic_time ();
  m = weft_manifest_load_data (yaml->str, -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length ((gchar **) weft_manifest_get_errors (m)), ==, 9);
  g_assert_cmpstr (weft_manifest_get_errors (m)[0], ==,
                   "29:8: 'skills[0]': expected a string, found a list");
  g_assert_cmpstr (weft_manifest_get_errors (m)[8], ==,
                   "30:8: 'weft.labels': expected a mapping of strings, found a list");
  /* generous: the point is that it does not take 8^29 steps */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  g_clear_object (&m);

  /* an alias to its own (incomplete) collection, and an unknown alias */
  m = weft_manifest_load_data ("goals: &a [x, *a]\n", -1, NULL, &error);
  g_assert_no_error (error);
  assert_errors (m, (const gchar *[]){ "1:15: the alias '*a' refers to no complete anchored node "
                                       "before it",
                                       NULL });
  g_clear_object (&m);
  m = weft_manifest_load_data ("name: *nowhere\n", -1, NULL, &error);
  assert_errors (m, (const gchar *[]){ "1:7: the alias '*nowhere' refers to no complete anchored "
                                       "node before it",
                                       NULL });
  g_clear_object (&m);

  /* too many nodes, even when each is tiny */
  g_string_assign (yaml, "goals: [");
  for (guint i = 0; i < 60000; i++)
    g_string_append (yaml, "a,");
  g_string_append (yaml, "]\n");
  m = weft_manifest_load_data (yaml->str, -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length ((gchar **) weft_manifest_get_errors (m)), ==, 1);
  g_assert_true (g_str_has_suffix (weft_manifest_get_errors (m)[0],
                                   ": the document has more than 50000 nodes; a manifest should "
                                   "be far smaller"));
}

/* the documented example must stay a valid manifest with the documented defaults */
static void
test_manifest_example (void)
{
  g_autofree gchar *path =
    g_test_build_filename (G_TEST_DIST, "..", "data", "agent.yaml.example", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftManifest) m = weft_manifest_new_from_file (path, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (weft_manifest_get_name (m), ==, "researcher");
  g_assert_cmpstr (weft_manifest_get_registry (m), ==, "http://localhost:8080");
  g_assert_cmpstr (weft_manifest_get_api_key (m), ==, "ak_dev_001");
  g_assert_cmpuint (g_strv_length ((gchar **) weft_manifest_get_builtin_skills (m)), ==, 5);
  g_assert_true (weft_manifest_is_skill_disabled (m, "user_intervention"));
  g_assert_cmpuint (weft_manifest_get_heartbeat_interval (m), ==, 15);
  g_assert_cmpuint (weft_manifest_get_max_concurrent_tasks (m), ==, 4);
  g_assert_cmpuint (weft_manifest_get_idle_timeout (m), ==, 300);
  g_assert_cmpuint (weft_manifest_get_task_timeout (m), ==, 120);
  g_assert_true (weft_manifest_get_dbus_enabled (m));
  g_assert_cmpstr (g_hash_table_lookup (weft_manifest_get_labels (m), "team"), ==, "research");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/weft/manifest/minimal", test_manifest_minimal);
  g_test_add_func ("/weft/manifest/empty", test_manifest_empty);
  g_test_add_func ("/weft/manifest/full", test_manifest_full);
  g_test_add_func ("/weft/manifest/skills-list", test_manifest_skills_list);
  g_test_add_func ("/weft/manifest/skills-mapping", test_manifest_skills_mapping);
  g_test_add_func ("/weft/manifest/name-missing", test_manifest_name_missing);
  g_test_add_func ("/weft/manifest/name-empty", test_manifest_name_empty);
  g_test_add_func ("/weft/manifest/provider-unknown", test_manifest_provider_unknown);
  g_test_add_func ("/weft/manifest/wrong-types", test_manifest_wrong_types);
  g_test_add_func ("/weft/manifest/invalid-yaml", test_manifest_invalid_yaml);
  g_test_add_func ("/weft/manifest/multiple-documents", test_manifest_multiple_documents);
  g_test_add_func ("/weft/manifest/directory", test_manifest_directory);
  g_test_add_func ("/weft/manifest/agent-md", test_manifest_agent_md);
  g_test_add_func ("/weft/manifest/registry", test_manifest_registry);
  g_test_add_func ("/weft/manifest/weft-values", test_manifest_weft_values);
  g_test_add_func ("/weft/manifest/weft-bad", test_manifest_weft_bad);
  g_test_add_func ("/weft/manifest/several-errors", test_manifest_several_errors);
  g_test_add_func ("/weft/manifest/duplicates-and-merges", test_manifest_duplicates_and_merges);
  g_test_add_func ("/weft/manifest/oversized", test_manifest_oversized);
  g_test_add_func ("/weft/manifest/deep-nesting", test_manifest_deep_nesting);
  g_test_add_func ("/weft/manifest/aliases", test_manifest_aliases);
  g_test_add_func ("/weft/manifest/example", test_manifest_example);

  return g_test_run ();
}
