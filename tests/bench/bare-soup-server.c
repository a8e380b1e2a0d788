/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* the reference point of the registry benchmark: a libsoup-3 server that answers every
 * request with the body the registry sends to a heartbeat, and does nothing else */
#include <glib-unix.h>
#include <libsoup/soup.h>
#include <stdlib.h>
#include <string.h>

static const gchar response[] = "{\"status\":\"ok\",\"pending_tasks\":[]}";

static void
handler (SoupServer *server,
         SoupServerMessage *msg,
         const char *path,
         GHashTable *query,
         gpointer user_data)
{
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, response,
                                    strlen (response));
}

static gboolean
on_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  g_autoptr (SoupServer) server = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) inet = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) addr = NULL;
  GSList *uris;
  guint port = argc > 1 ? (guint) atoi (argv[1]) : 0;

  server = soup_server_new ("server-header", "bare-soup", NULL);
  soup_server_add_handler (server, NULL, handler, NULL, NULL);
  addr = g_inet_socket_address_new (inet, (guint16) port);
  if (!soup_server_listen (server, addr, 0, &error))
    {
      g_printerr ("bare-soup-server: %s\n", error->message);
      return 1;
    }
  uris = soup_server_get_uris (server);
  /* the bench script reads the port from the first line */
  g_print ("%d\n", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, on_signal, loop);
  g_unix_signal_add (SIGINT, on_signal, loop);
  g_main_loop_run (loop);
  return 0;
}
