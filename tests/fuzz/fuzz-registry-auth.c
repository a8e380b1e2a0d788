/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* the registry's credential parsers: the API key file (chatixia's api_keys.json), bearer
 * values (JWTs, keys, device tokens) and the WebSocket frame scanner of the /ws limiter;
 * every input goes through all of them */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "weft.h"
#include "weft-auth.h"
#include "weft-websocket-limiter.h"
#include "fuzz-common.h"

static GLogWriterOutput
quiet_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  /* skipped entries are reported with warnings, which are expected here */
  return G_LOG_WRITER_HANDLED;
}

static void
fuzz_keys_and_tokens (const gchar *data, gsize size)
{
  g_autoptr (WeftAuth) auth = weft_auth_new ("fuzz-secret", 300, 60, WEFT_ANONYMOUS_NONE);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *text = g_strndup (data, size);
  g_autoptr (WeftPrincipal) p = NULL;

  if (!weft_auth_load_api_keys_data (auth, data, (gssize) size, "fuzz", FALSE, &error))
    {
      g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA);
      g_clear_error (&error);
    }
  else
    {
      g_autoptr (GPtrArray) keys = weft_auth_list_keys (auth);

      /* every listed key authenticates as itself through a token round trip */
      for (guint i = 0; i < keys->len; i++)
        {
          WeftApiKeyInfo *k = g_ptr_array_index (keys, i);
          g_autofree gchar *cid = g_strconcat ("key:", k->id, NULL);
          g_autoptr (WeftPrincipal) principal = weft_principal_new (cid, k->peer_id, k->role, 0);
          g_autofree gchar *token = weft_auth_issue_token (auth, principal, &error);
          g_autoptr (WeftPrincipal) back = NULL;

          g_assert_no_error (error);
          back = weft_auth_verify_token (auth, token, &error);
          g_assert_no_error (error);
          g_assert_cmpstr (back->peer_id, ==, k->peer_id);
        }
    }

  /* the input as a bearer value: refused or accepted, never a crash */
  p = weft_auth_authenticate_bearer (auth, text, &error);
  if (p == NULL)
    g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED);
}

static void
fuzz_frames (const gchar *data, gsize size)
{
  g_autoptr (GInputStream) in = g_memory_input_stream_new_from_data (data, (gssize) size, NULL);
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr (GIOStream) pair = g_simple_io_stream_new (in, out);
  g_autoptr (GIOStream) limited = weft_websocket_limiter_new (pair, 1024);
  guint8 buf[97];
  gssize n;
  g_autoptr (GError) error = NULL;

  /* odd read sizes split frame headers at every position */
  while ((n = g_input_stream_read (g_io_stream_get_input_stream (limited), buf, sizeof buf, NULL,
                                   &error)) > 0)
    ;
  if (n < 0)
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  static gboolean initialised = FALSE;

  if (!initialised)
    {
      g_log_set_writer_func (quiet_writer, NULL, NULL);
      initialised = TRUE;
    }
  fuzz_keys_and_tokens ((const gchar *) data, size);
  fuzz_frames ((const gchar *) data, size);
  return 0;
}
