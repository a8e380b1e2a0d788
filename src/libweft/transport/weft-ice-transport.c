/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <agent.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "weft-candidate.h"
#include "weft-error.h"
#include "weft-ice-transport.h"

/* one ICE component on libnice, trickling both ways. the agent runs on the
 * thread-default GMainContext of the creator; DTLS datagrams (RFC 7983
 * first byte 20..63) go to the receive function, anything else is dropped. */

#define SOCKET_BUFFER     (4 * 1024 * 1024)
#define CONSENT_TIMEOUT_S 30
/* shorter would cut idle connections: SCTP heartbeats come every 10 s */
#define CONSENT_TIMEOUT_MIN_S 15
/* datagrams sent while corked go out together in one sendmmsg() */
#define BATCH_MAX_PACKETS 32
#define BATCH_MAX_BYTES   (64 * 1024)

enum
{
  SIGNAL_LOCAL_CANDIDATE,
  SIGNAL_GATHERING_DONE,
  SIGNAL_STATE_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

typedef struct
{
  char *host; /* (owned) */
  guint16 port;
  gboolean turn; /* else stun */
  NiceRelayType relay_type;
  char *username; /* (owned) (nullable) */
  char *password; /* (owned) (nullable) */
  char *address;  /* (owned) (nullable) numeric, once resolved */
} IceServer;

struct _WeftIceTransport
{
  GObject parent_instance;

  GMainContext *context; /* (owned) */
  NiceAgent *agent;      /* (owned) (nullable) */
  guint stream_id;
  gboolean controlling;
  WeftIceState state;
  gboolean gathering_started;
  gboolean gathering_done;
  gboolean closed;
  guint in_recv;             /* nesting of recv_cb */
  guint64 rx_count;          /* datagrams handed up */
  guint64 rx_count_seen;     /* at the last consent tick */
  gint64 last_rx_us;         /* when the count last moved */
  guint consent_timeout_s;   /* silence after which the path is lost */
  GSource *consent_timer;    /* (owned) (nullable) */
  GPtrArray *servers;        /* (element-type IceServer) (owned) */
  guint pending_resolutions; /* servers still being resolved */
  GCancellable *cancellable; /* (owned) */

  WeftTransportPacketFunc receive_func;
  gpointer receive_data;

  /* batching: the selected pair's socket when it is a direct UDP path */
  guint corked;            /* nesting of cork() */
  gboolean direct_checked; /* direct_socket reflects the selected pair */
  GSocket *direct_socket;  /* (owned) (nullable) */
  struct sockaddr_storage direct_remote;
  socklen_t direct_remote_len;
  GByteArray *batch; /* (owned) (nullable) datagrams back to back */
  guint batch_lens[BATCH_MAX_PACKETS];
  guint n_batch;
};

G_DEFINE_TYPE (WeftIceTransport, weft_ice_transport, G_TYPE_OBJECT)

static void
forget_direct_path (WeftIceTransport *self);
static void
flush_batch (WeftIceTransport *self);

static void
ice_server_free (IceServer *server)
{
  g_free (server->host);
  g_free (server->username);
  g_free (server->password);
  g_free (server->address);
  g_free (server);
}

static void
set_state (WeftIceTransport *self, WeftIceState state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0, (guint) state);
}

static void
recv_cb (NiceAgent *agent,
         guint stream_id,
         guint component_id,
         guint len,
         gchar *buf,
         gpointer user_data)
{
  WeftIceTransport *self = user_data;

  if (len == 0 || !WEFT_TRANSPORT_IS_DTLS ((guint8) buf[0]) || self->receive_func == NULL)
    return;
  /* the layers above deliver to user code from here, which may close or
   * drop us: stay alive, and let close() leave the agent alone until
   * libnice is out of this callback */
  self->rx_count++;
  g_object_ref (self);
  self->in_recv++;
  /* what the layers above send in answer leaves in one batch */
  weft_ice_transport_cork (self);
  self->receive_func ((const guint8 *) buf, len, self->receive_data);
  weft_ice_transport_uncork (self);
  self->in_recv--;
  g_object_unref (self);
}

static void
new_candidate_cb (NiceAgent *agent, NiceCandidate *candidate, gpointer user_data)
{
  WeftIceTransport *self = user_data;
  g_autofree gchar *sdp = nice_agent_generate_local_candidate_sdp (agent, candidate);
  g_autofree char *browser = NULL;
  g_autoptr (GError) error = NULL;

  if (candidate->stream_id != self->stream_id || sdp == NULL)
    return;
  browser = weft_candidate_to_browser (sdp, &error);
  if (browser == NULL)
    {
      g_debug ("ICE: skipping local candidate %s: %s", sdp, error->message);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_LOCAL_CANDIDATE], 0, browser);
}

static void
gathering_done_cb (NiceAgent *agent, guint stream_id, gpointer user_data)
{
  WeftIceTransport *self = user_data;

  if (stream_id != self->stream_id || self->gathering_done)
    return;
  self->gathering_done = TRUE;
  g_signal_emit (self, signals[SIGNAL_GATHERING_DONE], 0);
}

/* a burst of SCTP packets overflows the default UDP receive buffer
 * (~200 KiB) and each drop halves the congestion window: ask for more on
 * the socket in use; the kernel caps it at net.core.rmem_max */
static void
enlarge_socket_buffers (WeftIceTransport *self)
{
  g_autoptr (GSocket) socket = nice_agent_get_selected_socket (self->agent, self->stream_id, 1);
  g_autoptr (GError) error = NULL;

  if (socket == NULL)
    return;
  if (!g_socket_set_option (socket, SOL_SOCKET, SO_RCVBUF, SOCKET_BUFFER, &error) ||
      !g_socket_set_option (socket, SOL_SOCKET, SO_SNDBUF, SOCKET_BUFFER, &error))
    g_debug ("ICE: could not enlarge the socket buffers: %s", error->message);
}

static void
stop_consent_timer (WeftIceTransport *self)
{
  if (self->consent_timer != NULL)
    {
      g_source_destroy (self->consent_timer);
      g_clear_pointer (&self->consent_timer, g_source_unref);
    }
}

/* consent as RFC 7675 means it: stop when the peer has sent nothing for
 * 30 s. SCTP heartbeats keep an idle association talking every 10 s, and
 * every datagram counted here passed DTLS authentication above */
static gboolean
consent_tick (gpointer user_data)
{
  WeftIceTransport *self = user_data;
  gint64 now = g_get_monotonic_time ();

  if (self->rx_count != self->rx_count_seen)
    {
      self->rx_count_seen = self->rx_count;
      self->last_rx_us = now;
      return G_SOURCE_CONTINUE;
    }
  if (now - self->last_rx_us < (gint64) self->consent_timeout_s * G_USEC_PER_SEC)
    return G_SOURCE_CONTINUE;
  g_message ("ICE: nothing from the peer for %u s; the connection is lost",
             self->consent_timeout_s);
  g_clear_pointer (&self->consent_timer, g_source_unref);
  set_state (self, WEFT_ICE_STATE_FAILED);
  return G_SOURCE_REMOVE;
}

/* WEFT_ICE_CONSENT_TIMEOUT (seconds) shortens or lengthens the 30 s rule */
static guint
consent_timeout (void)
{
  const char *env = g_getenv ("WEFT_ICE_CONSENT_TIMEOUT");
  guint64 value;

  if (env == NULL)
    return CONSENT_TIMEOUT_S;
  if (!g_ascii_string_to_unsigned (env, 10, CONSENT_TIMEOUT_MIN_S, 3600, &value, NULL))
    {
      g_warning ("WEFT_ICE_CONSENT_TIMEOUT=%s is not a number of seconds from %d to 3600; "
                 "using %d",
                 env, CONSENT_TIMEOUT_MIN_S, CONSENT_TIMEOUT_S);
      return CONSENT_TIMEOUT_S;
    }
  return (guint) value;
}

static void
start_consent_timer (WeftIceTransport *self)
{
  if (self->consent_timer != NULL)
    return;
  self->last_rx_us = g_get_monotonic_time ();
  self->rx_count_seen = self->rx_count;
  self->consent_timer = g_timeout_source_new_seconds (5);
  g_source_set_callback (self->consent_timer, consent_tick, self, NULL);
  g_source_set_static_name (self->consent_timer, "weft-ice-consent");
  g_source_attach (self->consent_timer, self->context);
}

static void
selected_pair_cb (NiceAgent *agent,
                  guint stream_id,
                  guint component_id,
                  NiceCandidate *local,
                  NiceCandidate *remote,
                  gpointer user_data)
{
  WeftIceTransport *self = user_data;

  /* datagrams already batched were meant for the old pair: let them go first */
  flush_batch (self);
  forget_direct_path (self);
}

static void
component_state_cb (NiceAgent *agent,
                    guint stream_id,
                    guint component_id,
                    guint state,
                    gpointer user_data)
{
  WeftIceTransport *self = user_data;

  if (stream_id != self->stream_id || self->closed)
    return;
  g_debug ("ICE component state: %s", nice_component_state_to_string (state));
  switch ((NiceComponentState) state)
    {
      case NICE_COMPONENT_STATE_CONNECTED:
      case NICE_COMPONENT_STATE_READY:
        enlarge_socket_buffers (self);
        start_consent_timer (self);
        set_state (self, WEFT_ICE_STATE_CONNECTED);
        break;
      case NICE_COMPONENT_STATE_FAILED:
        stop_consent_timer (self);
        set_state (self, WEFT_ICE_STATE_FAILED);
        break;
      case NICE_COMPONENT_STATE_GATHERING:
      case NICE_COMPONENT_STATE_CONNECTING:
        if (self->state == WEFT_ICE_STATE_NEW)
          set_state (self, WEFT_ICE_STATE_CHECKING);
        break;
      case NICE_COMPONENT_STATE_DISCONNECTED:
      case NICE_COMPONENT_STATE_LAST:
      default:
        break;
    }
}

static void
weft_ice_transport_dispose (GObject *object)
{
  WeftIceTransport *self = WEFT_ICE_TRANSPORT (object);

  weft_ice_transport_close (self);
  G_OBJECT_CLASS (weft_ice_transport_parent_class)->dispose (object);
}

static void
weft_ice_transport_finalize (GObject *object)
{
  WeftIceTransport *self = WEFT_ICE_TRANSPORT (object);

  g_clear_pointer (&self->servers, g_ptr_array_unref);
  g_clear_pointer (&self->batch, g_byte_array_unref);
  g_clear_object (&self->direct_socket);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->context, g_main_context_unref);
  G_OBJECT_CLASS (weft_ice_transport_parent_class)->finalize (object);
}

static void
weft_ice_transport_class_init (WeftIceTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GType type = G_TYPE_FROM_CLASS (klass);

  object_class->dispose = weft_ice_transport_dispose;
  object_class->finalize = weft_ice_transport_finalize;

  /* local-candidate (const char *candidate): browser form, no "a=" */
  signals[SIGNAL_LOCAL_CANDIDATE] = g_signal_new ("local-candidate", type, G_SIGNAL_RUN_LAST, 0,
                                                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_GATHERING_DONE] =
    g_signal_new ("gathering-done", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* state-changed (guint state): a WeftIceState */
  signals[SIGNAL_STATE_CHANGED] = g_signal_new ("state-changed", type, G_SIGNAL_RUN_LAST, 0, NULL,
                                                NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
weft_ice_transport_init (WeftIceTransport *self)
{
  self->servers = g_ptr_array_new_with_free_func ((GDestroyNotify) ice_server_free);
  self->cancellable = g_cancellable_new ();
}

/*
 * weft_ice_transport_new:
 * @controlling: TRUE on the offerer's side
 */
WeftIceTransport *
weft_ice_transport_new (gboolean controlling, GError **error)
{
  g_autoptr (WeftIceTransport) self = g_object_new (WEFT_TYPE_ICE_TRANSPORT, NULL);

  self->context = g_main_context_ref_thread_default ();
  self->controlling = controlling;
  self->consent_timeout_s = consent_timeout ();
  /* no NICE_AGENT_OPTION_CONSENT_FRESHNESS: libnice 0.1.21 sends one
   * consent request every ~5 s, never retransmits it, and gives up 10 s
   * after the last answer, so on a path with 5 % loss a single lost packet
   * kills a healthy connection (measured through an impairment relay).
   * keepalive-conncheck below keeps checking the pair with retransmitted
   * binding requests, and SCTP heartbeats (10 s) take the association down
   * when the peer stops answering.
   * aggressive nomination (libnice's default without REGULAR_NOMINATION):
   * the controlling side's first check carries USE-CANDIDATE, so the pair
   * is selected one check after the first pacing tick instead of two ticks
   * later (channel open on loopback: about 20 ms down to about 10 ms).
   * libnice still switches to a better pair that succeeds afterwards, and
   * aiortc and Chromium accept nomination on any check when controlled. */
  self->agent =
    nice_agent_new_full (self->context, NICE_COMPATIBILITY_RFC5245, NICE_AGENT_OPTION_ICE_TRICKLE);
  if (self->agent == NULL)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_FAILED, _ ("Could not create the ICE agent"));
      return NULL;
    }
  /* no UPnP port mapping: it multicasts on every interface and adds threads */
  g_object_set (self->agent, "controlling-mode", controlling, "upnp", FALSE, "ice-tcp", FALSE,
                "ice-udp", TRUE, "stun-initial-timeout", 500, "stun-max-retransmissions", 3,
                "stun-pacing-timer", 5, "keepalive-conncheck", TRUE, NULL);
  self->stream_id = nice_agent_add_stream (self->agent, 1);
  if (self->stream_id == 0)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_FAILED, _ ("Could not add an ICE stream"));
      return NULL;
    }
  nice_agent_set_stream_name (self->agent, self->stream_id, "application");
  g_signal_connect_object (self->agent, "new-candidate-full", G_CALLBACK (new_candidate_cb), self,
                           0);
  g_signal_connect_object (self->agent, "candidate-gathering-done", G_CALLBACK (gathering_done_cb),
                           self, 0);
  g_signal_connect_object (self->agent, "new-selected-pair-full", G_CALLBACK (selected_pair_cb),
                           self, 0);
  g_signal_connect_object (self->agent, "component-state-changed", G_CALLBACK (component_state_cb),
                           self, 0);
  nice_agent_attach_recv (self->agent, self->stream_id, 1, self->context, recv_cb, self);
  return g_steal_pointer (&self);
}

/* restricts gathering to the given addresses (for instance 127.0.0.1 in tests) */
gboolean
weft_ice_transport_add_local_address (WeftIceTransport *self, const char *address, GError **error)
{
  NiceAddress addr;

  g_return_val_if_fail (WEFT_IS_ICE_TRANSPORT (self), FALSE);
  nice_address_init (&addr);
  if (self->agent == NULL || !nice_address_set_from_string (&addr, address) ||
      !nice_agent_add_local_address (self->agent, &addr))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("“%s” is not a usable local address for ICE"), address);
      return FALSE;
    }
  return TRUE;
}

/* binds the local host candidates within [min_port, max_port] */
void
weft_ice_transport_set_port_range (WeftIceTransport *self, guint min_port, guint max_port)
{
  g_return_if_fail (WEFT_IS_ICE_TRANSPORT (self));
  if (self->agent != NULL)
    nice_agent_set_port_range (self->agent, self->stream_id, 1, min_port, max_port);
}

static gboolean
parse_url (const char *url, IceServer *server, GError **error)
{
  g_autofree char *rest = NULL;
  g_auto (GStrv) query = NULL;
  const char *hostport;
  const char *colon;
  gboolean secure = FALSE;
  guint64 port;

  if (g_str_has_prefix (url, "stun:"))
    hostport = url + 5;
  else if (g_str_has_prefix (url, "stuns:"))
    hostport = url + 6;
  else if (g_str_has_prefix (url, "turn:"))
    {
      server->turn = TRUE;
      hostport = url + 5;
    }
  else if (g_str_has_prefix (url, "turns:"))
    {
      server->turn = TRUE;
      secure = TRUE;
      hostport = url + 6;
    }
  else
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("ICE server URL “%s” is neither stun: nor turn:"), url);
      return FALSE;
    }
  query = g_strsplit (hostport, "?", 2);
  rest = g_strdup (query[0]);
  server->relay_type = secure ? NICE_RELAY_TYPE_TURN_TLS : NICE_RELAY_TYPE_TURN_UDP;
  if (query[1] != NULL && strstr (query[1], "transport=tcp") != NULL && !secure)
    server->relay_type = NICE_RELAY_TYPE_TURN_TCP;
  port = secure ? 5349 : 3478;
  if (rest[0] == '[')
    {
      char *end = strchr (rest, ']');

      if (end == NULL)
        {
          g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                       _ ("ICE server URL “%s” has an unterminated IPv6 address"), url);
          return FALSE;
        }
      *end = '\0';
      server->host = g_strdup (rest + 1);
      colon = end[1] == ':' ? end + 1 : NULL;
    }
  else
    {
      colon = strrchr (rest, ':');
      server->host = colon != NULL ? g_strndup (rest, (gsize) (colon - rest)) : g_strdup (rest);
    }
  if (colon != NULL && (!g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &port, NULL)))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("ICE server URL “%s” has an invalid port"), url);
      return FALSE;
    }
  if (server->host[0] == '\0')
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("ICE server URL “%s” has no host"), url);
      return FALSE;
    }
  server->port = (guint16) port;
  return TRUE;
}

/*
 * weft_ice_transport_set_ice_servers:
 * @config: the registry's /api/config object (`{"iceServers": [...]}`) or
 *   the array itself
 *
 * Takes the STUN and TURN servers to use when gathering. libnice uses one
 * STUN server, the first one listed, and every TURN server.
 */
gboolean
weft_ice_transport_set_ice_servers (WeftIceTransport *self, JsonNode *config, GError **error)
{
  g_autoptr (GPtrArray) servers = NULL;
  JsonArray *list = NULL;

  g_return_val_if_fail (WEFT_IS_ICE_TRANSPORT (self), FALSE);

  if (config != NULL && JSON_NODE_HOLDS_OBJECT (config))
    {
      JsonObject *obj = json_node_get_object (config);
      JsonNode *node = json_object_get_member (obj, "iceServers");

      if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
        list = json_node_get_array (node);
    }
  else if (config != NULL && JSON_NODE_HOLDS_ARRAY (config))
    list = json_node_get_array (config);
  if (list == NULL)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                   _ ("The ICE configuration has no “iceServers” array"));
      return FALSE;
    }

  servers = g_ptr_array_new_with_free_func ((GDestroyNotify) ice_server_free);
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonNode *entry = json_array_get_element (list, i);
      JsonObject *obj;
      JsonNode *urls;
      g_autoptr (GPtrArray) url_list = g_ptr_array_new ();

      if (!JSON_NODE_HOLDS_OBJECT (entry))
        {
          g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                       _ ("ICE server %u is not an object"), i);
          return FALSE;
        }
      obj = json_node_get_object (entry);
      urls = json_object_get_member (obj, "urls");
      if (urls == NULL)
        urls = json_object_get_member (obj, "url");
      if (urls != NULL && JSON_NODE_HOLDS_VALUE (urls) &&
          json_node_get_value_type (urls) == G_TYPE_STRING)
        g_ptr_array_add (url_list, (gpointer) json_node_get_string (urls));
      else if (urls != NULL && JSON_NODE_HOLDS_ARRAY (urls))
        {
          JsonArray *a = json_node_get_array (urls);

          for (guint j = 0; j < json_array_get_length (a); j++)
            {
              const char *u = json_array_get_string_element (a, j);

              if (u != NULL)
                g_ptr_array_add (url_list, (gpointer) u);
            }
        }
      if (url_list->len == 0)
        {
          g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                       _ ("ICE server %u has no “urls”"), i);
          return FALSE;
        }
      for (guint j = 0; j < url_list->len; j++)
        {
          IceServer *server = g_new0 (IceServer, 1);

          if (!parse_url (g_ptr_array_index (url_list, j), server, error))
            {
              ice_server_free (server);
              return FALSE;
            }
          if (server->turn)
            {
              server->username =
                g_strdup (json_object_get_string_member_with_default (obj, "username", ""));
              server->password =
                g_strdup (json_object_get_string_member_with_default (obj, "credential", ""));
            }
          g_ptr_array_add (servers, server);
        }
    }
  g_clear_pointer (&self->servers, g_ptr_array_unref);
  self->servers = g_steal_pointer (&servers);
  return TRUE;
}

static void
start_gathering (WeftIceTransport *self)
{
  gboolean have_stun = FALSE;

  for (guint i = 0; i < self->servers->len; i++)
    {
      IceServer *server = g_ptr_array_index (self->servers, i);

      if (server->address == NULL)
        continue;
      if (!server->turn && !have_stun)
        {
          g_object_set (self->agent, "stun-server", server->address, "stun-server-port",
                        (guint) server->port, NULL);
          have_stun = TRUE;
        }
      else if (server->turn)
        nice_agent_set_relay_info (self->agent, self->stream_id, 1, server->address, server->port,
                                   server->username, server->password, server->relay_type);
    }
  if (!nice_agent_gather_candidates (self->agent, self->stream_id))
    g_warning ("ICE: could not gather local candidates");
}

typedef struct
{
  WeftIceTransport *self; /* (owned) */
  IceServer *server;      /* (unowned) kept alive by self->servers */
} Resolution;

static void
resolution_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Resolution *r = user_data;
  g_autoptr (WeftIceTransport) self = r->self;
  g_autoptr (GError) error = NULL;
  GList *addresses;

  addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);
  if (addresses != NULL)
    {
      r->server->address = g_inet_address_to_string (addresses->data);
      g_resolver_free_addresses (addresses);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("ICE: skipping server %s: %s", r->server->host, error->message);
  g_free (r);
  if (self->closed)
    return;
  if (--self->pending_resolutions == 0)
    start_gathering (self);
}

/* resolves server host names (libnice wants numeric addresses) without
 * blocking, then gathers; candidates come out as "local-candidate" */
void
weft_ice_transport_gather (WeftIceTransport *self)
{
  g_autoptr (GResolver) resolver = NULL;

  g_return_if_fail (WEFT_IS_ICE_TRANSPORT (self));
  if (self->gathering_started || self->closed)
    return;
  self->gathering_started = TRUE;

  for (guint i = 0; i < self->servers->len; i++)
    {
      IceServer *server = g_ptr_array_index (self->servers, i);
      Resolution *r;

      if (g_hostname_is_ip_address (server->host))
        {
          server->address = g_strdup (server->host);
          continue;
        }
      if (resolver == NULL)
        resolver = g_resolver_get_default ();
      r = g_new0 (Resolution, 1);
      r->self = g_object_ref (self);
      r->server = server;
      self->pending_resolutions++;
      g_resolver_lookup_by_name_async (resolver, server->host, self->cancellable, resolution_done,
                                       r);
    }
  if (self->pending_resolutions == 0)
    start_gathering (self);
}

void
weft_ice_transport_get_local_credentials (WeftIceTransport *self, char **ufrag, char **pwd)
{
  g_autofree gchar *u = NULL;
  g_autofree gchar *p = NULL;

  g_return_if_fail (WEFT_IS_ICE_TRANSPORT (self));
  if (self->agent != NULL)
    nice_agent_get_local_credentials (self->agent, self->stream_id, &u, &p);
  *ufrag = g_steal_pointer (&u);
  *pwd = g_steal_pointer (&p);
}

gboolean
weft_ice_transport_set_remote_credentials (WeftIceTransport *self,
                                           const char *ufrag,
                                           const char *pwd,
                                           GError **error)
{
  g_return_val_if_fail (WEFT_IS_ICE_TRANSPORT (self), FALSE);
  if (self->agent == NULL || ufrag == NULL || pwd == NULL ||
      !nice_agent_set_remote_credentials (self->agent, self->stream_id, ufrag, pwd))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("The remote ICE credentials are missing or invalid"));
      return FALSE;
    }
  return TRUE;
}

/*
 * weft_ice_transport_add_remote_candidate:
 * @candidate: with or without "a=", trailing white space allowed
 *
 * An mDNS (.local) or other host-name candidate is dropped with a log
 * line; the peer is still reachable through the candidates it learns
 * from our checks (peer-reflexive).
 *
 * Returns: FALSE with @error set when the candidate cannot be parsed
 */
gboolean
weft_ice_transport_add_remote_candidate (WeftIceTransport *self,
                                         const char *candidate,
                                         GError **error)
{
  g_autofree gchar *hostname = NULL;
  g_autofree gchar *line = NULL;
  g_autoptr (GError) local_error = NULL;
  NiceCandidate *nc;
  GSList list = { 0 };

  g_return_val_if_fail (WEFT_IS_ICE_TRANSPORT (self), FALSE);
  if (self->agent == NULL)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE, _ ("The ICE transport is closed"));
      return FALSE;
    }
  line = weft_candidate_normalize (candidate, &hostname, &local_error);
  if (line == NULL && hostname != NULL)
    {
      g_message ("ICE: dropping remote candidate with host name %s (%s)", hostname,
                 local_error->message);
      return TRUE;
    }
  if (line == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  nc = nice_agent_parse_remote_candidate_sdp (self->agent, self->stream_id, line);
  if (nc == NULL)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                   _ ("The ICE agent could not use the remote candidate “%s”"), candidate);
      return FALSE;
    }
  if (nc->component_id != 1)
    {
      /* data-only sessions are rtcp-muxed: one component */
      nice_candidate_free (nc);
      return TRUE;
    }
  list.data = nc;
  if (nice_agent_set_remote_candidates (self->agent, self->stream_id, 1, &list) < 0)
    g_debug ("ICE: remote candidate not added: %s", line);
  nice_candidate_free (nc);
  return TRUE;
}

void
weft_ice_transport_set_remote_gathering_done (WeftIceTransport *self)
{
  g_return_if_fail (WEFT_IS_ICE_TRANSPORT (self));
  if (self->agent != NULL)
    nice_agent_peer_candidate_gathering_done (self->agent, self->stream_id);
}

/* new local credentials; the caller sends a new offer and sets the peer's
 * new credentials when the answer comes */
gboolean
weft_ice_transport_restart (WeftIceTransport *self, GError **error)
{
  g_return_val_if_fail (WEFT_IS_ICE_TRANSPORT (self), FALSE);
  if (self->agent == NULL || !nice_agent_restart_stream (self->agent, self->stream_id))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE, _ ("The ICE restart failed"));
      return FALSE;
    }
  flush_batch (self);
  forget_direct_path (self);
  set_state (self, WEFT_ICE_STATE_CHECKING);
  return TRUE;
}

void
weft_ice_transport_set_receive_func (WeftIceTransport *self,
                                     WeftTransportPacketFunc func,
                                     gpointer user_data)
{
  g_return_if_fail (WEFT_IS_ICE_TRANSPORT (self));
  self->receive_func = func;
  self->receive_data = user_data;
}

static void
forget_direct_path (WeftIceTransport *self)
{
  self->direct_checked = FALSE;
  g_clear_object (&self->direct_socket);
}

/* the selected pair's local socket and remote address, when datagrams can
 * go straight to it: UDP between host or reflexive candidates. a relayed
 * pair needs libnice's TURN framing and is never sent to directly. */
static gboolean
have_direct_path (WeftIceTransport *self)
{
  NiceCandidate *local = NULL, *remote = NULL;
  GSocket *socket;

  if (self->direct_checked)
    return self->direct_socket != NULL;
  self->direct_checked = TRUE;
  if (self->agent == NULL ||
      !nice_agent_get_selected_pair (self->agent, self->stream_id, 1, &local, &remote) ||
      local->type == NICE_CANDIDATE_TYPE_RELAYED ||
      remote->transport != NICE_CANDIDATE_TRANSPORT_UDP)
    return FALSE;
  socket = nice_agent_get_selected_socket (self->agent, self->stream_id, 1);
  if (socket == NULL)
    return FALSE;
  if (g_socket_get_protocol (socket) != G_SOCKET_PROTOCOL_UDP)
    {
      g_object_unref (socket);
      return FALSE;
    }
  memset (&self->direct_remote, 0, sizeof self->direct_remote);
  nice_address_copy_to_sockaddr (&remote->addr, (struct sockaddr *) &self->direct_remote);
  self->direct_remote_len = self->direct_remote.ss_family == AF_INET6 ? sizeof (struct sockaddr_in6)
                                                                      : sizeof (struct sockaddr_in);
  self->direct_socket = socket;
  return TRUE;
}

static void
flush_batch (WeftIceTransport *self)
{
  struct mmsghdr msgs[BATCH_MAX_PACKETS];
  struct iovec iov[BATCH_MAX_PACKETS];
  guint n = self->n_batch, sent = 0;
  gsize offset = 0;
  int fd;

  if (n == 0)
    return;
  self->n_batch = 0;
  if (self->direct_socket == NULL)
    {
      g_byte_array_set_size (self->batch, 0);
      return;
    }
  fd = g_socket_get_fd (self->direct_socket);
  memset (msgs, 0, sizeof (struct mmsghdr) * n);
  for (guint i = 0; i < n; i++)
    {
      iov[i].iov_base = self->batch->data + offset;
      iov[i].iov_len = self->batch_lens[i];
      offset += self->batch_lens[i];
      msgs[i].msg_hdr.msg_name = &self->direct_remote;
      msgs[i].msg_hdr.msg_namelen = self->direct_remote_len;
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
  while (sent < n)
    {
      int rc = sendmmsg (fd, msgs + sent, n - sent, MSG_DONTWAIT);

      if (rc < 0 && errno == EINTR)
        continue;
      if (rc <= 0)
        {
          /* a full socket buffer loses datagrams, as libnice's own send would */
          g_debug ("ICE: %u datagram(s) not sent: %s", n - sent, g_strerror (errno));
          break;
        }
      sent += (guint) rc;
    }
  /* only now: shrinking clears the bytes under G_DEBUG=gc-friendly */
  g_byte_array_set_size (self->batch, 0);
}

/*
 * weft_ice_transport_cork:
 *
 * Until the matching weft_ice_transport_uncork(), datagrams for a direct
 * UDP path are collected and then sent with one system call. Calls nest.
 */
void
weft_ice_transport_cork (WeftIceTransport *self)
{
  g_return_if_fail (WEFT_IS_ICE_TRANSPORT (self));
  self->corked++;
}

void
weft_ice_transport_uncork (WeftIceTransport *self)
{
  g_return_if_fail (WEFT_IS_ICE_TRANSPORT (self));
  g_return_if_fail (self->corked > 0);
  if (--self->corked == 0)
    flush_batch (self);
}

gboolean
weft_ice_transport_send (WeftIceTransport *self, const guint8 *data, gsize len)
{
  if (self->agent == NULL)
    return FALSE;
  if (self->corked > 0 && len <= BATCH_MAX_BYTES && have_direct_path (self))
    {
      if (self->n_batch == BATCH_MAX_PACKETS ||
          (self->n_batch > 0 && self->batch->len + len > BATCH_MAX_BYTES))
        flush_batch (self);
      if (self->batch == NULL)
        self->batch = g_byte_array_sized_new (BATCH_MAX_BYTES);
      g_byte_array_append (self->batch, data, (guint) len);
      self->batch_lens[self->n_batch++] = (guint) len;
      return TRUE;
    }
  /* in order: whatever is batched leaves first */
  if (self->n_batch > 0)
    flush_batch (self);
  return nice_agent_send (self->agent, self->stream_id, 1, (guint) len, (const gchar *) data) >= 0;
}

static void
agent_closed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  /* the agent reference taken by close() goes now, once TURN allocations are released */
  g_object_unref (source);
}

typedef struct
{
  NiceAgent *agent; /* (owned) */
  guint stream_id;
  GMainContext *context; /* (owned) */
} AgentTeardown;

static gboolean
teardown_agent (gpointer data)
{
  AgentTeardown *t = data;

  nice_agent_attach_recv (t->agent, t->stream_id, 1, t->context, NULL, NULL);
  nice_agent_remove_stream (t->agent, t->stream_id);
  /* agent_closed_cb drops the agent once TURN allocations are released */
  nice_agent_close_async (t->agent, agent_closed_cb, NULL);
  g_main_context_unref (t->context);
  g_free (t);
  return G_SOURCE_REMOVE;
}

/* stops everything: no callback runs after this; the agent itself goes
 * once its asynchronous close (TURN deallocation) is done */
void
weft_ice_transport_close (WeftIceTransport *self)
{
  NiceAgent *agent;

  g_return_if_fail (WEFT_IS_ICE_TRANSPORT (self));
  if (self->closed)
    return;
  self->closed = TRUE;
  self->receive_func = NULL;
  flush_batch (self);
  forget_direct_path (self);
  stop_consent_timer (self);
  g_cancellable_cancel (self->cancellable);
  agent = g_steal_pointer (&self->agent);
  if (agent != NULL)
    {
      AgentTeardown *t = g_new0 (AgentTeardown, 1);

      g_signal_handlers_disconnect_by_data (agent, self);
      t->agent = agent;
      t->stream_id = self->stream_id;
      t->context = g_main_context_ref (self->context);
      if (self->in_recv > 0)
        {
          /* inside libnice's receive callback: tear down from the loop */
          GSource *idle = g_idle_source_new ();

          g_source_set_priority (idle, G_PRIORITY_HIGH);
          g_source_set_callback (idle, teardown_agent, t, NULL);
          g_source_attach (idle, self->context);
          g_source_unref (idle);
        }
      else
        teardown_agent (t);
    }
  set_state (self, WEFT_ICE_STATE_CLOSED);
}

WeftIceState
weft_ice_transport_get_state (WeftIceTransport *self)
{
  g_return_val_if_fail (WEFT_IS_ICE_TRANSPORT (self), WEFT_ICE_STATE_CLOSED);
  return self->state;
}

gboolean
weft_ice_transport_get_controlling (WeftIceTransport *self)
{
  g_return_val_if_fail (WEFT_IS_ICE_TRANSPORT (self), FALSE);
  return self->controlling;
}

/*
 * weft_ice_transport_get_local_candidates:
 *
 * Returns: (transfer full) (element-type utf8): the candidates gathered so
 *   far, in browser form
 */
GPtrArray *
weft_ice_transport_get_local_candidates (WeftIceTransport *self)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  GSList *list;

  g_return_val_if_fail (WEFT_IS_ICE_TRANSPORT (self), out);
  if (self->agent == NULL)
    return out;
  list = nice_agent_get_local_candidates (self->agent, self->stream_id, 1);
  for (GSList *l = list; l != NULL; l = l->next)
    {
      g_autofree gchar *sdp = nice_agent_generate_local_candidate_sdp (self->agent, l->data);
      char *browser = sdp != NULL ? weft_candidate_to_browser (sdp, NULL) : NULL;

      if (browser != NULL)
        g_ptr_array_add (out, browser);
    }
  g_slist_free_full (list, (GDestroyNotify) nice_candidate_free);
  return out;
}

static gboolean
address_is_loopback (const NiceAddress *address)
{
  gchar text[NICE_ADDRESS_STRING_LEN];
  g_autoptr (GInetAddress) inet = NULL;

  nice_address_to_string (address, text);
  inet = g_inet_address_new_from_string (text);
  return inet != NULL && g_inet_address_get_is_loopback (inet);
}

/* whether both ends of the selected pair are loopback addresses, a path
 * with a 64 KiB MTU */
gboolean
weft_ice_transport_selected_pair_is_loopback (WeftIceTransport *self)
{
  NiceCandidate *local = NULL;
  NiceCandidate *remote = NULL;

  g_return_val_if_fail (WEFT_IS_ICE_TRANSPORT (self), FALSE);
  if (self->agent == NULL ||
      !nice_agent_get_selected_pair (self->agent, self->stream_id, 1, &local, &remote))
    return FALSE;
  return address_is_loopback (&local->addr) && address_is_loopback (&remote->addr);
}

gboolean
weft_ice_transport_is_gathering_done (WeftIceTransport *self)
{
  g_return_val_if_fail (WEFT_IS_ICE_TRANSPORT (self), FALSE);
  return self->gathering_done;
}
