/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <string.h>
#include <time.h>

#include "weft-certificate.h"
#include "weft-error.h"

/* a self-signed ECDSA P-256 certificate shared by every peer connection of
 * the process; peers authenticate it by the sha-256 fingerprint in the SDP */
struct _WeftCertificate
{
  GObject parent_instance;

  gnutls_certificate_credentials_t credentials; /* (owned) */
  char *fingerprint;                            /* (owned) "sha-256 AB:CD:..." */
};

G_DEFINE_TYPE (WeftCertificate, weft_certificate, G_TYPE_OBJECT)

static void
weft_certificate_finalize (GObject *object)
{
  WeftCertificate *self = WEFT_CERTIFICATE (object);

  if (self->credentials != NULL)
    gnutls_certificate_free_credentials (self->credentials);
  g_free (self->fingerprint);

  G_OBJECT_CLASS (weft_certificate_parent_class)->finalize (object);
}

static void
weft_certificate_class_init (WeftCertificateClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = weft_certificate_finalize;
}

static void
weft_certificate_init (WeftCertificate *self)
{
}

static char *
format_fingerprint (const guint8 *digest, gsize len)
{
  GString *out = g_string_new ("sha-256 ");

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (out, i == 0 ? "%02X" : ":%02X", digest[i]);
  return g_string_free (out, FALSE);
}

static gboolean
set_gnutls_error (GError **error, int rc, const char *what)
{
  g_set_error (error, WEFT_ERROR, WEFT_ERROR_FAILED,
               /* TRANSLATORS: the first %s is an operation, the second a GnuTLS error */
               _ ("Could not create the DTLS certificate (%s): %s"), what, gnutls_strerror (rc));
  return FALSE;
}

static gboolean
generate (WeftCertificate *self, GError **error)
{
  gnutls_x509_privkey_t key = NULL;
  gnutls_x509_crt_t crt = NULL;
  guint8 serial[16];
  guint8 digest[32];
  size_t digest_len = sizeof digest;
  time_t now = time (NULL);
  int rc;
  gboolean ok = FALSE;

  if ((rc = gnutls_x509_privkey_init (&key)) < 0)
    return set_gnutls_error (error, rc, "privkey_init");
  if ((rc = gnutls_x509_privkey_generate (
         key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0)) < 0 ||
      (rc = gnutls_x509_crt_init (&crt)) < 0)
    {
      set_gnutls_error (error, rc, "generate key");
      gnutls_x509_privkey_deinit (key);
      return FALSE;
    }

  gnutls_rnd (GNUTLS_RND_NONCE, serial, sizeof serial);
  serial[0] &= 0x7f; /* keep the serial a positive integer */
  if ((rc = gnutls_x509_crt_set_version (crt, 3)) < 0 ||
      (rc = gnutls_x509_crt_set_key (crt, key)) < 0 ||
      (rc = gnutls_x509_crt_set_serial (crt, serial, sizeof serial)) < 0 ||
      (rc = gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0, "weft", 4)) < 0 ||
      (rc = gnutls_x509_crt_set_activation_time (crt, now - 3600)) < 0 ||
      (rc = gnutls_x509_crt_set_expiration_time (crt, now + 365 * 24 * 3600)) < 0 ||
      (rc = gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0)) < 0)
    set_gnutls_error (error, rc, "sign");
  else if ((rc = gnutls_x509_crt_get_fingerprint (crt, GNUTLS_DIG_SHA256, digest, &digest_len)) < 0)
    set_gnutls_error (error, rc, "fingerprint");
  else if ((rc = gnutls_certificate_allocate_credentials (&self->credentials)) < 0)
    set_gnutls_error (error, rc, "credentials");
  else if ((rc = gnutls_certificate_set_x509_key (self->credentials, &crt, 1, key)) < 0)
    set_gnutls_error (error, rc, "set key");
  else
    {
      self->fingerprint = format_fingerprint (digest, digest_len);
      ok = TRUE;
    }

  gnutls_x509_crt_deinit (crt);
  gnutls_x509_privkey_deinit (key);
  return ok;
}

/*
 * weft_certificate_new:
 *
 * Generates a fresh key pair and self-signed certificate. Most callers want
 * weft_certificate_get_default(), which shares one per process.
 */
WeftCertificate *
weft_certificate_new (GError **error)
{
  g_autoptr (WeftCertificate) self = g_object_new (WEFT_TYPE_CERTIFICATE, NULL);

  if (!generate (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

/*
 * weft_certificate_get_default:
 *
 * Returns: (transfer full): the process-wide certificate, created on first use
 */
WeftCertificate *
weft_certificate_get_default (GError **error)
{
  static GMutex lock;
  static WeftCertificate *shared = NULL; /* (owned) weak-ish: dropped when the last user goes */
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&lock);

  if (shared == NULL)
    {
      shared = weft_certificate_new (error);
      if (shared == NULL)
        return NULL;
      /* a weak pointer lets the last user free it, which keeps leak checkers quiet */
      g_object_add_weak_pointer (G_OBJECT (shared), (gpointer *) &shared);
      return shared;
    }
  return g_object_ref (shared);
}

const char *
weft_certificate_get_fingerprint (WeftCertificate *self)
{
  g_return_val_if_fail (WEFT_IS_CERTIFICATE (self), NULL);
  return self->fingerprint;
}

gnutls_certificate_credentials_t
weft_certificate_get_credentials (WeftCertificate *self)
{
  g_return_val_if_fail (WEFT_IS_CERTIFICATE (self), NULL);
  return self->credentials;
}

/*
 * weft_certificate_fingerprint_from_der:
 *
 * Returns: (transfer full): the "sha-256 AB:..." fingerprint of a DER certificate
 */
char *
weft_certificate_fingerprint_from_der (const gnutls_datum_t *der, GError **error)
{
  guint8 digest[32];
  size_t len = sizeof digest;
  int rc = gnutls_fingerprint (GNUTLS_DIG_SHA256, der, digest, &len);

  if (rc < 0)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                   _ ("Could not hash the peer certificate: %s"), gnutls_strerror (rc));
      return NULL;
    }
  return format_fingerprint (digest, len);
}

/* compares "sha-256 ab:cd" forms: algorithm and hex case-insensitively, any
 * run of blanks between them */
gboolean
weft_certificate_fingerprint_equal (const char *a, const char *b)
{
  if (a == NULL || b == NULL)
    return FALSE;
  while (g_ascii_isspace (*a))
    a++;
  while (g_ascii_isspace (*b))
    b++;
  while (*a != '\0' && *b != '\0')
    {
      if (g_ascii_isspace (*a) && g_ascii_isspace (*b))
        {
          while (g_ascii_isspace (*a))
            a++;
          while (g_ascii_isspace (*b))
            b++;
          continue;
        }
      if (g_ascii_tolower (*a) != g_ascii_tolower (*b))
        return FALSE;
      a++;
      b++;
    }
  while (g_ascii_isspace (*a))
    a++;
  while (g_ascii_isspace (*b))
    b++;
  return *a == '\0' && *b == '\0';
}
