/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <string.h>

#include "weft-error.h"
#include "weft-peer-connection.h"
#include "weft-sctp-association.h"

/* two peer connections in one process on one GMainContext, over real
 * libnice sockets on 127.0.0.1 */

#define TIMEOUT_S 20

typedef struct
{
  WeftPeerConnection *pc;
  GPtrArray *channels; /* (element-type WeftDataChannel) remote-opened */
  GPtrArray *messages; /* (element-type GBytes) */
  GArray *is_text;     /* (element-type gboolean) */
  guint opened;
  guint closed;
  guint errors;
  GError *last_error;
} Peer;

typedef struct
{
  Peer a; /* offerer */
  Peer b; /* answerer */
} Pair;

static gboolean
run_until (gboolean (*done) (gpointer), gpointer data)
{
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_S * G_USEC_PER_SEC;

  while (!done (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, TRUE);
    }
  return TRUE;
}

static void
spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}

static void
channel_open_cb (WeftDataChannel *channel, Peer *peer)
{
  peer->opened++;
}

static void
channel_message_cb (WeftDataChannel *channel, GBytes *data, gboolean is_text, Peer *peer)
{
  g_ptr_array_add (peer->messages, g_bytes_ref (data));
  g_array_append_val (peer->is_text, is_text);
}

static void
channel_closed_cb (WeftDataChannel *channel, Peer *peer)
{
  peer->closed++;
}

static void
channel_error_cb (WeftDataChannel *channel, GError *error, Peer *peer)
{
  peer->errors++;
  g_clear_error (&peer->last_error);
  peer->last_error = g_error_copy (error);
}

static void
watch_channel (Peer *peer, WeftDataChannel *channel)
{
  g_signal_connect (channel, "open", G_CALLBACK (channel_open_cb), peer);
  g_signal_connect (channel, "message", G_CALLBACK (channel_message_cb), peer);
  g_signal_connect (channel, "closed", G_CALLBACK (channel_closed_cb), peer);
  g_signal_connect (channel, "error", G_CALLBACK (channel_error_cb), peer);
}

static void
data_channel_cb (WeftPeerConnection *pc, WeftDataChannel *channel, Peer *peer)
{
  g_ptr_array_add (peer->channels, g_object_ref (channel));
  watch_channel (peer, channel);
}

static void
candidate_cb (WeftPeerConnection *pc,
              const char *candidate,
              const char *mid,
              gint index,
              Peer *other)
{
  g_autoptr (GError) error = NULL;

  if (other->pc == NULL)
    return;
  g_assert_true (
    weft_peer_connection_add_remote_candidate (other->pc, candidate, mid, index, &error));
  g_assert_no_error (error);
}

static void
peer_init (Peer *peer, Peer *other)
{
  g_autoptr (GError) error = NULL;

  peer->pc = weft_peer_connection_new (&error);
  g_assert_no_error (error);
  weft_peer_connection_add_local_address (peer->pc, "127.0.0.1");
  peer->channels = g_ptr_array_new_with_free_func (g_object_unref);
  peer->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  peer->is_text = g_array_new (FALSE, FALSE, sizeof (gboolean));
  g_signal_connect (peer->pc, "data-channel", G_CALLBACK (data_channel_cb), peer);
  g_signal_connect (peer->pc, "local-candidate", G_CALLBACK (candidate_cb), other);
}

static void
peer_clear (Peer *peer)
{
  if (peer->pc != NULL)
    weft_peer_connection_close (peer->pc);
  g_clear_object (&peer->pc);
  g_clear_pointer (&peer->channels, g_ptr_array_unref);
  g_clear_pointer (&peer->messages, g_ptr_array_unref);
  g_clear_pointer (&peer->is_text, g_array_unref);
  g_clear_error (&peer->last_error);
}

static void
pair_init (Pair *pair)
{
  memset (pair, 0, sizeof *pair);
  peer_init (&pair->a, &pair->b);
  peer_init (&pair->b, &pair->a);
}

static void
pair_negotiate (Pair *pair)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *offer = NULL;
  g_autofree char *answer = NULL;

  offer = weft_peer_connection_create_offer (pair->a.pc, &error);
  g_assert_no_error (error);
  g_assert_true (
    weft_peer_connection_set_remote_description (pair->b.pc, WEFT_SDP_TYPE_OFFER, offer, &error));
  g_assert_no_error (error);
  answer = weft_peer_connection_create_answer (pair->b.pc, &error);
  g_assert_no_error (error);
  g_assert_true (
    weft_peer_connection_set_remote_description (pair->a.pc, WEFT_SDP_TYPE_ANSWER, answer, &error));
  g_assert_no_error (error);
}

static void
pair_clear (Pair *pair)
{
  peer_clear (&pair->a);
  peer_clear (&pair->b);
  /* let the agents' asynchronous close finish */
  spin (20);
}

typedef struct
{
  Pair *pair;
  guint a_opened;
  guint b_opened;
} OpenWait;

static gboolean
both_open (gpointer data)
{
  OpenWait *w = data;

  return w->pair->a.opened >= w->a_opened && w->pair->b.opened >= w->b_opened;
}

static void
wait_open (Pair *pair, guint a_opened, guint b_opened)
{
  OpenWait w = { pair, a_opened, b_opened };

  g_assert_true (run_until (both_open, &w));
}

typedef struct
{
  Peer *peer;
  guint n;
} CountWait;

static gboolean
have_messages (gpointer data)
{
  CountWait *w = data;

  return w->peer->messages->len >= w->n;
}

static void
wait_messages (Peer *peer, guint n)
{
  CountWait w = { peer, n };

  g_assert_true (run_until (have_messages, &w));
}

static gboolean
have_closed (gpointer data)
{
  CountWait *w = data;

  return w->peer->closed >= w->n;
}

static void
wait_closed (Peer *peer, guint n)
{
  CountWait w = { peer, n };

  g_assert_true (run_until (have_closed, &w));
}

static WeftDataChannel *
open_channel (Pair *pair, const char *label, const WeftDataChannelOptions *options)
{
  g_autoptr (GError) error = NULL;
  WeftDataChannel *channel;

  channel = weft_peer_connection_create_data_channel (pair->a.pc, label, options, &error);
  g_assert_no_error (error);
  watch_channel (&pair->a, channel);
  return channel;
}

static void
assert_message (Peer *peer, guint i, const void *data, gsize len, gboolean is_text)
{
  GBytes *got = g_ptr_array_index (peer->messages, i);

  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), data, len);
  g_assert_cmpint (g_array_index (peer->is_text, gboolean, i), ==, is_text);
}

static void
test_text_round_trip (void)
{
  Pair pair;
  g_autoptr (WeftDataChannel) channel = NULL;
  g_autoptr (GError) error = NULL;
  WeftDataChannel *remote;

  pair_init (&pair);
  channel = open_channel (&pair, "mesh", NULL);
  pair_negotiate (&pair);
  wait_open (&pair, 1, 1);

  g_assert_cmpint (weft_peer_connection_get_state (pair.a.pc), ==,
                   WEFT_PEER_CONNECTION_STATE_CONNECTED);
  g_assert_cmpuint (pair.b.channels->len, ==, 1);
  remote = g_ptr_array_index (pair.b.channels, 0);
  g_assert_cmpstr (weft_data_channel_get_label (remote), ==, "mesh");
  /* the offerer is the DTLS server, so its channel has an odd id */
  g_assert_false (weft_peer_connection_is_dtls_client (pair.a.pc));
  g_assert_true (weft_peer_connection_is_dtls_client (pair.b.pc));
  g_assert_cmpint (weft_data_channel_get_id (channel), ==, 1);
  g_assert_cmpint (weft_data_channel_get_id (remote), ==, 1);

  g_assert_true (weft_data_channel_send_text (channel, "hello over sctp", &error));
  g_assert_no_error (error);
  wait_messages (&pair.b, 1);
  assert_message (&pair.b, 0, "hello over sctp", 15, TRUE);

  g_assert_true (weft_data_channel_send_text (remote, "and back", &error));
  wait_messages (&pair.a, 1);
  assert_message (&pair.a, 0, "and back", 8, TRUE);

  pair_clear (&pair);
}

static void
test_binary_and_empty (void)
{
  Pair pair;
  g_autoptr (WeftDataChannel) channel = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) empty = g_bytes_new (NULL, 0);
  guint8 binary[3000];

  for (gsize i = 0; i < sizeof binary; i++)
    binary[i] = (guint8) (i * 7);
  pair_init (&pair);
  channel = open_channel (&pair, "bin", NULL);
  pair_negotiate (&pair);
  wait_open (&pair, 1, 1);

  g_assert_true (weft_data_channel_send (channel, binary, sizeof binary, FALSE, &error));
  g_assert_true (weft_data_channel_send_text (channel, "", &error));
  g_assert_true (weft_data_channel_send_bytes (channel, empty, &error));
  g_assert_true (weft_data_channel_send (channel, (const guint8 *) "\0x", 2, FALSE, &error));
  g_assert_no_error (error);
  wait_messages (&pair.b, 4);
  assert_message (&pair.b, 0, binary, sizeof binary, FALSE);
  assert_message (&pair.b, 1, "", 0, TRUE);
  assert_message (&pair.b, 2, "", 0, FALSE);
  assert_message (&pair.b, 3, "\0x", 2, FALSE);

  pair_clear (&pair);
}

static void
test_message_size_limit (void)
{
  Pair pair;
  g_autoptr (WeftDataChannel) channel = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *big = NULL;
  gsize limit;

  pair_init (&pair);
  /* b accepts at most 100000 bytes */
  weft_peer_connection_set_max_message_size (pair.b.pc, 100000);
  channel = open_channel (&pair, "big", NULL);
  pair_negotiate (&pair);
  wait_open (&pair, 1, 1);

  limit = weft_data_channel_get_max_message_size (channel);
  g_assert_cmpuint (limit, ==, 100000);
  big = g_malloc (limit + 1);
  for (gsize i = 0; i < limit + 1; i++)
    big[i] = (guint8) (i % 251);

  /* at the limit: delivered whole */
  g_assert_true (weft_data_channel_send (channel, big, limit, FALSE, &error));
  g_assert_no_error (error);
  wait_messages (&pair.b, 1);
  assert_message (&pair.b, 0, big, limit, FALSE);

  /* over it: refused by the sender */
  g_assert_false (weft_data_channel_send (channel, big, limit + 1, FALSE, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_assert_cmpint (weft_data_channel_get_state (channel), ==, WEFT_DATA_CHANNEL_STATE_OPEN);

  pair_clear (&pair);
}

static void
test_large_packets (void)
{
  Pair pair;
  g_autoptr (WeftDataChannel) channel = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *big = g_malloc (262144);
  WeftDataChannel *remote;

  for (gsize i = 0; i < 262144; i++)
    big[i] = (guint8) (i * 31 + 7);
  pair_init (&pair);
  /* both ends on 127.0.0.1: 16000-byte SCTP packets */
  weft_peer_connection_set_large_packets (pair.a.pc, TRUE);
  weft_peer_connection_set_large_packets (pair.b.pc, TRUE);
  channel = open_channel (&pair, "jumbo", NULL);
  pair_negotiate (&pair);
  wait_open (&pair, 1, 1);
  remote = g_ptr_array_index (pair.b.channels, 0);
  for (guint i = 0; i < 8; i++)
    g_assert_true (weft_data_channel_send (channel, big, 262144, FALSE, &error));
  g_assert_true (weft_data_channel_send (remote, big, 5000, FALSE, &error));
  g_assert_no_error (error);
  wait_messages (&pair.b, 8);
  wait_messages (&pair.a, 1);
  for (guint i = 0; i < 8; i++)
    assert_message (&pair.b, i, big, 262144, FALSE);
  assert_message (&pair.a, 0, big, 5000, FALSE);
  pair_clear (&pair);
}

static void
low_cb (WeftDataChannel *channel, guint *count)
{
  (*count)++;
}

static gboolean
low_fired (gpointer data)
{
  return *(guint *) data > 0;
}

static void
test_buffered_amount_low (void)
{
  Pair pair;
  g_autoptr (WeftDataChannel) channel = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *chunk = g_malloc0 (65536);
  guint lows = 0;
  guint sent = 0;

  pair_init (&pair);
  channel = open_channel (&pair, "flow", NULL);
  pair_negotiate (&pair);
  wait_open (&pair, 1, 1);
  g_assert_cmpuint (weft_data_channel_get_buffered_amount (channel), ==, 0);
  weft_data_channel_set_buffered_amount_low_threshold (channel, 65536);
  g_assert_cmpuint (weft_data_channel_get_buffered_amount_low_threshold (channel), ==, 65536);
  g_signal_connect (channel, "buffered-amount-low", G_CALLBACK (low_cb), &lows);
  /* past usrsctp's own buffer, messages wait in ours and count */
  while (weft_data_channel_get_buffered_amount (channel) <= 4 * 65536)
    {
      g_assert_true (weft_data_channel_send (channel, chunk, 65536, FALSE, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (++sent, <, 200);
    }
  g_assert_cmpuint (lows, ==, 0);
  g_assert_true (run_until (low_fired, &lows));
  g_assert_cmpuint (lows, ==, 1);
  g_assert_cmpuint (weft_data_channel_get_buffered_amount (channel), <=, 65536);
  wait_messages (&pair.b, sent);
  g_assert_cmpuint (weft_data_channel_get_buffered_amount (channel), ==, 0);
  pair_clear (&pair);
}

static void
test_receive_over_limit (void)
{
  Pair pair;
  g_autoptr (WeftDataChannel) channel = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *big = g_malloc0 (70000);
  g_autofree char *offer = NULL;
  g_autofree char *answer = NULL;
  g_autoptr (GString) lying = NULL;
  WeftDataChannel *remote;

  pair_init (&pair);
  /* b takes at most 60000 bytes but a is told 262144: b must close the
   * channel with an error when a bigger message arrives */
  weft_peer_connection_set_max_message_size (pair.b.pc, 60000);
  channel = open_channel (&pair, "liar", NULL);
  offer = weft_peer_connection_create_offer (pair.a.pc, &error);
  g_assert_true (
    weft_peer_connection_set_remote_description (pair.b.pc, WEFT_SDP_TYPE_OFFER, offer, &error));
  answer = weft_peer_connection_create_answer (pair.b.pc, &error);
  g_assert_no_error (error);
  lying = g_string_new (answer);
  g_assert_cmpuint (
    g_string_replace (lying, "a=max-message-size:60000", "a=max-message-size:262144", 0), ==, 1);
  g_assert_true (weft_peer_connection_set_remote_description (pair.a.pc, WEFT_SDP_TYPE_ANSWER,
                                                              lying->str, &error));
  g_assert_no_error (error);
  wait_open (&pair, 1, 1);
  remote = g_ptr_array_index (pair.b.channels, 0);

  g_assert_true (weft_data_channel_send (channel, big, 60000, FALSE, &error));
  g_assert_no_error (error);
  wait_messages (&pair.b, 1);
  g_assert_true (weft_data_channel_send (channel, big, 70000, FALSE, &error));
  g_assert_no_error (error);
  wait_closed (&pair.b, 1);
  g_assert_cmpuint (pair.b.errors, ==, 1);
  g_assert_error (pair.b.last_error, WEFT_ERROR, WEFT_ERROR_TOO_LARGE);
  g_assert_cmpint (weft_data_channel_get_state (remote), ==, WEFT_DATA_CHANNEL_STATE_CLOSED);
  g_assert_cmpuint (pair.b.messages->len, ==, 1);
  /* the sender sees its channel closed too */
  wait_closed (&pair.a, 1);
  pair_clear (&pair);
}

static void
test_unordered_partial (void)
{
  Pair pair;
  g_autoptr (WeftDataChannel) unordered = NULL;
  g_autoptr (WeftDataChannel) rtx = NULL;
  g_autoptr (WeftDataChannel) ttl = NULL;
  g_autoptr (GError) error = NULL;
  WeftDataChannelOptions o1 = WEFT_DATA_CHANNEL_OPTIONS_INIT;
  WeftDataChannelOptions o2 = WEFT_DATA_CHANNEL_OPTIONS_INIT;
  WeftDataChannelOptions o3 = WEFT_DATA_CHANNEL_OPTIONS_INIT;
  WeftDataChannelOptions bad = WEFT_DATA_CHANNEL_OPTIONS_INIT;

  o1.ordered = FALSE;
  o2.ordered = FALSE;
  o2.max_retransmits = 0;
  o3.max_packet_lifetime = 500;
  bad.max_retransmits = 1;
  bad.max_packet_lifetime = 1;

  pair_init (&pair);
  g_assert_null (weft_peer_connection_create_data_channel (pair.a.pc, "bad", &bad, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  unordered = open_channel (&pair, "unordered", &o1);
  rtx = open_channel (&pair, "rtx", &o2);
  ttl = open_channel (&pair, "ttl", &o3);
  pair_negotiate (&pair);
  wait_open (&pair, 3, 3);

  for (guint i = 0; i < pair.b.channels->len; i++)
    {
      WeftDataChannel *remote = g_ptr_array_index (pair.b.channels, i);
      const char *label = weft_data_channel_get_label (remote);

      if (g_str_equal (label, "unordered"))
        {
          g_assert_false (weft_data_channel_get_ordered (remote));
          g_assert_cmpint (weft_data_channel_get_max_retransmits (remote), ==, -1);
        }
      else if (g_str_equal (label, "rtx"))
        {
          g_assert_false (weft_data_channel_get_ordered (remote));
          g_assert_cmpint (weft_data_channel_get_max_retransmits (remote), ==, 0);
        }
      else
        {
          g_assert_true (weft_data_channel_get_ordered (remote));
          g_assert_cmpint (weft_data_channel_get_max_packet_lifetime (remote), ==, 500);
        }
    }
  g_assert_true (weft_data_channel_send_text (unordered, "u", &error));
  g_assert_true (weft_data_channel_send_text (rtx, "r", &error));
  g_assert_true (weft_data_channel_send_text (ttl, "t", &error));
  g_assert_no_error (error);
  /* loopback loses nothing, so even partially reliable messages arrive */
  wait_messages (&pair.b, 3);
  pair_clear (&pair);
}

static void
test_negotiated (void)
{
  Pair pair;
  g_autoptr (WeftDataChannel) ca = NULL;
  g_autoptr (WeftDataChannel) cb = NULL;
  g_autoptr (GError) error = NULL;
  WeftDataChannelOptions options = WEFT_DATA_CHANNEL_OPTIONS_INIT;

  options.negotiated = TRUE;
  options.id = 42;
  pair_init (&pair);
  ca = open_channel (&pair, "pre", &options);
  cb = weft_peer_connection_create_data_channel (pair.b.pc, "pre", &options, &error);
  g_assert_no_error (error);
  watch_channel (&pair.b, cb);
  pair_negotiate (&pair);
  wait_open (&pair, 1, 1);
  /* no DCEP: nothing announced to b */
  g_assert_cmpuint (pair.b.channels->len, ==, 0);
  g_assert_cmpint (weft_data_channel_get_id (cb), ==, 42);

  g_assert_true (weft_data_channel_send_text (ca, "to b", &error));
  g_assert_true (weft_data_channel_send_text (cb, "to a", &error));
  g_assert_no_error (error);
  wait_messages (&pair.a, 1);
  wait_messages (&pair.b, 1);
  assert_message (&pair.a, 0, "to a", 4, TRUE);
  assert_message (&pair.b, 0, "to b", 4, TRUE);
  pair_clear (&pair);
}

static void
test_close_from_either_side (void)
{
  Pair pair;
  g_autoptr (WeftDataChannel) c1 = NULL;
  g_autoptr (WeftDataChannel) c2 = NULL;
  g_autoptr (GError) error = NULL;
  WeftDataChannel *r1 = NULL;
  WeftDataChannel *r2 = NULL;

  pair_init (&pair);
  c1 = open_channel (&pair, "one", NULL);
  c2 = open_channel (&pair, "two", NULL);
  pair_negotiate (&pair);
  wait_open (&pair, 2, 2);
  for (guint i = 0; i < 2; i++)
    {
      WeftDataChannel *r = g_ptr_array_index (pair.b.channels, i);

      if (g_str_equal (weft_data_channel_get_label (r), "one"))
        r1 = r;
      else
        r2 = r;
    }
  g_assert_nonnull (r1);
  g_assert_nonnull (r2);

  /* the opener closes "one": both ends see it closed */
  weft_data_channel_close (c1);
  wait_closed (&pair.a, 1);
  wait_closed (&pair.b, 1);
  g_assert_cmpint (weft_data_channel_get_state (c1), ==, WEFT_DATA_CHANNEL_STATE_CLOSED);
  g_assert_cmpint (weft_data_channel_get_state (r1), ==, WEFT_DATA_CHANNEL_STATE_CLOSED);
  g_assert_false (weft_data_channel_send_text (c1, "late", &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE);
  g_clear_error (&error);

  /* the answerer closes "two" */
  weft_data_channel_close (r2);
  wait_closed (&pair.a, 2);
  wait_closed (&pair.b, 2);
  g_assert_cmpint (weft_data_channel_get_state (c2), ==, WEFT_DATA_CHANNEL_STATE_CLOSED);

  /* the stream id is free again: a new channel opens and works */
  {
    g_autoptr (WeftDataChannel) c3 = open_channel (&pair, "three", NULL);

    wait_open (&pair, 3, 3);
    g_assert_true (weft_data_channel_send_text (c3, "again", &error));
    g_assert_no_error (error);
    wait_messages (&pair.b, 1);
  }

  /* closing a whole peer connection closes the other side's channels */
  weft_peer_connection_close (pair.b.pc);
  wait_closed (&pair.a, 3);
  pair_clear (&pair);
}

static void
test_ice_restart (void)
{
  Pair pair;
  g_autoptr (WeftDataChannel) channel = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *offer = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *offer2 = NULL;
  g_autofree char *answer2 = NULL;
  WeftDataChannel *remote;

  pair_init (&pair);
  channel = open_channel (&pair, "restart", NULL);
  offer = weft_peer_connection_create_offer (pair.a.pc, &error);
  g_assert_true (
    weft_peer_connection_set_remote_description (pair.b.pc, WEFT_SDP_TYPE_OFFER, offer, &error));
  answer = weft_peer_connection_create_answer (pair.b.pc, &error);
  g_assert_true (
    weft_peer_connection_set_remote_description (pair.a.pc, WEFT_SDP_TYPE_ANSWER, answer, &error));
  g_assert_no_error (error);
  wait_open (&pair, 1, 1);
  remote = g_ptr_array_index (pair.b.channels, 0);

  /* the answerer cannot restart; the offerer can, with new credentials */
  g_assert_false (weft_peer_connection_restart_ice (pair.b.pc, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE);
  g_clear_error (&error);
  g_assert_true (weft_peer_connection_restart_ice (pair.a.pc, &error));
  offer2 = weft_peer_connection_create_offer (pair.a.pc, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (strstr (offer2, "a=ice-ufrag:"), !=, strstr (offer, "a=ice-ufrag:"));
  g_assert_nonnull (strstr (offer2, "a=candidate:"));
  g_assert_true (
    weft_peer_connection_set_remote_description (pair.b.pc, WEFT_SDP_TYPE_OFFER, offer2, &error));
  g_assert_no_error (error);
  answer2 = weft_peer_connection_create_answer (pair.b.pc, &error);
  g_assert_no_error (error);
  g_assert_true (
    weft_peer_connection_set_remote_description (pair.a.pc, WEFT_SDP_TYPE_ANSWER, answer2, &error));
  g_assert_no_error (error);

  /* the association and its channel survive the restart */
  g_assert_true (weft_data_channel_send_text (channel, "after restart", &error));
  g_assert_no_error (error);
  wait_messages (&pair.b, 1);
  g_assert_true (weft_data_channel_send_text (remote, "reply", &error));
  wait_messages (&pair.a, 1);
  spin (200);
  g_assert_cmpint (weft_peer_connection_get_state (pair.a.pc), ==,
                   WEFT_PEER_CONNECTION_STATE_CONNECTED);
  pair_clear (&pair);
}

static void
drop_pc_cb (WeftDataChannel *channel, GBytes *data, gboolean is_text, Peer *peer)
{
  /* the whole stack goes away from inside its own receive path */
  weft_peer_connection_close (peer->pc);
  g_clear_object (&peer->pc);
}

static void
test_close_in_callback (void)
{
  Pair pair;
  g_autoptr (WeftDataChannel) channel = NULL;
  g_autoptr (GError) error = NULL;
  WeftDataChannel *remote;

  pair_init (&pair);
  channel = open_channel (&pair, "drop", NULL);
  pair_negotiate (&pair);
  wait_open (&pair, 1, 1);
  remote = g_ptr_array_index (pair.b.channels, 0);
  g_signal_connect (remote, "message", G_CALLBACK (drop_pc_cb), &pair.b);
  g_assert_true (weft_data_channel_send_text (channel, "bye", &error));
  g_assert_no_error (error);
  wait_messages (&pair.b, 1);
  g_assert_null (pair.b.pc);
  /* the abort reaches the other side */
  wait_closed (&pair.a, 1);
  pair_clear (&pair);
}

static guint
count_fds (void)
{
  DIR *dir = opendir ("/proc/self/fd");
  guint n = 0;

  g_assert_nonnull (dir);
  while (readdir (dir) != NULL)
    n++;
  closedir (dir);
  return n;
}

static void
test_many_connections (void)
{
  guint fds_before = 0;
  guint n = g_test_slow () ? 100 : 100;

  for (guint i = 0; i < n; i++)
    {
      Pair pair;
      g_autoptr (WeftDataChannel) channel = NULL;
      g_autoptr (GError) error = NULL;

      pair_init (&pair);
      channel = open_channel (&pair, "loop", NULL);
      pair_negotiate (&pair);
      wait_open (&pair, 1, 1);
      g_assert_true (weft_data_channel_send_text (channel, "x", &error));
      g_assert_no_error (error);
      wait_messages (&pair.b, 1);
      pair_clear (&pair);
      g_assert_cmpuint (weft_sctp_association_get_n_live (), ==, 0);
      /* measure after the first round, once every lazy global is set up */
      if (i == 0)
        fds_before = count_fds ();
    }
  g_assert_cmpuint (count_fds (), <=, fds_before);
}

static void
test_fingerprint_mismatch (void)
{
  Pair pair;
  g_autoptr (WeftDataChannel) channel = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *offer = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *tampered = NULL;
  char *fp;

  pair_init (&pair);
  channel = open_channel (&pair, "x", NULL);
  offer = weft_peer_connection_create_offer (pair.a.pc, &error);
  g_assert_true (
    weft_peer_connection_set_remote_description (pair.b.pc, WEFT_SDP_TYPE_OFFER, offer, &error));
  answer = weft_peer_connection_create_answer (pair.b.pc, &error);
  g_assert_no_error (error);
  /* change one hex digit of the answer's fingerprint */
  tampered = g_strdup (answer);
  fp = strstr (tampered, "a=fingerprint:sha-256 ");
  g_assert_nonnull (fp);
  fp += strlen ("a=fingerprint:sha-256 ");
  fp[0] = fp[0] == 'A' ? 'B' : 'A';
  g_assert_true (weft_peer_connection_set_remote_description (pair.a.pc, WEFT_SDP_TYPE_ANSWER,
                                                              tampered, &error));
  g_assert_no_error (error);
  while (weft_peer_connection_get_state (pair.a.pc) != WEFT_PEER_CONNECTION_STATE_FAILED)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (weft_peer_connection_get_error (pair.a.pc), WEFT_ERROR,
                  WEFT_ERROR_PERMISSION_DENIED);
  g_assert_cmpuint (pair.a.opened, ==, 0);
  g_assert_cmpuint (pair.b.opened, ==, 0);
  pair_clear (&pair);
}

int
main (int argc, char **argv)
{
  int rc;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/weft/peer-connection/text", test_text_round_trip);
  g_test_add_func ("/weft/peer-connection/binary-and-empty", test_binary_and_empty);
  g_test_add_func ("/weft/peer-connection/message-size-limit", test_message_size_limit);
  g_test_add_func ("/weft/peer-connection/receive-large", test_receive_over_limit);
  g_test_add_func ("/weft/peer-connection/large-packets", test_large_packets);
  g_test_add_func ("/weft/peer-connection/buffered-amount-low", test_buffered_amount_low);
  g_test_add_func ("/weft/peer-connection/unordered-partial", test_unordered_partial);
  g_test_add_func ("/weft/peer-connection/negotiated", test_negotiated);
  g_test_add_func ("/weft/peer-connection/close", test_close_from_either_side);
  g_test_add_func ("/weft/peer-connection/fingerprint-mismatch", test_fingerprint_mismatch);
  g_test_add_func ("/weft/peer-connection/ice-restart", test_ice_restart);
  g_test_add_func ("/weft/peer-connection/close-in-callback", test_close_in_callback);
  g_test_add_func ("/weft/peer-connection/many", test_many_connections);
  rc = g_test_run ();
  weft_sctp_association_shutdown_stack ();
  return rc;
}
