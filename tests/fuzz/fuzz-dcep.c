/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "fuzz-common.h"
#include "weft-dcep.h"

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftDcepMessage) msg = weft_dcep_decode (data, size, &error);

  if (msg == NULL)
    {
      g_assert_nonnull (error);
    }
  else if (msg->type == WEFT_DCEP_MESSAGE_TYPE_OPEN)
    {
      g_autoptr (GBytes) bytes =
        weft_dcep_encode_open (msg->channel_type, msg->priority, msg->reliability_parameter,
                               msg->label, msg->protocol, &error);
      g_autoptr (WeftDcepMessage) again = NULL;

      /* what we decode we can encode, and it decodes to the same message */
      g_assert_no_error (error);
      again = weft_dcep_decode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
      g_assert_no_error (error);
      g_assert_cmpint (again->channel_type, ==, msg->channel_type);
      g_assert_cmpuint (again->priority, ==, msg->priority);
      g_assert_cmpuint (again->reliability_parameter, ==, msg->reliability_parameter);
      g_assert_cmpstr (again->label, ==, msg->label);
      g_assert_cmpstr (again->protocol, ==, msg->protocol);
    }
  else
    {
      g_assert_cmpint (msg->type, ==, WEFT_DCEP_MESSAGE_TYPE_ACK);
      g_assert_cmpuint (size, ==, 1);
    }

  /* the first four bytes as a PPID: classified or refused, never both */
  if (size >= 4)
    {
      guint32 ppid =
        ((guint32) data[0] << 24) | ((guint32) data[1] << 16) | ((guint32) data[2] << 8) | data[3];
      g_autoptr (GError) ppid_error = NULL;
      gboolean ok = weft_dcep_ppid_parse (ppid, NULL, NULL, &ppid_error);

      g_assert_true (ok == (ppid_error == NULL));
    }
  return 0;
}
