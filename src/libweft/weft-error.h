/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__WEFT_INSIDE__) && !defined(WEFT_COMPILATION)
#error "Only <weft.h> can be included directly."
#endif

#include <glib.h>

#include "weft-version-macros.h"

G_BEGIN_DECLS

/**
 * WEFT_ERROR:
 *
 * The error domain of every error Weft reports.
 *
 * Since: 0.1
 */
#define WEFT_ERROR (weft_error_quark ())

/**
 * WeftError:
 * @WEFT_ERROR_FAILED: a failure with no more specific code
 * @WEFT_ERROR_INVALID_DATA: input that could not be parsed (not JSON, bad YAML, truncated)
 * @WEFT_ERROR_INVALID_ARGUMENT: input that parsed but has a wrong or missing value
 * @WEFT_ERROR_NOT_FOUND: the named object does not exist
 * @WEFT_ERROR_NOT_AUTHENTICATED: no credential, or one that is unknown or expired
 * @WEFT_ERROR_PERMISSION_DENIED: the credential is valid but not allowed to do this
 * @WEFT_ERROR_INVALID_STATE: the object is not in a state that allows this
 * @WEFT_ERROR_ALREADY_EXISTS: an object with that identity exists already
 * @WEFT_ERROR_TOO_LARGE: the input is larger than the configured limit
 * @WEFT_ERROR_UNSUPPORTED_MEDIA_TYPE: the input has a content type that is not accepted
 * @WEFT_ERROR_RATE_LIMITED: too many attempts; try again later
 * @WEFT_ERROR_GONE: the object existed but has been used up
 * @WEFT_ERROR_UNAVAILABLE: a service needed for this is not reachable
 * @WEFT_ERROR_TIMED_OUT: the operation did not finish in time
 * @WEFT_ERROR_CANCELLED: the operation was cancelled
 * @WEFT_ERROR_NOT_SUPPORTED: the operation is not supported
 * @WEFT_ERROR_LAST: the number of codes; not a valid code
 *
 * Error codes of the %WEFT_ERROR domain. Each code has a D-Bus error name
 * (`org.weft.Error.<Code>`) and an HTTP status.
 *
 * Since: 0.1
 */
typedef enum
{
  WEFT_ERROR_FAILED,
  WEFT_ERROR_INVALID_DATA,
  WEFT_ERROR_INVALID_ARGUMENT,
  WEFT_ERROR_NOT_FOUND,
  WEFT_ERROR_NOT_AUTHENTICATED,
  WEFT_ERROR_PERMISSION_DENIED,
  WEFT_ERROR_INVALID_STATE,
  WEFT_ERROR_ALREADY_EXISTS,
  WEFT_ERROR_TOO_LARGE,
  WEFT_ERROR_UNSUPPORTED_MEDIA_TYPE,
  WEFT_ERROR_RATE_LIMITED,
  WEFT_ERROR_GONE,
  WEFT_ERROR_UNAVAILABLE,
  WEFT_ERROR_TIMED_OUT,
  WEFT_ERROR_CANCELLED,
  WEFT_ERROR_NOT_SUPPORTED,
  WEFT_ERROR_LAST /*< skip >*/
} WeftError;

WEFT_AVAILABLE_IN_ALL
GQuark
weft_error_quark (void);
WEFT_AVAILABLE_IN_ALL
guint
weft_error_get_http_status (WeftError code);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_error_get_dbus_name (WeftError code);
WEFT_AVAILABLE_IN_ALL
guint
weft_error_to_http_status (const GError *error);

G_END_DECLS
