/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "weft-error.h"
#include "weft-pairing.h"
#include "weft-registry-json.h"

/*
 * secrets: the database holds no usable secret. claim tokens and device tokens
 * are 128-bit random values, stored as SHA-256 digests (a slow hash adds nothing
 * for values with that much entropy) and compared in constant time.
 *
 * the device token has to reach the agent once, after an admin approves, but
 * must not rest in clear in the database meanwhile. it is therefore made when
 * the agent pairs, while the claim token is still in hand, and stored sealed:
 * its random part XORed with a key derived from the claim token, which only the
 * agent has. approval just flips the status (the token is useless before: the
 * lookup for /api/token requires `approved`); the claim unseals it with the
 * presented claim token, returns it, and drops the sealed copy, so it is handed
 * out exactly once.
 */

#define TOKEN_BYTES   16
#define DEVICE_PREFIX "dt_"
#define CLAIM_PREFIX  "ct_"
#define SEAL_CONTEXT  "weft pairing device token seal v1"

struct _WeftPairing
{
  GObject parent_instance;

  WeftStore *store;      /* (owned) */
  GHashTable *entries;   /* (owned) (element-type utf8 WeftPairingEntry) by id */
  GHashTable *by_device; /* (owned) (element-type utf8 utf8) device token hash → id */
  GHashTable *codes;     /* (owned) (element-type utf8 WeftStoreInviteCode) */
  GHashTable *buckets;   /* (owned) (element-type utf8 GArray<gint64>) per address */

  WeftClockFunc clock;
  gpointer clock_data;
  guint code_lifetime_s;
  guint rate_limit;
  guint rate_window_s;
  guint tick_source_id;
};

enum
{
  PROP_0,
  PROP_STORE,
  PROP_CODE_LIFETIME_S,
  PROP_RATE_LIMIT,
  PROP_RATE_WINDOW_S,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

enum
{
  SIGNAL_REVOKED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (WeftPairing, weft_pairing, G_TYPE_OBJECT)

/* helpers */

/* reads @length bytes from /dev/urandom; for kernels or sandboxes without
 * getrandom() */
static gboolean
read_urandom (guint8 *buffer, gsize length, GError **error)
{
  g_autoptr (GInputStream) stream = NULL;
  g_autoptr (GFile) file = g_file_new_for_path ("/dev/urandom");
  gsize got = 0;

  stream = G_INPUT_STREAM (g_file_read (file, NULL, error));
  if (stream == NULL || !g_input_stream_read_all (stream, buffer, length, &got, NULL, error))
    return FALSE;
  if (got != length)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_FAILED,
                   _ ("Cannot read random bytes: /dev/urandom ended early"));
      return FALSE;
    }
  return TRUE;
}

gboolean
weft_pairing_random_bytes (guint8 *buffer, gsize length, GError **error)
{
  gsize filled = 0;

  while (filled < length)
    {
      gssize n = getrandom (buffer + filled, length - filled, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == ENOSYS)
        return read_urandom (buffer, length, error);
      if (n < 0)
        {
          gint saved_errno = errno;

          g_set_error (error, WEFT_ERROR, WEFT_ERROR_FAILED,
                       _ ("Cannot read random bytes from the kernel: %s"),
                       g_strerror (saved_errno));
          return FALSE;
        }
      filled += (gsize) n;
    }
  return TRUE;
}

static gchar *
hex_encode (const guint8 *bytes, gsize length)
{
  static const gchar digits[] = "0123456789abcdef";
  gchar *hex = g_malloc (length * 2 + 1);

  for (gsize i = 0; i < length; i++)
    {
      hex[2 * i] = digits[bytes[i] >> 4];
      hex[2 * i + 1] = digits[bytes[i] & 0xf];
    }
  hex[length * 2] = '\0';
  return hex;
}

static gboolean
hex_decode (const gchar *hex, guint8 *out, gsize length)
{
  if (hex == NULL || strlen (hex) != length * 2)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    {
      gint hi = g_ascii_xdigit_value (hex[2 * i]);
      gint lo = g_ascii_xdigit_value (hex[2 * i + 1]);

      if (hi < 0 || lo < 0)
        return FALSE;
      out[i] = (guint8) ((hi << 4) | lo);
    }
  return TRUE;
}

static gchar *
random_hex (gsize bytes, GError **error)
{
  g_autofree guint8 *buffer = g_malloc (bytes);

  if (!weft_pairing_random_bytes (buffer, bytes, error))
    return NULL;
  return hex_encode (buffer, bytes);
}

gchar *
weft_pairing_hash_token (const gchar *token)
{
  g_return_val_if_fail (token != NULL, NULL);
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
}

gboolean
weft_pairing_secure_equal (const gchar *a, const gchar *b)
{
  gsize la, lb;
  guint8 diff = 0;

  if (a == NULL || b == NULL)
    return FALSE;
  la = strlen (a);
  lb = strlen (b);
  /* the lengths of digests and tokens are public; only the contents are secret */
  if (la != lb)
    return FALSE;
  for (gsize i = 0; i < la; i++)
    diff |= (guint8) (a[i] ^ b[i]);
  return diff == 0;
}

/* key for sealing the device token: SHA-256 over a context string and the claim
 * token; distinct from the stored digest of the claim token */
static void
seal_key (const gchar *claim_token, guint8 key[32])
{
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize length = 32;

  g_checksum_update (checksum, (const guchar *) SEAL_CONTEXT, sizeof SEAL_CONTEXT);
  g_checksum_update (checksum, (const guchar *) claim_token, -1);
  g_checksum_get_digest (checksum, key, &length);
}

static gchar *
seal_device_token (const gchar *device_token, const gchar *claim_token)
{
  guint8 raw[TOKEN_BYTES];
  guint8 key[32];
  gchar *sealed;

  if (!hex_decode (device_token + strlen (DEVICE_PREFIX), raw, TOKEN_BYTES))
    return NULL;
  seal_key (claim_token, key);
  for (guint i = 0; i < TOKEN_BYTES; i++)
    raw[i] ^= key[i];
  sealed = hex_encode (raw, TOKEN_BYTES);
  memset (key, 0, sizeof key);
  memset (raw, 0, sizeof raw);
  return sealed;
}

static gchar *
unseal_device_token (const gchar *sealed, const gchar *claim_token)
{
  guint8 raw[TOKEN_BYTES];
  guint8 key[32];
  g_autofree gchar *hex = NULL;

  if (!hex_decode (sealed, raw, TOKEN_BYTES))
    return NULL;
  seal_key (claim_token, key);
  for (guint i = 0; i < TOKEN_BYTES; i++)
    raw[i] ^= key[i];
  hex = hex_encode (raw, TOKEN_BYTES);
  memset (key, 0, sizeof key);
  memset (raw, 0, sizeof raw);
  return g_strconcat (DEVICE_PREFIX, hex, NULL);
}

/* object */

static void
weft_pairing_dispose (GObject *object)
{
  WeftPairing *self = WEFT_PAIRING (object);

  weft_pairing_stop (self);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (weft_pairing_parent_class)->dispose (object);
}

static void
weft_pairing_finalize (GObject *object)
{
  WeftPairing *self = WEFT_PAIRING (object);

  g_clear_pointer (&self->entries, g_hash_table_unref);
  g_clear_pointer (&self->by_device, g_hash_table_unref);
  g_clear_pointer (&self->codes, g_hash_table_unref);
  g_clear_pointer (&self->buckets, g_hash_table_unref);

  G_OBJECT_CLASS (weft_pairing_parent_class)->finalize (object);
}

static void
weft_pairing_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  WeftPairing *self = WEFT_PAIRING (object);

  switch (prop_id)
    {
      case PROP_STORE:
        g_value_set_object (value, self->store);
        break;
      case PROP_CODE_LIFETIME_S:
        g_value_set_uint (value, self->code_lifetime_s);
        break;
      case PROP_RATE_LIMIT:
        g_value_set_uint (value, self->rate_limit);
        break;
      case PROP_RATE_WINDOW_S:
        g_value_set_uint (value, self->rate_window_s);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
weft_pairing_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  WeftPairing *self = WEFT_PAIRING (object);

  switch (prop_id)
    {
      case PROP_STORE:
        self->store = g_value_dup_object (value);
        break;
      case PROP_CODE_LIFETIME_S:
        if (self->code_lifetime_s != g_value_get_uint (value))
          {
            self->code_lifetime_s = g_value_get_uint (value);
            g_object_notify_by_pspec (object, pspec);
          }
        break;
      case PROP_RATE_LIMIT:
        weft_pairing_set_rate_limit (self, g_value_get_uint (value), self->rate_window_s);
        break;
      case PROP_RATE_WINDOW_S:
        weft_pairing_set_rate_limit (self, self->rate_limit, g_value_get_uint (value));
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
weft_pairing_class_init (WeftPairingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = weft_pairing_dispose;
  object_class->finalize = weft_pairing_finalize;
  object_class->get_property = weft_pairing_get_property;
  object_class->set_property = weft_pairing_set_property;

  props[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, WEFT_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  props[PROP_CODE_LIFETIME_S] = g_param_spec_uint (
    "code-lifetime-s", NULL, NULL, 1, G_MAXUINT, WEFT_PAIRING_DEFAULT_CODE_LIFETIME_S,
    G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  props[PROP_RATE_LIMIT] =
    g_param_spec_uint ("rate-limit", NULL, NULL, 1, G_MAXUINT, WEFT_PAIRING_DEFAULT_RATE_LIMIT,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  props[PROP_RATE_WINDOW_S] = g_param_spec_uint (
    "rate-window-s", NULL, NULL, 1, G_MAXUINT, WEFT_PAIRING_DEFAULT_RATE_WINDOW_S,
    G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);

  signals[SIGNAL_REVOKED] =
    g_signal_new ("revoked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
weft_pairing_init (WeftPairing *self)
{
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->by_device = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) weft_store_invite_code_free);
  self->buckets =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
  self->clock = weft_registry_default_clock;
  self->code_lifetime_s = WEFT_PAIRING_DEFAULT_CODE_LIFETIME_S;
  self->rate_limit = WEFT_PAIRING_DEFAULT_RATE_LIMIT;
  self->rate_window_s = WEFT_PAIRING_DEFAULT_RATE_WINDOW_S;
}

static void
index_entry (WeftPairing *self, WeftPairingEntry *entry)
{
  const gchar *hash = weft_pairing_entry_get_device_token_hash (entry);

  g_hash_table_replace (self->entries, g_strdup (weft_pairing_entry_get_id (entry)),
                        g_object_ref (entry));
  if (hash != NULL)
    g_hash_table_replace (self->by_device, g_strdup (hash),
                          g_strdup (weft_pairing_entry_get_id (entry)));
}

WeftPairing *
weft_pairing_new (WeftStore *store, GError **error)
{
  g_autoptr (WeftPairing) self = NULL;
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (GPtrArray) codes = NULL;

  g_return_val_if_fail (WEFT_IS_STORE (store), NULL);

  self = g_object_new (WEFT_TYPE_PAIRING, "store", store, NULL);
  entries = weft_store_load_pairing_entries (store, error);
  if (entries == NULL)
    return NULL;
  codes = weft_store_load_invite_codes (store, error);
  if (codes == NULL)
    return NULL;
  for (guint i = 0; i < entries->len; i++)
    index_entry (self, g_ptr_array_index (entries, i));
  for (guint i = 0; i < codes->len; i++)
    {
      WeftStoreInviteCode *code = g_ptr_array_index (codes, i);

      g_hash_table_replace (
        self->codes, g_strdup (code->code),
        weft_store_invite_code_new (code->code, code->creator, code->created_at, code->used));
    }
  return g_steal_pointer (&self);
}

void
weft_pairing_set_clock (WeftPairing *self, WeftClockFunc clock, gpointer user_data)
{
  g_return_if_fail (WEFT_IS_PAIRING (self));
  self->clock = clock != NULL ? clock : weft_registry_default_clock;
  self->clock_data = user_data;
}

void
weft_pairing_set_rate_limit (WeftPairing *self, guint max_attempts, guint window_s)
{
  g_return_if_fail (WEFT_IS_PAIRING (self));

  max_attempts = MAX (1, max_attempts);
  window_s = MAX (1, window_s);
  if (self->rate_limit != max_attempts)
    {
      self->rate_limit = max_attempts;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RATE_LIMIT]);
    }
  if (self->rate_window_s != window_s)
    {
      self->rate_window_s = window_s;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RATE_WINDOW_S]);
    }
}

static gint64
now_usec (WeftPairing *self)
{
  return self->clock (self->clock_data);
}

gboolean
weft_pairing_pair_request_from_json (const gchar *data,
                                     gssize length,
                                     gchar **code,
                                     gchar **agent_name,
                                     GError **error)
{
  g_autoptr (JsonNode) root = weft_registry_json_parse_object (data, length, error);
  g_autofree gchar *code_value = NULL;
  g_autofree gchar *name_value = NULL;
  JsonObject *object;

  if (root == NULL)
    return FALSE;
  object = json_node_get_object (root);
  if (!weft_registry_json_get_string (object, "code", TRUE, &code_value, NULL, error) ||
      !weft_registry_json_get_string (object, "agent_name", TRUE, &name_value, NULL, error))
    return FALSE;
  if (code != NULL)
    *code = g_steal_pointer (&code_value);
  if (agent_name != NULL)
    *agent_name = g_steal_pointer (&name_value);
  return TRUE;
}

static gboolean
code_is_live (WeftPairing *self, WeftStoreInviteCode *code, gint64 now)
{
  return !code->used && now - code->created_at < (gint64) self->code_lifetime_s * G_USEC_PER_SEC;
}

gchar *
weft_pairing_generate_code (WeftPairing *self,
                            const gchar *creator,
                            guint *expires_in,
                            GError **error)
{
  g_autoptr (WeftStoreInviteCode) invite = NULL;
  gint64 now;
  gchar code[7];

  g_return_val_if_fail (WEFT_IS_PAIRING (self), NULL);

  now = now_usec (self);
  /* a million codes: retry on a live collision rather than overwrite it as the
   * reference does */
  for (guint tries = 0;; tries++)
    {
      guint32 value;
      WeftStoreInviteCode *existing;

      do
        {
          if (!weft_pairing_random_bytes ((guint8 *) &value, sizeof value, error))
            return NULL;
        }
      /* rejection sampling keeps the distribution uniform over 000000–999999 */
      while (value >= G_MAXUINT32 - (G_MAXUINT32 % 1000000));
      g_snprintf (code, sizeof code, "%06u", value % 1000000);
      existing = g_hash_table_lookup (self->codes, code);
      if (existing == NULL || !code_is_live (self, existing, now))
        break;
      if (tries > 100)
        {
          g_set_error (error, WEFT_ERROR, WEFT_ERROR_UNAVAILABLE,
                       _ ("Too many live pairing codes; wait until some expire"));
          return NULL;
        }
    }

  invite = weft_store_invite_code_new (code, creator, now, FALSE);
  if (!weft_store_save_invite_code (self->store, invite, error))
    return NULL;
  g_hash_table_replace (self->codes, g_strdup (code), g_steal_pointer (&invite));
  if (expires_in != NULL)
    *expires_in = self->code_lifetime_s;
  g_debug ("pairing code generated by %s", creator != NULL ? creator : "(registry)");
  return g_strdup (code);
}

/* sliding window per client address; only accepted attempts are counted */
static gboolean
rate_limit_allows (WeftPairing *self, const gchar *address, gint64 now)
{
  GArray *bucket;
  gint64 horizon = now - (gint64) self->rate_window_s * G_USEC_PER_SEC;
  guint keep = 0;

  if (address == NULL)
    address = "";
  bucket = g_hash_table_lookup (self->buckets, address);
  if (bucket == NULL)
    {
      bucket = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_hash_table_insert (self->buckets, g_strdup (address), bucket);
    }
  for (guint i = 0; i < bucket->len; i++)
    if (g_array_index (bucket, gint64, i) > horizon)
      g_array_index (bucket, gint64, keep++) = g_array_index (bucket, gint64, i);
  g_array_set_size (bucket, keep);
  if (bucket->len >= self->rate_limit)
    return FALSE;
  g_array_append_val (bucket, now);
  return TRUE;
}

static gboolean
is_six_digits (const gchar *code)
{
  if (code == NULL || strlen (code) != 6)
    return FALSE;
  for (guint i = 0; i < 6; i++)
    if (!g_ascii_isdigit (code[i]))
      return FALSE;
  return TRUE;
}

static gboolean
peer_id_in_use (WeftPairing *self, const gchar *peer_id)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (g_strcmp0 (weft_pairing_entry_get_peer_id (value), peer_id) == 0)
      return TRUE;
  return FALSE;
}

WeftPairingEntry *
weft_pairing_pair (WeftPairing *self,
                   const gchar *client_address,
                   const gchar *code,
                   const gchar *agent_name,
                   gchar **claim_token,
                   GError **error)
{
  g_autoptr (WeftPairingEntry) entry = NULL;
  g_autofree gchar *name = NULL;
  g_autofree gchar *id = NULL;
  g_autofree gchar *peer_id = NULL;
  g_autofree gchar *claim = NULL;
  g_autofree gchar *device = NULL;
  g_autofree gchar *sealed = NULL;
  g_autofree gchar *claim_hash = NULL;
  g_autofree gchar *device_hash = NULL;
  WeftStoreInviteCode *invite;
  const gchar *used[2] = { NULL, NULL };
  gint64 now;

  g_return_val_if_fail (WEFT_IS_PAIRING (self), NULL);

  now = now_usec (self);
  if (!rate_limit_allows (self, client_address, now))
    {
      g_message ("Pairing attempt from %s refused: more than %u in %u s", client_address,
                 self->rate_limit, self->rate_window_s);
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_RATE_LIMITED,
                           _ ("too many pairing attempts, try again later"));
      return NULL;
    }
  if (!is_six_digits (code))
    {
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                           _ ("code must be exactly 6 digits"));
      return NULL;
    }
  name = g_strstrip (g_strdup (agent_name != NULL ? agent_name : ""));
  if (*name == '\0')
    {
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                           _ ("agent_name is required"));
      return NULL;
    }
  invite = g_hash_table_lookup (self->codes, code);
  if (invite == NULL || !code_is_live (self, invite, now))
    {
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED,
                           _ ("invalid or expired pairing code"));
      return NULL;
    }

  /* ids: 8 hex for the entry, agent- + 6 hex for the peer, both unique */
  do
    {
      g_clear_pointer (&id, g_free);
      id = random_hex (4, error);
      if (id == NULL)
        return NULL;
    }
  while (g_hash_table_contains (self->entries, id));
  do
    {
      g_autofree gchar *hex = random_hex (3, error);

      if (hex == NULL)
        return NULL;
      g_clear_pointer (&peer_id, g_free);
      peer_id = g_strconcat ("agent-", hex, NULL);
    }
  while (peer_id_in_use (self, peer_id));

  {
    g_autofree gchar *claim_hex = random_hex (TOKEN_BYTES, error);
    g_autofree gchar *device_hex = claim_hex != NULL ? random_hex (TOKEN_BYTES, error) : NULL;

    if (device_hex == NULL)
      return NULL;
    claim = g_strconcat (CLAIM_PREFIX, claim_hex, NULL);
    device = g_strconcat (DEVICE_PREFIX, device_hex, NULL);
  }
  sealed = seal_device_token (device, claim);
  claim_hash = weft_pairing_hash_token (claim);
  device_hash = weft_pairing_hash_token (device);

  /* single use: the code goes first, so a crash in between cannot reuse it */
  used[0] = code;
  if (!weft_store_delete_invite_codes (self->store, used, error))
    return NULL;
  g_hash_table_remove (self->codes, code);

  entry = weft_pairing_entry_new (id, name, peer_id, now);
  weft_pairing_entry_set_claim_token_hash (entry, claim_hash);
  weft_pairing_entry_set_device_token_hash (entry, device_hash);
  weft_pairing_entry_set_sealed_device_token (entry, sealed);
  if (!weft_store_save_pairing_entry (self->store, entry, error))
    return NULL;
  index_entry (self, entry);
  g_message ("Agent “%s” paired as %s (entry %s); waiting for approval", name, peer_id, id);
  if (claim_token != NULL)
    *claim_token = g_steal_pointer (&claim);
  return weft_pairing_entry_copy (entry);
}

static gint
compare_entries (gconstpointer a, gconstpointer b)
{
  WeftPairingEntry *ea = *(WeftPairingEntry *const *) a;
  WeftPairingEntry *eb = *(WeftPairingEntry *const *) b;
  gint64 ca = weft_pairing_entry_get_created_at (ea);
  gint64 cb = weft_pairing_entry_get_created_at (eb);

  if (ca != cb)
    return ca < cb ? -1 : 1;
  return g_strcmp0 (weft_pairing_entry_get_id (ea), weft_pairing_entry_get_id (eb));
}

static GPtrArray *
list_filtered (WeftPairing *self, gboolean pending_only)
{
  GPtrArray *list = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (!pending_only ||
        weft_pairing_entry_get_status (value) == WEFT_PAIRING_STATUS_PENDING_APPROVAL)
      g_ptr_array_add (list, weft_pairing_entry_copy (value));
  g_ptr_array_sort (list, compare_entries);
  return list;
}

GPtrArray *
weft_pairing_list (WeftPairing *self)
{
  g_return_val_if_fail (WEFT_IS_PAIRING (self), NULL);
  return list_filtered (self, FALSE);
}

GPtrArray *
weft_pairing_list_pending (WeftPairing *self)
{
  g_return_val_if_fail (WEFT_IS_PAIRING (self), NULL);
  return list_filtered (self, TRUE);
}

static WeftPairingEntry *
lookup (WeftPairing *self, const gchar *id, GError **error)
{
  WeftPairingEntry *entry = id != NULL ? g_hash_table_lookup (self->entries, id) : NULL;

  if (entry == NULL)
    g_set_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND, _ ("No pairing request “%s”"),
                 id != NULL ? id : "");
  return entry;
}

WeftPairingEntry *
weft_pairing_get (WeftPairing *self, const gchar *id, GError **error)
{
  WeftPairingEntry *entry;

  g_return_val_if_fail (WEFT_IS_PAIRING (self), NULL);
  entry = lookup (self, id, error);
  return entry != NULL ? weft_pairing_entry_copy (entry) : NULL;
}

/* moves an entry from @from to @to, durably */
static WeftPairingEntry *
transition (WeftPairing *self,
            const gchar *id,
            WeftPairingStatus from,
            WeftPairingStatus to,
            GError **error)
{
  WeftPairingEntry *entry;
  g_autoptr (WeftPairingEntry) copy = NULL;

  entry = lookup (self, id, error);
  if (entry == NULL)
    return NULL;
  if (weft_pairing_entry_get_status (entry) != from)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE,
                   _ ("Pairing request %s is %s, not %s"), id,
                   weft_pairing_status_to_string (weft_pairing_entry_get_status (entry)),
                   weft_pairing_status_to_string (from));
      return NULL;
    }
  copy = weft_pairing_entry_copy (entry);
  weft_pairing_entry_set_status (copy, to);
  weft_pairing_entry_set_updated_at (copy, now_usec (self));
  if (to != WEFT_PAIRING_STATUS_APPROVED)
    /* a rejected or revoked entry can never be claimed; forget the sealed token */
    weft_pairing_entry_set_sealed_device_token (copy, NULL);
  if (!weft_store_save_pairing_entry (self->store, copy, error))
    return NULL;
  index_entry (self, copy);
  g_message ("Pairing request %s (%s) is now %s", id, weft_pairing_entry_get_peer_id (copy),
             weft_pairing_status_to_string (to));
  return weft_pairing_entry_copy (copy);
}

WeftPairingEntry *
weft_pairing_approve (WeftPairing *self, const gchar *id, GError **error)
{
  g_return_val_if_fail (WEFT_IS_PAIRING (self), NULL);
  return transition (self, id, WEFT_PAIRING_STATUS_PENDING_APPROVAL, WEFT_PAIRING_STATUS_APPROVED,
                     error);
}

WeftPairingEntry *
weft_pairing_reject (WeftPairing *self, const gchar *id, GError **error)
{
  g_return_val_if_fail (WEFT_IS_PAIRING (self), NULL);
  return transition (self, id, WEFT_PAIRING_STATUS_PENDING_APPROVAL, WEFT_PAIRING_STATUS_REJECTED,
                     error);
}

WeftPairingEntry *
weft_pairing_revoke (WeftPairing *self, const gchar *id, GError **error)
{
  WeftPairingEntry *entry;

  g_return_val_if_fail (WEFT_IS_PAIRING (self), NULL);

  entry = transition (self, id, WEFT_PAIRING_STATUS_APPROVED, WEFT_PAIRING_STATUS_REVOKED, error);
  if (entry != NULL)
    g_signal_emit (self, signals[SIGNAL_REVOKED], 0, weft_pairing_entry_get_id (entry),
                   weft_pairing_entry_get_peer_id (entry));
  return entry;
}

gchar *
weft_pairing_claim (WeftPairing *self, const gchar *id, const gchar *claim_token, GError **error)
{
  WeftPairingEntry *entry;
  g_autoptr (WeftPairingEntry) copy = NULL;
  g_autofree gchar *presented = NULL;
  g_autofree gchar *device = NULL;
  g_autofree gchar *device_hash = NULL;

  g_return_val_if_fail (WEFT_IS_PAIRING (self), NULL);

  entry = lookup (self, id, error);
  if (entry == NULL)
    return NULL;
  presented = claim_token != NULL ? weft_pairing_hash_token (claim_token) : NULL;
  if (presented == NULL ||
      !weft_pairing_secure_equal (presented, weft_pairing_entry_get_claim_token_hash (entry)))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED,
                   _ ("Wrong claim token for pairing request %s; use the claim_token the pair "
                      "request returned"),
                   id);
      return NULL;
    }
  if (weft_pairing_entry_get_claimed (entry))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_GONE,
                   _ ("The device token of pairing request %s was claimed already; it is handed "
                      "out only once"),
                   id);
      return NULL;
    }
  switch (weft_pairing_entry_get_status (entry))
    {
      case WEFT_PAIRING_STATUS_PENDING_APPROVAL:
        g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE,
                     _ ("Pairing request %s is pending approval; try again later"), id);
        return NULL;
      case WEFT_PAIRING_STATUS_REJECTED:
      case WEFT_PAIRING_STATUS_REVOKED:
        g_set_error (error, WEFT_ERROR, WEFT_ERROR_PERMISSION_DENIED,
                     _ ("Pairing request %s was %s"), id,
                     weft_pairing_status_to_string (weft_pairing_entry_get_status (entry)));
        return NULL;
      case WEFT_PAIRING_STATUS_APPROVED:
      default:
        break;
    }

  device = unseal_device_token (weft_pairing_entry_get_sealed_device_token (entry), claim_token);
  device_hash = device != NULL ? weft_pairing_hash_token (device) : NULL;
  if (device_hash == NULL ||
      !weft_pairing_secure_equal (device_hash, weft_pairing_entry_get_device_token_hash (entry)))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_FAILED,
                   _ ("The stored device token of pairing request %s is damaged; pair again"), id);
      return NULL;
    }

  copy = weft_pairing_entry_copy (entry);
  weft_pairing_entry_set_claimed (copy, TRUE);
  weft_pairing_entry_set_sealed_device_token (copy, NULL);
  weft_pairing_entry_set_updated_at (copy, now_usec (self));
  if (!weft_store_save_pairing_entry (self->store, copy, error))
    return NULL;
  index_entry (self, copy);
  g_message ("Device token of %s claimed", weft_pairing_entry_get_peer_id (copy));
  return g_steal_pointer (&device);
}

WeftPairingEntry *
weft_pairing_lookup_device_token (WeftPairing *self, const gchar *device_token, GError **error)
{
  g_autofree gchar *hash = NULL;
  const gchar *id;
  WeftPairingEntry *entry = NULL;

  g_return_val_if_fail (WEFT_IS_PAIRING (self), NULL);

  if (device_token != NULL && g_str_has_prefix (device_token, DEVICE_PREFIX))
    {
      hash = weft_pairing_hash_token (device_token);
      id = g_hash_table_lookup (self->by_device, hash);
      entry = id != NULL ? g_hash_table_lookup (self->entries, id) : NULL;
    }
  if (entry == NULL ||
      !weft_pairing_secure_equal (hash, weft_pairing_entry_get_device_token_hash (entry)) ||
      weft_pairing_entry_get_status (entry) != WEFT_PAIRING_STATUS_APPROVED)
    {
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED,
                           _ ("Unknown or revoked device token"));
      return NULL;
    }
  return weft_pairing_entry_copy (entry);
}

gboolean
weft_pairing_is_peer_approved (WeftPairing *self, const gchar *peer_id)
{
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (WEFT_IS_PAIRING (self), FALSE);

  g_hash_table_iter_init (&iter, self->entries);
  while (peer_id != NULL && g_hash_table_iter_next (&iter, NULL, &value))
    if (weft_pairing_entry_get_status (value) == WEFT_PAIRING_STATUS_APPROVED &&
        g_strcmp0 (weft_pairing_entry_get_peer_id (value), peer_id) == 0)
      return TRUE;
  return FALSE;
}

void
weft_pairing_tick (WeftPairing *self)
{
  g_autoptr (GPtrArray) dead = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  GHashTableIter iter;
  gpointer key, value;
  gint64 now;
  gint64 horizon;

  g_return_if_fail (WEFT_IS_PAIRING (self));

  now = now_usec (self);
  g_hash_table_iter_init (&iter, self->codes);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!code_is_live (self, value, now))
      g_ptr_array_add (dead, g_strdup (key));
  if (dead->len > 0)
    {
      g_ptr_array_add (dead, NULL);
      if (weft_store_delete_invite_codes (self->store, (const gchar *const *) dead->pdata, &error))
        for (guint i = 0; i + 1 < dead->len; i++)
          g_hash_table_remove (self->codes, g_ptr_array_index (dead, i));
      else
        g_warning ("Cannot drop expired pairing codes: %s", error->message);
    }

  horizon = now - (gint64) self->rate_window_s * G_USEC_PER_SEC;
  g_hash_table_iter_init (&iter, self->buckets);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      GArray *bucket = value;

      if (bucket->len == 0 || g_array_index (bucket, gint64, bucket->len - 1) <= horizon)
        g_hash_table_iter_remove (&iter);
    }
}

static gboolean
tick_cb (gpointer user_data)
{
  weft_pairing_tick (WEFT_PAIRING (user_data));
  return G_SOURCE_CONTINUE;
}

void
weft_pairing_start (WeftPairing *self)
{
  GSource *source;

  g_return_if_fail (WEFT_IS_PAIRING (self));
  if (self->tick_source_id != 0)
    return;
  source = g_timeout_source_new_seconds (60);
  g_source_set_callback (source, tick_cb, self, NULL);
  g_source_set_static_name (source, "[weft] pairing cleanup");
  self->tick_source_id = g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
}

void
weft_pairing_stop (WeftPairing *self)
{
  g_return_if_fail (WEFT_IS_PAIRING (self));
  g_clear_handle_id (&self->tick_source_id, g_source_remove);
}
