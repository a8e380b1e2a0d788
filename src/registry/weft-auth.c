/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <jwt.h>
#include <string.h>
#include <sys/random.h>

#include "weft.h"
#include "weft-auth.h"
#include "weft-json-private.h"

#define DEV_API_KEY     "ak_dev_001"
#define DEV_API_PEER_ID "agent-001"

typedef struct
{
  WeftApiKeyInfo info; /* (owned) */
  gchar *hash;         /* (owned) sha-256 hex of the key */
} KeyEntry;

struct _WeftAuth
{
  GObject parent_instance;

  GBytes *secret; /* (owned) */
  guint token_lifetime;
  guint leeway;
  WeftAnonymousPolicy anonymous;

  GHashTable *keys_by_hash; /* (owned) (element-type utf8 KeyEntry) owns the entries */
  GHashTable *keys_by_id;   /* (owned) (element-type utf8 KeyEntry) borrowed */
  GHashTable *key_peers;    /* (owned) (element-type utf8 guint) keys per peer_id */

  WeftAuthBackend backend;
  gpointer backend_data; /* (unowned) (nullable) */
};

enum
{
  SIGNAL_CREDENTIAL_REVOKED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (WeftAuth, weft_auth, G_TYPE_OBJECT)

G_DEFINE_BOXED_TYPE (WeftPrincipal, weft_principal, weft_principal_ref, weft_principal_unref)

/* principals are immutable and shared; the refcount lives in front of the struct */
typedef struct
{
  gatomicrefcount rc;
  WeftPrincipal p;
} PrincipalBox;

WeftPrincipal *
weft_principal_new (const gchar *credential_id,
                    const gchar *peer_id,
                    WeftRole role,
                    gint64 expires_at)
{
  PrincipalBox *box = g_new0 (PrincipalBox, 1);

  g_atomic_ref_count_init (&box->rc);
  box->p.credential_id = g_strdup (credential_id);
  box->p.peer_id = g_strdup (peer_id);
  box->p.role = role;
  box->p.expires_at = expires_at;
  box->p.anonymous = g_strcmp0 (credential_id, "anonymous") == 0;
  return &box->p;
}

WeftPrincipal *
weft_principal_ref (WeftPrincipal *self)
{
  PrincipalBox *box = (PrincipalBox *) ((guint8 *) self - G_STRUCT_OFFSET (PrincipalBox, p));

  g_atomic_ref_count_inc (&box->rc);
  return self;
}

void
weft_principal_unref (WeftPrincipal *self)
{
  PrincipalBox *box;

  if (self == NULL)
    return;
  box = (PrincipalBox *) ((guint8 *) self - G_STRUCT_OFFSET (PrincipalBox, p));
  if (g_atomic_ref_count_dec (&box->rc))
    {
      g_free (box->p.credential_id);
      g_free (box->p.peer_id);
      g_free (box);
    }
}

gboolean
weft_principal_is_admin (const WeftPrincipal *self)
{
  return self != NULL && self->role == WEFT_ROLE_ADMIN;
}

const gchar *
weft_role_to_string (WeftRole role)
{
  return role == WEFT_ROLE_ADMIN ? "admin" : "agent";
}

gboolean
weft_role_from_string (const gchar *str, WeftRole *out_role)
{
  if (g_strcmp0 (str, "agent") == 0)
    *out_role = WEFT_ROLE_AGENT;
  else if (g_strcmp0 (str, "admin") == 0)
    *out_role = WEFT_ROLE_ADMIN;
  else
    return FALSE;
  return TRUE;
}

void
weft_api_key_info_free (WeftApiKeyInfo *self)
{
  if (self == NULL)
    return;
  g_free (self->id);
  g_free (self->peer_id);
  g_free (self->label);
  g_free (self);
}

static WeftApiKeyInfo *
key_info_copy (const WeftApiKeyInfo *info)
{
  WeftApiKeyInfo *copy = g_new0 (WeftApiKeyInfo, 1);

  copy->id = g_strdup (info->id);
  copy->peer_id = g_strdup (info->peer_id);
  copy->role = info->role;
  copy->label = g_strdup (info->label);
  copy->from_file = info->from_file;
  copy->created_at = info->created_at;
  return copy;
}

static void
key_entry_free (KeyEntry *entry)
{
  g_free (entry->info.id);
  g_free (entry->info.peer_id);
  g_free (entry->info.label);
  g_free (entry->hash);
  g_free (entry);
}

gchar *
weft_auth_hash_secret (const gchar *secret)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, secret, -1);
}

/* random bytes from the kernel's CSPRNG, hex encoded, after @prefix */
gchar *
weft_auth_generate_secret (const gchar *prefix, gsize n_bytes)
{
  g_autofree guint8 *buf = g_malloc (n_bytes);
  GString *out = g_string_new (prefix);
  gsize got = 0;

  while (got < n_bytes)
    {
      gssize r = getrandom (buf + got, n_bytes - got, 0);

      if (r < 0)
        {
          if (errno == EINTR)
            continue;
          g_error ("getrandom failed: %s", g_strerror (errno));
        }
      got += (gsize) r;
    }
  for (gsize i = 0; i < n_bytes; i++)
    g_string_append_printf (out, "%02x", buf[i]);
  return g_string_free (out, FALSE);
}

static void
weft_auth_finalize (GObject *object)
{
  WeftAuth *self = WEFT_AUTH (object);

  g_clear_pointer (&self->secret, g_bytes_unref);
  g_clear_pointer (&self->keys_by_id, g_hash_table_unref);
  g_clear_pointer (&self->key_peers, g_hash_table_unref);
  g_clear_pointer (&self->keys_by_hash, g_hash_table_unref);
  G_OBJECT_CLASS (weft_auth_parent_class)->finalize (object);
}

static void
weft_auth_class_init (WeftAuthClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = weft_auth_finalize;

  /**
   * WeftAuth::credential-revoked:
   * @credential_id: "key:<id>" or "device:<entry id>"
   *
   * A credential stopped being valid; tokens and sockets issued for it must go.
   */
  signals[SIGNAL_CREDENTIAL_REVOKED] =
    g_signal_new ("credential-revoked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
weft_auth_init (WeftAuth *self)
{
  self->keys_by_hash =
    g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) key_entry_free);
  self->keys_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->key_peers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

WeftAuth *
weft_auth_new (const gchar *secret,
               guint token_lifetime,
               guint leeway,
               WeftAnonymousPolicy anonymous)
{
  WeftAuth *self = g_object_new (WEFT_TYPE_AUTH, NULL);

  g_return_val_if_fail (secret != NULL && secret[0] != '\0', NULL);
  self->secret = g_bytes_new (secret, strlen (secret));
  self->token_lifetime = token_lifetime;
  self->leeway = leeway;
  self->anonymous = anonymous;
  return self;
}

void
weft_auth_set_backend (WeftAuth *self, const WeftAuthBackend *backend, gpointer user_data)
{
  g_return_if_fail (WEFT_IS_AUTH (self));
  if (backend != NULL)
    self->backend = *backend;
  else
    memset (&self->backend, 0, sizeof self->backend);
  self->backend_data = user_data;
}

guint
weft_auth_get_leeway (WeftAuth *self)
{
  return self->leeway;
}

/* the signaling relay asks for every frame whether a peer id has a key */
static void
count_peer (WeftAuth *self, const gchar *peer_id, gint delta)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->key_peers, peer_id));

  if (delta > 0)
    g_hash_table_insert (self->key_peers, g_strdup (peer_id), GUINT_TO_POINTER (n + 1));
  else if (n <= 1)
    g_hash_table_remove (self->key_peers, peer_id);
  else
    g_hash_table_insert (self->key_peers, g_strdup (peer_id), GUINT_TO_POINTER (n - 1));
}

static gboolean
insert_key (WeftAuth *self, const WeftApiKeyInfo *info, const gchar *hash, GError **error)
{
  KeyEntry *entry;

  if (g_hash_table_contains (self->keys_by_hash, hash))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_ALREADY_EXISTS,
                   _ ("API key for peer “%s” is listed twice"), info->peer_id);
      return FALSE;
    }
  if (g_hash_table_contains (self->keys_by_id, info->id))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_ALREADY_EXISTS,
                   _ ("API key id “%s” exists already"), info->id);
      return FALSE;
    }
  entry = g_new0 (KeyEntry, 1);
  entry->info.id = g_strdup (info->id);
  entry->info.peer_id = g_strdup (info->peer_id);
  entry->info.role = info->role;
  entry->info.label = g_strdup (info->label);
  entry->info.from_file = info->from_file;
  entry->info.created_at = info->created_at;
  entry->hash = g_strdup (hash);
  g_hash_table_insert (self->keys_by_hash, entry->hash, entry);
  g_hash_table_insert (self->keys_by_id, entry->info.id, entry);
  count_peer (self, entry->info.peer_id, +1);
  return TRUE;
}

static void
add_plain_key (WeftAuth *self, const gchar *key, const gchar *peer_id, WeftRole role)
{
  g_autofree gchar *hash = weft_auth_hash_secret (key);
  g_autofree gchar *id = g_strndup (hash, 12);
  WeftApiKeyInfo info = { id,   (gchar *) peer_id,
                          role, NULL,
                          TRUE, g_get_real_time () / G_USEC_PER_SEC };
  g_autoptr (GError) error = NULL;

  if (!insert_key (self, &info, hash, &error))
    g_warning ("Skipping API key: %s", error->message);
}

void
weft_auth_add_dev_key (WeftAuth *self)
{
  g_message ("Development mode: accepting the built-in API key %s for peer %s", DEV_API_KEY,
             DEV_API_PEER_ID);
  add_plain_key (self, DEV_API_KEY, DEV_API_PEER_ID, WEFT_ROLE_AGENT);
}

/* @origin names the source in messages; reading errors are reported by the caller */
gboolean
weft_auth_load_api_keys_data (WeftAuth *self,
                              const gchar *data,
                              gssize length,
                              const gchar *origin,
                              gboolean dev_fallback,
                              GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local_error = NULL;
  JsonNode *root;
  JsonObject *keys;
  g_autoptr (GList) members = NULL;
  guint loaded = 0;
  const gchar *path = origin;

  if (!weft_json_parser_load (parser, data, length, &local_error))
    {
      if (dev_fallback)
        {
          g_message ("Cannot use API key file %s (%s)", path, local_error->message);
          weft_auth_add_dev_key (self);
          return TRUE;
        }
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                   _ ("Cannot read API key file %s: %s"), path, local_error->message);
      return FALSE;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      !json_object_has_member (json_node_get_object (root), "keys") ||
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (json_node_get_object (root), "keys")))
    {
      if (dev_fallback)
        {
          g_message ("API key file %s has no \"keys\" object", path);
          weft_auth_add_dev_key (self);
          return TRUE;
        }
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                   _ ("API key file %s must be an object with a \"keys\" object: "
                      "{\"keys\": {\"<key>\": {\"peer_id\": \"…\", \"role\": \"agent\"}}}"),
                   path);
      return FALSE;
    }

  keys = json_object_get_object_member (json_node_get_object (root), "keys");
  members = json_object_get_members (keys);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const gchar *key = l->data;
      JsonNode *value = json_object_get_member (keys, key);
      JsonObject *obj;
      JsonNode *peer, *role_node;
      WeftRole role;

      if (!JSON_NODE_HOLDS_OBJECT (value))
        {
          g_warning ("%s: skipping a key whose value is not an object", path);
          continue;
        }
      obj = json_node_get_object (value);
      peer = json_object_get_member (obj, "peer_id");
      role_node = json_object_get_member (obj, "role");
      if (peer == NULL || json_node_get_value_type (peer) != G_TYPE_STRING || role_node == NULL ||
          json_node_get_value_type (role_node) != G_TYPE_STRING)
        {
          g_warning ("%s: skipping a key without string peer_id and role", path);
          continue;
        }
      /* the rule for keys made at run time; a token without a subject (the
       * peer id) is refused, so an empty one would give a key that cannot work */
      if (json_node_get_string (peer)[0] == '\0' || strlen (json_node_get_string (peer)) > 128)
        {
          g_warning ("%s: skipping a key whose peer_id is empty or longer than 128 bytes", path);
          continue;
        }
      if (!weft_role_from_string (json_node_get_string (role_node), &role))
        {
          g_warning ("%s: skipping the key of peer %s: role “%s” is neither agent nor admin", path,
                     json_node_get_string (peer), json_node_get_string (role_node));
          continue;
        }
      add_plain_key (self, key, json_node_get_string (peer), role);
      loaded++;
    }
  g_message ("Loaded %u API key(s) from %s", loaded, path);
  return TRUE;
}

gboolean
weft_auth_load_api_keys_file (WeftAuth *self,
                              const gchar *path,
                              gboolean dev_fallback,
                              GError **error)
{
  g_autofree gchar *data = NULL;
  gsize length = 0;
  g_autoptr (GError) local_error = NULL;

  if (!g_file_get_contents (path, &data, &length, &local_error))
    {
      if (dev_fallback)
        {
          g_message ("Cannot use API key file %s (%s)", path, local_error->message);
          weft_auth_add_dev_key (self);
          return TRUE;
        }
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                   _ ("Cannot read API key file %s: %s"), path, local_error->message);
      return FALSE;
    }
  return weft_auth_load_api_keys_data (self, data, (gssize) length, path, dev_fallback, error);
}

gboolean
weft_auth_add_stored_key (WeftAuth *self,
                          const WeftApiKeyInfo *info,
                          const gchar *key_hash,
                          GError **error)
{
  return insert_key (self, info, key_hash, error);
}

WeftApiKeyInfo *
weft_auth_create_key (WeftAuth *self,
                      const gchar *peer_id,
                      WeftRole role,
                      const gchar *label,
                      gchar **out_key,
                      GError **error)
{
  g_autofree gchar *key = weft_auth_generate_secret ("wk_", 24);
  g_autofree gchar *hash = weft_auth_hash_secret (key);
  g_autofree gchar *id = weft_auth_generate_secret ("", 6);
  WeftApiKeyInfo info = { id,    (gchar *) peer_id,
                          role,  (gchar *) label,
                          FALSE, g_get_real_time () / G_USEC_PER_SEC };

  if (peer_id == NULL || peer_id[0] == '\0' || strlen (peer_id) > 128)
    {
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                           _ ("peer_id must be a non-empty string of at most 128 bytes"));
      return NULL;
    }
  if (self->backend.save_key != NULL &&
      !self->backend.save_key (self->backend_data, &info, hash, error))
    return NULL;
  if (!insert_key (self, &info, hash, error))
    return NULL;
  if (out_key != NULL)
    *out_key = g_steal_pointer (&key);
  return key_info_copy (&info);
}

gboolean
weft_auth_revoke_key (WeftAuth *self, const gchar *id, GError **error)
{
  KeyEntry *entry = g_hash_table_lookup (self->keys_by_id, id);
  g_autofree gchar *credential_id = NULL;

  if (entry == NULL)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND, _ ("No API key with id “%s”"), id);
      return FALSE;
    }
  if (entry->info.from_file)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE,
                   _ ("API key “%s” comes from the API key file; remove it there and restart"), id);
      return FALSE;
    }
  if (self->backend.delete_key != NULL && !self->backend.delete_key (self->backend_data, id, error))
    return FALSE;
  credential_id = g_strconcat ("key:", id, NULL);
  count_peer (self, entry->info.peer_id, -1);
  g_hash_table_remove (self->keys_by_id, id);
  g_hash_table_remove (self->keys_by_hash, entry->hash);
  weft_auth_revoke_credential (self, credential_id);
  return TRUE;
}

void
weft_auth_revoke_credential (WeftAuth *self, const gchar *credential_id)
{
  g_message ("Credential %s revoked", credential_id);
  g_signal_emit (self, signals[SIGNAL_CREDENTIAL_REVOKED], 0, credential_id);
}

static gint
compare_key_info (gconstpointer a, gconstpointer b)
{
  const WeftApiKeyInfo *ka = *(WeftApiKeyInfo **) a;
  const WeftApiKeyInfo *kb = *(WeftApiKeyInfo **) b;

  return g_strcmp0 (ka->id, kb->id);
}

/* (element-type WeftApiKeyInfo) (transfer full) */
GPtrArray *
weft_auth_list_keys (WeftAuth *self)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) weft_api_key_info_free);
  GHashTableIter iter;
  KeyEntry *entry;

  g_hash_table_iter_init (&iter, self->keys_by_id);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    g_ptr_array_add (out, key_info_copy (&entry->info));
  g_ptr_array_sort (out, compare_key_info);
  return out;
}

WeftPrincipal *
weft_auth_authenticate_api_key (WeftAuth *self, const gchar *key, GError **error)
{
  g_autofree gchar *hash = NULL;
  KeyEntry *entry;
  g_autofree gchar *credential_id = NULL;

  if (key == NULL || key[0] == '\0')
    {
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED, _ ("missing API key"));
      return NULL;
    }
  hash = weft_auth_hash_secret (key);
  entry = g_hash_table_lookup (self->keys_by_hash, hash);
  if (entry == NULL)
    {
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED, _ ("unknown API key"));
      return NULL;
    }
  credential_id = g_strconcat ("key:", entry->info.id, NULL);
  return weft_principal_new (credential_id, entry->info.peer_id, entry->info.role, 0);
}

WeftPrincipal *
weft_auth_authenticate_device_token (WeftAuth *self, const gchar *device_token, GError **error)
{
  g_autofree gchar *entry_id = NULL;
  g_autofree gchar *peer_id = NULL;
  g_autofree gchar *credential_id = NULL;

  if (device_token == NULL || device_token[0] == '\0' ||
      self->backend.lookup_device_token == NULL ||
      !self->backend.lookup_device_token (self->backend_data, device_token, &entry_id, &peer_id))
    {
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED,
                           _ ("unknown or revoked device token"));
      return NULL;
    }
  credential_id = g_strconcat ("device:", entry_id, NULL);
  return weft_principal_new (credential_id, peer_id, WEFT_ROLE_AGENT, 0);
}

WeftPrincipal *
weft_auth_authenticate_bearer (WeftAuth *self, const gchar *value, GError **error)
{
  /* a JWT has three dot-separated parts; anything else is tried as a key or device token */
  if (value != NULL && strchr (value, '.') != NULL)
    return weft_auth_verify_token (self, value, error);
  if (value != NULL && g_str_has_prefix (value, "dt_"))
    return weft_auth_authenticate_device_token (self, value, error);
  return weft_auth_authenticate_api_key (self, value, error);
}

WeftPrincipal *
weft_auth_anonymous_principal (WeftAuth *self, GInetAddress *remote)
{
  switch (self->anonymous)
    {
      case WEFT_ANONYMOUS_ANY:
        break;
      case WEFT_ANONYMOUS_LOOPBACK:
        if (remote == NULL || !g_inet_address_get_is_loopback (remote))
          return NULL;
        break;
      case WEFT_ANONYMOUS_NONE:
      default:
        return NULL;
    }
  /* the reference's open behaviour: an anonymous caller may do everything */
  return weft_principal_new ("anonymous", "anonymous", WEFT_ROLE_ADMIN, 0);
}

gboolean
weft_auth_credential_is_valid (WeftAuth *self, const gchar *credential_id)
{
  if (g_strcmp0 (credential_id, "anonymous") == 0)
    return TRUE;
  if (g_str_has_prefix (credential_id, "key:"))
    return g_hash_table_contains (self->keys_by_id, credential_id + 4);
  if (g_str_has_prefix (credential_id, "device:"))
    return self->backend.entry_is_approved != NULL &&
           self->backend.entry_is_approved (self->backend_data, credential_id + 7);
  return FALSE;
}

gboolean
weft_auth_is_peer_authorised (WeftAuth *self, const gchar *peer_id)
{
  if (g_hash_table_contains (self->key_peers, peer_id))
    return TRUE;
  return self->backend.peer_is_approved != NULL &&
         self->backend.peer_is_approved (self->backend_data, peer_id);
}

gchar *
weft_auth_issue_token (WeftAuth *self, const WeftPrincipal *principal, GError **error)
{
  jwt_t *jwt = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gsize key_len;
  const guint8 *key = g_bytes_get_data (self->secret, &key_len);
  gchar *encoded = NULL;
  gint rc;

  rc = jwt_new (&jwt);
  /* the reference's claims, in its order; "cid" names the credential so that revoking it
   * can end the token's sessions (no client parses the token) */
  if (rc == 0)
    rc = jwt_add_grant (jwt, "sub", principal->peer_id);
  if (rc == 0)
    rc = jwt_add_grant (jwt, "role", weft_role_to_string (principal->role));
  if (rc == 0)
    rc = jwt_add_grant_int (jwt, "exp", (long) (now + self->token_lifetime));
  if (rc == 0)
    rc = jwt_add_grant_int (jwt, "iat", (long) now);
  if (rc == 0)
    rc = jwt_add_grant (jwt, "cid", principal->credential_id);
  if (rc == 0)
    rc = jwt_set_alg (jwt, JWT_ALG_HS256, key, (int) key_len);
  if (rc == 0)
    encoded = jwt_encode_str (jwt);
  jwt_free (jwt);
  if (encoded == NULL)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_FAILED, _ ("Cannot sign a token: %s"),
                   g_strerror (rc != 0 ? rc : ENOMEM));
      return NULL;
    }
  {
    /* libjwt allocates with its own allocator; hand back a GLib string */
    gchar *out = g_strdup (encoded);

    free (encoded);
    return out;
  }
}

WeftPrincipal *
weft_auth_verify_token (WeftAuth *self, const gchar *token, GError **error)
{
  jwt_t *jwt = NULL;
  gsize key_len;
  const guint8 *key = g_bytes_get_data (self->secret, &key_len);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  const gchar *sub, *role_str, *cid;
  long exp;
  WeftRole role;
  WeftPrincipal *principal = NULL;

  if (token == NULL || token[0] == '\0' || strlen (token) > 8192)
    {
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED, _ ("missing token"));
      return NULL;
    }
  if (jwt_decode (&jwt, token, key, (int) key_len) != 0 || jwt == NULL)
    {
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED,
                           _ ("invalid token signature or format"));
      return NULL;
    }
  /* never accept "none" or another algorithm than the one tokens are issued with */
  if (jwt_get_alg (jwt) != JWT_ALG_HS256)
    {
      jwt_free (jwt);
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED,
                           _ ("token is not signed with HS256"));
      return NULL;
    }
  errno = 0;
  exp = jwt_get_grant_int (jwt, "exp");
  if (errno != 0)
    {
      jwt_free (jwt);
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED,
                           _ ("token has no exp claim"));
      return NULL;
    }
  if (now > (gint64) exp + self->leeway)
    {
      jwt_free (jwt);
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED, _ ("token expired"));
      return NULL;
    }
  sub = jwt_get_grant (jwt, "sub");
  role_str = jwt_get_grant (jwt, "role");
  cid = jwt_get_grant (jwt, "cid");
  if (sub == NULL || sub[0] == '\0' || !weft_role_from_string (role_str, &role) || cid == NULL ||
      jwt_get_grant (jwt, "aud") != NULL)
    {
      jwt_free (jwt);
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED,
                           _ ("token claims are incomplete"));
      return NULL;
    }
  if (!weft_auth_credential_is_valid (self, cid))
    {
      jwt_free (jwt);
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED,
                           _ ("the credential this token was issued for has been revoked"));
      return NULL;
    }
  principal = weft_principal_new (cid, sub, role, (gint64) exp + self->leeway);
  jwt_free (jwt);
  return principal;
}

gboolean
weft_auth_turn_credentials (const gchar *turn_secret,
                            gint64 now,
                            gchar **out_username,
                            gchar **out_credential)
{
  g_autoptr (GHmac) hmac = NULL;
  guint8 digest[20];
  gsize digest_len = sizeof digest;
  g_autofree gchar *username = NULL;

  if (turn_secret == NULL || turn_secret[0] == '\0')
    return FALSE;
  /* coturn's use-auth-secret scheme: valid for 24 h */
  username = g_strdup_printf ("%" G_GINT64_FORMAT ":mesh", now + 86400);
  hmac = g_hmac_new (G_CHECKSUM_SHA1, (const guchar *) turn_secret, strlen (turn_secret));
  g_hmac_update (hmac, (const guchar *) username, -1);
  g_hmac_get_digest (hmac, digest, &digest_len);
  *out_credential = g_base64_encode (digest, digest_len);
  *out_username = g_steal_pointer (&username);
  return TRUE;
}
