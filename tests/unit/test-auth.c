/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "weft.h"
#include "weft-auth.h"

/* warnings about skipped input are part of the behaviour under test: count them instead
 * of letting them abort the test */
static guint n_warnings;

static GLogWriterOutput
count_warnings (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  if (level & G_LOG_LEVEL_WARNING)
    {
      n_warnings++;
      return G_LOG_WRITER_HANDLED;
    }
  return g_log_writer_default (level, fields, n_fields, data);
}

#define SECRET "unit-test-secret-0123456789abcdef"

static const gchar keys_json[] =
  "{\"keys\": {"
  "\"ak_agent\": {\"peer_id\": \"alpha-sidecar\", \"role\": \"agent\"},"
  "\"ak_admin\": {\"peer_id\": \"operator\", \"role\": \"admin\"},"
  "\"ak_root\": {\"peer_id\": \"x\", \"role\": \"root\"},"
  "\"ak_broken\": {\"peer_id\": 5, \"role\": \"agent\"},"
  "\"ak_odd\": 7}}";

static WeftAuth *
new_auth (guint lifetime, guint leeway)
{
  WeftAuth *auth = weft_auth_new (SECRET, lifetime, leeway, WEFT_ANONYMOUS_NONE);
  g_autoptr (GError) error = NULL;
  guint before = n_warnings;

  g_assert_true (weft_auth_load_api_keys_data (auth, keys_json, -1, "test", FALSE, &error));
  g_assert_no_error (error);
  /* three entries are skipped, each with a warning */
  g_assert_cmpuint (n_warnings - before, ==, 3);
  return auth;
}

static void
test_api_keys (void)
{
  g_autoptr (WeftAuth) auth = new_auth (300, 60);
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftPrincipal) agent = weft_auth_authenticate_api_key (auth, "ak_agent", &error);
  g_autoptr (WeftPrincipal) admin = NULL;
  g_autoptr (WeftPrincipal) none = NULL;
  g_autoptr (GPtrArray) keys = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (agent->peer_id, ==, "alpha-sidecar");
  g_assert_cmpint (agent->role, ==, WEFT_ROLE_AGENT);
  g_assert_true (g_str_has_prefix (agent->credential_id, "key:"));
  g_assert_false (weft_principal_is_admin (agent));

  admin = weft_auth_authenticate_api_key (auth, "ak_admin", &error);
  g_assert_no_error (error);
  g_assert_true (weft_principal_is_admin (admin));

  /* entries with an unknown role or broken fields are skipped */
  none = weft_auth_authenticate_api_key (auth, "ak_root", &error);
  g_assert_null (none);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED);
  g_clear_error (&error);
  none = weft_auth_authenticate_api_key (auth, "ak_broken", &error);
  g_assert_null (none);
  g_clear_error (&error);
  none = weft_auth_authenticate_api_key (auth, "", &error);
  g_assert_null (none);
  g_clear_error (&error);

  keys = weft_auth_list_keys (auth);
  g_assert_cmpuint (keys->len, ==, 2);
  for (guint i = 0; i < keys->len; i++)
    {
      WeftApiKeyInfo *k = g_ptr_array_index (keys, i);

      /* the listing never holds the key */
      g_assert_null (strstr (k->id, "ak_"));
      g_assert_true (k->from_file);
    }
  g_assert_true (weft_auth_is_peer_authorised (auth, "alpha-sidecar"));
  g_assert_false (weft_auth_is_peer_authorised (auth, "mallory"));
}

static void
test_api_keys_malformed (void)
{
  static const gchar *const bad[] = {
    "",
    "{",
    "[]",
    "{\"keys\": []}",
    "{\"nokeys\": {}}",
    "\"keys\"",
    "null",
    /* the DEPLOYMENT_GUIDE shape without the "keys" wrapper */
    "{\"ak_x\": {\"peer_id\": \"x\", \"role\": \"agent\"}}",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (WeftAuth) auth = weft_auth_new (SECRET, 300, 60, WEFT_ANONYMOUS_NONE);
      g_autoptr (WeftAuth) dev = weft_auth_new (SECRET, 300, 60, WEFT_ANONYMOUS_NONE);
      g_autoptr (GError) error = NULL;
      g_autoptr (WeftPrincipal) p = NULL;

      g_assert_false (weft_auth_load_api_keys_data (auth, bad[i], -1, "bad", FALSE, &error));
      g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA);
      g_clear_error (&error);

      /* only in development mode does the built-in key take over */
      g_assert_true (weft_auth_load_api_keys_data (dev, bad[i], -1, "bad", TRUE, &error));
      g_assert_no_error (error);
      p = weft_auth_authenticate_api_key (dev, "ak_dev_001", &error);
      g_assert_no_error (error);
      g_assert_cmpstr (p->peer_id, ==, "agent-001");
    }
}

static void
test_tokens (void)
{
  g_autoptr (WeftAuth) auth = new_auth (300, 60);
  g_autoptr (WeftAuth) other =
    weft_auth_new ("another-secret-entirely", 300, 60, WEFT_ANONYMOUS_NONE);
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftPrincipal) key = weft_auth_authenticate_api_key (auth, "ak_agent", &error);
  g_autofree gchar *token = weft_auth_issue_token (auth, key, &error);
  g_autoptr (WeftPrincipal) back = NULL;
  g_autoptr (WeftPrincipal) forged = NULL;
  g_autofree gchar *tampered = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_assert_no_error (error);
  g_assert_nonnull (token);
  back = weft_auth_verify_token (auth, token, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->peer_id, ==, "alpha-sidecar");
  g_assert_cmpstr (back->credential_id, ==, key->credential_id);
  g_assert_cmpint (back->role, ==, WEFT_ROLE_AGENT);
  /* exp + leeway */
  g_assert_cmpint (back->expires_at, >=, now + 300 + 60 - 2);
  g_assert_cmpint (back->expires_at, <=, now + 300 + 60 + 2);

  /* a bearer value that looks like a JWT is verified as one */
  g_clear_pointer (&back, weft_principal_unref);
  back = weft_auth_authenticate_bearer (auth, token, &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);

  forged = weft_auth_verify_token (other, token, &error);
  g_assert_null (forged);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED);
  g_clear_error (&error);

  tampered = g_strdup (token);
  tampered[strlen (tampered) - 3] ^= 1;
  forged = weft_auth_verify_token (auth, tampered, &error);
  g_assert_null (forged);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED);
  g_clear_error (&error);

  for (const gchar *const *t = (const gchar *const[]){ "", "a", "a.b", "a.b.c", "..", NULL };
       *t != NULL; t++)
    {
      forged = weft_auth_verify_token (auth, *t, &error);
      g_assert_null (forged);
      g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED);
      g_clear_error (&error);
    }
}

static void
test_token_expiry (void)
{
  /* a token that lives 1 s with no leeway is refused 2 s later */
  g_autoptr (WeftAuth) auth = new_auth (1, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftPrincipal) key = weft_auth_authenticate_api_key (auth, "ak_agent", &error);
  g_autofree gchar *token = weft_auth_issue_token (auth, key, &error);
  g_autoptr (WeftPrincipal) p = NULL;

  g_assert_no_error (error);
  p = weft_auth_verify_token (auth, token, &error);
  g_assert_no_error (error);
  g_clear_pointer (&p, weft_principal_unref);
  g_usleep (2100 * 1000);
  p = weft_auth_verify_token (auth, token, &error);
  g_assert_null (p);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED);
}

static void
on_revoked (WeftAuth *auth, const gchar *credential_id, gpointer user_data)
{
  g_free (*(gchar **) user_data);
  *(gchar **) user_data = g_strdup (credential_id);
}

static void
test_managed_keys (void)
{
  g_autoptr (WeftAuth) auth = new_auth (300, 60);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *key = NULL;
  g_autofree gchar *revoked = NULL;
  g_autoptr (WeftApiKeyInfo) info =
    weft_auth_create_key (auth, "rpi", WEFT_ROLE_ADMIN, NULL, &key, &error);
  g_autoptr (WeftPrincipal) p = NULL;
  g_autofree gchar *token = NULL;
  g_autofree gchar *credential = NULL;
  g_autoptr (GPtrArray) keys = NULL;

  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (key, "wk_"));
  g_assert_cmpuint (strlen (key), ==, 3 + 48);
  p = weft_auth_authenticate_api_key (auth, key, &error);
  g_assert_no_error (error);
  g_assert_true (weft_principal_is_admin (p));
  token = weft_auth_issue_token (auth, p, &error);
  g_assert_no_error (error);
  credential = g_strdup (p->credential_id);

  g_signal_connect (auth, "credential-revoked", G_CALLBACK (on_revoked), &revoked);
  g_assert_true (weft_auth_revoke_key (auth, info->id, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (revoked, ==, credential);
  g_assert_false (weft_auth_credential_is_valid (auth, credential));

  /* the key and the tokens issued for it are dead */
  g_clear_pointer (&p, weft_principal_unref);
  p = weft_auth_verify_token (auth, token, &error);
  g_assert_null (p);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED);
  g_clear_error (&error);
  p = weft_auth_authenticate_api_key (auth, key, &error);
  g_assert_null (p);
  g_clear_error (&error);

  g_assert_false (weft_auth_revoke_key (auth, info->id, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* keys of the file are not revocable at run time */
  keys = weft_auth_list_keys (auth);
  g_assert_false (
    weft_auth_revoke_key (auth, ((WeftApiKeyInfo *) g_ptr_array_index (keys, 0))->id, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE);
  g_clear_error (&error);

  g_assert_null (weft_auth_create_key (auth, "", WEFT_ROLE_AGENT, NULL, NULL, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
}

static void
test_anonymous (void)
{
  g_autoptr (WeftAuth) none = weft_auth_new (SECRET, 300, 60, WEFT_ANONYMOUS_NONE);
  g_autoptr (WeftAuth) loop = weft_auth_new (SECRET, 300, 60, WEFT_ANONYMOUS_LOOPBACK);
  g_autoptr (WeftAuth) any = weft_auth_new (SECRET, 300, 60, WEFT_ANONYMOUS_ANY);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GInetAddress) lo6 = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
  g_autoptr (GInetAddress) remote = g_inet_address_new_from_string ("192.0.2.7");
  g_autoptr (WeftPrincipal) p = NULL;

  g_assert_null (weft_auth_anonymous_principal (none, lo));
  p = weft_auth_anonymous_principal (loop, lo);
  g_assert_nonnull (p);
  g_assert_true (p->anonymous);
  g_clear_pointer (&p, weft_principal_unref);
  p = weft_auth_anonymous_principal (loop, lo6);
  g_assert_nonnull (p);
  g_clear_pointer (&p, weft_principal_unref);
  g_assert_null (weft_auth_anonymous_principal (loop, remote));
  p = weft_auth_anonymous_principal (any, remote);
  g_assert_nonnull (p);
  g_assert_true (weft_principal_is_admin (p));
}

static void
test_turn (void)
{
  g_autofree gchar *user = NULL;
  g_autofree gchar *cred = NULL;
  g_autofree gchar *user2 = NULL;
  g_autofree gchar *cred2 = NULL;

  g_assert_false (weft_auth_turn_credentials (NULL, 1000, &user, &cred));
  g_assert_true (weft_auth_turn_credentials ("secret", 1000, &user, &cred));
  g_assert_cmpstr (user, ==, "87400:mesh");
  /* base64 (HMAC-SHA1 ("secret", "87400:mesh")), computed independently */
  g_assert_cmpstr (cred, ==, "t8ywRZVRkos62W6GuTIsX6aQu20=");
  g_assert_true (weft_auth_turn_credentials ("secret", 1001, &user2, &cred2));
  g_assert_cmpstr (user2, !=, user);
  g_assert_cmpstr (cred2, !=, cred);
}

int
main (int argc, char **argv)
{
  g_log_set_writer_func (count_warnings, NULL, NULL);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/weft/auth/api-keys", test_api_keys);
  g_test_add_func ("/weft/auth/api-keys-malformed", test_api_keys_malformed);
  g_test_add_func ("/weft/auth/tokens", test_tokens);
  g_test_add_func ("/weft/auth/token-expiry", test_token_expiry);
  g_test_add_func ("/weft/auth/managed-keys", test_managed_keys);
  g_test_add_func ("/weft/auth/anonymous", test_anonymous);
  g_test_add_func ("/weft/auth/turn", test_turn);
  return g_test_run ();
}
