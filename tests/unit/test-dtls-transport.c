/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "weft-dtls-transport.h"
#include "weft-error.h"

/* two DTLS transports in one process joined by in-memory datagram queues;
 * datagrams are handed over from the test loop, never from inside GnuTLS */

typedef struct
{
  WeftDtlsTransport *dtls;
  GQueue out;          /* (element-type GBytes) datagrams sent, not yet delivered */
  GPtrArray *received; /* (element-type GBytes) application data */
  guint drop_outgoing; /* datagrams to lose */
  guint sent;
  gboolean split_first_byte; /* send handshake messages as a 1-byte fragment + the rest */
  guint64 next_seq;          /* epoch-0 record numbers once split_first_byte renumbers them */
} End;

typedef struct
{
  WeftCertificate *client_cert;
  WeftCertificate *server_cert;
  End client;
  End server;
} Fixture;

static guint32
get24 (const guint8 *p)
{
  return ((guint32) p[0] << 16) | ((guint32) p[1] << 8) | p[2];
}

static void
put24 (guint8 *p, guint32 v)
{
  p[0] = (v >> 16) & 0xff;
  p[1] = (v >> 8) & 0xff;
  p[2] = v & 0xff;
}

/* appends one epoch-0 handshake record carrying bytes [off, off + n) of the
 * message whose header and body are given, numbered from end->next_seq */
static void
append_fragment (End *end,
                 GByteArray *out,
                 const guint8 *record,
                 const guint8 *body,
                 guint32 off,
                 guint32 n)
{
  guint8 header[13 + 12];

  memcpy (header, record, 13 + 12);
  for (guint i = 0; i < 6; i++)
    header[5 + i] = (end->next_seq >> (8 * (5 - i))) & 0xff;
  end->next_seq++;
  header[11] = ((12 + n) >> 8) & 0xff;
  header[12] = (12 + n) & 0xff;
  put24 (header + 13 + 6, off);
  put24 (header + 13 + 9, n);
  g_byte_array_append (out, header, sizeof header);
  g_byte_array_append (out, body + off, n);
}

/* what OpenSSL (aiortc) does with its 256-byte fallback MTU when a message
 * starts one byte before the end of a datagram: the first byte of every
 * handshake message goes last in one datagram, the rest in the next */
static void
end_send_split (End *end, const guint8 *data, gsize len)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  gsize pos = 0;

  while (pos + 13 <= len)
    {
      const guint8 *record = data + pos;
      gsize rlen = 13 + ((gsize) record[11] << 8 | record[12]);
      gboolean epoch0 = record[3] == 0 && record[4] == 0;

      g_assert_cmpuint (rlen, <=, len - pos);
      if (epoch0 && record[0] == 22 && rlen > 13 + 12 && get24 (record + 13 + 6) == 0 &&
          get24 (record + 13 + 9) == rlen - 13 - 12)
        {
          guint32 n = (guint32) (rlen - 13 - 12);

          append_fragment (end, out, record, record + 13 + 12, 0, 1);
          g_queue_push_tail (&end->out, g_byte_array_free_to_bytes (g_steal_pointer (&out)));
          out = g_byte_array_new ();
          append_fragment (end, out, record, record + 13 + 12, 1, n - 1);
        }
      else
        {
          gsize at = out->len;

          g_byte_array_append (out, record, rlen);
          if (epoch0)
            {
              for (guint i = 0; i < 6; i++)
                out->data[at + 5 + i] = (end->next_seq >> (8 * (5 - i))) & 0xff;
              end->next_seq++;
            }
        }
      pos += rlen;
    }
  if (out->len > 0)
    g_queue_push_tail (&end->out, g_byte_array_free_to_bytes (g_steal_pointer (&out)));
}

static void
end_send (const guint8 *data, gsize len, gpointer user_data)
{
  End *end = user_data;

  end->sent++;
  if (end->drop_outgoing > 0)
    {
      end->drop_outgoing--;
      return;
    }
  if (end->split_first_byte &&
      weft_dtls_transport_get_state (end->dtls) != WEFT_DTLS_STATE_CONNECTED)
    {
      end_send_split (end, data, len);
      return;
    }
  g_queue_push_tail (&end->out, g_bytes_new (data, len));
}

static void
end_receive (const guint8 *data, gsize len, gpointer user_data)
{
  End *end = user_data;

  g_ptr_array_add (end->received, g_bytes_new (data, len));
}

static void
end_init (End *end, WeftCertificate *cert, gboolean client, const char *remote_fp)
{
  g_autoptr (GError) error = NULL;

  g_queue_init (&end->out);
  end->received = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  end->dtls = weft_dtls_transport_new (cert, client, &error);
  g_assert_no_error (error);
  weft_dtls_transport_set_send_func (end->dtls, end_send, end);
  weft_dtls_transport_set_receive_func (end->dtls, end_receive, end);
  if (remote_fp != NULL)
    weft_dtls_transport_set_remote_fingerprint (end->dtls, remote_fp);
}

static void
end_clear (End *end)
{
  g_clear_object (&end->dtls);
  g_queue_clear_full (&end->out, (GDestroyNotify) g_bytes_unref);
  g_clear_pointer (&end->received, g_ptr_array_unref);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->client_cert = weft_certificate_new (NULL);
  f->server_cert = weft_certificate_new (NULL);
  end_init (&f->client, f->client_cert, TRUE, weft_certificate_get_fingerprint (f->server_cert));
  end_init (&f->server, f->server_cert, FALSE, weft_certificate_get_fingerprint (f->client_cert));
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  end_clear (&f->client);
  end_clear (&f->server);
  g_clear_object (&f->client_cert);
  g_clear_object (&f->server_cert);
}

static gboolean
deliver (End *from, End *to)
{
  g_autoptr (GBytes) bytes = g_queue_pop_head (&from->out);
  gsize len;
  const guint8 *data;

  if (bytes == NULL)
    return FALSE;
  data = g_bytes_get_data (bytes, &len);
  weft_dtls_transport_handle_datagram (to->dtls, data, len);
  return TRUE;
}

static gboolean
settled (WeftDtlsTransport *dtls)
{
  WeftDtlsState s = weft_dtls_transport_get_state (dtls);

  return s == WEFT_DTLS_STATE_CONNECTED || s == WEFT_DTLS_STATE_FAILED ||
         s == WEFT_DTLS_STATE_CLOSED;
}

/* moves datagrams both ways and runs the retransmission timers */
static void
pump (Fixture *f, gboolean (*done) (Fixture *))
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (!done (f))
    {
      gboolean moved = deliver (&f->client, &f->server);

      moved |= deliver (&f->server, &f->client);
      g_main_context_iteration (NULL, !moved);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    }
}

static gboolean
both_settled (Fixture *f)
{
  return settled (f->client.dtls) && settled (f->server.dtls);
}

static gboolean
queues_empty (Fixture *f)
{
  return g_queue_is_empty (&f->client.out) && g_queue_is_empty (&f->server.out);
}

static void
handshake (Fixture *f)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (weft_dtls_transport_start (f->server.dtls, &error));
  g_assert_true (weft_dtls_transport_start (f->client.dtls, &error));
  g_assert_no_error (error);
  pump (f, both_settled);
}

static void
test_handshake_and_data (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *desc = NULL;
  guint8 big[1100];

  memset (big, 0x5a, sizeof big);
  g_assert_true (weft_dtls_transport_is_client (f->client.dtls));
  g_assert_false (weft_dtls_transport_is_client (f->server.dtls));
  handshake (f);
  g_assert_cmpint (weft_dtls_transport_get_state (f->client.dtls), ==, WEFT_DTLS_STATE_CONNECTED);
  g_assert_cmpint (weft_dtls_transport_get_state (f->server.dtls), ==, WEFT_DTLS_STATE_CONNECTED);
  desc = weft_dtls_transport_get_description (f->client.dtls);
  g_assert_nonnull (strstr (desc, "DTLS1.2"));
  g_assert_nonnull (strstr (desc, "ECDSA"));

  g_assert_true (weft_dtls_transport_send (f->client.dtls, (const guint8 *) "ping", 4, &error));
  g_assert_true (weft_dtls_transport_send (f->server.dtls, big, sizeof big, &error));
  g_assert_no_error (error);
  pump (f, queues_empty);
  g_assert_cmpuint (f->server.received->len, ==, 1);
  g_assert_cmpmem (g_bytes_get_data (f->server.received->pdata[0], NULL),
                   g_bytes_get_size (f->server.received->pdata[0]), "ping", 4);
  g_assert_cmpuint (f->client.received->len, ==, 1);
  g_assert_cmpuint (g_bytes_get_size (f->client.received->pdata[0]), ==, sizeof big);

  /* close_notify: the peer sees the session closed */
  weft_dtls_transport_close (f->client.dtls);
  g_assert_cmpint (weft_dtls_transport_get_state (f->client.dtls), ==, WEFT_DTLS_STATE_CLOSED);
  pump (f, queues_empty);
  g_assert_cmpint (weft_dtls_transport_get_state (f->server.dtls), ==, WEFT_DTLS_STATE_CLOSED);
  g_assert_false (weft_dtls_transport_send (f->server.dtls, big, 4, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE);
}

static void
test_early_client_hello (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  /* the client hello reaches the server before the server starts */
  g_assert_true (weft_dtls_transport_start (f->client.dtls, &error));
  g_assert_cmpuint (g_queue_get_length (&f->client.out), >=, 1);
  while (deliver (&f->client, &f->server))
    ;
  g_assert_cmpint (weft_dtls_transport_get_state (f->server.dtls), ==, WEFT_DTLS_STATE_NEW);
  g_assert_true (weft_dtls_transport_start (f->server.dtls, &error));
  g_assert_no_error (error);
  pump (f, both_settled);
  g_assert_cmpint (weft_dtls_transport_get_state (f->server.dtls), ==, WEFT_DTLS_STATE_CONNECTED);
  g_assert_cmpint (weft_dtls_transport_get_state (f->client.dtls), ==, WEFT_DTLS_STATE_CONNECTED);
}

static void
test_retransmission (Fixture *f, gconstpointer data)
{
  /* lose the server's first flight: the client's timer resends its hello */
  f->server.drop_outgoing = 3;
  handshake (f);
  g_assert_cmpint (weft_dtls_transport_get_state (f->client.dtls), ==, WEFT_DTLS_STATE_CONNECTED);
  g_assert_cmpint (weft_dtls_transport_get_state (f->server.dtls), ==, WEFT_DTLS_STATE_CONNECTED);
  g_assert_cmpuint (f->server.sent, >, 3);
}

/* GnuTLS 3.7 loses a message whose first fragment holds one byte when that
 * fragment arrives first; OpenSSL's DTLS produces such fragments */
static void
test_one_byte_fragments (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->server.split_first_byte = TRUE;
  f->client.split_first_byte = TRUE;
  handshake (f);
  g_assert_no_error (weft_dtls_transport_get_error (f->client.dtls));
  g_assert_no_error (weft_dtls_transport_get_error (f->server.dtls));
  g_assert_cmpint (weft_dtls_transport_get_state (f->client.dtls), ==, WEFT_DTLS_STATE_CONNECTED);
  g_assert_cmpint (weft_dtls_transport_get_state (f->server.dtls), ==, WEFT_DTLS_STATE_CONNECTED);
  g_assert_true (weft_dtls_transport_send (f->client.dtls, (const guint8 *) "ok", 2, &error));
  g_assert_no_error (error);
  pump (f, queues_empty);
  g_assert_cmpuint (f->server.received->len, ==, 1);
}

static void
check_mismatch (Fixture *f, End *liar_view)
{
  const GError *error;

  handshake (f);
  error = weft_dtls_transport_get_error (liar_view->dtls);
  g_assert_cmpint (weft_dtls_transport_get_state (liar_view->dtls), ==, WEFT_DTLS_STATE_FAILED);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_PERMISSION_DENIED);
  g_assert_nonnull (strstr (error->message, "does not match"));
  /* neither side ever reaches connected */
  g_assert_cmpint (weft_dtls_transport_get_state (f->client.dtls), !=, WEFT_DTLS_STATE_CONNECTED);
  g_assert_cmpint (weft_dtls_transport_get_state (f->server.dtls), !=, WEFT_DTLS_STATE_CONNECTED);
}

static void
test_server_rejects_client (Fixture *f, gconstpointer data)
{
  g_autoptr (WeftCertificate) other = weft_certificate_new (NULL);

  /* the server expects another certificate: it must have asked for the
   * client's and checked it */
  weft_dtls_transport_set_remote_fingerprint (f->server.dtls,
                                              weft_certificate_get_fingerprint (other));
  check_mismatch (f, &f->server);
}

static void
test_client_rejects_server (Fixture *f, gconstpointer data)
{
  g_autoptr (WeftCertificate) other = weft_certificate_new (NULL);

  weft_dtls_transport_set_remote_fingerprint (f->client.dtls,
                                              weft_certificate_get_fingerprint (other));
  check_mismatch (f, &f->client);
}

static void
test_start_needs_fingerprint (void)
{
  g_autoptr (WeftCertificate) cert = weft_certificate_new (NULL);
  g_autoptr (WeftDtlsTransport) dtls = weft_dtls_transport_new (cert, TRUE, NULL);
  g_autoptr (GError) error = NULL;
  guint8 junk[] = { 0x80, 1, 2 };

  /* not DTLS by its first byte: ignored */
  weft_dtls_transport_handle_datagram (dtls, junk, sizeof junk);
  g_assert_false (weft_dtls_transport_start (dtls, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE);
  g_assert_cmpint (weft_dtls_transport_get_state (dtls), ==, WEFT_DTLS_STATE_NEW);
}

static void
test_garbage_after_handshake (Fixture *f, gconstpointer data)
{
  /* a record-shaped datagram that does not decrypt is dropped, not fatal */
  guint8 junk[64];
  g_autoptr (GError) error = NULL;

  handshake (f);
  memset (junk, 0, sizeof junk);
  junk[0] = 23; /* application data */
  junk[1] = 0xfe;
  junk[2] = 0xfd;
  junk[12] = 40;
  weft_dtls_transport_handle_datagram (f->server.dtls, junk, sizeof junk);
  weft_dtls_transport_handle_datagram (f->server.dtls, junk, 5);
  g_assert_cmpint (weft_dtls_transport_get_state (f->server.dtls), ==, WEFT_DTLS_STATE_CONNECTED);
  g_assert_true (weft_dtls_transport_send (f->client.dtls, (const guint8 *) "ok", 2, &error));
  pump (f, queues_empty);
  g_assert_cmpuint (f->server.received->len, ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/weft/dtls/handshake-and-data", test_handshake_and_data);
  ADD ("/weft/dtls/early-client-hello", test_early_client_hello);
  ADD ("/weft/dtls/retransmission", test_retransmission);
  ADD ("/weft/dtls/one-byte-fragments", test_one_byte_fragments);
  ADD ("/weft/dtls/server-rejects-client", test_server_rejects_client);
  ADD ("/weft/dtls/client-rejects-server", test_client_rejects_server);
  ADD ("/weft/dtls/garbage-after-handshake", test_garbage_after_handshake);
#undef ADD
  g_test_add_func ("/weft/dtls/start-needs-fingerprint", test_start_needs_fingerprint);
  return g_test_run ();
}
