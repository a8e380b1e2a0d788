/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "weft-registry-config.h"

G_BEGIN_DECLS

typedef enum
{
  WEFT_ROLE_AGENT,
  WEFT_ROLE_ADMIN,
} WeftRole;

const gchar *
weft_role_to_string (WeftRole role);
gboolean
weft_role_from_string (const gchar *str, WeftRole *out_role);

/* who is calling: the result of checking a credential (refcounted, immutable) */
typedef struct
{
  gchar *credential_id; /* (owned) "key:<id>", "device:<entry id>" or "anonymous" */
  gchar *peer_id;       /* (owned) signaling identity (JWT sub) */
  WeftRole role;
  gint64 expires_at; /* unix seconds after which the presented token is refused; 0 = never */
  gboolean anonymous;
} WeftPrincipal;

#define WEFT_TYPE_PRINCIPAL (weft_principal_get_type ())
GType
weft_principal_get_type (void);
WeftPrincipal *
weft_principal_new (const gchar *credential_id,
                    const gchar *peer_id,
                    WeftRole role,
                    gint64 expires_at);
WeftPrincipal *
weft_principal_ref (WeftPrincipal *self);
void
weft_principal_unref (WeftPrincipal *self);
gboolean
weft_principal_is_admin (const WeftPrincipal *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WeftPrincipal, weft_principal_unref)

/* an API key as listed to admins: never the key itself */
typedef struct
{
  gchar *id;      /* (owned) */
  gchar *peer_id; /* (owned) */
  WeftRole role;
  gchar *label; /* (owned) (nullable) */
  gboolean from_file;
  gint64 created_at;
} WeftApiKeyInfo;

void
weft_api_key_info_free (WeftApiKeyInfo *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WeftApiKeyInfo, weft_api_key_info_free)

/* how WeftAuth asks the pairing state about device tokens without depending on it */
typedef struct
{
  /* an approved entry's id and peer_id for a device token, or FALSE */
  gboolean (*lookup_device_token) (gpointer user_data,
                                   const gchar *device_token,
                                   gchar **out_entry_id,
                                   gchar **out_peer_id);
  /* whether the pairing entry with this id is still approved */
  gboolean (*entry_is_approved) (gpointer user_data, const gchar *entry_id);
  /* whether some approved entry has this peer_id */
  gboolean (*peer_is_approved) (gpointer user_data, const gchar *peer_id);
  /* persistence of managed keys; each may be NULL (memory only) */
  gboolean (*save_key) (gpointer user_data,
                        const WeftApiKeyInfo *info,
                        const gchar *key_hash,
                        GError **error);
  gboolean (*delete_key) (gpointer user_data, const gchar *id, GError **error);
} WeftAuthBackend;

#define WEFT_TYPE_AUTH (weft_auth_get_type ())
G_DECLARE_FINAL_TYPE (WeftAuth, weft_auth, WEFT, AUTH, GObject)

WeftAuth *
weft_auth_new (const gchar *secret,
               guint token_lifetime,
               guint leeway,
               WeftAnonymousPolicy anonymous);
void
weft_auth_set_backend (WeftAuth *self, const WeftAuthBackend *backend, gpointer user_data);

gboolean
weft_auth_load_api_keys_file (WeftAuth *self,
                              const gchar *path,
                              gboolean dev_fallback,
                              GError **error);
gboolean
weft_auth_load_api_keys_data (WeftAuth *self,
                              const gchar *data,
                              gssize length,
                              const gchar *origin,
                              gboolean dev_fallback,
                              GError **error);
void
weft_auth_add_dev_key (WeftAuth *self);
gboolean
weft_auth_add_stored_key (WeftAuth *self,
                          const WeftApiKeyInfo *info,
                          const gchar *key_hash,
                          GError **error);
WeftApiKeyInfo *
weft_auth_create_key (WeftAuth *self,
                      const gchar *peer_id,
                      WeftRole role,
                      const gchar *label,
                      gchar **out_key,
                      GError **error);
gboolean
weft_auth_revoke_key (WeftAuth *self, const gchar *id, GError **error);
GPtrArray *
weft_auth_list_keys (WeftAuth *self);
void
weft_auth_revoke_credential (WeftAuth *self, const gchar *credential_id);

WeftPrincipal *
weft_auth_authenticate_api_key (WeftAuth *self, const gchar *key, GError **error);
WeftPrincipal *
weft_auth_authenticate_device_token (WeftAuth *self, const gchar *device_token, GError **error);
WeftPrincipal *
weft_auth_authenticate_bearer (WeftAuth *self, const gchar *value, GError **error);
WeftPrincipal *
weft_auth_anonymous_principal (WeftAuth *self, GInetAddress *remote);
gboolean
weft_auth_credential_is_valid (WeftAuth *self, const gchar *credential_id);
gboolean
weft_auth_is_peer_authorised (WeftAuth *self, const gchar *peer_id);

gchar *
weft_auth_issue_token (WeftAuth *self, const WeftPrincipal *principal, GError **error);
WeftPrincipal *
weft_auth_verify_token (WeftAuth *self, const gchar *token, GError **error);
guint
weft_auth_get_leeway (WeftAuth *self);

gboolean
weft_auth_turn_credentials (const gchar *turn_secret,
                            gint64 now,
                            gchar **out_username,
                            gchar **out_credential);
gchar *
weft_auth_hash_secret (const gchar *secret);
gchar *
weft_auth_generate_secret (const gchar *prefix, gsize n_bytes);

G_END_DECLS
