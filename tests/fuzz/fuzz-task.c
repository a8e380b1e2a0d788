/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* WeftTask's decoders: the submit and update bodies of the task endpoints
 * and the task object itself; every input goes through all three */
#include "config.h"

#include "weft.h"
#include "weft-json-private.h"
#include "fuzz-common.h"

static void
assert_decoder_error (const GError *error)
{
  g_assert_nonnull (error);
  g_assert_true (error->domain == WEFT_ERROR);
  g_assert_true (error->code == WEFT_ERROR_INVALID_DATA ||
                 error->code == WEFT_ERROR_INVALID_ARGUMENT);
  g_assert_true (error->message != NULL && error->message[0] != '\0');
}

/* what we write for a task reads back as the same task */
static void
assert_round_trip (WeftTask *task)
{
  g_autoptr (JsonNode) node = weft_task_to_json_node (task);
  g_autofree gchar *text = json_to_string (node, FALSE);
  g_autoptr (JsonNode) parsed = json_from_string (text, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftTask) again = NULL;
  g_autoptr (JsonNode) node_again = NULL;

  g_assert_nonnull (parsed);
  again = weft_task_new_from_json_node (parsed, &error);
  g_assert_no_error (error);
  node_again = weft_task_to_json_node (again);
  g_assert_true (json_node_equal (node, node_again));
}

static void
fuzz_submission (const gchar *data, gsize size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftTask) task = weft_task_new_from_submission (data, (gssize) size, 1000.5, &error);

  if (task == NULL)
    {
      assert_decoder_error (error);
      return;
    }
  g_assert_cmpint (weft_task_get_state (task), ==, WEFT_TASK_STATE_PENDING);
  g_assert_true (weft_task_id_is_valid (weft_task_get_id (task)));
  assert_round_trip (task);
}

static void
fuzz_update (const gchar *data, gsize size)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *result = NULL;
  g_autofree gchar *error_text = NULL;
  WeftTaskState state;
  g_autoptr (WeftTask) task = weft_task_new ("echo", NULL, NULL, NULL, 60, 1000.0);

  if (!weft_task_parse_update (data, (gssize) size, &state, &result, &error_text, &error))
    {
      assert_decoder_error (error);
      return;
    }
  g_assert_cmpstr (weft_task_state_to_string (state), !=, "unknown");

  /* whatever the body asks for, the state machine answers cleanly */
  g_assert_true (weft_task_assign (task, "beta", 1001.0, NULL));
  if (!weft_task_transition (task, state, "beta", result, error_text, 1002.0, &error))
    g_assert_true (error->domain == WEFT_ERROR);
  assert_round_trip (task);
}

static void
fuzz_task_object (const gchar *data, gsize size)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftTask) task = NULL;

  /* the same guard the decoders use; json-glib alone would overflow the stack */
  if (!weft_json_check_depth (data, size, WEFT_JSON_MAX_DEPTH, NULL) ||
      !json_parser_load_from_data (parser, data, (gssize) size, NULL) ||
      json_parser_get_root (parser) == NULL)
    return;
  task = weft_task_new_from_json_node (json_parser_get_root (parser), &error);
  if (task == NULL)
    {
      assert_decoder_error (error);
      return;
    }
  assert_round_trip (task);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  fuzz_submission ((const gchar *) data, size);
  fuzz_update ((const gchar *) data, size);
  fuzz_task_object ((const gchar *) data, size);
  return 0;
}
