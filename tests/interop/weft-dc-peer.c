/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * weft-dc-peer: runs one WebRTC data channel peer in its own process, for
 * two-process tests and benchmarks.
 *
 * Signalling is JSON, one object per line:
 *   {"type":"offer","sdp":"..."}   {"type":"answer","sdp":"..."}
 *   {"type":"candidate","candidate":"candidate:...","sdpMid":"0","sdpMLineIndex":0}
 *   {"type":"end-of-candidates"}
 * It travels over stdin/stdout by default (for a driver that spawns the
 * tool, e.g. a Python interop script), or over a loopback TCP socket with
 * --listen PORT (prints {"type":"listening","port":N} on stdout first; 0
 * picks a free port) on one side and --connect HOST:PORT on the other.
 * Results are printed on stdout as {"type":"open",...} and
 * {"type":"result",...} lines; diagnostics go to stderr.
 *
 * The offerer creates the channel (--label); the answerer accepts it. Modes:
 *   echo  send every message back until the channel closes
 *   ping  --count N messages of --size bytes, one at a time, each waiting
 *         for its echo; prints p50/p99/mean round trip in microseconds
 *   send  --megabytes M in --size byte messages (flow controlled by
 *         buffered-amount-low), then a {"type":"done"} text message with a
 *         checksum; prints throughput once the receiver confirms
 *   recv  checks the data against the checksum and confirms
 *
 * --no-trickle holds the offer or answer until gathering is done and sends
 * it with the candidates inline and a=end-of-candidates (aiortc's way).
 *
 * --relay HOST:PORT replaces every remote candidate by one at HOST:PORT (a
 * UDP impairment relay); give it to the offerer, the ICE-controlling side,
 * so the nominated pair goes through the relay. --ice-port N binds our ICE
 * socket to port N so that the relay knows where to forward.
 *
 * Example: weft-dc-peer --offer --listen 0 --mode ping &
 *          weft-dc-peer --answer --connect 127.0.0.1:PORT --mode echo
 */
#include "config.h"

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "weft-candidate.h"
#include "weft-peer-connection.h"
#include "weft-sctp-association.h"

#define HIGH_WATER (1024 * 1024)
#define LOW_WATER  (256 * 1024)
#define WARMUP     20

typedef enum
{
  MODE_ECHO,
  MODE_PING,
  MODE_SEND,
  MODE_RECV,
} Mode;

typedef struct
{
  GMainLoop *loop;
  int exit_code;

  /* options */
  gboolean offer;
  Mode mode;
  gint count;
  gint size;
  gint megabytes;
  gint64 max_message_size;
  gboolean legacy_sdp;
  gboolean no_trickle;
  gboolean large_packets;
  char *pending_type; /* (owned) (nullable) description held until gathering is done */
  gboolean gathered;
  char *relay;
  char *label;
  gint listen_port;
  char *connect_to;
  char *local_address;
  gint ice_port;
  gint timeout;

  /* signalling */
  GSocketListener *listener; /* (owned) (nullable) */
  GIOStream *connection;     /* (owned) (nullable) */
  GDataInputStream *sig_in;  /* (owned) */
  GOutputStream *sig_out;    /* (owned) */
  GCancellable *cancellable; /* (owned) */

  WeftPeerConnection *pc;   /* (owned) */
  WeftDataChannel *channel; /* (owned) (nullable) */
  gint64 start_us;
  gboolean opened;

  /* ping */
  GArray *rtts; /* (element-type gint64) */
  gint64 ping_sent_at;
  gint pings;
  guint8 *payload; /* (owned) */

  /* send / recv */
  guint64 total;
  guint64 sent;
  guint64 received;
  guint64 checksum;
  guint64 messages;
  gint64 send_start_us;
  gboolean waiting_low;
} Peer;

static void
emit_json (Peer *peer, JsonBuilder *builder, GOutputStream *out)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;
  g_autofree char *line = NULL;

  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  line = g_strconcat (text, "\n", NULL);
  if (out != NULL)
    {
      g_autoptr (GError) error = NULL;

      if (!g_output_stream_write_all (out, line, strlen (line), NULL, NULL, &error) ||
          !g_output_stream_flush (out, NULL, &error))
        g_printerr ("weft-dc-peer: signalling write failed: %s\n", error->message);
    }
  else
    {
      fputs (line, stdout);
      fflush (stdout);
    }
}

static void
finish (Peer *peer, int code)
{
  peer->exit_code = code;
  g_main_loop_quit (peer->loop);
}

static void
send_signal (Peer *peer, const char *type, const char *key, const char *value)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
  if (key != NULL)
    {
      json_builder_set_member_name (b, key);
      json_builder_add_string_value (b, value);
    }
  json_builder_end_object (b);
  emit_json (peer, b, peer->sig_out);
}

/* with --no-trickle the description goes out once gathering is done */
static void
send_description (Peer *peer, const char *type, const char *sdp)
{
  g_autofree char *full = NULL;

  if (!peer->no_trickle)
    {
      send_signal (peer, type, "sdp", sdp);
      return;
    }
  if (!peer->gathered)
    {
      peer->pending_type = g_strdup (type);
      return;
    }
  full = weft_peer_connection_get_local_description (peer->pc);
  send_signal (peer, type, "sdp", full);
}

static void
local_candidate_cb (WeftPeerConnection *pc,
                    const char *candidate,
                    const char *mid,
                    gint index,
                    Peer *peer)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  if (peer->no_trickle)
    {
      if (candidate == NULL)
        peer->gathered = TRUE;
      if (candidate == NULL && peer->pending_type != NULL)
        {
          g_autofree char *type = g_steal_pointer (&peer->pending_type);
          g_autofree char *sdp = weft_peer_connection_get_local_description (peer->pc);

          send_signal (peer, type, "sdp", sdp);
        }
      return;
    }
  if (candidate == NULL)
    {
      send_signal (peer, "end-of-candidates", NULL, NULL);
      return;
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "candidate");
  json_builder_set_member_name (b, "candidate");
  json_builder_add_string_value (b, candidate);
  json_builder_set_member_name (b, "sdpMid");
  json_builder_add_string_value (b, mid);
  json_builder_set_member_name (b, "sdpMLineIndex");
  json_builder_add_int_value (b, index);
  json_builder_end_object (b);
  emit_json (peer, b, peer->sig_out);
}

/* ---- results ---- */

static gint
cmp_i64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
print_ping_result (Peer *peer)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  gint64 *v = (gint64 *) (gpointer) peer->rtts->data;
  guint n = peer->rtts->len;
  gint64 sum = 0;

  g_array_sort (peer->rtts, cmp_i64);
  for (guint i = 0; i < n; i++)
    sum += v[i];
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "result");
  json_builder_set_member_name (b, "mode");
  json_builder_add_string_value (b, "ping");
  json_builder_set_member_name (b, "count");
  json_builder_add_int_value (b, n);
  json_builder_set_member_name (b, "size");
  json_builder_add_int_value (b, peer->size);
  json_builder_set_member_name (b, "p50_us");
  json_builder_add_int_value (b, v[n / 2]);
  json_builder_set_member_name (b, "p99_us");
  json_builder_add_int_value (b, v[MIN (n - 1, (n * 99) / 100)]);
  json_builder_set_member_name (b, "mean_us");
  json_builder_add_int_value (b, sum / n);
  json_builder_end_object (b);
  emit_json (peer, b, NULL);
}

/* ---- data ---- */

/* FNV-1a over 64-bit words, then the tail bytes: cheap enough not to
 * limit the throughput being measured */
static guint64
checksum_update (guint64 h, const guint8 *data, gsize len)
{
  gsize i = 0;

  for (; i + 8 <= len; i += 8)
    {
      guint64 w;

      memcpy (&w, data + i, 8);
      h = (h ^ w) * G_GUINT64_CONSTANT (0x100000001b3);
    }
  for (; i < len; i++)
    h = (h ^ data[i]) * G_GUINT64_CONSTANT (0x100000001b3);
  return h;
}

static void
send_ping (Peer *peer)
{
  g_autoptr (GError) error = NULL;

  memcpy (peer->payload, &peer->pings, sizeof peer->pings);
  peer->ping_sent_at = g_get_monotonic_time ();
  if (!weft_data_channel_send (peer->channel, peer->payload, (gsize) peer->size, FALSE, &error))
    {
      g_printerr ("weft-dc-peer: send failed: %s\n", error->message);
      finish (peer, 1);
    }
}

static void
send_done (Peer *peer)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;
  g_autofree char *sum = g_strdup_printf ("%016" G_GINT64_MODIFIER "x", peer->checksum);
  g_autoptr (GError) error = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "done");
  json_builder_set_member_name (b, "bytes");
  json_builder_add_int_value (b, (gint64) peer->sent);
  json_builder_set_member_name (b, "checksum");
  json_builder_add_string_value (b, sum);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  if (!weft_data_channel_send_text (peer->channel, text, &error))
    {
      g_printerr ("weft-dc-peer: send failed: %s\n", error->message);
      finish (peer, 1);
    }
}

static void
pump_send (Peer *peer)
{
  g_autoptr (GError) error = NULL;

  peer->waiting_low = FALSE;
  while (peer->sent < peer->total)
    {
      gsize n = (gsize) MIN ((guint64) peer->size, peer->total - peer->sent);

      /* vary each message so reordering or loss would show in the checksum */
      memcpy (peer->payload, &peer->messages, sizeof peer->messages);
      if (!weft_data_channel_send (peer->channel, peer->payload, n, FALSE, &error))
        {
          g_printerr ("weft-dc-peer: send failed: %s\n", error->message);
          finish (peer, 1);
          return;
        }
      peer->checksum = checksum_update (peer->checksum, peer->payload, n);
      peer->sent += n;
      peer->messages++;
      if (weft_data_channel_get_buffered_amount (peer->channel) >= HIGH_WATER)
        {
          peer->waiting_low = TRUE;
          return;
        }
    }
  send_done (peer);
}

static void
buffered_low_cb (WeftDataChannel *channel, Peer *peer)
{
  if (peer->waiting_low)
    pump_send (peer);
}

static void
handle_control (Peer *peer, GBytes *data)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *obj;
  const char *type;
  gsize len;
  const char *text = g_bytes_get_data (data, &len);

  if (!json_parser_load_from_data (parser, text, (gssize) len, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return;
  obj = json_node_get_object (json_parser_get_root (parser));
  type = json_object_get_string_member_with_default (obj, "type", "");
  if (peer->mode == MODE_RECV && g_str_equal (type, "done"))
    {
      g_autofree char *sum = g_strdup_printf ("%016" G_GINT64_MODIFIER "x", peer->checksum);
      gboolean ok =
        (guint64) json_object_get_int_member_with_default (obj, "bytes", -1) == peer->received &&
        g_strcmp0 (json_object_get_string_member_with_default (obj, "checksum", ""), sum) == 0;
      g_autoptr (JsonBuilder) b = json_builder_new ();

      weft_data_channel_send_text (
        peer->channel,
        ok ? "{\"type\":\"verified\",\"ok\":true}" : "{\"type\":\"verified\",\"ok\":false}", NULL);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, "result");
      json_builder_set_member_name (b, "mode");
      json_builder_add_string_value (b, "recv");
      json_builder_set_member_name (b, "bytes");
      json_builder_add_int_value (b, (gint64) peer->received);
      json_builder_set_member_name (b, "verified");
      json_builder_add_boolean_value (b, ok);
      json_builder_end_object (b);
      emit_json (peer, b, NULL);
      /* stay until the sender closes, so the confirmation is delivered */
      peer->exit_code = ok ? 0 : 1;
    }
  else if (peer->mode == MODE_SEND && g_str_equal (type, "verified"))
    {
      gboolean ok = json_object_get_boolean_member_with_default (obj, "ok", FALSE);
      gdouble seconds = (g_get_monotonic_time () - peer->send_start_us) / 1e6;
      g_autoptr (JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, "result");
      json_builder_set_member_name (b, "mode");
      json_builder_add_string_value (b, "send");
      json_builder_set_member_name (b, "bytes");
      json_builder_add_int_value (b, (gint64) peer->sent);
      json_builder_set_member_name (b, "message_size");
      json_builder_add_int_value (b, peer->size);
      json_builder_set_member_name (b, "seconds");
      json_builder_add_double_value (b, seconds);
      json_builder_set_member_name (b, "mb_per_s");
      json_builder_add_double_value (b, peer->sent / seconds / 1e6);
      json_builder_set_member_name (b, "verified");
      json_builder_add_boolean_value (b, ok);
      json_builder_end_object (b);
      emit_json (peer, b, NULL);
      finish (peer, ok ? 0 : 1);
    }
}

static void
message_cb (WeftDataChannel *channel, GBytes *data, gboolean is_text, Peer *peer)
{
  gsize len;
  const guint8 *bytes = g_bytes_get_data (data, &len);

  switch (peer->mode)
    {
      case MODE_ECHO:
        weft_data_channel_send (channel, bytes, len, is_text, NULL);
        break;
      case MODE_PING:
        {
          gint64 rtt = g_get_monotonic_time () - peer->ping_sent_at;

          if (peer->pings >= WARMUP)
            g_array_append_val (peer->rtts, rtt);
          if (++peer->pings >= peer->count + WARMUP)
            {
              print_ping_result (peer);
              finish (peer, 0);
              return;
            }
          send_ping (peer);
        }
        break;
      case MODE_RECV:
        if (is_text)
          handle_control (peer, data);
        else
          {
            peer->checksum = checksum_update (peer->checksum, bytes, len);
            peer->received += len;
          }
        break;
      case MODE_SEND:
        if (is_text)
          handle_control (peer, data);
        break;
      default:
        break;
    }
}

static void
channel_open_cb (WeftDataChannel *channel, Peer *peer)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  peer->opened = TRUE;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "open");
  json_builder_set_member_name (b, "ms");
  json_builder_add_double_value (b, (g_get_monotonic_time () - peer->start_us) / 1000.0);
  json_builder_set_member_name (b, "label");
  json_builder_add_string_value (b, weft_data_channel_get_label (channel));
  json_builder_set_member_name (b, "max_message_size");
  json_builder_add_int_value (b, (gint64) weft_data_channel_get_max_message_size (channel));
  json_builder_end_object (b);
  emit_json (peer, b, NULL);

  switch (peer->mode)
    {
      case MODE_PING:
        peer->payload = g_malloc0 ((gsize) MAX (peer->size, 8));
        send_ping (peer);
        break;
      case MODE_SEND:
        peer->payload = g_malloc ((gsize) MAX (peer->size, 8));
        for (gint i = 0; i < MAX (peer->size, 8); i++)
          peer->payload[i] = (guint8) g_random_int ();
        peer->total = (guint64) peer->megabytes * 1000 * 1000;
        peer->send_start_us = g_get_monotonic_time ();
        weft_data_channel_set_buffered_amount_low_threshold (channel, LOW_WATER);
        pump_send (peer);
        break;
      case MODE_ECHO:
      case MODE_RECV:
      default:
        break;
    }
}

static void
channel_closed_cb (WeftDataChannel *channel, Peer *peer)
{
  /* the passive modes end when the other side is done */
  if (peer->mode == MODE_ECHO || peer->mode == MODE_RECV)
    finish (peer, peer->exit_code);
  else
    {
      g_printerr ("weft-dc-peer: the channel closed before the run finished\n");
      finish (peer, 1);
    }
}

static void
channel_error_cb (WeftDataChannel *channel, GError *error, Peer *peer)
{
  g_printerr ("weft-dc-peer: channel error: %s\n", error->message);
}

static void
use_channel (Peer *peer, WeftDataChannel *channel)
{
  g_set_object (&peer->channel, channel);
  g_signal_connect (channel, "open", G_CALLBACK (channel_open_cb), peer);
  g_signal_connect (channel, "message", G_CALLBACK (message_cb), peer);
  g_signal_connect (channel, "closed", G_CALLBACK (channel_closed_cb), peer);
  g_signal_connect (channel, "error", G_CALLBACK (channel_error_cb), peer);
  g_signal_connect (channel, "buffered-amount-low", G_CALLBACK (buffered_low_cb), peer);
}

static void
data_channel_cb (WeftPeerConnection *pc, WeftDataChannel *channel, Peer *peer)
{
  if (peer->channel == NULL)
    use_channel (peer, channel);
}

static void
state_cb (WeftPeerConnection *pc, guint state, Peer *peer)
{
  if (state == WEFT_PEER_CONNECTION_STATE_FAILED)
    {
      const GError *error = weft_peer_connection_get_error (pc);

      g_printerr ("weft-dc-peer: connection failed: %s\n", error != NULL ? error->message : "?");
      finish (peer, 1);
    }
  else if (state == WEFT_PEER_CONNECTION_STATE_CLOSED &&
           (peer->mode == MODE_ECHO || peer->mode == MODE_RECV))
    finish (peer, peer->exit_code);
}

/* ---- signalling in ---- */

static char *
relay_candidate (Peer *peer, const char *candidate)
{
  g_autoptr (WeftCandidate) c = weft_candidate_parse (candidate, NULL);
  g_autofree char *host = NULL;
  guint16 port = 0;
  const char *colon;

  if (c == NULL || (colon = strrchr (peer->relay, ':')) == NULL)
    return NULL;
  host = g_strndup (peer->relay, (gsize) (colon - peer->relay));
  port = (guint16) g_ascii_strtoull (colon + 1, NULL, 10);
  g_free (c->address);
  c->address = g_steal_pointer (&host);
  c->port = port;
  return weft_candidate_to_string (c);
}

static gboolean relay_used;

static void
add_candidate (Peer *peer, const char *candidate, const char *mid, gint index)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *rewritten = NULL;

  if (peer->relay != NULL)
    {
      /* every remote candidate becomes the relay; one is enough */
      if (relay_used)
        return;
      rewritten = relay_candidate (peer, candidate);
      if (rewritten == NULL)
        return;
      relay_used = TRUE;
      candidate = rewritten;
    }
  if (!weft_peer_connection_add_remote_candidate (peer->pc, candidate, mid, index, &error))
    g_printerr ("weft-dc-peer: remote candidate refused: %s\n", error->message);
}

static void
handle_signal (Peer *peer, const char *line)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *obj;
  const char *type;

  if (!json_parser_load_from_data (parser, line, -1, &error) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_printerr ("weft-dc-peer: bad signalling line: %s\n", line);
      return;
    }
  obj = json_node_get_object (json_parser_get_root (parser));
  type = json_object_get_string_member_with_default (obj, "type", "");
  if (g_str_equal (type, "offer") || g_str_equal (type, "answer"))
    {
      const char *sdp = json_object_get_string_member_with_default (obj, "sdp", "");
      gboolean is_offer = g_str_equal (type, "offer");
      g_autoptr (WeftSdp) parsed = NULL;

      if (peer->relay != NULL)
        {
          /* inline candidates go through the same rewrite */
          g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
          g_auto (GStrv) split = g_strsplit (sdp, "\n", -1);
          GString *kept = g_string_new (NULL);

          for (guint i = 0; split[i] != NULL; i++)
            {
              g_autofree char *l = g_strstrip (g_strdup (split[i]));

              if (g_str_has_prefix (l, "a=candidate:"))
                g_ptr_array_add (lines, g_strdup (l + 2));
              else if (l[0] != '\0')
                g_string_append_printf (kept, "%s\r\n", l);
            }
          if (!weft_peer_connection_set_remote_description (
                peer->pc, is_offer ? WEFT_SDP_TYPE_OFFER : WEFT_SDP_TYPE_ANSWER, kept->str, &error))
            {
              g_string_free (kept, TRUE);
              g_printerr ("weft-dc-peer: bad %s: %s\n", type, error->message);
              finish (peer, 1);
              return;
            }
          g_string_free (kept, TRUE);
          for (guint i = 0; i < lines->len; i++)
            add_candidate (peer, g_ptr_array_index (lines, i), NULL, 0);
        }
      else if (!weft_peer_connection_set_remote_description (
                 peer->pc, is_offer ? WEFT_SDP_TYPE_OFFER : WEFT_SDP_TYPE_ANSWER, sdp, &error))
        {
          g_printerr ("weft-dc-peer: bad %s: %s\n", type, error->message);
          finish (peer, 1);
          return;
        }
      if (is_offer)
        {
          g_autofree char *answer = weft_peer_connection_create_answer (peer->pc, &error);

          if (answer == NULL)
            {
              g_printerr ("weft-dc-peer: cannot answer: %s\n", error->message);
              finish (peer, 1);
              return;
            }
          send_description (peer, "answer", answer);
        }
    }
  else if (g_str_equal (type, "candidate"))
    {
      const char *candidate = json_object_get_string_member_with_default (obj, "candidate", "");
      const char *mid = json_object_get_string_member_with_default (obj, "sdpMid", NULL);
      gint index = (gint) json_object_get_int_member_with_default (obj, "sdpMLineIndex", 0);

      if (candidate[0] == '\0')
        weft_peer_connection_set_remote_end_of_candidates (peer->pc);
      else
        add_candidate (peer, candidate, mid, index);
    }
  else if (g_str_equal (type, "end-of-candidates"))
    weft_peer_connection_set_remote_end_of_candidates (peer->pc);
}

static void
read_line_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Peer *peer = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *line = NULL;

  line =
    g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL, &error);
  if (line == NULL)
    {
      /* the signalling channel closed; the peers may still be talking */
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_printerr ("weft-dc-peer: signalling read failed: %s\n", error->message);
      return;
    }
  handle_signal (peer, line);
  g_data_input_stream_read_line_async (peer->sig_in, G_PRIORITY_DEFAULT, peer->cancellable,
                                       read_line_cb, peer);
}

static void
start_peer (Peer *peer)
{
  g_autoptr (GError) error = NULL;

  g_data_input_stream_read_line_async (peer->sig_in, G_PRIORITY_DEFAULT, peer->cancellable,
                                       read_line_cb, peer);
  peer->start_us = g_get_monotonic_time ();
  if (peer->offer)
    {
      g_autofree char *offer = NULL;
      g_autoptr (WeftDataChannel) channel = NULL;

      channel = weft_peer_connection_create_data_channel (peer->pc, peer->label, NULL, &error);
      if (channel == NULL)
        {
          g_printerr ("weft-dc-peer: %s\n", error->message);
          finish (peer, 1);
          return;
        }
      use_channel (peer, channel);
      offer = weft_peer_connection_create_offer (peer->pc, &error);
      if (offer == NULL)
        {
          g_printerr ("weft-dc-peer: %s\n", error->message);
          finish (peer, 1);
          return;
        }
      send_description (peer, "offer", offer);
    }
}

static void
use_stream (Peer *peer, GIOStream *stream)
{
  peer->connection = stream;
  peer->sig_in = g_data_input_stream_new (g_io_stream_get_input_stream (stream));
  peer->sig_out = g_object_ref (g_io_stream_get_output_stream (stream));
  start_peer (peer);
}

static void
accepted_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Peer *peer = user_data;
  g_autoptr (GError) error = NULL;
  GSocketConnection *conn;

  conn = g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), result, NULL, &error);
  if (conn == NULL)
    {
      g_printerr ("weft-dc-peer: accept failed: %s\n", error->message);
      finish (peer, 1);
      return;
    }
  use_stream (peer, G_IO_STREAM (conn));
}

static void
connected_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Peer *peer = user_data;
  g_autoptr (GError) error = NULL;
  GSocketConnection *conn;

  conn = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source), result, &error);
  if (conn == NULL)
    {
      g_printerr ("weft-dc-peer: connect failed: %s\n", error->message);
      finish (peer, 1);
      return;
    }
  use_stream (peer, G_IO_STREAM (conn));
}

static gboolean
timeout_cb (gpointer user_data)
{
  Peer *peer = user_data;

  g_printerr ("weft-dc-peer: timed out after %d s (channel %s)\n", peer->timeout,
              peer->opened ? "open" : "never opened");
  finish (peer, 2);
  return G_SOURCE_REMOVE;
}

/* stdout carries JSON only: every log line goes to stderr */
static GLogWriterOutput
log_to_stderr (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  g_autofree char *line = NULL;
  const char *domain = NULL;

  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0)
      domain = fields[i].value;
  if (g_log_writer_default_would_drop (level, domain))
    return G_LOG_WRITER_HANDLED;
  line = g_log_writer_format_fields (level, fields, n_fields, FALSE);
  fprintf (stderr, "%s\n", line);
  return G_LOG_WRITER_HANDLED;
}

static gboolean
parse_mode (const char *text, Mode *mode)
{
  static const char *names[] = { "echo", "ping", "send", "recv" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (text, names[i]) == 0)
      {
        *mode = (Mode) i;
        return TRUE;
      }
  return FALSE;
}

int
main (int argc, char **argv)
{
  Peer peer = { 0 };
  gboolean answer = FALSE;
  g_autofree char *mode = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) context = NULL;
  GOptionEntry entries[] = {
    { "offer", 0, 0, G_OPTION_ARG_NONE, &peer.offer, "Make the offer and open the channel", NULL },
    { "answer", 0, 0, G_OPTION_ARG_NONE, &answer, "Answer and accept the channel", NULL },
    { "mode", 0, 0, G_OPTION_ARG_STRING, &mode, "echo, ping, send or recv", "MODE" },
    { "count", 0, 0, G_OPTION_ARG_INT, &peer.count, "Pings (1000)", "N" },
    { "size", 0, 0, G_OPTION_ARG_INT, &peer.size, "Message size (ping 100, send 65536)", "B" },
    { "megabytes", 0, 0, G_OPTION_ARG_INT, &peer.megabytes, "Data to send (200)", "M" },
    { "max-message-size", 0, 0, G_OPTION_ARG_INT64, &peer.max_message_size,
      "Largest message accepted, announced in the SDP", "B" },
    { "legacy-sdp", 0, 0, G_OPTION_ARG_NONE, &peer.legacy_sdp, "Offer the legacy DTLS/SCTP m-line",
      NULL },
    { "large-packets", 0, 0, G_OPTION_ARG_NONE, &peer.large_packets,
      "Send SCTP packets of up to 16000 bytes on a loopback path (Weft peers only)", NULL },
    { "no-trickle", 0, 0, G_OPTION_ARG_NONE, &peer.no_trickle,
      "Send the description once gathered, candidates inline (for peers that do not trickle)",
      NULL },
    { "relay", 0, 0, G_OPTION_ARG_STRING, &peer.relay,
      "Send to HOST:PORT instead of the remote candidates", "HOST:PORT" },
    { "label", 0, 0, G_OPTION_ARG_STRING, &peer.label, "Channel label (weft)", "LABEL" },
    { "listen", 0, 0, G_OPTION_ARG_INT, &peer.listen_port, "Signal over TCP, listening", "PORT" },
    { "connect", 0, 0, G_OPTION_ARG_STRING, &peer.connect_to, "Signal over TCP, connecting",
      "HOST:PORT" },
    { "local-address", 0, 0, G_OPTION_ARG_STRING, &peer.local_address,
      "Local ICE address (127.0.0.1)", "IP" },
    { "ice-port", 0, 0, G_OPTION_ARG_INT, &peer.ice_port, "Local ICE port (any)", "PORT" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &peer.timeout, "Give up after S seconds (120)", "S" },
    { NULL }
  };

  g_log_set_writer_func (log_to_stderr, NULL, NULL);
  peer.count = 1000;
  peer.megabytes = 200;
  peer.listen_port = -1;
  peer.timeout = 120;
  context = g_option_context_new ("- one WebRTC data channel peer for tests");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("weft-dc-peer: %s\n", error->message);
      return 64;
    }
  if (peer.offer == answer || (mode != NULL && !parse_mode (mode, &peer.mode)))
    {
      g_printerr ("weft-dc-peer: give one of --offer or --answer, and --mode "
                  "echo|ping|send|recv\n");
      return 64;
    }
  if (peer.size <= 0)
    peer.size = peer.mode == MODE_SEND ? 65536 : 100;
  if (peer.label == NULL)
    peer.label = g_strdup ("weft");
  if (peer.local_address == NULL)
    peer.local_address = g_strdup ("127.0.0.1");

  peer.loop = g_main_loop_new (NULL, FALSE);
  peer.cancellable = g_cancellable_new ();
  peer.rtts = g_array_new (FALSE, FALSE, sizeof (gint64));
  peer.checksum = G_GUINT64_CONSTANT (0xcbf29ce484222325);
  peer.pc = weft_peer_connection_new (&error);
  if (peer.pc == NULL)
    {
      g_printerr ("weft-dc-peer: %s\n", error->message);
      return 1;
    }
  weft_peer_connection_add_local_address (peer.pc, peer.local_address);
  if (peer.ice_port > 0)
    weft_peer_connection_set_port_range (peer.pc, (guint) peer.ice_port, (guint) peer.ice_port);
  if (peer.max_message_size > 0)
    weft_peer_connection_set_max_message_size (peer.pc, (gsize) peer.max_message_size);
  weft_peer_connection_set_legacy_sdp (peer.pc, peer.legacy_sdp);
  weft_peer_connection_set_large_packets (peer.pc, peer.large_packets);
  g_signal_connect (peer.pc, "local-candidate", G_CALLBACK (local_candidate_cb), &peer);
  g_signal_connect (peer.pc, "data-channel", G_CALLBACK (data_channel_cb), &peer);
  g_signal_connect (peer.pc, "state-changed", G_CALLBACK (state_cb), &peer);
  g_timeout_add_seconds ((guint) peer.timeout, timeout_cb, &peer);

  if (peer.listen_port >= 0)
    {
      guint16 port;
      g_autoptr (JsonBuilder) b = json_builder_new ();
      g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (lo, (guint16) peer.listen_port);
      g_autoptr (GSocketAddress) effective = NULL;

      peer.listener = g_socket_listener_new ();
      if (!g_socket_listener_add_address (peer.listener, addr, G_SOCKET_TYPE_STREAM,
                                          G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error))
        {
          g_printerr ("weft-dc-peer: cannot listen: %s\n", error->message);
          return 1;
        }
      port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "type");
      json_builder_add_string_value (b, "listening");
      json_builder_set_member_name (b, "port");
      json_builder_add_int_value (b, port);
      json_builder_end_object (b);
      emit_json (&peer, b, NULL);
      g_socket_listener_accept_async (peer.listener, peer.cancellable, accepted_cb, &peer);
    }
  else if (peer.connect_to != NULL)
    {
      g_autoptr (GSocketClient) client = g_socket_client_new ();

      g_socket_client_connect_to_host_async (client, peer.connect_to, 0, peer.cancellable,
                                             connected_cb, &peer);
    }
  else
    {
      g_autoptr (GInputStream) in = g_unix_input_stream_new (0, FALSE);

      peer.sig_in = g_data_input_stream_new (in);
      start_peer (&peer);
    }

  g_main_loop_run (peer.loop);

  g_cancellable_cancel (peer.cancellable);
  if (peer.channel != NULL)
    g_signal_handlers_disconnect_by_data (peer.channel, &peer);
  g_signal_handlers_disconnect_by_data (peer.pc, &peer);
  weft_peer_connection_close (peer.pc);
  /* let the close (abort, close_notify, ICE) go out */
  for (int i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
  g_clear_object (&peer.channel);
  g_clear_object (&peer.pc);
  if (peer.connection != NULL)
    g_io_stream_close (peer.connection, NULL, NULL);
  g_clear_object (&peer.connection);
  g_clear_object (&peer.listener);
  g_clear_object (&peer.sig_in);
  g_clear_object (&peer.sig_out);
  g_clear_object (&peer.cancellable);
  g_array_unref (peer.rtts);
  g_free (peer.payload);
  g_free (peer.relay);
  g_free (peer.pending_type);
  g_free (peer.label);
  g_free (peer.connect_to);
  g_free (peer.local_address);
  g_main_loop_unref (peer.loop);
  weft_sctp_association_shutdown_stack ();
  return peer.exit_code;
}
