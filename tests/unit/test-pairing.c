/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "weft.h"
#include "weft-pairing.h"
#include "weft-store-sqlite.h"

#define T0 ((gint64) 1775013217 * G_USEC_PER_SEC)

typedef struct
{
  gchar *dir;
  gchar *path;
  gint64 now;
  WeftStore *store;
  WeftPairing *pairing;
  GPtrArray *revoked; /* (element-type utf8) peer ids */
} Fixture;

static gint64
fake_clock (gpointer user_data)
{
  return ((Fixture *) user_data)->now;
}

static void
on_revoked (WeftPairing *pairing, const gchar *entry_id, const gchar *peer_id, Fixture *f)
{
  g_ptr_array_add (f->revoked, g_strdup (peer_id));
}

static void
open_pairing (Fixture *f)
{
  g_autoptr (GError) error = NULL;

  f->store = WEFT_STORE (weft_store_sqlite_new (f->path, &error));
  g_assert_no_error (error);
  f->pairing = weft_pairing_new (f->store, &error);
  g_assert_no_error (error);
  weft_pairing_set_clock (f->pairing, fake_clock, f);
  g_signal_connect (f->pairing, "revoked", G_CALLBACK (on_revoked), f);
}

static void
close_pairing (Fixture *f)
{
  g_clear_object (&f->pairing);
  g_clear_object (&f->store);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("weft-pairing-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "registry.db", NULL);
  f->now = T0;
  f->revoked = g_ptr_array_new_with_free_func (g_free);
  open_pairing (f);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  const gchar *suffixes[] = { "", "-wal", "-shm" };

  close_pairing (f);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree gchar *file = g_strconcat (f->path, suffixes[i], NULL);

      g_unlink (file);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->path);
  g_ptr_array_unref (f->revoked);
}

static gchar *
new_code (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  guint expires_in = 0;
  gchar *code = weft_pairing_generate_code (f->pairing, "agent-001", &expires_in, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (expires_in, ==, 300);
  g_assert_cmpuint (strlen (code), ==, 6);
  for (guint i = 0; i < 6; i++)
    g_assert_true (g_ascii_isdigit (code[i]));
  return code;
}

static WeftPairingEntry *
pair (Fixture *f, const gchar *address, gchar **claim_token)
{
  g_autofree gchar *code = new_code (f);
  g_autoptr (GError) error = NULL;
  WeftPairingEntry *entry =
    weft_pairing_pair (f->pairing, address, code, "  my-agent ", claim_token, &error);

  g_assert_no_error (error);
  return entry;
}

static gboolean
is_lower_hex (const gchar *s, gsize length)
{
  if (strlen (s) != length)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isxdigit (s[i]) || g_ascii_isupper (s[i]))
      return FALSE;
  return TRUE;
}

static void
test_request_body (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *code = NULL;
  g_autofree gchar *name = NULL;

  g_assert_true (weft_pairing_pair_request_from_json ("{\"code\":\"123456\",\"agent_name\":\"x\"}",
                                                      -1, &code, &name, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (code, ==, "123456");
  g_assert_cmpstr (name, ==, "x");

  g_assert_false (
    weft_pairing_pair_request_from_json ("{\"code\":\"123456\"}", -1, NULL, NULL, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "agent_name"));
  g_clear_error (&error);
  g_assert_false (weft_pairing_pair_request_from_json ("{\"code\":123456,\"agent_name\":\"x\"}", -1,
                                                       NULL, NULL, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "code"));
  g_clear_error (&error);
  g_assert_false (weft_pairing_pair_request_from_json ("code=1", -1, NULL, NULL, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_false (weft_pairing_pair_request_from_json ("\"str\"", -1, NULL, NULL, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
}

static void
test_full_flow (Fixture *f, gconstpointer data)
{
  g_autofree gchar *claim = NULL;
  g_autoptr (WeftPairingEntry) entry = pair (f, "192.0.2.1", &claim);
  g_autoptr (WeftPairingEntry) approved = NULL;
  g_autoptr (WeftPairingEntry) found = NULL;
  g_autoptr (GPtrArray) pending = NULL;
  g_autoptr (GPtrArray) all = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autofree gchar *json = NULL;
  g_autofree gchar *device = NULL;
  g_autofree gchar *again = NULL;
  g_autofree gchar *entry_id = NULL;

  entry_id = g_strdup (weft_pairing_entry_get_id (entry));
  g_assert_true (is_lower_hex (entry_id, 8));
  g_assert_true (g_str_has_prefix (weft_pairing_entry_get_peer_id (entry), "agent-"));
  g_assert_true (is_lower_hex (weft_pairing_entry_get_peer_id (entry) + 6, 6));
  g_assert_cmpstr (weft_pairing_entry_get_agent_name (entry), ==, "my-agent");
  g_assert_cmpint (weft_pairing_entry_get_status (entry), ==, WEFT_PAIRING_STATUS_PENDING_APPROVAL);
  g_assert_true (g_str_has_prefix (claim, "ct_"));

  pending = weft_pairing_list_pending (f->pairing);
  g_assert_cmpuint (pending->len, ==, 1);

  /* claiming before approval: pending */
  device = weft_pairing_claim (f->pairing, entry_id, claim, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE);
  g_clear_error (&error);
  device = weft_pairing_claim (f->pairing, entry_id, "ct_wrong", &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED);
  g_clear_error (&error);
  device = weft_pairing_claim (f->pairing, "00000000", claim, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND);
  g_clear_error (&error);

  f->now += G_USEC_PER_SEC;
  approved = weft_pairing_approve (f->pairing, entry_id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (weft_pairing_entry_get_status (approved), ==, WEFT_PAIRING_STATUS_APPROVED);
  g_assert_cmpint (weft_pairing_entry_get_updated_at (approved), ==, T0 + G_USEC_PER_SEC);
  /* the approval answer and the list carry no device token */
  node = weft_pairing_entry_to_json (approved);
  json = json_to_string (node, FALSE);
  g_assert_null (strstr (json, "dt_"));
  g_assert_null (strstr (json, "device_token"));
  g_assert_true (
    weft_pairing_is_peer_approved (f->pairing, weft_pairing_entry_get_peer_id (entry)));

  /* a restart between approval and claim loses nothing */
  close_pairing (f);
  open_pairing (f);

  device = weft_pairing_claim (f->pairing, entry_id, claim, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (device, "dt_"));
  g_assert_true (is_lower_hex (device + 3, 32));
  again = weft_pairing_claim (f->pairing, entry_id, claim, &error);
  g_assert_null (again);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_GONE);
  g_clear_error (&error);

  found = weft_pairing_lookup_device_token (f->pairing, device, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (weft_pairing_entry_get_peer_id (found), ==,
                   weft_pairing_entry_get_peer_id (entry));

  /* nothing in the database gives the tokens away */
  {
    g_autofree gchar *contents = NULL;
    gsize length = 0;
    g_autofree gchar *wal = g_strconcat (f->path, "-wal", NULL);

    close_pairing (f);
    g_assert_true (g_file_get_contents (f->path, &contents, &length, NULL));
    g_assert_null (g_strstr_len (contents, (gssize) length, device + 3));
    g_assert_null (g_strstr_len (contents, (gssize) length, claim + 3));
    g_clear_pointer (&contents, g_free);
    if (g_file_get_contents (wal, &contents, &length, NULL))
      {
        g_assert_null (g_strstr_len (contents, (gssize) length, device + 3));
        g_assert_null (g_strstr_len (contents, (gssize) length, claim + 3));
      }
    open_pairing (f);
  }

  /* revocation: signal, token useless, claim gone */
  g_clear_object (&found);
  found = weft_pairing_revoke (f->pairing, entry_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (f->revoked->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (f->revoked, 0), ==, weft_pairing_entry_get_peer_id (entry));
  g_clear_object (&found);
  found = weft_pairing_lookup_device_token (f->pairing, device, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED);
  g_clear_error (&error);
  g_assert_false (
    weft_pairing_is_peer_approved (f->pairing, weft_pairing_entry_get_peer_id (entry)));

  all = weft_pairing_list (f->pairing);
  g_assert_cmpuint (all->len, ==, 1);
  g_assert_cmpint (weft_pairing_entry_get_status (g_ptr_array_index (all, 0)), ==,
                   WEFT_PAIRING_STATUS_REVOKED);
}

static void
test_transitions (Fixture *f, gconstpointer data)
{
  g_autofree gchar *claim = NULL;
  g_autoptr (WeftPairingEntry) entry = pair (f, "192.0.2.1", &claim);
  g_autoptr (WeftPairingEntry) other = NULL;
  g_autoptr (WeftPairingEntry) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *device = NULL;
  g_autofree gchar *claim2 = NULL;
  const gchar *id = weft_pairing_entry_get_id (entry);

  /* only approved entries can be revoked */
  result = weft_pairing_revoke (f->pairing, id, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE);
  g_clear_error (&error);
  result = weft_pairing_reject (f->pairing, id, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  result = weft_pairing_approve (f->pairing, id, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE);
  g_clear_error (&error);
  result = weft_pairing_approve (f->pairing, "deadbeef", &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND);
  g_clear_error (&error);
  device = weft_pairing_claim (f->pairing, id, claim, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_PERMISSION_DENIED);
  g_clear_error (&error);

  /* revoked before the claim: refused as well */
  other = pair (f, "192.0.2.1", &claim2);
  result = weft_pairing_approve (f->pairing, weft_pairing_entry_get_id (other), &error);
  g_clear_object (&result);
  result = weft_pairing_revoke (f->pairing, weft_pairing_entry_get_id (other), &error);
  g_assert_no_error (error);
  device = weft_pairing_claim (f->pairing, weft_pairing_entry_get_id (other), claim2, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_PERMISSION_DENIED);

  /* statuses are durable */
  close_pairing (f);
  open_pairing (f);
  g_clear_object (&result);
  result = weft_pairing_get (f->pairing, id, NULL);
  g_assert_cmpint (weft_pairing_entry_get_status (result), ==, WEFT_PAIRING_STATUS_REJECTED);
}

static void
test_code_rules (Fixture *f, gconstpointer data)
{
  g_autofree gchar *code = new_code (f);
  g_autofree gchar *old = NULL;
  g_autoptr (WeftPairingEntry) entry = NULL;
  g_autoptr (GError) error = NULL;

  /* format first, then name, then validity */
  entry = weft_pairing_pair (f->pairing, "a", "12345", "x", NULL, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA);
  g_assert_cmpstr (error->message, ==, "code must be exactly 6 digits");
  g_clear_error (&error);
  entry = weft_pairing_pair (f->pairing, "a", "12a456", "x", NULL, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA);
  g_clear_error (&error);
  entry = weft_pairing_pair (f->pairing, "b", code, "   ", NULL, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA);
  g_assert_cmpstr (error->message, ==, "agent_name is required");
  g_clear_error (&error);

  /* codes survive a restart */
  close_pairing (f);
  open_pairing (f);
  entry = weft_pairing_pair (f->pairing, "b", code, "x", NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&entry);
  /* single use */
  entry = weft_pairing_pair (f->pairing, "b", code, "x", NULL, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED);
  g_assert_cmpstr (error->message, ==, "invalid or expired pairing code");
  g_clear_error (&error);

  /* 300 s lifetime */
  old = new_code (f);
  f->now += 300 * G_USEC_PER_SEC;
  entry = weft_pairing_pair (f->pairing, "c", old, "x", NULL, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED);
  g_clear_error (&error);
  weft_pairing_tick (f->pairing);
  close_pairing (f);
  open_pairing (f);
  entry = weft_pairing_pair (f->pairing, "c", old, "x", NULL, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED);
}

static void
test_rate_limit (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftPairingEntry) entry = NULL;
  g_autofree gchar *code = NULL;

  /* five attempts per minute and address, bad ones included */
  for (guint i = 0; i < 5; i++)
    {
      entry = weft_pairing_pair (f->pairing, "198.51.100.7", "000000", "x", NULL, &error);
      g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED);
      g_clear_error (&error);
      f->now += G_USEC_PER_SEC;
    }
  code = new_code (f);
  entry = weft_pairing_pair (f->pairing, "198.51.100.7", code, "x", NULL, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_RATE_LIMITED);
  g_assert_cmpstr (error->message, ==, "too many pairing attempts, try again later");
  g_clear_error (&error);
  /* another address is not affected */
  entry = weft_pairing_pair (f->pairing, "198.51.100.8", "000000", "x", NULL, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED);
  g_clear_error (&error);
  /* the window slides */
  f->now += 56 * G_USEC_PER_SEC;
  entry = weft_pairing_pair (f->pairing, "198.51.100.7", code, "x", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (entry);
  g_clear_object (&entry);

  /* configurable */
  weft_pairing_set_rate_limit (f->pairing, 1, 10);
  entry = weft_pairing_pair (f->pairing, "203.0.113.1", "000000", "x", NULL, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED);
  g_clear_error (&error);
  entry = weft_pairing_pair (f->pairing, "203.0.113.1", "000000", "x", NULL, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_RATE_LIMITED);
}

static void
test_codes_are_distinct (Fixture *f, gconstpointer data)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 200; i++)
    {
      gchar *code = new_code (f);

      g_assert_false (g_hash_table_contains (seen, code));
      g_hash_table_add (seen, code);
    }
}

static void
test_helpers (void)
{
  g_autofree gchar *hash = weft_pairing_hash_token ("dt_00");
  guint8 a[16] = { 0 };
  guint8 b[16] = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_cmpuint (strlen (hash), ==, 64);
  g_assert_true (weft_pairing_secure_equal ("abc", "abc"));
  g_assert_false (weft_pairing_secure_equal ("abc", "abd"));
  g_assert_false (weft_pairing_secure_equal ("abc", "abcd"));
  g_assert_false (weft_pairing_secure_equal (NULL, "abc"));
  g_assert_true (weft_pairing_random_bytes (a, sizeof a, &error));
  g_assert_true (weft_pairing_random_bytes (b, sizeof b, &error));
  g_assert_no_error (error);
  g_assert_false (memcmp (a, b, sizeof a) == 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  g_test_add_func ("/weft/pairing/request-body", test_request_body);
  g_test_add_func ("/weft/pairing/helpers", test_helpers);
  ADD ("/weft/pairing/flow", test_full_flow);
  ADD ("/weft/pairing/transitions", test_transitions);
  ADD ("/weft/pairing/codes", test_code_rules);
  ADD ("/weft/pairing/codes-distinct", test_codes_are_distinct);
  ADD ("/weft/pairing/rate-limit", test_rate_limit);
#undef ADD

  return g_test_run ();
}
