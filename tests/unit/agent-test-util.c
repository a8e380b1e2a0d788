/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <signal.h>
#include <sys/prctl.h>

#include <glib/gstdio.h>

#include "agent-test-util.h"

const gchar *
agent_test_registry_path (void)
{
  const gchar *env = g_getenv ("WEFT_REGISTRY_PATH");

  if (env != NULL && *env != '\0')
    return env;
  return WEFT_TEST_REGISTRY_PATH;
}

void
agent_test_init (int *argc, char ***argv)
{
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("no_proxy", "*", TRUE);
  g_test_init (argc, argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
}

void
agent_test_store_result (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (res);
}

static gboolean
timeout_flag_cb (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
agent_test_wait_result (GAsyncResult **result, guint timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, timeout_flag_cb, &timed_out);

  while (*result == NULL && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return *result != NULL;
}

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
agent_test_wait_until (gboolean (*cond) (gpointer), gpointer data, guint timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, timeout_flag_cb, &timed_out);
  /* conditions on files or other processes do not wake the main loop: poll */
  guint tick = g_timeout_add (10, tick_cb, NULL);

  while (!cond (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  g_source_remove (tick);
  return cond (data);
}

guint16
agent_test_free_port (void)
{
  g_autoptr (GSocket) sock =
    g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  g_assert_nonnull (sock);
  g_assert_true (g_socket_bind (sock, addr, TRUE, NULL));
  bound = g_socket_get_local_address (sock, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

AgentTestRegistry *
agent_test_registry_new (void)
{
  AgentTestRegistry *reg = g_new0 (AgentTestRegistry, 1);
  g_autoptr (GError) error = NULL;
  const gchar *keys = "{\"keys\": {"
                      "\"ak_alpha\": {\"peer_id\": \"alpha\", \"role\": \"agent\"},"
                      "\"ak_beta\": {\"peer_id\": \"beta\", \"role\": \"agent\"},"
                      "\"ak_gamma\": {\"peer_id\": \"gamma\", \"role\": \"agent\"},"
                      "\"ak_admin\": {\"peer_id\": \"admin\", \"role\": \"admin\"}}}";

  reg->dir = g_dir_make_tmp ("weft-agent-test-XXXXXX", &error);
  g_assert_no_error (error);
  reg->db = g_build_filename (reg->dir, "registry.db", NULL);
  reg->keys = g_build_filename (reg->dir, "api_keys.json", NULL);
  reg->port_file = g_build_filename (reg->dir, "port", NULL);
  g_assert_true (g_file_set_contents (reg->keys, keys, -1, NULL));
  return reg;
}

static gboolean
port_file_ready (gpointer data)
{
  AgentTestRegistry *reg = data;

  return g_file_test (reg->port_file, G_FILE_TEST_EXISTS) || reg->exited;
}

static void
exited_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  gboolean *exited = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), res, NULL);
  *exited = TRUE;
}

/* a test that aborts must not leave its registry behind */
static void
child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* starts the registry; after a stop it comes back on the same port and database */
gboolean
agent_test_registry_start (AgentTestRegistry *reg)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autofree gchar *port_arg = g_strdup_printf ("%u", reg->port);
  g_autofree gchar *text = NULL;

  g_assert_null (reg->proc);
  g_unlink (reg->port_file);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  g_subprocess_launcher_setenv (launcher, "SIGNALING_SECRET",
                                "weft-agent-tests-0123456789abcdef0123456789abcdef", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "PORT");
  g_subprocess_launcher_unsetenv (launcher, "API_KEYS_FILE");
  reg->proc = g_subprocess_launcher_spawn (launcher, &error, agent_test_registry_path (), "--dev",
                                           "--no-dbus", "--listen", "127.0.0.1", "--port", port_arg,
                                           "--port-file", reg->port_file, "--db", reg->db,
                                           "--api-keys", reg->keys, NULL);
  g_assert_no_error (error);
  reg->exited = FALSE;
  g_subprocess_wait_async (reg->proc, NULL, exited_cb, &reg->exited);
  if (!agent_test_wait_until (port_file_ready, reg, 15000) ||
      !g_file_get_contents (reg->port_file, &text, NULL, NULL))
    return FALSE;
  reg->port = (guint16) g_ascii_strtoull (g_strstrip (text), NULL, 10);
  g_free (reg->url);
  reg->url = g_strdup_printf ("http://127.0.0.1:%u", reg->port);
  return reg->port != 0;
}

void
agent_test_registry_stop (AgentTestRegistry *reg)
{
  if (reg->proc == NULL)
    return;
  g_subprocess_send_signal (reg->proc, SIGTERM);
  while (!reg->exited)
    g_main_context_iteration (NULL, TRUE);
  g_clear_object (&reg->proc);
}

void
agent_test_registry_free (AgentTestRegistry *reg)
{
  if (reg == NULL)
    return;
  agent_test_registry_stop (reg);
  g_unlink (reg->db);
  g_unlink (reg->keys);
  g_unlink (reg->port_file);
  {
    /* sqlite side files */
    g_autofree gchar *wal = g_strconcat (reg->db, "-wal", NULL);
    g_autofree gchar *shm = g_strconcat (reg->db, "-shm", NULL);
    g_unlink (wal);
    g_unlink (shm);
  }
  g_rmdir (reg->dir);
  g_free (reg->dir);
  g_free (reg->db);
  g_free (reg->keys);
  g_free (reg->port_file);
  g_free (reg->url);
  g_free (reg);
}
