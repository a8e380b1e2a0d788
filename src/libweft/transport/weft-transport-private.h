/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* how one layer of the stack hands datagrams or packets to the next; these
 * run synchronously on the owning GMainContext and never call user code */
typedef void (*WeftTransportPacketFunc) (const guint8 *data, gsize len, gpointer user_data);
/* brackets a burst of packets (begin TRUE, then FALSE) that may leave together */
typedef void (*WeftTransportBurstFunc) (gboolean begin, gpointer user_data);

/* RFC 7983: the first byte of a DTLS record on the ICE component */
#define WEFT_TRANSPORT_IS_DTLS(b) ((b) >= 20 && (b) <= 63)

/* the mtu the DTLS handshake flights must fit in, and the largest SCTP packet */
#define WEFT_TRANSPORT_HANDSHAKE_MTU 1200
#define WEFT_TRANSPORT_SCTP_MTU      1200

/* what Weft accepts by default, and what a peer that states nothing accepts (RFC 8841) */
#define WEFT_TRANSPORT_DEFAULT_MAX_MESSAGE_SIZE        262144
#define WEFT_TRANSPORT_REMOTE_DEFAULT_MAX_MESSAGE_SIZE 65536

G_END_DECLS
