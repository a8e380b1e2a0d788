/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "weft.h"
#include "weft-registry-config.h"

/* warnings about skipped input are part of the behaviour under test: count them instead
 * of letting them abort the test */
static guint n_warnings;

static GLogWriterOutput
count_warnings (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  if (level & G_LOG_LEVEL_WARNING)
    {
      n_warnings++;
      return G_LOG_WRITER_HANDLED;
    }
  return g_log_writer_default (level, fields, n_fields, data);
}

static gchar *
write_keyfile (const gchar *text)
{
  g_autoptr (GError) error = NULL;
  gchar *path = g_build_filename (g_get_user_config_dir (), "test.conf", NULL);

  g_assert_cmpint (g_mkdir_with_parents (g_get_user_config_dir (), 0700), ==, 0);

  g_assert_true (g_file_set_contents (path, text, -1, &error));
  g_assert_no_error (error);
  return path;
}

static void
test_defaults (void)
{
  g_autoptr (WeftRegistryConfig) c = weft_registry_config_new ();
  g_autofree gchar *db = g_build_filename (g_get_user_state_dir (), "weft", "registry.db", NULL);

  g_assert_cmpuint (c->port, ==, 8080);
  g_assert_cmpstr (c->db_path, ==, db);
  g_assert_cmpint (c->anonymous, ==, WEFT_ANONYMOUS_NONE);
  g_assert_cmpuint (c->jwt_lifetime, ==, 300);
  g_assert_cmpuint (c->jwt_leeway, ==, 60);
  g_assert_cmpfloat (c->health_stale_after, ==, 90);
  g_assert_cmpfloat (c->health_offline_after, ==, 270);
  g_assert_cmpuint (c->max_body_size, ==, 2 * 1024 * 1024);
  g_assert_cmpuint (c->pairing_rate_limit, ==, 5);
  g_assert_true (c->dbus);
}

static void
test_secret_required (void)
{
  g_autoptr (WeftRegistryConfig) c = weft_registry_config_new ();
  g_autoptr (GError) error = NULL;

  g_assert_false (weft_registry_config_validate (c, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "SIGNALING_SECRET"));
  g_clear_error (&error);

  c->secret = g_strdup (WEFT_REGISTRY_DEV_SECRET);
  g_assert_false (weft_registry_config_validate (c, &error));
  g_assert_nonnull (strstr (error->message, WEFT_REGISTRY_DEV_SECRET));
  g_clear_error (&error);

  c->dev = TRUE;
  g_assert_true (weft_registry_config_validate (c, &error));
  g_assert_no_error (error);

  /* --dev without any secret uses the development one */
  g_clear_pointer (&c->secret, g_free);
  g_assert_true (weft_registry_config_validate (c, &error));
  g_assert_cmpstr (c->secret, ==, WEFT_REGISTRY_DEV_SECRET);
}

static void
test_keyfile (void)
{
  g_autoptr (WeftRegistryConfig) c = weft_registry_config_new ();
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = NULL;
  guint before = n_warnings;

  path = write_keyfile ("[registry]\nport=9000\nlisten=127.0.0.1\n"
                        "anonymous=loopback\nsecret=s3cret\n"
                        "[timings]\nhealth-stale-after=1.5\n"
                        "task-requeue-attempts=7\n"
                        "[limits]\nmax-body-size=64K\nws-max-message-size=2M\n"
                        "[unknown]\nkey=ignored\n");

  g_assert_true (weft_registry_config_load_keyfile (c, path, &error));
  g_assert_no_error (error);
  /* the unknown group is reported */
  g_assert_cmpuint (n_warnings - before, ==, 1);
  g_assert_cmpuint (c->port, ==, 9000);
  g_assert_cmpstr (c->listen, ==, "127.0.0.1");
  g_assert_cmpint (c->anonymous, ==, WEFT_ANONYMOUS_LOOPBACK);
  g_assert_cmpstr (c->secret, ==, "s3cret");
  g_assert_cmpfloat (c->health_stale_after, ==, 1.5);
  g_assert_cmpuint (c->task_requeue_attempts, ==, 7);
  g_assert_cmpuint (c->max_body_size, ==, 64 * 1024);
  g_assert_cmpuint (c->ws_max_message_size, ==, 2 * 1024 * 1024);
  g_assert_cmpstr (c->config_path, ==, path);
}

static void
test_keyfile_errors (void)
{
  static const gchar *const bad[] = {
    "[registry]\nport=http\n",
    "[registry]\nport=70000000000\n",
    "[registry]\nanonymous=everyone\n",
    "[timings]\nhealth-stale-after=-1\n",
    "[timings]\nhealth-stale-after=abc\n",
    "[limits]\nmax-body-size=12Q\n",
    "[registry]\ndbus=maybe\n",
    "not a keyfile",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (WeftRegistryConfig) c = weft_registry_config_new ();
      g_autoptr (GError) error = NULL;
      g_autofree gchar *path = write_keyfile (bad[i]);

      g_assert_false (weft_registry_config_load_keyfile (c, path, &error));
      g_assert_nonnull (error);
    }
}

static void
test_environment (void)
{
  g_autoptr (WeftRegistryConfig) c = weft_registry_config_new ();
  g_autoptr (GError) error = NULL;
  const gchar *env[] = { "PORT=9123",       "SIGNALING_SECRET=abc", "API_KEYS_FILE=/k.json",
                         "TURN_URL=turn:x", "TURN_SECRET=",         NULL };
  const gchar *bad_env[] = { "PORT=eighty", NULL };

  g_assert_true (weft_registry_config_load_environment (c, env, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (c->port, ==, 9123);
  g_assert_cmpstr (c->secret, ==, "abc");
  g_assert_cmpstr (c->api_keys_file, ==, "/k.json");
  g_assert_true (c->api_keys_file_explicit);
  g_assert_cmpstr (c->turn_url, ==, "turn:x");
  /* an empty value counts as unset, as docker-compose passes them */
  g_assert_null (c->turn_secret);

  g_assert_false (weft_registry_config_load_environment (c, bad_env, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
}

static void
test_args (void)
{
  g_autoptr (WeftRegistryConfig) c = weft_registry_config_new ();
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = write_keyfile ("[registry]\nport=9000\n");
  g_autofree gchar *arg_config = g_strdup (path);
  gchar *args[] = { (gchar *) "weft-registry",
                    (gchar *) "--config",
                    arg_config,
                    (gchar *) "--port",
                    (gchar *) "0",
                    (gchar *) "--dev",
                    (gchar *) "-o",
                    (gchar *) "timings.jwt-lifetime=2",
                    (gchar *) "--anonymous",
                    (gchar *) "any",
                    (gchar *) "--db",
                    (gchar *) "/tmp/x.db",
                    NULL };
  gchar **argv = args;
  gint argc = G_N_ELEMENTS (args) - 1;

  g_unsetenv ("PORT");
  g_unsetenv ("SIGNALING_SECRET");
  g_assert_true (weft_registry_config_parse_args (c, &argc, &argv, &error));
  g_assert_no_error (error);
  /* flags beat the keyfile */
  g_assert_cmpuint (c->port, ==, 0);
  g_assert_true (c->dev);
  g_assert_cmpuint (c->jwt_lifetime, ==, 2);
  g_assert_cmpint (c->anonymous, ==, WEFT_ANONYMOUS_ANY);
  g_assert_cmpstr (c->db_path, ==, "/tmp/x.db");
  g_assert_cmpstr (c->secret, ==, WEFT_REGISTRY_DEV_SECRET);
}

int
main (int argc, char **argv)
{
  g_log_set_writer_func (count_warnings, NULL, NULL);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/weft/registry-config/defaults", test_defaults);
  g_test_add_func ("/weft/registry-config/secret-required", test_secret_required);
  g_test_add_func ("/weft/registry-config/keyfile", test_keyfile);
  g_test_add_func ("/weft/registry-config/keyfile-errors", test_keyfile_errors);
  g_test_add_func ("/weft/registry-config/environment", test_environment);
  g_test_add_func ("/weft/registry-config/args", test_args);
  return g_test_run ();
}
