/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "weft-certificate.h"
#include "weft-data-channel-private.h"
#include "weft-dcep.h"
#include "weft-dtls-transport.h"
#include "weft-error.h"
#include "weft-ice-transport.h"
#include "weft-peer-connection.h"
#include "weft-sctp-association.h"

/* a data-only WebRTC peer connection: ICE (libnice) carries DTLS (GnuTLS),
 * which carries one SCTP association (usrsctp) holding the data channels.
 *
 * the offerer is ICE-controlling and offers a=setup:actpass; the answerer
 * answers active and so is the DTLS client. DTLS starts when ICE connects and
 * the remote fingerprint is known; SCTP starts when DTLS is up; channels get
 * their stream ids (even for the DTLS client, odd for the server) and send
 * their DCEP OPEN when SCTP is up. everything runs on the thread-default
 * GMainContext of the creator. */

/* fits one DTLS record (16 KiB of plaintext) */
#define LOOPBACK_SCTP_MTU 16000

enum
{
  SIGNAL_LOCAL_CANDIDATE,
  SIGNAL_STATE_CHANGED,
  SIGNAL_DATA_CHANNEL,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

struct _WeftPeerConnection
{
  GObject parent_instance;

  GMainContext *context;        /* (owned) */
  WeftCertificate *certificate; /* (owned) */
  WeftPeerConnectionState state;
  GError *error; /* (owned) (nullable) why it failed */

  /* configuration */
  GPtrArray *local_addresses; /* (element-type utf8) (owned) */
  JsonNode *ice_servers;      /* (owned) (nullable) */
  gsize max_message_size;     /* what we accept; announced in the SDP */
  guint min_port;             /* 0: any */
  guint max_port;
  gboolean legacy_sdp;
  gboolean large_packets;

  /* negotiation */
  gboolean offerer;
  gboolean have_remote;
  WeftSdp *local_sdp;  /* (owned) (nullable) */
  WeftSdp *remote_sdp; /* (owned) (nullable) */
  char *mid;           /* (owned) */
  gint mline_index;
  char *remote_ufrag;       /* (owned) (nullable) */
  char *remote_fingerprint; /* (owned) (nullable) "sha-256 AB:..." */
  guint remote_sctp_port;
  gsize remote_max_message_size; /* 0: unlimited */
  gboolean dtls_client;
  guint64 session_version;
  GPtrArray *pending_candidates; /* (element-type utf8) (owned) until the remote description */
  gboolean pending_end_of_candidates;

  /* the stack */
  WeftIceTransport *ice;     /* (owned) (nullable) */
  WeftDtlsTransport *dtls;   /* (owned) (nullable) */
  WeftSctpAssociation *sctp; /* (owned) (nullable) */
  GHashTable *channels;      /* (element-type guint WeftDataChannel) (owned) by stream id */
  GPtrArray *pending;        /* (element-type WeftDataChannel) (owned) waiting for SCTP */
  GSource *attach_source;    /* (owned) (nullable) opens channels created while connected */
};

G_DEFINE_TYPE (WeftPeerConnection, weft_peer_connection, G_TYPE_OBJECT)

static void
set_state (WeftPeerConnection *self, WeftPeerConnectionState state)
{
  if (self->state == state || self->state == WEFT_PEER_CONNECTION_STATE_CLOSED)
    return;
  self->state = state;
  g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0, (guint) state);
}

static void
fail (WeftPeerConnection *self, const GError *error)
{
  if (self->state == WEFT_PEER_CONNECTION_STATE_CLOSED ||
      self->state == WEFT_PEER_CONNECTION_STATE_FAILED)
    return;
  if (self->error == NULL)
    self->error = g_error_copy (error);
  g_message ("peer connection failed: %s", error->message);
  set_state (self, WEFT_PEER_CONNECTION_STATE_FAILED);
}

/* ---- data path glue: synchronous, no user code ---- */

static void
ice_to_dtls (const guint8 *data, gsize len, gpointer user_data)
{
  WeftPeerConnection *self = user_data;

  if (self->dtls != NULL)
    weft_dtls_transport_handle_datagram (self->dtls, data, len);
}

static void
dtls_to_ice (const guint8 *data, gsize len, gpointer user_data)
{
  WeftPeerConnection *self = user_data;

  if (self->ice != NULL)
    weft_ice_transport_send (self->ice, data, len);
}

static void
dtls_to_sctp (const guint8 *data, gsize len, gpointer user_data)
{
  WeftPeerConnection *self = user_data;

  if (self->sctp != NULL)
    weft_sctp_association_handle_packet (self->sctp, data, len);
}

static void
sctp_to_dtls (const guint8 *data, gsize len, gpointer user_data)
{
  WeftPeerConnection *self = user_data;

  if (self->dtls != NULL && weft_dtls_transport_get_state (self->dtls) == WEFT_DTLS_STATE_CONNECTED)
    weft_dtls_transport_send (self->dtls, data, len, NULL);
}

static void
sctp_burst (gboolean begin, gpointer user_data)
{
  WeftPeerConnection *self = user_data;

  if (self->ice == NULL)
    return;
  if (begin)
    weft_ice_transport_cork (self->ice);
  else
    weft_ice_transport_uncork (self->ice);
}

/* ---- channels ---- */

static void
channel_closed_cb (WeftDataChannel *channel, gpointer user_data)
{
  WeftPeerConnection *self = user_data;
  gint id = weft_data_channel_get_id (channel);

  g_ptr_array_remove (self->pending, channel);
  if (id >= 0 && g_hash_table_lookup (self->channels, GINT_TO_POINTER (id)) == channel)
    g_hash_table_remove (self->channels, GINT_TO_POINTER (id));
}

static void
track_channel (WeftPeerConnection *self, WeftDataChannel *channel)
{
  g_signal_connect_object (channel, "closed", G_CALLBACK (channel_closed_cb), self, 0);
}

static gint
next_stream_id (WeftPeerConnection *self)
{
  for (guint id = weft_dcep_stream_id_first_for_role (self->dtls_client);
       id < WEFT_SCTP_MAX_STREAMS; id += 2)
    if (!g_hash_table_contains (self->channels, GUINT_TO_POINTER (id)))
      return (gint) id;
  return -1;
}

static void
attach_pending (WeftPeerConnection *self)
{
  g_autoptr (GPtrArray) pending = g_steal_pointer (&self->pending);

  self->pending = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < pending->len; i++)
    {
      WeftDataChannel *channel = g_ptr_array_index (pending, i);
      gint id = weft_data_channel_get_id (channel);

      if (weft_data_channel_get_state (channel) != WEFT_DATA_CHANNEL_STATE_CONNECTING)
        continue;
      if (id < 0)
        {
          id = next_stream_id (self);
          if (id < 0)
            {
              g_warning ("no free SCTP stream for data channel “%s”",
                         weft_data_channel_get_label (channel));
              weft_data_channel_transport_closed (channel);
              continue;
            }
          weft_data_channel_set_id (channel, (guint16) id);
        }
      g_hash_table_insert (self->channels, GINT_TO_POINTER (id), g_object_ref (channel));
    }
  for (guint i = 0; i < pending->len && self->sctp != NULL; i++)
    {
      WeftDataChannel *channel = g_ptr_array_index (pending, i);

      if (weft_data_channel_get_id (channel) >= 0)
        weft_data_channel_attach (channel, self->sctp, self->remote_max_message_size);
    }
}

static void
handle_open (WeftPeerConnection *self, guint sid, GBytes *data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftDcepMessage) msg = NULL;
  g_autoptr (WeftDataChannel) channel = NULL;
  gsize len;
  const guint8 *bytes = g_bytes_get_data (data, &len);

  msg = weft_dcep_decode (bytes, len, &error);
  if (msg == NULL)
    {
      g_message ("ignoring an invalid DCEP message on stream %u: %s", sid, error->message);
      return;
    }
  if (msg->type != WEFT_DCEP_MESSAGE_TYPE_OPEN)
    return;
  /* the peer opens with its own parity */
  if (!weft_dcep_stream_id_valid_for_role (sid, !self->dtls_client) || sid >= WEFT_SCTP_MAX_STREAMS)
    {
      g_message ("refusing data channel “%s” on stream %u: wrong parity for the peer's DTLS role",
                 msg->label, sid);
      weft_sctp_association_reset_stream (self->sctp, (guint16) sid);
      return;
    }
  channel = weft_data_channel_new_remote ((guint16) sid, msg->label, msg->protocol,
                                          (guint8) msg->channel_type, msg->reliability_parameter);
  g_hash_table_insert (self->channels, GUINT_TO_POINTER (sid), g_object_ref (channel));
  track_channel (self, channel);
  g_signal_emit (self, signals[SIGNAL_DATA_CHANNEL], 0, channel);
  if (self->sctp != NULL)
    weft_data_channel_attach (channel, self->sctp, self->remote_max_message_size);
}

static WeftDataChannel *
lookup_channel (WeftPeerConnection *self, guint sid)
{
  return g_hash_table_lookup (self->channels, GUINT_TO_POINTER (sid));
}

static void
sctp_message_cb (WeftSctpAssociation *sctp, guint sid, guint ppid, GBytes *data, gpointer user_data)
{
  WeftPeerConnection *self = user_data;
  WeftDataChannel *channel = lookup_channel (self, sid);
  gsize len;
  const guint8 *bytes = g_bytes_get_data (data, &len);

  if (ppid == WEFT_DCEP_PPID_CONTROL && len > 0 && bytes[0] == WEFT_DCEP_MESSAGE_TYPE_OPEN)
    {
      if (channel == NULL)
        handle_open (self, sid, data);
      else
        g_message ("ignoring DCEP OPEN on stream %u, which is in use", sid);
      return;
    }
  if (channel != NULL)
    weft_data_channel_handle_message (channel, ppid, data);
}

static void
sctp_too_large_cb (WeftSctpAssociation *sctp, guint sid, gpointer user_data)
{
  WeftDataChannel *channel = lookup_channel (user_data, sid);

  if (channel != NULL)
    weft_data_channel_handle_message_too_large (channel);
}

static void
sctp_stream_reset_cb (WeftSctpAssociation *sctp, guint sid, gpointer user_data)
{
  WeftDataChannel *channel = lookup_channel (user_data, sid);

  if (channel != NULL)
    weft_data_channel_handle_stream_reset (channel);
}

static void
sctp_buffered_cb (WeftSctpAssociation *sctp, guint sid, guint64 amount, gpointer user_data)
{
  WeftDataChannel *channel = lookup_channel (user_data, sid);

  if (channel != NULL)
    weft_data_channel_handle_buffered_amount (channel, (gsize) amount);
}

static void
close_all_channels (WeftPeerConnection *self)
{
  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->channels);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (all, g_object_ref (value));
  for (guint i = 0; i < self->pending->len; i++)
    g_ptr_array_add (all, g_object_ref (g_ptr_array_index (self->pending, i)));
  for (guint i = 0; i < all->len; i++)
    weft_data_channel_transport_closed (g_ptr_array_index (all, i));
  g_hash_table_remove_all (self->channels);
  g_ptr_array_set_size (self->pending, 0);
}

static void
sctp_state_cb (WeftSctpAssociation *sctp, guint state, gpointer user_data)
{
  WeftPeerConnection *self = user_data;

  if (state == WEFT_SCTP_STATE_CONNECTED)
    {
      if (self->large_packets && self->ice != NULL &&
          weft_ice_transport_selected_pair_is_loopback (self->ice))
        {
          g_autoptr (GError) error = NULL;

          if (weft_sctp_association_set_path_mtu (sctp, LOOPBACK_SCTP_MTU, &error))
            g_debug ("loopback path: SCTP packets of up to %u bytes", LOOPBACK_SCTP_MTU);
          else
            g_debug ("%s", error->message);
        }
      set_state (self, WEFT_PEER_CONNECTION_STATE_CONNECTED);
      attach_pending (self);
    }
  else if (state == WEFT_SCTP_STATE_CLOSED)
    {
      close_all_channels (self);
      set_state (self, WEFT_PEER_CONNECTION_STATE_CLOSED);
    }
}

/* ---- stack bring-up ---- */

static void
start_sctp (WeftPeerConnection *self)
{
  g_autoptr (GError) error = NULL;

  if (self->sctp != NULL)
    return;
  self->sctp = weft_sctp_association_new (
    WEFT_SDP_DEFAULT_SCTP_PORT, (guint16) self->remote_sctp_port, self->max_message_size, &error);
  if (self->sctp == NULL)
    {
      fail (self, error);
      return;
    }
  weft_sctp_association_set_output_func (self->sctp, sctp_to_dtls, self);
  weft_sctp_association_set_burst_func (self->sctp, sctp_burst, self);
  weft_dtls_transport_set_receive_func (self->dtls, dtls_to_sctp, self);
  g_signal_connect_object (self->sctp, "state-changed", G_CALLBACK (sctp_state_cb), self, 0);
  g_signal_connect_object (self->sctp, "message", G_CALLBACK (sctp_message_cb), self, 0);
  g_signal_connect_object (self->sctp, "message-too-large", G_CALLBACK (sctp_too_large_cb), self,
                           0);
  g_signal_connect_object (self->sctp, "stream-reset", G_CALLBACK (sctp_stream_reset_cb), self, 0);
  g_signal_connect_object (self->sctp, "buffered-amount-changed", G_CALLBACK (sctp_buffered_cb),
                           self, 0);
  if (!weft_sctp_association_start (self->sctp, &error))
    fail (self, error);
}

static void
dtls_state_cb (WeftDtlsTransport *dtls, guint state, gpointer user_data)
{
  WeftPeerConnection *self = user_data;

  switch ((WeftDtlsState) state)
    {
      case WEFT_DTLS_STATE_CONNECTED:
        start_sctp (self);
        break;
      case WEFT_DTLS_STATE_FAILED:
        fail (self, weft_dtls_transport_get_error (dtls));
        close_all_channels (self);
        break;
      case WEFT_DTLS_STATE_CLOSED:
        close_all_channels (self);
        set_state (self, WEFT_PEER_CONNECTION_STATE_CLOSED);
        break;
      case WEFT_DTLS_STATE_NEW:
      case WEFT_DTLS_STATE_CONNECTING:
      default:
        break;
    }
}

static void
maybe_start_dtls (WeftPeerConnection *self)
{
  g_autoptr (GError) error = NULL;

  if (self->dtls == NULL || self->ice == NULL ||
      weft_ice_transport_get_state (self->ice) != WEFT_ICE_STATE_CONNECTED ||
      weft_dtls_transport_get_state (self->dtls) != WEFT_DTLS_STATE_NEW)
    return;
  if (!weft_dtls_transport_start (self->dtls, &error))
    fail (self, error);
}

static void
ice_state_cb (WeftIceTransport *ice, guint state, gpointer user_data)
{
  WeftPeerConnection *self = user_data;

  switch ((WeftIceState) state)
    {
      case WEFT_ICE_STATE_CHECKING:
        /* an ICE restart keeps the connection up while checks run */
        if (self->state == WEFT_PEER_CONNECTION_STATE_NEW)
          set_state (self, WEFT_PEER_CONNECTION_STATE_CONNECTING);
        break;
      case WEFT_ICE_STATE_CONNECTED:
        maybe_start_dtls (self);
        break;
      case WEFT_ICE_STATE_FAILED:
        {
          g_autoptr (GError) error =
            g_error_new (WEFT_ERROR, WEFT_ERROR_UNAVAILABLE,
                         _ ("ICE failed: no candidate pair reached the peer"));

          fail (self, error);
        }
        break;
      case WEFT_ICE_STATE_NEW:
      case WEFT_ICE_STATE_CLOSED:
      default:
        break;
    }
}

static void
ice_candidate_cb (WeftIceTransport *ice, const char *candidate, gpointer user_data)
{
  WeftPeerConnection *self = user_data;

  if (self->local_sdp != NULL)
    weft_sdp_add_candidate (self->local_sdp, candidate, NULL);
  g_signal_emit (self, signals[SIGNAL_LOCAL_CANDIDATE], 0, candidate, self->mid, self->mline_index);
}

static void
ice_gathering_done_cb (WeftIceTransport *ice, gpointer user_data)
{
  WeftPeerConnection *self = user_data;

  if (self->local_sdp != NULL)
    weft_sdp_set_end_of_candidates (self->local_sdp, TRUE);
  g_signal_emit (self, signals[SIGNAL_LOCAL_CANDIDATE], 0, NULL, self->mid, self->mline_index);
}

static gboolean
ensure_ice (WeftPeerConnection *self, gboolean controlling, GError **error)
{
  if (self->ice != NULL)
    return TRUE;
  self->ice = weft_ice_transport_new (controlling, error);
  if (self->ice == NULL)
    return FALSE;
  for (guint i = 0; i < self->local_addresses->len; i++)
    if (!weft_ice_transport_add_local_address (self->ice,
                                               g_ptr_array_index (self->local_addresses, i), error))
      return FALSE;
  if (self->ice_servers != NULL &&
      !weft_ice_transport_set_ice_servers (self->ice, self->ice_servers, error))
    return FALSE;
  weft_ice_transport_set_receive_func (self->ice, ice_to_dtls, self);
  g_signal_connect_object (self->ice, "state-changed", G_CALLBACK (ice_state_cb), self, 0);
  g_signal_connect_object (self->ice, "local-candidate", G_CALLBACK (ice_candidate_cb), self, 0);
  g_signal_connect_object (self->ice, "gathering-done", G_CALLBACK (ice_gathering_done_cb), self,
                           0);
  return TRUE;
}

static gboolean
ensure_dtls (WeftPeerConnection *self, GError **error)
{
  if (self->dtls != NULL)
    return TRUE;
  self->dtls = weft_dtls_transport_new (self->certificate, self->dtls_client, error);
  if (self->dtls == NULL)
    return FALSE;
  weft_dtls_transport_set_remote_fingerprint (self->dtls, self->remote_fingerprint);
  weft_dtls_transport_set_send_func (self->dtls, dtls_to_ice, self);
  g_signal_connect_object (self->dtls, "state-changed", G_CALLBACK (dtls_state_cb), self, 0);
  return TRUE;
}

/* ---- GObject ---- */

static void
weft_peer_connection_dispose (GObject *object)
{
  WeftPeerConnection *self = WEFT_PEER_CONNECTION (object);

  weft_peer_connection_close (self);
  G_OBJECT_CLASS (weft_peer_connection_parent_class)->dispose (object);
}

static void
weft_peer_connection_finalize (GObject *object)
{
  WeftPeerConnection *self = WEFT_PEER_CONNECTION (object);

  g_clear_object (&self->certificate);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_error (&self->error);
  g_ptr_array_unref (self->local_addresses);
  g_clear_pointer (&self->ice_servers, json_node_unref);
  g_clear_object (&self->local_sdp);
  g_clear_object (&self->remote_sdp);
  g_free (self->mid);
  g_free (self->remote_ufrag);
  g_free (self->remote_fingerprint);
  g_ptr_array_unref (self->pending_candidates);
  g_hash_table_unref (self->channels);
  g_ptr_array_unref (self->pending);
  G_OBJECT_CLASS (weft_peer_connection_parent_class)->finalize (object);
}

static void
weft_peer_connection_class_init (WeftPeerConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GType type = G_TYPE_FROM_CLASS (klass);

  object_class->dispose = weft_peer_connection_dispose;
  object_class->finalize = weft_peer_connection_finalize;

  /* local-candidate (const char *candidate, const char *sdp_mid, gint sdp_mline_index):
   * the candidate in browser form ("candidate:..."), or NULL once gathering is done */
  signals[SIGNAL_LOCAL_CANDIDATE] =
    g_signal_new ("local-candidate", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_INT);
  /* state-changed (guint state): a WeftPeerConnectionState */
  signals[SIGNAL_STATE_CHANGED] = g_signal_new ("state-changed", type, G_SIGNAL_RUN_LAST, 0, NULL,
                                                NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  /* data-channel (WeftDataChannel *channel): the peer opened a channel; "open" follows */
  signals[SIGNAL_DATA_CHANNEL] = g_signal_new ("data-channel", type, G_SIGNAL_RUN_LAST, 0, NULL,
                                               NULL, NULL, G_TYPE_NONE, 1, WEFT_TYPE_DATA_CHANNEL);
}

static void
weft_peer_connection_init (WeftPeerConnection *self)
{
  self->local_addresses = g_ptr_array_new_with_free_func (g_free);
  self->pending_candidates = g_ptr_array_new_with_free_func (g_free);
  self->channels = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  self->pending = g_ptr_array_new_with_free_func (g_object_unref);
  self->max_message_size = WEFT_SDP_LOCAL_MAX_MESSAGE_SIZE;
  self->remote_max_message_size = WEFT_SDP_DEFAULT_MAX_MESSAGE_SIZE;
  self->remote_sctp_port = WEFT_SDP_DEFAULT_SCTP_PORT;
  self->mid = g_strdup ("0");
  self->session_version = 1;
}

WeftPeerConnection *
weft_peer_connection_new (GError **error)
{
  g_autoptr (WeftPeerConnection) self = g_object_new (WEFT_TYPE_PEER_CONNECTION, NULL);

  self->context = g_main_context_ref_thread_default ();
  self->certificate = weft_certificate_get_default (error);
  if (self->certificate == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

gboolean
weft_peer_connection_set_ice_servers (WeftPeerConnection *self, JsonNode *config, GError **error)
{
  g_return_val_if_fail (WEFT_IS_PEER_CONNECTION (self), FALSE);
  g_clear_pointer (&self->ice_servers, json_node_unref);
  self->ice_servers = config != NULL ? json_node_copy (config) : NULL;
  if (self->ice != NULL && config != NULL)
    return weft_ice_transport_set_ice_servers (self->ice, config, error);
  return TRUE;
}

/* restricts ICE to the given local address (127.0.0.1 in tests) */
void
weft_peer_connection_add_local_address (WeftPeerConnection *self, const char *address)
{
  g_return_if_fail (WEFT_IS_PEER_CONNECTION (self));
  g_ptr_array_add (self->local_addresses, g_strdup (address));
}

/* binds ICE to local ports in [min_port, max_port], e.g. so that a test
 * relay knows where to forward */
void
weft_peer_connection_set_port_range (WeftPeerConnection *self, guint min_port, guint max_port)
{
  g_return_if_fail (WEFT_IS_PEER_CONNECTION (self));
  self->min_port = min_port;
  self->max_port = max_port;
}

/* the largest message we accept, announced as a=max-message-size; 0: unlimited */
void
weft_peer_connection_set_max_message_size (WeftPeerConnection *self, gsize max_message_size)
{
  g_return_if_fail (WEFT_IS_PEER_CONNECTION (self));
  self->max_message_size = max_message_size;
}

/*
 * weft_peer_connection_set_large_packets:
 *
 * When the selected ICE pair turns out to be loopback on both ends, send
 * SCTP packets of up to 16000 bytes instead of 1200: far fewer packets for
 * the same data. Only for peers known to accept such datagrams (other Weft
 * peers); browsers are never offered it.
 */
void
weft_peer_connection_set_large_packets (WeftPeerConnection *self, gboolean large)
{
  g_return_if_fail (WEFT_IS_PEER_CONNECTION (self));
  self->large_packets = large;
}

/* offer the draft form (DTLS/SCTP + a=sctpmap) older peers expect */
void
weft_peer_connection_set_legacy_sdp (WeftPeerConnection *self, gboolean legacy)
{
  g_return_if_fail (WEFT_IS_PEER_CONNECTION (self));
  self->legacy_sdp = legacy;
}

static char *
fingerprint_hex (WeftPeerConnection *self)
{
  const char *fp = weft_certificate_get_fingerprint (self->certificate);

  /* "sha-256 AB:..." */
  return g_strdup (strchr (fp, ' ') + 1);
}

/* the SDP writer has no switch for the draft form of an offer, so rewrite
 * the two lines that differ */
static char *
to_legacy (const char *sdp, guint port)
{
  g_auto (GStrv) lines = g_strsplit (sdp, "\r\n", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];

      if (line[0] == '\0' && lines[i + 1] == NULL)
        break;
      if (g_str_has_prefix (line, "m=application ") &&
          g_str_has_suffix (line, " webrtc-datachannel"))
        {
          guint64 media_port = g_ascii_strtoull (line + strlen ("m=application "), NULL, 10);

          g_string_append_printf (out, "m=application %" G_GUINT64_FORMAT " DTLS/SCTP %u\r\n",
                                  media_port, port);
        }
      else if (g_str_has_prefix (line, "a=sctp-port:"))
        g_string_append_printf (out, "a=sctpmap:%u webrtc-datachannel %u\r\n", port,
                                WEFT_SDP_LEGACY_SCTP_STREAMS);
      else
        g_string_append_printf (out, "%s\r\n", line);
    }
  return g_string_free (out, FALSE);
}

/* a new description after an ICE restart repeats what was gathered */
static void
add_known_candidates (WeftPeerConnection *self)
{
  g_autoptr (GPtrArray) known = weft_ice_transport_get_local_candidates (self->ice);

  for (guint i = 0; i < known->len; i++)
    weft_sdp_add_candidate (self->local_sdp, g_ptr_array_index (known, i), NULL);
  if (weft_ice_transport_is_gathering_done (self->ice))
    weft_sdp_set_end_of_candidates (self->local_sdp, TRUE);
}

static char *
local_sdp_to_string (WeftPeerConnection *self)
{
  g_autofree char *text = weft_sdp_to_string (self->local_sdp);

  if (self->offerer && self->legacy_sdp)
    return to_legacy (text, WEFT_SDP_DEFAULT_SCTP_PORT);
  return g_steal_pointer (&text);
}

/*
 * weft_peer_connection_create_offer:
 *
 * Creates the offer (and makes it the local description); gathering starts
 * and candidates follow through "local-candidate". Called again after
 * weft_peer_connection_restart_ice() it offers the new ICE credentials.
 *
 * Returns: (transfer full): the SDP text
 */
char *
weft_peer_connection_create_offer (WeftPeerConnection *self, GError **error)
{
  g_autofree char *ufrag = NULL;
  g_autofree char *pwd = NULL;
  g_autofree char *fp = NULL;

  g_return_val_if_fail (WEFT_IS_PEER_CONNECTION (self), NULL);

  if (self->state == WEFT_PEER_CONNECTION_STATE_CLOSED)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE,
                   _ ("The peer connection is closed"));
      return NULL;
    }
  if (self->ice != NULL && !self->offerer)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE,
                   _ ("This side answered; only the offerer makes new offers"));
      return NULL;
    }
  self->offerer = TRUE;
  if (!ensure_ice (self, TRUE, error))
    return NULL;
  weft_ice_transport_get_local_credentials (self->ice, &ufrag, &pwd);
  fp = fingerprint_hex (self);
  g_clear_object (&self->local_sdp);
  self->local_sdp = weft_sdp_new_offer (ufrag, pwd, "sha-256", fp);
  weft_sdp_set_session (self->local_sdp, g_random_int () & 0x7fffffff, self->session_version++);
  weft_sdp_set_max_message_size (self->local_sdp, self->max_message_size);
  g_free (self->mid);
  self->mid = g_strdup ("0");
  self->mline_index = 0;
  add_known_candidates (self);
  weft_ice_transport_gather (self->ice);
  return local_sdp_to_string (self);
}

/*
 * weft_peer_connection_create_answer:
 *
 * Answers the remote offer set before, as the DTLS client (a=setup:active)
 * unless the offer was active.
 *
 * Returns: (transfer full): the SDP text
 */
char *
weft_peer_connection_create_answer (WeftPeerConnection *self, GError **error)
{
  g_autofree char *ufrag = NULL;
  g_autofree char *pwd = NULL;
  g_autofree char *fp = NULL;

  g_return_val_if_fail (WEFT_IS_PEER_CONNECTION (self), NULL);

  if (self->offerer || self->remote_sdp == NULL || self->ice == NULL)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE,
                   _ ("An answer needs a remote offer first"));
      return NULL;
    }
  weft_ice_transport_get_local_credentials (self->ice, &ufrag, &pwd);
  fp = fingerprint_hex (self);
  g_clear_object (&self->local_sdp);
  self->local_sdp =
    weft_sdp_new_answer (self->remote_sdp, ufrag, pwd, "sha-256", fp,
                         self->dtls_client ? WEFT_SDP_SETUP_ACTIVE : WEFT_SDP_SETUP_PASSIVE, error);
  if (self->local_sdp == NULL)
    return NULL;
  weft_sdp_set_session (self->local_sdp, g_random_int () & 0x7fffffff, self->session_version++);
  weft_sdp_set_max_message_size (self->local_sdp, self->max_message_size);
  add_known_candidates (self);
  weft_ice_transport_gather (self->ice);
  return local_sdp_to_string (self);
}

/*
 * weft_peer_connection_get_local_description:
 *
 * Returns: (transfer full) (nullable): the local description with the
 *   candidates gathered so far, for peers that do not trickle
 */
char *
weft_peer_connection_get_local_description (WeftPeerConnection *self)
{
  g_return_val_if_fail (WEFT_IS_PEER_CONNECTION (self), NULL);
  return self->local_sdp != NULL ? local_sdp_to_string (self) : NULL;
}

static gboolean
add_candidate_now (WeftPeerConnection *self, const char *candidate, GError **error)
{
  return weft_ice_transport_add_remote_candidate (self->ice, candidate, error);
}

/*
 * weft_peer_connection_set_remote_description:
 *
 * Applies the peer's offer or answer: ICE credentials and candidates, the
 * DTLS role and fingerprint, the SCTP port and max-message-size.
 */
gboolean
weft_peer_connection_set_remote_description (WeftPeerConnection *self,
                                             WeftSdpType type,
                                             const char *sdp,
                                             GError **error)
{
  g_autoptr (WeftSdp) remote = NULL;
  g_autoptr (GPtrArray) queued = NULL;
  const char *alg;
  const char *ufrag;
  gboolean client = FALSE;
  gboolean restart;
  GPtrArray *candidates;
  guint64 max;

  g_return_val_if_fail (WEFT_IS_PEER_CONNECTION (self), FALSE);
  g_return_val_if_fail (sdp != NULL, FALSE);

  if (self->state == WEFT_PEER_CONNECTION_STATE_CLOSED)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE,
                   _ ("The peer connection is closed"));
      return FALSE;
    }
  if ((type == WEFT_SDP_TYPE_ANSWER) != self->offerer)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE,
                   type == WEFT_SDP_TYPE_ANSWER
                     ? _ ("Got an SDP answer without having made an offer")
                     : _ ("Got an SDP offer after making one; "
                          "this side is the offerer"));
      return FALSE;
    }
  remote = weft_sdp_new_from_string (sdp, error);
  if (remote == NULL)
    return FALSE;
  alg = weft_sdp_get_fingerprint_algorithm (remote);
  ufrag = weft_sdp_get_ice_ufrag (remote);
  if (alg == NULL || g_ascii_strcasecmp (alg, "sha-256") != 0 ||
      weft_sdp_get_fingerprint (remote) == NULL)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_NOT_SUPPORTED,
                   _ ("The remote description has no sha-256 fingerprint; Weft needs one to "
                      "authenticate the peer"));
      return FALSE;
    }
  if (!weft_sdp_negotiate_dtls_client (remote, type, &client, error))
    return FALSE;

  restart = self->have_remote && g_strcmp0 (self->remote_ufrag, ufrag) != 0;
  if (self->have_remote && !restart)
    {
      /* a repeated description changes nothing we implement */
      g_set_object (&self->remote_sdp, remote);
      return TRUE;
    }
  if (restart && self->dtls != NULL &&
      (client != self->dtls_client || g_strcmp0 (self->remote_fingerprint, "") == 0))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_NOT_SUPPORTED,
                   _ ("The new remote description changes the DTLS role; Weft only renegotiates "
                      "ICE credentials"));
      return FALSE;
    }

  if (!self->offerer && !ensure_ice (self, FALSE, error))
    return FALSE;
  if (restart && !self->offerer && !weft_ice_transport_restart (self->ice, error))
    return FALSE;
  if (!weft_ice_transport_set_remote_credentials (self->ice, ufrag, weft_sdp_get_ice_pwd (remote),
                                                  error))
    return FALSE;
  g_free (self->remote_ufrag);
  self->remote_ufrag = g_strdup (ufrag);
  g_set_object (&self->remote_sdp, remote);

  if (!self->have_remote)
    {
      g_free (self->remote_fingerprint);
      self->remote_fingerprint = g_strdup_printf ("sha-256 %s", weft_sdp_get_fingerprint (remote));
      self->dtls_client = client;
      self->remote_sctp_port = weft_sdp_get_sctp_port (remote);
      max = weft_sdp_get_max_message_size (remote);
      self->remote_max_message_size = max > G_MAXSIZE ? G_MAXSIZE : (gsize) max;
      if (!self->offerer)
        {
          g_free (self->mid);
          self->mid =
            g_strdup (weft_sdp_get_mid (remote) != NULL ? weft_sdp_get_mid (remote) : "0");
          self->mline_index = (gint) weft_sdp_get_mline_index (remote);
        }
      if (!ensure_dtls (self, error))
        return FALSE;
      self->have_remote = TRUE;
    }

  candidates = weft_sdp_get_candidates (remote);
  for (guint i = 0; candidates != NULL && i < candidates->len; i++)
    {
      g_autoptr (GError) local_error = NULL;

      if (!add_candidate_now (self, g_ptr_array_index (candidates, i), &local_error))
        g_message ("ignoring remote candidate: %s", local_error->message);
    }
  queued = g_steal_pointer (&self->pending_candidates);
  self->pending_candidates = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < queued->len; i++)
    {
      g_autoptr (GError) local_error = NULL;

      if (!add_candidate_now (self, g_ptr_array_index (queued, i), &local_error))
        g_message ("ignoring remote candidate: %s", local_error->message);
    }
  if (weft_sdp_get_end_of_candidates (remote) || self->pending_end_of_candidates)
    weft_ice_transport_set_remote_gathering_done (self->ice);
  self->pending_end_of_candidates = FALSE;
  if (self->state == WEFT_PEER_CONNECTION_STATE_NEW)
    set_state (self, WEFT_PEER_CONNECTION_STATE_CONNECTING);
  maybe_start_dtls (self);
  return TRUE;
}

/*
 * weft_peer_connection_add_remote_candidate:
 * @candidate: (nullable): browser form, with or without "a="; NULL or ""
 *   means the peer finished gathering
 *
 * Candidates that arrive before the remote description are kept until it
 * is set.
 */
gboolean
weft_peer_connection_add_remote_candidate (WeftPeerConnection *self,
                                           const char *candidate,
                                           const char *sdp_mid,
                                           gint sdp_mline_index,
                                           GError **error)
{
  g_return_val_if_fail (WEFT_IS_PEER_CONNECTION (self), FALSE);

  if (candidate == NULL || candidate[0] == '\0')
    {
      weft_peer_connection_set_remote_end_of_candidates (self);
      return TRUE;
    }
  if (sdp_mid != NULL && self->have_remote && g_strcmp0 (sdp_mid, self->mid) != 0)
    {
      g_debug ("ignoring a candidate for mid %s", sdp_mid);
      return TRUE;
    }
  if (!self->have_remote)
    {
      g_ptr_array_add (self->pending_candidates, g_strdup (candidate));
      return TRUE;
    }
  return add_candidate_now (self, candidate, error);
}

void
weft_peer_connection_set_remote_end_of_candidates (WeftPeerConnection *self)
{
  g_return_if_fail (WEFT_IS_PEER_CONNECTION (self));
  if (!self->have_remote || self->ice == NULL)
    self->pending_end_of_candidates = TRUE;
  else
    weft_ice_transport_set_remote_gathering_done (self->ice);
}

/* new ICE credentials on this (offering) side; send a new offer next */
gboolean
weft_peer_connection_restart_ice (WeftPeerConnection *self, GError **error)
{
  g_return_val_if_fail (WEFT_IS_PEER_CONNECTION (self), FALSE);
  if (self->ice == NULL || !self->offerer)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE,
                   _ ("Only the offering side of an established negotiation restarts ICE"));
      return FALSE;
    }
  return weft_ice_transport_restart (self->ice, error);
}

static gboolean
attach_idle_cb (gpointer user_data)
{
  WeftPeerConnection *self = user_data;

  g_clear_pointer (&self->attach_source, g_source_unref);
  if (self->sctp != NULL &&
      weft_sctp_association_get_state (self->sctp) == WEFT_SCTP_STATE_CONNECTED)
    attach_pending (self);
  return G_SOURCE_REMOVE;
}

/*
 * weft_peer_connection_create_data_channel:
 *
 * Returns: (transfer full): the channel; it opens ("open") once the
 *   association is up
 */
WeftDataChannel *
weft_peer_connection_create_data_channel (WeftPeerConnection *self,
                                          const char *label,
                                          const WeftDataChannelOptions *options,
                                          GError **error)
{
  g_autoptr (WeftDataChannel) channel = NULL;

  g_return_val_if_fail (WEFT_IS_PEER_CONNECTION (self), NULL);

  if (self->state == WEFT_PEER_CONNECTION_STATE_CLOSED ||
      self->state == WEFT_PEER_CONNECTION_STATE_FAILED)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE,
                   _ ("The peer connection is closed"));
      return NULL;
    }
  if (options != NULL && options->max_retransmits >= 0 && options->max_packet_lifetime >= 0)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("A data channel takes max-retransmits or max-packet-lifetime, not both"));
      return NULL;
    }
  if (options != NULL && options->negotiated &&
      (options->id < 0 || options->id >= WEFT_SCTP_MAX_STREAMS))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("A negotiated data channel needs an id from 0 to %d"),
                   WEFT_SCTP_MAX_STREAMS - 1);
      return NULL;
    }
  if (options != NULL && options->id >= 0 &&
      (options->id >= WEFT_SCTP_MAX_STREAMS ||
       g_hash_table_contains (self->channels, GINT_TO_POINTER (options->id))))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_ALREADY_EXISTS,
                   _ ("Data channel id %d is in use or out of range"), options->id);
      return NULL;
    }
  if (label != NULL && strlen (label) > G_MAXUINT16)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_TOO_LARGE,
                   _ ("A data channel label holds at most 65535 bytes"));
      return NULL;
    }
  channel = weft_data_channel_new_local (label, options);
  track_channel (self, channel);
  g_ptr_array_add (self->pending, g_object_ref (channel));
  /* "open" must not fire before the caller can connect to it */
  if (self->sctp != NULL &&
      weft_sctp_association_get_state (self->sctp) == WEFT_SCTP_STATE_CONNECTED &&
      self->attach_source == NULL)
    {
      self->attach_source = g_idle_source_new ();
      g_source_set_priority (self->attach_source, G_PRIORITY_HIGH);
      g_source_set_callback (self->attach_source, attach_idle_cb, self, NULL);
      g_source_set_static_name (self->attach_source, "weft-attach-channels");
      g_source_attach (self->attach_source, self->context);
    }
  return g_steal_pointer (&channel);
}

/*
 * weft_peer_connection_close:
 *
 * Tears down in order: channels, the SCTP association (abort), DTLS
 * (close_notify), then ICE (asynchronous close that releases TURN).
 */
void
weft_peer_connection_close (WeftPeerConnection *self)
{
  g_autoptr (WeftSctpAssociation) sctp = NULL;
  g_autoptr (WeftDtlsTransport) dtls = NULL;
  g_autoptr (WeftIceTransport) ice = NULL;

  g_return_if_fail (WEFT_IS_PEER_CONNECTION (self));
  if (self->state == WEFT_PEER_CONNECTION_STATE_CLOSED && self->ice == NULL)
    return;

  g_object_ref (self);
  if (self->attach_source != NULL)
    {
      g_source_destroy (self->attach_source);
      g_clear_pointer (&self->attach_source, g_source_unref);
    }
  close_all_channels (self);
  sctp = g_steal_pointer (&self->sctp);
  if (sctp != NULL)
    {
      g_signal_handlers_disconnect_by_data (sctp, self);
      /* the abort still travels through DTLS */
      self->sctp = sctp;
      weft_sctp_association_close (sctp);
      self->sctp = NULL;
      weft_sctp_association_set_output_func (sctp, NULL, NULL);
      weft_sctp_association_set_burst_func (sctp, NULL, NULL);
    }
  dtls = g_steal_pointer (&self->dtls);
  if (dtls != NULL)
    {
      g_signal_handlers_disconnect_by_data (dtls, self);
      self->dtls = dtls;
      weft_dtls_transport_close (dtls);
      self->dtls = NULL;
      weft_dtls_transport_set_send_func (dtls, NULL, NULL);
      weft_dtls_transport_set_receive_func (dtls, NULL, NULL);
    }
  ice = g_steal_pointer (&self->ice);
  if (ice != NULL)
    {
      g_signal_handlers_disconnect_by_data (ice, self);
      weft_ice_transport_close (ice);
    }
  set_state (self, WEFT_PEER_CONNECTION_STATE_CLOSED);
  g_object_unref (self);
}

WeftPeerConnectionState
weft_peer_connection_get_state (WeftPeerConnection *self)
{
  g_return_val_if_fail (WEFT_IS_PEER_CONNECTION (self), WEFT_PEER_CONNECTION_STATE_CLOSED);
  return self->state;
}

const GError *
weft_peer_connection_get_error (WeftPeerConnection *self)
{
  g_return_val_if_fail (WEFT_IS_PEER_CONNECTION (self), NULL);
  return self->error;
}

gboolean
weft_peer_connection_is_dtls_client (WeftPeerConnection *self)
{
  g_return_val_if_fail (WEFT_IS_PEER_CONNECTION (self), FALSE);
  return self->dtls_client;
}

gsize
weft_peer_connection_get_remote_max_message_size (WeftPeerConnection *self)
{
  g_return_val_if_fail (WEFT_IS_PEER_CONNECTION (self), 0);
  return self->remote_max_message_size;
}
