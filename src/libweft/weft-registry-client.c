/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "weft-error.h"
#include "weft-json-private.h"
#include "weft-registry-client-private.h"

/**
 * WeftRegistryClient:
 *
 * An asynchronous client for every endpoint of a Weft (or chatixia) registry
 * that an agent or a tool needs: tokens, registration, heartbeats, discovery,
 * the task queue, ICE configuration and pairing.
 *
 * Every call is an `_async`/`_finish` pair. Failures come back in the
 * %WEFT_ERROR domain: the HTTP status picks the code and the `error` text of
 * the response body becomes the message. A registry that cannot be reached
 * gives %WEFT_ERROR_UNAVAILABLE with a message that says how to start one.
 *
 * Credentials: an API key is sent as `X-API-Key` on every request; without
 * one, the JWT from weft_registry_client_fetch_token_async() (obtained with
 * the device token) is sent as `Authorization: Bearer`.
 *
 * Since: 0.1
 */

struct _WeftRegistryClient
{
  GObject parent_instance;

  gchar *base_url;     /* (owned) without a trailing slash */
  gchar *api_key;      /* (owned) (nullable) */
  gchar *device_token; /* (owned) (nullable) */
  gchar *token;        /* (owned) (nullable) the last JWT */
  gchar *peer_id;      /* (owned) (nullable) the JWT subject */
  gint64 token_expiry; /* unix seconds, 0 when there is no token */
  guint timeout;
  SoupSession *session; /* (owned) */
};

G_DEFINE_TYPE (WeftRegistryClient, weft_registry_client, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_BASE_URL,
  PROP_API_KEY,
  PROP_DEVICE_TOKEN,
  PROP_TOKEN,
  PROP_PEER_ID,
  PROP_TIMEOUT,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

#define DEFAULT_TIMEOUT 10

typedef struct
{
  SoupMessage *msg; /* (owned) */
  gchar *what;      /* (owned) "METHOD /path" for messages */
  gboolean is_token;
} RequestData;

static void
request_data_free (RequestData *data)
{
  g_clear_object (&data->msg);
  g_free (data->what);
  g_free (data);
}

/* g_set_str() is newer than the GLib we target */
static gboolean
set_str (gchar **ptr, const gchar *value)
{
  if (g_strcmp0 (*ptr, value) == 0)
    return FALSE;
  g_free (*ptr);
  *ptr = g_strdup (value);
  return TRUE;
}

static void
weft_registry_client_finalize (GObject *object)
{
  WeftRegistryClient *self = WEFT_REGISTRY_CLIENT (object);

  g_free (self->base_url);
  g_free (self->api_key);
  g_free (self->device_token);
  g_free (self->token);
  g_free (self->peer_id);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (weft_registry_client_parent_class)->finalize (object);
}

static void
weft_registry_client_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  WeftRegistryClient *self = WEFT_REGISTRY_CLIENT (object);

  switch (prop_id)
    {
      case PROP_BASE_URL:
        g_value_set_string (value, self->base_url);
        break;
      case PROP_API_KEY:
        g_value_set_string (value, self->api_key);
        break;
      case PROP_DEVICE_TOKEN:
        g_value_set_string (value, self->device_token);
        break;
      case PROP_TOKEN:
        g_value_set_string (value, self->token);
        break;
      case PROP_PEER_ID:
        g_value_set_string (value, self->peer_id);
        break;
      case PROP_TIMEOUT:
        g_value_set_uint (value, self->timeout);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
weft_registry_client_set_property (GObject *object,
                                   guint prop_id,
                                   const GValue *value,
                                   GParamSpec *pspec)
{
  WeftRegistryClient *self = WEFT_REGISTRY_CLIENT (object);

  switch (prop_id)
    {
      case PROP_BASE_URL:
        {
          g_autofree gchar *url = g_strdup (g_value_get_string (value));

          if (url == NULL || *url == '\0')
            url = g_strdup ("http://localhost:8080");
          /* the reference strips trailing slashes so paths join cleanly */
          while (g_str_has_suffix (url, "/"))
            url[strlen (url) - 1] = '\0';
          g_free (self->base_url);
          self->base_url = g_steal_pointer (&url);
          break;
        }
      case PROP_API_KEY:
        weft_registry_client_set_api_key (self, g_value_get_string (value));
        break;
      case PROP_DEVICE_TOKEN:
        weft_registry_client_set_device_token (self, g_value_get_string (value));
        break;
      case PROP_TIMEOUT:
        weft_registry_client_set_timeout (self, g_value_get_uint (value));
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
weft_registry_client_class_init (WeftRegistryClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = weft_registry_client_finalize;
  object_class->get_property = weft_registry_client_get_property;
  object_class->set_property = weft_registry_client_set_property;

  /**
   * WeftRegistryClient:base-url:
   *
   * The registry's base URL, such as `http://localhost:8080`.
   *
   * Since: 0.1
   */
  props[PROP_BASE_URL] =
    g_param_spec_string ("base-url", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * WeftRegistryClient:api-key:
   *
   * The API key sent as `X-API-Key`, or %NULL.
   *
   * Since: 0.1
   */
  props[PROP_API_KEY] =
    g_param_spec_string ("api-key", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /**
   * WeftRegistryClient:device-token:
   *
   * The device token from pairing, exchanged for a JWT when there is no API key.
   *
   * Since: 0.1
   */
  props[PROP_DEVICE_TOKEN] =
    g_param_spec_string ("device-token", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /**
   * WeftRegistryClient:token:
   *
   * The JWT of the last successful token request, or %NULL.
   *
   * Since: 0.1
   */
  props[PROP_TOKEN] = g_param_spec_string (
    "token", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /**
   * WeftRegistryClient:peer-id:
   *
   * The signaling peer id the registry gave with the last token, or %NULL.
   *
   * Since: 0.1
   */
  props[PROP_PEER_ID] =
    g_param_spec_string ("peer-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /**
   * WeftRegistryClient:timeout:
   *
   * Seconds a request may stay idle before it fails with %WEFT_ERROR_TIMED_OUT.
   *
   * Since: 0.1
   */
  props[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 1, 3600, DEFAULT_TIMEOUT,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

/* proxies come from the environment (http_proxy, https_proxy, all_proxy,
 * no_proxy) as for any daemon; desktop proxy settings would load GIO modules
 * (and a C++ runtime) into every agent for nothing */
GProxyResolver *
weft_registry_client_proxy_resolver_from_env (void)
{
  const gchar *names[] = { "https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY",
                           "all_proxy",   "ALL_PROXY",   NULL };
  const gchar *proxy = NULL;
  const gchar *no_proxy = g_getenv ("no_proxy");
  g_auto (GStrv) ignore = NULL;

  for (guint i = 0; names[i] != NULL && proxy == NULL; i++)
    {
      proxy = g_getenv (names[i]);
      if (proxy != NULL && *proxy == '\0')
        proxy = NULL;
    }
  if (no_proxy == NULL)
    no_proxy = g_getenv ("NO_PROXY");
  if (proxy == NULL)
    return NULL;
  if (no_proxy != NULL && *no_proxy != '\0')
    ignore = g_strsplit (no_proxy, ",", -1);
  return g_simple_proxy_resolver_new (proxy, ignore);
}

static void
weft_registry_client_init (WeftRegistryClient *self)
{
  g_autoptr (GProxyResolver) resolver = weft_registry_client_proxy_resolver_from_env ();

  self->timeout = DEFAULT_TIMEOUT;
  self->session =
    soup_session_new_with_options ("timeout", DEFAULT_TIMEOUT, "user-agent",
                                   "weft/" PACKAGE_VERSION, "proxy-resolver", resolver, NULL);
}

/**
 * weft_registry_client_new:
 * @base_url: (nullable): the registry URL; %NULL means `http://localhost:8080`
 *
 * Creates a client for the registry at @base_url.
 *
 * Returns: (transfer full): a new #WeftRegistryClient
 *
 * Since: 0.1
 */
WeftRegistryClient *
weft_registry_client_new (const gchar *base_url)
{
  return g_object_new (WEFT_TYPE_REGISTRY_CLIENT, "base-url", base_url, NULL);
}

/**
 * weft_registry_client_get_base_url:
 * @self: a #WeftRegistryClient
 *
 * Returns: the registry base URL, without a trailing slash
 *
 * Since: 0.1
 */
const gchar *
weft_registry_client_get_base_url (WeftRegistryClient *self)
{
  g_return_val_if_fail (WEFT_IS_REGISTRY_CLIENT (self), NULL);
  return self->base_url;
}

/**
 * weft_registry_client_dup_ws_url:
 * @self: a #WeftRegistryClient
 *
 * The signaling URL of the registry: the base URL with `http` replaced by
 * `ws` (and `https` by `wss`) and `/ws` appended.
 *
 * Returns: (transfer full): the WebSocket URL
 *
 * Since: 0.1
 */
gchar *
weft_registry_client_dup_ws_url (WeftRegistryClient *self)
{
  g_return_val_if_fail (WEFT_IS_REGISTRY_CLIENT (self), NULL);

  if (g_str_has_prefix (self->base_url, "https://"))
    return g_strconcat ("wss://", self->base_url + strlen ("https://"), "/ws", NULL);
  if (g_str_has_prefix (self->base_url, "http://"))
    return g_strconcat ("ws://", self->base_url + strlen ("http://"), "/ws", NULL);
  return g_strconcat (self->base_url, "/ws", NULL);
}

/**
 * weft_registry_client_get_api_key:
 * @self: a #WeftRegistryClient
 *
 * Returns: (nullable): the API key, or %NULL
 *
 * Since: 0.1
 */
const gchar *
weft_registry_client_get_api_key (WeftRegistryClient *self)
{
  g_return_val_if_fail (WEFT_IS_REGISTRY_CLIENT (self), NULL);
  return self->api_key;
}

/**
 * weft_registry_client_set_api_key:
 * @self: a #WeftRegistryClient
 * @api_key: (nullable): an API key, or %NULL for none
 *
 * Sets the API key sent as `X-API-Key`. An empty string means none.
 *
 * Since: 0.1
 */
void
weft_registry_client_set_api_key (WeftRegistryClient *self, const gchar *api_key)
{
  g_return_if_fail (WEFT_IS_REGISTRY_CLIENT (self));

  if (api_key != NULL && *api_key == '\0')
    api_key = NULL;
  if (set_str (&self->api_key, api_key))
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_API_KEY]);
}

/**
 * weft_registry_client_get_device_token:
 * @self: a #WeftRegistryClient
 *
 * Returns: (nullable): the device token, or %NULL
 *
 * Since: 0.1
 */
const gchar *
weft_registry_client_get_device_token (WeftRegistryClient *self)
{
  g_return_val_if_fail (WEFT_IS_REGISTRY_CLIENT (self), NULL);
  return self->device_token;
}

/**
 * weft_registry_client_set_device_token:
 * @self: a #WeftRegistryClient
 * @device_token: (nullable): a device token from pairing, or %NULL
 *
 * Sets the device token sent as `X-Device-Token` when asking for a JWT.
 *
 * Since: 0.1
 */
void
weft_registry_client_set_device_token (WeftRegistryClient *self, const gchar *device_token)
{
  g_return_if_fail (WEFT_IS_REGISTRY_CLIENT (self));

  if (device_token != NULL && *device_token == '\0')
    device_token = NULL;
  if (set_str (&self->device_token, device_token))
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_DEVICE_TOKEN]);
}

/**
 * weft_registry_client_get_token:
 * @self: a #WeftRegistryClient
 *
 * Returns: (nullable): the JWT from the last token request, or %NULL
 *
 * Since: 0.1
 */
const gchar *
weft_registry_client_get_token (WeftRegistryClient *self)
{
  g_return_val_if_fail (WEFT_IS_REGISTRY_CLIENT (self), NULL);
  return self->token;
}

/**
 * weft_registry_client_get_token_expiry:
 * @self: a #WeftRegistryClient
 *
 * When the current JWT expires, read from its `exp` claim.
 *
 * Returns: unix seconds, or 0 when there is no token
 *
 * Since: 0.1
 */
gint64
weft_registry_client_get_token_expiry (WeftRegistryClient *self)
{
  g_return_val_if_fail (WEFT_IS_REGISTRY_CLIENT (self), 0);
  return self->token_expiry;
}

/**
 * weft_registry_client_get_peer_id:
 * @self: a #WeftRegistryClient
 *
 * Returns: (nullable): the signaling peer id from the last token, or %NULL
 *
 * Since: 0.1
 */
const gchar *
weft_registry_client_get_peer_id (WeftRegistryClient *self)
{
  g_return_val_if_fail (WEFT_IS_REGISTRY_CLIENT (self), NULL);
  return self->peer_id;
}

/**
 * weft_registry_client_get_timeout:
 * @self: a #WeftRegistryClient
 *
 * Returns: the request timeout in seconds
 *
 * Since: 0.1
 */
guint
weft_registry_client_get_timeout (WeftRegistryClient *self)
{
  g_return_val_if_fail (WEFT_IS_REGISTRY_CLIENT (self), 0);
  return self->timeout;
}

/**
 * weft_registry_client_set_timeout:
 * @self: a #WeftRegistryClient
 * @seconds: the request timeout in seconds, at least 1
 *
 * Sets how long a request may stay idle before it fails.
 *
 * Since: 0.1
 */
void
weft_registry_client_set_timeout (WeftRegistryClient *self, guint seconds)
{
  g_return_if_fail (WEFT_IS_REGISTRY_CLIENT (self));

  seconds = MAX (seconds, 1);
  if (self->timeout == seconds)
    return;
  self->timeout = seconds;
  g_object_set (self->session, "timeout", seconds, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_TIMEOUT]);
}

static WeftError
code_for_status (guint status)
{
  switch (status)
    {
      case 400:
        return WEFT_ERROR_INVALID_DATA;
      case 401:
        return WEFT_ERROR_NOT_AUTHENTICATED;
      case 403:
        return WEFT_ERROR_PERMISSION_DENIED;
      case 404:
        return WEFT_ERROR_NOT_FOUND;
      case 409:
        return WEFT_ERROR_INVALID_STATE;
      case 410:
        return WEFT_ERROR_GONE;
      case 413:
        return WEFT_ERROR_TOO_LARGE;
      case 415:
        return WEFT_ERROR_UNSUPPORTED_MEDIA_TYPE;
      case 422:
        return WEFT_ERROR_INVALID_ARGUMENT;
      case 429:
        return WEFT_ERROR_RATE_LIMITED;
      case 501:
        return WEFT_ERROR_NOT_SUPPORTED;
      case 502:
      case 503:
        return WEFT_ERROR_UNAVAILABLE;
      case 504:
        return WEFT_ERROR_TIMED_OUT;
      default:
        return WEFT_ERROR_FAILED;
    }
}

static GError *
error_from_transport (WeftRegistryClient *self, const gchar *what, const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_new (WEFT_ERROR, WEFT_ERROR_CANCELLED, _ ("%s: cancelled"), what);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_error_new (WEFT_ERROR, WEFT_ERROR_TIMED_OUT,
                        _ ("%s: the registry at %s did not answer within %u s; check that it "
                           "is running and not overloaded"),
                        what, self->base_url, self->timeout);
  return g_error_new (WEFT_ERROR, WEFT_ERROR_UNAVAILABLE,
                      _ ("Cannot reach the registry at %s (%s). Start one with `weft-registry` "
                         "(or `systemctl --user start weft-registry.socket`), or set `registry:` "
                         "in agent.yaml to the URL of a running registry."),
                      self->base_url, error->message);
}

/* the reference answers "not found" with 200 and a body that holds only an
 * "error" (plus the looked-up key); a task or agent record never looks like that */
static gboolean
is_compat_error_body (JsonNode *node)
{
  JsonObject *obj;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;
  obj = json_node_get_object (node);
  if (!json_object_has_member (obj, "error") || json_object_has_member (obj, "id") ||
      json_object_has_member (obj, "agent_id") || json_object_has_member (obj, "task_id"))
    return FALSE;
  return json_object_get_size (obj) <= 2 &&
         JSON_NODE_HOLDS_VALUE (json_object_get_member (obj, "error")) &&
         json_node_get_value_type (json_object_get_member (obj, "error")) == G_TYPE_STRING;
}

static gboolean
decode_jwt_expiry (const gchar *jwt, gint64 *expiry)
{
  g_auto (GStrv) parts = g_strsplit (jwt, ".", 3);
  g_autoptr (GString) b64 = NULL;
  g_autofree guchar *raw = NULL;
  g_autoptr (JsonNode) root = NULL;
  gsize len = 0;
  JsonObject *claims;

  if (g_strv_length (parts) != 3)
    return FALSE;
  /* base64url without padding to plain base64 */
  b64 = g_string_new (parts[1]);
  g_strdelimit (b64->str, "-", '+');
  g_strdelimit (b64->str, "_", '/');
  while (b64->len % 4 != 0)
    g_string_append_c (b64, '=');
  raw = g_base64_decode (b64->str, &len);
  if (raw == NULL || len == 0 ||
      (root = weft_json_parse ((const gchar *) raw, (gssize) len, NULL)) == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return FALSE;
  claims = json_node_get_object (root);
  if (!json_object_has_member (claims, "exp"))
    return FALSE;
  *expiry = json_object_get_int_member (claims, "exp");
  return *expiry > 0;
}

static void
request_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = G_TASK (user_data);
  WeftRegistryClient *self = g_task_get_source_object (task);
  RequestData *data = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) parse_error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonNode *root = NULL;
  guint status;
  gsize size = 0;
  const gchar *body;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), res, &error);
  if (bytes == NULL)
    {
      g_task_return_error (task, error_from_transport (self, data->what, error));
      return;
    }
  status = soup_message_get_status (data->msg);
  body = g_bytes_get_data (bytes, &size);
  /* callers may change the answer: a parser of our own, after the depth check
   * that keeps json-glib's recursion off the end of the stack */
  if (size > 0 && weft_json_parser_load (parser, body, (gssize) size, &parse_error))
    root = json_parser_get_root (parser);
  else if (parse_error != NULL && parse_error->domain == JSON_PARSER_ERROR)
    g_prefix_error (&parse_error, _ ("not valid JSON: "));

  if (status < 200 || status >= 300)
    {
      const gchar *text = NULL;
      g_autofree gchar *plain = NULL;

      if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
        text =
          json_object_get_string_member_with_default (json_node_get_object (root), "error", NULL);
      if (text == NULL && size > 0 && root == NULL)
        text = plain = g_utf8_make_valid (body, (gssize) MIN (size, 512));
      if (text == NULL || *text == '\0')
        text = soup_message_get_reason_phrase (data->msg);
      if (status == 401 && data->is_token)
        g_task_return_new_error (task, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED,
                                 _ ("%s: the registry at %s refused the credential (HTTP 401). "
                                    "Check `api_key` in agent.yaml, or pair the agent with "
                                    "`weft pair CODE`."),
                                 data->what, self->base_url);
      else
        g_task_return_new_error (task, WEFT_ERROR, code_for_status (status), "%s: %s (HTTP %u)",
                                 data->what, text != NULL ? text : "", status);
      return;
    }
  if (is_compat_error_body (root))
    {
      g_task_return_new_error (
        task, WEFT_ERROR, WEFT_ERROR_NOT_FOUND, "%s: %s", data->what,
        json_object_get_string_member (json_node_get_object (root), "error"));
      return;
    }
  if (root == NULL && size > 0)
    {
      g_task_return_new_error (
        task, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
        _ ("%s: the answer of %s is %s; is %s really a Weft registry?"), data->what, self->base_url,
        parse_error != NULL ? parse_error->message : _ ("empty"), self->base_url);
      return;
    }
  g_task_return_pointer (task,
                         root != NULL ? json_node_copy (root) : json_node_new (JSON_NODE_NULL),
                         (GDestroyNotify) json_node_unref);
}

static GTask *
start_request (WeftRegistryClient *self,
               const gchar *method,
               const gchar *path,
               JsonNode *body,
               gboolean is_token,
               gpointer source_tag,
               GCancellable *cancellable,
               GAsyncReadyCallback callback,
               gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autofree gchar *url = g_strconcat (self->base_url, path, NULL);
  RequestData *data = g_new0 (RequestData, 1);
  SoupMessageHeaders *headers;

  g_task_set_source_tag (task, source_tag);
  /* a cancelled request reports WEFT_ERROR_CANCELLED, not the GIO code */
  g_task_set_check_cancellable (task, FALSE);
  data->what = g_strdup_printf ("%s %s", method, path);
  data->is_token = is_token;
  g_task_set_task_data (task, data, (GDestroyNotify) request_data_free);

  data->msg = soup_message_new (method, url);
  if (data->msg == NULL)
    {
      g_task_return_new_error (task, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                               _ ("“%s” is not a valid registry URL; use something like "
                                  "http://localhost:8080"),
                               self->base_url);
      return NULL;
    }
  headers = soup_message_get_request_headers (data->msg);
  soup_message_headers_append (headers, "Accept", "application/json");
  if (self->api_key != NULL)
    soup_message_headers_append (headers, "X-API-Key", self->api_key);
  if (is_token && self->api_key == NULL && self->device_token != NULL)
    soup_message_headers_append (headers, "X-Device-Token", self->device_token);
  if (!is_token && self->api_key == NULL && self->token != NULL)
    {
      g_autofree gchar *bearer = g_strconcat ("Bearer ", self->token, NULL);
      soup_message_headers_append (headers, "Authorization", bearer);
    }
  if (body != NULL)
    {
      gsize len = 0;
      gchar *text = json_to_string (body, FALSE);
      g_autoptr (GBytes) bytes = NULL;

      len = strlen (text);
      bytes = g_bytes_new_take (text, len);
      soup_message_set_request_body_from_bytes (data->msg, "application/json", bytes);
    }
  return g_steal_pointer (&task);
}

static void
send_request (WeftRegistryClient *self, GTask *task)
{
  RequestData *data;

  if (task == NULL)
    return;
  data = g_task_get_task_data (task);
  soup_session_send_and_read_async (self->session, data->msg, G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task), request_cb, task);
}

/**
 * weft_registry_client_request_async:
 * @self: a #WeftRegistryClient
 * @method: the HTTP method, such as `GET`
 * @path: the path below the base URL, starting with `/`
 * @body: (nullable): a JSON body, or %NULL
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the request finishes
 * @user_data: data for @callback
 *
 * Sends any request to the registry with the client's credentials. The
 * typed calls below are built on this.
 *
 * Since: 0.1
 */
void
weft_registry_client_request_async (WeftRegistryClient *self,
                                    const gchar *method,
                                    const gchar *path,
                                    JsonNode *body,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  g_return_if_fail (WEFT_IS_REGISTRY_CLIENT (self));
  g_return_if_fail (method != NULL && path != NULL);

  send_request (self,
                start_request (self, method, path, body, FALSE, weft_registry_client_request_async,
                               cancellable, callback, user_data));
}

/**
 * weft_registry_client_request_finish:
 * @self: a #WeftRegistryClient
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes any request started on @self.
 *
 * Returns: (transfer full): the response body (a %JSON_NODE_NULL node for an
 *   empty body), or %NULL on error
 *
 * Since: 0.1
 */
JsonNode *
weft_registry_client_request_finish (WeftRegistryClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static JsonNode *
finish_object (WeftRegistryClient *self, GAsyncResult *result, GError **error)
{
  g_autoptr (JsonNode) node = weft_registry_client_request_finish (self, result, error);

  if (node == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                   _ ("The registry at %s answered without a JSON object"), self->base_url);
      return NULL;
    }
  return g_steal_pointer (&node);
}

static JsonNode *
finish_array (WeftRegistryClient *self, GAsyncResult *result, GError **error)
{
  g_autoptr (JsonNode) node = weft_registry_client_request_finish (self, result, error);

  if (node == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                   _ ("The registry at %s answered without a JSON array"), self->base_url);
      return NULL;
    }
  return g_steal_pointer (&node);
}

static gchar *
escape_segment (const gchar *segment)
{
  return g_uri_escape_string (segment != NULL ? segment : "", NULL, FALSE);
}

/**
 * weft_registry_client_fetch_token_async:
 * @self: a #WeftRegistryClient
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the request finishes
 * @user_data: data for @callback
 *
 * Exchanges the API key (or, without one, the device token) for a JWT at
 * `POST /api/token`. On success the client keeps the token, its expiry and
 * the peer id, and uses the token for later requests that have no API key.
 *
 * Since: 0.1
 */
void
weft_registry_client_fetch_token_async (WeftRegistryClient *self,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data)
{
  g_return_if_fail (WEFT_IS_REGISTRY_CLIENT (self));

  if (self->api_key == NULL && self->device_token == NULL)
    {
      g_task_report_new_error (self, callback, user_data, weft_registry_client_fetch_token_async,
                               WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED,
                               _ ("No credential to get a token from the registry at %s: set "
                                  "`api_key` in agent.yaml, or pair the agent with "
                                  "`weft pair CODE`."),
                               self->base_url);
      return;
    }
  send_request (self, start_request (self, "POST", "/api/token", NULL, TRUE,
                                     weft_registry_client_fetch_token_async, cancellable, callback,
                                     user_data));
}

/**
 * weft_registry_client_fetch_token_finish:
 * @self: a #WeftRegistryClient
 * @result: the #GAsyncResult
 * @peer_id: (out) (optional) (transfer full): the peer id the token is for
 * @error: return location for a #GError
 *
 * Finishes weft_registry_client_fetch_token_async().
 *
 * Returns: (transfer full): the JWT, or %NULL on error
 *
 * Since: 0.1
 */
gchar *
weft_registry_client_fetch_token_finish (WeftRegistryClient *self,
                                         GAsyncResult *result,
                                         gchar **peer_id,
                                         GError **error)
{
  g_autoptr (JsonNode) node = NULL;
  JsonObject *obj;
  const gchar *token;
  const gchar *pid;
  gint64 expiry = 0;

  if (g_async_result_is_tagged (result, weft_registry_client_fetch_token_async) &&
      g_task_had_error (G_TASK (result)))
    return g_task_propagate_pointer (G_TASK (result), error);
  node = finish_object (self, result, error);
  if (node == NULL)
    return NULL;
  obj = json_node_get_object (node);
  token = json_object_get_string_member_with_default (obj, "token", NULL);
  pid = json_object_get_string_member_with_default (obj, "peer_id", NULL);
  if (token == NULL || *token == '\0' || pid == NULL || *pid == '\0')
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                   _ ("The token answer of the registry at %s lacks `token` or `peer_id`"),
                   self->base_url);
      return NULL;
    }
  if (!decode_jwt_expiry (token, &expiry))
    expiry = g_get_real_time () / G_USEC_PER_SEC + 300;
  self->token_expiry = expiry;
  if (set_str (&self->token, token))
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_TOKEN]);
  if (set_str (&self->peer_id, pid))
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PEER_ID]);
  if (peer_id != NULL)
    *peer_id = g_strdup (pid);
  return g_strdup (token);
}

/**
 * weft_registry_client_register_async:
 * @self: a #WeftRegistryClient
 * @agent_info: a JSON object with `agent_id`, `hostname`, `sidecar_peer_id`,
 *   `capabilities` and the other fields of an agent record
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the request finishes
 * @user_data: data for @callback
 *
 * Registers (or re-registers) an agent at `POST /api/registry/agents`.
 *
 * Since: 0.1
 */
void
weft_registry_client_register_async (WeftRegistryClient *self,
                                     JsonNode *agent_info,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  g_return_if_fail (WEFT_IS_REGISTRY_CLIENT (self));
  g_return_if_fail (agent_info != NULL);

  send_request (self, start_request (self, "POST", "/api/registry/agents", agent_info, FALSE,
                                     weft_registry_client_register_async, cancellable, callback,
                                     user_data));
}

/**
 * weft_registry_client_register_finish:
 * @self: a #WeftRegistryClient
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes weft_registry_client_register_async().
 *
 * Returns: %TRUE when the registry accepted the registration
 *
 * Since: 0.1
 */
gboolean
weft_registry_client_register_finish (WeftRegistryClient *self,
                                      GAsyncResult *result,
                                      GError **error)
{
  g_autoptr (JsonNode) node = weft_registry_client_request_finish (self, result, error);
  return node != NULL;
}

/**
 * weft_registry_client_heartbeat_async:
 * @self: a #WeftRegistryClient
 * @heartbeat: a JSON object with `agent_id`, `skill_names` and the other
 *   heartbeat fields
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the request finishes
 * @user_data: data for @callback
 *
 * Sends a heartbeat to `POST /api/hub/heartbeat`.
 *
 * Since: 0.1
 */
void
weft_registry_client_heartbeat_async (WeftRegistryClient *self,
                                      JsonNode *heartbeat,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  g_return_if_fail (WEFT_IS_REGISTRY_CLIENT (self));
  g_return_if_fail (heartbeat != NULL);

  send_request (self, start_request (self, "POST", "/api/hub/heartbeat", heartbeat, FALSE,
                                     weft_registry_client_heartbeat_async, cancellable, callback,
                                     user_data));
}

/**
 * weft_registry_client_heartbeat_finish:
 * @self: a #WeftRegistryClient
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes weft_registry_client_heartbeat_async().
 *
 * Returns: (transfer full): a JSON array of the tasks the registry assigned
 *   to the agent with this heartbeat (possibly empty), or %NULL on error
 *
 * Since: 0.1
 */
JsonNode *
weft_registry_client_heartbeat_finish (WeftRegistryClient *self,
                                       GAsyncResult *result,
                                       GError **error)
{
  g_autoptr (JsonNode) node = finish_object (self, result, error);
  JsonObject *obj;
  JsonNode *tasks;

  if (node == NULL)
    return NULL;
  obj = json_node_get_object (node);
  tasks = json_object_get_member (obj, "pending_tasks");
  if (tasks == NULL || !JSON_NODE_HOLDS_ARRAY (tasks))
    {
      JsonNode *empty = json_node_new (JSON_NODE_ARRAY);
      json_node_take_array (empty, json_array_new ());
      return empty;
    }
  return json_node_copy (tasks);
}

/**
 * weft_registry_client_deregister_async:
 * @self: a #WeftRegistryClient
 * @agent_id: the agent to remove
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the request finishes
 * @user_data: data for @callback
 *
 * Removes an agent record at `DELETE /api/registry/agents/{agent_id}`.
 *
 * Since: 0.1
 */
void
weft_registry_client_deregister_async (WeftRegistryClient *self,
                                       const gchar *agent_id,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data)
{
  g_autofree gchar *id = escape_segment (agent_id);
  g_autofree gchar *path = g_strconcat ("/api/registry/agents/", id, NULL);

  g_return_if_fail (WEFT_IS_REGISTRY_CLIENT (self));
  send_request (self, start_request (self, "DELETE", path, NULL, FALSE,
                                     weft_registry_client_deregister_async, cancellable, callback,
                                     user_data));
}

/**
 * weft_registry_client_deregister_finish:
 * @self: a #WeftRegistryClient
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes weft_registry_client_deregister_async().
 *
 * Returns: %TRUE when the record was removed
 *
 * Since: 0.1
 */
gboolean
weft_registry_client_deregister_finish (WeftRegistryClient *self,
                                        GAsyncResult *result,
                                        GError **error)
{
  g_autoptr (JsonNode) node = weft_registry_client_request_finish (self, result, error);
  return node != NULL;
}

/**
 * weft_registry_client_list_agents_async:
 * @self: a #WeftRegistryClient
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the request finishes
 * @user_data: data for @callback
 *
 * Lists the agent records at `GET /api/registry/agents`.
 *
 * Since: 0.1
 */
void
weft_registry_client_list_agents_async (WeftRegistryClient *self,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data)
{
  g_return_if_fail (WEFT_IS_REGISTRY_CLIENT (self));
  send_request (self, start_request (self, "GET", "/api/registry/agents", NULL, FALSE,
                                     weft_registry_client_list_agents_async, cancellable, callback,
                                     user_data));
}

/**
 * weft_registry_client_list_agents_finish:
 * @self: a #WeftRegistryClient
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes weft_registry_client_list_agents_async().
 *
 * Returns: (transfer full): a JSON array of agent records, or %NULL on error
 *
 * Since: 0.1
 */
JsonNode *
weft_registry_client_list_agents_finish (WeftRegistryClient *self,
                                         GAsyncResult *result,
                                         GError **error)
{
  return finish_array (self, result, error);
}

/**
 * weft_registry_client_get_agent_async:
 * @self: a #WeftRegistryClient
 * @agent_id: the agent to look up
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the request finishes
 * @user_data: data for @callback
 *
 * Gets one agent record at `GET /api/registry/agents/{agent_id}`.
 *
 * Since: 0.1
 */
void
weft_registry_client_get_agent_async (WeftRegistryClient *self,
                                      const gchar *agent_id,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  g_autofree gchar *id = escape_segment (agent_id);
  g_autofree gchar *path = g_strconcat ("/api/registry/agents/", id, NULL);

  g_return_if_fail (WEFT_IS_REGISTRY_CLIENT (self));
  send_request (self,
                start_request (self, "GET", path, NULL, FALSE, weft_registry_client_get_agent_async,
                               cancellable, callback, user_data));
}

/**
 * weft_registry_client_get_agent_finish:
 * @self: a #WeftRegistryClient
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes weft_registry_client_get_agent_async(). An unknown agent gives
 * %WEFT_ERROR_NOT_FOUND.
 *
 * Returns: (transfer full): the agent record, or %NULL on error
 *
 * Since: 0.1
 */
JsonNode *
weft_registry_client_get_agent_finish (WeftRegistryClient *self,
                                       GAsyncResult *result,
                                       GError **error)
{
  return finish_object (self, result, error);
}

/**
 * weft_registry_client_route_async:
 * @self: a #WeftRegistryClient
 * @skill: a skill name
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the request finishes
 * @user_data: data for @callback
 *
 * Asks `GET /api/registry/route?skill=` for an active agent with @skill.
 *
 * Since: 0.1
 */
void
weft_registry_client_route_async (WeftRegistryClient *self,
                                  const gchar *skill,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  g_autofree gchar *escaped = escape_segment (skill);
  g_autofree gchar *path = g_strconcat ("/api/registry/route?skill=", escaped, NULL);

  g_return_if_fail (WEFT_IS_REGISTRY_CLIENT (self));
  send_request (self,
                start_request (self, "GET", path, NULL, FALSE, weft_registry_client_route_async,
                               cancellable, callback, user_data));
}

/**
 * weft_registry_client_route_finish:
 * @self: a #WeftRegistryClient
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes weft_registry_client_route_async(). No agent with the skill
 * gives %WEFT_ERROR_NOT_FOUND.
 *
 * Returns: (transfer full): the agent record, or %NULL on error
 *
 * Since: 0.1
 */
JsonNode *
weft_registry_client_route_finish (WeftRegistryClient *self, GAsyncResult *result, GError **error)
{
  return finish_object (self, result, error);
}

/**
 * weft_registry_client_submit_task_async:
 * @self: a #WeftRegistryClient
 * @task: a JSON object with `skill`, `target_agent_id`, `source_agent_id`,
 *   `payload` and `ttl` (all optional)
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the request finishes
 * @user_data: data for @callback
 *
 * Queues a task at `POST /api/hub/tasks`.
 *
 * Since: 0.1
 */
void
weft_registry_client_submit_task_async (WeftRegistryClient *self,
                                        JsonNode *task,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data)
{
  g_return_if_fail (WEFT_IS_REGISTRY_CLIENT (self));
  g_return_if_fail (task != NULL);

  send_request (self, start_request (self, "POST", "/api/hub/tasks", task, FALSE,
                                     weft_registry_client_submit_task_async, cancellable, callback,
                                     user_data));
}

/**
 * weft_registry_client_submit_task_finish:
 * @self: a #WeftRegistryClient
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes weft_registry_client_submit_task_async().
 *
 * Returns: (transfer full): the new task id, or %NULL on error
 *
 * Since: 0.1
 */
gchar *
weft_registry_client_submit_task_finish (WeftRegistryClient *self,
                                         GAsyncResult *result,
                                         GError **error)
{
  g_autoptr (JsonNode) node = finish_object (self, result, error);
  const gchar *id;

  if (node == NULL)
    return NULL;
  id = json_object_get_string_member_with_default (json_node_get_object (node), "task_id", NULL);
  if (id == NULL || *id == '\0')
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                   _ ("The registry at %s accepted the task but returned no `task_id`"),
                   self->base_url);
      return NULL;
    }
  return g_strdup (id);
}

/**
 * weft_registry_client_get_task_async:
 * @self: a #WeftRegistryClient
 * @task_id: a task id
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the request finishes
 * @user_data: data for @callback
 *
 * Gets a task at `GET /api/hub/tasks/{task_id}`.
 *
 * Since: 0.1
 */
void
weft_registry_client_get_task_async (WeftRegistryClient *self,
                                     const gchar *task_id,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  g_autofree gchar *id = escape_segment (task_id);
  g_autofree gchar *path = g_strconcat ("/api/hub/tasks/", id, NULL);

  g_return_if_fail (WEFT_IS_REGISTRY_CLIENT (self));
  send_request (self,
                start_request (self, "GET", path, NULL, FALSE, weft_registry_client_get_task_async,
                               cancellable, callback, user_data));
}

/**
 * weft_registry_client_get_task_finish:
 * @self: a #WeftRegistryClient
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes weft_registry_client_get_task_async().
 *
 * Returns: (transfer full): the task object, or %NULL on error
 *
 * Since: 0.1
 */
JsonNode *
weft_registry_client_get_task_finish (WeftRegistryClient *self,
                                      GAsyncResult *result,
                                      GError **error)
{
  return finish_object (self, result, error);
}

/**
 * weft_registry_client_list_tasks_async:
 * @self: a #WeftRegistryClient
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the request finishes
 * @user_data: data for @callback
 *
 * Lists every task at `GET /api/hub/tasks/all`.
 *
 * Since: 0.1
 */
void
weft_registry_client_list_tasks_async (WeftRegistryClient *self,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data)
{
  g_return_if_fail (WEFT_IS_REGISTRY_CLIENT (self));
  send_request (self, start_request (self, "GET", "/api/hub/tasks/all", NULL, FALSE,
                                     weft_registry_client_list_tasks_async, cancellable, callback,
                                     user_data));
}

/**
 * weft_registry_client_list_tasks_finish:
 * @self: a #WeftRegistryClient
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes weft_registry_client_list_tasks_async().
 *
 * Returns: (transfer full): a JSON array of task objects, or %NULL on error
 *
 * Since: 0.1
 */
JsonNode *
weft_registry_client_list_tasks_finish (WeftRegistryClient *self,
                                        GAsyncResult *result,
                                        GError **error)
{
  return finish_array (self, result, error);
}

/**
 * weft_registry_client_update_task_async:
 * @self: a #WeftRegistryClient
 * @task_id: a task id
 * @state: the new state, such as `running`, `completed` or `failed`
 * @result: (nullable): the result text, or %NULL
 * @error_text: (nullable): the error text, or %NULL
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the request finishes
 * @user_data: data for @callback
 *
 * Moves a task forward at `POST /api/hub/tasks/{task_id}`.
 *
 * Since: 0.1
 */
void
weft_registry_client_update_task_async (WeftRegistryClient *self,
                                        const gchar *task_id,
                                        const gchar *state,
                                        const gchar *result,
                                        const gchar *error_text,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data)
{
  g_autofree gchar *id = escape_segment (task_id);
  g_autofree gchar *path = g_strconcat ("/api/hub/tasks/", id, NULL);
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) body = NULL;

  g_return_if_fail (WEFT_IS_REGISTRY_CLIENT (self));
  g_return_if_fail (state != NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, state);
  json_builder_set_member_name (builder, "result");
  json_builder_add_string_value (builder, result != NULL ? result : "");
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, error_text != NULL ? error_text : "");
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  send_request (self, start_request (self, "POST", path, body, FALSE,
                                     weft_registry_client_update_task_async, cancellable, callback,
                                     user_data));
}

/**
 * weft_registry_client_update_task_finish:
 * @self: a #WeftRegistryClient
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes weft_registry_client_update_task_async(). An illegal transition
 * gives %WEFT_ERROR_INVALID_STATE.
 *
 * Returns: %TRUE when the registry accepted the update
 *
 * Since: 0.1
 */
gboolean
weft_registry_client_update_task_finish (WeftRegistryClient *self,
                                         GAsyncResult *result,
                                         GError **error)
{
  g_autoptr (JsonNode) node = weft_registry_client_request_finish (self, result, error);
  return node != NULL;
}

/**
 * weft_registry_client_cancel_task_async:
 * @self: a #WeftRegistryClient
 * @task_id: a task id
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the request finishes
 * @user_data: data for @callback
 *
 * Cancels a task the caller submitted, at `POST /api/hub/tasks/{task_id}/cancel`.
 *
 * Since: 0.1
 */
void
weft_registry_client_cancel_task_async (WeftRegistryClient *self,
                                        const gchar *task_id,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data)
{
  g_autofree gchar *id = escape_segment (task_id);
  g_autofree gchar *path = g_strconcat ("/api/hub/tasks/", id, "/cancel", NULL);

  g_return_if_fail (WEFT_IS_REGISTRY_CLIENT (self));
  send_request (self, start_request (self, "POST", path, NULL, FALSE,
                                     weft_registry_client_cancel_task_async, cancellable, callback,
                                     user_data));
}

/**
 * weft_registry_client_cancel_task_finish:
 * @self: a #WeftRegistryClient
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes weft_registry_client_cancel_task_async().
 *
 * Returns: %TRUE when the task was cancelled
 *
 * Since: 0.1
 */
gboolean
weft_registry_client_cancel_task_finish (WeftRegistryClient *self,
                                         GAsyncResult *result,
                                         GError **error)
{
  g_autoptr (JsonNode) node = weft_registry_client_request_finish (self, result, error);
  return node != NULL;
}

/**
 * weft_registry_client_get_ice_config_async:
 * @self: a #WeftRegistryClient
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the request finishes
 * @user_data: data for @callback
 *
 * Gets the ICE servers at `GET /api/config`.
 *
 * Since: 0.1
 */
void
weft_registry_client_get_ice_config_async (WeftRegistryClient *self,
                                           GCancellable *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer user_data)
{
  g_return_if_fail (WEFT_IS_REGISTRY_CLIENT (self));
  send_request (self, start_request (self, "GET", "/api/config", NULL, FALSE,
                                     weft_registry_client_get_ice_config_async, cancellable,
                                     callback, user_data));
}

/**
 * weft_registry_client_get_ice_config_finish:
 * @self: a #WeftRegistryClient
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes weft_registry_client_get_ice_config_async().
 *
 * Returns: (transfer full): the object holding `iceServers`, or %NULL on error
 *
 * Since: 0.1
 */
JsonNode *
weft_registry_client_get_ice_config_finish (WeftRegistryClient *self,
                                            GAsyncResult *result,
                                            GError **error)
{
  return finish_object (self, result, error);
}

/**
 * weft_registry_client_pair_async:
 * @self: a #WeftRegistryClient
 * @code: the six-digit invite code
 * @agent_name: the name the agent asks to be known by
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the request finishes
 * @user_data: data for @callback
 *
 * Redeems an invite code at `POST /api/pairing/pair`.
 *
 * Since: 0.1
 */
void
weft_registry_client_pair_async (WeftRegistryClient *self,
                                 const gchar *code,
                                 const gchar *agent_name,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) body = NULL;

  g_return_if_fail (WEFT_IS_REGISTRY_CLIENT (self));
  g_return_if_fail (code != NULL && agent_name != NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "agent_name");
  json_builder_add_string_value (builder, agent_name);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  send_request (self,
                start_request (self, "POST", "/api/pairing/pair", body, FALSE,
                               weft_registry_client_pair_async, cancellable, callback, user_data));
}

/**
 * weft_registry_client_pair_finish:
 * @self: a #WeftRegistryClient
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes weft_registry_client_pair_async().
 *
 * Returns: (transfer full): the pairing entry (`id`, `status`, `peer_id`, and
 *   whatever the registry adds to claim the device token), or %NULL on error
 *
 * Since: 0.1
 */
JsonNode *
weft_registry_client_pair_finish (WeftRegistryClient *self, GAsyncResult *result, GError **error)
{
  return finish_object (self, result, error);
}

/**
 * weft_registry_client_claim_async:
 * @self: a #WeftRegistryClient
 * @entry_id: the pairing entry id from weft_registry_client_pair_finish()
 * @claim_token: the `claim_token` the registry returned with the entry
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the request finishes
 * @user_data: data for @callback
 *
 * Asks whether a pairing entry has been approved and, if so, collects its
 * device token, at `POST /api/pairing/{entry_id}/claim`.
 *
 * Since: 0.1
 */
void
weft_registry_client_claim_async (WeftRegistryClient *self,
                                  const gchar *entry_id,
                                  const gchar *claim_token,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  g_autofree gchar *id = escape_segment (entry_id);
  g_autofree gchar *path = g_strconcat ("/api/pairing/", id, "/claim", NULL);
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) body = NULL;

  g_return_if_fail (WEFT_IS_REGISTRY_CLIENT (self));

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "claim_token");
  json_builder_add_string_value (builder, claim_token != NULL ? claim_token : "");
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  send_request (self,
                start_request (self, "POST", path, body, FALSE, weft_registry_client_claim_async,
                               cancellable, callback, user_data));
}

/**
 * weft_registry_client_claim_finish:
 * @self: a #WeftRegistryClient
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes weft_registry_client_claim_async().
 *
 * Returns: (transfer full): the entry with its `status` (`pending_approval`
 *   while an administrator has not decided) and, once approved, its
 *   `device_token`; or %NULL on error
 *
 * Since: 0.1
 */
JsonNode *
weft_registry_client_claim_finish (WeftRegistryClient *self, GAsyncResult *result, GError **error)
{
  return finish_object (self, result, error);
}
