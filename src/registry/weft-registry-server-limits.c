/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* WeftRegistryServer: limits checked before a request body is read, and connection accounting */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>
#include <sys/socket.h>

#include "weft.h"
#include "weft-pairing-entry.h"
#include "weft-registry-server-private.h"

#define DRAIN_TIMEOUT_S       5
#define SWEEP_MIN_INTERVAL_US (250 * 1000)

/* ---- replies that bypass libsoup: used before the body is read ---- */

typedef struct
{
  GIOStream *stream; /* (owned) */
  GBytes *response;  /* (owned) */
  GCancellable *cancellable;
  guint timeout_id;
  gsize drained;
  gsize drain_limit;
} Closer;

static void
closer_free (Closer *c)
{
  g_clear_handle_id (&c->timeout_id, g_source_remove);
  g_io_stream_close_async (c->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_clear_object (&c->stream);
  g_clear_object (&c->cancellable);
  g_clear_pointer (&c->response, g_bytes_unref);
  g_free (c);
}

static gboolean
closer_timeout (gpointer user_data)
{
  Closer *c = user_data;

  c->timeout_id = 0;
  g_cancellable_cancel (c->cancellable);
  return G_SOURCE_REMOVE;
}

static void
closer_drained (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Closer *c = user_data;
  g_autoptr (GBytes) bytes =
    g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, NULL);

  /* read what the client still sends so that it sees the answer instead of a reset */
  if (bytes != NULL && g_bytes_get_size (bytes) > 0 && c->drained < c->drain_limit)
    {
      c->drained += g_bytes_get_size (bytes);
      g_input_stream_read_bytes_async (g_io_stream_get_input_stream (c->stream), 65536,
                                       G_PRIORITY_LOW, c->cancellable, closer_drained, c);
      return;
    }
  closer_free (c);
}

static void
closer_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Closer *c = user_data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL))
    {
      closer_free (c);
      return;
    }
  if (G_IS_SOCKET_CONNECTION (c->stream))
    g_socket_shutdown (g_socket_connection_get_socket (G_SOCKET_CONNECTION (c->stream)), FALSE,
                       TRUE, NULL);
  g_input_stream_read_bytes_async (g_io_stream_get_input_stream (c->stream), 65536, G_PRIORITY_LOW,
                                   c->cancellable, closer_drained, c);
}

/* answers @msg with @status and a JSON error, then closes the connection without reading
 * the request body (which may be huge) */
static void
reject_and_close (WeftRegistryServer *self,
                  SoupServerMessage *msg,
                  guint status,
                  const gchar *message)
{
  g_autoptr (JsonNode) body = weft_json_error_new (message);
  g_autofree gchar *json = json_to_string (body, FALSE);
  g_autofree gchar *head = NULL;
  g_autoptr (GIOStream) stream = NULL;
  Closer *c;
  gsize len;

  /* the response head is fixed text; the body goes through json-glib */
  head = g_strdup_printf ("HTTP/1.1 %u %s\r\n"
                          "Content-Type: application/json\r\n"
                          "Content-Length: %" G_GSIZE_FORMAT "\r\n"
                          "Access-Control-Allow-Origin: *\r\n"
                          "Connection: close\r\n\r\n%s",
                          status, soup_status_get_phrase (status), strlen (json), json);
  weft_registry_metrics_observe_request (self->metrics, "limit",
                                         soup_server_message_get_method (msg), status, 0);
  stream = soup_server_message_steal_connection (msg);
  if (stream == NULL)
    return;
  c = g_new0 (Closer, 1);
  c->stream = g_steal_pointer (&stream);
  c->cancellable = g_cancellable_new ();
  c->drain_limit = MAX (self->config->max_body_size * 4, 16 * 1024 * 1024);
  len = strlen (head);
  c->response = g_bytes_new_take (g_steal_pointer (&head), len);
  c->timeout_id = g_timeout_add_seconds (DRAIN_TIMEOUT_S, closer_timeout, c);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (c->stream),
                                   g_bytes_get_data (c->response, NULL), len, G_PRIORITY_DEFAULT,
                                   c->cancellable, closer_written, c);
}

/* ---- connection accounting ---- */

gchar *
weft_registry_server_remote_address (SoupServerMessage *msg)
{
  GSocketAddress *addr = soup_server_message_get_remote_address (msg);

  if (addr != NULL && G_IS_INET_SOCKET_ADDRESS (addr))
    return g_inet_address_to_string (
      g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (addr)));
  return g_strdup ("unknown");
}

static void
release_address (WeftRegistryServer *self, const gchar *address)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->conns_per_address, address));

  if (n <= 1)
    g_hash_table_remove (self->conns_per_address, address);
  else
    g_hash_table_insert (self->conns_per_address, g_strdup (address), GUINT_TO_POINTER (n - 1));
}

/* whether the client has gone: libsoup 3.2 neither closes nor frees an idle keep-alive
 * connection whose client hung up, so this looks at the socket itself */
static gboolean
socket_is_gone (GSocket *sock)
{
  GIOCondition cond;
  gchar byte;

  if (g_socket_is_closed (sock))
    return TRUE;
  cond = g_socket_condition_check (sock, G_IO_IN | G_IO_HUP | G_IO_ERR);
  if (cond & (G_IO_HUP | G_IO_ERR))
    return TRUE;
  if ((cond & G_IO_IN) && recv (g_socket_get_fd (sock), &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0)
    return TRUE;
  return FALSE;
}

/* finds connections whose client is gone, releases their count and closes them (which
 * also gives their descriptor back: libsoup would keep it) */
void
weft_registry_server_sweep_connections (WeftRegistryServer *self)
{
  GHashTableIter iter;
  GSocket *sock;
  const gchar *address;

  self->last_sweep = g_get_monotonic_time ();
  g_hash_table_iter_init (&iter, self->tracked);
  while (g_hash_table_iter_next (&iter, (gpointer *) &sock, (gpointer *) &address))
    if (socket_is_gone (sock))
      {
        if (!g_socket_is_closed (sock))
          g_socket_close (sock, NULL);
        release_address (self, address);
        g_hash_table_iter_remove (&iter);
      }
}

gboolean
weft_registry_server_sweep_timeout (gpointer user_data)
{
  weft_registry_server_sweep_connections (user_data);
  return G_SOURCE_CONTINUE;
}

/* counts each TCP connection once, when its first request arrives; FALSE when the
 * client address holds too many */
static gboolean
track_connection (WeftRegistryServer *self, SoupServerMessage *msg)
{
  GSocket *sock = soup_server_message_get_socket (msg);
  gchar *address;
  guint n;

  if (sock == NULL || g_hash_table_contains (self->tracked, sock))
    return TRUE;
  address = weft_registry_server_remote_address (msg);
  n = GPOINTER_TO_UINT (g_hash_table_lookup (self->conns_per_address, address)) + 1;
  /* sweeping polls every connection: do it at most a few times a second, and always before
   * refusing someone */
  if (g_get_monotonic_time () - self->last_sweep > SWEEP_MIN_INTERVAL_US ||
      (self->config->max_connections_per_address > 0 &&
       n > self->config->max_connections_per_address))
    {
      weft_registry_server_sweep_connections (self);
      n = GPOINTER_TO_UINT (g_hash_table_lookup (self->conns_per_address, address)) + 1;
    }
  g_hash_table_insert (self->conns_per_address, g_strdup (address), GUINT_TO_POINTER (n));
  g_hash_table_insert (self->tracked, g_object_ref (sock), address);
  if (self->config->max_connections_per_address > 0 &&
      n > self->config->max_connections_per_address)
    {
      g_message ("Refusing a connection from %s: it holds %u, the limit is %u", address, n - 1,
                 self->config->max_connections_per_address);
      weft_registry_metrics_count_limit (self->metrics, "connections-per-address");
      return FALSE;
    }
  return TRUE;
}

/* ---- early checks, before the body is read ---- */

static void
on_got_chunk (SoupServerMessage *msg, GBytes *chunk, gpointer user_data)
{
  WeftRegistryServer *self = user_data;
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  if ((gsize) body->length > self->config->max_body_size)
    {
      g_signal_handlers_disconnect_by_func (msg, on_got_chunk, user_data);
      g_message ("Refusing a chunked %s %s: body exceeds %" G_GSIZE_FORMAT " bytes",
                 soup_server_message_get_method (msg),
                 g_uri_get_path (soup_server_message_get_uri (msg)), self->config->max_body_size);
      weft_registry_metrics_count_limit (self->metrics, "body-size");
      reject_and_close (self, msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
                        _ ("request body too large"));
    }
}

/* FALSE when @msg was answered and its connection closed */
gboolean
weft_registry_server_early_checks (WeftRegistryServer *self,
                                   SoupServerMessage *msg,
                                   const char *path)
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);
  SoupEncoding enc = soup_message_headers_get_encoding (h);

  if (!track_connection (self, msg))
    {
      reject_and_close (self, msg, 429, _ ("too many connections from this address"));
      return FALSE;
    }
  if (enc == SOUP_ENCODING_CONTENT_LENGTH &&
      (guint64) soup_message_headers_get_content_length (h) > self->config->max_body_size)
    {
      g_message ("Refusing %s %s: Content-Length %" G_GINT64_FORMAT " exceeds %" G_GSIZE_FORMAT
                 " bytes",
                 soup_server_message_get_method (msg), path,
                 soup_message_headers_get_content_length (h), self->config->max_body_size);
      weft_registry_metrics_count_limit (self->metrics, "body-size");
      reject_and_close (self, msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
                        _ ("request body too large"));
      return FALSE;
    }
  if (enc == SOUP_ENCODING_CHUNKED || enc == SOUP_ENCODING_EOF)
    g_signal_connect (msg, "got-chunk", G_CALLBACK (on_got_chunk), self);
  return TRUE;
}

void
weft_registry_server_early_handler (SoupServer *soup,
                                    SoupServerMessage *msg,
                                    const char *path,
                                    GHashTable *query,
                                    gpointer user_data)
{
  weft_registry_server_early_checks (WEFT_REGISTRY_SERVER (user_data), msg, path);
}
