/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <gnutls/dtls.h>
#include <gnutls/gnutls.h>
#include <string.h>

#include "weft-dtls-transport.h"
#include "weft-error.h"

/* DTLS 1.2 over an unreliable datagram path (the ICE component). the
 * session is non-blocking: incoming datagrams are fed by the caller, the
 * handshake is re-driven from a GLib timer armed from gnutls_dtls_get_timeout
 * and application data goes out through the send function synchronously. */

#define PRIORITY          "SECURE128:-VERS-ALL:+VERS-DTLS1.2:-COMP-ALL:+COMP-NULL"
#define MAX_EARLY_PACKETS 64
#define RECORD_BUFFER     (64 * 1024)
/* after the handshake: large enough that no SCTP packet is ever refused,
 * up to the largest record (16 KiB of plaintext) */
#define DATA_MTU (16384 + 256)

#define RECORD_HEADER    13 /* type, version, epoch, sequence number, length */
#define HANDSHAKE_HEADER 12 /* type, length, message_seq, fragment offset and length */
#define MAX_HELD         8
/* far above any handshake message of a WebRTC peer (certificates of a few hundred bytes) */
#define MAX_HANDSHAKE_MESSAGE (64 * 1024)
/* the unencrypted handshake messages one peer sends: about six, a few more
 * with a cookie exchange */
#define MAX_HANDSHAKE_MESSAGES 32

/* what the first fragment of an unencrypted handshake message announced */
typedef struct
{
  guint16 seq;
  guint8 type;
  guint32 length;
} HandshakeMessage;

enum
{
  SIGNAL_STATE_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

struct _WeftDtlsTransport
{
  GObject parent_instance;

  WeftCertificate *certificate; /* (owned) */
  gnutls_session_t session;     /* (owned) */
  GMainContext *context;        /* (owned) */
  gboolean client;
  WeftDtlsState state;
  GError *error;            /* (owned) (nullable) why the transport failed */
  char *remote_fingerprint; /* (owned) (nullable) */
  GQueue incoming;          /* (element-type GBytes) (owned) datagrams gnutls has not pulled */
  GByteArray *held;         /* (owned) (nullable) records fed after the next datagram */
  const guint8 *current;    /* (nullable) the datagram being fed on the fast path */
  gsize current_len;
  GSource *timer; /* (owned) (nullable) handshake retransmission */
  gboolean in_handshake;

  WeftTransportPacketFunc send_func;
  gpointer send_data;
  WeftTransportPacketFunc receive_func;
  gpointer receive_data;

  guint8 *record;                                    /* (owned) RECORD_BUFFER bytes */
  HandshakeMessage messages[MAX_HANDSHAKE_MESSAGES]; /* the peer's, by message_seq */
  guint n_messages;
};

G_DEFINE_TYPE (WeftDtlsTransport, weft_dtls_transport, G_TYPE_OBJECT)

static void
drive_handshake (WeftDtlsTransport *self);

static void
set_state (WeftDtlsTransport *self, WeftDtlsState state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0, (guint) state);
}

static void
fail (WeftDtlsTransport *self, GError *error)
{
  if (self->error == NULL)
    self->error = error;
  else
    g_error_free (error);
  /* the peer connection reports it to the operator */
  g_debug ("DTLS transport failed: %s", self->error->message);
  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
  set_state (self, WEFT_DTLS_STATE_FAILED);
}

static guint32
get_uint24 (const guint8 *p)
{
  return ((guint32) p[0] << 16) | ((guint32) p[1] << 8) | p[2];
}

/* the length of the whole record at @pos, header included; 0 when the
 * datagram ends before it does */
static gsize
record_length (const guint8 *data, gsize len, gsize pos)
{
  gsize record_len;

  if (len - pos < RECORD_HEADER)
    return 0;
  record_len = RECORD_HEADER + ((gsize) data[pos + 11] << 8 | data[pos + 12]);
  return record_len <= len - pos ? record_len : 0;
}

/* a handshake record of epoch 0: not encrypted, not authenticated */
static gboolean
is_plain_handshake (const guint8 *record)
{
  return record[0] == 22 && record[3] == 0 && record[4] == 0;
}

/* an unencrypted handshake record holding only the first byte of a longer message */
#define LONE_FIRST_BYTE_RECORD (RECORD_HEADER + HANDSHAKE_HEADER + 1)
static gboolean
is_lone_first_byte (const guint8 *record, gsize len)
{
  const guint8 *handshake = record + RECORD_HEADER;

  return len == LONE_FIRST_BYTE_RECORD && is_plain_handshake (record) &&
         get_uint24 (handshake + 1) > 1 && get_uint24 (handshake + 6) == 0 &&
         get_uint24 (handshake + 9) == 1;
}

/* fragments not yet taken, checked against the messages already known */
typedef struct
{
  HandshakeMessage messages[MAX_HANDSHAKE_MESSAGES];
  guint n_messages;
} Pending;

static const HandshakeMessage *
find_message (const HandshakeMessage *messages, guint n_messages, guint16 seq)
{
  for (guint i = 0; i < n_messages; i++)
    if (messages[i].seq == seq)
      return &messages[i];
  return NULL;
}

/* a fragment of message @seq agrees with what its first fragment announced;
 * the first fragment of a message is added to @pending */
static gboolean
fragment_agrees (WeftDtlsTransport *self, Pending *pending, const guint8 *fragment)
{
  HandshakeMessage m = { (guint16) (fragment[4] << 8 | fragment[5]), fragment[0],
                         get_uint24 (fragment + 1) };
  const HandshakeMessage *known = find_message (self->messages, self->n_messages, m.seq);

  if (known == NULL)
    known = find_message (pending->messages, pending->n_messages, m.seq);
  if (known != NULL)
    return known->type == m.type && known->length == m.length;
  if (self->n_messages + pending->n_messages >= MAX_HANDSHAKE_MESSAGES)
    return FALSE;
  pending->messages[pending->n_messages++] = m;
  return TRUE;
}

/* the handshake fragments of one unencrypted record: each one inside its
 * message and inside the record, and of the type and length the first
 * fragment of its message announced. GnuTLS 3.7 trusts these lengths when
 * it reassembles a message (a fragment that claims more than its message
 * makes it read past its buffer; a fragment of a message first announced
 * as empty makes it write through a null pointer), so records that break
 * them are dropped here like any garbage datagram. */
static gboolean
handshake_fragments_valid (WeftDtlsTransport *self, Pending *pending, const guint8 *body, gsize len)
{
  guint n_before = pending->n_messages;

  while (len > 0)
    {
      guint32 message_len, offset, fragment_len;

      if (len < HANDSHAKE_HEADER)
        goto refused;
      message_len = get_uint24 (body + 1);
      offset = get_uint24 (body + 6);
      fragment_len = get_uint24 (body + 9);
      if (message_len > MAX_HANDSHAKE_MESSAGE || offset > message_len ||
          fragment_len > message_len - offset || (fragment_len == 0 && message_len > 0) ||
          fragment_len > len - HANDSHAKE_HEADER || !fragment_agrees (self, pending, body))
        goto refused;
      body += HANDSHAKE_HEADER + fragment_len;
      len -= HANDSHAKE_HEADER + fragment_len;
    }
  return TRUE;

refused:
  pending->n_messages = n_before;
  return FALSE;
}

static gboolean
record_is_acceptable (WeftDtlsTransport *self, Pending *pending, const guint8 *record, gsize len)
{
  if (is_plain_handshake (record))
    return handshake_fragments_valid (self, pending, record + RECORD_HEADER, len - RECORD_HEADER);
  return TRUE;
}

/* the messages of fragments that go to GnuTLS are known from now on */
static void
take_pending (WeftDtlsTransport *self, Pending *pending)
{
  for (guint i = 0; i < pending->n_messages; i++)
    self->messages[self->n_messages++] = pending->messages[i];
  pending->n_messages = 0;
}

/* whole records only, and no malformed handshake record among them */
static gboolean
datagram_is_acceptable (WeftDtlsTransport *self, const guint8 *data, gsize len)
{
  Pending pending = { .n_messages = 0 };
  gsize pos = 0;

  while (pos < len)
    {
      gsize record_len = record_length (data, len, pos);

      if (record_len == 0 || !record_is_acceptable (self, &pending, data + pos, record_len))
        return FALSE;
      pos += record_len;
    }
  take_pending (self, &pending);
  return TRUE;
}

/* GnuTLS 3.7 cuts a handshake message to one byte when its first fragment
 * carries a single byte and arrives before the rest; the handshake then
 * fails with "Error decoding the received TLS packet". OpenSSL (aiortc)
 * sends such fragments whenever its 256-byte fallback MTU ends a datagram
 * one byte into a message. Those records are not authenticated (epoch 0),
 * so they are held back and fed after the next datagram, which carries the
 * rest of the message: GnuTLS then merges the byte in front of it.
 * Returns the datagram to feed, or NULL when nothing is left of it. */
static GBytes *
hold_lone_first_bytes (WeftDtlsTransport *self, const guint8 *data, gsize len)
{
  g_autoptr (GByteArray) out = g_byte_array_sized_new (len);
  g_autoptr (GByteArray) held = g_steal_pointer (&self->held);
  Pending pending = { .n_messages = 0 };
  gsize pos = 0, record_len;

  /* a truncated last record is dropped */
  while ((record_len = record_length (data, len, pos)) > 0)
    {
      const guint8 *record = data + pos;

      if (!record_is_acceptable (self, &pending, record, record_len))
        g_debug ("DTLS: dropping a malformed handshake record");
      else if (is_lone_first_byte (record, record_len) &&
               (self->held == NULL || self->held->len < MAX_HELD * LONE_FIRST_BYTE_RECORD))
        {
          if (self->held == NULL)
            self->held = g_byte_array_new ();
          g_byte_array_append (self->held, record, record_len);
        }
      else
        g_byte_array_append (out, record, record_len);
      pos += record_len;
    }
  /* a refused record took nothing back out of @pending */
  take_pending (self, &pending);
  if (held != NULL)
    {
      g_debug ("DTLS: feeding %u one-byte handshake fragment(s) after the rest",
               held->len / LONE_FIRST_BYTE_RECORD);
      g_byte_array_append (out, held->data, held->len);
    }
  if (out->len == 0)
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static void
queue_handshake_datagram (WeftDtlsTransport *self, const guint8 *data, gsize len)
{
  GBytes *bytes;

  /* bounded: a flood during the handshake is dropped like any excess datagram */
  if (g_queue_get_length (&self->incoming) >= MAX_EARLY_PACKETS)
    return;
  bytes = hold_lone_first_bytes (self, data, len);
  if (bytes != NULL)
    g_queue_push_tail (&self->incoming, bytes);
}

static ssize_t
push_cb (gnutls_transport_ptr_t ptr, const void *data, size_t len)
{
  WeftDtlsTransport *self = ptr;

  /* a datagram path: a send that fails is a lost packet, not an error */
  if (self->send_func != NULL)
    self->send_func (data, len, self->send_data);
  return (ssize_t) len;
}

static ssize_t
pull_cb (gnutls_transport_ptr_t ptr, void *data, size_t len)
{
  WeftDtlsTransport *self = ptr;
  g_autoptr (GBytes) bytes = NULL;
  gsize n;

  if (self->current != NULL)
    {
      n = MIN (len, self->current_len);
      memcpy (data, self->current, n);
      self->current = NULL;
      return (ssize_t) n;
    }
  bytes = g_queue_pop_head (&self->incoming);
  if (bytes == NULL)
    {
      gnutls_transport_set_errno (self->session, EAGAIN);
      return -1;
    }
  n = MIN (len, g_bytes_get_size (bytes));
  memcpy (data, g_bytes_get_data (bytes, NULL), n);
  return (ssize_t) n;
}

static int
pull_timeout_cb (gnutls_transport_ptr_t ptr, unsigned int ms)
{
  WeftDtlsTransport *self = ptr;

  /* never block: report whether a datagram is waiting */
  return (self->current != NULL || !g_queue_is_empty (&self->incoming)) ? 1 : 0;
}

static int
verify_cb (gnutls_session_t session)
{
  WeftDtlsTransport *self = gnutls_session_get_ptr (session);
  const gnutls_datum_t *certs;
  unsigned int n_certs = 0;
  g_autofree char *fingerprint = NULL;
  g_autoptr (GError) local_error = NULL;

  certs = gnutls_certificate_get_peers (session, &n_certs);
  if (certs == NULL || n_certs == 0)
    {
      g_clear_error (&self->error);
      g_set_error (&self->error, WEFT_ERROR, WEFT_ERROR_PERMISSION_DENIED,
                   _ ("The DTLS peer sent no certificate, so it cannot be authenticated"));
      return GNUTLS_E_CERTIFICATE_ERROR;
    }
  if (self->remote_fingerprint == NULL)
    {
      g_clear_error (&self->error);
      g_set_error (&self->error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE,
                   _ ("The DTLS handshake ran before the remote fingerprint was known"));
      return GNUTLS_E_CERTIFICATE_ERROR;
    }
  fingerprint = weft_certificate_fingerprint_from_der (&certs[0], &local_error);
  if (fingerprint == NULL)
    {
      g_clear_error (&self->error);
      self->error = g_steal_pointer (&local_error);
      return GNUTLS_E_CERTIFICATE_ERROR;
    }
  if (!weft_certificate_fingerprint_equal (fingerprint, self->remote_fingerprint))
    {
      g_clear_error (&self->error);
      g_set_error (&self->error, WEFT_ERROR, WEFT_ERROR_PERMISSION_DENIED,
                   /* TRANSLATORS: both %s are certificate fingerprints */
                   _ ("The DTLS peer's certificate (%s) does not match the fingerprint in its "
                      "session description (%s); the connection was refused"),
                   fingerprint, self->remote_fingerprint);
      return GNUTLS_E_CERTIFICATE_ERROR;
    }
  return 0;
}

static gboolean
timer_cb (gpointer user_data)
{
  WeftDtlsTransport *self = user_data;

  g_clear_pointer (&self->timer, g_source_unref);
  drive_handshake (self);
  return G_SOURCE_REMOVE;
}

static void
arm_timer (WeftDtlsTransport *self)
{
  unsigned int ms = gnutls_dtls_get_timeout (self->session);

  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
  self->timer = g_timeout_source_new (MAX (ms, 1));
  g_source_set_callback (self->timer, timer_cb, self, NULL);
  g_source_set_static_name (self->timer, "weft-dtls-retransmit");
  g_source_attach (self->timer, self->context);
}

static gboolean
gnutls_error (GError **error, int rc, const char *what)
{
  g_set_error (error, WEFT_ERROR, WEFT_ERROR_FAILED,
               /* TRANSLATORS: the first %s is an operation, the second a GnuTLS error */
               _ ("DTLS %s failed: %s"), what, gnutls_strerror (rc));
  return FALSE;
}

static void
read_records (WeftDtlsTransport *self);

static void
drive_handshake (WeftDtlsTransport *self)
{
  int rc;

  if (self->state != WEFT_DTLS_STATE_CONNECTING || self->in_handshake)
    return;

  self->in_handshake = TRUE;
  rc = gnutls_handshake (self->session);
  self->in_handshake = FALSE;

  if (rc == GNUTLS_E_SUCCESS)
    {
      char *desc = gnutls_session_get_desc (self->session);

      if (self->timer != NULL)
        {
          g_source_destroy (self->timer);
          g_clear_pointer (&self->timer, g_source_unref);
        }
      gnutls_dtls_set_mtu (self->session, DATA_MTU);
      g_debug ("DTLS handshake done as %s: %s", self->client ? "client" : "server", desc);
      gnutls_free (desc);
      g_object_ref (self);
      set_state (self, WEFT_DTLS_STATE_CONNECTED);
      /* records that came in the same flight as the peer's finished */
      if (self->state == WEFT_DTLS_STATE_CONNECTED)
        read_records (self);
      g_object_unref (self);
      return;
    }
  if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED || !gnutls_error_is_fatal (rc))
    {
      arm_timer (self);
      return;
    }
  {
    GError *error = NULL;

    /* tell the peer (bad_certificate, handshake_failure...) so it fails fast too */
    gnutls_alert_send_appropriate (self->session, rc);
    if (self->error != NULL)
      error = g_error_copy (self->error);
    else if (rc == GNUTLS_E_TIMEDOUT)
      error = g_error_new (WEFT_ERROR, WEFT_ERROR_TIMED_OUT,
                           _ ("The DTLS handshake timed out; the peer did not answer"));
    else
      gnutls_error (&error, rc, "handshake");
    fail (self, error);
  }
}

static void
read_records (WeftDtlsTransport *self)
{
  for (;;)
    {
      ssize_t n;

      if (self->current == NULL && g_queue_is_empty (&self->incoming))
        return;
      n = gnutls_record_recv (self->session, self->record, RECORD_BUFFER);
      if (n > 0)
        {
          if (self->receive_func != NULL)
            self->receive_func (self->record, (gsize) n, self->receive_data);
          if (self->state != WEFT_DTLS_STATE_CONNECTED)
            return;
          continue;
        }
      if (n == 0 || n == GNUTLS_E_PREMATURE_TERMINATION)
        {
          g_debug ("DTLS peer closed the session");
          self->current = NULL;
          set_state (self, WEFT_DTLS_STATE_CLOSED);
          return;
        }
      if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
        {
          /* a retransmitted handshake record was consumed without data */
          continue;
        }
      if (n == GNUTLS_E_REHANDSHAKE)
        {
          /* RFC 8827: renegotiation is refused */
          gnutls_alert_send (self->session, GNUTLS_AL_WARNING, GNUTLS_A_NO_RENEGOTIATION);
          continue;
        }
      if (gnutls_error_is_fatal ((int) n))
        {
          GError *error = NULL;

          self->current = NULL;
          gnutls_error (&error, (int) n, "receive");
          fail (self, error);
          return;
        }
      g_debug ("DTLS record dropped: %s", gnutls_strerror ((int) n));
    }
}

static void
weft_dtls_transport_dispose (GObject *object)
{
  WeftDtlsTransport *self = WEFT_DTLS_TRANSPORT (object);

  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
  self->send_func = NULL;
  self->receive_func = NULL;
  G_OBJECT_CLASS (weft_dtls_transport_parent_class)->dispose (object);
}

static void
weft_dtls_transport_finalize (GObject *object)
{
  WeftDtlsTransport *self = WEFT_DTLS_TRANSPORT (object);

  if (self->session != NULL)
    gnutls_deinit (self->session);
  g_queue_clear_full (&self->incoming, (GDestroyNotify) g_bytes_unref);
  g_clear_pointer (&self->held, g_byte_array_unref);
  g_clear_object (&self->certificate);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_error (&self->error);
  g_free (self->remote_fingerprint);
  g_free (self->record);
  G_OBJECT_CLASS (weft_dtls_transport_parent_class)->finalize (object);
}

static void
weft_dtls_transport_class_init (WeftDtlsTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = weft_dtls_transport_dispose;
  object_class->finalize = weft_dtls_transport_finalize;

  /* state-changed (guint state): a WeftDtlsState */
  signals[SIGNAL_STATE_CHANGED] =
    g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
weft_dtls_transport_init (WeftDtlsTransport *self)
{
  g_queue_init (&self->incoming);
  self->record = g_malloc (RECORD_BUFFER);
}

WeftDtlsTransport *
weft_dtls_transport_new (WeftCertificate *certificate, gboolean client, GError **error)
{
  g_autoptr (WeftDtlsTransport) self = NULL;
  const char *err_pos = NULL;
  int rc;

  g_return_val_if_fail (WEFT_IS_CERTIFICATE (certificate), NULL);

  self = g_object_new (WEFT_TYPE_DTLS_TRANSPORT, NULL);
  self->certificate = g_object_ref (certificate);
  self->client = client;
  self->context = g_main_context_ref_thread_default ();

  rc = gnutls_init (&self->session,
                    GNUTLS_DATAGRAM | GNUTLS_NONBLOCK | (client ? GNUTLS_CLIENT : GNUTLS_SERVER));
  if (rc < 0)
    {
      self->session = NULL;
      gnutls_error (error, rc, "init");
      return NULL;
    }
  if ((rc = gnutls_priority_set_direct (self->session, PRIORITY, &err_pos)) < 0)
    {
      gnutls_error (error, rc, "priority");
      return NULL;
    }
  rc = gnutls_credentials_set (self->session, GNUTLS_CRD_CERTIFICATE,
                               weft_certificate_get_credentials (certificate));
  if (rc < 0)
    {
      gnutls_error (error, rc, "credentials");
      return NULL;
    }
  /* without this a GnuTLS server never sees, hence never checks, the client's certificate */
  if (!client)
    gnutls_certificate_server_set_request (self->session, GNUTLS_CERT_REQUIRE);
  gnutls_session_set_verify_function (self->session, verify_cb);
  gnutls_session_set_ptr (self->session, self);
  gnutls_transport_set_ptr (self->session, self);
  gnutls_transport_set_push_function (self->session, push_cb);
  gnutls_transport_set_pull_function (self->session, pull_cb);
  gnutls_transport_set_pull_timeout_function (self->session, pull_timeout_cb);
  gnutls_dtls_set_mtu (self->session, WEFT_TRANSPORT_HANDSHAKE_MTU);
  gnutls_dtls_set_timeouts (self->session, 500, 30000);
  gnutls_handshake_set_timeout (self->session, 30000);
  return g_steal_pointer (&self);
}

void
weft_dtls_transport_set_send_func (WeftDtlsTransport *self,
                                   WeftTransportPacketFunc func,
                                   gpointer user_data)
{
  g_return_if_fail (WEFT_IS_DTLS_TRANSPORT (self));
  self->send_func = func;
  self->send_data = user_data;
}

void
weft_dtls_transport_set_receive_func (WeftDtlsTransport *self,
                                      WeftTransportPacketFunc func,
                                      gpointer user_data)
{
  g_return_if_fail (WEFT_IS_DTLS_TRANSPORT (self));
  self->receive_func = func;
  self->receive_data = user_data;
}

void
weft_dtls_transport_set_remote_fingerprint (WeftDtlsTransport *self, const char *fingerprint)
{
  g_return_if_fail (WEFT_IS_DTLS_TRANSPORT (self));
  g_free (self->remote_fingerprint);
  self->remote_fingerprint = g_strdup (fingerprint);
}

/*
 * weft_dtls_transport_start:
 *
 * Starts the handshake (the client sends its hello) and processes any
 * datagram that arrived before.
 */
gboolean
weft_dtls_transport_start (WeftDtlsTransport *self, GError **error)
{
  g_return_val_if_fail (WEFT_IS_DTLS_TRANSPORT (self), FALSE);

  if (self->state != WEFT_DTLS_STATE_NEW)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE,
                   _ ("The DTLS transport was started twice"));
      return FALSE;
    }
  if (self->remote_fingerprint == NULL)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE,
                   _ ("The DTLS transport needs the remote fingerprint before it starts"));
      return FALSE;
    }
  set_state (self, WEFT_DTLS_STATE_CONNECTING);
  drive_handshake (self);
  return TRUE;
}

void
weft_dtls_transport_handle_datagram (WeftDtlsTransport *self, const guint8 *data, gsize len)
{
  g_return_if_fail (WEFT_IS_DTLS_TRANSPORT (self));

  if (len == 0 || !WEFT_TRANSPORT_IS_DTLS (data[0]))
    return;

  switch (self->state)
    {
      case WEFT_DTLS_STATE_NEW:
        /* an early client hello: keep it until start() */
        queue_handshake_datagram (self, data, len);
        break;
      case WEFT_DTLS_STATE_CONNECTING:
        queue_handshake_datagram (self, data, len);
        drive_handshake (self);
        break;
      case WEFT_DTLS_STATE_CONNECTED:
        if (!datagram_is_acceptable (self, data, len))
          {
            g_debug ("DTLS: dropping a malformed datagram");
            break;
          }
        /* fast path: gnutls pulls the caller's buffer directly */
        self->current = data;
        self->current_len = len;
        g_object_ref (self);
        read_records (self);
        self->current = NULL;
        g_object_unref (self);
        break;
      case WEFT_DTLS_STATE_CLOSED:
      case WEFT_DTLS_STATE_FAILED:
      default:
        break;
    }
}

gboolean
weft_dtls_transport_send (WeftDtlsTransport *self, const guint8 *data, gsize len, GError **error)
{
  ssize_t rc;

  g_return_val_if_fail (WEFT_IS_DTLS_TRANSPORT (self), FALSE);

  if (self->state != WEFT_DTLS_STATE_CONNECTED)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE,
                   _ ("The DTLS transport is not connected"));
      return FALSE;
    }
  do
    rc = gnutls_record_send (self->session, data, len);
  while (rc == GNUTLS_E_INTERRUPTED);
  if (rc < 0)
    return gnutls_error (error, (int) rc, "send");
  return TRUE;
}

/* sends close_notify once; the transport is then closed for both directions */
void
weft_dtls_transport_close (WeftDtlsTransport *self)
{
  g_return_if_fail (WEFT_IS_DTLS_TRANSPORT (self));

  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
  if (self->state == WEFT_DTLS_STATE_CONNECTED)
    gnutls_bye (self->session, GNUTLS_SHUT_WR);
  if (self->state != WEFT_DTLS_STATE_FAILED)
    set_state (self, WEFT_DTLS_STATE_CLOSED);
}

gboolean
weft_dtls_transport_is_client (WeftDtlsTransport *self)
{
  g_return_val_if_fail (WEFT_IS_DTLS_TRANSPORT (self), FALSE);
  return self->client;
}

WeftDtlsState
weft_dtls_transport_get_state (WeftDtlsTransport *self)
{
  g_return_val_if_fail (WEFT_IS_DTLS_TRANSPORT (self), WEFT_DTLS_STATE_FAILED);
  return self->state;
}

const GError *
weft_dtls_transport_get_error (WeftDtlsTransport *self)
{
  g_return_val_if_fail (WEFT_IS_DTLS_TRANSPORT (self), NULL);
  return self->error;
}

/* returns: (transfer full) (nullable): e.g. "(DTLS1.2)-(ECDHE-SECP256R1)-..." */
char *
weft_dtls_transport_get_description (WeftDtlsTransport *self)
{
  char *desc;
  char *copy;

  g_return_val_if_fail (WEFT_IS_DTLS_TRANSPORT (self), NULL);
  if (self->state != WEFT_DTLS_STATE_CONNECTED)
    return NULL;
  desc = gnutls_session_get_desc (self->session);
  copy = g_strdup (desc);
  gnutls_free (desc);
  return copy;
}
