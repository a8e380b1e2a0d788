/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WEFT_REGISTRY_DEV_SECRET "dev-secret-change-me"

typedef enum
{
  WEFT_ANONYMOUS_NONE,
  WEFT_ANONYMOUS_LOOPBACK,
  WEFT_ANONYMOUS_ANY,
} WeftAnonymousPolicy;

/* the registry's whole configuration: built-in defaults, then the keyfile, then the
 * reference's environment variables, then command-line flags (later wins) */
typedef struct
{
  gchar *config_path;   /* (owned) (nullable) keyfile that was read */
  gchar *listen;        /* (owned) (nullable) address to bind; NULL = all interfaces */
  guint port;           /* 0 = ephemeral */
  gchar *port_file;     /* (owned) (nullable) write the bound port here once listening */
  gchar *db_path;       /* (owned) */
  gchar *tls_cert_path; /* (owned) (nullable) */
  gchar *tls_key_path;  /* (owned) (nullable) */
  gboolean dev;
  gboolean dbus; /* own org.weft.Registry1 when a session bus exists */
  WeftAnonymousPolicy anonymous;
  gchar *secret;        /* (owned) (nullable) HS256 key */
  gchar *api_keys_file; /* (owned) (nullable) chatixia api_keys.json */
  gboolean api_keys_file_explicit;
  gchar *turn_url;    /* (owned) (nullable) */
  gchar *turn_secret; /* (owned) (nullable) */

  /* timings, in seconds */
  guint jwt_lifetime;
  guint jwt_leeway;
  gdouble health_interval;
  gdouble health_stale_after;
  gdouble health_offline_after;
  gdouble task_expiry_interval;
  guint task_requeue_attempts;
  gdouble task_retention;
  gdouble pairing_code_ttl;
  gdouble pairing_cleanup_interval;
  guint pairing_rate_limit;
  gdouble pairing_rate_window;

  /* limits */
  gsize max_body_size;
  gsize ws_max_message_size;
  guint ws_max_frames_per_second;
  guint ws_frame_burst;
  guint max_connections_per_address;
} WeftRegistryConfig;

WeftRegistryConfig *
weft_registry_config_new (void);
void
weft_registry_config_free (WeftRegistryConfig *self);
gboolean
weft_registry_config_load_keyfile (WeftRegistryConfig *self, const gchar *path, GError **error);
gboolean
weft_registry_config_load_environment (WeftRegistryConfig *self,
                                       const gchar *const *envp,
                                       GError **error);
gboolean
weft_registry_config_parse_args (WeftRegistryConfig *self,
                                 gint *argc,
                                 gchar ***argv,
                                 GError **error);
gboolean
weft_registry_config_validate (WeftRegistryConfig *self, GError **error);
const gchar *
weft_anonymous_policy_to_string (WeftAnonymousPolicy policy);
gboolean
weft_anonymous_policy_from_string (const gchar *str,
                                   WeftAnonymousPolicy *out_policy,
                                   GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WeftRegistryConfig, weft_registry_config_free)

G_END_DECLS
