/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "weft-error.h"
#include "weft-mesh-link-private.h"

/* the direct path's connections. every remote signaling peer id gets at most
 * one link; a link holds one peer connection (replaced on glare, reconnect or
 * a fresh offer from a restarted peer) and the `mesh` channel on it.
 *
 * negotiation follows the chatixia sidecar: the offerer creates the channel
 * before the offer, both sides trickle candidates as `ice_candidate` frames,
 * the answerer accepts whatever channel arrives. glare (both sides offering
 * at once) is settled by the peer ids: the lexically smaller id keeps its
 * offer, the other side drops its own and answers. */

#define MAX_RECONNECTS 3

enum
{
  SIGNAL_MESSAGE,
  SIGNAL_PEER_CONNECTED,
  SIGNAL_PEER_DISCONNECTED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (WeftMesh, weft_mesh, G_TYPE_OBJECT)

static void
link_arm_idle (MeshLink *link);

void
mesh_early_candidate_free (gpointer data)
{
  EarlyCandidate *c = data;

  g_free (c->candidate);
  g_free (c->mid);
  g_free (c);
}

const gchar *
mesh_local_id (WeftMesh *self)
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

MeshLink *
mesh_link_lookup (WeftMesh *self, const gchar *peer_id)
{
  return g_hash_table_lookup (self->links, peer_id);
}

MeshLink *
mesh_link_ensure (WeftMesh *self, const gchar *peer_id)
{
  MeshLink *link = mesh_link_lookup (self, peer_id);

  if (link != NULL)
    return link;
  link = g_new0 (MeshLink, 1);
  link->mesh = self;
  link->peer_id = g_strdup (peer_id);
  link->early = g_ptr_array_new_with_free_func (mesh_early_candidate_free);
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
void
mesh_link_drop_pc (MeshLink *link)
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
  mesh_link_drop_pc (link);
  link_free (link);
}

void
mesh_send_frame (MeshLink *link, const gchar *type, JsonNode *payload)
{
  g_autoptr (GError) error = NULL;

  if (!weft_signaling_send (link->mesh->signaling, type, link->peer_id, payload, &error))
    g_debug ("mesh: cannot send %s to %s: %s", type, link->peer_id, error->message);
}

JsonNode *
mesh_sdp_payload (const gchar *type, const gchar *sdp, gboolean ice_restart)
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
  mesh_send_frame (link, "ice_candidate", payload);
}

void
mesh_link_broken (MeshLink *link, const gchar *why)
{
  WeftMesh *self = link->mesh;
  gboolean retry;

  if (link->pc == NULL)
    return;
  g_debug ("mesh: connection to %s ended: %s", link->peer_id, why);
  mesh_link_drop_pc (link);

  retry = link->reconnects < MAX_RECONNECTS && self->started &&
          g_hash_table_contains (self->online, link->peer_id) &&
          (link->waiters->len > 0 || (self->mode == WEFT_CONNECT_MODE_FULL_MESH &&
                                      g_strcmp0 (mesh_local_id (self), link->peer_id) < 0));
  if (retry)
    {
      link->reconnects++;
      g_message ("mesh: reconnecting to %s (%s)", link->peer_id, why);
      mesh_link_start_offer (link, FALSE);
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
  mesh_link_broken (user_data, "the channel closed");
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

      mesh_link_broken (link, error != NULL ? error->message : "the connection failed");
    }
  else if (state == WEFT_PEER_CONNECTION_STATE_CLOSED)
    mesh_link_broken (link, "the peer closed the connection");
}

gboolean
mesh_link_new_pc (MeshLink *link, GError **error)
{
  WeftMesh *self = link->mesh;
  g_autoptr (WeftPeerConnection) pc = weft_peer_connection_new (error);

  if (pc == NULL)
    return FALSE;
  if (self->certificate == NULL)
    self->certificate = weft_certificate_get_default (NULL);
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

void
mesh_link_fail_now (MeshLink *link, const GError *error)
{
  g_message ("mesh: cannot connect to %s: %s", link->peer_id, error->message);
  mesh_link_drop_pc (link);
  link_complete_waiters (link, error);
  link_remove (link);
}

void
mesh_link_start_offer (MeshLink *link, gboolean ice_restart)
{
  WeftDataChannelOptions options = WEFT_DATA_CHANNEL_OPTIONS_INIT;
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftDataChannel) channel = NULL;
  g_autoptr (JsonNode) payload = NULL;
  g_autofree gchar *sdp = NULL;

  g_clear_handle_id (&link->offer_delay_id, g_source_remove);
  g_clear_handle_id (&link->reconnect_id, g_source_remove);
  mesh_link_drop_pc (link);
  g_ptr_array_set_size (link->early, 0);
  link->offerer = TRUE;
  if (!mesh_link_new_pc (link, &error))
    {
      mesh_link_fail_now (link, error);
      return;
    }
  channel = weft_peer_connection_create_data_channel (link->pc, MESH_LABEL, &options, &error);
  if (channel == NULL)
    {
      mesh_link_fail_now (link, error);
      return;
    }
  link_adopt_channel (link, channel);
  sdp = weft_peer_connection_create_offer (link->pc, &error);
  if (sdp == NULL)
    {
      mesh_link_fail_now (link, error);
      return;
    }
  g_debug ("mesh: offering to %s", link->peer_id);
  payload = mesh_sdp_payload ("offer", sdp, ice_restart);
  mesh_send_frame (link, "offer", payload);
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
  g_clear_object (&self->certificate);
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
  return mesh_local_id (self);
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
        mesh_maybe_offer_full_mesh (self, keys[i], 0);
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
  mesh_connect_signaling (self);
  if (!self->ice_config_fixed)
    weft_registry_client_get_ice_config_async (self->client, self->cancellable, mesh_ice_config_cb,
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
    mesh_link_drop_pc (value);
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
  if (g_strcmp0 (peer_id, mesh_local_id (self)) == 0 || peer_id[0] == '\0')
    {
      g_task_return_new_error (task, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                               _ ("“%s” is this agent's own peer id"), peer_id);
      return;
    }
  link = mesh_link_lookup (self, peer_id);
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
  link = mesh_link_ensure (self, peer_id);
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
      mesh_link_start_offer (link, FALSE);
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

  link = mesh_link_lookup (self, peer_id);
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

/* tears the connection to @peer_id down now (the peer sees it close) */
void
weft_mesh_close_peer (WeftMesh *self, const gchar *peer_id)
{
  MeshLink *link;

  g_return_if_fail (WEFT_IS_MESH (self));
  link = mesh_link_lookup (self, peer_id);
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
  link = mesh_link_lookup (self, peer_id);
  if (link == NULL || link->pc == NULL)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND, _ ("No connection to peer “%s”"),
                   peer_id);
      return FALSE;
    }
  if (!link->offerer)
    {
      /* only the offerer restarts; ask the peer by offering afresh */
      mesh_link_start_offer (link, FALSE);
      return TRUE;
    }
  if (!weft_peer_connection_restart_ice (link->pc, error))
    return FALSE;
  sdp = weft_peer_connection_create_offer (link->pc, error);
  if (sdp == NULL)
    return FALSE;
  payload = mesh_sdp_payload ("offer", sdp, TRUE);
  link->have_remote = FALSE;
  link->ice_restarts++;
  g_message ("mesh: restarting ICE with %s", peer_id);
  mesh_send_frame (link, "offer", payload);
  return TRUE;
}
