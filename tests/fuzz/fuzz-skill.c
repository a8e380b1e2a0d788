/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "weft.h"
#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftSkill) skill = NULL;

  skill = weft_skill_new_from_data ((const gchar *) data, (gssize) size, &error);
  if (skill != NULL)
    {
      g_autoptr (JsonNode) node = weft_skill_to_json_node (skill);
      g_autoptr (WeftSkill) again = weft_skill_new_from_json_node (node, &error);
      g_autoptr (JsonNode) node_again = NULL;
      g_autoptr (JsonNode) validated = NULL;
      g_autoptr (GError) validate_error = NULL;

      /* what we write we must read back, unchanged */
      g_assert_no_error (error);
      g_assert_nonnull (again);
      node_again = weft_skill_to_json_node (again);
      g_assert_true (json_node_equal (node, node_again));

      /* and as text, which is how it crosses the registry and D-Bus */
      {
        g_autofree gchar *text = json_to_string (node, FALSE);
        g_autoptr (WeftSkill) from_text = weft_skill_new_from_data (text, -1, &error);
        g_autoptr (JsonNode) node_text = NULL;

        g_assert_no_error (error);
        node_text = weft_skill_to_json_node (from_text);
        g_assert_true (json_node_equal (node, node_text));
      }

      /* a call without arguments either fits the schema or is refused cleanly */
      validated = weft_skill_validate_arguments (skill, NULL, &validate_error);
      g_assert_true ((validated != NULL) != (validate_error != NULL));
    }
  else
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == WEFT_ERROR);
    }
  return 0;
}
