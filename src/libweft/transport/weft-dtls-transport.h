/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "weft-certificate.h"
#include "weft-transport-private.h"

G_BEGIN_DECLS

typedef enum
{
  WEFT_DTLS_STATE_NEW,
  WEFT_DTLS_STATE_CONNECTING,
  WEFT_DTLS_STATE_CONNECTED,
  WEFT_DTLS_STATE_CLOSED,
  WEFT_DTLS_STATE_FAILED,
} WeftDtlsState;

#define WEFT_TYPE_DTLS_TRANSPORT (weft_dtls_transport_get_type ())
G_DECLARE_FINAL_TYPE (WeftDtlsTransport, weft_dtls_transport, WEFT, DTLS_TRANSPORT, GObject)

WeftDtlsTransport *
weft_dtls_transport_new (WeftCertificate *certificate, gboolean client, GError **error);

void
weft_dtls_transport_set_send_func (WeftDtlsTransport *self,
                                   WeftTransportPacketFunc func,
                                   gpointer user_data);
void
weft_dtls_transport_set_receive_func (WeftDtlsTransport *self,
                                      WeftTransportPacketFunc func,
                                      gpointer user_data);
void
weft_dtls_transport_set_remote_fingerprint (WeftDtlsTransport *self, const char *fingerprint);

gboolean
weft_dtls_transport_start (WeftDtlsTransport *self, GError **error);
void
weft_dtls_transport_handle_datagram (WeftDtlsTransport *self, const guint8 *data, gsize len);
gboolean
weft_dtls_transport_send (WeftDtlsTransport *self, const guint8 *data, gsize len, GError **error);
void
weft_dtls_transport_close (WeftDtlsTransport *self);

gboolean
weft_dtls_transport_is_client (WeftDtlsTransport *self);
WeftDtlsState
weft_dtls_transport_get_state (WeftDtlsTransport *self);
const GError *
weft_dtls_transport_get_error (WeftDtlsTransport *self);
char *
weft_dtls_transport_get_description (WeftDtlsTransport *self);

G_END_DECLS
