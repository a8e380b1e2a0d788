/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "weft-error.h"
#include "weft-mesh-private.h"
#include "weft-peer-connection.h"

/* the direct path's connections. every remote signaling peer id gets at most
 * one link; a link holds one peer connection (replaced on glare, reconnect or
 * a fresh offer from a restarted peer) and the `mesh` channel on it.
 *
 * negotiation follows the chatixia sidecar: the offerer creates the channel
 * before the offer, both sides trickle candidates as `ice_candidate` frames,
 * the answerer accepts whatever channel arrives. glare (both sides offering
 * at once) is settled by the peer ids: the lexically smaller id keeps its
 * offer, the other side drops its own and answers. */

#define MESH_LABEL "mesh"
/* how long an existing peer waits for a newcomer's offer before offering
 * itself (full mesh); the newcomer offers at once after peer_list */
#define JOIN_OFFER_DELAY_MS 300
#define MAX_RECONNECTS      3

enum
{
  SIGNAL_MESSAGE,
  SIGNAL_PEER_CONNECTED,
  SIGNAL_PEER_DISCONNECTED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

typedef struct
{
  gchar *candidate; /* (owned) */
  gchar *mid;       /* (owned) (nullable) */
  gint mline;
} EarlyCandidate;

typedef struct
{
  WeftMesh *mesh;           /* (unowned) */
  gchar *peer_id;           /* (owned) */
  WeftPeerConnection *pc;   /* (owned) (nullable) */
  WeftDataChannel *channel; /* (owned) (nullable) */
  GPtrArray *early;         /* (owned) (element-type EarlyCandidate) before any offer */
  GPtrArray *waiters;       /* (owned) (element-type GTask) ensure_channel calls */
  gboolean offerer;
  gboolean have_remote;
  gboolean remote_is_weft;
  gboolean open;
  gint64 created_at; /* monotonic, of the current connection */
  gint64 opened_at;
  gint64 last_activity;
  gint64 setup_us; /* offer to open, of the current connection */
  guint holds;
  guint idle_id;
  guint offer_delay_id;
  guint reconnect_id;
  guint reconnects;
  guint64 messages_in;
  guint64 messages_out;
} MeshLink;

typedef struct
{
  MeshLink *link; /* (unowned) */
  guint timeout_id;
  gulong cancel_id;
  guint budget_ms;
} Waiter;

struct _WeftMesh
{
  GObject parent_instance;

  WeftSignaling *signaling;   /* (owned) */
  WeftRegistryClient *client; /* (owned) */
  GHashTable *links;          /* (owned) (element-type utf8 MeshLink) by peer id */
  GHashTable *online;         /* (owned) (element-type utf8) peer ids on signaling */
  GPtrArray *local_addresses; /* (owned) (element-type utf8) */
  JsonNode *ice_config;       /* (owned) (nullable) */
  gboolean ice_config_fixed;
  GCancellable *cancellable; /* (owned) (nullable) while started */
  WeftConnectMode mode;
  guint idle_timeout_ms;
  guint open_budget_ms;
  gboolean started;
  guint connections_made;
};

G_DEFINE_TYPE (WeftMesh, weft_mesh, G_TYPE_OBJECT)

static void
link_start_offer (MeshLink *link, gboolean ice_restart);
static void
link_arm_idle (MeshLink *link);

static void
early_candidate_free (gpointer data)
{
  EarlyCandidate *c = data;

  g_free (c->candidate);
  g_free (c->mid);
  g_free (c);
}

static const gchar *
local_id (WeftMesh *self)
{
  const gchar *id = weft_signaling_get_peer_id (self->signaling);

  return id != NULL ? id : "";
}

/* ---- waiters ---- */

static void
waiter_free (gpointer data)
{
  Waiter *w = data;

  g_clear_handle_id (&w->timeout_id, g_source_remove);
  g_free (w);
}

static void
waiter_detach (GTask *task)
{
  Waiter *w = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  g_clear_handle_id (&w->timeout_id, g_source_remove);
  if (w->cancel_id != 0 && cancellable != NULL)
    g_cancellable_disconnect (cancellable, w->cancel_id);
  w->cancel_id = 0;
  w->link = NULL;
}

/* completes every waiter of @link: success when @error is NULL */
static void
link_complete_waiters (MeshLink *link, const GError *error)
{
  g_autoptr (GPtrArray) waiters = g_steal_pointer (&link->waiters);

  link->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < waiters->len; i++)
    {
      GTask *task = g_ptr_array_index (waiters, i);

      waiter_detach (task);
      if (error == NULL)
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, g_error_copy (error));
    }
}

/* ---- links ---- */

static void
link_free (gpointer data)
{
  MeshLink *link = data;

  g_assert (link->pc == NULL);
  g_clear_handle_id (&link->idle_id, g_source_remove);
  g_clear_handle_id (&link->offer_delay_id, g_source_remove);
  g_clear_handle_id (&link->reconnect_id, g_source_remove);
  if (link->waiters->len > 0)
    {
      g_autoptr (GError) error =
        g_error_new (WEFT_ERROR, WEFT_ERROR_CANCELLED, _ ("The mesh was stopped"));
      link_complete_waiters (link, error);
    }
  g_ptr_array_unref (link->waiters);
  g_ptr_array_unref (link->early);
  g_free (link->peer_id);
  g_free (link);
}

static MeshLink *
link_lookup (WeftMesh *self, const gchar *peer_id)
{
  return g_hash_table_lookup (self->links, peer_id);
}

static MeshLink *
link_ensure (WeftMesh *self, const gchar *peer_id)
{
  MeshLink *link = link_lookup (self, peer_id);

  if (link != NULL)
    return link;
  link = g_new0 (MeshLink, 1);
  link->mesh = self;
  link->peer_id = g_strdup (peer_id);
  link->early = g_ptr_array_new_with_free_func (early_candidate_free);
  link->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  g_hash_table_insert (self->links, link->peer_id, link);
  return link;
}

static gboolean
unref_later_cb (gpointer data)
{
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  WeftMesh *mesh; /* (owned) */
  gchar *peer_id; /* (owned) */
} Disconnect;

static void
disconnect_free (gpointer data)
{
  Disconnect *d = data;

  g_object_unref (d->mesh);
  g_free (d->peer_id);
  g_free (d);
}

static gboolean
emit_disconnected_cb (gpointer data)
{
  Disconnect *d = data;

  g_signal_emit (d->mesh, signals[SIGNAL_PEER_DISCONNECTED], 0, d->peer_id);
  return G_SOURCE_REMOVE;
}

/* closes the link's connection; the objects are released from the main loop
 * because this may run inside one of their own signal emissions */
static void
link_drop_pc (MeshLink *link)
{
  gboolean was_open = link->open;

  g_clear_handle_id (&link->idle_id, g_source_remove);
  link->open = FALSE;
  link->have_remote = FALSE;
  if (link->channel != NULL)
    {
      g_signal_handlers_disconnect_by_data (link->channel, link);
      weft_data_channel_close (link->channel);
      g_idle_add (unref_later_cb, g_steal_pointer (&link->channel));
    }
  if (link->pc != NULL)
    {
      g_signal_handlers_disconnect_by_data (link->pc, link);
      weft_peer_connection_close (link->pc);
      g_idle_add (unref_later_cb, g_steal_pointer (&link->pc));
    }
  if (was_open)
    {
      Disconnect *d = g_new0 (Disconnect, 1);

      g_message ("mesh: channel to %s closed", link->peer_id);
      /* from the loop: handlers may open a new connection to the peer,
       * which must not happen while this link is being taken apart */
      d->mesh = g_object_ref (link->mesh);
      d->peer_id = g_strdup (link->peer_id);
      g_idle_add_full (G_PRIORITY_HIGH, emit_disconnected_cb, d, disconnect_free);
    }
}

static void
link_remove (MeshLink *link)
{
  g_hash_table_steal (link->mesh->links, link->peer_id);
  link_drop_pc (link);
  link_free (link);
}

static void
send_frame (MeshLink *link, const gchar *type, JsonNode *payload)
{
  g_autoptr (GError) error = NULL;

  if (!weft_signaling_send (link->mesh->signaling, type, link->peer_id, payload, &error))
    g_debug ("mesh: cannot send %s to %s: %s", type, link->peer_id, error->message);
}

static JsonNode *
sdp_payload (const gchar *type, const gchar *sdp, gboolean ice_restart)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
  json_builder_set_member_name (b, "sdp");
  json_builder_add_string_value (b, sdp);
  /* tells another Weft peer it may use Weft-only options (end-of-candidates
   * frames, large loopback packets); chatixia peers ignore it */
  json_builder_set_member_name (b, "weft");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "ice_restart");
  json_builder_add_boolean_value (b, ice_restart);
  json_builder_end_object (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
local_candidate_cb (WeftPeerConnection *pc,
                    const char *candidate,
                    const char *mid,
                    gint mline,
                    gpointer user_data)
{
  MeshLink *link = user_data;
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (JsonNode) payload = NULL;

  /* chatixia peers never see an end-of-candidates frame: they send none
   * and webrtc-rs rejects an empty candidate */
  if (candidate == NULL && !link->remote_is_weft)
    return;
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "candidate");
  json_builder_add_string_value (b, candidate != NULL ? candidate : "");
  json_builder_set_member_name (b, "sdpMid");
  json_builder_add_string_value (b, mid != NULL ? mid : "0");
  json_builder_set_member_name (b, "sdpMLineIndex");
  json_builder_add_int_value (b, mline);
  json_builder_end_object (b);
  payload = json_builder_get_root (b);
  send_frame (link, "ice_candidate", payload);
}

static void
link_broken (MeshLink *link, const gchar *why)
{
  WeftMesh *self = link->mesh;
  gboolean retry;

  if (link->pc == NULL)
    return;
  g_debug ("mesh: connection to %s ended: %s", link->peer_id, why);
  link_drop_pc (link);

  retry = link->reconnects < MAX_RECONNECTS && self->started &&
          g_hash_table_contains (self->online, link->peer_id) &&
          (link->waiters->len > 0 || (self->mode == WEFT_CONNECT_MODE_FULL_MESH &&
                                      g_strcmp0 (local_id (self), link->peer_id) < 0));
  if (retry)
    {
      link->reconnects++;
      g_message ("mesh: reconnecting to %s (%s)", link->peer_id, why);
      link_start_offer (link, FALSE);
      return;
    }
  if (link->waiters->len > 0)
    {
      g_autoptr (GError) error =
        g_error_new (WEFT_ERROR, WEFT_ERROR_UNAVAILABLE,
                     _ ("The connection to peer “%s” failed: %s"), link->peer_id, why);
      link_complete_waiters (link, error);
    }
  link_remove (link);
}

static gboolean
idle_check_cb (gpointer user_data)
{
  MeshLink *link = user_data;
  WeftMesh *self = link->mesh;
  gint64 idle_ms = (g_get_monotonic_time () - link->last_activity) / 1000;

  link->idle_id = 0;
  if (self->mode == WEFT_CONNECT_MODE_FULL_MESH || self->idle_timeout_ms == 0)
    return G_SOURCE_REMOVE;
  if (link->holds > 0 || idle_ms < self->idle_timeout_ms)
    {
      link_arm_idle (link);
      return G_SOURCE_REMOVE;
    }
  g_message ("mesh: closing the idle channel to %s after %u ms", link->peer_id,
             self->idle_timeout_ms);
  link_remove (link);
  return G_SOURCE_REMOVE;
}

static void
link_arm_idle (MeshLink *link)
{
  WeftMesh *self = link->mesh;
  gint64 due;

  g_clear_handle_id (&link->idle_id, g_source_remove);
  if (!link->open || self->mode == WEFT_CONNECT_MODE_FULL_MESH || self->idle_timeout_ms == 0)
    return;
  due = self->idle_timeout_ms - (g_get_monotonic_time () - link->last_activity) / 1000;
  link->idle_id = g_timeout_add ((guint) CLAMP (due, 1, G_MAXINT), idle_check_cb, link);
}

static void
channel_open_cb (WeftDataChannel *channel, gpointer user_data)
{
  MeshLink *link = user_data;
  WeftMesh *self = link->mesh;

  link->open = TRUE;
  link->reconnects = 0;
  link->opened_at = g_get_monotonic_time ();
  link->last_activity = link->opened_at;
  link->setup_us = link->opened_at - link->created_at;
  self->connections_made++;
  g_message ("mesh: channel to %s open (%s, %.1f ms)", link->peer_id,
             link->offerer ? "offered" : "answered", link->setup_us / 1000.0);
  link_arm_idle (link);
  link_complete_waiters (link, NULL);
  g_signal_emit (self, signals[SIGNAL_PEER_CONNECTED], 0, link->peer_id);
}

static void
channel_message_cb (WeftDataChannel *channel, GBytes *data, gboolean is_text, gpointer user_data)
{
  MeshLink *link = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftMessage) message = NULL;
  gsize len = 0;
  const gchar *text = g_bytes_get_data (data, &len);

  link->last_activity = g_get_monotonic_time ();
  link->messages_in++;
  message = weft_message_new_from_data_with_limit (text, (gssize) len,
                                                   WEFT_MESSAGE_DEFAULT_MAX_SIZE, &error);
  if (message == NULL)
    {
      g_message ("mesh: dropping a message from %s: %s", link->peer_id, error->message);
      return;
    }
  g_signal_emit (link->mesh, signals[SIGNAL_MESSAGE], 0, link->peer_id, message);
}

static void
channel_closed_cb (WeftDataChannel *channel, gpointer user_data)
{
  link_broken (user_data, "the channel closed");
}

static void
link_adopt_channel (MeshLink *link, WeftDataChannel *channel)
{
  g_set_object (&link->channel, channel);
  g_signal_connect (channel, "open", G_CALLBACK (channel_open_cb), link);
  g_signal_connect (channel, "message", G_CALLBACK (channel_message_cb), link);
  g_signal_connect (channel, "closed", G_CALLBACK (channel_closed_cb), link);
  if (weft_data_channel_get_state (channel) == WEFT_DATA_CHANNEL_STATE_OPEN)
    channel_open_cb (channel, link);
}

static void
data_channel_cb (WeftPeerConnection *pc, WeftDataChannel *channel, gpointer user_data)
{
  MeshLink *link = user_data;

  /* like the sidecar, take whatever the offerer opened; prefer `mesh` */
  if (link->channel != NULL &&
      g_strcmp0 (weft_data_channel_get_label (link->channel), MESH_LABEL) == 0)
    return;
  if (link->channel != NULL)
    g_signal_handlers_disconnect_by_data (link->channel, link);
  link_adopt_channel (link, channel);
}

static void
pc_state_cb (WeftPeerConnection *pc, guint state, gpointer user_data)
{
  MeshLink *link = user_data;

  if (state == WEFT_PEER_CONNECTION_STATE_FAILED)
    {
      const GError *error = weft_peer_connection_get_error (pc);

      link_broken (link, error != NULL ? error->message : "the connection failed");
    }
  else if (state == WEFT_PEER_CONNECTION_STATE_CLOSED)
    link_broken (link, "the peer closed the connection");
}

static gboolean
link_new_pc (MeshLink *link, GError **error)
{
  WeftMesh *self = link->mesh;
  g_autoptr (WeftPeerConnection) pc = weft_peer_connection_new (error);

  if (pc == NULL)
    return FALSE;
  for (guint i = 0; i < self->local_addresses->len; i++)
    weft_peer_connection_add_local_address (pc, g_ptr_array_index (self->local_addresses, i));
  weft_peer_connection_set_max_message_size (pc, WEFT_MESSAGE_DEFAULT_MAX_SIZE);
  if (self->ice_config != NULL &&
      !weft_peer_connection_set_ice_servers (pc, self->ice_config, error))
    return FALSE;
  g_signal_connect (pc, "local-candidate", G_CALLBACK (local_candidate_cb), link);
  g_signal_connect (pc, "state-changed", G_CALLBACK (pc_state_cb), link);
  g_signal_connect (pc, "data-channel", G_CALLBACK (data_channel_cb), link);
  link->pc = g_steal_pointer (&pc);
  link->created_at = g_get_monotonic_time ();
  link->last_activity = link->created_at;
  return TRUE;
}

static void
link_fail_now (MeshLink *link, const GError *error)
{
  g_message ("mesh: cannot connect to %s: %s", link->peer_id, error->message);
  link_drop_pc (link);
  link_complete_waiters (link, error);
  link_remove (link);
}

static void
link_start_offer (MeshLink *link, gboolean ice_restart)
{
  WeftDataChannelOptions options = WEFT_DATA_CHANNEL_OPTIONS_INIT;
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftDataChannel) channel = NULL;
  g_autoptr (JsonNode) payload = NULL;
  g_autofree gchar *sdp = NULL;

  g_clear_handle_id (&link->offer_delay_id, g_source_remove);
  g_clear_handle_id (&link->reconnect_id, g_source_remove);
  link_drop_pc (link);
  g_ptr_array_set_size (link->early, 0);
  link->offerer = TRUE;
  if (!link_new_pc (link, &error))
    {
      link_fail_now (link, error);
      return;
    }
  channel = weft_peer_connection_create_data_channel (link->pc, MESH_LABEL, &options, &error);
  if (channel == NULL)
    {
      link_fail_now (link, error);
      return;
    }
  link_adopt_channel (link, channel);
  sdp = weft_peer_connection_create_offer (link->pc, &error);
  if (sdp == NULL)
    {
      link_fail_now (link, error);
      return;
    }
  g_debug ("mesh: offering to %s", link->peer_id);
  payload = sdp_payload ("offer", sdp, ice_restart);
  send_frame (link, "offer", payload);
}

static gboolean
payload_is_weft (JsonNode *payload, gboolean *ice_restart)
{
  JsonObject *obj;
  JsonNode *weft;

  if (ice_restart != NULL)
    *ice_restart = FALSE;
  if (payload == NULL || !JSON_NODE_HOLDS_OBJECT (payload))
    return FALSE;
  obj = json_node_get_object (payload);
  weft = json_object_get_member (obj, "weft");
  if (weft == NULL || !JSON_NODE_HOLDS_OBJECT (weft))
    return FALSE;
  if (ice_restart != NULL)
    *ice_restart = json_object_get_boolean_member_with_default (json_node_get_object (weft),
                                                                "ice_restart", FALSE);
  return TRUE;
}

static const gchar *
payload_sdp (JsonNode *payload)
{
  if (payload == NULL || !JSON_NODE_HOLDS_OBJECT (payload))
    return NULL;
  return json_object_get_string_member_with_default (json_node_get_object (payload), "sdp", NULL);
}

static void
add_candidate (MeshLink *link, const gchar *candidate, const gchar *mid, gint mline)
{
  g_autoptr (GError) error = NULL;

  /* webrtc-rs (the chatixia sidecar) sends sdpMid "" with index 0: treat it
   * as "not given" so the index alone selects our only m-line */
  if (mid != NULL && mid[0] == '\0')
    mid = NULL;
  if (!weft_peer_connection_add_remote_candidate (link->pc, candidate, mid, mline, &error))
    g_debug ("mesh: ignoring a candidate from %s: %s", link->peer_id, error->message);
}

/* ---- signaling ---- */

static void
offer_cb (WeftSignaling *signaling, const gchar *from, JsonNode *payload, gpointer user_data)
{
  WeftMesh *self = user_data;
  MeshLink *link;
  const gchar *sdp = payload_sdp (payload);
  gboolean ice_restart = FALSE;
  gboolean is_weft = payload_is_weft (payload, &ice_restart);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) answer_payload = NULL;
  g_autofree gchar *answer = NULL;

  if (sdp == NULL || from == NULL || from[0] == '\0' || !self->started)
    return;
  g_hash_table_add (self->online, g_strdup (from));
  link = link_ensure (self, from);
  g_clear_handle_id (&link->offer_delay_id, g_source_remove);

  if (link->pc != NULL && link->offerer && !link->have_remote &&
      g_strcmp0 (local_id (self), from) < 0)
    {
      /* glare: both offered; the smaller id keeps its offer */
      g_debug ("mesh: glare with %s: keeping our offer", from);
      return;
    }
  if (link->pc != NULL && ice_restart && !link->offerer && link->have_remote)
    {
      /* the same session with new ICE credentials */
      if (!weft_peer_connection_set_remote_description (link->pc, WEFT_SDP_TYPE_OFFER, sdp,
                                                        &error) ||
          (answer = weft_peer_connection_create_answer (link->pc, &error)) == NULL)
        {
          link_broken (link, error->message);
          return;
        }
      answer_payload = sdp_payload ("answer", answer, TRUE);
      send_frame (link, "answer", answer_payload);
      return;
    }
  if (link->pc != NULL)
    g_debug ("mesh: %s sent a new offer; replacing our connection", from);

  /* answer on a fresh connection, as the sidecar does: this covers glare on
   * the larger id's side and a peer that restarted */
  link_drop_pc (link);
  link->offerer = FALSE;
  link->remote_is_weft = is_weft;
  if (!link_new_pc (link, &error))
    {
      link_fail_now (link, error);
      return;
    }
  if (is_weft)
    weft_peer_connection_set_large_packets (link->pc, TRUE);
  if (!weft_peer_connection_set_remote_description (link->pc, WEFT_SDP_TYPE_OFFER, sdp, &error))
    {
      g_message ("mesh: rejecting the offer from %s: %s", from, error->message);
      link_fail_now (link, error);
      return;
    }
  link->have_remote = TRUE;
  for (guint i = 0; i < link->early->len; i++)
    {
      EarlyCandidate *c = g_ptr_array_index (link->early, i);

      add_candidate (link, c->candidate, c->mid, c->mline);
    }
  g_ptr_array_set_size (link->early, 0);
  answer = weft_peer_connection_create_answer (link->pc, &error);
  if (answer == NULL)
    {
      link_fail_now (link, error);
      return;
    }
  answer_payload = sdp_payload ("answer", answer, FALSE);
  send_frame (link, "answer", answer_payload);
}

static void
answer_cb (WeftSignaling *signaling, const gchar *from, JsonNode *payload, gpointer user_data)
{
  WeftMesh *self = user_data;
  MeshLink *link = link_lookup (self, from);
  const gchar *sdp = payload_sdp (payload);
  g_autoptr (GError) error = NULL;

  if (link == NULL || link->pc == NULL || !link->offerer || sdp == NULL)
    {
      g_debug ("mesh: ignoring an answer from %s", from);
      return;
    }
  link->remote_is_weft = payload_is_weft (payload, NULL);
  if (link->remote_is_weft)
    weft_peer_connection_set_large_packets (link->pc, TRUE);
  if (!weft_peer_connection_set_remote_description (link->pc, WEFT_SDP_TYPE_ANSWER, sdp, &error))
    {
      link_broken (link, error->message);
      return;
    }
  link->have_remote = TRUE;
}

static void
ice_candidate_cb (WeftSignaling *signaling,
                  const gchar *from,
                  JsonNode *payload,
                  gpointer user_data)
{
  WeftMesh *self = user_data;
  MeshLink *link;
  JsonObject *obj;
  const gchar *candidate;
  const gchar *mid;
  gint mline;

  if (payload == NULL || !JSON_NODE_HOLDS_OBJECT (payload) || !self->started)
    return;
  obj = json_node_get_object (payload);
  candidate = json_object_get_string_member_with_default (obj, "candidate", NULL);
  mid = json_object_get_string_member_with_default (obj, "sdpMid", NULL);
  mline = (gint) json_object_get_int_member_with_default (obj, "sdpMLineIndex", 0);
  if (candidate == NULL)
    return;
  link = link_lookup (self, from);
  if (link == NULL || link->pc == NULL)
    {
      /* the offer is still on its way (or being processed): keep it, as
       * the sidecar sends candidates right behind its offer */
      EarlyCandidate *c = g_new0 (EarlyCandidate, 1);

      link = link_ensure (self, from);
      if (link->early->len >= 64)
        return;
      c->candidate = g_strdup (candidate);
      c->mid = g_strdup (mid);
      c->mline = mline;
      g_ptr_array_add (link->early, c);
      return;
    }
  add_candidate (link, candidate, mid, mline);
}

static gboolean
join_offer_cb (gpointer user_data)
{
  MeshLink *link = user_data;

  link->offer_delay_id = 0;
  if (link->pc == NULL)
    link_start_offer (link, FALSE);
  return G_SOURCE_REMOVE;
}

static void
maybe_offer_full_mesh (WeftMesh *self, const gchar *peer_id, guint delay_ms)
{
  MeshLink *link;

  if (self->mode != WEFT_CONNECT_MODE_FULL_MESH || g_strcmp0 (peer_id, local_id (self)) == 0)
    return;
  link = link_ensure (self, peer_id);
  if (link->pc != NULL || link->offer_delay_id != 0)
    return;
  if (delay_ms == 0)
    link_start_offer (link, FALSE);
  else
    link->offer_delay_id =
      g_timeout_add (delay_ms + g_random_int_range (0, (gint32) delay_ms), join_offer_cb, link);
}

static void
peer_list_cb (WeftSignaling *signaling, gchar **peers, gpointer user_data)
{
  WeftMesh *self = user_data;

  g_hash_table_remove_all (self->online);
  for (guint i = 0; peers != NULL && peers[i] != NULL; i++)
    g_hash_table_add (self->online, g_strdup (peers[i]));
  for (guint i = 0; peers != NULL && peers[i] != NULL; i++)
    maybe_offer_full_mesh (self, peers[i], 0);
}

static void
peer_joined_cb (WeftSignaling *signaling, const gchar *peer_id, gpointer user_data)
{
  WeftMesh *self = user_data;
  MeshLink *link = link_lookup (self, peer_id);

  g_hash_table_add (self->online, g_strdup (peer_id));
  /* an offer made while the peer was away went nowhere: make it again */
  if (link != NULL && link->pc != NULL && link->offerer && !link->have_remote &&
      link->waiters->len > 0)
    {
      link_start_offer (link, FALSE);
      return;
    }
  /* the newcomer offers to everyone it finds in its peer_list; offer only
   * if it does not (a chatixia newcomer always does) */
  maybe_offer_full_mesh (self, peer_id, JOIN_OFFER_DELAY_MS);
}

static void
peer_left_cb (WeftSignaling *signaling, const gchar *peer_id, gpointer user_data)
{
  WeftMesh *self = user_data;
  MeshLink *link = link_lookup (self, peer_id);

  g_hash_table_remove (self->online, peer_id);
  /* an open channel outlives the peer's signaling socket. a negotiation
   * with callers waiting goes on until their budget ends: the peer may be
   * reconnecting (peer_joined then offers again) */
  if (link != NULL && !link->open && link->waiters->len == 0)
    link_broken (link, "the peer left signaling");
}

static void
ice_config_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (WeftMesh) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) config =
    weft_registry_client_get_ice_config_finish (WEFT_REGISTRY_CLIENT (source), res, &error);

  if (config == NULL)
    {
      if (!g_error_matches (error, WEFT_ERROR, WEFT_ERROR_CANCELLED))
        g_message ("mesh: no ICE servers from the registry: %s", error->message);
      return;
    }
  if (!self->ice_config_fixed)
    {
      g_clear_pointer (&self->ice_config, json_node_unref);
      self->ice_config = g_steal_pointer (&config);
    }
}

/* ---- GObject ---- */

static void
weft_mesh_dispose (GObject *object)
{
  WeftMesh *self = WEFT_MESH (object);

  weft_mesh_stop (self);
  G_OBJECT_CLASS (weft_mesh_parent_class)->dispose (object);
}

static void
weft_mesh_finalize (GObject *object)
{
  WeftMesh *self = WEFT_MESH (object);

  g_hash_table_unref (self->links);
  g_hash_table_unref (self->online);
  g_ptr_array_unref (self->local_addresses);
  g_clear_pointer (&self->ice_config, json_node_unref);
  g_clear_object (&self->signaling);
  g_clear_object (&self->client);
  G_OBJECT_CLASS (weft_mesh_parent_class)->finalize (object);
}

static void
weft_mesh_class_init (WeftMeshClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GType type = G_TYPE_FROM_CLASS (klass);

  object_class->dispose = weft_mesh_dispose;
  object_class->finalize = weft_mesh_finalize;

  /* message (const char *peer_id, WeftMessage *message) */
  signals[SIGNAL_MESSAGE] = g_signal_new ("message", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 2, G_TYPE_STRING, WEFT_TYPE_MESSAGE);
  /* peer-connected (const char *peer_id): its channel opened */
  signals[SIGNAL_PEER_CONNECTED] = g_signal_new ("peer-connected", type, G_SIGNAL_RUN_LAST, 0, NULL,
                                                 NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* peer-disconnected (const char *peer_id): its open channel closed */
  signals[SIGNAL_PEER_DISCONNECTED] =
    g_signal_new ("peer-disconnected", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  G_TYPE_STRING);
}

static void
weft_mesh_init (WeftMesh *self)
{
  self->links = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, link_free);
  self->online = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->local_addresses = g_ptr_array_new_with_free_func (g_free);
  self->mode = WEFT_CONNECT_MODE_ON_DEMAND;
  self->idle_timeout_ms = WEFT_MESH_DEFAULT_IDLE_TIMEOUT * 1000;
  self->open_budget_ms = WEFT_MESH_DEFAULT_OPEN_BUDGET_MS;
}

WeftMesh *
weft_mesh_new (WeftSignaling *signaling)
{
  WeftMesh *self;

  g_return_val_if_fail (WEFT_IS_SIGNALING (signaling), NULL);
  self = g_object_new (WEFT_TYPE_MESH, NULL);
  self->signaling = g_object_ref (signaling);
  self->client = g_object_ref (weft_signaling_get_client (signaling));
  return self;
}

WeftSignaling *
weft_mesh_get_signaling (WeftMesh *self)
{
  g_return_val_if_fail (WEFT_IS_MESH (self), NULL);
  return self->signaling;
}

const gchar *
weft_mesh_get_local_peer_id (WeftMesh *self)
{
  g_return_val_if_fail (WEFT_IS_MESH (self), NULL);
  return local_id (self);
}

void
weft_mesh_set_connect_mode (WeftMesh *self, WeftConnectMode mode)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (WEFT_IS_MESH (self));
  self->mode = mode;
  g_hash_table_iter_init (&iter, self->links);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    link_arm_idle (value);
  if (mode == WEFT_CONNECT_MODE_FULL_MESH && self->started)
    {
      g_autofree gpointer *keys = g_hash_table_get_keys_as_array (self->online, NULL);

      for (guint i = 0; keys[i] != NULL; i++)
        maybe_offer_full_mesh (self, keys[i], 0);
    }
}

WeftConnectMode
weft_mesh_get_connect_mode (WeftMesh *self)
{
  g_return_val_if_fail (WEFT_IS_MESH (self), WEFT_CONNECT_MODE_ON_DEMAND);
  return self->mode;
}

/* 0: never close idle channels */
void
weft_mesh_set_idle_timeout (WeftMesh *self, guint seconds)
{
  weft_mesh_set_idle_timeout_ms (self, seconds > G_MAXUINT / 1000 ? G_MAXUINT : seconds * 1000);
}

void
weft_mesh_set_idle_timeout_ms (WeftMesh *self, guint ms)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (WEFT_IS_MESH (self));
  self->idle_timeout_ms = ms;
  g_hash_table_iter_init (&iter, self->links);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    link_arm_idle (value);
}

guint
weft_mesh_get_idle_timeout (WeftMesh *self)
{
  g_return_val_if_fail (WEFT_IS_MESH (self), 0);
  return self->idle_timeout_ms / 1000;
}

void
weft_mesh_set_open_budget (WeftMesh *self, guint ms)
{
  g_return_if_fail (WEFT_IS_MESH (self));
  self->open_budget_ms = ms > 0 ? ms : WEFT_MESH_DEFAULT_OPEN_BUDGET_MS;
}

guint
weft_mesh_get_open_budget (WeftMesh *self)
{
  g_return_val_if_fail (WEFT_IS_MESH (self), 0);
  return self->open_budget_ms;
}

/* restricts ICE to @address (127.0.0.1 in tests); for new connections */
void
weft_mesh_add_local_address (WeftMesh *self, const gchar *address)
{
  g_return_if_fail (WEFT_IS_MESH (self));
  g_ptr_array_add (self->local_addresses, g_strdup (address));
}

/* the /api/config form; overrides what the registry says. NULL: ask the
 * registry again at the next start */
void
weft_mesh_set_ice_config (WeftMesh *self, JsonNode *config)
{
  g_return_if_fail (WEFT_IS_MESH (self));
  g_clear_pointer (&self->ice_config, json_node_unref);
  self->ice_config = config != NULL ? json_node_copy (config) : NULL;
  self->ice_config_fixed = config != NULL;
}

/* follows the signaling connection the caller starts; fetches the ICE
 * servers from the registry unless they were set */
void
weft_mesh_start (WeftMesh *self)
{
  g_return_if_fail (WEFT_IS_MESH (self));
  if (self->started)
    return;
  self->started = TRUE;
  self->cancellable = g_cancellable_new ();
  g_signal_connect (self->signaling, "peer-list", G_CALLBACK (peer_list_cb), self);
  g_signal_connect (self->signaling, "peer-joined", G_CALLBACK (peer_joined_cb), self);
  g_signal_connect (self->signaling, "peer-left", G_CALLBACK (peer_left_cb), self);
  g_signal_connect (self->signaling, "offer", G_CALLBACK (offer_cb), self);
  g_signal_connect (self->signaling, "answer", G_CALLBACK (answer_cb), self);
  g_signal_connect (self->signaling, "ice-candidate", G_CALLBACK (ice_candidate_cb), self);
  if (!self->ice_config_fixed)
    weft_registry_client_get_ice_config_async (self->client, self->cancellable, ice_config_cb,
                                               g_object_ref (self));
}

void
weft_mesh_stop (WeftMesh *self)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (WEFT_IS_MESH (self));
  if (!self->started)
    return;
  self->started = FALSE;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_signal_handlers_disconnect_by_data (self->signaling, self);
  g_hash_table_iter_init (&iter, self->links);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    link_drop_pc (value);
  g_hash_table_remove_all (self->links);
  g_hash_table_remove_all (self->online);
}

static void
waiter_timeout_fire (GTask *task, gint code, const gchar *message)
{
  Waiter *w = g_task_get_task_data (task);
  MeshLink *link = w->link;

  waiter_detach (task);
  g_object_ref (task);
  g_ptr_array_remove (link->waiters, task);
  g_task_return_new_error (task, WEFT_ERROR, code, "%s", message);
  g_object_unref (task);
}

static gboolean
waiter_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  Waiter *w = g_task_get_task_data (task);
  g_autofree gchar *message = g_strdup_printf (
    _ ("No channel to peer “%s” within the %u ms budget"), w->link->peer_id, w->budget_ms);

  w->timeout_id = 0;
  waiter_timeout_fire (task, WEFT_ERROR_TIMED_OUT, message);
  return G_SOURCE_REMOVE;
}

static gboolean
waiter_cancelled_idle_cb (gpointer user_data)
{
  GTask *task = user_data;
  Waiter *w = g_task_get_task_data (task);

  /* completed meanwhile? */
  if (w->link == NULL || !g_ptr_array_find (w->link->waiters, task, NULL))
    return G_SOURCE_REMOVE;
  waiter_timeout_fire (task, WEFT_ERROR_CANCELLED, _ ("The operation was cancelled"));
  return G_SOURCE_REMOVE;
}

static void
waiter_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  /* g_cancellable_disconnect() cannot run inside the handler */
  g_idle_add_full (G_PRIORITY_DEFAULT, waiter_cancelled_idle_cb, g_object_ref (user_data),
                   g_object_unref);
}

void
weft_mesh_ensure_channel_async (WeftMesh *self,
                                const gchar *peer_id,
                                guint budget_ms,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  MeshLink *link;
  Waiter *w;

  g_return_if_fail (WEFT_IS_MESH (self));
  g_return_if_fail (peer_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, weft_mesh_ensure_channel_async);
  if (!self->started || !weft_signaling_get_connected (self->signaling))
    {
      g_task_return_new_error (task, WEFT_ERROR, WEFT_ERROR_UNAVAILABLE,
                               _ ("The signaling connection to the registry is down"));
      return;
    }
  if (g_strcmp0 (peer_id, local_id (self)) == 0 || peer_id[0] == '\0')
    {
      g_task_return_new_error (task, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                               _ ("“%s” is this agent's own peer id"), peer_id);
      return;
    }
  link = link_lookup (self, peer_id);
  if (link != NULL && link->open)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (!g_hash_table_contains (self->online, peer_id) && (link == NULL || link->pc == NULL))
    {
      g_task_return_new_error (task, WEFT_ERROR, WEFT_ERROR_UNAVAILABLE,
                               _ ("Peer “%s” is not on the registry's signaling"), peer_id);
      return;
    }
  link = link_ensure (self, peer_id);
  w = g_new0 (Waiter, 1);
  w->link = link;
  w->budget_ms = budget_ms > 0 ? budget_ms : self->open_budget_ms;
  g_task_set_task_data (task, w, waiter_free);
  w->timeout_id = g_timeout_add (w->budget_ms, waiter_timeout_cb, task);
  if (cancellable != NULL)
    w->cancel_id =
      g_cancellable_connect (cancellable, G_CALLBACK (waiter_cancelled_cb), task, NULL);
  g_ptr_array_add (link->waiters, g_object_ref (task));
  if (link->pc == NULL)
    {
      link->reconnects = 0;
      link_start_offer (link, FALSE);
    }
}

gboolean
weft_mesh_ensure_channel_finish (WeftMesh *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
weft_mesh_send (WeftMesh *self, const gchar *peer_id, WeftMessage *message, GError **error)
{
  MeshLink *link;
  g_autofree gchar *data = NULL;

  g_return_val_if_fail (WEFT_IS_MESH (self), FALSE);
  g_return_val_if_fail (WEFT_IS_MESSAGE (message), FALSE);

  link = link_lookup (self, peer_id);
  if (link == NULL || !link->open || link->channel == NULL)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_UNAVAILABLE, _ ("No open channel to peer “%s”"),
                   peer_id);
      return FALSE;
    }
  data = weft_message_to_data (message, NULL);
  if (!weft_data_channel_send_text (link->channel, data, error))
    return FALSE;
  link->messages_out++;
  link->last_activity = g_get_monotonic_time ();
  return TRUE;
}

/* sends @message on every open channel; returns how many took it */
guint
weft_mesh_broadcast (WeftMesh *self, WeftMessage *message)
{
  g_auto (GStrv) peers = weft_mesh_dup_open_peers (self);
  guint n = 0;

  for (guint i = 0; peers[i] != NULL; i++)
    {
      g_autoptr (GError) error = NULL;

      if (weft_mesh_send (self, peers[i], message, &error))
        n++;
      else
        g_debug ("mesh: broadcast to %s failed: %s", peers[i], error->message);
    }
  return n;
}

gboolean
weft_mesh_is_open (WeftMesh *self, const gchar *peer_id)
{
  MeshLink *link;

  g_return_val_if_fail (WEFT_IS_MESH (self), FALSE);
  link = link_lookup (self, peer_id);
  return link != NULL && link->open;
}

gboolean
weft_mesh_is_online (WeftMesh *self, const gchar *peer_id)
{
  g_return_val_if_fail (WEFT_IS_MESH (self), FALSE);
  return peer_id != NULL && g_hash_table_contains (self->online, peer_id);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar *const *) a, *(const gchar *const *) b);
}

/* Returns: (transfer full): the peer ids with an open channel, sorted */
gchar **
weft_mesh_dup_open_peers (WeftMesh *self)
{
  g_autoptr (GPtrArray) out = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (WEFT_IS_MESH (self), NULL);
  g_hash_table_iter_init (&iter, self->links);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((MeshLink *) value)->open)
      g_ptr_array_add (out, g_strdup (((MeshLink *) value)->peer_id));
  g_ptr_array_sort (out, compare_strings);
  g_ptr_array_add (out, NULL);
  return (gchar **) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}

guint
weft_mesh_get_n_open (WeftMesh *self)
{
  g_auto (GStrv) peers = weft_mesh_dup_open_peers (self);

  return g_strv_length (peers);
}

/* how many channels have opened since the mesh was made */
guint
weft_mesh_get_n_connections_made (WeftMesh *self)
{
  g_return_val_if_fail (WEFT_IS_MESH (self), 0);
  return self->connections_made;
}

/* Returns: (transfer full): `{"peer_id", "mode", "connections": [{"peer_id",
 *   "state", "role", "setup_ms", "open_s", "idle_s", "messages_in",
 *   "messages_out"}]}` for logs, D-Bus and the agent's connection report */
JsonNode *
weft_mesh_dup_report (WeftMesh *self)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (GList) links = NULL;
  gint64 now = g_get_monotonic_time ();

  g_return_val_if_fail (WEFT_IS_MESH (self), NULL);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "peer_id");
  json_builder_add_string_value (b, local_id (self));
  json_builder_set_member_name (b, "mode");
  json_builder_add_string_value (b, self->mode == WEFT_CONNECT_MODE_FULL_MESH ? "full-mesh"
                                                                              : "on-demand");
  json_builder_set_member_name (b, "connections");
  json_builder_begin_array (b);
  links = g_hash_table_get_values (self->links);
  for (GList *l = links; l != NULL; l = l->next)
    {
      MeshLink *link = l->data;

      if (link->pc == NULL)
        continue;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "peer_id");
      json_builder_add_string_value (b, link->peer_id);
      json_builder_set_member_name (b, "state");
      json_builder_add_string_value (b, link->open ? "open" : "connecting");
      json_builder_set_member_name (b, "role");
      json_builder_add_string_value (b, link->offerer ? "offerer" : "answerer");
      json_builder_set_member_name (b, "setup_ms");
      json_builder_add_double_value (b, link->open ? link->setup_us / 1000.0 : 0.0);
      json_builder_set_member_name (b, "open_s");
      json_builder_add_int_value (b, link->open ? (now - link->opened_at) / G_USEC_PER_SEC : 0);
      json_builder_set_member_name (b, "idle_s");
      json_builder_add_int_value (b, (now - link->last_activity) / G_USEC_PER_SEC);
      json_builder_set_member_name (b, "messages_in");
      json_builder_add_int_value (b, (gint64) link->messages_in);
      json_builder_set_member_name (b, "messages_out");
      json_builder_add_int_value (b, (gint64) link->messages_out);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

void
weft_mesh_hold (WeftMesh *self, const gchar *peer_id)
{
  MeshLink *link;

  g_return_if_fail (WEFT_IS_MESH (self));
  link = link_lookup (self, peer_id);
  if (link != NULL)
    {
      link->holds++;
      link->last_activity = g_get_monotonic_time ();
    }
}

void
weft_mesh_release (WeftMesh *self, const gchar *peer_id)
{
  MeshLink *link;

  g_return_if_fail (WEFT_IS_MESH (self));
  link = link_lookup (self, peer_id);
  if (link != NULL && link->holds > 0)
    {
      link->holds--;
      link->last_activity = g_get_monotonic_time ();
    }
}

/* tears the connection to @peer_id down now (the peer sees it close) */
void
weft_mesh_close_peer (WeftMesh *self, const gchar *peer_id)
{
  MeshLink *link;

  g_return_if_fail (WEFT_IS_MESH (self));
  link = link_lookup (self, peer_id);
  if (link == NULL)
    return;
  if (link->waiters->len > 0)
    {
      g_autoptr (GError) error = g_error_new (
        WEFT_ERROR, WEFT_ERROR_CANCELLED, _ ("The connection to peer “%s” was closed"), peer_id);
      link_complete_waiters (link, error);
    }
  link_remove (link);
}

/* new ICE credentials on a connection this side offered, e.g. after the
 * network changed; the channel stays up if the new path works */
gboolean
weft_mesh_restart_ice (WeftMesh *self, const gchar *peer_id, GError **error)
{
  MeshLink *link;
  g_autofree gchar *sdp = NULL;
  g_autoptr (JsonNode) payload = NULL;

  g_return_val_if_fail (WEFT_IS_MESH (self), FALSE);
  link = link_lookup (self, peer_id);
  if (link == NULL || link->pc == NULL)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND, _ ("No connection to peer “%s”"),
                   peer_id);
      return FALSE;
    }
  if (!link->offerer)
    {
      /* only the offerer restarts; ask the peer by offering afresh */
      link_start_offer (link, FALSE);
      return TRUE;
    }
  if (!weft_peer_connection_restart_ice (link->pc, error))
    return FALSE;
  sdp = weft_peer_connection_create_offer (link->pc, error);
  if (sdp == NULL)
    return FALSE;
  payload = sdp_payload ("offer", sdp, TRUE);
  link->have_remote = FALSE;
  send_frame (link, "offer", payload);
  return TRUE;
}
