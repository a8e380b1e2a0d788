/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "fuzz-common.h"
#include "weft-candidate.h"
#include "weft-sdp.h"

#define FP                                                                                        \
  "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:" \
  "99"

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autofree gchar *text = g_strndup ((const gchar *) data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftSdp) sdp = weft_sdp_new_from_string (text, &error);
  g_autoptr (WeftCandidate) cand = NULL;

  if (sdp == NULL)
    {
      g_assert_nonnull (error);
    }
  else
    {
      g_autofree gchar *out = weft_sdp_to_string (sdp);
      g_autoptr (WeftSdp) again = weft_sdp_new_from_string (out, &error);
      g_autoptr (WeftSdp) answer = NULL;
      g_autofree gchar *answer_text = NULL;
      g_autoptr (WeftSdp) answer_again = NULL;

      /* what we write we must read back, with the same values */
      g_assert_no_error (error);
      g_assert_cmpstr (weft_sdp_get_ice_ufrag (again), ==, weft_sdp_get_ice_ufrag (sdp));
      g_assert_cmpstr (weft_sdp_get_fingerprint (again), ==, weft_sdp_get_fingerprint (sdp));
      g_assert_cmpint (weft_sdp_get_sctp_format (again), ==, weft_sdp_get_sctp_format (sdp));
      g_assert_cmpuint (weft_sdp_get_sctp_port (again), ==, weft_sdp_get_sctp_port (sdp));
      g_assert_cmpuint (weft_sdp_get_mline_index (again), ==, weft_sdp_get_mline_index (sdp));
      g_assert_cmpuint (weft_sdp_get_candidates (again)->len, ==,
                        weft_sdp_get_candidates (sdp)->len);

      /* and every offer we accept can be answered */
      answer = weft_sdp_new_answer (sdp, "Wf01", "abcdefghijklmnopqrstuv", "sha-256", FP,
                                    WEFT_SDP_SETUP_NONE, &error);
      g_assert_no_error (error);
      answer_text = weft_sdp_to_string (answer);
      answer_again = weft_sdp_new_from_string (answer_text, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (weft_sdp_get_mline_index (answer_again), ==,
                        weft_sdp_get_mline_index (sdp));
      g_assert_cmpstr (weft_sdp_get_mid (answer_again), ==, weft_sdp_get_mid (sdp));
    }

  /* the candidate parser sees the raw input too */
  g_clear_error (&error);
  cand = weft_candidate_parse (text, &error);
  if (cand != NULL)
    {
      g_autofree gchar *browser = weft_candidate_to_string (cand);
      g_autoptr (WeftCandidate) back = weft_candidate_parse (browser, NULL);

      g_assert_nonnull (back);
      g_assert_cmpuint (back->port, ==, cand->port);
    }
  return 0;
}
