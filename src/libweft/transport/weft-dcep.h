/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "weft-error.h"

G_BEGIN_DECLS

/* SCTP payload protocol identifiers of WebRTC data channels (RFC 8831 §8) */
#define WEFT_DCEP_PPID_CONTROL        50 /* DCEP */
#define WEFT_DCEP_PPID_STRING         51
#define WEFT_DCEP_PPID_STRING_PARTIAL 52 /* deprecated: accept, never send */
#define WEFT_DCEP_PPID_BINARY         53
#define WEFT_DCEP_PPID_BINARY_PARTIAL 54 /* deprecated: accept, never send */
#define WEFT_DCEP_PPID_STRING_EMPTY   56 /* sent with one dummy byte */
#define WEFT_DCEP_PPID_BINARY_EMPTY   57 /* sent with one dummy byte */

/* the priority field of DATA_CHANNEL_OPEN (RFC 8831 §6.4, RFC 8832 §5.1) */
#define WEFT_DCEP_PRIORITY_BELOW_NORMAL 128
#define WEFT_DCEP_PRIORITY_NORMAL       256
#define WEFT_DCEP_PRIORITY_HIGH         512
#define WEFT_DCEP_PRIORITY_EXTRA_HIGH   1024

/* 65535 is reserved (RFC 8831 §6.5) */
#define WEFT_DCEP_MAX_STREAM_ID 65534

#define WEFT_DCEP_OPEN_HEADER_SIZE 12

typedef enum
{
  WEFT_DCEP_MESSAGE_TYPE_ACK = 0x02,
  WEFT_DCEP_MESSAGE_TYPE_OPEN = 0x03,
} WeftDcepMessageType;

/* the channel_type field of DATA_CHANNEL_OPEN (RFC 8832 §5.1) */
typedef enum
{
  WEFT_DCEP_CHANNEL_RELIABLE = 0x00,
  WEFT_DCEP_CHANNEL_PARTIAL_RELIABLE_REXMIT = 0x01,
  WEFT_DCEP_CHANNEL_PARTIAL_RELIABLE_TIMED = 0x02,
  WEFT_DCEP_CHANNEL_RELIABLE_UNORDERED = 0x80,
  WEFT_DCEP_CHANNEL_PARTIAL_RELIABLE_REXMIT_UNORDERED = 0x81,
  WEFT_DCEP_CHANNEL_PARTIAL_RELIABLE_TIMED_UNORDERED = 0x82,
} WeftDcepChannelType;

#define WEFT_DCEP_CHANNEL_UNORDERED_BIT 0x80

/*
 * WeftDcepMessage:
 *
 * A decoded DCEP message. For an ACK only @type is meaningful.
 */
typedef struct
{
  WeftDcepMessageType type;
  WeftDcepChannelType channel_type;
  guint16 priority;
  /* retransmissions for *_REXMIT, lifetime in ms for *_TIMED, else ignored */
  guint32 reliability_parameter;
  gchar *label;    /* (owned) UTF-8, possibly empty */
  gchar *protocol; /* (owned) UTF-8, possibly empty */
} WeftDcepMessage;

GBytes *
weft_dcep_encode_open (WeftDcepChannelType channel_type,
                       guint16 priority,
                       guint32 reliability_parameter,
                       const gchar *label,
                       const gchar *protocol,
                       GError **error);
GBytes *
weft_dcep_encode_ack (void);

WeftDcepMessage *
weft_dcep_decode (const guint8 *data, gsize len, GError **error);
void
weft_dcep_message_free (WeftDcepMessage *message);

gboolean
weft_dcep_channel_type_is_valid (guint8 channel_type);
gboolean
weft_dcep_channel_type_is_ordered (WeftDcepChannelType channel_type);
WeftDcepChannelType
weft_dcep_channel_type_from_options (gboolean ordered,
                                     gint max_retransmits,
                                     gint max_packet_lifetime_ms,
                                     guint32 *out_reliability_parameter);

guint32
weft_dcep_ppid_for_message (gboolean is_text, gboolean is_empty);
gboolean
weft_dcep_ppid_parse (guint32 ppid, gboolean *out_is_text, gboolean *out_is_empty, GError **error);
gboolean
weft_dcep_ppid_is_partial (guint32 ppid);

gboolean
weft_dcep_stream_id_valid_for_role (guint stream_id, gboolean dtls_client);
guint
weft_dcep_stream_id_first_for_role (gboolean dtls_client);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WeftDcepMessage, weft_dcep_message_free)

G_END_DECLS
