/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "weft-dcep.h"

/* the Data Channel Establishment Protocol (RFC 8832) and the PPID and
 * stream-id rules of RFC 8831; pure functions, no I/O */

static guint16
get_u16 (const guint8 *p)
{
  return (guint16) (((guint) p[0] << 8) | p[1]);
}

static guint32
get_u32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static void
put_u16 (guint8 *p, guint16 v)
{
  p[0] = (guint8) (v >> 8);
  p[1] = (guint8) v;
}

static void
put_u32 (guint8 *p, guint32 v)
{
  p[0] = (guint8) (v >> 24);
  p[1] = (guint8) (v >> 16);
  p[2] = (guint8) (v >> 8);
  p[3] = (guint8) v;
}

/**
 * weft_dcep_channel_type_is_valid:
 * @channel_type: a channel_type byte from the wire
 *
 * Returns: %TRUE if @channel_type is one of the six RFC 8832 values
 */
gboolean
weft_dcep_channel_type_is_valid (guint8 channel_type)
{
  return (channel_type & ~WEFT_DCEP_CHANNEL_UNORDERED_BIT) <= 0x02;
}

/**
 * weft_dcep_channel_type_is_ordered:
 * @channel_type: a #WeftDcepChannelType
 *
 * Returns: %TRUE unless the unordered bit (0x80) is set
 */
gboolean
weft_dcep_channel_type_is_ordered (WeftDcepChannelType channel_type)
{
  return (channel_type & WEFT_DCEP_CHANNEL_UNORDERED_BIT) == 0;
}

/**
 * weft_dcep_channel_type_from_options:
 * @ordered: whether messages are delivered in order
 * @max_retransmits: the retransmission limit, or -1 for none
 * @max_packet_lifetime_ms: the lifetime limit in ms, or -1 for none
 * @out_reliability_parameter: (out) (optional): the value for the reliability field
 *
 * Maps the W3C `RTCDataChannelInit` options to a channel type. At most one of
 * @max_retransmits and @max_packet_lifetime_ms may be set.
 *
 * Returns: the channel type
 */
WeftDcepChannelType
weft_dcep_channel_type_from_options (gboolean ordered,
                                     gint max_retransmits,
                                     gint max_packet_lifetime_ms,
                                     guint32 *out_reliability_parameter)
{
  guint type = WEFT_DCEP_CHANNEL_RELIABLE;
  guint32 param = 0;

  g_return_val_if_fail (max_retransmits < 0 || max_packet_lifetime_ms < 0,
                        WEFT_DCEP_CHANNEL_RELIABLE);

  if (max_retransmits >= 0)
    {
      type = WEFT_DCEP_CHANNEL_PARTIAL_RELIABLE_REXMIT;
      param = (guint32) max_retransmits;
    }
  else if (max_packet_lifetime_ms >= 0)
    {
      type = WEFT_DCEP_CHANNEL_PARTIAL_RELIABLE_TIMED;
      param = (guint32) max_packet_lifetime_ms;
    }
  if (!ordered)
    type |= WEFT_DCEP_CHANNEL_UNORDERED_BIT;
  if (out_reliability_parameter != NULL)
    *out_reliability_parameter = param;
  return (WeftDcepChannelType) type;
}

static gboolean
check_string (const gchar *what, const gchar *s, GError **error)
{
  gsize n = strlen (s);

  if (n > G_MAXUINT16)
    {
      g_autofree gchar *n_text = g_strdup_printf ("%" G_GSIZE_FORMAT, n);

      g_set_error (error, WEFT_ERROR, WEFT_ERROR_TOO_LARGE,
                   _ ("The data channel %s is %s bytes; at most 65535 fit in DCEP"), what, n_text);
      return FALSE;
    }
  if (!g_utf8_validate (s, -1, NULL))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("The data channel %s is not valid UTF-8"), what);
      return FALSE;
    }
  return TRUE;
}

/**
 * weft_dcep_encode_open:
 * @channel_type: the channel type
 * @priority: the priority (%WEFT_DCEP_PRIORITY_NORMAL is 256)
 * @reliability_parameter: retransmissions or lifetime in ms, 0 for reliable channels
 * @label: (nullable): the UTF-8 label, %NULL for empty
 * @protocol: (nullable): the UTF-8 sub-protocol, %NULL for empty
 * @error: return location for a #GError
 *
 * Encodes a DATA_CHANNEL_OPEN message (RFC 8832 §5.1), sent with
 * %WEFT_DCEP_PPID_CONTROL on the channel's own stream.
 *
 * Returns: (transfer full): the message, or %NULL with @error set
 */
GBytes *
weft_dcep_encode_open (WeftDcepChannelType channel_type,
                       guint16 priority,
                       guint32 reliability_parameter,
                       const gchar *label,
                       const gchar *protocol,
                       GError **error)
{
  gsize label_len;
  gsize protocol_len;
  guint8 *buf;

  if (label == NULL)
    label = "";
  if (protocol == NULL)
    protocol = "";
  if ((guint) channel_type > G_MAXUINT8 || !weft_dcep_channel_type_is_valid ((guint8) channel_type))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("0x%02x is not a DCEP channel type"), (guint) channel_type);
      return NULL;
    }
  if (!check_string (_ ("label"), label, error) || !check_string (_ ("protocol"), protocol, error))
    return NULL;

  label_len = strlen (label);
  protocol_len = strlen (protocol);
  buf = g_malloc (WEFT_DCEP_OPEN_HEADER_SIZE + label_len + protocol_len);
  buf[0] = WEFT_DCEP_MESSAGE_TYPE_OPEN;
  buf[1] = (guint8) channel_type;
  put_u16 (buf + 2, priority);
  put_u32 (buf + 4, reliability_parameter);
  put_u16 (buf + 8, (guint16) label_len);
  put_u16 (buf + 10, (guint16) protocol_len);
  memcpy (buf + WEFT_DCEP_OPEN_HEADER_SIZE, label, label_len);
  memcpy (buf + WEFT_DCEP_OPEN_HEADER_SIZE + label_len, protocol, protocol_len);
  return g_bytes_new_take (buf, WEFT_DCEP_OPEN_HEADER_SIZE + label_len + protocol_len);
}

/**
 * weft_dcep_encode_ack:
 *
 * Returns: (transfer full): a DATA_CHANNEL_ACK message (the single byte 0x02),
 *   sent with %WEFT_DCEP_PPID_CONTROL on the stream the OPEN came in on
 */
GBytes *
weft_dcep_encode_ack (void)
{
  static const guint8 ack[] = { WEFT_DCEP_MESSAGE_TYPE_ACK };

  return g_bytes_new_static (ack, sizeof ack);
}

static gchar *
decode_string (const gchar *what, const guint8 *p, gsize len, GError **error)
{
  if (!g_utf8_validate_len ((const gchar *) p, len, NULL))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                   _ ("Invalid DCEP DATA_CHANNEL_OPEN: the %s is not valid UTF-8"), what);
      return NULL;
    }
  return g_strndup ((const gchar *) p, len);
}

/**
 * weft_dcep_decode:
 * @data: (array length=len): the payload of a message received with PPID 50
 * @len: the length of @data
 * @error: return location for a #GError
 *
 * Decodes a DATA_CHANNEL_OPEN or DATA_CHANNEL_ACK message, checking every
 * length against the buffer.
 *
 * Returns: (transfer full): the message, or %NULL with %WEFT_ERROR_INVALID_DATA
 *   for an empty, truncated or unknown message, an invalid channel type or a
 *   label or protocol that is not UTF-8
 */
WeftDcepMessage *
weft_dcep_decode (const guint8 *data, gsize len, GError **error)
{
  g_autoptr (WeftDcepMessage) msg = NULL;
  gsize label_len;
  gsize protocol_len;

  if (data == NULL || len == 0)
    {
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                           _ ("Invalid DCEP message: it is empty"));
      return NULL;
    }

  msg = g_new0 (WeftDcepMessage, 1);
  switch (data[0])
    {
      case WEFT_DCEP_MESSAGE_TYPE_ACK:
        if (len != 1)
          {
            g_autofree gchar *len_text = g_strdup_printf ("%" G_GSIZE_FORMAT, len);

            g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                         _ ("Invalid DCEP DATA_CHANNEL_ACK: it is %s bytes long instead of 1"),
                         len_text);
            return NULL;
          }
        msg->type = WEFT_DCEP_MESSAGE_TYPE_ACK;
        return g_steal_pointer (&msg);

      case WEFT_DCEP_MESSAGE_TYPE_OPEN:
        break;

      default:
        g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                     _ ("Invalid DCEP message: unknown message type 0x%02x"), data[0]);
        return NULL;
    }

  if (len < WEFT_DCEP_OPEN_HEADER_SIZE)
    {
      /* len < WEFT_DCEP_OPEN_HEADER_SIZE here, so it fits a guint */
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                   _ ("Invalid DCEP DATA_CHANNEL_OPEN: truncated to %u bytes, the header alone "
                      "is 12"),
                   (guint) len);
      return NULL;
    }
  if (!weft_dcep_channel_type_is_valid (data[1]))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                   _ ("Invalid DCEP DATA_CHANNEL_OPEN: unknown channel type 0x%02x"), data[1]);
      return NULL;
    }
  label_len = get_u16 (data + 8);
  protocol_len = get_u16 (data + 10);
  if (label_len + protocol_len > len - WEFT_DCEP_OPEN_HEADER_SIZE)
    {
      g_autofree gchar *len_text = g_strdup_printf ("%" G_GSIZE_FORMAT, len);

      /* both lengths were read as 16-bit fields, so they fit a guint */
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                   _ ("Invalid DCEP DATA_CHANNEL_OPEN: label (%u bytes) and protocol (%u bytes) "
                      "run past the end of the %s-byte message"),
                   (guint) label_len, (guint) protocol_len, len_text);
      return NULL;
    }
  if (label_len + protocol_len < len - WEFT_DCEP_OPEN_HEADER_SIZE)
    g_debug ("ignoring %" G_GSIZE_FORMAT " trailing bytes after DATA_CHANNEL_OPEN",
             len - WEFT_DCEP_OPEN_HEADER_SIZE - label_len - protocol_len);

  msg->type = WEFT_DCEP_MESSAGE_TYPE_OPEN;
  msg->channel_type = (WeftDcepChannelType) data[1];
  msg->priority = get_u16 (data + 2);
  msg->reliability_parameter = get_u32 (data + 4);
  msg->label = decode_string (_ ("label"), data + WEFT_DCEP_OPEN_HEADER_SIZE, label_len, error);
  if (msg->label == NULL)
    return NULL;
  msg->protocol = decode_string (_ ("protocol"), data + WEFT_DCEP_OPEN_HEADER_SIZE + label_len,
                                 protocol_len, error);
  if (msg->protocol == NULL)
    return NULL;
  return g_steal_pointer (&msg);
}

/**
 * weft_dcep_message_free:
 * @message: (transfer full) (nullable): a #WeftDcepMessage
 *
 * Frees @message.
 */
void
weft_dcep_message_free (WeftDcepMessage *message)
{
  if (message == NULL)
    return;
  g_free (message->label);
  g_free (message->protocol);
  g_free (message);
}

/**
 * weft_dcep_ppid_for_message:
 * @is_text: whether the message is a string
 * @is_empty: whether the message is empty (then one dummy byte is sent)
 *
 * Returns: the PPID to send a data message with: 51, 53, 56 or 57
 */
guint32
weft_dcep_ppid_for_message (gboolean is_text, gboolean is_empty)
{
  if (is_text)
    return is_empty ? WEFT_DCEP_PPID_STRING_EMPTY : WEFT_DCEP_PPID_STRING;
  return is_empty ? WEFT_DCEP_PPID_BINARY_EMPTY : WEFT_DCEP_PPID_BINARY;
}

/**
 * weft_dcep_ppid_parse:
 * @ppid: the PPID of a received message (host order)
 * @out_is_text: (out) (optional): whether the message is a string
 * @out_is_empty: (out) (optional): whether the message is empty (its payload
 *   byte must be discarded)
 * @error: return location for a #GError
 *
 * Classifies an incoming data message. The deprecated partial PPIDs 52 and 54
 * are accepted (see weft_dcep_ppid_is_partial()).
 *
 * Returns: %TRUE for a data PPID; %FALSE with %WEFT_ERROR_INVALID_DATA for
 *   PPID 50 (DCEP, not data) or any unknown PPID
 */
gboolean
weft_dcep_ppid_parse (guint32 ppid, gboolean *out_is_text, gboolean *out_is_empty, GError **error)
{
  gboolean is_text;
  gboolean is_empty = FALSE;

  switch (ppid)
    {
      case WEFT_DCEP_PPID_STRING:
      case WEFT_DCEP_PPID_STRING_PARTIAL:
        is_text = TRUE;
        break;
      case WEFT_DCEP_PPID_BINARY:
      case WEFT_DCEP_PPID_BINARY_PARTIAL:
        is_text = FALSE;
        break;
      case WEFT_DCEP_PPID_STRING_EMPTY:
        is_text = TRUE;
        is_empty = TRUE;
        break;
      case WEFT_DCEP_PPID_BINARY_EMPTY:
        is_text = FALSE;
        is_empty = TRUE;
        break;
      case WEFT_DCEP_PPID_CONTROL:
        g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                             _ ("PPID 50 carries DCEP control messages, not data"));
        return FALSE;
      default:
        g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                     _ ("Unknown data channel PPID %u (expected 51, 52, 53, 54, 56 or 57)"),
                     (guint) ppid);
        return FALSE;
    }
  if (out_is_text != NULL)
    *out_is_text = is_text;
  if (out_is_empty != NULL)
    *out_is_empty = is_empty;
  return TRUE;
}

/**
 * weft_dcep_ppid_is_partial:
 * @ppid: a PPID
 *
 * The deprecated partial PPIDs mark a fragment of a larger message that ends
 * with the next non-partial one.
 *
 * Returns: %TRUE for 52 and 54
 */
gboolean
weft_dcep_ppid_is_partial (guint32 ppid)
{
  return ppid == WEFT_DCEP_PPID_STRING_PARTIAL || ppid == WEFT_DCEP_PPID_BINARY_PARTIAL;
}

/**
 * weft_dcep_stream_id_valid_for_role:
 * @stream_id: an SCTP stream id
 * @dtls_client: whether the side that chose @stream_id is the DTLS client
 *
 * The DTLS client (`a=setup:active`) opens channels on even stream ids, the
 * server on odd ones (RFC 8832 §6); 65535 is reserved. Check an incoming OPEN
 * with the remote side's role.
 *
 * Returns: %TRUE if @stream_id is one the side may open
 */
gboolean
weft_dcep_stream_id_valid_for_role (guint stream_id, gboolean dtls_client)
{
  if (stream_id > WEFT_DCEP_MAX_STREAM_ID)
    return FALSE;
  return (stream_id % 2 == 0) == !!dtls_client;
}

/**
 * weft_dcep_stream_id_first_for_role:
 * @dtls_client: whether the local side is the DTLS client
 *
 * Returns: the lowest stream id the side may open: 0 for the client, 1 for the
 *   server; the next ones are 2 apart
 */
guint
weft_dcep_stream_id_first_for_role (gboolean dtls_client)
{
  return dtls_client ? 0 : 1;
}
