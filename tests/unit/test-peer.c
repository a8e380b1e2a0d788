/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "weft.h"

static void
count_notify (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  guint *n = user_data;

  (*n)++;
}

static void
test_update (void)
{
  g_autoptr (WeftPeer) peer = weft_peer_new ("beta");
  g_autoptr (JsonNode) rec = json_from_string (
    "{\"agent_id\": \"beta\", \"hostname\": \"h2\", \"sidecar_peer_id\": \"beta-peer\","
    " \"health\": \"active\", \"capabilities\": {\"skills\": [\"echo\", 7, \"sum\"]}}",
    NULL);
  g_autoptr (JsonNode) same = json_node_copy (rec);
  g_autoptr (JsonNode) stale = json_from_string ("{\"health\": \"stale\"}", NULL);
  g_autoptr (JsonNode) not_object = json_from_string ("[1, 2]", NULL);
  guint notifies = 0;

  g_assert_cmpstr (weft_peer_get_agent_id (peer), ==, "beta");
  g_assert_cmpstr (weft_peer_get_peer_id (peer), ==, "");
  g_assert_cmpuint (g_strv_length ((gchar **) weft_peer_get_skills (peer)), ==, 0);
  g_assert_cmpint (weft_peer_get_state (peer), ==, WEFT_PEER_STATE_DISCONNECTED);

  g_signal_connect (peer, "notify", G_CALLBACK (count_notify), &notifies);
  g_assert_true (weft_peer_update_from_json (peer, rec));
  g_assert_cmpstr (weft_peer_get_peer_id (peer), ==, "beta-peer");
  g_assert_cmpstr (weft_peer_get_hostname (peer), ==, "h2");
  g_assert_cmpstr (weft_peer_get_health (peer), ==, "active");
  /* the non-string item is skipped */
  g_assert_cmpuint (g_strv_length ((gchar **) weft_peer_get_skills (peer)), ==, 2);
  g_assert_true (weft_peer_has_skill (peer, "sum"));
  g_assert_false (weft_peer_has_skill (peer, "7"));
  g_assert_false (weft_peer_has_skill (peer, NULL));
  g_assert_cmpuint (notifies, ==, 4);

  /* the same record again changes nothing */
  g_assert_false (weft_peer_update_from_json (peer, same));
  g_assert_cmpuint (notifies, ==, 4);

  /* a partial record keeps the other fields */
  g_assert_true (weft_peer_update_from_json (peer, stale));
  g_assert_cmpstr (weft_peer_get_health (peer), ==, "stale");
  g_assert_cmpstr (weft_peer_get_peer_id (peer), ==, "beta-peer");
  g_assert_false (weft_peer_update_from_json (peer, not_object));
}

static void
test_state (void)
{
  g_autoptr (WeftPeer) peer = weft_peer_new ("gamma");
  guint notifies = 0;
  WeftPeerState state;

  g_signal_connect (peer, "notify::state", G_CALLBACK (count_notify), &notifies);
  weft_peer_set_state (peer, WEFT_PEER_STATE_SIGNALING);
  weft_peer_set_state (peer, WEFT_PEER_STATE_SIGNALING);
  g_assert_cmpuint (notifies, ==, 1);
  g_object_get (peer, "state", &state, NULL);
  g_assert_cmpint (state, ==, WEFT_PEER_STATE_SIGNALING);
  g_assert_cmpstr (weft_peer_state_to_string (WEFT_PEER_STATE_DISCONNECTED), ==, "none");
  g_assert_cmpstr (weft_peer_state_to_string (WEFT_PEER_STATE_SIGNALING), ==, "signaling");
  g_assert_cmpstr (weft_peer_state_to_string (WEFT_PEER_STATE_DIRECT), ==, "direct");
  weft_peer_set_health (peer, NULL);
  g_assert_cmpstr (weft_peer_get_health (peer), ==, "");
  weft_peer_set_peer_id (peer, "g");
  g_assert_cmpstr (weft_peer_get_peer_id (peer), ==, "g");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/weft/peer/update", test_update);
  g_test_add_func ("/weft/peer/state", test_state);
  return g_test_run ();
}
