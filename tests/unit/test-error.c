/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gio.h>

#include "weft.h"

static void
test_error_dbus_names (void)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint code = 0; code < WEFT_ERROR_LAST; code++)
    {
      const gchar *name = weft_error_get_dbus_name (code);

      g_assert_nonnull (name);
      g_assert_true (g_str_has_prefix (name, "org.weft.Error."));
      g_assert_true (g_dbus_is_error_name (name));
      /* every code has its own name */
      g_assert_false (g_hash_table_contains (seen, name));
      g_hash_table_add (seen, (gpointer) name);
    }
  g_assert_null (weft_error_get_dbus_name (WEFT_ERROR_LAST));
  g_assert_cmpstr (weft_error_get_dbus_name (WEFT_ERROR_NOT_FOUND), ==, "org.weft.Error.NotFound");
}

static void
test_error_dbus_round_trip (void)
{
  for (guint code = 0; code < WEFT_ERROR_LAST; code++)
    {
      g_autoptr (GError) error = g_error_new (WEFT_ERROR, code, "code %u", code);
      g_autofree gchar *remote_name = NULL;
      g_autoptr (GError) back = NULL;

      remote_name = g_dbus_error_encode_gerror (error);
      g_assert_cmpstr (remote_name, ==, weft_error_get_dbus_name (code));
      back = g_dbus_error_new_for_dbus_error (remote_name, "text");
      g_assert_error (back, WEFT_ERROR, (gint) code);
    }
}

static void
test_error_http_status (void)
{
  g_autoptr (GError) not_found = g_error_new_literal (WEFT_ERROR, WEFT_ERROR_NOT_FOUND, "x");
  g_autoptr (GError) io = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "x");
  g_autoptr (GError) other = g_error_new_literal (G_FILE_ERROR, G_FILE_ERROR_NOENT, "x");

  for (guint code = 0; code < WEFT_ERROR_LAST; code++)
    {
      guint status = weft_error_get_http_status (code);
      g_assert_cmpuint (status, >=, 400);
      g_assert_cmpuint (status, <=, 599);
    }
  g_assert_cmpuint (weft_error_get_http_status (WEFT_ERROR_INVALID_STATE), ==, 409);
  g_assert_cmpuint (weft_error_get_http_status (WEFT_ERROR_TOO_LARGE), ==, 413);
  g_assert_cmpuint (weft_error_get_http_status (WEFT_ERROR_RATE_LIMITED), ==, 429);
  g_assert_cmpuint (weft_error_get_http_status (WEFT_ERROR_LAST), ==, 500);
  g_assert_cmpuint (weft_error_to_http_status (not_found), ==, 404);
  g_assert_cmpuint (weft_error_to_http_status (io), ==, 400);
  g_assert_cmpuint (weft_error_to_http_status (other), ==, 500);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/weft/error/dbus-names", test_error_dbus_names);
  g_test_add_func ("/weft/error/dbus-round-trip", test_error_dbus_round_trip);
  g_test_add_func ("/weft/error/http-status", test_error_http_status);

  return g_test_run ();
}
