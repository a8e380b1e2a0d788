/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "weft.h"
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftMessage) msg = NULL;

  msg = weft_message_new_from_data ((const gchar *) data, (gssize) size, &error);
  if (msg != NULL)
    {
      g_autofree gchar *out = weft_message_to_data (msg, NULL);
      g_autoptr (WeftMessage) again = weft_message_new_from_data (out, -1, &error);

      /* what we emit we must read back */
      g_assert_no_error (error);
      g_assert_cmpstr (weft_message_get_message_type (again), ==,
                       weft_message_get_message_type (msg));
    }
  else
    {
      g_assert_nonnull (error);
    }
  return 0;
}
