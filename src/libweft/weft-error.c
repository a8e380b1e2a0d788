/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gio.h>

#include "weft-error.h"

/* one row per code, in enum order; the static asserts keep both tables complete */
static const GDBusErrorEntry dbus_entries[] = {
  { WEFT_ERROR_FAILED, "org.weft.Error.Failed" },
  { WEFT_ERROR_INVALID_DATA, "org.weft.Error.InvalidData" },
  { WEFT_ERROR_INVALID_ARGUMENT, "org.weft.Error.InvalidArgument" },
  { WEFT_ERROR_NOT_FOUND, "org.weft.Error.NotFound" },
  { WEFT_ERROR_NOT_AUTHENTICATED, "org.weft.Error.NotAuthenticated" },
  { WEFT_ERROR_PERMISSION_DENIED, "org.weft.Error.PermissionDenied" },
  { WEFT_ERROR_INVALID_STATE, "org.weft.Error.InvalidState" },
  { WEFT_ERROR_ALREADY_EXISTS, "org.weft.Error.AlreadyExists" },
  { WEFT_ERROR_TOO_LARGE, "org.weft.Error.TooLarge" },
  { WEFT_ERROR_UNSUPPORTED_MEDIA_TYPE, "org.weft.Error.UnsupportedMediaType" },
  { WEFT_ERROR_RATE_LIMITED, "org.weft.Error.RateLimited" },
  { WEFT_ERROR_GONE, "org.weft.Error.Gone" },
  { WEFT_ERROR_UNAVAILABLE, "org.weft.Error.Unavailable" },
  { WEFT_ERROR_TIMED_OUT, "org.weft.Error.TimedOut" },
  { WEFT_ERROR_CANCELLED, "org.weft.Error.Cancelled" },
  { WEFT_ERROR_NOT_SUPPORTED, "org.weft.Error.NotSupported" },
};
G_STATIC_ASSERT (G_N_ELEMENTS (dbus_entries) == WEFT_ERROR_LAST);

static const guint http_status[] = {
  [WEFT_ERROR_FAILED] = 500,
  [WEFT_ERROR_INVALID_DATA] = 400,
  [WEFT_ERROR_INVALID_ARGUMENT] = 422,
  [WEFT_ERROR_NOT_FOUND] = 404,
  [WEFT_ERROR_NOT_AUTHENTICATED] = 401,
  [WEFT_ERROR_PERMISSION_DENIED] = 403,
  [WEFT_ERROR_INVALID_STATE] = 409,
  [WEFT_ERROR_ALREADY_EXISTS] = 409,
  [WEFT_ERROR_TOO_LARGE] = 413,
  [WEFT_ERROR_UNSUPPORTED_MEDIA_TYPE] = 415,
  [WEFT_ERROR_RATE_LIMITED] = 429,
  [WEFT_ERROR_GONE] = 410,
  [WEFT_ERROR_UNAVAILABLE] = 503,
  [WEFT_ERROR_TIMED_OUT] = 504,
  /* the client gave up; nginx's 499 is the usual name for it */
  [WEFT_ERROR_CANCELLED] = 499,
  [WEFT_ERROR_NOT_SUPPORTED] = 501,
};
G_STATIC_ASSERT (G_N_ELEMENTS (http_status) == WEFT_ERROR_LAST);

/**
 * weft_error_quark:
 *
 * The quark of the %WEFT_ERROR domain. Registering it also maps every
 * #WeftError code to its D-Bus error name, so errors cross the bus intact.
 *
 * Returns: the error quark
 *
 * Since: 0.1
 */
GQuark
weft_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("weft-error-quark", &quark, dbus_entries,
                                      G_N_ELEMENTS (dbus_entries));
  return (GQuark) quark;
}

/**
 * weft_error_get_http_status:
 * @code: a #WeftError
 *
 * The HTTP status that answers a request which failed with @code.
 *
 * Returns: an HTTP status code, 500 for an unknown code
 *
 * Since: 0.1
 */
guint
weft_error_get_http_status (WeftError code)
{
  if ((guint) code >= WEFT_ERROR_LAST)
    return 500;
  return http_status[code] != 0 ? http_status[code] : 500;
}

/**
 * weft_error_get_dbus_name:
 * @code: a #WeftError
 *
 * The D-Bus error name of @code, such as `org.weft.Error.NotFound`.
 *
 * Returns: (nullable): the D-Bus error name, or %NULL for an unknown code
 *
 * Since: 0.1
 */
const gchar *
weft_error_get_dbus_name (WeftError code)
{
  if ((guint) code >= WEFT_ERROR_LAST)
    return NULL;
  return dbus_entries[code].dbus_error_name;
}

/**
 * weft_error_to_http_status:
 * @error: a #GError of any domain
 *
 * The HTTP status for @error: the table value for %WEFT_ERROR codes, the
 * closest match for common #GIOErrorEnum codes, 500 otherwise.
 *
 * Returns: an HTTP status code
 *
 * Since: 0.1
 */
guint
weft_error_to_http_status (const GError *error)
{
  g_return_val_if_fail (error != NULL, 500);

  if (error->domain == WEFT_ERROR)
    return weft_error_get_http_status ((WeftError) error->code);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return 404;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA))
    return 400;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
    return 403;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return 504;
  return 500;
}
