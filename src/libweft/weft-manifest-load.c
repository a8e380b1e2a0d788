/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* turns the bytes of a manifest into a WeftManifest: parsing, AGENT.md, derived
 * values and the formatted list of problems */
#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "weft-error.h"
#include "weft-manifest-private.h"

static gint
problem_compare (gconstpointer a, gconstpointer b)
{
  const WeftManifestProblem *pa = *(const WeftManifestProblem *const *) a;
  const WeftManifestProblem *pb = *(const WeftManifestProblem *const *) b;

  /* problems without a position (AGENT.md) go last */
  if ((pa->line == 0) != (pb->line == 0))
    return pa->line == 0 ? 1 : -1;
  if (pa->line != pb->line)
    return pa->line < pb->line ? -1 : 1;
  if (pa->column != pb->column)
    return pa->column < pb->column ? -1 : 1;
  return 0;
}

static WeftError
io_error_to_weft (const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return WEFT_ERROR_NOT_FOUND;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
    return WEFT_ERROR_PERMISSION_DENIED;
  return WEFT_ERROR_FAILED;
}

/* reads at most WEFT_MANIFEST_MAX_SIZE bytes, never more, whatever the file is */
GBytes *
weft_manifest_read_bounded (const gchar *path, GError **error)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileInputStream) stream = NULL;
  g_autoptr (GByteArray) buffer = g_byte_array_new ();
  g_autoptr (GError) local_error = NULL;
  guint8 chunk[16384];
  gsize n_read;

  stream = g_file_read (file, NULL, &local_error);
  if (stream == NULL)
    {
      g_set_error (error, WEFT_ERROR, io_error_to_weft (local_error), _ ("Cannot read %s: %s"),
                   path, local_error->message);
      return NULL;
    }
  do
    {
      if (!g_input_stream_read_all (G_INPUT_STREAM (stream), chunk, sizeof chunk, &n_read, NULL,
                                    &local_error))
        {
          g_set_error (error, WEFT_ERROR, io_error_to_weft (local_error), _ ("Cannot read %s: %s"),
                       path, local_error->message);
          return NULL;
        }
      if (buffer->len + n_read > WEFT_MANIFEST_MAX_SIZE)
        {
          g_set_error (error, WEFT_ERROR, WEFT_ERROR_TOO_LARGE,
                       _ ("%s is larger than the limit of %u bytes"), path,
                       (guint) WEFT_MANIFEST_MAX_SIZE);
          return NULL;
        }
      g_byte_array_append (buffer, chunk, (guint) n_read);
    }
  while (n_read == sizeof chunk);
  return g_byte_array_free_to_bytes (g_steal_pointer (&buffer));
}

static void
add_problem (GPtrArray *problems, gchar *message)
{
  WeftManifestProblem *problem = g_new0 (WeftManifestProblem, 1);

  problem->message = message;
  g_ptr_array_add (problems, problem);
}

static void
read_agent_md (WeftManifest *self, GPtrArray *problems)
{
  g_autofree gchar *path = g_build_filename (self->base_dir, "AGENT.md", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  gsize size = 0;
  const gchar *data;

  bytes = weft_manifest_read_bounded (path, &error);
  if (bytes == NULL)
    {
      /* AGENT.md is optional */
      if (!g_error_matches (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND))
        add_problem (problems, g_strdup (error->message));
      return;
    }
  data = g_bytes_get_data (bytes, &size);
  if (!g_utf8_validate_len (data, size, NULL))
    {
      add_problem (problems, g_strdup_printf (_ ("%s is not valid UTF-8 text"), path));
      return;
    }
  self->agent_md = g_strndup (data, size);
}

static void
build_system_prompt (WeftManifest *self)
{
  g_autofree gchar *prompt = g_strstrip (g_strdup (self->prompt));
  g_autofree gchar *agent_md = g_strstrip (g_strdup (self->agent_md != NULL ? self->agent_md : ""));

  g_free (self->system_prompt);
  if (prompt[0] != '\0' && agent_md[0] != '\0')
    self->system_prompt = g_strconcat (prompt, "\n\n", agent_md, NULL);
  else
    self->system_prompt = g_strdup (prompt[0] != '\0' ? prompt : agent_md);
}

WeftManifest *
weft_manifest_assemble (const gchar *data, gsize length, const gchar *path, const gchar *base_dir)
{
  g_autoptr (WeftManifest) self = g_object_new (WEFT_TYPE_MANIFEST, NULL);
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (weft_manifest_problem_free);
  g_autoptr (WeftYamlDocument) doc = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *display = path != NULL ? g_path_get_basename (path) : NULL;
  guint line = 0;
  guint column = 0;

  self->path = g_strdup (path);
  self->base_dir = g_strdup (base_dir);

  doc = weft_yaml_document_parse (data, length, &line, &column, &error);
  if (doc != NULL)
    {
      weft_manifest_read_document (self, doc->root, problems);
    }
  else
    {
      WeftManifestProblem *problem = g_new0 (WeftManifestProblem, 1);

      problem->line = line;
      problem->column = column;
      problem->message = g_strdup (error->message);
      g_ptr_array_add (problems, problem);
      self->invalid_yaml = TRUE;
    }

  if (self->base_dir != NULL)
    read_agent_md (self, problems);
  build_system_prompt (self);
  if (self->device_token_file == NULL)
    self->device_token_file =
      g_build_filename (g_get_user_state_dir (), "weft", self->name, "device-token", NULL);

  g_ptr_array_sort (problems, problem_compare);
  g_strfreev (self->errors);
  self->errors = g_new0 (gchar *, problems->len + 1);
  for (guint i = 0; i < problems->len; i++)
    {
      const WeftManifestProblem *problem = g_ptr_array_index (problems, i);

      if (problem->line == 0)
        self->errors[i] = g_strdup (problem->message);
      else if (display != NULL)
        self->errors[i] = g_strdup_printf ("%s:%u:%u: %s", display, problem->line, problem->column,
                                           problem->message);
      else
        self->errors[i] =
          g_strdup_printf ("%u:%u: %s", problem->line, problem->column, problem->message);
    }
  return g_steal_pointer (&self);
}
