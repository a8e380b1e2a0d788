/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "weft-json-private.h"
#include "weft-signaling-hub.h"

#define REGISTRY_PEER_ID "registry"
/* server pings keep NAT bindings alive and find dead peers */
#define KEEPALIVE_INTERVAL_S 30

typedef struct
{
  WeftSignalingHub *hub;         /* (unowned) */
  SoupWebsocketConnection *conn; /* (owned) */
  WeftPrincipal *principal;      /* (owned) */
  gboolean registered;
  gboolean closing;
  guint expiry_source;
  gdouble tokens;
  gint64 last_refill; /* monotonic usec */
} HubPeer;

struct _WeftSignalingHub
{
  GObject parent_instance;

  WeftAuth *auth;    /* (owned) */
  GHashTable *peers; /* (owned) (element-type utf8 HubPeer) current socket per peer_id */
  GHashTable *all;   /* (owned) (element-type HubPeer) every open socket, owns them */
  gulong revoked_id;

  gsize max_message_size;
  guint frames_per_second;
  guint frame_burst;

  guint64 n_relayed;
  guint64 n_dropped;
};

enum
{
  SIGNAL_PEER_REGISTERED,
  SIGNAL_PEER_LEFT,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (WeftSignalingHub, weft_signaling_hub, G_TYPE_OBJECT)

static void
hub_peer_free (HubPeer *peer)
{
  g_clear_handle_id (&peer->expiry_source, g_source_remove);
  g_signal_handlers_disconnect_by_data (peer->conn, peer);
  if (soup_websocket_connection_get_state (peer->conn) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (peer->conn, WEFT_WS_CLOSE_SHUTTING_DOWN, NULL);
  g_clear_object (&peer->conn);
  g_clear_pointer (&peer->principal, weft_principal_unref);
  g_free (peer);
}

JsonNode *
weft_signaling_frame_new (const gchar *type,
                          const gchar *peer_id,
                          const gchar *target_id,
                          JsonNode *payload)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
  json_builder_set_member_name (b, "peer_id");
  json_builder_add_string_value (b, peer_id);
  if (target_id != NULL)
    {
      json_builder_set_member_name (b, "target_id");
      json_builder_add_string_value (b, target_id);
    }
  json_builder_set_member_name (b, "payload");
  if (payload != NULL)
    json_builder_add_value (b, json_node_copy (payload));
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
peer_send (HubPeer *peer, JsonNode *frame)
{
  g_autofree gchar *text = NULL;

  if (peer->closing ||
      soup_websocket_connection_get_state (peer->conn) != SOUP_WEBSOCKET_STATE_OPEN)
    return;
  text = json_to_string (frame, FALSE);
  soup_websocket_connection_send_text (peer->conn, text);
}

static void
peer_close (HubPeer *peer, gushort code, const gchar *reason)
{
  if (peer->closing)
    return;
  peer->closing = TRUE;
  g_clear_handle_id (&peer->expiry_source, g_source_remove);
  if (soup_websocket_connection_get_state (peer->conn) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (peer->conn, code, reason);
}

static gboolean
peer_is_current (HubPeer *peer)
{
  return g_hash_table_lookup (peer->hub->peers, peer->principal->peer_id) == peer;
}

/* presence goes to registered, authorised peers other than @about */
static void
broadcast_presence (WeftSignalingHub *self, const gchar *type, const gchar *about)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) payload = NULL;
  g_autoptr (JsonNode) frame = NULL;
  GHashTableIter iter;
  HubPeer *other;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "peer_id");
  json_builder_add_string_value (b, about);
  json_builder_end_object (b);
  payload = json_builder_get_root (b);
  frame = weft_signaling_frame_new (type, REGISTRY_PEER_ID, NULL, payload);

  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &other))
    {
      if (!other->registered || g_str_equal (other->principal->peer_id, about))
        continue;
      if (!weft_auth_is_peer_authorised (self->auth, other->principal->peer_id))
        continue;
      peer_send (other, frame);
    }
}

static void
send_peer_list (WeftSignalingHub *self, HubPeer *peer)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) payload = NULL;
  g_autoptr (JsonNode) frame = NULL;
  g_autoptr (GPtrArray) ids = g_ptr_array_new ();
  const gchar *self_id = peer->principal->peer_id;

  /* an unauthorised peer learns nothing (the reference's rule) */
  if (weft_auth_is_peer_authorised (self->auth, self_id))
    {
      GHashTableIter iter;
      const gchar *id;

      g_hash_table_iter_init (&iter, self->peers);
      while (g_hash_table_iter_next (&iter, (gpointer *) &id, NULL))
        if (!g_str_equal (id, self_id) && weft_auth_is_peer_authorised (self->auth, id))
          g_ptr_array_add (ids, (gpointer) id);
      g_ptr_array_sort (ids, (GCompareFunc) g_strcmp0);
    }

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "peers");
  json_builder_begin_array (b);
  for (guint i = 0; i < ids->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (ids, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  payload = json_builder_get_root (b);

  /* the reference's peer_list has no target_id member */
  frame = weft_signaling_frame_new ("peer_list", REGISTRY_PEER_ID, NULL, payload);
  peer_send (peer, frame);
}

static gboolean
take_token (WeftSignalingHub *self, HubPeer *peer)
{
  gint64 now = g_get_monotonic_time ();

  if (self->frames_per_second == 0)
    return TRUE;
  peer->tokens += (gdouble) (now - peer->last_refill) * self->frames_per_second / G_USEC_PER_SEC;
  peer->last_refill = now;
  if (peer->tokens > self->frame_burst)
    peer->tokens = self->frame_burst;
  if (peer->tokens < 1.0)
    return FALSE;
  peer->tokens -= 1.0;
  return TRUE;
}

static void
relay (WeftSignalingHub *self,
       HubPeer *from,
       const gchar *type,
       const gchar *target_id,
       JsonNode *payload)
{
  const gchar *sender = from->principal->peer_id;
  HubPeer *to;
  g_autoptr (JsonNode) frame = NULL;

  if (target_id == NULL || target_id[0] == '\0')
    {
      self->n_dropped++;
      return;
    }
  to = g_hash_table_lookup (self->peers, target_id);
  if (to == NULL || to == from)
    {
      g_debug ("dropping %s from %s: %s is not connected", type, sender, target_id);
      self->n_dropped++;
      return;
    }
  /* Weft carries frames only between authorised peers (the reference relays anything) */
  if (!weft_auth_is_peer_authorised (self->auth, sender) ||
      !weft_auth_is_peer_authorised (self->auth, target_id))
    {
      g_message ("Refusing to relay %s from %s to %s: both peers must be authorised", type, sender,
                 target_id);
      self->n_dropped++;
      return;
    }
  frame = weft_signaling_frame_new (type, sender, target_id, payload);
  peer_send (to, frame);
  self->n_relayed++;
}

static void
on_message (SoupWebsocketConnection *conn, gint data_type, GBytes *message, gpointer user_data)
{
  HubPeer *peer = user_data;
  WeftSignalingHub *self = peer->hub;
  g_autoptr (JsonParser) parser = NULL;
  gsize len;
  const gchar *data = g_bytes_get_data (message, &len);
  JsonNode *root, *type_node, *peer_node, *target_node;
  JsonObject *obj;
  const gchar *type, *target_id = NULL;

  if (peer->closing)
    return;
  if (!take_token (self, peer))
    {
      g_message ("Closing the signaling socket of %s: more than %u frames per second",
                 peer->principal->peer_id, self->frames_per_second);
      peer_close (peer, WEFT_WS_CLOSE_RATE_LIMITED, "frame rate limit exceeded");
      return;
    }
  /* libsoup drops frames past twice the limit without a close frame; between the two the
   * peer is told why */
  if (len > self->max_message_size)
    {
      g_message ("Closing the signaling socket of %s: a %" G_GSIZE_FORMAT
                 "-byte message exceeds the limit of %" G_GSIZE_FORMAT,
                 peer->principal->peer_id, len, self->max_message_size);
      peer_close (peer, SOUP_WEBSOCKET_CLOSE_TOO_BIG, "message too large");
      return;
    }
  /* binary frames are ignored, as in the reference */
  if (data_type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      self->n_dropped++;
      return;
    }

  parser = json_parser_new_immutable ();
  if (!weft_json_parser_load (parser, data, (gssize) len, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_debug ("dropping an unparsable frame from %s", peer->principal->peer_id);
      self->n_dropped++;
      return;
    }
  obj = json_node_get_object (root);
  type_node = json_object_get_member (obj, "type");
  peer_node = json_object_get_member (obj, "peer_id");
  target_node = json_object_get_member (obj, "target_id");
  if (type_node == NULL || json_node_get_value_type (type_node) != G_TYPE_STRING ||
      peer_node == NULL || json_node_get_value_type (peer_node) != G_TYPE_STRING)
    {
      self->n_dropped++;
      return;
    }
  if (target_node != NULL && !JSON_NODE_HOLDS_NULL (target_node))
    {
      if (json_node_get_value_type (target_node) != G_TYPE_STRING)
        {
          self->n_dropped++;
          return;
        }
      target_id = json_node_get_string (target_node);
    }
  type = json_node_get_string (type_node);

  if (!g_str_equal (json_node_get_string (peer_node), peer->principal->peer_id))
    {
      g_message ("Dropping a %s frame on the socket of %s that claims to be from %s", type,
                 peer->principal->peer_id, json_node_get_string (peer_node));
      self->n_dropped++;
      return;
    }
  /* a replaced socket may still be draining; it no longer speaks for the peer */
  if (!peer_is_current (peer))
    {
      self->n_dropped++;
      return;
    }

  if (g_str_equal (type, "register"))
    {
      JsonNode *payload = json_object_get_member (obj, "payload");
      gboolean first = !peer->registered;

      peer->registered = TRUE;
      send_peer_list (self, peer);
      if (first && weft_auth_is_peer_authorised (self->auth, peer->principal->peer_id))
        broadcast_presence (self, "peer_joined", peer->principal->peer_id);
      g_signal_emit (self, signals[SIGNAL_PEER_REGISTERED], 0, peer->principal->peer_id,
                     peer->principal, payload);
    }
  else if (g_str_equal (type, "offer") || g_str_equal (type, "answer") ||
           g_str_equal (type, "ice_candidate"))
    relay (self, peer, type, target_id, json_object_get_member (obj, "payload"));
  /* heartbeat and unknown types: nothing to do */
}

static void
on_closed (SoupWebsocketConnection *conn, gpointer user_data)
{
  HubPeer *peer = user_data;
  WeftSignalingHub *self = peer->hub;
  g_autoptr (WeftPrincipal) principal = weft_principal_ref (peer->principal);
  gboolean was_current = peer_is_current (peer);
  gboolean was_registered = peer->registered;

  g_debug ("signaling socket of %s closed (code %u)", principal->peer_id,
           soup_websocket_connection_get_close_code (conn));
  /* only the socket that holds the entry may remove it: closing a replaced socket must
   * not drop its successor (the reference's bug) */
  if (was_current)
    g_hash_table_remove (self->peers, principal->peer_id);
  g_hash_table_remove (self->all, peer);

  if (was_current)
    {
      if (was_registered && weft_auth_is_peer_authorised (self->auth, principal->peer_id))
        broadcast_presence (self, "peer_left", principal->peer_id);
      g_signal_emit (self, signals[SIGNAL_PEER_LEFT], 0, principal->peer_id, principal);
    }
}

static gboolean
on_expired (gpointer user_data)
{
  HubPeer *peer = user_data;

  peer->expiry_source = 0;
  g_message ("Closing the signaling socket of %s: its token expired", peer->principal->peer_id);
  peer_close (peer, WEFT_WS_CLOSE_TOKEN_EXPIRED, "token expired");
  return G_SOURCE_REMOVE;
}

void
weft_signaling_hub_add_connection (WeftSignalingHub *self,
                                   SoupWebsocketConnection *conn,
                                   WeftPrincipal *principal)
{
  HubPeer *peer, *old;

  g_return_if_fail (WEFT_IS_SIGNALING_HUB (self));
  g_return_if_fail (SOUP_IS_WEBSOCKET_CONNECTION (conn));

  peer = g_new0 (HubPeer, 1);
  peer->hub = self;
  peer->conn = g_object_ref (conn);
  peer->principal = weft_principal_ref (principal);
  peer->tokens = self->frame_burst;
  peer->last_refill = g_get_monotonic_time ();

  soup_websocket_connection_set_max_incoming_payload_size (conn, self->max_message_size * 2 + 1);
  soup_websocket_connection_set_keepalive_interval (conn, KEEPALIVE_INTERVAL_S);
  g_signal_connect (conn, "message", G_CALLBACK (on_message), peer);
  g_signal_connect (conn, "closed", G_CALLBACK (on_closed), peer);

  if (principal->expires_at > 0)
    {
      gint64 now = g_get_real_time () / G_USEC_PER_SEC;
      gint64 left = principal->expires_at - now;

      peer->expiry_source = g_timeout_add_seconds_full (
        G_PRIORITY_DEFAULT, (guint) CLAMP (left + 1, 1, G_MAXINT32), on_expired, peer, NULL);
    }

  g_hash_table_add (self->all, peer);
  /* last wins, as in the reference; the older socket is told why it goes */
  old = g_hash_table_lookup (self->peers, principal->peer_id);
  g_hash_table_replace (self->peers, principal->peer_id, peer);
  if (old != NULL)
    {
      g_message ("Signaling peer %s reconnected; closing its previous socket", principal->peer_id);
      peer_close (old, WEFT_WS_CLOSE_REPLACED, "replaced by a newer connection");
    }
}

gboolean
weft_signaling_hub_send (WeftSignalingHub *self, const gchar *peer_id, JsonNode *frame)
{
  HubPeer *peer = g_hash_table_lookup (self->peers, peer_id);

  if (peer == NULL || peer->closing)
    return FALSE;
  peer_send (peer, frame);
  return TRUE;
}

guint
weft_signaling_hub_send_to_credential (WeftSignalingHub *self,
                                       const gchar *credential_id,
                                       JsonNode *frame)
{
  GHashTableIter iter;
  HubPeer *peer;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &peer))
    if (!peer->closing && g_strcmp0 (peer->principal->credential_id, credential_id) == 0)
      {
        peer_send (peer, frame);
        n++;
      }
  return n;
}

gboolean
weft_signaling_hub_has_peer (WeftSignalingHub *self, const gchar *peer_id)
{
  HubPeer *peer = g_hash_table_lookup (self->peers, peer_id);

  return peer != NULL && !peer->closing;
}

/* (transfer none) (nullable) */
WeftPrincipal *
weft_signaling_hub_get_principal (WeftSignalingHub *self, const gchar *peer_id)
{
  HubPeer *peer = g_hash_table_lookup (self->peers, peer_id);

  return (peer != NULL && !peer->closing) ? peer->principal : NULL;
}

guint
weft_signaling_hub_close_credential (WeftSignalingHub *self,
                                     const gchar *credential_id,
                                     gushort code,
                                     const gchar *reason)
{
  GHashTableIter iter;
  HubPeer *peer;
  g_autoptr (GPtrArray) victims = g_ptr_array_new ();

  g_hash_table_iter_init (&iter, self->all);
  while (g_hash_table_iter_next (&iter, (gpointer *) &peer, NULL))
    if (g_strcmp0 (peer->principal->credential_id, credential_id) == 0)
      g_ptr_array_add (victims, peer);
  for (guint i = 0; i < victims->len; i++)
    {
      peer = g_ptr_array_index (victims, i);
      g_message ("Closing the signaling socket of %s: %s", peer->principal->peer_id, reason);
      peer_close (peer, code, reason);
    }
  return victims->len;
}

void
weft_signaling_hub_close_all (WeftSignalingHub *self, gushort code, const gchar *reason)
{
  GHashTableIter iter;
  HubPeer *peer;

  g_hash_table_iter_init (&iter, self->all);
  while (g_hash_table_iter_next (&iter, (gpointer *) &peer, NULL))
    peer_close (peer, code, reason);
}

guint
weft_signaling_hub_get_n_connections (WeftSignalingHub *self)
{
  return g_hash_table_size (self->all);
}

guint64
weft_signaling_hub_get_n_relayed (WeftSignalingHub *self)
{
  return self->n_relayed;
}

guint64
weft_signaling_hub_get_n_dropped (WeftSignalingHub *self)
{
  return self->n_dropped;
}

void
weft_signaling_hub_set_limits (WeftSignalingHub *self,
                               gsize max_message_size,
                               guint frames_per_second,
                               guint frame_burst)
{
  self->max_message_size = max_message_size;
  self->frames_per_second = frames_per_second;
  self->frame_burst = MAX (frame_burst, 1);
}

static void
on_credential_revoked (WeftAuth *auth, const gchar *credential_id, gpointer user_data)
{
  weft_signaling_hub_close_credential (WEFT_SIGNALING_HUB (user_data), credential_id,
                                       WEFT_WS_CLOSE_REVOKED, "credential revoked");
}

static void
weft_signaling_hub_dispose (GObject *object)
{
  WeftSignalingHub *self = WEFT_SIGNALING_HUB (object);

  if (self->auth != NULL)
    g_clear_signal_handler (&self->revoked_id, self->auth);
  g_clear_pointer (&self->peers, g_hash_table_unref);
  g_clear_pointer (&self->all, g_hash_table_unref);
  g_clear_object (&self->auth);
  G_OBJECT_CLASS (weft_signaling_hub_parent_class)->dispose (object);
}

static void
weft_signaling_hub_class_init (WeftSignalingHubClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = weft_signaling_hub_dispose;

  signals[SIGNAL_PEER_REGISTERED] =
    g_signal_new ("peer-registered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, G_TYPE_STRING, WEFT_TYPE_PRINCIPAL, JSON_TYPE_NODE);
  signals[SIGNAL_PEER_LEFT] =
    g_signal_new ("peer-left", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, WEFT_TYPE_PRINCIPAL);
}

static void
weft_signaling_hub_init (WeftSignalingHub *self)
{
  self->peers = g_hash_table_new (g_str_hash, g_str_equal);
  self->all =
    g_hash_table_new_full (g_direct_hash, g_direct_equal, (GDestroyNotify) hub_peer_free, NULL);
  self->max_message_size = 1024 * 1024;
  self->frames_per_second = 200;
  self->frame_burst = 400;
}

WeftSignalingHub *
weft_signaling_hub_new (WeftAuth *auth)
{
  WeftSignalingHub *self = g_object_new (WEFT_TYPE_SIGNALING_HUB, NULL);

  self->auth = g_object_ref (auth);
  self->revoked_id =
    g_signal_connect (auth, "credential-revoked", G_CALLBACK (on_credential_revoked), self);
  return self;
}
