/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "weft-data-channel.h"
#include "weft-sctp-association.h"

G_BEGIN_DECLS

/* the peer connection's side of a channel */
WeftDataChannel *
weft_data_channel_new_local (const char *label, const WeftDataChannelOptions *options);
WeftDataChannel *
weft_data_channel_new_remote (guint16 id,
                              const char *label,
                              const char *protocol,
                              guint8 channel_type,
                              guint32 reliability_parameter);
void
weft_data_channel_set_id (WeftDataChannel *self, guint16 id);
void
weft_data_channel_attach (WeftDataChannel *self,
                          WeftSctpAssociation *association,
                          gsize remote_max_message_size);
void
weft_data_channel_handle_message (WeftDataChannel *self, guint32 ppid, GBytes *data);
void
weft_data_channel_handle_message_too_large (WeftDataChannel *self);
void
weft_data_channel_handle_stream_reset (WeftDataChannel *self);
void
weft_data_channel_handle_buffered_amount (WeftDataChannel *self, gsize amount);
void
weft_data_channel_transport_closed (WeftDataChannel *self);

G_END_DECLS
