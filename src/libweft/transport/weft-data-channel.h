/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  WEFT_DATA_CHANNEL_STATE_CONNECTING,
  WEFT_DATA_CHANNEL_STATE_OPEN,
  WEFT_DATA_CHANNEL_STATE_CLOSING,
  WEFT_DATA_CHANNEL_STATE_CLOSED,
} WeftDataChannelState;

/* the W3C RTCDataChannelInit, with -1 for "not given" */
typedef struct
{
  gboolean ordered;         /* default TRUE */
  gint max_retransmits;     /* -1: unlimited */
  gint max_packet_lifetime; /* ms, -1: unlimited; exclusive with max_retransmits */
  gboolean negotiated;      /* both sides create it with the same id, no DCEP */
  gint id;                  /* -1: chosen by the stack; required when negotiated */
  const char *protocol;     /* (nullable) */
} WeftDataChannelOptions;

#define WEFT_DATA_CHANNEL_OPTIONS_INIT \
  {                                    \
    TRUE, -1, -1, FALSE, -1, NULL      \
  }

#define WEFT_TYPE_DATA_CHANNEL (weft_data_channel_get_type ())
G_DECLARE_FINAL_TYPE (WeftDataChannel, weft_data_channel, WEFT, DATA_CHANNEL, GObject)

gboolean
weft_data_channel_send (WeftDataChannel *self,
                        const guint8 *data,
                        gsize len,
                        gboolean is_text,
                        GError **error);
gboolean
weft_data_channel_send_text (WeftDataChannel *self, const char *text, GError **error);
gboolean
weft_data_channel_send_bytes (WeftDataChannel *self, GBytes *bytes, GError **error);
void
weft_data_channel_close (WeftDataChannel *self);

const char *
weft_data_channel_get_label (WeftDataChannel *self);
const char *
weft_data_channel_get_protocol (WeftDataChannel *self);
gint
weft_data_channel_get_id (WeftDataChannel *self);
gboolean
weft_data_channel_get_ordered (WeftDataChannel *self);
gboolean
weft_data_channel_get_negotiated (WeftDataChannel *self);
gint
weft_data_channel_get_max_retransmits (WeftDataChannel *self);
gint
weft_data_channel_get_max_packet_lifetime (WeftDataChannel *self);
WeftDataChannelState
weft_data_channel_get_state (WeftDataChannel *self);
gsize
weft_data_channel_get_buffered_amount (WeftDataChannel *self);
gsize
weft_data_channel_get_buffered_amount_low_threshold (WeftDataChannel *self);
void
weft_data_channel_set_buffered_amount_low_threshold (WeftDataChannel *self, gsize threshold);
gsize
weft_data_channel_get_max_message_size (WeftDataChannel *self);

G_END_DECLS
