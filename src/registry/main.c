/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n-lib.h>
#include <locale.h>

#if HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "weft-registry-config.h"
#include "weft-registry-server.h"
#ifdef HAVE_REGISTRY_DBUS
#include "weft-registry-dbus.h"
#endif

static gboolean
on_signal (gpointer user_data)
{
  GMainLoop *loop = user_data;

  g_message ("Shutting down");
  g_main_loop_quit (loop);
  return G_SOURCE_CONTINUE;
}

/* sockets handed over by systemd (weft-registry.socket); 0 when started directly */
static gint
listen_activated (WeftRegistryServer *server, GError **error)
{
#if HAVE_LIBSYSTEMD
  gint n = sd_listen_fds (TRUE);

  if (n < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (-n),
                   _ ("Cannot take the sockets systemd passed: %s"), g_strerror (-n));
      return -1;
    }
  for (gint i = 0; i < n; i++)
    {
      g_autoptr (GSocket) socket = g_socket_new_from_fd (SD_LISTEN_FDS_START + i, error);

      if (socket == NULL || !weft_registry_server_listen_socket (server, socket, error))
        return -1;
    }
  return n;
#else
  return 0;
#endif
}

int
main (int argc, char **argv)
{
  g_autoptr (WeftRegistryConfig) config = weft_registry_config_new ();
  g_autoptr (WeftRegistryServer) server = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autoptr (GError) error = NULL;
  gint n_activated;
  gboolean want_dbus;
#ifdef HAVE_REGISTRY_DBUS
  g_autoptr (WeftRegistryDBus) dbus = NULL;
#endif

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("weft-registry");

  if (!weft_registry_config_parse_args (config, &argc, &argv, &error))
    {
      g_printerr ("weft-registry: %s\n", error->message);
      return 2;
    }
  want_dbus = config->dbus;
  if (config->dev)
    g_message ("Development mode: do not use it on a network you do not trust");

  server = weft_registry_server_new (g_steal_pointer (&config), &error);
  if (server == NULL)
    {
      g_printerr ("weft-registry: %s\n", error->message);
      return 1;
    }

  n_activated = listen_activated (server, &error);
  if (n_activated < 0 || (n_activated == 0 && !weft_registry_server_listen (server, &error)))
    {
      g_printerr ("weft-registry: %s\n", error->message);
      return 1;
    }

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, on_signal, loop);
  g_unix_signal_add (SIGTERM, on_signal, loop);

#ifdef HAVE_REGISTRY_DBUS
  if (want_dbus)
    dbus = weft_registry_dbus_new (server);
#endif
#if HAVE_LIBSYSTEMD
  sd_notify (0, "READY=1");
#endif

  g_main_loop_run (loop);

#if HAVE_LIBSYSTEMD
  sd_notify (0, "STOPPING=1");
#endif
#ifdef HAVE_REGISTRY_DBUS
  g_clear_object (&dbus);
#else
  (void) want_dbus;
#endif
  weft_registry_server_shutdown (server);
  return 0;
}
