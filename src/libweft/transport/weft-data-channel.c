/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "weft-data-channel-private.h"
#include "weft-dcep.h"
#include "weft-error.h"

/* one WebRTC data channel (RFC 8831): a pair of SCTP streams with the same
 * id, opened in-band with DCEP (RFC 8832) or negotiated out of band. every
 * signal is emitted from the association's work source or from the caller's
 * own call, never from inside usrsctp or GnuTLS. */

enum
{
  SIGNAL_OPEN,
  SIGNAL_MESSAGE,
  SIGNAL_CLOSED,
  SIGNAL_ERROR,
  SIGNAL_BUFFERED_AMOUNT_LOW,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

struct _WeftDataChannel
{
  GObject parent_instance;

  char *label;    /* (owned) */
  char *protocol; /* (owned) */
  gint id;        /* -1 until assigned */
  gboolean ordered;
  gint max_retransmits;
  gint max_packet_lifetime;
  gboolean negotiated;
  gboolean local;        /* we sent (or send) the OPEN */
  gboolean ack_received; /* until then, send ordered so OPEN stays first */
  gboolean reset_sent;
  WeftDataChannelState state;

  WeftSctpAssociation *association; /* (owned) (nullable) */
  gsize remote_max_message_size;    /* 0: unlimited */
  gsize low_threshold;
  gsize last_amount;
  GByteArray *partial; /* (owned) (nullable) fragments under PPID 52/54 */
};

G_DEFINE_TYPE (WeftDataChannel, weft_data_channel, G_TYPE_OBJECT)

static void
weft_data_channel_finalize (GObject *object)
{
  WeftDataChannel *self = WEFT_DATA_CHANNEL (object);

  g_free (self->label);
  g_free (self->protocol);
  g_clear_object (&self->association);
  g_clear_pointer (&self->partial, g_byte_array_unref);
  G_OBJECT_CLASS (weft_data_channel_parent_class)->finalize (object);
}

static void
weft_data_channel_class_init (WeftDataChannelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GType type = G_TYPE_FROM_CLASS (klass);

  object_class->finalize = weft_data_channel_finalize;

  signals[SIGNAL_OPEN] =
    g_signal_new ("open", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* message (GBytes *data, gboolean is_text) */
  signals[SIGNAL_MESSAGE] = g_signal_new ("message", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 2, G_TYPE_BYTES, G_TYPE_BOOLEAN);
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* error (GError *error): emitted before "closed" when the channel fails */
  signals[SIGNAL_ERROR] = g_signal_new ("error", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 1, G_TYPE_ERROR);
  signals[SIGNAL_BUFFERED_AMOUNT_LOW] = g_signal_new (
    "buffered-amount-low", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
weft_data_channel_init (WeftDataChannel *self)
{
  self->id = -1;
  self->ordered = TRUE;
  self->max_retransmits = -1;
  self->max_packet_lifetime = -1;
}

WeftDataChannel *
weft_data_channel_new_local (const char *label, const WeftDataChannelOptions *options)
{
  WeftDataChannel *self = g_object_new (WEFT_TYPE_DATA_CHANNEL, NULL);
  WeftDataChannelOptions defaults = WEFT_DATA_CHANNEL_OPTIONS_INIT;

  if (options == NULL)
    options = &defaults;
  self->label = g_strdup (label != NULL ? label : "");
  self->protocol = g_strdup (options->protocol != NULL ? options->protocol : "");
  self->ordered = options->ordered;
  self->max_retransmits = options->max_retransmits;
  self->max_packet_lifetime = options->max_packet_lifetime;
  self->negotiated = options->negotiated;
  self->id = options->id;
  self->local = TRUE;
  return self;
}

WeftDataChannel *
weft_data_channel_new_remote (guint16 id,
                              const char *label,
                              const char *protocol,
                              guint8 channel_type,
                              guint32 reliability_parameter)
{
  WeftDataChannel *self = g_object_new (WEFT_TYPE_DATA_CHANNEL, NULL);
  guint8 base = channel_type & ~WEFT_DCEP_CHANNEL_UNORDERED_BIT;

  self->id = id;
  self->label = g_strdup (label != NULL ? label : "");
  self->protocol = g_strdup (protocol != NULL ? protocol : "");
  self->ordered = (channel_type & WEFT_DCEP_CHANNEL_UNORDERED_BIT) == 0;
  if (base == WEFT_DCEP_CHANNEL_PARTIAL_RELIABLE_REXMIT)
    self->max_retransmits = (gint) MIN (reliability_parameter, (guint32) G_MAXINT);
  else if (base == WEFT_DCEP_CHANNEL_PARTIAL_RELIABLE_TIMED)
    self->max_packet_lifetime = (gint) MIN (reliability_parameter, (guint32) G_MAXINT);
  return self;
}

void
weft_data_channel_set_id (WeftDataChannel *self, guint16 id)
{
  self->id = id;
}

static void
set_closed (WeftDataChannel *self)
{
  if (self->state == WEFT_DATA_CHANNEL_STATE_CLOSED)
    return;
  self->state = WEFT_DATA_CHANNEL_STATE_CLOSED;
  /* a handler may drop the last other reference */
  g_object_ref (self);
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0);
  g_object_unref (self);
}

static void
fail (WeftDataChannel *self, GError *error)
{
  g_autoptr (GError) owned = error;

  g_object_ref (self);
  g_signal_emit (self, signals[SIGNAL_ERROR], 0, owned);
  weft_data_channel_close (self);
  g_object_unref (self);
}

static gboolean
send_raw (WeftDataChannel *self, guint32 ppid, GBytes *payload, gboolean control, GError **error)
{
  WeftSctpPrPolicy policy = WEFT_SCTP_PR_NONE;
  guint32 value = 0;
  gboolean unordered;

  if (!control && self->max_retransmits >= 0)
    {
      policy = WEFT_SCTP_PR_RTX;
      value = (guint32) self->max_retransmits;
    }
  else if (!control && self->max_packet_lifetime >= 0)
    {
      policy = WEFT_SCTP_PR_TTL;
      value = (guint32) self->max_packet_lifetime;
    }
  /* until the ACK arrives, keep data behind the OPEN (RFC 8832 §6) */
  unordered =
    !control && !self->ordered && (!self->local || self->negotiated || self->ack_received);
  return weft_sctp_association_send (self->association, (guint16) self->id, ppid, unordered, policy,
                                     value, payload, error);
}

/* called once the association is up and the channel has its id */
void
weft_data_channel_attach (WeftDataChannel *self,
                          WeftSctpAssociation *association,
                          gsize remote_max_message_size)
{
  g_autoptr (GError) error = NULL;

  if (self->state != WEFT_DATA_CHANNEL_STATE_CONNECTING || self->association != NULL)
    return;
  self->association = g_object_ref (association);
  self->remote_max_message_size = remote_max_message_size;

  if (self->local && !self->negotiated)
    {
      guint32 param = 0;
      WeftDcepChannelType type;
      g_autoptr (GBytes) open = NULL;

      type = weft_dcep_channel_type_from_options (self->ordered, self->max_retransmits,
                                                  self->max_packet_lifetime, &param);
      open = weft_dcep_encode_open (type, WEFT_DCEP_PRIORITY_NORMAL, param, self->label,
                                    self->protocol, &error);
      if (open == NULL || !send_raw (self, WEFT_DCEP_PPID_CONTROL, open, TRUE, &error))
        {
          fail (self, g_steal_pointer (&error));
          return;
        }
    }
  else if (!self->local)
    {
      g_autoptr (GBytes) ack = weft_dcep_encode_ack ();

      if (!send_raw (self, WEFT_DCEP_PPID_CONTROL, ack, TRUE, &error))
        {
          fail (self, g_steal_pointer (&error));
          return;
        }
    }
  /* the opener may send before the ACK (RFC 8832 §6), so it is open now */
  self->state = WEFT_DATA_CHANNEL_STATE_OPEN;
  g_signal_emit (self, signals[SIGNAL_OPEN], 0);
}

static void
emit_message (WeftDataChannel *self, GBytes *data, gboolean is_text)
{
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, data, is_text);
}

void
weft_data_channel_handle_message (WeftDataChannel *self, guint32 ppid, GBytes *data)
{
  g_autoptr (GError) error = NULL;
  gboolean is_text = FALSE;
  gboolean is_empty = FALSE;

  if (ppid == WEFT_DCEP_PPID_CONTROL)
    {
      gsize len;
      const guint8 *bytes = g_bytes_get_data (data, &len);

      if (len == 1 && bytes[0] == WEFT_DCEP_MESSAGE_TYPE_ACK)
        self->ack_received = TRUE;
      else
        g_debug ("data channel %d: ignoring DCEP message of %" G_GSIZE_FORMAT " bytes", self->id,
                 len);
      return;
    }
  if (self->state != WEFT_DATA_CHANNEL_STATE_OPEN && self->state != WEFT_DATA_CHANNEL_STATE_CLOSING)
    return;
  if (!weft_dcep_ppid_parse (ppid, &is_text, &is_empty, &error))
    {
      g_debug ("data channel %d: %s", self->id, error->message);
      return;
    }
  if (weft_dcep_ppid_is_partial (ppid))
    {
      gsize len;
      const guint8 *bytes = g_bytes_get_data (data, &len);

      if (self->partial == NULL)
        self->partial = g_byte_array_new ();
      if (self->partial->len + len > G_MAXUINT32 / 2)
        {
          g_clear_pointer (&self->partial, g_byte_array_unref);
          weft_data_channel_handle_message_too_large (self);
          return;
        }
      g_byte_array_append (self->partial, bytes, (guint) len);
      return;
    }
  if (self->partial != NULL)
    {
      g_autoptr (GBytes) whole = NULL;
      gsize len;
      const guint8 *bytes = g_bytes_get_data (data, &len);

      if (!is_empty)
        g_byte_array_append (self->partial, bytes, (guint) len);
      whole = g_byte_array_free_to_bytes (g_steal_pointer (&self->partial));
      emit_message (self, whole, is_text);
      return;
    }
  if (is_empty)
    {
      g_autoptr (GBytes) empty = g_bytes_new (NULL, 0);

      emit_message (self, empty, is_text);
      return;
    }
  emit_message (self, data, is_text);
}

void
weft_data_channel_handle_message_too_large (WeftDataChannel *self)
{
  fail (self, g_error_new (WEFT_ERROR, WEFT_ERROR_TOO_LARGE,
                           _ ("Data channel “%s” received a message larger than the "
                              "max-message-size this side accepts; the channel was closed"),
                           self->label));
}

/* the peer reset its outgoing stream: the channel is closed both ways */
void
weft_data_channel_handle_stream_reset (WeftDataChannel *self)
{
  if (self->state == WEFT_DATA_CHANNEL_STATE_CLOSED)
    return;
  if (!self->reset_sent && self->association != NULL && self->id >= 0)
    {
      self->reset_sent = TRUE;
      weft_sctp_association_reset_stream (self->association, (guint16) self->id);
    }
  set_closed (self);
}

void
weft_data_channel_handle_buffered_amount (WeftDataChannel *self, gsize amount)
{
  gsize before = self->last_amount;

  self->last_amount = amount;
  if (before > self->low_threshold && amount <= self->low_threshold)
    g_signal_emit (self, signals[SIGNAL_BUFFERED_AMOUNT_LOW], 0);
}

void
weft_data_channel_transport_closed (WeftDataChannel *self)
{
  g_clear_object (&self->association);
  set_closed (self);
}

/*
 * weft_data_channel_send:
 * @is_text: send as a string (PPID 51/56) rather than binary (53/57)
 *
 * Queues one message. Empty messages are allowed. A message larger than
 * the peer's max-message-size is refused with %WEFT_ERROR_TOO_LARGE.
 */
gboolean
weft_data_channel_send (WeftDataChannel *self,
                        const guint8 *data,
                        gsize len,
                        gboolean is_text,
                        GError **error)
{
  static const guint8 dummy = 0;
  g_autoptr (GBytes) payload = NULL;

  g_return_val_if_fail (WEFT_IS_DATA_CHANNEL (self), FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  if (self->state != WEFT_DATA_CHANNEL_STATE_OPEN || self->association == NULL)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE, _ ("Data channel “%s” is not open"),
                   self->label);
      return FALSE;
    }
  if (self->remote_max_message_size != 0 && len > self->remote_max_message_size)
    {
      g_autofree gchar *len_text = g_strdup_printf ("%" G_GSIZE_FORMAT, len);
      g_autofree gchar *max_text =
        g_strdup_printf ("%" G_GSIZE_FORMAT, self->remote_max_message_size);

      g_set_error (error, WEFT_ERROR, WEFT_ERROR_TOO_LARGE,
                   _ ("The message of %s bytes is larger than the %s bytes the peer accepts on "
                      "data channel “%s”; split it"),
                   len_text, max_text, self->label);
      return FALSE;
    }
  payload = len == 0 ? g_bytes_new_static (&dummy, 1) : g_bytes_new (data, len);
  if (!send_raw (self, weft_dcep_ppid_for_message (is_text, len == 0), payload, FALSE, error))
    return FALSE;
  self->last_amount =
    weft_sctp_association_get_buffered_amount (self->association, (guint16) self->id);
  return TRUE;
}

gboolean
weft_data_channel_send_text (WeftDataChannel *self, const char *text, GError **error)
{
  g_return_val_if_fail (text != NULL, FALSE);
  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("A text message must be valid UTF-8"));
      return FALSE;
    }
  return weft_data_channel_send (self, (const guint8 *) text, strlen (text), TRUE, error);
}

gboolean
weft_data_channel_send_bytes (WeftDataChannel *self, GBytes *bytes, GError **error)
{
  gsize len;
  const guint8 *data;

  g_return_val_if_fail (bytes != NULL, FALSE);
  data = g_bytes_get_data (bytes, &len);
  return weft_data_channel_send (self, data, len, FALSE, error);
}

/* closes by resetting our outgoing stream; "closed" follows when the
 * peer resets its own (RFC 8831 §6.7) */
void
weft_data_channel_close (WeftDataChannel *self)
{
  g_return_if_fail (WEFT_IS_DATA_CHANNEL (self));

  if (self->state == WEFT_DATA_CHANNEL_STATE_CLOSING ||
      self->state == WEFT_DATA_CHANNEL_STATE_CLOSED)
    return;
  if (self->association == NULL || self->id < 0 ||
      weft_sctp_association_get_state (self->association) != WEFT_SCTP_STATE_CONNECTED)
    {
      set_closed (self);
      return;
    }
  self->state = WEFT_DATA_CHANNEL_STATE_CLOSING;
  self->reset_sent = TRUE;
  weft_sctp_association_reset_stream (self->association, (guint16) self->id);
}

const char *
weft_data_channel_get_label (WeftDataChannel *self)
{
  g_return_val_if_fail (WEFT_IS_DATA_CHANNEL (self), NULL);
  return self->label;
}

const char *
weft_data_channel_get_protocol (WeftDataChannel *self)
{
  g_return_val_if_fail (WEFT_IS_DATA_CHANNEL (self), NULL);
  return self->protocol;
}

gint
weft_data_channel_get_id (WeftDataChannel *self)
{
  g_return_val_if_fail (WEFT_IS_DATA_CHANNEL (self), -1);
  return self->id;
}

gboolean
weft_data_channel_get_ordered (WeftDataChannel *self)
{
  g_return_val_if_fail (WEFT_IS_DATA_CHANNEL (self), TRUE);
  return self->ordered;
}

gboolean
weft_data_channel_get_negotiated (WeftDataChannel *self)
{
  g_return_val_if_fail (WEFT_IS_DATA_CHANNEL (self), FALSE);
  return self->negotiated;
}

gint
weft_data_channel_get_max_retransmits (WeftDataChannel *self)
{
  g_return_val_if_fail (WEFT_IS_DATA_CHANNEL (self), -1);
  return self->max_retransmits;
}

gint
weft_data_channel_get_max_packet_lifetime (WeftDataChannel *self)
{
  g_return_val_if_fail (WEFT_IS_DATA_CHANNEL (self), -1);
  return self->max_packet_lifetime;
}

WeftDataChannelState
weft_data_channel_get_state (WeftDataChannel *self)
{
  g_return_val_if_fail (WEFT_IS_DATA_CHANNEL (self), WEFT_DATA_CHANNEL_STATE_CLOSED);
  return self->state;
}

/* bytes queued in Weft that usrsctp has not taken yet */
gsize
weft_data_channel_get_buffered_amount (WeftDataChannel *self)
{
  g_return_val_if_fail (WEFT_IS_DATA_CHANNEL (self), 0);
  if (self->association == NULL || self->id < 0)
    return 0;
  return weft_sctp_association_get_buffered_amount (self->association, (guint16) self->id);
}

gsize
weft_data_channel_get_buffered_amount_low_threshold (WeftDataChannel *self)
{
  g_return_val_if_fail (WEFT_IS_DATA_CHANNEL (self), 0);
  return self->low_threshold;
}

void
weft_data_channel_set_buffered_amount_low_threshold (WeftDataChannel *self, gsize threshold)
{
  g_return_if_fail (WEFT_IS_DATA_CHANNEL (self));
  self->low_threshold = threshold;
}

/* the largest message send() takes: the peer's limit; 0 for none */
gsize
weft_data_channel_get_max_message_size (WeftDataChannel *self)
{
  g_return_val_if_fail (WEFT_IS_DATA_CHANNEL (self), 0);
  return self->remote_max_message_size;
}
