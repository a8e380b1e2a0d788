/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gnutls/x509.h>

#include "weft-certificate.h"

static void
test_fingerprint_format (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftCertificate) cert = weft_certificate_new (&error);
  const char *fp;

  g_assert_no_error (error);
  fp = weft_certificate_get_fingerprint (cert);
  g_assert_true (g_regex_match_simple ("^sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}$", fp, 0, 0));
  g_assert_nonnull (weft_certificate_get_credentials (cert));
}

static void
test_distinct_keys (void)
{
  g_autoptr (WeftCertificate) a = weft_certificate_new (NULL);
  g_autoptr (WeftCertificate) b = weft_certificate_new (NULL);

  g_assert_cmpstr (weft_certificate_get_fingerprint (a), !=, weft_certificate_get_fingerprint (b));
}

static void
test_default_is_shared (void)
{
  g_autoptr (WeftCertificate) a = weft_certificate_get_default (NULL);
  g_autoptr (WeftCertificate) b = weft_certificate_get_default (NULL);

  g_assert_true (a == b);
}

static void
test_fingerprint_of_der (void)
{
  g_autoptr (WeftCertificate) cert = weft_certificate_new (NULL);
  gnutls_x509_crt_t *crts = NULL;
  unsigned int n = 0;
  gnutls_datum_t der = { NULL, 0 };
  g_autofree char *fp = NULL;
  g_autoptr (GError) error = NULL;
  gnutls_datum_t garbage = { (unsigned char *) "x", 1 };

  g_assert_cmpint (
    gnutls_certificate_get_x509_crt (weft_certificate_get_credentials (cert), 0, &crts, &n), ==, 0);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpint (gnutls_x509_crt_export2 (crts[0], GNUTLS_X509_FMT_DER, &der), ==, 0);
  fp = weft_certificate_fingerprint_from_der (&der, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fp, ==, weft_certificate_get_fingerprint (cert));
  /* hashing does not parse, so any bytes give some fingerprint, just not this one */
  g_free (fp);
  fp = weft_certificate_fingerprint_from_der (&garbage, &error);
  g_assert_cmpstr (fp, !=, weft_certificate_get_fingerprint (cert));
  gnutls_free (der.data);
  gnutls_x509_crt_deinit (crts[0]);
  gnutls_free (crts);
}

static void
test_fingerprint_equal (void)
{
  g_assert_true (weft_certificate_fingerprint_equal ("sha-256 AB:CD", "SHA-256 ab:cd"));
  g_assert_true (weft_certificate_fingerprint_equal ("sha-256  AB:CD ", " sha-256 AB:CD"));
  g_assert_false (weft_certificate_fingerprint_equal ("sha-256 AB:CD", "sha-256 AB:CE"));
  g_assert_false (weft_certificate_fingerprint_equal ("sha-256 AB:CD", "sha-1 AB:CD"));
  g_assert_false (weft_certificate_fingerprint_equal ("sha-256 AB:CD", "sha-256 AB:CD:EF"));
  g_assert_false (weft_certificate_fingerprint_equal ("sha-256 AB:CD", "sha-256AB:CD"));
  g_assert_false (weft_certificate_fingerprint_equal (NULL, "sha-256 AB"));
  g_assert_false (weft_certificate_fingerprint_equal ("", "sha-256 AB"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/weft/certificate/fingerprint-format", test_fingerprint_format);
  g_test_add_func ("/weft/certificate/distinct-keys", test_distinct_keys);
  g_test_add_func ("/weft/certificate/default-is-shared", test_default_is_shared);
  g_test_add_func ("/weft/certificate/fingerprint-of-der", test_fingerprint_of_der);
  g_test_add_func ("/weft/certificate/fingerprint-equal", test_fingerprint_equal);
  return g_test_run ();
}
