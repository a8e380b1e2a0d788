/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "weft.h"
#include "weft-registry-config.h"

typedef enum
{
  OPT_STRING,
  OPT_UINT,
  OPT_SIZE,
  OPT_DOUBLE,
  OPT_BOOL,
  OPT_ANONYMOUS,
} OptType;

typedef struct
{
  const gchar *group;
  const gchar *key;
  OptType type;
  gsize offset;
} OptDesc;

#define OPT(g, k, t, field)                              \
  {                                                      \
    g, k, t, G_STRUCT_OFFSET (WeftRegistryConfig, field) \
  }

/* every setting the keyfile and `--option GROUP.KEY=VALUE` accept */
static const OptDesc opt_table[] = {
  OPT ("registry", "listen", OPT_STRING, listen),
  OPT ("registry", "port", OPT_UINT, port),
  OPT ("registry", "database", OPT_STRING, db_path),
  OPT ("registry", "tls-certificate", OPT_STRING, tls_cert_path),
  OPT ("registry", "tls-key", OPT_STRING, tls_key_path),
  OPT ("registry", "anonymous", OPT_ANONYMOUS, anonymous),
  OPT ("registry", "secret", OPT_STRING, secret),
  OPT ("registry", "api-keys-file", OPT_STRING, api_keys_file),
  OPT ("registry", "dbus", OPT_BOOL, dbus),
  OPT ("turn", "url", OPT_STRING, turn_url),
  OPT ("turn", "secret", OPT_STRING, turn_secret),
  OPT ("timings", "jwt-lifetime", OPT_UINT, jwt_lifetime),
  OPT ("timings", "jwt-leeway", OPT_UINT, jwt_leeway),
  OPT ("timings", "health-interval", OPT_DOUBLE, health_interval),
  OPT ("timings", "health-stale-after", OPT_DOUBLE, health_stale_after),
  OPT ("timings", "health-offline-after", OPT_DOUBLE, health_offline_after),
  OPT ("timings", "task-expiry-interval", OPT_DOUBLE, task_expiry_interval),
  OPT ("timings", "task-requeue-attempts", OPT_UINT, task_requeue_attempts),
  OPT ("timings", "task-retention", OPT_DOUBLE, task_retention),
  OPT ("timings", "pairing-code-ttl", OPT_DOUBLE, pairing_code_ttl),
  OPT ("timings", "pairing-cleanup-interval", OPT_DOUBLE, pairing_cleanup_interval),
  OPT ("timings", "pairing-rate-window", OPT_DOUBLE, pairing_rate_window),
  OPT ("limits", "pairing-attempts", OPT_UINT, pairing_rate_limit),
  OPT ("limits", "max-body-size", OPT_SIZE, max_body_size),
  OPT ("limits", "ws-max-message-size", OPT_SIZE, ws_max_message_size),
  OPT ("limits", "ws-max-frames-per-second", OPT_UINT, ws_max_frames_per_second),
  OPT ("limits", "ws-frame-burst", OPT_UINT, ws_frame_burst),
  OPT ("limits", "max-connections-per-address", OPT_UINT, max_connections_per_address),
};

WeftRegistryConfig *
weft_registry_config_new (void)
{
  WeftRegistryConfig *self = g_new0 (WeftRegistryConfig, 1);

  self->port = 8080;
  self->db_path = g_build_filename (g_get_user_state_dir (), "weft", "registry.db", NULL);
  self->dbus = TRUE;
  self->anonymous = WEFT_ANONYMOUS_NONE;
  self->api_keys_file = g_strdup ("api_keys.json");

  self->jwt_lifetime = 300;
  self->jwt_leeway = 60;
  self->health_interval = 15;
  self->health_stale_after = 90;
  self->health_offline_after = 270;
  self->task_expiry_interval = 30;
  self->task_requeue_attempts = 3;
  self->task_retention = 7 * 24 * 3600;
  self->pairing_code_ttl = 300;
  self->pairing_cleanup_interval = 60;
  self->pairing_rate_limit = 5;
  self->pairing_rate_window = 60;

  self->max_body_size = 2 * 1024 * 1024;
  self->ws_max_message_size = 1024 * 1024;
  self->ws_max_frames_per_second = 200;
  self->ws_frame_burst = 400;
  self->max_connections_per_address = 256;
  return self;
}

void
weft_registry_config_free (WeftRegistryConfig *self)
{
  if (self == NULL)
    return;
  g_free (self->config_path);
  g_free (self->listen);
  g_free (self->port_file);
  g_free (self->db_path);
  g_free (self->tls_cert_path);
  g_free (self->tls_key_path);
  g_free (self->secret);
  g_free (self->api_keys_file);
  g_free (self->turn_url);
  g_free (self->turn_secret);
  g_free (self);
}

const gchar *
weft_anonymous_policy_to_string (WeftAnonymousPolicy policy)
{
  switch (policy)
    {
      case WEFT_ANONYMOUS_NONE:
        return "none";
      case WEFT_ANONYMOUS_LOOPBACK:
        return "loopback";
      case WEFT_ANONYMOUS_ANY:
        return "any";
      default:
        return "none";
    }
}

gboolean
weft_anonymous_policy_from_string (const gchar *str,
                                   WeftAnonymousPolicy *out_policy,
                                   GError **error)
{
  if (g_strcmp0 (str, "none") == 0)
    *out_policy = WEFT_ANONYMOUS_NONE;
  else if (g_strcmp0 (str, "loopback") == 0)
    *out_policy = WEFT_ANONYMOUS_LOOPBACK;
  else if (g_strcmp0 (str, "any") == 0)
    *out_policy = WEFT_ANONYMOUS_ANY;
  else
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("Unknown anonymous policy “%s”: use none, loopback or any"), str);
      return FALSE;
    }
  return TRUE;
}

static void
replace_str (gchar **field, const gchar *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

static gboolean
parse_uint (const gchar *value, guint64 max, guint64 *out)
{
  guint64 v;

  if (!g_ascii_string_to_unsigned (value, 10, 0, max, &v, NULL))
    return FALSE;
  *out = v;
  return TRUE;
}

/* sizes accept a K/M/G (binary) suffix: "2M" is 2 MiB */
static gboolean
parse_size (const gchar *value, gsize *out)
{
  g_autofree gchar *copy = g_strstrip (g_strdup (value));
  gsize len = strlen (copy);
  guint64 mult = 1, v;

  if (len == 0)
    return FALSE;
  switch (g_ascii_toupper (copy[len - 1]))
    {
      case 'K':
        mult = 1024;
        break;
      case 'M':
        mult = 1024 * 1024;
        break;
      case 'G':
        mult = 1024 * 1024 * 1024;
        break;
      default:
        break;
    }
  if (mult != 1)
    copy[len - 1] = '\0';
  if (!parse_uint (copy, G_MAXUINT32, &v))
    return FALSE;
  *out = (gsize) (v * mult);
  return TRUE;
}

static gboolean
apply_option (WeftRegistryConfig *self,
              const OptDesc *desc,
              const gchar *value,
              const gchar *origin,
              GError **error)
{
  gpointer field = G_STRUCT_MEMBER_P (self, desc->offset);
  guint64 u;
  gdouble d;
  gchar *end = NULL;

  switch (desc->type)
    {
      case OPT_STRING:
        g_free (*(gchar **) field);
        *(gchar **) field = (value[0] != '\0') ? g_strdup (value) : NULL;
        if (g_str_equal (desc->key, "api-keys-file"))
          self->api_keys_file_explicit = TRUE;
        return TRUE;
      case OPT_UINT:
        if (parse_uint (value, G_MAXUINT32, &u))
          {
            *(guint *) field = (guint) u;
            return TRUE;
          }
        break;
      case OPT_SIZE:
        if (parse_size (value, (gsize *) field))
          return TRUE;
        break;
      case OPT_DOUBLE:
        errno = 0;
        d = g_ascii_strtod (value, &end);
        if (errno == 0 && end != value && *end == '\0' && d >= 0)
          {
            *(gdouble *) field = d;
            return TRUE;
          }
        break;
      case OPT_BOOL:
        if (g_ascii_strcasecmp (value, "true") == 0 || g_str_equal (value, "1"))
          *(gboolean *) field = TRUE;
        else if (g_ascii_strcasecmp (value, "false") == 0 || g_str_equal (value, "0"))
          *(gboolean *) field = FALSE;
        else
          break;
        return TRUE;
      case OPT_ANONYMOUS:
        return weft_anonymous_policy_from_string (value, (WeftAnonymousPolicy *) field, error);
      default:
        break;
    }
  g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
               _ ("Invalid value “%s” for %s.%s in %s"), value, desc->group, desc->key, origin);
  return FALSE;
}

static const OptDesc *
find_option (const gchar *group, const gchar *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS (opt_table); i++)
    if (g_str_equal (opt_table[i].group, group) && g_str_equal (opt_table[i].key, key))
      return &opt_table[i];
  return NULL;
}

gboolean
weft_registry_config_load_keyfile (WeftRegistryConfig *self, const gchar *path, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_auto (GStrv) groups = NULL;

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, error))
    {
      g_prefix_error (error, _ ("Cannot read configuration file %s: "), path);
      return FALSE;
    }
  groups = g_key_file_get_groups (kf, NULL);
  for (gsize g = 0; groups[g] != NULL; g++)
    {
      g_auto (GStrv) keys = g_key_file_get_keys (kf, groups[g], NULL, NULL);

      for (gsize k = 0; keys != NULL && keys[k] != NULL; k++)
        {
          const OptDesc *desc = find_option (groups[g], keys[k]);
          g_autofree gchar *value = NULL;

          if (desc == NULL)
            {
              g_warning ("%s: ignoring unknown setting %s.%s", path, groups[g], keys[k]);
              continue;
            }
          value = g_key_file_get_string (kf, groups[g], keys[k], error);
          if (value == NULL || !apply_option (self, desc, value, path, error))
            return FALSE;
        }
    }
  g_free (self->config_path);
  self->config_path = g_strdup (path);
  return TRUE;
}

gboolean
weft_registry_config_load_environment (WeftRegistryConfig *self,
                                       const gchar *const *envp,
                                       GError **error)
{
  g_auto (GStrv) own_env = NULL;
  const gchar *v;

  if (envp == NULL)
    {
      own_env = g_get_environ ();
      envp = (const gchar *const *) own_env;
    }

  v = g_environ_getenv ((gchar **) envp, "PORT");
  if (v != NULL && v[0] != '\0')
    {
      guint64 port;

      /* the reference falls back to 8080 on an unparsable value; say so instead of guessing */
      if (!parse_uint (v, 65535, &port))
        {
          g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                       _ ("PORT=%s is not a port number (0–65535)"), v);
          return FALSE;
        }
      self->port = (guint) port;
    }

  v = g_environ_getenv ((gchar **) envp, "SIGNALING_SECRET");
  if (v != NULL && v[0] != '\0')
    {
      g_free (self->secret);
      self->secret = g_strdup (v);
    }
  v = g_environ_getenv ((gchar **) envp, "API_KEYS_FILE");
  if (v != NULL && v[0] != '\0')
    {
      g_free (self->api_keys_file);
      self->api_keys_file = g_strdup (v);
      self->api_keys_file_explicit = TRUE;
    }
  /* empty TURN_URL/TURN_SECRET mean unset (docker-compose passes empty strings) */
  v = g_environ_getenv ((gchar **) envp, "TURN_URL");
  if (v != NULL && v[0] != '\0')
    {
      g_free (self->turn_url);
      self->turn_url = g_strdup (v);
    }
  v = g_environ_getenv ((gchar **) envp, "TURN_SECRET");
  if (v != NULL && v[0] != '\0')
    {
      g_free (self->turn_secret);
      self->turn_secret = g_strdup (v);
    }
  return TRUE;
}

static gchar *
default_config_path (void)
{
  g_autofree gchar *path =
    g_build_filename (g_get_user_config_dir (), "weft", "weft-registry.conf", NULL);

  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&path);
  return NULL;
}

gboolean
weft_registry_config_parse_args (WeftRegistryConfig *self,
                                 gint *argc,
                                 gchar ***argv,
                                 GError **error)
{
  g_autofree gchar *opt_config = NULL;
  g_autofree gchar *opt_listen = NULL;
  g_autofree gchar *opt_db = NULL;
  g_autofree gchar *opt_tls_cert = NULL;
  g_autofree gchar *opt_tls_key = NULL;
  g_autofree gchar *opt_anonymous = NULL;
  g_autofree gchar *opt_api_keys = NULL;
  g_autofree gchar *opt_port_file = NULL;
  g_auto (GStrv) opt_options = NULL;
  gint opt_port = -1;
  gboolean opt_dev = FALSE;
  gboolean opt_no_dbus = FALSE;
  g_autoptr (GOptionContext) ctx = NULL;
  const GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_config,
      N_ ("Read settings from this keyfile (default: $XDG_CONFIG_HOME/weft/weft-registry.conf)"),
      N_ ("FILE") },
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &opt_listen,
      N_ ("Address to listen on (default: all interfaces)"), N_ ("ADDRESS") },
    { "port", 'p', 0, G_OPTION_ARG_INT, &opt_port,
      N_ ("TCP port (default: $PORT or 8080; 0 picks a free one)"), N_ ("PORT") },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &opt_db,
      N_ ("SQLite database (default: $XDG_STATE_HOME/weft/registry.db)"), N_ ("PATH") },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &opt_tls_cert,
      N_ ("PEM certificate: serve HTTPS and WSS"), N_ ("FILE") },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &opt_tls_key, N_ ("PEM private key of --tls-cert"),
      N_ ("FILE") },
    { "api-keys", 0, 0, G_OPTION_ARG_FILENAME, &opt_api_keys,
      N_ ("API key table in chatixia's api_keys.json format (default: $API_KEYS_FILE)"),
      N_ ("FILE") },
    { "anonymous", 0, 0, G_OPTION_ARG_STRING, &opt_anonymous,
      N_ ("Who may call without a credential: none, loopback or any"), N_ ("POLICY") },
    { "dev", 0, 0, G_OPTION_ARG_NONE, &opt_dev,
      N_ ("Development mode: allow the default secret and the built-in dev key"), NULL },
    { "no-dbus", 0, 0, G_OPTION_ARG_NONE, &opt_no_dbus,
      N_ ("Do not own org.weft.Registry1 on the session bus"), NULL },
    { "port-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_port_file,
      N_ ("Write the port actually bound to this file once listening"), N_ ("FILE") },
    { "option", 'o', 0, G_OPTION_ARG_STRING_ARRAY, &opt_options,
      N_ ("Set a keyfile setting, e.g. timings.health-stale-after=5"), N_ ("GROUP.KEY=VALUE") },
    { NULL }
  };

  ctx = g_option_context_new (NULL);
  g_option_context_set_summary (ctx, _ ("Weft registry: discovery, signaling, task queue and "
                                        "pairing for a mesh of agents."));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (ctx, argc, argv, error))
    return FALSE;
  if (*argc > 1)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("Unexpected argument “%s”; see --help"), (*argv)[1]);
      return FALSE;
    }

  /* keyfile first, then environment, then flags */
  if (opt_config != NULL)
    {
      if (!weft_registry_config_load_keyfile (self, opt_config, error))
        return FALSE;
    }
  else
    {
      g_autofree gchar *path = default_config_path ();

      if (path != NULL && !weft_registry_config_load_keyfile (self, path, error))
        return FALSE;
    }
  if (!weft_registry_config_load_environment (self, NULL, error))
    return FALSE;

  for (gsize i = 0; opt_options != NULL && opt_options[i] != NULL; i++)
    {
      const gchar *eq = strchr (opt_options[i], '=');
      const gchar *dot = strchr (opt_options[i], '.');
      g_autofree gchar *group = NULL;
      g_autofree gchar *key = NULL;
      const OptDesc *desc;

      if (eq == NULL || dot == NULL || dot > eq)
        {
          g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                       _ ("--option wants GROUP.KEY=VALUE, got “%s”"), opt_options[i]);
          return FALSE;
        }
      group = g_strndup (opt_options[i], dot - opt_options[i]);
      key = g_strndup (dot + 1, eq - dot - 1);
      desc = find_option (group, key);
      if (desc == NULL)
        {
          g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                       _ ("Unknown setting %s.%s in --option"), group, key);
          return FALSE;
        }
      if (!apply_option (self, desc, eq + 1, "--option", error))
        return FALSE;
    }

  if (opt_listen != NULL)
    replace_str (&self->listen, opt_listen);
  if (opt_port >= 0)
    {
      if (opt_port > 65535)
        {
          g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                       _ ("--port %d is not a port number (0–65535)"), opt_port);
          return FALSE;
        }
      self->port = (guint) opt_port;
    }
  if (opt_db != NULL)
    replace_str (&self->db_path, opt_db);
  if (opt_tls_cert != NULL)
    replace_str (&self->tls_cert_path, opt_tls_cert);
  if (opt_tls_key != NULL)
    replace_str (&self->tls_key_path, opt_tls_key);
  if (opt_api_keys != NULL)
    {
      replace_str (&self->api_keys_file, opt_api_keys);
      self->api_keys_file_explicit = TRUE;
    }
  if (opt_port_file != NULL)
    replace_str (&self->port_file, opt_port_file);
  if (opt_anonymous != NULL &&
      !weft_anonymous_policy_from_string (opt_anonymous, &self->anonymous, error))
    return FALSE;
  if (opt_dev)
    self->dev = TRUE;
  if (opt_no_dbus)
    self->dbus = FALSE;

  return weft_registry_config_validate (self, error);
}

gboolean
weft_registry_config_validate (WeftRegistryConfig *self, GError **error)
{
  if (self->secret == NULL || g_str_equal (self->secret, WEFT_REGISTRY_DEV_SECRET))
    {
      if (!self->dev)
        {
          g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                       self->secret == NULL
                         ? _ ("No signing secret is configured. Set SIGNALING_SECRET (or "
                              "secret= in the [registry] group of weft-registry.conf) to a long "
                              "random string, e.g. the output of `openssl rand -hex 32`; or "
                              "pass --dev to use the development secret")
                         : _ ("SIGNALING_SECRET is the published development secret “%s”; "
                              "anyone could forge tokens. Set it to a long random string, "
                              "e.g. the output of `openssl rand -hex 32`, or pass --dev"),
                       WEFT_REGISTRY_DEV_SECRET);
          return FALSE;
        }
      if (self->secret == NULL)
        self->secret = g_strdup (WEFT_REGISTRY_DEV_SECRET);
    }
  if ((self->tls_cert_path == NULL) != (self->tls_key_path == NULL))
    {
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                           _ ("--tls-cert and --tls-key must be given together"));
      return FALSE;
    }
  if (self->health_stale_after > self->health_offline_after)
    {
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                           _ ("timings.health-stale-after must not exceed "
                              "timings.health-offline-after"));
      return FALSE;
    }
  if (self->jwt_lifetime == 0)
    {
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                           _ ("timings.jwt-lifetime must be at least 1 second"));
      return FALSE;
    }
  if (self->max_body_size == 0 || self->ws_max_message_size == 0)
    {
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                           _ ("limits.max-body-size and limits.ws-max-message-size must not be 0"));
      return FALSE;
    }
  return TRUE;
}
