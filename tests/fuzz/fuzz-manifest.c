/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "weft.h"
#include "fuzz-common.h"

/* every problem of a manifest read from memory carries a 1-based line:column */
static void
check_positions (const gchar *const *errors)
{
  for (guint i = 0; errors[i] != NULL; i++)
    {
      guint64 line = 0;
      guint64 column = 0;
      gchar *end = NULL;

      line = g_ascii_strtoull (errors[i], &end, 10);
      g_assert_true (line >= 1 && *end == ':');
      column = g_ascii_strtoull (end + 1, &end, 10);
      g_assert_true (column >= 1 && *end == ':');
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftManifest) lenient = NULL;
  g_autoptr (WeftManifest) strict = NULL;
  const gchar *const *errors;

  lenient = weft_manifest_load_data ((const gchar *) data, (gssize) size, NULL, &error);
  if (lenient == NULL)
    {
      g_assert_error (error, WEFT_ERROR, WEFT_ERROR_TOO_LARGE);
      return 0;
    }
  errors = weft_manifest_get_errors (lenient);
  check_positions (errors);

  /* whatever was read, every getter answers with something usable */
  g_assert_nonnull (weft_manifest_get_name (lenient));
  g_assert_nonnull (weft_manifest_get_registry (lenient));
  g_assert_nonnull (weft_manifest_get_provider (lenient));
  g_assert_nonnull (weft_manifest_get_system_prompt (lenient));
  g_assert_nonnull (weft_manifest_get_api_key (lenient));
  g_assert_nonnull (weft_manifest_get_device_token_file (lenient));
  g_assert_nonnull (weft_manifest_get_builtin_skills (lenient));
  g_assert_nonnull (weft_manifest_get_skill_dirs (lenient));
  g_assert_nonnull (weft_manifest_get_disabled_skills (lenient));
  g_assert_nonnull (weft_manifest_get_labels (lenient));
  g_assert_cmpuint (weft_manifest_get_heartbeat_interval (lenient), >=, 1);
  g_assert_cmpuint (weft_manifest_get_max_concurrent_tasks (lenient), >=, 1);

  /* the strict constructor fails exactly when the lenient one found problems */
  strict = weft_manifest_new_from_data ((const gchar *) data, (gssize) size, NULL, &error);
  if (errors[0] == NULL)
    {
      g_assert_no_error (error);
      g_assert_nonnull (strict);
      g_assert_cmpstr (weft_manifest_get_name (strict), ==, weft_manifest_get_name (lenient));
    }
  else
    {
      g_assert_null (strict);
      g_assert_nonnull (error);
      g_assert_true (g_str_has_prefix (error->message, errors[0]));
    }
  return 0;
}
