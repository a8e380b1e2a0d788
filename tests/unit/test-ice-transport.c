/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "weft-error.h"
#include "weft-ice-transport.h"

/* one real libnice agent on 127.0.0.1; no peer needed for these checks */

static JsonNode *
parse (const char *json)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static void
test_ice_servers (void)
{
  g_autoptr (WeftIceTransport) ice = weft_ice_transport_new (TRUE, NULL);
  g_autoptr (GError) error = NULL;
  static const char *good[] = {
    "{\"iceServers\":[{\"urls\":[\"stun:stun.example.org:19302\"]},"
    "{\"urls\":[\"turn:127.0.0.1:3478\",\"turn:[::1]:3478?transport=tcp\"],"
    "\"username\":\"1775099617:mesh\",\"credential\":\"q0b=\"}]}",
    "{\"iceServers\":[{\"urls\":\"stun:127.0.0.1\"}]}",
    "[{\"urls\":[\"turns:relay.example.org\"],\"username\":\"u\",\"credential\":\"p\"}]",
    "{\"iceServers\":[]}",
  };
  static const char *bad[] = {
    "{}",
    "{\"iceServers\":{}}",
    "{\"iceServers\":[1]}",
    "{\"iceServers\":[{\"urls\":[]}]}",
    "{\"iceServers\":[{\"urls\":[\"http://example.org\"]}]}",
    "{\"iceServers\":[{\"urls\":[\"stun:host:99999\"]}]}",
    "{\"iceServers\":[{\"urls\":[\"stun:[::1\"]}]}",
    "{\"iceServers\":[{\"urls\":[\"stun::3478\"]}]}",
  };

  g_assert_nonnull (ice);
  g_assert_true (weft_ice_transport_get_controlling (ice));
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (JsonNode) node = parse (good[i]);

      g_assert_true (weft_ice_transport_set_ice_servers (ice, node, &error));
      g_assert_no_error (error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (JsonNode) node = parse (bad[i]);

      g_assert_false (weft_ice_transport_set_ice_servers (ice, node, &error));
      g_assert_nonnull (error);
      g_assert_true (error->domain == WEFT_ERROR);
      g_clear_error (&error);
    }
}

static void
count_candidate (WeftIceTransport *ice, const char *candidate, GPtrArray *seen)
{
  g_ptr_array_add (seen, g_strdup (candidate));
}

static void
gathered (WeftIceTransport *ice, gboolean *done)
{
  *done = TRUE;
}

static void
test_gather_with_resolved_server (void)
{
  g_autoptr (WeftIceTransport) ice = weft_ice_transport_new (FALSE, NULL);
  g_autoptr (GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (JsonNode) config = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *ufrag = NULL;
  g_autofree char *pwd = NULL;
  gboolean done = FALSE;
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  /* "localhost" needs the asynchronous lookup; nothing answers STUN on
   * that port, so gathering ends with host candidates only */
  config = parse ("{\"iceServers\":[{\"urls\":[\"stun:localhost:9\"]}]}");
  g_assert_true (weft_ice_transport_set_ice_servers (ice, config, &error));
  g_assert_true (weft_ice_transport_add_local_address (ice, "127.0.0.1", &error));
  g_assert_no_error (error);
  g_assert_false (weft_ice_transport_add_local_address (ice, "not-an-address", &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_signal_connect (ice, "local-candidate", G_CALLBACK (count_candidate), seen);
  g_signal_connect (ice, "gathering-done", G_CALLBACK (gathered), &done);
  weft_ice_transport_gather (ice);
  while (!done)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  g_assert_true (weft_ice_transport_is_gathering_done (ice));
  g_assert_cmpuint (seen->len, >=, 1);
  for (guint i = 0; i < seen->len; i++)
    {
      const char *c = g_ptr_array_index (seen, i);

      /* browser form: no "a=", no CRLF, our only address */
      g_assert_true (g_str_has_prefix (c, "candidate:"));
      g_assert_null (strchr (c, '\r'));
      g_assert_nonnull (strstr (c, " 127.0.0.1 "));
    }
  weft_ice_transport_get_local_credentials (ice, &ufrag, &pwd);
  g_assert_cmpuint (strlen (ufrag), >=, 4);
  g_assert_cmpuint (strlen (pwd), >=, 22);
}

static void
test_remote_candidates (void)
{
  g_autoptr (WeftIceTransport) ice = weft_ice_transport_new (TRUE, NULL);
  g_autoptr (GError) error = NULL;

  g_assert_true (
    weft_ice_transport_set_remote_credentials (ice, "abcd", "0123456789012345678901", &error));
  g_assert_no_error (error);
  /* browser form, SDP form, trailing CRLF, Chrome's extra tokens */
  g_assert_true (weft_ice_transport_add_remote_candidate (
    ice, "candidate:1 1 udp 2122260223 127.0.0.1 46243 typ host generation 0 ufrag eipu", &error));
  g_assert_true (weft_ice_transport_add_remote_candidate (
    ice, "a=candidate:2 1 UDP 2122260223 127.0.0.1 46244 typ host\r\n", &error));
  g_assert_no_error (error);
  /* an mDNS name is dropped with a log line, not an error */
  g_assert_true (weft_ice_transport_add_remote_candidate (
    ice, "candidate:3 1 udp 2122260223 7a9dd4df-1111-2222-3333-444455556666.local 62391 typ host",
    &error));
  g_assert_no_error (error);
  /* component 2 (no rtcp-mux) is ignored */
  g_assert_true (weft_ice_transport_add_remote_candidate (
    ice, "candidate:4 2 udp 2122260222 127.0.0.1 46245 typ host", &error));
  /* garbage is an error */
  g_assert_false (weft_ice_transport_add_remote_candidate (ice, "candidate:nonsense", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (weft_ice_transport_add_remote_candidate (ice, "", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  weft_ice_transport_set_remote_gathering_done (ice);

  weft_ice_transport_close (ice);
  g_assert_cmpint (weft_ice_transport_get_state (ice), ==, WEFT_ICE_STATE_CLOSED);
  g_assert_false (weft_ice_transport_add_remote_candidate (
    ice, "candidate:1 1 udp 2122260223 127.0.0.1 46243 typ host", &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE);
  g_assert_false (weft_ice_transport_send (ice, (const guint8 *) "x", 1));
}

int
main (int argc, char **argv)
{
  int rc;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/weft/ice/ice-servers", test_ice_servers);
  g_test_add_func ("/weft/ice/gather-with-resolved-server", test_gather_with_resolved_server);
  g_test_add_func ("/weft/ice/remote-candidates", test_remote_candidates);
  rc = g_test_run ();
  /* let the agents' asynchronous close run */
  for (int i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
  return rc;
}
