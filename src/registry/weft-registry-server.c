/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "weft.h"
#include "weft-registry-server-private.h"
#include "weft-store-sqlite.h"
#include "weft-websocket-limiter.h"

G_DEFINE_TYPE (WeftRegistryServer, weft_registry_server, G_TYPE_OBJECT)

#define DRAIN_TIMEOUT_S       5
#define SWEEP_MIN_INTERVAL_US (250 * 1000)
#define SWEEP_INTERVAL_S      30

static const WeftRoute *const route_tables[] = {
  weft_registry_agent_routes,
  weft_registry_task_routes,
  weft_registry_pairing_routes,
};

/* ---- JSON helpers ---- */

JsonNode *
weft_json_error_new (const gchar *message)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_add_string_value (b, message);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

JsonNode *
weft_json_status_ok_new (void)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, "ok");
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
add_cors_headers (SoupServerMessage *msg)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (h, "Access-Control-Allow-Origin", "*");
}

/* ---- requests ---- */

static void
weft_request_free (WeftRequest *req)
{
  g_clear_pointer (&req->params, g_ptr_array_unref);
  g_clear_pointer (&req->query, g_hash_table_unref);
  g_clear_pointer (&req->principal, weft_principal_unref);
  g_clear_pointer (&req->body, g_bytes_unref);
  g_clear_object (&req->msg);
  g_clear_object (&req->server);
  g_free (req);
}

const gchar *
weft_request_param (WeftRequest *req, guint index)
{
  return index < req->params->len ? g_ptr_array_index (req->params, index) : NULL;
}

const gchar *
weft_request_query (WeftRequest *req, const gchar *name)
{
  return req->query != NULL ? g_hash_table_lookup (req->query, name) : NULL;
}

const gchar *
weft_request_body_data (WeftRequest *req, gsize *length)
{
  if (req->body == NULL)
    {
      *length = 0;
      return "";
    }
  return g_bytes_get_data (req->body, length);
}

const gchar *
weft_request_header (WeftRequest *req, const gchar *name)
{
  return soup_message_headers_get_one (soup_server_message_get_request_headers (req->msg), name);
}

gchar *
weft_request_remote_address (WeftRequest *req)
{
  return weft_registry_server_remote_address (req->msg);
}

static void
weft_request_finish (WeftRequest *req, guint status)
{
  gdouble secs = (gdouble) (g_get_monotonic_time () - req->started) / G_USEC_PER_SEC;

  weft_registry_metrics_observe_request (req->server->metrics,
                                         req->route != NULL ? req->route->pattern : "other",
                                         soup_server_message_get_method (req->msg), status, secs);
  req->done = TRUE;
  if (req->paused)
    {
      soup_server_message_unpause (req->msg);
      weft_request_free (req);
    }
}

void
weft_request_reply_json (WeftRequest *req, guint status, JsonNode *node)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  gsize len;
  gchar *data;

  g_return_if_fail (!req->done);
  json_generator_set_root (gen, node);
  data = json_generator_to_data (gen, &len);
  add_cors_headers (req->msg);
  soup_server_message_set_status (req->msg, status, NULL);
  soup_server_message_set_response (req->msg, "application/json", SOUP_MEMORY_TAKE, data, len);
  weft_request_finish (req, status);
}

void
weft_request_reply_text (WeftRequest *req, guint status, const gchar *content_type, GString *text)
{
  gsize len = text->len;

  g_return_if_fail (!req->done);
  add_cors_headers (req->msg);
  soup_server_message_set_status (req->msg, status, NULL);
  soup_server_message_set_response (req->msg, content_type, SOUP_MEMORY_TAKE,
                                    g_string_free (text, FALSE), len);
  weft_request_finish (req, status);
}

/* answers with JSON that was serialised once, ahead of time */
void
weft_request_reply_serialised (WeftRequest *req, guint status, GBytes *json)
{
  gsize len;
  gconstpointer data = g_bytes_get_data (json, &len);

  g_return_if_fail (!req->done);
  add_cors_headers (req->msg);
  soup_server_message_set_status (req->msg, status, NULL);
  soup_server_message_set_response (req->msg, "application/json", SOUP_MEMORY_COPY, data, len);
  weft_request_finish (req, status);
}

void
weft_request_reply_status_ok (WeftRequest *req)
{
  g_autoptr (JsonNode) node = weft_json_status_ok_new ();

  weft_request_reply_json (req, SOUP_STATUS_OK, node);
}

void
weft_request_reply_error_body (WeftRequest *req, guint status, JsonNode *body)
{
  weft_request_reply_json (req, status, body);
}

void
weft_request_reply_message (WeftRequest *req, guint status, const gchar *message)
{
  g_autoptr (JsonNode) body = weft_json_error_new (message);

  weft_request_reply_json (req, status, body);
}

void
weft_request_reply_error (WeftRequest *req, const GError *error)
{
  guint status = weft_error_to_http_status (error);

  if (status >= 500)
    g_warning ("%s %s failed: %s", soup_server_message_get_method (req->msg),
               g_uri_get_path (soup_server_message_get_uri (req->msg)), error->message);
  if (status == SOUP_STATUS_UNAUTHORIZED)
    soup_message_headers_replace (soup_server_message_get_response_headers (req->msg),
                                  "WWW-Authenticate", "Bearer");
  weft_request_reply_message (req, status, error->message);
}

/* ---- routing ---- */

/* matches @path against @pattern segment by segment without allocating (this runs for
 * every route on every request); a "*" segment matches one non-empty segment, whose
 * value is added to @params when given */
static gboolean
route_matches (const gchar *pattern, const gchar *path, GPtrArray *params)
{
  const gchar *p = pattern, *s = path;

  while (*p != '\0' && *s != '\0')
    {
      if (p[0] == '*' && (p[1] == '/' || p[1] == '\0'))
        {
          const gchar *end = strchr (s, '/');
          gsize len = end != NULL ? (gsize) (end - s) : strlen (s);

          if (len == 0)
            return FALSE;
          if (params != NULL)
            g_ptr_array_add (params, g_strndup (s, len));
          p++;
          s += len;
          continue;
        }
      if (*p != *s)
        return FALSE;
      p++;
      s++;
    }
  return *p == '\0' && *s == '\0';
}

/* finds the route for @method and @path; fills @allow with the methods @path has */
static const WeftRoute *
find_route (const gchar *method, const gchar *path, GPtrArray *params, GString *allow)
{
  for (gsize t = 0; t < G_N_ELEMENTS (route_tables); t++)
    for (const WeftRoute *r = route_tables[t]; r->method != NULL; r++)
      {
        if (!route_matches (r->pattern, path, NULL))
          continue;
        if (g_str_equal (r->method, method))
          {
            g_ptr_array_set_size (params, 0);
            route_matches (r->pattern, path, params);
            return r;
          }
        if (strstr (allow->str, r->method) == NULL)
          {
            if (allow->len > 0)
              g_string_append (allow, ", ");
            g_string_append (allow, r->method);
          }
      }
  return NULL;
}

static gboolean
content_type_is_json (const gchar *ct)
{
  g_autofree gchar *base = NULL;
  const gchar *semi;

  if (ct == NULL)
    return FALSE;
  semi = strchr (ct, ';');
  base = g_ascii_strdown (ct, semi != NULL ? semi - ct : -1);
  g_strstrip (base);
  return g_str_equal (base, "application/json") ||
         (g_str_has_prefix (base, "application/") && g_str_has_suffix (base, "+json"));
}

static WeftPrincipal *
authenticate (WeftRequest *req, GError **error)
{
  const gchar *api_key = weft_request_header (req, "X-API-Key");
  const gchar *authz = weft_request_header (req, "Authorization");
  WeftAuth *auth = req->server->auth;

  if (api_key != NULL)
    return weft_auth_authenticate_api_key (auth, api_key, error);
  if (authz != NULL)
    {
      if (g_ascii_strncasecmp (authz, "Bearer ", 7) != 0)
        {
          g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED,
                               _ ("the Authorization header must be “Bearer <token>”"));
          return NULL;
        }
      return weft_auth_authenticate_bearer (auth, authz + 7, error);
    }
  {
    GSocketAddress *addr = soup_server_message_get_remote_address (req->msg);
    GInetAddress *inet = (addr != NULL && G_IS_INET_SOCKET_ADDRESS (addr))
                           ? g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (addr))
                           : NULL;
    WeftPrincipal *anon = weft_auth_anonymous_principal (auth, inet);

    if (anon != NULL)
      return anon;
  }
  g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED,
                       _ ("authentication required: send X-API-Key or Authorization: Bearer "
                          "<token>"));
  return NULL;
}

static void
reply_preflight (SoupServerMessage *msg)
{
  SoupMessageHeaders *req_h = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
  const gchar *want_headers =
    soup_message_headers_get_one (req_h, "Access-Control-Request-Headers");

  add_cors_headers (msg);
  soup_message_headers_replace (h, "Access-Control-Allow-Methods",
                                "GET, POST, PUT, PATCH, DELETE, OPTIONS, HEAD");
  soup_message_headers_replace (h, "Access-Control-Allow-Headers",
                                want_headers != NULL ? want_headers : "*");
  soup_message_headers_replace (h, "Access-Control-Max-Age", "86400");
  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
}

static void
server_callback (SoupServer *soup,
                 SoupServerMessage *msg,
                 const char *path,
                 GHashTable *query,
                 gpointer user_data)
{
  WeftRegistryServer *self = user_data;
  const gchar *method = soup_server_message_get_method (msg);
  WeftRequest *req;
  g_autoptr (GString) allow = g_string_new (NULL);
  g_autoptr (GError) error = NULL;

  if (method == SOUP_METHOD_OPTIONS)
    {
      reply_preflight (msg);
      return;
    }

  req = g_new0 (WeftRequest, 1);
  req->server = g_object_ref (self);
  req->msg = g_object_ref (msg);
  req->params = g_ptr_array_new_with_free_func (g_free);
  req->query = query != NULL ? g_hash_table_ref (query) : NULL;
  req->started = g_get_monotonic_time ();
  req->route = find_route (method, path, req->params, allow);

  if (req->route == NULL)
    {
      if (allow->len > 0)
        {
          soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow",
                                        allow->str);
          weft_request_reply_message (req, SOUP_STATUS_METHOD_NOT_ALLOWED,
                                      _ ("method not allowed"));
        }
      else
        weft_request_reply_message (req, SOUP_STATUS_NOT_FOUND, _ ("no such endpoint"));
      weft_request_free (req);
      return;
    }

  if (req->route->auth != WEFT_ROUTE_AUTH_NONE)
    {
      req->principal = authenticate (req, &error);
      if (req->principal == NULL)
        {
          weft_request_reply_error (req, error);
          weft_request_free (req);
          return;
        }
      req->actor.credential_id = req->principal->anonymous ? NULL : req->principal->credential_id;
      req->actor.admin = weft_principal_is_admin (req->principal);
      if (req->route->auth == WEFT_ROUTE_AUTH_ADMIN && !req->actor.admin)
        {
          weft_request_reply_message (req, SOUP_STATUS_FORBIDDEN, _ ("this needs the admin role"));
          weft_request_free (req);
          return;
        }
    }

  if (req->route->json_body)
    {
      if (!content_type_is_json (weft_request_header (req, "Content-Type")))
        {
          weft_request_reply_message (req, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE,
                                      _ ("expected a request with Content-Type: application/json"));
          weft_request_free (req);
          return;
        }
      req->body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
    }

  req->route->handler (req);
  if (req->done)
    weft_request_free (req);
  else
    {
      req->paused = TRUE;
      soup_server_message_pause (msg);
    }
}

/* ---- websocket ---- */

static void
ws_early_handler (SoupServer *soup,
                  SoupServerMessage *msg,
                  const char *path,
                  GHashTable *query,
                  gpointer user_data)
{
  WeftRegistryServer *self = user_data;
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);
  const gchar *token = query != NULL ? g_hash_table_lookup (query, "token") : NULL;
  const gchar *authz = soup_message_headers_get_one (h, "Authorization");
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftPrincipal) principal = NULL;
  g_autoptr (JsonNode) body = NULL;
  guint status = 0;
  const gchar *message = NULL;

  if (!weft_registry_server_early_checks (self, msg, path))
    return;

  if (soup_server_message_get_method (msg) != SOUP_METHOD_GET)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", "GET");
      status = SOUP_STATUS_METHOD_NOT_ALLOWED;
      message = _ ("method not allowed");
    }
  else if (!soup_message_headers_header_contains (h, "Upgrade", "websocket"))
    {
      status = SOUP_STATUS_BAD_REQUEST;
      message = _ ("expected a WebSocket upgrade");
    }
  else
    {
      if (token == NULL && authz != NULL && g_ascii_strncasecmp (authz, "Bearer ", 7) == 0)
        token = authz + 7;
      if (token == NULL)
        {
          status = SOUP_STATUS_UNAUTHORIZED;
          message = _ ("missing token: connect to /ws?token=<JWT> or send Authorization: Bearer");
        }
      else if ((principal = weft_auth_verify_token (self->auth, token, &error)) == NULL)
        {
          status = SOUP_STATUS_UNAUTHORIZED;
          message = error->message;
        }
    }
  if (status != 0)
    {
      body = weft_json_error_new (message);
      {
        g_autofree gchar *json = json_to_string (body, FALSE);

        add_cors_headers (msg);
        soup_server_message_set_status (msg, status, NULL);
        soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, json,
                                          strlen (json));
      }
      /* a client whose upgrade failed waits for the connection to end */
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection",
                                    "close");
      weft_registry_metrics_observe_request (self->metrics, "/ws", "GET", status, 0);
      return;
    }
  g_object_set_data_full (G_OBJECT (msg), "weft-principal", g_steal_pointer (&principal),
                          (GDestroyNotify) weft_principal_unref);
}

/* the upgrade is done here rather than by libsoup so that the connection's input goes
 * through a WeftWebsocketLimiter */
static void
ws_upgraded (SoupServerMessage *msg, gpointer user_data)
{
  WeftRegistryServer *self = user_data;
  WeftPrincipal *principal = g_object_get_data (G_OBJECT (msg), "weft-principal");
  g_autoptr (GIOStream) stream = NULL;
  g_autoptr (GIOStream) limited = NULL;
  g_autoptr (SoupWebsocketConnection) conn = NULL;

  if (principal == NULL || soup_server_message_get_status (msg) != SOUP_STATUS_SWITCHING_PROTOCOLS)
    return;
  g_signal_handlers_disconnect_by_func (msg, ws_upgraded, user_data);
  stream = soup_server_message_steal_connection (msg);
  if (stream == NULL)
    return;
  limited = weft_websocket_limiter_new (stream, self->config->ws_max_message_size);
  conn = soup_websocket_connection_new (
    limited, soup_server_message_get_uri (msg), SOUP_WEBSOCKET_CONNECTION_SERVER,
    soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Origin"), NULL,
    NULL);
  weft_registry_metrics_observe_request (self->metrics, "/ws", "GET", 101, 0);
  g_debug ("signaling socket opened for %s", principal->peer_id);
  weft_signaling_hub_add_connection (self->hub, conn, principal);
}

static void
ws_handler (SoupServer *soup,
            SoupServerMessage *msg,
            const char *path,
            GHashTable *query,
            gpointer user_data)
{
  /* the early handler refused anything without a valid token */
  if (g_object_get_data (G_OBJECT (msg), "weft-principal") == NULL)
    return;
  /* no extensions: permessage-deflate would let a small frame inflate past the limits */
  if (!soup_websocket_server_process_handshake (msg, NULL, NULL, NULL, NULL))
    return;
  g_signal_connect_object (msg, "wrote-informational", G_CALLBACK (ws_upgraded), user_data, 0);
}

/* ---- object ---- */

static void
weft_registry_server_dispose (GObject *object)
{
  WeftRegistryServer *self = WEFT_REGISTRY_SERVER (object);

  weft_registry_server_shutdown (self);
  if (self->tasks != NULL)
    g_signal_handlers_disconnect_by_data (self->tasks, self);
  if (self->hub != NULL)
    g_signal_handlers_disconnect_by_data (self->hub, self);
  if (self->pairing != NULL)
    g_signal_handlers_disconnect_by_data (self->pairing, self);
  if (self->auth != NULL)
    weft_auth_set_backend (self->auth, NULL, NULL);
  g_clear_object (&self->soup);
  g_clear_object (&self->hub);
  g_clear_object (&self->tasks);
  g_clear_object (&self->directory);
  g_clear_object (&self->pairing);
  g_clear_object (&self->auth);
  g_clear_object (&self->metrics);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (weft_registry_server_parent_class)->dispose (object);
}

static void
weft_registry_server_finalize (GObject *object)
{
  WeftRegistryServer *self = WEFT_REGISTRY_SERVER (object);

  g_clear_pointer (&self->tracked, g_hash_table_unref);
  g_clear_pointer (&self->conns_per_address, g_hash_table_unref);
  g_clear_pointer (&self->bindings, g_hash_table_unref);
  g_clear_pointer (&self->wanted, g_hash_table_unref);
  g_clear_pointer (&self->heartbeat_idle_reply, g_bytes_unref);
  g_clear_pointer (&self->config, weft_registry_config_free);
  G_OBJECT_CLASS (weft_registry_server_parent_class)->finalize (object);
}

static void
weft_registry_server_class_init (WeftRegistryServerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = weft_registry_server_dispose;
  G_OBJECT_CLASS (klass)->finalize = weft_registry_server_finalize;
}

static void
weft_registry_server_init (WeftRegistryServer *self)
{
  self->conns_per_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->tracked = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, g_free);
  self->bindings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->wanted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

static guint
seconds_to_ms (gdouble s)
{
  return (guint) CLAMP (s * 1000.0, 1.0, (gdouble) G_MAXUINT32);
}

WeftRegistryServer *
weft_registry_server_new (WeftRegistryConfig *config, GError **error)
{
  g_autoptr (WeftRegistryServer) self = g_object_new (WEFT_TYPE_REGISTRY_SERVER, NULL);
  WeftStoreSqlite *sqlite;

  self->config = config;

  sqlite = weft_store_sqlite_new (config->db_path, error);
  if (sqlite == NULL)
    return NULL;
  self->store = WEFT_STORE (sqlite);
  g_message ("Using database %s", config->db_path);

  self->directory = weft_agent_directory_new (self->store, error);
  if (self->directory == NULL)
    return NULL;
  weft_agent_directory_set_thresholds (self->directory, seconds_to_ms (config->health_stale_after),
                                       seconds_to_ms (config->health_offline_after));
  g_object_set (self->directory, "flush-interval-ms",
                MIN (seconds_to_ms (config->health_interval),
                     (guint) WEFT_AGENT_DIRECTORY_DEFAULT_FLUSH_INTERVAL_MS),
                NULL);

  self->tasks = weft_task_queue_new (self->store, self->directory, error);
  if (self->tasks == NULL)
    return NULL;
  weft_task_queue_set_max_attempts (self->tasks, config->task_requeue_attempts);
  weft_task_queue_set_retention_ms (self->tasks, (guint64) (config->task_retention * 1000.0));
  g_object_set (self->tasks, "tick-interval-ms", seconds_to_ms (config->task_expiry_interval),
                NULL);

  self->pairing = weft_pairing_new (self->store, error);
  if (self->pairing == NULL)
    return NULL;
  g_object_set (self->pairing, "code-lifetime-s", (guint) MAX (config->pairing_code_ttl, 1.0),
                NULL);
  weft_pairing_set_rate_limit (self->pairing, config->pairing_rate_limit,
                               (guint) MAX (config->pairing_rate_window, 1.0));

  self->auth =
    weft_auth_new (config->secret, config->jwt_lifetime, config->jwt_leeway, config->anonymous);
  weft_auth_set_backend (self->auth, &weft_registry_server_auth_backend, self);
  if (!weft_registry_server_load_keys (self, error))
    return NULL;

  self->hub = weft_signaling_hub_new (self->auth);
  weft_signaling_hub_set_limits (self->hub, config->ws_max_message_size,
                                 config->ws_max_frames_per_second, config->ws_frame_burst);
  self->metrics = weft_registry_metrics_new ();
  {
    /* the answer to nearly every heartbeat, serialised once */
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonNode) node = NULL;
    gsize len;
    gchar *data;

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "status");
    json_builder_add_string_value (b, "ok");
    json_builder_set_member_name (b, "pending_tasks");
    json_builder_begin_array (b);
    json_builder_end_array (b);
    json_builder_end_object (b);
    node = json_builder_get_root (b);
    data = json_to_string (node, FALSE);
    len = strlen (data);
    self->heartbeat_idle_reply = g_bytes_new_take (data, len);
  }

  weft_registry_server_connect_push (self);

  self->soup = soup_server_new ("server-header", "weft-registry/" PACKAGE_VERSION, NULL);
  soup_server_add_early_handler (self->soup, NULL, weft_registry_server_early_handler, self, NULL);
  soup_server_add_handler (self->soup, NULL, server_callback, self, NULL);
  soup_server_add_early_handler (self->soup, "/ws", ws_early_handler, self, NULL);
  soup_server_add_handler (self->soup, "/ws", ws_handler, self, NULL);

  return g_steal_pointer (&self);
}

static gboolean
prepare_listen (WeftRegistryServer *self, SoupServerListenOptions *options, GError **error)
{
  *options = 0;
  if (self->config->tls_cert_path != NULL)
    {
      g_autoptr (GTlsCertificate) cert = g_tls_certificate_new_from_files (
        self->config->tls_cert_path, self->config->tls_key_path, error);

      if (cert == NULL)
        {
          g_prefix_error (error, _ ("Cannot load the TLS certificate %s: "),
                          self->config->tls_cert_path);
          return FALSE;
        }
      soup_server_set_tls_certificate (self->soup, cert);
      *options |= SOUP_SERVER_LISTEN_HTTPS;
    }
  return TRUE;
}

static void
after_listen (WeftRegistryServer *self)
{
  GSList *uris = soup_server_get_uris (self->soup);

  for (GSList *l = uris; l != NULL; l = l->next)
    {
      g_autofree gchar *s = g_uri_to_string (l->data);

      self->port = (guint) g_uri_get_port (l->data);
      g_message ("Listening on %s", s);
    }
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  if (self->config->port_file != NULL)
    {
      g_autofree gchar *text = g_strdup_printf ("%u\n", self->port);
      g_autoptr (GError) error = NULL;

      if (!g_file_set_contents (self->config->port_file, text, -1, &error))
        g_warning ("Cannot write the port file: %s", error->message);
    }
  if (!self->started)
    {
      self->started = TRUE;
      self->sweep_id =
        g_timeout_add_seconds (SWEEP_INTERVAL_S, weft_registry_server_sweep_timeout, self);
      weft_agent_directory_start (self->directory);
      weft_task_queue_start (self->tasks);
      weft_pairing_start (self->pairing);
    }
}

/* what to do about a port someone else has; returns FALSE */
static gboolean
explain_listen_error (GError **error)
{
  if (error != NULL && g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
    {
      gchar *text = g_strdup_printf (_ ("%s. Another server (another weft-registry?) has this "
                                        "port: stop it, or choose another with --port or $PORT "
                                        "(0 picks a free one)"),
                                     (*error)->message);

      g_free ((*error)->message);
      (*error)->message = text;
    }
  return FALSE;
}

gboolean
weft_registry_server_listen (WeftRegistryServer *self, GError **error)
{
  SoupServerListenOptions options;

  if (!prepare_listen (self, &options, error))
    return FALSE;
  if (self->config->listen != NULL)
    {
      g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (self->config->listen);
      g_autoptr (GSocketAddress) addr = NULL;

      if (inet == NULL)
        {
          if (g_str_equal (self->config->listen, "localhost"))
            inet = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
          else
            {
              g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                           _ ("--listen wants an IP address, got “%s”"), self->config->listen);
              return FALSE;
            }
        }
      addr = g_inet_socket_address_new (inet, (guint16) self->config->port);
      if (!soup_server_listen (self->soup, addr, options, error))
        return explain_listen_error (error);
    }
  else if (!soup_server_listen_all (self->soup, self->config->port, options, error))
    return explain_listen_error (error);
  after_listen (self);
  return TRUE;
}

gboolean
weft_registry_server_listen_socket (WeftRegistryServer *self, GSocket *socket, GError **error)
{
  SoupServerListenOptions options;

  if (!prepare_listen (self, &options, error))
    return FALSE;
  if (!soup_server_listen_socket (self->soup, socket, options, error))
    return FALSE;
  after_listen (self);
  return TRUE;
}

guint
weft_registry_server_get_port (WeftRegistryServer *self)
{
  return self->port;
}

void
weft_registry_server_shutdown (WeftRegistryServer *self)
{
  g_autoptr (GError) error = NULL;

  if (self->hub != NULL)
    weft_signaling_hub_close_all (self->hub, WEFT_WS_CLOSE_SHUTTING_DOWN, "registry shutting down");
  if (self->soup != NULL)
    soup_server_disconnect (self->soup);
  if (self->started)
    {
      self->started = FALSE;
      g_clear_handle_id (&self->sweep_id, g_source_remove);
      weft_pairing_stop (self->pairing);
      weft_task_queue_stop (self->tasks);
      weft_agent_directory_stop (self->directory);
    }
  if (self->directory != NULL && !weft_agent_directory_flush (self->directory, &error))
    g_warning ("Cannot write the last heartbeats: %s", error->message);
}

GObject *
weft_registry_server_get_auth (WeftRegistryServer *self)
{
  return G_OBJECT (self->auth);
}

GObject *
weft_registry_server_get_pairing (WeftRegistryServer *self)
{
  return G_OBJECT (self->pairing);
}

GObject *
weft_registry_server_get_directory (WeftRegistryServer *self)
{
  return G_OBJECT (self->directory);
}

GObject *
weft_registry_server_get_task_queue (WeftRegistryServer *self)
{
  return G_OBJECT (self->tasks);
}

GObject *
weft_registry_server_get_store (WeftRegistryServer *self)
{
  return G_OBJECT (self->store);
}
