/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>
#include <gnutls/gnutls.h>

G_BEGIN_DECLS

#define WEFT_TYPE_CERTIFICATE (weft_certificate_get_type ())
G_DECLARE_FINAL_TYPE (WeftCertificate, weft_certificate, WEFT, CERTIFICATE, GObject)

WeftCertificate *
weft_certificate_new (GError **error);
WeftCertificate *
weft_certificate_get_default (GError **error);

const char *
weft_certificate_get_fingerprint (WeftCertificate *self);
gnutls_certificate_credentials_t
weft_certificate_get_credentials (WeftCertificate *self);

char *
weft_certificate_fingerprint_from_der (const gnutls_datum_t *der, GError **error);
gboolean
weft_certificate_fingerprint_equal (const char *a, const char *b);

G_END_DECLS
