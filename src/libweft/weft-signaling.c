/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "weft-error.h"
#include "weft-json-private.h"
#include "weft-registry-client-private.h"
#include "weft-signaling.h"

/**
 * WeftSignaling:
 *
 * The registry's `/ws` connection: signaling (offer, answer, ICE candidates),
 * presence (`peer_list`, `peer_joined`, `peer_left`) and task push
 * (`task_assigned`, `task_updated`).
 *
 * After weft_signaling_start() it keeps itself connected: it gets a token
 * from the #WeftRegistryClient, connects with it, sends `register`, and when
 * the connection drops it reconnects after a backoff that doubles on each
 * failure and resets after a success. Before the token expires it gets a new
 * one and moves to a new connection, so the registry never closes a socket
 * for an expired token.
 *
 * Since: 0.1
 */

struct _WeftSignaling
{
  GObject parent_instance;

  WeftRegistryClient *client;       /* (owned) */
  gchar *agent_id;                  /* (owned) (nullable) named in `register` */
  SoupSession *session;             /* (owned) */
  SoupWebsocketConnection *conn;    /* (owned) (nullable) */
  SoupWebsocketConnection *retired; /* (owned) (nullable) replaced, closing */
  GCancellable *cancellable;        /* (owned) (nullable) while started */
  gboolean started;
  gboolean connecting;
  guint attempts;
  guint backoff_min_ms;
  guint backoff_max_ms;
  guint retry_id;
  guint refresh_id;
};

G_DEFINE_TYPE (WeftSignaling, weft_signaling, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_CLIENT,
  PROP_CONNECTED,
  PROP_PEER_ID,
  PROP_AGENT_ID,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

enum
{
  SIGNAL_PEER_LIST,
  SIGNAL_PEER_JOINED,
  SIGNAL_PEER_LEFT,
  SIGNAL_OFFER,
  SIGNAL_ANSWER,
  SIGNAL_ICE_CANDIDATE,
  SIGNAL_TASK_ASSIGNED,
  SIGNAL_TASK_UPDATED,
  SIGNAL_FRAME,
  SIGNAL_CONNECTION_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
connect_now (WeftSignaling *self);

static void
drop_connection (WeftSignaling *self, SoupWebsocketConnection **slot)
{
  SoupWebsocketConnection *conn = *slot;

  if (conn == NULL)
    return;
  *slot = NULL;
  g_signal_handlers_disconnect_by_data (conn, self);
  if (soup_websocket_connection_get_state (conn) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_object_unref (conn);
}

static void
weft_signaling_dispose (GObject *object)
{
  WeftSignaling *self = WEFT_SIGNALING (object);

  weft_signaling_stop (self);
  g_clear_object (&self->client);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (weft_signaling_parent_class)->dispose (object);
}

static void
weft_signaling_finalize (GObject *object)
{
  WeftSignaling *self = WEFT_SIGNALING (object);

  g_free (self->agent_id);
  G_OBJECT_CLASS (weft_signaling_parent_class)->finalize (object);
}

static void
weft_signaling_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  WeftSignaling *self = WEFT_SIGNALING (object);

  switch (prop_id)
    {
      case PROP_CLIENT:
        g_value_set_object (value, self->client);
        break;
      case PROP_CONNECTED:
        g_value_set_boolean (value, weft_signaling_get_connected (self));
        break;
      case PROP_PEER_ID:
        g_value_set_string (value, weft_signaling_get_peer_id (self));
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
weft_signaling_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  WeftSignaling *self = WEFT_SIGNALING (object);

  switch (prop_id)
    {
      case PROP_CLIENT:
        self->client = g_value_dup_object (value);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
weft_signaling_class_init (WeftSignalingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = weft_signaling_dispose;
  object_class->finalize = weft_signaling_finalize;
  object_class->get_property = weft_signaling_get_property;
  object_class->set_property = weft_signaling_set_property;

  /**
   * WeftSignaling:client:
   *
   * The registry client that supplies the URL and the tokens.
   *
   * Since: 0.1
   */
  props[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL, WEFT_TYPE_REGISTRY_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * WeftSignaling:connected:
   *
   * Whether the `/ws` connection is open and registered.
   *
   * Since: 0.1
   */
  props[PROP_CONNECTED] =
    g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /**
   * WeftSignaling:peer-id:
   *
   * The peer id this connection is bound to (the token's subject).
   *
   * Since: 0.1
   */
  props[PROP_PEER_ID] =
    g_param_spec_string ("peer-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /**
   * WeftSignaling:agent-id:
   *
   * The agent this connection serves. It is named in the `register` frame so
   * that the registry pushes the agent's tasks here.
   *
   * Since: 0.1
   */
  props[PROP_AGENT_ID] =
    g_param_spec_string ("agent-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * WeftSignaling::peer-list:
   * @self: the #WeftSignaling
   * @peers: (array zero-terminated=1): the peer ids connected now
   *
   * The registry's answer to `register`: every authorised peer connected now.
   *
   * Since: 0.1
   */
  signals[SIGNAL_PEER_LIST] =
    g_signal_new ("peer-list", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRV);
  /**
   * WeftSignaling::peer-joined:
   * @self: the #WeftSignaling
   * @peer_id: the peer that connected
   *
   * A peer connected to the registry's signaling.
   *
   * Since: 0.1
   */
  signals[SIGNAL_PEER_JOINED] =
    g_signal_new ("peer-joined", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * WeftSignaling::peer-left:
   * @self: the #WeftSignaling
   * @peer_id: the peer that disconnected
   *
   * A peer left the registry's signaling.
   *
   * Since: 0.1
   */
  signals[SIGNAL_PEER_LEFT] =
    g_signal_new ("peer-left", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * WeftSignaling::offer:
   * @self: the #WeftSignaling
   * @from: the peer id of the sender
   * @payload: the frame payload, `{"sdp": ...}`
   *
   * An SDP offer from another peer.
   *
   * Since: 0.1
   */
  signals[SIGNAL_OFFER] =
    g_signal_new ("offer", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, JSON_TYPE_NODE);
  /**
   * WeftSignaling::answer:
   * @self: the #WeftSignaling
   * @from: the peer id of the sender
   * @payload: the frame payload, `{"sdp": ...}`
   *
   * An SDP answer from another peer.
   *
   * Since: 0.1
   */
  signals[SIGNAL_ANSWER] =
    g_signal_new ("answer", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, JSON_TYPE_NODE);
  /**
   * WeftSignaling::ice-candidate:
   * @self: the #WeftSignaling
   * @from: the peer id of the sender
   * @payload: the frame payload, `{"candidate", "sdpMid", "sdpMLineIndex"}`
   *
   * A trickled ICE candidate from another peer.
   *
   * Since: 0.1
   */
  signals[SIGNAL_ICE_CANDIDATE] =
    g_signal_new ("ice-candidate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_STRING, JSON_TYPE_NODE);
  /**
   * WeftSignaling::task-assigned:
   * @self: the #WeftSignaling
   * @task: the task object, already assigned to this agent
   *
   * The registry pushed a task to this agent.
   *
   * Since: 0.1
   */
  signals[SIGNAL_TASK_ASSIGNED] =
    g_signal_new ("task-assigned", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, JSON_TYPE_NODE);
  /**
   * WeftSignaling::task-updated:
   * @self: the #WeftSignaling
   * @task: the task object in its new state
   *
   * A task this agent submitted (or runs) changed state.
   *
   * Since: 0.1
   */
  signals[SIGNAL_TASK_UPDATED] =
    g_signal_new ("task-updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, JSON_TYPE_NODE);
  /**
   * WeftSignaling::frame:
   * @self: the #WeftSignaling
   * @type: the frame type
   * @from: the `peer_id` of the frame
   * @payload: the frame payload
   *
   * Every frame received, before the typed signals above.
   *
   * Since: 0.1
   */
  signals[SIGNAL_FRAME] =
    g_signal_new ("frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, JSON_TYPE_NODE);
  /**
   * WeftSignaling::connection-failed:
   * @self: the #WeftSignaling
   * @error: what went wrong
   * @retry_ms: milliseconds until the next attempt
   *
   * A connection attempt failed or an open connection dropped.
   *
   * Since: 0.1
   */
  signals[SIGNAL_CONNECTION_FAILED] =
    g_signal_new ("connection-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_ERROR, G_TYPE_UINT);
}

static void
weft_signaling_init (WeftSignaling *self)
{
  g_autoptr (GProxyResolver) resolver = weft_registry_client_proxy_resolver_from_env ();

  self->backoff_min_ms = 500;
  self->backoff_max_ms = 30000;
  /* no I/O timeout: the socket is idle between frames by design */
  self->session =
    soup_session_new_with_options ("timeout", 0, "idle-timeout", 0, "user-agent",
                                   "weft/" PACKAGE_VERSION, "proxy-resolver", resolver, NULL);
}

/**
 * weft_signaling_new:
 * @client: the registry client to take the URL and tokens from
 *
 * Creates a signaling connection; it does nothing until weft_signaling_start().
 *
 * Returns: (transfer full): a new #WeftSignaling
 *
 * Since: 0.1
 */
WeftSignaling *
weft_signaling_new (WeftRegistryClient *client)
{
  g_return_val_if_fail (WEFT_IS_REGISTRY_CLIENT (client), NULL);
  return g_object_new (WEFT_TYPE_SIGNALING, "client", client, NULL);
}

/**
 * weft_signaling_get_client:
 * @self: a #WeftSignaling
 *
 * Returns: (transfer none): the registry client
 *
 * Since: 0.1
 */
WeftRegistryClient *
weft_signaling_get_client (WeftSignaling *self)
{
  g_return_val_if_fail (WEFT_IS_SIGNALING (self), NULL);
  return self->client;
}

/**
 * weft_signaling_get_connected:
 * @self: a #WeftSignaling
 *
 * Returns: whether the connection is open
 *
 * Since: 0.1
 */
gboolean
weft_signaling_get_connected (WeftSignaling *self)
{
  g_return_val_if_fail (WEFT_IS_SIGNALING (self), FALSE);
  return self->conn != NULL &&
         soup_websocket_connection_get_state (self->conn) == SOUP_WEBSOCKET_STATE_OPEN;
}

/**
 * weft_signaling_get_peer_id:
 * @self: a #WeftSignaling
 *
 * Returns: (nullable): the peer id the connection is bound to, or %NULL
 *   before the first token
 *
 * Since: 0.1
 */
const gchar *
weft_signaling_get_peer_id (WeftSignaling *self)
{
  g_return_val_if_fail (WEFT_IS_SIGNALING (self), NULL);
  return weft_registry_client_get_peer_id (self->client);
}

/**
 * weft_signaling_get_agent_id:
 * @self: a #WeftSignaling
 *
 * Returns: (nullable): the agent id named in `register`, or %NULL
 *
 * Since: 0.1
 */
const gchar *
weft_signaling_get_agent_id (WeftSignaling *self)
{
  g_return_val_if_fail (WEFT_IS_SIGNALING (self), NULL);
  return self->agent_id;
}

/**
 * weft_signaling_set_agent_id:
 * @self: a #WeftSignaling
 * @agent_id: (nullable): the agent this connection serves
 *
 * Sets the agent named in the `register` frame; it takes effect at the next
 * (re)connection.
 *
 * Since: 0.1
 */
void
weft_signaling_set_agent_id (WeftSignaling *self, const gchar *agent_id)
{
  g_return_if_fail (WEFT_IS_SIGNALING (self));

  if (g_strcmp0 (self->agent_id, agent_id) == 0)
    return;
  g_free (self->agent_id);
  self->agent_id = g_strdup (agent_id);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_AGENT_ID]);
}

/**
 * weft_signaling_set_backoff:
 * @self: a #WeftSignaling
 * @min_ms: the first reconnect delay in milliseconds
 * @max_ms: the largest reconnect delay in milliseconds
 *
 * Sets the reconnect backoff: @min_ms after the first failure, doubling up
 * to @max_ms, back to @min_ms after a success.
 *
 * Since: 0.1
 */
void
weft_signaling_set_backoff (WeftSignaling *self, guint min_ms, guint max_ms)
{
  g_return_if_fail (WEFT_IS_SIGNALING (self));
  self->backoff_min_ms = MAX (min_ms, 1);
  self->backoff_max_ms = MAX (max_ms, self->backoff_min_ms);
}

static gboolean
retry_cb (gpointer user_data)
{
  WeftSignaling *self = user_data;

  self->retry_id = 0;
  connect_now (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (WeftSignaling *self, const GError *error)
{
  guint64 delay = self->backoff_min_ms;

  if (!self->started || self->retry_id != 0)
    return;
  for (guint i = 0; i < self->attempts && delay < self->backoff_max_ms; i++)
    delay *= 2;
  delay = MIN (delay, self->backoff_max_ms);
  /* a little jitter so a restarted registry is not hit by every agent at once */
  delay += g_random_int_range (0, (gint32) MAX (delay / 10, 1));
  self->attempts++;
  g_debug ("signaling: reconnect in %" G_GUINT64_FORMAT " ms (%s)", delay,
           error != NULL ? error->message : "closed");
  if (error != NULL)
    g_signal_emit (self, signals[SIGNAL_CONNECTION_FAILED], 0, error, (guint) delay);
  self->retry_id = g_timeout_add ((guint) delay, retry_cb, self);
}

static gchar **
peers_from_payload (JsonNode *payload)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  JsonArray *arr = NULL;

  if (payload != NULL && JSON_NODE_HOLDS_OBJECT (payload))
    {
      JsonNode *peers = json_object_get_member (json_node_get_object (payload), "peers");
      if (peers != NULL && JSON_NODE_HOLDS_ARRAY (peers))
        arr = json_node_get_array (peers);
    }
  if (arr != NULL)
    {
      for (guint i = 0; i < json_array_get_length (arr); i++)
        {
          JsonNode *n = json_array_get_element (arr, i);
          if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
            g_strv_builder_add (builder, json_node_get_string (n));
          else if (JSON_NODE_HOLDS_OBJECT (n))
            {
              /* tolerate richer entries that carry the id in an object */
              const gchar *id = json_object_get_string_member_with_default (
                json_node_get_object (n), "peer_id", NULL);
              if (id != NULL)
                g_strv_builder_add (builder, id);
            }
        }
    }
  return g_strv_builder_end (builder);
}

static const gchar *
presence_peer (JsonNode *payload, const gchar *from)
{
  if (payload != NULL && JSON_NODE_HOLDS_OBJECT (payload))
    {
      const gchar *id = json_object_get_string_member_with_default (json_node_get_object (payload),
                                                                    "peer_id", NULL);
      if (id != NULL)
        return id;
    }
  return from;
}

static JsonNode *
task_from_payload (JsonNode *payload)
{
  if (payload != NULL && JSON_NODE_HOLDS_OBJECT (payload))
    {
      JsonNode *inner = json_object_get_member (json_node_get_object (payload), "task");
      if (inner != NULL && JSON_NODE_HOLDS_OBJECT (inner))
        return inner;
    }
  return payload;
}

static void
handle_frame (WeftSignaling *self, const gchar *data, gsize len)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) null_node = json_node_new (JSON_NODE_NULL);
  JsonNode *root = NULL;
  JsonObject *obj;
  JsonNode *payload;
  const gchar *type;
  const gchar *from;

  /* handlers may change what they are given: a parser of our own, after the
   * depth check that keeps json-glib's recursion off the end of the stack */
  if (weft_json_parser_load (parser, data, (gssize) len, &error))
    root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_debug ("signaling: dropping a frame that is not a JSON object: %s",
               error != NULL ? error->message : weft_json_describe (root));
      return;
    }
  obj = json_node_get_object (root);
  type = json_object_get_string_member_with_default (obj, "type", NULL);
  from = json_object_get_string_member_with_default (obj, "peer_id", "");
  payload = json_object_get_member (obj, "payload");
  if (payload == NULL)
    payload = null_node;
  if (type == NULL)
    return;

  g_signal_emit (self, signals[SIGNAL_FRAME], 0, type, from, payload);
  if (g_str_equal (type, "peer_list"))
    {
      g_auto (GStrv) peers = peers_from_payload (payload);
      g_signal_emit (self, signals[SIGNAL_PEER_LIST], 0, peers);
    }
  else if (g_str_equal (type, "peer_joined"))
    g_signal_emit (self, signals[SIGNAL_PEER_JOINED], 0, presence_peer (payload, from));
  else if (g_str_equal (type, "peer_left"))
    g_signal_emit (self, signals[SIGNAL_PEER_LEFT], 0, presence_peer (payload, from));
  else if (g_str_equal (type, "offer"))
    g_signal_emit (self, signals[SIGNAL_OFFER], 0, from, payload);
  else if (g_str_equal (type, "answer"))
    g_signal_emit (self, signals[SIGNAL_ANSWER], 0, from, payload);
  else if (g_str_equal (type, "ice_candidate"))
    g_signal_emit (self, signals[SIGNAL_ICE_CANDIDATE], 0, from, payload);
  else if (g_str_equal (type, "task_assigned"))
    g_signal_emit (self, signals[SIGNAL_TASK_ASSIGNED], 0, task_from_payload (payload));
  else if (g_str_equal (type, "task_updated"))
    g_signal_emit (self, signals[SIGNAL_TASK_UPDATED], 0, task_from_payload (payload));
}

static void
message_cb (SoupWebsocketConnection *conn, gint type, GBytes *message, gpointer user_data)
{
  WeftSignaling *self = user_data;
  gsize len = 0;
  const gchar *data = g_bytes_get_data (message, &len);

  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    return;
  g_object_ref (self);
  handle_frame (self, data, len);
  g_object_unref (self);
}

static void
closed_cb (SoupWebsocketConnection *conn, gpointer user_data)
{
  WeftSignaling *self = user_data;

  if (conn == self->retired)
    {
      drop_connection (self, &self->retired);
      return;
    }
  if (conn != self->conn)
    return;
  g_message ("signaling connection to %s closed (code %u)",
             weft_registry_client_get_base_url (self->client),
             soup_websocket_connection_get_close_code (conn));
  drop_connection (self, &self->conn);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CONNECTED]);
  schedule_retry (self, NULL);
}

static gboolean
refresh_cb (gpointer user_data)
{
  WeftSignaling *self = user_data;

  self->refresh_id = 0;
  g_debug ("signaling: token expires soon, moving to a fresh connection");
  connect_now (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_refresh (WeftSignaling *self)
{
  gint64 expiry = weft_registry_client_get_token_expiry (self->client);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 in = expiry - now - 60;

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  if (expiry <= 0)
    return;
  /* at least a few seconds, so a clock skew cannot make this spin */
  in = CLAMP (in, 5, G_MAXUINT / 1000);
  self->refresh_id = g_timeout_add_seconds ((guint) in, refresh_cb, self);
}

static gboolean
send_frame (SoupWebsocketConnection *conn,
            const gchar *peer_id,
            const gchar *type,
            const gchar *target_id,
            JsonNode *payload)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree gchar *text = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, type);
  json_builder_set_member_name (builder, "peer_id");
  json_builder_add_string_value (builder, peer_id != NULL ? peer_id : "");
  if (target_id != NULL)
    {
      json_builder_set_member_name (builder, "target_id");
      json_builder_add_string_value (builder, target_id);
    }
  json_builder_set_member_name (builder, "payload");
  if (payload != NULL)
    json_builder_add_value (builder, json_node_copy (payload));
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = json_to_string (root, FALSE);
  soup_websocket_connection_send_text (conn, text);
  return TRUE;
}

static void
ws_connect_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (WeftSignaling) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (SoupWebsocketConnection) conn = NULL;

  conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), res, &error);
  self->connecting = FALSE;
  if (conn == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autoptr (GError) wrapped =
            g_error_new (WEFT_ERROR, WEFT_ERROR_UNAVAILABLE,
                         _ ("Cannot open the signaling connection to %s: %s"),
                         weft_registry_client_get_base_url (self->client), error->message);
          if (self->conn == NULL)
            schedule_retry (self, wrapped);
          else
            {
              g_message ("%s", wrapped->message);
              g_clear_handle_id (&self->refresh_id, g_source_remove);
              self->refresh_id = g_timeout_add_seconds (5, refresh_cb, self);
            }
        }
      return;
    }
  if (!self->started)
    {
      soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      return;
    }

  /* an open connection is being replaced (token refresh): keep the old one
   * until the new one is registered, then let it close */
  if (self->conn != NULL)
    {
      drop_connection (self, &self->retired);
      self->retired = g_steal_pointer (&self->conn);
    }
  self->conn = g_steal_pointer (&conn);
  self->attempts = 0;
  soup_websocket_connection_set_keepalive_interval (self->conn, 30);
  g_signal_connect (self->conn, "message", G_CALLBACK (message_cb), self);
  g_signal_connect (self->conn, "closed", G_CALLBACK (closed_cb), self);
  {
    g_autoptr (JsonNode) payload = NULL;

    if (self->agent_id != NULL)
      {
        JsonObject *obj = json_object_new ();
        json_object_set_string_member (obj, "agent_id", self->agent_id);
        payload = json_node_init_object (json_node_alloc (), obj);
        json_object_unref (obj);
      }
    send_frame (self->conn, weft_registry_client_get_peer_id (self->client), "register", NULL,
                payload);
  }
  if (self->retired != NULL)
    drop_connection (self, &self->retired);
  g_message ("signaling connected to %s as %s", weft_registry_client_get_base_url (self->client),
             weft_registry_client_get_peer_id (self->client));
  schedule_refresh (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CONNECTED]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PEER_ID]);
}

static void
token_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (WeftSignaling) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *token = NULL;
  g_autofree gchar *ws_url = NULL;
  g_autofree gchar *escaped = NULL;
  g_autofree gchar *url = NULL;
  g_autoptr (SoupMessage) msg = NULL;

  token =
    weft_registry_client_fetch_token_finish (WEFT_REGISTRY_CLIENT (source), res, NULL, &error);
  if (token == NULL)
    {
      self->connecting = FALSE;
      if (!g_error_matches (error, WEFT_ERROR, WEFT_ERROR_CANCELLED))
        {
          if (self->conn == NULL)
            schedule_retry (self, error);
          else
            {
              /* keep the open socket; try the refresh again soon */
              g_message ("signaling: cannot refresh the token: %s", error->message);
              g_clear_handle_id (&self->refresh_id, g_source_remove);
              self->refresh_id = g_timeout_add_seconds (5, refresh_cb, self);
            }
        }
      return;
    }
  if (!self->started)
    {
      self->connecting = FALSE;
      return;
    }
  ws_url = weft_registry_client_dup_ws_url (self->client);
  escaped = g_uri_escape_string (token, NULL, FALSE);
  url = g_strconcat (ws_url, "?token=", escaped, NULL);
  msg = soup_message_new ("GET", url);
  if (msg == NULL)
    {
      g_autoptr (GError) bad = g_error_new (WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                                            _ ("“%s” is not a valid signaling URL"), ws_url);
      self->connecting = FALSE;
      schedule_retry (self, bad);
      return;
    }
  soup_session_websocket_connect_async (self->session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        self->cancellable, ws_connect_cb, g_object_ref (self));
}

static void
connect_now (WeftSignaling *self)
{
  if (!self->started || self->connecting)
    return;
  self->connecting = TRUE;
  /* always a fresh token: the socket lives as long as the token it was opened with */
  weft_registry_client_fetch_token_async (self->client, self->cancellable, token_cb,
                                          g_object_ref (self));
}

/**
 * weft_signaling_start:
 * @self: a #WeftSignaling
 *
 * Connects to the registry's `/ws` and keeps the connection up until
 * weft_signaling_stop(). Failures are reported with
 * #WeftSignaling::connection-failed and retried.
 *
 * Since: 0.1
 */
void
weft_signaling_start (WeftSignaling *self)
{
  g_return_if_fail (WEFT_IS_SIGNALING (self));

  if (self->started)
    return;
  self->started = TRUE;
  self->attempts = 0;
  self->cancellable = g_cancellable_new ();
  connect_now (self);
}

/**
 * weft_signaling_stop:
 * @self: a #WeftSignaling
 *
 * Closes the connection and stops reconnecting.
 *
 * Since: 0.1
 */
void
weft_signaling_stop (WeftSignaling *self)
{
  gboolean was_connected;

  g_return_if_fail (WEFT_IS_SIGNALING (self));

  if (!self->started)
    return;
  was_connected = self->conn != NULL;
  self->started = FALSE;
  self->connecting = FALSE;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  drop_connection (self, &self->retired);
  drop_connection (self, &self->conn);
  if (was_connected)
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CONNECTED]);
}

/**
 * weft_signaling_send:
 * @self: a #WeftSignaling
 * @type: the frame type, such as `offer`
 * @target_id: (nullable): the peer the registry should relay the frame to
 * @payload: (nullable): the payload, or %NULL for JSON `null`
 * @error: return location for a #GError
 *
 * Sends one frame `{"type", "peer_id", "target_id", "payload"}` with this
 * connection's peer id.
 *
 * Returns: %TRUE if the frame was queued; %FALSE with
 *   %WEFT_ERROR_UNAVAILABLE when not connected
 *
 * Since: 0.1
 */
gboolean
weft_signaling_send (WeftSignaling *self,
                     const gchar *type,
                     const gchar *target_id,
                     JsonNode *payload,
                     GError **error)
{
  g_return_val_if_fail (WEFT_IS_SIGNALING (self), FALSE);
  g_return_val_if_fail (type != NULL, FALSE);

  if (!weft_signaling_get_connected (self))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_UNAVAILABLE,
                   _ ("The signaling connection to %s is not open; is the registry running?"),
                   weft_registry_client_get_base_url (self->client));
      return FALSE;
    }
  return send_frame (self->conn, weft_registry_client_get_peer_id (self->client), type, target_id,
                     payload);
}
