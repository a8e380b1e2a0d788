/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "weft.h"

static void
test_message_round_trip (void)
{
  g_autoptr (JsonNode) payload = json_from_string ("{\"message\":\"hi\",\"skill\":\"echo\"}", NULL);
  g_autoptr (WeftMessage) msg = NULL;
  g_autoptr (WeftMessage) back = NULL;
  g_autofree gchar *data = NULL;
  g_autofree gchar *payload_json = NULL;
  gsize length = 0;

  msg = weft_message_new ("task_request", "9f3c2a1b7d4e", "alpha", "beta", payload);
  data = weft_message_to_data (msg, &length);
  g_assert_cmpuint (length, ==, strlen (data));
  /* all five keys, in the reference's order */
  g_assert_cmpstr (data, ==,
                   "{\"type\":\"task_request\",\"request_id\":\"9f3c2a1b7d4e\","
                   "\"source_agent\":\"alpha\",\"target_agent\":\"beta\","
                   "\"payload\":{\"message\":\"hi\",\"skill\":\"echo\"}}");

  back = weft_message_new_from_data (data, -1, NULL);
  g_assert_nonnull (back);
  g_assert_cmpstr (weft_message_get_message_type (back), ==, "task_request");
  g_assert_cmpstr (weft_message_get_request_id (back), ==, "9f3c2a1b7d4e");
  g_assert_cmpstr (weft_message_get_source_agent (back), ==, "alpha");
  g_assert_cmpstr (weft_message_get_target_agent (back), ==, "beta");
  g_assert_true (json_node_equal (weft_message_get_payload (back), payload));
  payload_json = weft_message_dup_payload_json (back);
  g_assert_cmpstr (payload_json, ==, "{\"message\":\"hi\",\"skill\":\"echo\"}");
}

static void
test_message_defaults (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftMessage) msg = NULL;
  g_autofree gchar *data = NULL;
  g_autofree gchar *payload_json = NULL;

  /* only type is required; extra members are ignored */
  msg = weft_message_new_from_data ("{\"type\":\"ping\",\"extra\":[1,2]}", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (weft_message_get_request_id (msg), ==, "");
  g_assert_cmpstr (weft_message_get_source_agent (msg), ==, "");
  g_assert_cmpstr (weft_message_get_target_agent (msg), ==, "");
  g_assert_null (weft_message_get_payload (msg));
  payload_json = weft_message_dup_payload_json (msg);
  g_assert_cmpstr (payload_json, ==, "null");
  data = weft_message_to_data (msg, NULL);
  g_assert_cmpstr (data, ==,
                   "{\"type\":\"ping\",\"request_id\":\"\",\"source_agent\":\"\","
                   "\"target_agent\":\"\",\"payload\":null}");
}

static void
test_message_scalar_payloads (void)
{
  const gchar *inputs[] = {
    "{\"type\":\"t\",\"payload\":\"text\"}",
    "{\"type\":\"t\",\"payload\":42}",
    "{\"type\":\"t\",\"payload\":[true,null]}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (WeftMessage) msg = weft_message_new_from_data (inputs[i], -1, &error);
      g_autoptr (WeftMessage) again = NULL;
      g_autofree gchar *data = NULL;

      g_assert_no_error (error);
      g_assert_nonnull (weft_message_get_payload (msg));
      data = weft_message_to_data (msg, NULL);
      again = weft_message_new_from_data (data, -1, &error);
      g_assert_no_error (error);
      g_assert_true (
        json_node_equal (weft_message_get_payload (msg), weft_message_get_payload (again)));
    }
}

typedef struct
{
  const gchar *input;
  gint code;
  const gchar *fragment;
} BadCase;

static void
test_message_malformed (void)
{
  const BadCase cases[] = {
    { "not json", WEFT_ERROR_INVALID_DATA, "not valid JSON" },
    { "{\"type\":", WEFT_ERROR_INVALID_DATA, "not valid JSON" },
    { "", WEFT_ERROR_INVALID_DATA, "empty" },
    { "   ", WEFT_ERROR_INVALID_DATA, "" },
    { "[1,2]", WEFT_ERROR_INVALID_ARGUMENT, "JSON object, not an array" },
    { "\"ping\"", WEFT_ERROR_INVALID_ARGUMENT, "not a string" },
    { "{}", WEFT_ERROR_INVALID_ARGUMENT, "no “type” field" },
    { "{\"payload\":{}}", WEFT_ERROR_INVALID_ARGUMENT, "“type”" },
    { "{\"type\":7}", WEFT_ERROR_INVALID_ARGUMENT, "“type” must be a string, not an integer" },
    { "{\"type\":\"\"}", WEFT_ERROR_INVALID_ARGUMENT, "must not be empty" },
    { "{\"type\":null}", WEFT_ERROR_INVALID_ARGUMENT, "not null" },
    { "{\"type\":\"t\",\"request_id\":5}", WEFT_ERROR_INVALID_ARGUMENT, "“request_id”" },
    { "{\"type\":\"t\",\"source_agent\":{}}", WEFT_ERROR_INVALID_ARGUMENT,
      "“source_agent” must be a string, not an object" },
    { "{\"type\":\"t\",\"target_agent\":true}", WEFT_ERROR_INVALID_ARGUMENT, "not a boolean" },
    { "{\"type\":\"\xff\xfe\"}", WEFT_ERROR_INVALID_DATA, "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (WeftMessage) msg = weft_message_new_from_data (cases[i].input, -1, &error);
      /* escaped: the TAP output must stay UTF-8 when the input is not */
      g_autofree gchar *shown = g_strescape (cases[i].input, NULL);

      g_test_message ("case %u: %s", i, shown);
      g_assert_null (msg);
      g_assert_error (error, WEFT_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].fragment));
    }
}

/* json-glib recurses without a limit: deep nesting used to exhaust the stack */
static void
test_message_deep_nesting (void)
{
  g_autoptr (GString) deep = g_string_new ("{\"type\":\"t\",\"payload\":");
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftMessage) msg = NULL;

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  msg = weft_message_new_from_data (deep->str, (gssize) deep->len, &error);
  g_assert_null (msg);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "nested deeper"));
}

/* json-glib reads 1e999 as infinity and would write it back as "inf.0" */
static void
test_message_unwritable_number (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftMessage) msg = NULL;

  msg = weft_message_new_from_data ("{\"type\":\"t\",\"payload\":{\"n\":1e999}}", -1, &error);
  g_assert_null (msg);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "payload"));
}

static void
test_message_size_limit (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) big = g_string_new ("{\"type\":\"t\",\"payload\":\"");
  g_autoptr (WeftMessage) msg = NULL;
  g_autoptr (WeftMessage) small = NULL;

  while (big->len < WEFT_MESSAGE_DEFAULT_MAX_SIZE)
    g_string_append (big, "xxxxxxxxxxxxxxxx");
  g_string_append (big, "\"}");

  msg = weft_message_new_from_data (big->str, (gssize) big->len, &error);
  g_assert_null (msg);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "limit"));
  g_clear_error (&error);

  /* exactly at the limit is fine */
  small = weft_message_new_from_data_with_limit ("{\"type\":\"t\"}", -1, 12, &error);
  g_assert_no_error (error);
  g_assert_nonnull (small);
  g_clear_object (&small);
  small = weft_message_new_from_data_with_limit ("{\"type\":\"t\"}", -1, 11, &error);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_TOO_LARGE);
}

static void
test_message_request_id (void)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (WeftMessage) msg = weft_message_new_request ("task_request", "a", "b", NULL);

  g_assert_true (weft_message_request_id_is_valid (weft_message_get_request_id (msg)));
  for (guint i = 0; i < 1000; i++)
    {
      gchar *id = weft_message_generate_request_id ();

      g_assert_true (weft_message_request_id_is_valid (id));
      g_assert_false (g_hash_table_contains (seen, id));
      g_hash_table_add (seen, id);
    }
  g_assert_false (weft_message_request_id_is_valid (NULL));
  g_assert_false (weft_message_request_id_is_valid ("9f3c2a1b7d4"));
  g_assert_false (weft_message_request_id_is_valid ("9F3C2A1B7D4E"));
  g_assert_false (weft_message_request_id_is_valid ("9f3c2a1b7d4g"));
}

static void
notify_cb (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  guint *count = user_data;
  (*count)++;
}

static void
test_message_setters_notify (void)
{
  g_autoptr (WeftMessage) msg = weft_message_new ("agent_prompt", NULL, NULL, NULL, NULL);
  g_autoptr (JsonNode) payload = json_from_string ("{\"message\":\"x\",\"broadcast\":true}", NULL);
  guint count = 0;

  g_signal_connect (msg, "notify", G_CALLBACK (notify_cb), &count);
  weft_message_set_target_agent (msg, "*");
  weft_message_set_target_agent (msg, "*");
  g_assert_cmpuint (count, ==, 1);
  weft_message_set_payload (msg, payload);
  g_assert_cmpuint (count, ==, 2);
  weft_message_set_request_id (msg, NULL);
  g_assert_cmpuint (count, ==, 2);
  g_assert_cmpstr (weft_message_get_target_agent (msg), ==, "*");
  g_assert_true (json_node_equal (weft_message_get_payload (msg), payload));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/weft/message/round-trip", test_message_round_trip);
  g_test_add_func ("/weft/message/defaults", test_message_defaults);
  g_test_add_func ("/weft/message/scalar-payloads", test_message_scalar_payloads);
  g_test_add_func ("/weft/message/malformed", test_message_malformed);
  g_test_add_func ("/weft/message/size-limit", test_message_size_limit);
  g_test_add_func ("/weft/message/deep-nesting", test_message_deep_nesting);
  g_test_add_func ("/weft/message/unwritable-number", test_message_unwritable_number);
  g_test_add_func ("/weft/message/request-id", test_message_request_id);
  g_test_add_func ("/weft/message/setters-notify", test_message_setters_notify);

  return g_test_run ();
}
