/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "weft-sdp.h"

#define CHROME_FP                                                                                 \
  "46:17:05:3A:9C:11:E2:70:5B:88:0D:4F:A1:C3:62:7E:19:B5:D4:08:F3:2A:6C:91:E0:57:BB:34:8D:C2:9E:" \
  "38"
#define LOCAL_FP                                                                                  \
  "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:" \
  "99"

static gchar *
load_fixture (const gchar *name)
{
  g_autoptr (GError) error = NULL;
  gchar *contents = NULL;
  const gchar *path = g_test_get_filename (G_TEST_DIST, "unit", "data", "sdp", name, NULL);

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

static WeftSdp *
parse_fixture (const gchar *name)
{
  g_autofree gchar *text = load_fixture (name);
  g_autoptr (GError) error = NULL;
  WeftSdp *sdp = weft_sdp_new_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (sdp);
  return sdp;
}

/* the description must parse back to the same values it was written from */
static WeftSdp *
reparse (WeftSdp *sdp)
{
  g_autofree gchar *text = weft_sdp_to_string (sdp);
  g_autoptr (GError) error = NULL;
  WeftSdp *back = weft_sdp_new_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (back);
  return back;
}

static void
assert_line (const gchar *sdp, const gchar *line)
{
  g_autofree gchar *needle = g_strdup_printf ("\r\n%s\r\n", line);

  if (strstr (sdp, needle) == NULL)
    g_error ("expected line “%s” in:\n%s", line, sdp);
}

static void
test_sdp_chromium_offer (void)
{
  g_autoptr (WeftSdp) sdp = parse_fixture ("chromium-offer.sdp");

  g_assert_cmpstr (weft_sdp_get_session_id (sdp), ==, "5381693140618893718");
  g_assert_cmpuint (weft_sdp_get_session_version (sdp), ==, 2);
  g_assert_cmpstr (weft_sdp_get_ice_ufrag (sdp), ==, "eipu");
  g_assert_cmpstr (weft_sdp_get_ice_pwd (sdp), ==, "/RP+xe6DCpTmaeBM26I4jVKW");
  g_assert_true (weft_sdp_has_ice_option (sdp, "trickle"));
  g_assert_false (weft_sdp_has_ice_option (sdp, "ice2"));
  g_assert_false (weft_sdp_get_ice_lite (sdp));
  g_assert_cmpstr (weft_sdp_get_fingerprint_algorithm (sdp), ==, "sha-256");
  g_assert_cmpstr (weft_sdp_get_fingerprint (sdp), ==, CHROME_FP);
  g_assert_cmpint (weft_sdp_get_setup (sdp), ==, WEFT_SDP_SETUP_ACTPASS);
  g_assert_cmpstr (weft_sdp_get_mid (sdp), ==, "0");
  g_assert_cmpuint (weft_sdp_get_mline_index (sdp), ==, 0);
  g_assert_cmpuint (weft_sdp_get_n_mlines (sdp), ==, 1);
  g_assert_cmpstrv (weft_sdp_get_bundle_mids (sdp), ((const gchar *[]){ "0", NULL }));
  g_assert_cmpint (weft_sdp_get_sctp_format (sdp), ==, WEFT_SDP_SCTP_FORMAT_MODERN);
  g_assert_cmpstr (weft_sdp_get_proto (sdp), ==, "UDP/DTLS/SCTP");
  g_assert_cmpuint (weft_sdp_get_media_port (sdp), ==, 9);
  g_assert_cmpstr (weft_sdp_get_connection_address (sdp), ==, "0.0.0.0");
  g_assert_cmpuint (weft_sdp_get_sctp_port (sdp), ==, 5000);
  g_assert_cmpuint (weft_sdp_get_max_message_size (sdp), ==, 262144);
  g_assert_cmpuint (weft_sdp_get_candidates (sdp)->len, ==, 0);
  g_assert_false (weft_sdp_get_end_of_candidates (sdp));
}

static void
test_sdp_line_endings (void)
{
  g_autofree gchar *crlf = load_fixture ("chromium-offer.sdp");
  g_auto (GStrv) lines = g_strsplit (crlf, "\r\n", -1);
  g_autofree gchar *lf = g_strjoinv ("\n", lines);
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftSdp) a = weft_sdp_new_from_string (crlf, &error);
  g_autoptr (WeftSdp) b = NULL;
  g_autofree gchar *no_final_eol = NULL;
  g_autoptr (WeftSdp) c = NULL;

  g_assert_no_error (error);
  g_assert_null (strchr (lf, '\r'));
  b = weft_sdp_new_from_string (lf, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (weft_sdp_get_ice_pwd (a), ==, weft_sdp_get_ice_pwd (b));
  g_assert_cmpstr (weft_sdp_get_fingerprint (a), ==, weft_sdp_get_fingerprint (b));
  g_assert_cmpuint (weft_sdp_get_max_message_size (b), ==, 262144);

  /* the last line without a line ending still counts */
  no_final_eol = g_strndup (crlf, strlen (crlf) - 2);
  c = weft_sdp_new_from_string (no_final_eol, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (weft_sdp_get_max_message_size (c), ==, 262144);
}

static void
test_sdp_aiortc_answer (void)
{
  g_autoptr (WeftSdp) sdp = parse_fixture ("aiortc-answer.sdp");
  GPtrArray *cands = weft_sdp_get_candidates (sdp);
  gboolean client = TRUE;
  g_autoptr (GError) error = NULL;

  g_assert_cmpstr (weft_sdp_get_ice_ufrag (sdp), ==, "jQh7");
  g_assert_cmpstr (weft_sdp_get_ice_pwd (sdp), ==, "Ks1FUnUcXOh3hBm4c3kMIF");
  g_assert_cmpint (weft_sdp_get_setup (sdp), ==, WEFT_SDP_SETUP_ACTIVE);
  g_assert_null (weft_sdp_get_ice_options (sdp));
  g_assert_cmpuint (weft_sdp_get_max_message_size (sdp), ==, 65536);
  g_assert_cmpuint (weft_sdp_get_media_port (sdp), ==, 45065);
  g_assert_cmpstr (weft_sdp_get_connection_address (sdp), ==, "127.0.0.1");
  g_assert_cmpuint (cands->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (cands, 0), ==,
                   "candidate:16572de626da4e5384a0ce2d0d93678a 1 udp 2130706431 127.0.0.1 45065 "
                   "typ host");
  g_assert_true (weft_sdp_get_end_of_candidates (sdp));

  /* the answer is active, so we (the offerer) are the DTLS server */
  g_assert_true (weft_sdp_negotiate_dtls_client (sdp, WEFT_SDP_TYPE_ANSWER, &client, &error));
  g_assert_no_error (error);
  g_assert_false (client);
}

static void
test_sdp_aiortc_legacy_offer (void)
{
  g_autoptr (WeftSdp) offer = parse_fixture ("aiortc-legacy-offer.sdp");
  g_autoptr (WeftSdp) answer = NULL;
  g_autoptr (WeftSdp) back = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *text = NULL;
  gboolean client = FALSE;

  g_assert_cmpint (weft_sdp_get_sctp_format (offer), ==, WEFT_SDP_SCTP_FORMAT_LEGACY);
  g_assert_cmpstr (weft_sdp_get_proto (offer), ==, "DTLS/SCTP");
  g_assert_cmpuint (weft_sdp_get_sctp_port (offer), ==, 5000);
  g_assert_cmpuint (weft_sdp_get_sctp_streams (offer), ==, 65535);
  g_assert_cmpuint (weft_sdp_get_max_message_size (offer), ==, 65536);
  g_assert_cmpuint (weft_sdp_get_media_port (offer), ==, 58851);
  g_assert_cmpint (weft_sdp_get_setup (offer), ==, WEFT_SDP_SETUP_ACTPASS);
  g_assert_cmpuint (weft_sdp_get_candidates (offer)->len, ==, 1);
  g_assert_true (weft_sdp_negotiate_dtls_client (offer, WEFT_SDP_TYPE_OFFER, &client, &error));
  g_assert_true (client);

  /* a legacy offer gets a legacy answer */
  answer = weft_sdp_new_answer (offer, "Wf01", "abcdefghijklmnopqrstuv", "sha-256", LOCAL_FP,
                                WEFT_SDP_SETUP_NONE, &error);
  g_assert_no_error (error);
  text = weft_sdp_to_string (answer);
  assert_line (text, "m=application 9 DTLS/SCTP 5000");
  assert_line (text, "a=sctpmap:5000 webrtc-datachannel 1024");
  assert_line (text, "a=setup:active");
  assert_line (text, "a=mid:0");
  assert_line (text, "a=group:BUNDLE 0");
  assert_line (text, "a=max-message-size:262144");
  g_assert_null (strstr (text, "a=sctp-port"));
  g_assert_null (strstr (text, "webrtc-datachannel\r\n"));

  back = reparse (answer);
  g_assert_cmpint (weft_sdp_get_sctp_format (back), ==, WEFT_SDP_SCTP_FORMAT_LEGACY);
  g_assert_cmpuint (weft_sdp_get_sctp_port (back), ==, 5000);
  g_assert_cmpuint (weft_sdp_get_sctp_streams (back), ==, 1024);
  g_assert_cmpint (weft_sdp_get_setup (back), ==, WEFT_SDP_SETUP_ACTIVE);
}

static void
test_sdp_session_level (void)
{
  g_autoptr (WeftSdp) sdp = parse_fixture ("session-level.sdp");
  GPtrArray *cands = weft_sdp_get_candidates (sdp);
  g_autoptr (WeftSdp) answer = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *text = NULL;
  gboolean client = FALSE;

  g_assert_cmpstr (weft_sdp_get_ice_ufrag (sdp), ==, "Qx9r");
  g_assert_cmpstr (weft_sdp_get_ice_pwd (sdp), ==, "0aSFyG2nZc1vM7u3oPpLkE8w");
  g_assert_true (weft_sdp_has_ice_option (sdp, "trickle") == FALSE);
  g_assert_cmpstr (weft_sdp_get_ice_options (sdp), ==, "ice2,trickle");
  g_assert_cmpstr (weft_sdp_get_fingerprint_algorithm (sdp), ==, "sha-512");
  g_assert_cmpuint (strlen (weft_sdp_get_fingerprint (sdp)), ==, 64 * 3 - 1);
  /* hex digits come back upper case whatever case they were written in */
  g_assert_null (strpbrk (weft_sdp_get_fingerprint (sdp), "abcdef"));
  g_assert_cmpint (weft_sdp_get_setup (sdp), ==, WEFT_SDP_SETUP_PASSIVE);
  g_assert_cmpstr (weft_sdp_get_mid (sdp), ==, "data");
  g_assert_cmpstrv (weft_sdp_get_bundle_mids (sdp), ((const gchar *[]){ "data", NULL }));
  g_assert_cmpuint (weft_sdp_get_sctp_port (sdp), ==, 5001);
  /* 0 means unlimited */
  g_assert_cmpuint (weft_sdp_get_max_message_size (sdp), ==, 0);
  g_assert_cmpuint (cands->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (cands, 1), ==,
                   "candidate:2 1 udp 1686109951 198.51.100.7 40731 typ srflx raddr 127.0.0.1 "
                   "rport 40730");
  g_assert_true (weft_sdp_get_end_of_candidates (sdp));

  /* a passive offerer makes us the client, and we must not also be passive */
  g_assert_true (weft_sdp_negotiate_dtls_client (sdp, WEFT_SDP_TYPE_OFFER, &client, &error));
  g_assert_true (client);
  answer = weft_sdp_new_answer (sdp, "Wf01", "abcdefghijklmnopqrstuv", "sha-256", LOCAL_FP,
                                WEFT_SDP_SETUP_PASSIVE, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
  g_assert_null (answer);
  g_clear_error (&error);
  answer = weft_sdp_new_answer (sdp, "Wf01", "abcdefghijklmnopqrstuv", "sha-256", LOCAL_FP,
                                WEFT_SDP_SETUP_NONE, &error);
  g_assert_no_error (error);
  text = weft_sdp_to_string (answer);
  assert_line (text, "a=setup:active");
  assert_line (text, "a=mid:data");
  assert_line (text, "a=group:BUNDLE data");
  assert_line (text, "m=application 9 UDP/DTLS/SCTP webrtc-datachannel");
  assert_line (text, "a=sctp-port:5000");
}

static void
test_sdp_no_sctp_init_echo (void)
{
  g_autoptr (WeftSdp) offer = parse_fixture ("chromium-sctp-init.sdp");
  g_autoptr (WeftSdp) answer = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *raw = load_fixture ("chromium-sctp-init.sdp");
  g_autofree gchar *text = NULL;

  g_assert_nonnull (strstr (raw, "a=sctp-init:"));
  g_assert_cmpuint (weft_sdp_get_max_message_size (offer), ==, 262144);
  answer = weft_sdp_new_answer (offer, "Wf01", "abcdefghijklmnopqrstuv", "sha-256", LOCAL_FP,
                                WEFT_SDP_SETUP_ACTIVE, &error);
  g_assert_no_error (error);
  text = weft_sdp_to_string (answer);
  g_assert_null (strstr (text, "sctp-init"));
  g_assert_null (strstr (text, "extmap"));
  assert_line (text, "a=sctp-port:5000");
  assert_line (text, "a=setup:active");
}

static void
test_sdp_audio_and_data (void)
{
  g_autoptr (WeftSdp) offer = parse_fixture ("audio-and-data.sdp");
  g_autoptr (WeftSdp) answer = NULL;
  g_autoptr (WeftSdp) back = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *text = NULL;

  g_assert_cmpuint (weft_sdp_get_n_mlines (offer), ==, 2);
  g_assert_cmpuint (weft_sdp_get_mline_index (offer), ==, 1);
  g_assert_cmpstr (weft_sdp_get_mid (offer), ==, "data");
  /* the data section's credentials, not the audio section's */
  g_assert_cmpstr (weft_sdp_get_ice_ufrag (offer), ==, "dat2");
  g_assert_cmpstr (weft_sdp_get_fingerprint_algorithm (offer), ==, "sha-1");
  g_assert_cmpstr (weft_sdp_get_fingerprint (offer), ==,
                   "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67");
  /* absent max-message-size means 64 KiB */
  g_assert_cmpuint (weft_sdp_get_max_message_size (offer), ==, 65536);

  answer = weft_sdp_new_answer (offer, "Wf01", "abcdefghijklmnopqrstuv", "sha-256", LOCAL_FP,
                                WEFT_SDP_SETUP_NONE, &error);
  g_assert_no_error (error);
  text = weft_sdp_to_string (answer);
  assert_line (text, "m=audio 0 UDP/TLS/RTP/SAVPF 111");
  assert_line (text, "a=mid:a0");
  assert_line (text, "a=group:BUNDLE data");
  g_assert_null (strstr (text, "rtpmap"));
  back = reparse (answer);
  g_assert_cmpuint (weft_sdp_get_mline_index (back), ==, 1);
  g_assert_cmpstr (weft_sdp_get_mid (back), ==, "data");
}

static void
test_sdp_offer_exact (void)
{
  g_autoptr (WeftSdp) offer =
    weft_sdp_new_offer ("Wf01", "abcdefghijklmnopqrstuv", "SHA-256", LOCAL_FP);
  g_autofree gchar *text = NULL;
  g_autoptr (WeftSdp) back = NULL;

  weft_sdp_set_session (offer, 4611686018427387903, 2);
  text = weft_sdp_to_string (offer);
  g_assert_cmpstr (text, ==,
                   "v=0\r\n"
                   "o=- 4611686018427387903 2 IN IP4 127.0.0.1\r\n"
                   "s=-\r\n"
                   "t=0 0\r\n"
                   "a=group:BUNDLE 0\r\n"
                   "a=msid-semantic:WMS *\r\n"
                   "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
                   "c=IN IP4 0.0.0.0\r\n"
                   "a=mid:0\r\n"
                   "a=ice-ufrag:Wf01\r\n"
                   "a=ice-pwd:abcdefghijklmnopqrstuv\r\n"
                   "a=ice-options:trickle\r\n"
                   "a=fingerprint:sha-256 " LOCAL_FP "\r\n"
                   "a=setup:actpass\r\n"
                   "a=sctp-port:5000\r\n"
                   "a=max-message-size:262144\r\n");

  back = reparse (offer);
  g_assert_cmpint (weft_sdp_get_setup (back), ==, WEFT_SDP_SETUP_ACTPASS);
  g_assert_true (weft_sdp_fingerprint_equal (weft_sdp_get_fingerprint (back), LOCAL_FP));
  g_assert_cmpstr (weft_sdp_get_session_id (back), ==, "4611686018427387903");
}

static void
test_sdp_offer_random_session (void)
{
  g_autoptr (WeftSdp) a =
    weft_sdp_new_offer ("Wf01", "abcdefghijklmnopqrstuv", "sha-256", LOCAL_FP);
  g_autoptr (WeftSdp) b =
    weft_sdp_new_offer ("Wf01", "abcdefghijklmnopqrstuv", "sha-256", LOCAL_FP);
  guint64 id;

  g_assert_cmpstr (weft_sdp_get_session_id (a), !=, weft_sdp_get_session_id (b));
  g_assert_true (
    g_ascii_string_to_unsigned (weft_sdp_get_session_id (a), 10, 0, G_MAXINT64, &id, NULL));
}

static void
test_sdp_offer_inline_candidates (void)
{
  g_autoptr (WeftSdp) offer =
    weft_sdp_new_offer ("Wf01", "abcdefghijklmnopqrstuv", "sha-256", LOCAL_FP);
  g_autoptr (WeftSdp) back = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *text = NULL;

  g_assert_true (weft_sdp_add_candidate (
    offer, "a=candidate:1 1 UDP 2015363327 127.0.0.1 41000 typ host\r\n", &error));
  g_assert_true (weft_sdp_add_candidate (
    offer, "candidate:2 1 UDP 1679819007 198.51.100.7 41001 typ srflx raddr 127.0.0.1 rport 41000",
    &error));
  g_assert_no_error (error);
  g_assert_false (weft_sdp_add_candidate (offer, "candidate:garbage", &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA);
  g_clear_error (&error);
  weft_sdp_set_end_of_candidates (offer, TRUE);
  weft_sdp_set_max_message_size (offer, 0);
  weft_sdp_set_sctp_port (offer, 5002);
  weft_sdp_set_ice_options (offer, NULL);

  text = weft_sdp_to_string (offer);
  assert_line (text, "m=application 41000 UDP/DTLS/SCTP webrtc-datachannel");
  assert_line (text, "c=IN IP4 127.0.0.1");
  assert_line (text, "a=candidate:1 1 udp 2015363327 127.0.0.1 41000 typ host");
  assert_line (text, "a=max-message-size:0");
  assert_line (text, "a=sctp-port:5002");
  g_assert_null (strstr (text, "ice-options"));
  g_assert_true (g_str_has_suffix (text, "\r\na=end-of-candidates\r\n"));

  back = reparse (offer);
  g_assert_cmpuint (weft_sdp_get_candidates (back)->len, ==, 2);
  g_assert_true (weft_sdp_get_end_of_candidates (back));
  g_assert_cmpuint (weft_sdp_get_max_message_size (back), ==, 0);
  g_assert_cmpuint (weft_sdp_get_sctp_port (back), ==, 5002);
  g_assert_cmpuint (weft_sdp_get_media_port (back), ==, 41000);
}

static void
test_sdp_ipv6_default_candidate (void)
{
  g_autoptr (WeftSdp) offer =
    weft_sdp_new_offer ("Wf01", "abcdefghijklmnopqrstuv", "sha-256", LOCAL_FP);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *text = NULL;

  g_assert_true (
    weft_sdp_add_candidate (offer, "candidate:5 1 udp 2122260223 ::1 40000 typ host", &error));
  text = weft_sdp_to_string (offer);
  assert_line (text, "c=IN IP6 ::1");
  assert_line (text, "m=application 40000 UDP/DTLS/SCTP webrtc-datachannel");
}

static void
test_sdp_fingerprint_prefers_sha256 (void)
{
  const gchar *text =
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
    "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n"
    "a=fingerprint:sha-1 01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67\r\n"
    "a=fingerprint:SHA-256 " LOCAL_FP "\r\n"
    "a=fingerprint:sha-512 " LOCAL_FP ":" LOCAL_FP "\r\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftSdp) sdp = weft_sdp_new_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (weft_sdp_get_fingerprint_algorithm (sdp), ==, "sha-256");
  g_assert_cmpstr (weft_sdp_get_fingerprint (sdp), ==, LOCAL_FP);
}

static void
test_sdp_unknown_fingerprint_skipped (void)
{
  const gchar *text = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
                      "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
                      "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n"
                      "a=fingerprint:md5 01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10\r\n"
                      "a=fingerprint:sha-384 "
                      "01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:17:18:"
                      "19:1A:1B:1C:1D:1E:1F:20:21:22:23:24:25:26:27:28:29:2A:2B:2C:2D:2E:2F:30\r\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftSdp) sdp = weft_sdp_new_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (weft_sdp_get_fingerprint_algorithm (sdp), ==, "sha-384");
  g_assert_cmpint (weft_sdp_get_setup (sdp), ==, WEFT_SDP_SETUP_NONE);
  g_assert_null (weft_sdp_get_mid (sdp));
  g_assert_cmpuint (weft_sdp_get_sctp_port (sdp), ==, 5000);
}

#define HEAD  "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
#define MLINE "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
#define UFRAG "a=ice-ufrag:abcd\r\n"
#define PWD   "a=ice-pwd:abcdefghijklmnopqrstuv\r\n"
#define FP    "a=fingerprint:sha-256 " LOCAL_FP "\r\n"

static void
test_sdp_errors (void)
{
  static const struct
  {
    const gchar *sdp;
    const gchar *message; /* a substring of the error message */
  } cases[] = {
    { "", "empty" },
    { "\r\n\r\n", "empty" },
    { "hello world", "line 1: expected" },
    { "s=-\r\nv=0\r\n", "line 1: a session description must start" },
    { "v=1\r\n", "line 1: unsupported protocol version" },
    { HEAD "a=ice-ufrag:abcd\r\n", "no m=application line" },
    { HEAD "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n", "no m=application line" },
    { HEAD "m=application 9 RTP/AVP 0\r\n", "line 5: m=application uses the unsupported proto" },
    { HEAD "m=application 9 UDP/DTLS/SCTP bogus\r\n", "line 5: unsupported m=application format" },
    { HEAD "m=application 9\r\n", "line 5: expected “m=" },
    { HEAD "m=application x UDP/DTLS/SCTP webrtc-datachannel\r\n", "line 5: the m-line port" },
    { HEAD "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\n" UFRAG PWD FP,
      "line 5: the m=application section was rejected" },
    { HEAD MLINE PWD FP, "line 5: missing a=ice-ufrag" },
    { HEAD MLINE UFRAG FP, "line 5: missing a=ice-pwd" },
    { HEAD MLINE UFRAG PWD, "line 5: missing a=fingerprint" },
    { HEAD MLINE UFRAG PWD "a=fingerprint:md5 01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10\r\n",
      "supported hash function" },
    { HEAD MLINE UFRAG PWD "a=fingerprint:sha-256 01:02:03\r\n",
      "line 8: a=fingerprint: a sha-256" },
    { HEAD MLINE UFRAG PWD "a=fingerprint:sha-256 0G:02\r\n", "line 8: Invalid fingerprint" },
    { HEAD MLINE UFRAG PWD "a=fingerprint:sha-256\r\n", "line 8: a=fingerprint needs" },
    { HEAD MLINE UFRAG PWD FP "a=setup:holdconn\r\n", "line 9: bad a=setup value “holdconn”" },
    { HEAD "a=setup:sideways\r\n" MLINE, "line 5: bad a=setup value" },
    { HEAD MLINE UFRAG PWD FP "a=sctp-port:abc\r\n", "line 9: a=sctp-port must be" },
    { HEAD MLINE UFRAG PWD FP "a=sctp-port:70000\r\n", "line 9: a=sctp-port must be" },
    { HEAD MLINE UFRAG PWD FP "a=max-message-size:-1\r\n", "line 9: a=max-message-size" },
    { HEAD MLINE "a=ice-ufrag:a&b\r\n", "line 6: a=ice-ufrag" },
    { HEAD MLINE "a=ice-pwd:\r\n", "line 6: a=ice-pwd" },
    { HEAD MLINE "a=mid:\r\n", "line 6: a=mid" },
    { HEAD "c=IN IP4\r\n", "line 5: expected “c=IN" },
    { HEAD "o=- 1\r\n", "line 5: expected “o=" },
    { "v=0\r\no=- 1 x IN IP4 0.0.0.0\r\n", "line 2: the session version" },
    { HEAD "m=application 9 DTLS/SCTP 5000\r\n" UFRAG PWD FP "a=sctpmap:5000 bfcp 16\r\n",
      "line 9: a=sctpmap: unsupported application" },
    { HEAD "m=application 9 DTLS/SCTP 5000\r\n" UFRAG PWD FP "a=sctpmap:x\r\n",
      "line 9: a=sctpmap needs" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (WeftSdp) sdp = weft_sdp_new_from_string (cases[i].sdp, &error);

      g_test_message ("case %" G_GSIZE_FORMAT ": %s", i, error != NULL ? error->message : "ok");
      g_assert_null (sdp);
      g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("case %" G_GSIZE_FORMAT ": expected “%s” in “%s”", i, cases[i].message,
                 error->message);
    }
}

static void
test_sdp_bundle_groups (void)
{
  const gchar *text = HEAD "a=group:BUNDLEX 7\r\na=group:LS 0\r\n" MLINE UFRAG PWD FP "a=mid:0\r\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftSdp) sdp = weft_sdp_new_from_string (text, &error);
  g_autoptr (WeftSdp) answer = NULL;
  g_autofree gchar *answer_text = NULL;

  /* neither is a BUNDLE group, so the answer has none either */
  g_assert_no_error (error);
  g_assert_null (weft_sdp_get_bundle_mids (sdp)[0]);
  answer = weft_sdp_new_answer (sdp, "Wf01", "abcdefghijklmnopqrstuv", "sha-256", LOCAL_FP,
                                WEFT_SDP_SETUP_NONE, &error);
  g_assert_no_error (error);
  answer_text = weft_sdp_to_string (answer);
  g_assert_null (strstr (answer_text, "a=group"));
}

static void
test_sdp_lenient (void)
{
  /* unknown attributes, odd candidates and a rejected second application
   * section do not stop the parse */
  const gchar *text =
    HEAD "a=foo\r\na=bar:baz\r\n" MLINE UFRAG PWD FP
         "a=candidate:not a candidate\r\na=candidate:1 1 udp 1 127.0.0.1 5 typ host\r\n"
         "a=sctp-port:5000\r\nx=unknown line type\r\n"
         "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:second\r\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftSdp) sdp = weft_sdp_new_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (weft_sdp_get_candidates (sdp)->len, ==, 1);
  g_assert_cmpuint (weft_sdp_get_n_mlines (sdp), ==, 2);
  g_assert_cmpuint (weft_sdp_get_mline_index (sdp), ==, 0);
}

static void
test_sdp_dtls_roles (void)
{
  static const struct
  {
    const gchar *setup_line;
    WeftSdpType type;
    gboolean ok;
    gboolean local_client;
  } cases[] = {
    { "a=setup:actpass\r\n", WEFT_SDP_TYPE_OFFER, TRUE, TRUE },
    { "a=setup:active\r\n", WEFT_SDP_TYPE_OFFER, TRUE, FALSE },
    { "a=setup:passive\r\n", WEFT_SDP_TYPE_OFFER, TRUE, TRUE },
    { "", WEFT_SDP_TYPE_OFFER, TRUE, FALSE },
    { "a=setup:actpass\r\n", WEFT_SDP_TYPE_ANSWER, FALSE, FALSE },
    { "a=setup:active\r\n", WEFT_SDP_TYPE_ANSWER, TRUE, FALSE },
    { "a=setup:passive\r\n", WEFT_SDP_TYPE_ANSWER, TRUE, TRUE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *text = g_strconcat (HEAD MLINE UFRAG PWD FP, cases[i].setup_line, NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (WeftSdp) sdp = weft_sdp_new_from_string (text, &error);
      gboolean client = !cases[i].local_client;

      g_assert_no_error (error);
      g_assert_cmpint (weft_sdp_negotiate_dtls_client (sdp, cases[i].type, &client, &error), ==,
                       cases[i].ok);
      if (cases[i].ok)
        {
          g_assert_no_error (error);
          g_assert_cmpint (client, ==, cases[i].local_client);
        }
      else
        {
          g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA);
        }
    }
}

static void
test_sdp_answer_setup_choice (void)
{
  g_autofree gchar *active_text = g_strconcat (HEAD MLINE UFRAG PWD FP "a=setup:active\r\n", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftSdp) active_offer = weft_sdp_new_from_string (active_text, &error);
  g_autoptr (WeftSdp) answer = NULL;
  g_autoptr (WeftSdp) bad = NULL;

  g_assert_no_error (error);
  /* no mid in the offer: none in the answer, and no BUNDLE group */
  answer = weft_sdp_new_answer (active_offer, "Wf01", "abcdefghijklmnopqrstuv", "sha-256", LOCAL_FP,
                                WEFT_SDP_SETUP_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (weft_sdp_get_setup (answer), ==, WEFT_SDP_SETUP_PASSIVE);
  g_assert_null (weft_sdp_get_mid (answer));
  g_assert_null (weft_sdp_get_bundle_mids (answer)[0]);

  bad = weft_sdp_new_answer (active_offer, "Wf01", "abcdefghijklmnopqrstuv", "sha-256", LOCAL_FP,
                             WEFT_SDP_SETUP_ACTIVE, &error);
  g_assert_null (bad);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  bad = weft_sdp_new_answer (active_offer, "Wf01", "abcdefghijklmnopqrstuv", "sha-256", LOCAL_FP,
                             WEFT_SDP_SETUP_ACTPASS, &error);
  g_assert_null (bad);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
}

static void
test_sdp_fingerprint_helpers (void)
{
  static const guint8 digest[] = { 0x00, 0x0f, 0xab, 0xff };
  g_autofree gchar *text = weft_sdp_fingerprint_format (digest, sizeof digest);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *empty = weft_sdp_fingerprint_format (NULL, 0);

  g_assert_cmpstr (text, ==, "00:0F:AB:FF");
  g_assert_cmpstr (empty, ==, "");
  bytes = weft_sdp_fingerprint_parse ("00:0f:Ab:fF", &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), digest, sizeof digest);

  g_assert_true (weft_sdp_fingerprint_equal ("00:0F:AB:FF", "00:0f:ab:ff"));
  g_assert_true (weft_sdp_fingerprint_equal ("sha-256 00:0F:AB:FF", "SHA-256 00:0f:ab:ff"));
  g_assert_true (weft_sdp_fingerprint_equal ("sha-256 00:0F:AB:FF", "00:0f:ab:ff"));
  g_assert_false (weft_sdp_fingerprint_equal ("sha-256 00:0F:AB:FF", "sha-1 00:0F:AB:FF"));
  g_assert_false (weft_sdp_fingerprint_equal ("00:0F:AB:FF", "00:0F:AB:FE"));
  g_assert_false (weft_sdp_fingerprint_equal ("00:0F:AB:FF", "00:0F:AB"));
  g_assert_false (weft_sdp_fingerprint_equal ("zz", "zz"));
  g_assert_false (weft_sdp_fingerprint_equal (NULL, "00"));

  for (guint i = 0; i < 6; i++)
    {
      const gchar *bad[] = { "", "0", "000", "00:", ":00", "00-11" };
      g_autoptr (GError) local_error = NULL;
      g_autoptr (GBytes) none = weft_sdp_fingerprint_parse (bad[i], &local_error);

      g_assert_null (none);
      g_assert_error (local_error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA);
    }

  g_assert_cmpuint (weft_sdp_fingerprint_algorithm_digest_size ("sha-1"), ==, 20);
  g_assert_cmpuint (weft_sdp_fingerprint_algorithm_digest_size ("SHA-256"), ==, 32);
  g_assert_cmpuint (weft_sdp_fingerprint_algorithm_digest_size ("sha-384"), ==, 48);
  g_assert_cmpuint (weft_sdp_fingerprint_algorithm_digest_size ("sha-512"), ==, 64);
  g_assert_cmpuint (weft_sdp_fingerprint_algorithm_digest_size ("md5"), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/weft/sdp/chromium-offer", test_sdp_chromium_offer);
  g_test_add_func ("/weft/sdp/line-endings", test_sdp_line_endings);
  g_test_add_func ("/weft/sdp/aiortc-answer", test_sdp_aiortc_answer);
  g_test_add_func ("/weft/sdp/aiortc-legacy-offer", test_sdp_aiortc_legacy_offer);
  g_test_add_func ("/weft/sdp/session-level", test_sdp_session_level);
  g_test_add_func ("/weft/sdp/no-sctp-init-echo", test_sdp_no_sctp_init_echo);
  g_test_add_func ("/weft/sdp/audio-and-data", test_sdp_audio_and_data);
  g_test_add_func ("/weft/sdp/offer-exact", test_sdp_offer_exact);
  g_test_add_func ("/weft/sdp/offer-random-session", test_sdp_offer_random_session);
  g_test_add_func ("/weft/sdp/offer-inline-candidates", test_sdp_offer_inline_candidates);
  g_test_add_func ("/weft/sdp/ipv6-default-candidate", test_sdp_ipv6_default_candidate);
  g_test_add_func ("/weft/sdp/unknown-fingerprint-skipped", test_sdp_unknown_fingerprint_skipped);
  g_test_add_func ("/weft/sdp/fingerprint-prefers-sha256", test_sdp_fingerprint_prefers_sha256);
  g_test_add_func ("/weft/sdp/errors", test_sdp_errors);
  g_test_add_func ("/weft/sdp/lenient", test_sdp_lenient);
  g_test_add_func ("/weft/sdp/bundle-groups", test_sdp_bundle_groups);
  g_test_add_func ("/weft/sdp/dtls-roles", test_sdp_dtls_roles);
  g_test_add_func ("/weft/sdp/answer-setup-choice", test_sdp_answer_setup_choice);
  g_test_add_func ("/weft/sdp/fingerprint-helpers", test_sdp_fingerprint_helpers);

  return g_test_run ();
}
