/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "weft-dcep.h"

static void
test_dcep_encode_open (void)
{
  /* the RFC 8832 §5.1 layout, big-endian, built by hand */
  static const guint8 expected[] = {
    0x03,                   /* DATA_CHANNEL_OPEN */
    0x81,                   /* partial reliable rexmit, unordered */
    0x01, 0x00,             /* priority 256 */
    0x00, 0x00, 0x00, 0x07, /* 7 retransmissions */
    0x00, 0x04,             /* label length */
    0x00, 0x03,             /* protocol length */
    'm',  'e',  's',  'h',  'a', 'b', 'c',
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes =
    weft_dcep_encode_open (WEFT_DCEP_CHANNEL_PARTIAL_RELIABLE_REXMIT_UNORDERED,
                           WEFT_DCEP_PRIORITY_NORMAL, 7, "mesh", "abc", &error);

  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), expected,
                   sizeof expected);
}

static void
test_dcep_round_trip (void)
{
  static const struct
  {
    WeftDcepChannelType type;
    guint16 priority;
    guint32 param;
    const gchar *label;
    const gchar *protocol;
  } cases[] = {
    { WEFT_DCEP_CHANNEL_RELIABLE, 256, 0, "mesh", "" },
    { WEFT_DCEP_CHANNEL_RELIABLE_UNORDERED, 128, 0, "", "" },
    { WEFT_DCEP_CHANNEL_PARTIAL_RELIABLE_REXMIT, 512, 0, "rexmit-0", "chat" },
    { WEFT_DCEP_CHANNEL_PARTIAL_RELIABLE_TIMED, 1024, 0xffffffff, "timed", "x" },
    { WEFT_DCEP_CHANNEL_PARTIAL_RELIABLE_TIMED_UNORDERED, 65535, 1500, "ünïcödé ✓", "π" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GBytes) bytes =
        weft_dcep_encode_open (cases[i].type, cases[i].priority, cases[i].param, cases[i].label,
                               cases[i].protocol, &error);
      gsize len;
      const guint8 *data;
      g_autoptr (WeftDcepMessage) msg = NULL;

      g_assert_no_error (error);
      data = g_bytes_get_data (bytes, &len);
      g_assert_cmpuint (len, ==, 12 + strlen (cases[i].label) + strlen (cases[i].protocol));
      msg = weft_dcep_decode (data, len, &error);
      g_assert_no_error (error);
      g_assert_cmpint (msg->type, ==, WEFT_DCEP_MESSAGE_TYPE_OPEN);
      g_assert_cmpint (msg->channel_type, ==, cases[i].type);
      g_assert_cmpuint (msg->priority, ==, cases[i].priority);
      g_assert_cmpuint (msg->reliability_parameter, ==, cases[i].param);
      g_assert_cmpstr (msg->label, ==, cases[i].label);
      g_assert_cmpstr (msg->protocol, ==, cases[i].protocol);
    }
}

static void
test_dcep_null_strings (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes =
    weft_dcep_encode_open (WEFT_DCEP_CHANNEL_RELIABLE, 256, 0, NULL, NULL, &error);
  g_autoptr (WeftDcepMessage) msg = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (bytes), ==, 12);
  msg = weft_dcep_decode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (msg->label, ==, "");
  g_assert_cmpstr (msg->protocol, ==, "");
}

static void
test_dcep_ack (void)
{
  g_autoptr (GBytes) ack = weft_dcep_encode_ack ();
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftDcepMessage) msg = NULL;
  static const guint8 one[] = { 0x02 };

  g_assert_cmpmem (g_bytes_get_data (ack, NULL), g_bytes_get_size (ack), one, 1);
  msg = weft_dcep_decode (one, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (msg->type, ==, WEFT_DCEP_MESSAGE_TYPE_ACK);
  g_assert_null (msg->label);
}

static void
test_dcep_encode_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autofree gchar *long_label = g_strnfill (65536, 'a');
  g_autofree gchar *max_label = g_strnfill (65535, 'a');

  bytes = weft_dcep_encode_open (0x03, 256, 0, "x", "", &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
  g_assert_null (bytes);
  g_clear_error (&error);

  bytes = weft_dcep_encode_open (WEFT_DCEP_CHANNEL_RELIABLE, 256, 0, "\xff\xfe", "", &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
  g_assert_null (bytes);
  g_clear_error (&error);

  bytes = weft_dcep_encode_open (WEFT_DCEP_CHANNEL_RELIABLE, 256, 0, "", long_label, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_TOO_LARGE);
  g_assert_null (bytes);
  g_clear_error (&error);

  /* exactly 65535 bytes still fits, and decodes */
  bytes = weft_dcep_encode_open (WEFT_DCEP_CHANNEL_RELIABLE, 256, 0, max_label, "", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (bytes), ==, 12 + 65535);
  {
    g_autoptr (WeftDcepMessage) msg =
      weft_dcep_decode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (strlen (msg->label), ==, 65535);
  }
}

static void
test_dcep_decode_invalid (void)
{
  static const struct
  {
    const gchar *name;
    const guint8 *data;
    gsize len;
    const gchar *message;
  } cases[] = {
    { "empty", (const guint8 *) "", 0, "empty" },
    { "unknown type", (const guint8 *) "\x04", 1, "unknown message type 0x04" },
    { "type zero", (const guint8 *) "\x00\x00", 2, "unknown message type 0x00" },
    { "long ack", (const guint8 *) "\x02\x00", 2, "DATA_CHANNEL_ACK" },
    { "open of 1 byte", (const guint8 *) "\x03", 1, "truncated" },
    { "open of 11 bytes", (const guint8 *) "\x03\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00", 11,
      "truncated" },
    { "bad channel type", (const guint8 *) "\x03\x03\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00", 12,
      "unknown channel type 0x03" },
    { "bad unordered type", (const guint8 *) "\x03\x83\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00", 12,
      "unknown channel type 0x83" },
    { "bad high bit type", (const guint8 *) "\x03\x40\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00", 12,
      "unknown channel type 0x40" },
    { "label past end", (const guint8 *) "\x03\x00\x01\x00\x00\x00\x00\x00\x00\x05\x00\x00mesh", 16,
      "run past the end" },
    { "protocol past end", (const guint8 *) "\x03\x00\x01\x00\x00\x00\x00\x00\x00\x04\x00\x01mesh",
      16, "run past the end" },
    { "huge lengths", (const guint8 *) "\x03\x00\x01\x00\x00\x00\x00\x00\xff\xff\xff\xff", 12,
      "run past the end" },
    { "label not utf-8",
      (const guint8 *) "\x03\x00\x01\x00\x00\x00\x00\x00\x00\x02\x00\x00\xc3\x28", 14,
      "label is not valid UTF-8" },
    { "label with nul",
      (const guint8 *) "\x03\x00\x01\x00\x00\x00\x00\x00\x00\x02\x00\x00"
                       "a\0",
      14, "label is not valid UTF-8" },
    { "protocol not utf-8", (const guint8 *) "\x03\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x01\xff",
      13, "protocol is not valid UTF-8" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (WeftDcepMessage) msg = NULL;
      /* copy to the heap so that the sanitizers catch any read past the end */
      g_autofree guint8 *copy = g_memdup2 (cases[i].data, cases[i].len);

      msg = weft_dcep_decode (copy, cases[i].len, &error);
      g_test_message ("%s: %s", cases[i].name, error != NULL ? error->message : "decoded");
      g_assert_null (msg);
      g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("%s: expected “%s” in “%s”", cases[i].name, cases[i].message, error->message);
    }
}

static void
test_dcep_decode_truncations (void)
{
  /* every strict prefix of a valid OPEN is rejected, none reads past its end */
  g_autoptr (GBytes) bytes = weft_dcep_encode_open (WEFT_DCEP_CHANNEL_PARTIAL_RELIABLE_TIMED, 256,
                                                    100, "label", "protocol", NULL);
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  for (gsize n = 0; n < len; n++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree guint8 *copy = g_memdup2 (data, n);
      g_autoptr (WeftDcepMessage) msg = weft_dcep_decode (copy, n, &error);

      g_assert_null (msg);
      g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA);
    }
}

static void
test_dcep_trailing_bytes (void)
{
  static const guint8 data[] = { 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
                                 0x00, 0x00, 0x01, 0x00, 0x00, 'x',  'y' };
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftDcepMessage) msg = weft_dcep_decode (data, sizeof data, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (msg->label, ==, "x");
}

static void
test_dcep_channel_types (void)
{
  guint32 param = 99;

  g_assert_cmpint (weft_dcep_channel_type_from_options (TRUE, -1, -1, &param), ==,
                   WEFT_DCEP_CHANNEL_RELIABLE);
  g_assert_cmpuint (param, ==, 0);
  g_assert_cmpint (weft_dcep_channel_type_from_options (FALSE, -1, -1, &param), ==,
                   WEFT_DCEP_CHANNEL_RELIABLE_UNORDERED);
  g_assert_cmpint (weft_dcep_channel_type_from_options (FALSE, 0, -1, &param), ==,
                   WEFT_DCEP_CHANNEL_PARTIAL_RELIABLE_REXMIT_UNORDERED);
  g_assert_cmpuint (param, ==, 0);
  g_assert_cmpint (weft_dcep_channel_type_from_options (TRUE, 5, -1, &param), ==,
                   WEFT_DCEP_CHANNEL_PARTIAL_RELIABLE_REXMIT);
  g_assert_cmpuint (param, ==, 5);
  g_assert_cmpint (weft_dcep_channel_type_from_options (TRUE, -1, 3000, &param), ==,
                   WEFT_DCEP_CHANNEL_PARTIAL_RELIABLE_TIMED);
  g_assert_cmpuint (param, ==, 3000);
  g_assert_cmpint (weft_dcep_channel_type_from_options (FALSE, -1, 10, NULL), ==,
                   WEFT_DCEP_CHANNEL_PARTIAL_RELIABLE_TIMED_UNORDERED);

  g_assert_true (weft_dcep_channel_type_is_ordered (WEFT_DCEP_CHANNEL_PARTIAL_RELIABLE_TIMED));
  g_assert_false (weft_dcep_channel_type_is_ordered (WEFT_DCEP_CHANNEL_RELIABLE_UNORDERED));
  for (guint t = 0; t < 256; t++)
    {
      gboolean valid = t == 0x00 || t == 0x01 || t == 0x02 || t == 0x80 || t == 0x81 || t == 0x82;

      g_assert_cmpint (weft_dcep_channel_type_is_valid ((guint8) t), ==, valid);
    }
}

static void
test_dcep_ppid (void)
{
  static const struct
  {
    guint32 ppid;
    gboolean is_text;
    gboolean is_empty;
    gboolean partial;
  } data_ppids[] = {
    { 51, TRUE, FALSE, FALSE }, { 52, TRUE, FALSE, TRUE }, { 53, FALSE, FALSE, FALSE },
    { 54, FALSE, FALSE, TRUE }, { 56, TRUE, TRUE, FALSE }, { 57, FALSE, TRUE, FALSE },
  };
  static const guint32 bad_ppids[] = { 0, 1, 49, 50, 55, 58, 0xffffffff };

  g_assert_cmpuint (WEFT_DCEP_PPID_CONTROL, ==, 50);
  g_assert_cmpuint (weft_dcep_ppid_for_message (TRUE, FALSE), ==, 51);
  g_assert_cmpuint (weft_dcep_ppid_for_message (FALSE, FALSE), ==, 53);
  /* RFC 8831 §8: 56 is the empty string, 57 the empty binary message */
  g_assert_cmpuint (weft_dcep_ppid_for_message (TRUE, TRUE), ==, 56);
  g_assert_cmpuint (weft_dcep_ppid_for_message (FALSE, TRUE), ==, 57);

  for (gsize i = 0; i < G_N_ELEMENTS (data_ppids); i++)
    {
      g_autoptr (GError) error = NULL;
      gboolean is_text = !data_ppids[i].is_text;
      gboolean is_empty = !data_ppids[i].is_empty;

      g_assert_true (weft_dcep_ppid_parse (data_ppids[i].ppid, &is_text, &is_empty, &error));
      g_assert_no_error (error);
      g_assert_cmpint (is_text, ==, data_ppids[i].is_text);
      g_assert_cmpint (is_empty, ==, data_ppids[i].is_empty);
      g_assert_cmpint (weft_dcep_ppid_is_partial (data_ppids[i].ppid), ==, data_ppids[i].partial);
      /* what we send maps back to itself */
      if (!data_ppids[i].partial)
        g_assert_cmpuint (weft_dcep_ppid_for_message (is_text, is_empty), ==, data_ppids[i].ppid);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad_ppids); i++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_false (weft_dcep_ppid_parse (bad_ppids[i], NULL, NULL, &error));
      g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA);
    }
}

static void
test_dcep_stream_parity (void)
{
  /* DTLS client (a=setup:active) even, server odd */
  g_assert_cmpuint (weft_dcep_stream_id_first_for_role (TRUE), ==, 0);
  g_assert_cmpuint (weft_dcep_stream_id_first_for_role (FALSE), ==, 1);
  for (guint id = 0; id < 64; id++)
    {
      g_assert_cmpint (weft_dcep_stream_id_valid_for_role (id, TRUE), ==, id % 2 == 0);
      g_assert_cmpint (weft_dcep_stream_id_valid_for_role (id, FALSE), ==, id % 2 == 1);
    }
  g_assert_true (weft_dcep_stream_id_valid_for_role (65534, TRUE));
  g_assert_true (weft_dcep_stream_id_valid_for_role (65533, FALSE));
  /* 65535 is reserved, larger ids do not exist */
  g_assert_false (weft_dcep_stream_id_valid_for_role (65535, FALSE));
  g_assert_false (weft_dcep_stream_id_valid_for_role (65536, TRUE));
  /* observed: Chromium offerer + aiortc active answerer opens on id 1 from
   * Chromium's side, the DTLS server */
  g_assert_true (weft_dcep_stream_id_valid_for_role (1, FALSE));
  g_assert_false (weft_dcep_stream_id_valid_for_role (1, TRUE));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/weft/dcep/encode-open", test_dcep_encode_open);
  g_test_add_func ("/weft/dcep/round-trip", test_dcep_round_trip);
  g_test_add_func ("/weft/dcep/null-strings", test_dcep_null_strings);
  g_test_add_func ("/weft/dcep/ack", test_dcep_ack);
  g_test_add_func ("/weft/dcep/encode-errors", test_dcep_encode_errors);
  g_test_add_func ("/weft/dcep/decode-invalid", test_dcep_decode_invalid);
  g_test_add_func ("/weft/dcep/decode-truncations", test_dcep_decode_truncations);
  g_test_add_func ("/weft/dcep/trailing-bytes", test_dcep_trailing_bytes);
  g_test_add_func ("/weft/dcep/channel-types", test_dcep_channel_types);
  g_test_add_func ("/weft/dcep/ppid", test_dcep_ppid);
  g_test_add_func ("/weft/dcep/stream-parity", test_dcep_stream_parity);

  return g_test_run ();
}
