/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* datagrams from an untrusted peer during the DTLS handshake: the record
 * scan that holds back one-byte handshake fragments, then GnuTLS itself.
 * The input is a series of datagrams, each preceded by a 16-bit length. */
#include "config.h"

#include "fuzz-common.h"
#include "weft-dtls-transport.h"

static WeftCertificate *certificate;

static void
feed (WeftDtlsTransport *dtls, const guint8 *data, size_t size)
{
  while (size >= 2)
    {
      size_t n = MIN ((size_t) (data[0] << 8 | data[1]), size - 2);

      weft_dtls_transport_handle_datagram (dtls, data + 2, n);
      data += 2 + n;
      size -= 2 + n;
    }
}

static WeftDtlsTransport *
started (gboolean client)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftDtlsTransport) dtls = weft_dtls_transport_new (certificate, client, &error);

  g_assert_no_error (error);
  weft_dtls_transport_set_remote_fingerprint (dtls, weft_certificate_get_fingerprint (certificate));
  g_assert_true (weft_dtls_transport_start (dtls, &error));
  return g_steal_pointer (&dtls);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr (WeftDtlsTransport) server = NULL;
  g_autoptr (WeftDtlsTransport) client = NULL;
  WeftDtlsState state;

  if (certificate == NULL)
    certificate = weft_certificate_new (NULL);

  /* a server waiting for a client hello, and a client waiting for the answer */
  server = started (FALSE);
  feed (server, data, size);
  state = weft_dtls_transport_get_state (server);
  /* nobody can finish a handshake without the private key */
  g_assert_cmpint (state, !=, WEFT_DTLS_STATE_CONNECTED);
  g_assert_true (state != WEFT_DTLS_STATE_FAILED || weft_dtls_transport_get_error (server) != NULL);

  client = started (TRUE);
  feed (client, data, size);
  g_assert_cmpint (weft_dtls_transport_get_state (client), !=, WEFT_DTLS_STATE_CONNECTED);
  return 0;
}
