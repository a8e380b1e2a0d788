/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* JSON helpers shared by the parsers of libweft */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "weft-error.h"
#include "weft-json-private.h"

/* refuses @data when its arrays and objects nest deeper than @max_depth; a
 * lexical scan that skips strings, cheap enough to run before every parse.
 * Malformed JSON passes as long as it is shallow: the parser reports it. */
gboolean
weft_json_check_depth (const gchar *data, gsize length, guint max_depth, GError **error)
{
  guint depth = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < length; i++)
    {
      gchar c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      switch (c)
        {
          case '"':
            in_string = TRUE;
            break;
          case '[':
          case '{':
            if (++depth > max_depth)
              {
                g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                             _ ("JSON nested deeper than %u levels at byte %" G_GSIZE_FORMAT),
                             max_depth, i);
                return FALSE;
              }
            break;
          case ']':
          case '}':
            if (depth > 0)
              depth--;
            break;
          default:
            break;
        }
    }
  return TRUE;
}
