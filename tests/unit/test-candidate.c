/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <agent.h>
#include <string.h>

#include "weft-candidate.h"

/* libnice is the consumer of normalised candidates: check it really accepts them */
static gboolean
nice_accepts (const gchar *line)
{
  g_autoptr (GMainContext) ctx = g_main_context_new ();
  NiceAgent *agent =
    nice_agent_new_full (ctx, NICE_COMPATIBILITY_RFC5245, NICE_AGENT_OPTION_ICE_TRICKLE);
  guint stream = nice_agent_add_stream (agent, 1);
  NiceCandidate *cand = nice_agent_parse_remote_candidate_sdp (agent, stream, line);
  gboolean ok = cand != NULL;

  if (cand != NULL)
    nice_candidate_free (cand);
  g_object_unref (agent);
  return ok;
}

static void
test_candidate_normalize (void)
{
  static const struct
  {
    const gchar *input;
    const gchar *expected;
  } cases[] = {
    /* Chromium's trickled form, no prefix, with its extension tokens */
    { "candidate:1467250027 1 udp 2122260223 127.0.0.1 46243 typ host generation 0 ufrag eipu "
      "network-id 1",
      "a=candidate:1467250027 1 udp 2122260223 127.0.0.1 46243 typ host generation 0 ufrag eipu "
      "network-id 1" },
    /* the same with a= and a trailing CRLF and spaces */
    { "a=candidate:1467250027 1 udp 2122260223 127.0.0.1 46243 typ host generation 0\r\n",
      "a=candidate:1467250027 1 udp 2122260223 127.0.0.1 46243 typ host generation 0" },
    { "  candidate:1 1 UDP 2122317823 127.0.0.1 40730 typ host  \r\n",
      "a=candidate:1 1 udp 2122317823 127.0.0.1 40730 typ host" },
    { "a=candidate:842163049 1 udp 1677729535 203.0.113.7 54321 typ srflx raddr 0.0.0.0 rport 0 "
      "generation 0 network-cost 999",
      "a=candidate:842163049 1 udp 1677729535 203.0.113.7 54321 typ srflx raddr 0.0.0.0 rport 0 "
      "generation 0 network-cost 999" },
    { "candidate:3 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active generation 0",
      "a=candidate:3 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active generation 0" },
    { "candidate:5 1 udp 2122260223 ::1 40000 typ host",
      "a=candidate:5 1 udp 2122260223 ::1 40000 typ host" },
    { "candidate:16572de626da4e5384a0ce2d0d93678a 1 udp 2130706431 127.0.0.1 45065 typ host",
      "a=candidate:16572de626da4e5384a0ce2d0d93678a 1 udp 2130706431 127.0.0.1 45065 typ host" },
    /* tabs and repeated spaces collapse */
    { "candidate:7 1 udp 100\t127.0.0.1   5000 typ relay raddr 10.0.0.1 rport 6000",
      "a=candidate:7 1 udp 100 127.0.0.1 5000 typ relay raddr 10.0.0.1 rport 6000" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree gchar *hostname = NULL;
      g_autofree gchar *out = weft_candidate_normalize (cases[i].input, &hostname, &error);

      g_assert_no_error (error);
      g_assert_null (hostname);
      g_assert_cmpstr (out, ==, cases[i].expected);
      if (!nice_accepts (out))
        g_error ("libnice rejected “%s”", out);
    }

  /* and libnice itself rejects what we normalise away */
  g_assert_false (nice_accepts ("candidate:1 1 udp 2122317823 127.0.0.1 40730 typ host"));
  g_assert_false (nice_accepts ("a=candidate:1 1 udp 2122317823 127.0.0.1 40730 typ host\r\n"));
}

static void
test_candidate_mdns (void)
{
  const gchar *text = "candidate:4 1 udp 2122260223 7a9dd4df-1111-2222-3333-444455556666.local "
                      "62391 typ host generation 0";
  g_autoptr (GError) error = NULL;
  g_autofree gchar *hostname = NULL;
  g_autofree gchar *out = weft_candidate_normalize (text, &hostname, &error);
  g_autoptr (WeftCandidate) cand = NULL;
  g_autofree gchar *resolved = NULL;

  g_assert_null (out);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "mDNS"));
  g_assert_cmpstr (hostname, ==, "7a9dd4df-1111-2222-3333-444455556666.local");
  g_clear_error (&error);

  /* libnice cannot take it as is */
  g_assert_false (nice_accepts ("a=candidate:4 1 udp 2122260223 "
                                "7a9dd4df-1111-2222-3333-444455556666.local 62391 typ host"));

  cand = weft_candidate_parse (text, &error);
  g_assert_no_error (error);
  g_assert_true (weft_candidate_is_mdns (cand));
  g_assert_false (weft_candidate_address_is_ip (cand));

  /* once resolved, it is an ordinary candidate */
  resolved = weft_candidate_replace_address (text, "127.0.0.1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (resolved, ==,
                   "a=candidate:4 1 udp 2122260223 127.0.0.1 62391 typ host generation 0");
  g_assert_true (nice_accepts (resolved));

  g_assert_null (weft_candidate_replace_address (text, "not-an-ip.local", &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
}

static void
test_candidate_hostname (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *hostname = NULL;
  g_autofree gchar *out =
    weft_candidate_normalize ("candidate:1 1 udp 1 turn.example.com 3478 typ relay raddr "
                              "0.0.0.0 rport 0",
                              &hostname, &error);
  g_autoptr (WeftCandidate) cand = NULL;
  g_autoptr (WeftCandidate) upper = NULL;

  g_assert_null (out);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_SUPPORTED);
  g_assert_cmpstr (hostname, ==, "turn.example.com");
  g_clear_error (&error);
  cand = weft_candidate_parse ("candidate:1 1 udp 1 turn.example.com 3478 typ relay", &error);
  g_assert_no_error (error);
  g_assert_false (weft_candidate_is_mdns (cand));

  upper = weft_candidate_parse ("candidate:1 1 udp 1 HOST.LOCAL. 3478 typ host", &error);
  g_assert_no_error (error);
  g_assert_true (weft_candidate_is_mdns (upper));
}

static void
test_candidate_parse_fields (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftCandidate) cand = weft_candidate_parse (
    "a=candidate:842163049 1 UDP 1677729535 203.0.113.7 54321 typ srflx raddr 192.168.1.2 "
    "rport 40000 generation 0 ufrag eipu network-cost 999\r\n",
    &error);
  g_autoptr (WeftCandidate) tcp = NULL;
  g_autofree gchar *text = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (cand->foundation, ==, "842163049");
  g_assert_cmpuint (cand->component, ==, 1);
  g_assert_cmpstr (cand->transport, ==, "udp");
  g_assert_cmpuint (cand->priority, ==, 1677729535);
  g_assert_cmpstr (cand->address, ==, "203.0.113.7");
  g_assert_cmpuint (cand->port, ==, 54321);
  g_assert_cmpint (cand->type, ==, WEFT_CANDIDATE_TYPE_SRFLX);
  g_assert_cmpstr (cand->related_address, ==, "192.168.1.2");
  g_assert_cmpuint (cand->related_port, ==, 40000);
  g_assert_null (cand->tcp_type);
  g_assert_cmpstrv (cand->extensions, ((const gchar *[]){ "generation", "0", "ufrag", "eipu",
                                                          "network-cost", "999", NULL }));
  text = weft_candidate_to_string (cand);
  g_assert_cmpstr (text, ==,
                   "candidate:842163049 1 udp 1677729535 203.0.113.7 54321 typ srflx raddr "
                   "192.168.1.2 rport 40000 generation 0 ufrag eipu network-cost 999");

  tcp = weft_candidate_parse ("candidate:3 1 tcp 1518280447 127.0.0.1 9 typ prflx tcptype passive",
                              &error);
  g_assert_no_error (error);
  g_assert_cmpint (tcp->type, ==, WEFT_CANDIDATE_TYPE_PRFLX);
  g_assert_cmpstr (tcp->tcp_type, ==, "passive");
  g_assert_cmpstr (weft_candidate_type_to_string (WEFT_CANDIDATE_TYPE_RELAY), ==, "relay");
  g_assert_cmpstr (weft_candidate_type_to_string (WEFT_CANDIDATE_TYPE_HOST), ==, "host");
}

static void
test_candidate_invalid (void)
{
  static const struct
  {
    const gchar *input;
    const gchar *message;
  } cases[] = {
    { "", "must start with" },
    { "a=", "must start with" },
    { "cand:1 1 udp 1 127.0.0.1 1 typ host", "must start with" },
    { "a=ice-ufrag:abcd", "must start with" },
    { "candidate:", "at least 8 fields" },
    { "candidate:1 1 udp 1 127.0.0.1 1 typ", "at least 8 fields" },
    { "candidate:f@@ 1 udp 1 127.0.0.1 1 typ host", "foundation" },
    { "candidate:123456789012345678901234567890123 1 udp 1 127.0.0.1 1 typ host", "foundation" },
    { "candidate:1 0 udp 1 127.0.0.1 1 typ host", "component" },
    { "candidate:1 257 udp 1 127.0.0.1 1 typ host", "component" },
    { "candidate:1 x udp 1 127.0.0.1 1 typ host", "component" },
    { "candidate:1 1 sctp 1 127.0.0.1 1 typ host", "transport" },
    { "candidate:1 1 udp 0 127.0.0.1 1 typ host", "priority" },
    { "candidate:1 1 udp 4294967296 127.0.0.1 1 typ host", "priority" },
    { "candidate:1 1 udp -1 127.0.0.1 1 typ host", "priority" },
    { "candidate:1 1 udp 1 127.0.0.1<> 1 typ host", "address" },
    { "candidate:1 1 udp 1 127.0.0.1 65536 typ host", "port" },
    { "candidate:1 1 udp 1 127.0.0.1 x typ host", "port" },
    { "candidate:1 1 udp 1 127.0.0.1 1 type host", "typ" },
    { "candidate:1 1 udp 1 127.0.0.1 1 typ local", "type" },
    { "candidate:1 1 udp 1 127.0.0.1 1 typ srflx raddr ! rport 1", "raddr" },
    { "candidate:1 1 udp 1 127.0.0.1 1 typ srflx raddr 1.2.3.4 rport 99999", "rport" },
    { "candidate:1 1 tcp 1 127.0.0.1 1 typ host tcptype sideways", "tcptype" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GError) error2 = NULL;
      g_autoptr (WeftCandidate) cand = weft_candidate_parse (cases[i].input, &error);
      g_autofree gchar *out = weft_candidate_normalize (cases[i].input, NULL, &error2);

      g_test_message ("%s → %s", cases[i].input, error != NULL ? error->message : "parsed");
      g_assert_null (cand);
      g_assert_null (out);
      g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA);
      g_assert_error (error2, WEFT_ERROR, WEFT_ERROR_INVALID_DATA);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("“%s”: expected “%s” in “%s”", cases[i].input, cases[i].message, error->message);
    }
}

static void
test_candidate_to_browser (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *a = weft_candidate_to_browser (
    "a=candidate:1 1 UDP 2015363327 127.0.0.1 41000 typ host\r\n", &error);
  g_autofree gchar *b = NULL;
  g_autofree gchar *c = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (a, ==, "candidate:1 1 UDP 2015363327 127.0.0.1 41000 typ host");
  b = weft_candidate_to_browser ("candidate:1 1 UDP 2015363327 127.0.0.1 41000 typ host", &error);
  g_assert_cmpstr (b, ==, a);
  c = weft_candidate_to_browser ("a=end-of-candidates", &error);
  g_assert_null (c);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA);
}

static void
test_candidate_json (void)
{
  g_autoptr (JsonNode) node =
    weft_candidate_json_new ("candidate:1 1 udp 1 127.0.0.1 5000 typ host", "0", 0);
  g_autoptr (JsonNode) end = weft_candidate_json_new (NULL, NULL, -1);
  g_autofree gchar *text = json_to_string (node, FALSE);
  g_autofree gchar *end_text = json_to_string (end, FALSE);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *cand = NULL;
  g_autofree gchar *mid = NULL;
  gint index = -2;

  g_assert_cmpstr (
    text, ==,
    "{\"candidate\":\"candidate:1 1 udp 1 127.0.0.1 5000 typ host\",\"sdpMid\":\"0\","
    "\"sdpMLineIndex\":0}");
  g_assert_cmpstr (end_text, ==, "{\"candidate\":\"\",\"sdpMid\":null,\"sdpMLineIndex\":null}");

  g_assert_true (weft_candidate_json_parse (node, &cand, &mid, &index, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (cand, ==, "candidate:1 1 udp 1 127.0.0.1 5000 typ host");
  g_assert_cmpstr (mid, ==, "0");
  g_assert_cmpint (index, ==, 0);
  g_clear_pointer (&cand, g_free);
  g_clear_pointer (&mid, g_free);

  g_assert_true (weft_candidate_json_parse (end, &cand, &mid, &index, &error));
  g_assert_null (cand);
  g_assert_null (mid);
  g_assert_cmpint (index, ==, -1);
}

static void
test_candidate_json_shapes (void)
{
  static const struct
  {
    const gchar *json;
    gboolean ok;
    const gchar *candidate;
    const gchar *mid;
    gint index;
  } cases[] = {
    /* webrtc-rs (the chatixia sidecar) */
    { "{\"candidate\":\"candidate:1 1 udp 2130706431 192.0.2.4 50000 typ host\",\"sdpMid\":\"\","
      "\"sdpMLineIndex\":0}",
      TRUE, "candidate:1 1 udp 2130706431 192.0.2.4 50000 typ host", "", 0 },
    /* Chromium's toJSON() with usernameFragment */
    { "{\"candidate\":\"candidate:1 1 udp 1 127.0.0.1 9 typ host\",\"sdpMid\":\"0\","
      "\"sdpMLineIndex\":0,\"usernameFragment\":\"eipu\"}",
      TRUE, "candidate:1 1 udp 1 127.0.0.1 9 typ host", "0", 0 },
    { "{\"candidate\":null}", TRUE, NULL, NULL, -1 },
    { "{\"candidate\":\"\",\"sdpMid\":\"0\",\"sdpMLineIndex\":3}", TRUE, NULL, "0", 3 },
    { "{}", FALSE, NULL, NULL, 0 },
    { "[]", FALSE, NULL, NULL, 0 },
    { "\"candidate:1\"", FALSE, NULL, NULL, 0 },
    { "{\"candidate\":5}", FALSE, NULL, NULL, 0 },
    { "{\"candidate\":\"\",\"sdpMid\":0}", FALSE, NULL, NULL, 0 },
    { "{\"candidate\":\"\",\"sdpMLineIndex\":\"0\"}", FALSE, NULL, NULL, 0 },
    { "{\"candidate\":\"\",\"sdpMLineIndex\":-1}", FALSE, NULL, NULL, 0 },
    { "{\"candidate\":\"\",\"sdpMLineIndex\":1.5}", FALSE, NULL, NULL, 0 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (JsonParser) parser = json_parser_new ();
      g_autoptr (GError) error = NULL;
      g_autofree gchar *cand = NULL;
      g_autofree gchar *mid = NULL;
      gint index = -2;
      gboolean ok;

      g_assert_true (json_parser_load_from_data (parser, cases[i].json, -1, NULL));
      ok = weft_candidate_json_parse (json_parser_get_root (parser), &cand, &mid, &index, &error);
      g_assert_cmpint (ok, ==, cases[i].ok);
      if (!ok)
        {
          g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA);
          continue;
        }
      g_assert_cmpstr (cand, ==, cases[i].candidate);
      g_assert_cmpstr (mid, ==, cases[i].mid);
      g_assert_cmpint (index, ==, cases[i].index);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/weft/candidate/normalize", test_candidate_normalize);
  g_test_add_func ("/weft/candidate/mdns", test_candidate_mdns);
  g_test_add_func ("/weft/candidate/hostname", test_candidate_hostname);
  g_test_add_func ("/weft/candidate/parse-fields", test_candidate_parse_fields);
  g_test_add_func ("/weft/candidate/invalid", test_candidate_invalid);
  g_test_add_func ("/weft/candidate/to-browser", test_candidate_to_browser);
  g_test_add_func ("/weft/candidate/json", test_candidate_json);
  g_test_add_func ("/weft/candidate/json-shapes", test_candidate_json_shapes);

  return g_test_run ();
}
