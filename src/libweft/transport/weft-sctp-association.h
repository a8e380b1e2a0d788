/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "weft-transport-private.h"

G_BEGIN_DECLS

typedef enum
{
  WEFT_SCTP_STATE_NEW,
  WEFT_SCTP_STATE_CONNECTING,
  WEFT_SCTP_STATE_CONNECTED,
  WEFT_SCTP_STATE_CLOSED,
} WeftSctpState;

/* partial reliability (RFC 3758) of one message */
typedef enum
{
  WEFT_SCTP_PR_NONE,
  WEFT_SCTP_PR_RTX, /* value: maximum retransmissions */
  WEFT_SCTP_PR_TTL, /* value: lifetime in ms */
} WeftSctpPrPolicy;

#define WEFT_SCTP_MAX_STREAMS 1024

#define WEFT_TYPE_SCTP_ASSOCIATION (weft_sctp_association_get_type ())
G_DECLARE_FINAL_TYPE (WeftSctpAssociation, weft_sctp_association, WEFT, SCTP_ASSOCIATION, GObject)

WeftSctpAssociation *
weft_sctp_association_new (guint16 local_port,
                           guint16 remote_port,
                           gsize max_receive_size,
                           GError **error);

void
weft_sctp_association_set_output_func (WeftSctpAssociation *self,
                                       WeftTransportPacketFunc func,
                                       gpointer user_data);
void
weft_sctp_association_set_burst_func (WeftSctpAssociation *self,
                                      WeftTransportBurstFunc func,
                                      gpointer user_data);
gboolean
weft_sctp_association_start (WeftSctpAssociation *self, GError **error);
void
weft_sctp_association_handle_packet (WeftSctpAssociation *self, const guint8 *data, gsize len);

gboolean
weft_sctp_association_send (WeftSctpAssociation *self,
                            guint16 sid,
                            guint32 ppid,
                            gboolean unordered,
                            WeftSctpPrPolicy pr_policy,
                            guint32 pr_value,
                            GBytes *data,
                            GError **error);
void
weft_sctp_association_reset_stream (WeftSctpAssociation *self, guint16 sid);
gsize
weft_sctp_association_get_buffered_amount (WeftSctpAssociation *self, guint16 sid);
void
weft_sctp_association_close (WeftSctpAssociation *self);

WeftSctpState
weft_sctp_association_get_state (WeftSctpAssociation *self);
guint
weft_sctp_association_get_n_live (void);
void
weft_sctp_association_shutdown_stack (void);

gboolean
weft_sctp_association_set_path_mtu (WeftSctpAssociation *self, guint mtu, GError **error);

G_END_DECLS
