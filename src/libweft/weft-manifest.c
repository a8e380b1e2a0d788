/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "weft-error.h"
#include "weft-manifest-private.h"

/**
 * WeftManifest:
 *
 * An agent's configuration, read from agent.yaml.
 *
 * The manifest has every key of the chatixia agent.yaml, with the same defaults,
 * and a `weft:` section for settings only Weft has; docs/manifest.md describes
 * each key. The prompt is joined with an `AGENT.md` found beside the manifest.
 *
 * There are two ways to load one. [ctor@Weft.Manifest.new_from_file] and
 * [ctor@Weft.Manifest.new_from_data] fail when the manifest has any problem and
 * put every problem in the error message. [ctor@Weft.Manifest.load_file] and
 * [ctor@Weft.Manifest.load_data] only fail when the file cannot be read at all;
 * they return the manifest with its problems in [method@Weft.Manifest.get_errors],
 * one string per problem of the form `agent.yaml:4:11: 'provider': ...`, for a
 * tool that reports them all.
 *
 * Since: 0.1
 */

G_DEFINE_FINAL_TYPE (WeftManifest, weft_manifest, G_TYPE_OBJECT)

static void
weft_manifest_finalize (GObject *object)
{
  WeftManifest *self = WEFT_MANIFEST (object);

  g_free (self->path);
  g_free (self->base_dir);
  g_free (self->name);
  g_free (self->description);
  g_free (self->registry);
  g_free (self->provider);
  g_free (self->model);
  g_free (self->prompt);
  g_free (self->agent_md);
  g_free (self->system_prompt);
  g_free (self->sidecar_binary);
  g_free (self->sidecar_api_key);
  g_free (self->sidecar_socket);
  g_strfreev (self->builtin_skills);
  g_strfreev (self->skill_dirs);
  g_strfreev (self->disabled_skills);
  g_free (self->data_dir);
  g_free (self->api_key);
  g_free (self->device_token_file);
  g_hash_table_unref (self->labels);
  g_strfreev (self->errors);

  G_OBJECT_CLASS (weft_manifest_parent_class)->finalize (object);
}

static void
weft_manifest_class_init (WeftManifestClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = weft_manifest_finalize;
}

static void
weft_manifest_init (WeftManifest *self)
{
  self->name = g_strdup (WEFT_MANIFEST_DEFAULT_NAME);
  self->description = g_strdup ("");
  self->registry = g_strdup (WEFT_MANIFEST_DEFAULT_REGISTRY);
  self->provider = g_strdup (WEFT_MANIFEST_DEFAULT_PROVIDER);
  self->model = g_strdup ("");
  self->prompt = g_strdup ("");
  self->system_prompt = g_strdup ("");
  self->sidecar_binary = g_strdup (WEFT_MANIFEST_DEFAULT_SIDECAR_BINARY);
  self->sidecar_api_key = g_strdup (WEFT_MANIFEST_DEFAULT_SIDECAR_API_KEY);
  self->sidecar_socket = g_strdup (WEFT_MANIFEST_DEFAULT_SIDECAR_SOCKET);
  self->builtin_skills = g_new0 (gchar *, 1);
  self->skill_dirs = g_new0 (gchar *, 1);
  self->disabled_skills = g_new0 (gchar *, 1);
  self->data_dir = g_strdup (WEFT_MANIFEST_DEFAULT_DATA_DIR);
  self->max_turns = WEFT_MANIFEST_DEFAULT_MAX_TURNS;
  self->context_window = WEFT_MANIFEST_DEFAULT_CONTEXT_WINDOW;
  self->heartbeat_interval = WEFT_MANIFEST_DEFAULT_HEARTBEAT_INTERVAL;
  self->max_concurrent_tasks = WEFT_MANIFEST_DEFAULT_MAX_CONCURRENT_TASKS;
  self->connect_mode = WEFT_CONNECT_MODE_ON_DEMAND;
  self->idle_timeout = WEFT_MANIFEST_DEFAULT_IDLE_TIMEOUT;
  self->task_timeout = WEFT_MANIFEST_DEFAULT_TASK_TIMEOUT;
  self->dbus_enabled = TRUE;
  self->labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->errors = g_new0 (gchar *, 1);
}

/**
 * weft_manifest_load_file: (constructor)
 * @path: (type filename): an agent.yaml, or a directory holding agent.yaml or agent.yml
 * @error: return location for a #GError
 *
 * Reads a manifest and keeps it even when it has problems, so that a tool can report
 * all of them with [method@Weft.Manifest.get_errors]; fields with a problem keep their
 * defaults. A directory is searched for `agent.yaml`, then `agent.yml`. `AGENT.md`
 * beside the manifest is read too.
 *
 * This fails only when there is nothing to read: no such file (%WEFT_ERROR_NOT_FOUND),
 * a directory with neither name in it (%WEFT_ERROR_NOT_FOUND), a file larger than
 * %WEFT_MANIFEST_MAX_SIZE (%WEFT_ERROR_TOO_LARGE), or an I/O error.
 *
 * Returns: (transfer full): the manifest, or %NULL with @error set
 *
 * Since: 0.1
 */
WeftManifest *
weft_manifest_load_file (const gchar *path, GError **error)
{
  g_autofree gchar *file = NULL;
  g_autofree gchar *base_dir = NULL;
  g_autoptr (GBytes) bytes = NULL;
  gsize size = 0;
  const gchar *data;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  file = g_canonicalize_filename (path, NULL);
  if (g_file_test (file, G_FILE_TEST_IS_DIR))
    {
      g_autofree gchar *yaml = g_build_filename (file, "agent.yaml", NULL);
      g_autofree gchar *yml = g_build_filename (file, "agent.yml", NULL);

      if (g_file_test (yaml, G_FILE_TEST_EXISTS))
        {
          g_free (file);
          file = g_steal_pointer (&yaml);
        }
      else if (g_file_test (yml, G_FILE_TEST_EXISTS))
        {
          g_free (file);
          file = g_steal_pointer (&yml);
        }
      else
        {
          g_set_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND,
                       _ ("No manifest in %s: tried agent.yaml and agent.yml"), file);
          return NULL;
        }
    }
  else if (!g_file_test (file, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND,
                   _ ("No manifest at %s (create one with `weft init`)"), file);
      return NULL;
    }

  bytes = weft_manifest_read_bounded (file, error);
  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &size);
  base_dir = g_path_get_dirname (file);
  return weft_manifest_assemble (data != NULL ? data : "", size, file, base_dir);
}

/**
 * weft_manifest_load_data: (constructor)
 * @data: the YAML text of an agent.yaml
 * @length: the length of @data in bytes, or -1 if it is nul-terminated
 * @base_dir: (type filename) (nullable): the directory relative paths resolve against
 *   and where `AGENT.md` is looked for, or %NULL for neither
 * @error: return location for a #GError
 *
 * Like [ctor@Weft.Manifest.load_file] for a manifest held in memory: the manifest is
 * returned even when it has problems, see [method@Weft.Manifest.get_errors]. The
 * problems have no file name, only `line:column: `.
 *
 * Returns: (transfer full): the manifest, or %NULL with @error set when @data is
 *   larger than %WEFT_MANIFEST_MAX_SIZE
 *
 * Since: 0.1
 */
WeftManifest *
weft_manifest_load_data (const gchar *data, gssize length, const gchar *base_dir, GError **error)
{
  g_autofree gchar *dir = NULL;
  gsize size;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  size = length < 0 ? strlen (data) : (gsize) length;
  if (size > WEFT_MANIFEST_MAX_SIZE)
    {
      g_autofree gchar *size_text = g_strdup_printf ("%" G_GSIZE_FORMAT, size);

      g_set_error (error, WEFT_ERROR, WEFT_ERROR_TOO_LARGE,
                   _ ("The manifest is %s bytes, larger than the limit of %u"), size_text,
                   (guint) WEFT_MANIFEST_MAX_SIZE);
      return NULL;
    }
  if (base_dir != NULL)
    dir = g_canonicalize_filename (base_dir, NULL);
  return weft_manifest_assemble (data != NULL ? data : "", size, NULL, dir);
}

/**
 * weft_manifest_new_from_file:
 * @path: (type filename): an agent.yaml, or a directory holding agent.yaml or agent.yml
 * @error: return location for a #GError
 *
 * Reads a manifest as [ctor@Weft.Manifest.load_file] does and fails unless it is
 * valid; the message of @error then lists every problem, one per line.
 *
 * Returns: (transfer full): the manifest, or %NULL with @error set
 *
 * Since: 0.1
 */
WeftManifest *
weft_manifest_new_from_file (const gchar *path, GError **error)
{
  g_autoptr (WeftManifest) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = weft_manifest_load_file (path, error);
  if (self == NULL || !weft_manifest_validate (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * weft_manifest_new_from_data:
 * @data: the YAML text of an agent.yaml
 * @length: the length of @data in bytes, or -1 if it is nul-terminated
 * @base_dir: (type filename) (nullable): the directory relative paths resolve against
 *   and where `AGENT.md` is looked for, or %NULL for neither
 * @error: return location for a #GError
 *
 * Reads a manifest held in memory and fails unless it is valid; the message of
 * @error then lists every problem, one per line.
 *
 * Returns: (transfer full): the manifest, or %NULL with @error set
 *
 * Since: 0.1
 */
WeftManifest *
weft_manifest_new_from_data (const gchar *data,
                             gssize length,
                             const gchar *base_dir,
                             GError **error)
{
  g_autoptr (WeftManifest) self = NULL;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = weft_manifest_load_data (data, length, base_dir, error);
  if (self == NULL || !weft_manifest_validate (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * weft_manifest_get_errors:
 * @self: a #WeftManifest
 *
 * Every problem found while loading, in the order they appear in the file, each
 * as `file:line:column: message` (lines and columns count from 1; a manifest
 * loaded from memory has no `file:`). Problems in `AGENT.md` come last, without
 * a position. After a YAML syntax error nothing else in the manifest is checked, so it
 * is the only problem with a position.
 *
 * Returns: (array zero-terminated=1) (transfer none): the problems, empty when the
 *   manifest is valid
 *
 * Since: 0.1
 */
const gchar *const *
weft_manifest_get_errors (WeftManifest *self)
{
  g_return_val_if_fail (WEFT_IS_MANIFEST (self), NULL);
  return (const gchar *const *) self->errors;
}

/**
 * weft_manifest_validate:
 * @self: a #WeftManifest
 * @error: return location for a #GError
 *
 * Checks that loading found no problem. If it found some, @error is set to
 * %WEFT_ERROR_INVALID_DATA for a YAML syntax error or %WEFT_ERROR_INVALID_ARGUMENT
 * for wrong values, and its message holds every problem, one per line.
 *
 * Returns: %TRUE if the manifest is valid
 *
 * Since: 0.1
 */
gboolean
weft_manifest_validate (WeftManifest *self, GError **error)
{
  g_autofree gchar *message = NULL;

  g_return_val_if_fail (WEFT_IS_MANIFEST (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->errors[0] == NULL)
    return TRUE;
  message = g_strjoinv ("\n", self->errors);
  g_set_error_literal (error, WEFT_ERROR,
                       self->invalid_yaml ? WEFT_ERROR_INVALID_DATA : WEFT_ERROR_INVALID_ARGUMENT,
                       message);
  return FALSE;
}

/**
 * weft_manifest_get_path:
 * @self: a #WeftManifest
 *
 * The absolute path of the file the manifest was read from.
 *
 * Returns: (type filename) (nullable): the path, or %NULL for a manifest read from memory
 *
 * Since: 0.1
 */
const gchar *
weft_manifest_get_path (WeftManifest *self)
{
  g_return_val_if_fail (WEFT_IS_MANIFEST (self), NULL);
  return self->path;
}

/**
 * weft_manifest_get_base_dir:
 * @self: a #WeftManifest
 *
 * The absolute directory relative paths in the manifest resolve against: the
 * manifest's own directory, or the one given to [ctor@Weft.Manifest.new_from_data].
 *
 * Returns: (type filename) (nullable): the directory, or %NULL if there is none
 *
 * Since: 0.1
 */
const gchar *
weft_manifest_get_base_dir (WeftManifest *self)
{
  g_return_val_if_fail (WEFT_IS_MANIFEST (self), NULL);
  return self->base_dir;
}

/**
 * weft_manifest_get_name:
 * @self: a #WeftManifest
 *
 * The agent's name (`name`), used as its agent id in the mesh. `unnamed-agent` when
 * the key is missing.
 *
 * Returns: (transfer none): the name
 *
 * Since: 0.1
 */
const gchar *
weft_manifest_get_name (WeftManifest *self)
{
  g_return_val_if_fail (WEFT_IS_MANIFEST (self), NULL);
  return self->name;
}

/**
 * weft_manifest_get_description:
 * @self: a #WeftManifest
 *
 * The agent's description (`description`), empty by default.
 *
 * Returns: (transfer none): the description
 *
 * Since: 0.1
 */
const gchar *
weft_manifest_get_description (WeftManifest *self)
{
  g_return_val_if_fail (WEFT_IS_MANIFEST (self), NULL);
  return self->description;
}

/**
 * weft_manifest_get_registry:
 * @self: a #WeftManifest
 *
 * The registry's base URL (`registry`) without trailing slashes,
 * `http://localhost:8080` by default.
 *
 * Returns: (transfer none): the URL
 *
 * Since: 0.1
 */
const gchar *
weft_manifest_get_registry (WeftManifest *self)
{
  g_return_val_if_fail (WEFT_IS_MANIFEST (self), NULL);
  return self->registry;
}

/**
 * weft_manifest_get_provider:
 * @self: a #WeftManifest
 *
 * The language model provider (`provider`): `azure` (the default), `openai` or
 * `ollama`.
 *
 * Returns: (transfer none): the provider
 *
 * Since: 0.1
 */
const gchar *
weft_manifest_get_provider (WeftManifest *self)
{
  g_return_val_if_fail (WEFT_IS_MANIFEST (self), NULL);
  return self->provider;
}

/**
 * weft_manifest_get_model:
 * @self: a #WeftManifest
 *
 * The model name (`model`), empty by default.
 *
 * Returns: (transfer none): the model
 *
 * Since: 0.1
 */
const gchar *
weft_manifest_get_model (WeftManifest *self)
{
  g_return_val_if_fail (WEFT_IS_MANIFEST (self), NULL);
  return self->model;
}

/**
 * weft_manifest_get_prompt:
 * @self: a #WeftManifest
 *
 * The prompt as written in the manifest (`prompt`), empty by default. See also
 * [method@Weft.Manifest.get_system_prompt].
 *
 * Returns: (transfer none): the prompt
 *
 * Since: 0.1
 */
const gchar *
weft_manifest_get_prompt (WeftManifest *self)
{
  g_return_val_if_fail (WEFT_IS_MANIFEST (self), NULL);
  return self->prompt;
}

/**
 * weft_manifest_get_agent_md:
 * @self: a #WeftManifest
 *
 * The text of the `AGENT.md` file beside the manifest, as read.
 *
 * Returns: (nullable) (transfer none): the text, or %NULL if there is no AGENT.md
 *
 * Since: 0.1
 */
const gchar *
weft_manifest_get_agent_md (WeftManifest *self)
{
  g_return_val_if_fail (WEFT_IS_MANIFEST (self), NULL);
  return self->agent_md;
}

/**
 * weft_manifest_get_system_prompt:
 * @self: a #WeftManifest
 *
 * The system prompt: the prompt and the text of `AGENT.md`, each with leading and
 * trailing white space removed, joined by a blank line; an empty part is left out.
 *
 * Returns: (transfer none): the system prompt, possibly empty
 *
 * Since: 0.1
 */
const gchar *
weft_manifest_get_system_prompt (WeftManifest *self)
{
  g_return_val_if_fail (WEFT_IS_MANIFEST (self), NULL);
  return self->system_prompt;
}

/**
 * weft_manifest_get_sidecar_binary:
 * @self: a #WeftManifest
 *
 * The chatixia sidecar binary (`sidecar.binary`), `chatixia-sidecar` by default. Weft
 * agents do not need a sidecar; the key is kept for compatibility.
 *
 * Returns: (transfer none): the binary
 *
 * Since: 0.1
 */
const gchar *
weft_manifest_get_sidecar_binary (WeftManifest *self)
{
  g_return_val_if_fail (WEFT_IS_MANIFEST (self), NULL);
  return self->sidecar_binary;
}

/**
 * weft_manifest_get_sidecar_api_key:
 * @self: a #WeftManifest
 *
 * The API key as written in `sidecar.api_key`, `ak_dev_001` by default.
 * [method@Weft.Manifest.get_api_key] gives the key to use.
 *
 * Returns: (transfer none): the key
 *
 * Since: 0.1
 */
const gchar *
weft_manifest_get_sidecar_api_key (WeftManifest *self)
{
  g_return_val_if_fail (WEFT_IS_MANIFEST (self), NULL);
  return self->sidecar_api_key;
}

/**
 * weft_manifest_get_sidecar_socket:
 * @self: a #WeftManifest
 *
 * The chatixia sidecar's IPC socket (`sidecar.socket`), `/tmp/chatixia-sidecar.sock`
 * by default.
 *
 * Returns: (transfer none): the socket path
 *
 * Since: 0.1
 */
const gchar *
weft_manifest_get_sidecar_socket (WeftManifest *self)
{
  g_return_val_if_fail (WEFT_IS_MANIFEST (self), NULL);
  return self->sidecar_socket;
}

/**
 * weft_manifest_get_builtin_skills:
 * @self: a #WeftManifest
 *
 * The built-in skills the agent offers: `skills` when it is a list, `skills.builtin`
 * when it is a mapping.
 *
 * Returns: (array zero-terminated=1) (transfer none): the skill names, possibly empty
 *
 * Since: 0.1
 */
const gchar *const *
weft_manifest_get_builtin_skills (WeftManifest *self)
{
  g_return_val_if_fail (WEFT_IS_MANIFEST (self), NULL);
  return (const gchar *const *) self->builtin_skills;
}

/**
 * weft_manifest_get_skill_dirs:
 * @self: a #WeftManifest
 *
 * The skill directories (`skills.dirs`), each with a leading `~` expanded and, if
 * relative, resolved against [method@Weft.Manifest.get_base_dir].
 *
 * Returns: (array zero-terminated=1) (transfer none): the directories, possibly empty
 *
 * Since: 0.1
 */
const gchar *const *
weft_manifest_get_skill_dirs (WeftManifest *self)
{
  g_return_val_if_fail (WEFT_IS_MANIFEST (self), NULL);
  return (const gchar *const *) self->skill_dirs;
}

/**
 * weft_manifest_get_disabled_skills:
 * @self: a #WeftManifest
 *
 * The skills the agent must not offer (`skills.disabled`).
 *
 * Returns: (array zero-terminated=1) (transfer none): the skill names, possibly empty
 *
 * Since: 0.1
 */
const gchar *const *
weft_manifest_get_disabled_skills (WeftManifest *self)
{
  g_return_val_if_fail (WEFT_IS_MANIFEST (self), NULL);
  return (const gchar *const *) self->disabled_skills;
}

/**
 * weft_manifest_get_data_dir:
 * @self: a #WeftManifest
 *
 * The chatixia data directory (`data_dir`) as written, `.chatixia` by default.
 *
 * Returns: (transfer none): the directory
 *
 * Since: 0.1
 */
const gchar *
weft_manifest_get_data_dir (WeftManifest *self)
{
  g_return_val_if_fail (WEFT_IS_MANIFEST (self), NULL);
  return self->data_dir;
}

/**
 * weft_manifest_get_max_turns:
 * @self: a #WeftManifest
 *
 * The most turns of a conversation (`max_turns`), 10 by default.
 *
 * Returns: the number of turns
 *
 * Since: 0.1
 */
guint
weft_manifest_get_max_turns (WeftManifest *self)
{
  g_return_val_if_fail (WEFT_IS_MANIFEST (self), 0);
  return self->max_turns;
}

/**
 * weft_manifest_get_context_window:
 * @self: a #WeftManifest
 *
 * The model's context window in tokens (`context_window`), 120000 by default.
 *
 * Returns: the number of tokens
 *
 * Since: 0.1
 */
guint
weft_manifest_get_context_window (WeftManifest *self)
{
  g_return_val_if_fail (WEFT_IS_MANIFEST (self), 0);
  return self->context_window;
}

/**
 * weft_manifest_get_device_token_file:
 * @self: a #WeftManifest
 *
 * Where `weft pair` stores the device token and the agent reads it
 * (`weft.device_token_file`), by default `$XDG_STATE_HOME/weft/<name>/device-token`. A
 * relative path in the manifest is resolved against
 * [method@Weft.Manifest.get_base_dir].
 *
 * Returns: (type filename) (transfer none): the path
 *
 * Since: 0.1
 */
const gchar *
weft_manifest_get_device_token_file (WeftManifest *self)
{
  g_return_val_if_fail (WEFT_IS_MANIFEST (self), NULL);
  return self->device_token_file;
}

/**
 * weft_manifest_get_heartbeat_interval:
 * @self: a #WeftManifest
 *
 * Seconds between heartbeats to the registry (`weft.heartbeat_interval`), 15 by
 * default.
 *
 * Returns: the interval in seconds
 *
 * Since: 0.1
 */
guint
weft_manifest_get_heartbeat_interval (WeftManifest *self)
{
  g_return_val_if_fail (WEFT_IS_MANIFEST (self), 0);
  return self->heartbeat_interval;
}

/**
 * weft_manifest_get_max_concurrent_tasks:
 * @self: a #WeftManifest
 *
 * The most tasks the agent runs at once (`weft.max_concurrent_tasks`), 4 by default;
 * it is also the capacity the agent advertises.
 *
 * Returns: the limit
 *
 * Since: 0.1
 */
guint
weft_manifest_get_max_concurrent_tasks (WeftManifest *self)
{
  g_return_val_if_fail (WEFT_IS_MANIFEST (self), 0);
  return self->max_concurrent_tasks;
}

/**
 * weft_manifest_get_connect_mode:
 * @self: a #WeftManifest
 *
 * How the agent opens DataChannels to its peers (`weft.connect`),
 * %WEFT_CONNECT_MODE_ON_DEMAND by default.
 *
 * Returns: the mode
 *
 * Since: 0.1
 */
WeftConnectMode
weft_manifest_get_connect_mode (WeftManifest *self)
{
  g_return_val_if_fail (WEFT_IS_MANIFEST (self), WEFT_CONNECT_MODE_ON_DEMAND);
  return self->connect_mode;
}

/**
 * weft_manifest_get_idle_timeout:
 * @self: a #WeftManifest
 *
 * Seconds a DataChannel may stay idle before it is closed (`weft.idle_timeout`), 300
 * by default; 0 keeps idle channels open.
 *
 * Returns: the timeout in seconds
 *
 * Since: 0.1
 */
guint
weft_manifest_get_idle_timeout (WeftManifest *self)
{
  g_return_val_if_fail (WEFT_IS_MANIFEST (self), 0);
  return self->idle_timeout;
}

/**
 * weft_manifest_get_task_timeout:
 * @self: a #WeftManifest
 *
 * Seconds an executable skill may run before it is stopped (`weft.task_timeout`), 120
 * by default.
 *
 * Returns: the timeout in seconds
 *
 * Since: 0.1
 */
guint
weft_manifest_get_task_timeout (WeftManifest *self)
{
  g_return_val_if_fail (WEFT_IS_MANIFEST (self), 0);
  return self->task_timeout;
}

/**
 * weft_manifest_get_dbus_enabled:
 * @self: a #WeftManifest
 *
 * Whether the agent offers its `org.weft.Agent1` interface on the session bus
 * (`weft.dbus`), %TRUE by default.
 *
 * Returns: %TRUE if D-Bus control is on
 *
 * Since: 0.1
 */
gboolean
weft_manifest_get_dbus_enabled (WeftManifest *self)
{
  g_return_val_if_fail (WEFT_IS_MANIFEST (self), FALSE);
  return self->dbus_enabled;
}

/**
 * weft_manifest_get_labels:
 * @self: a #WeftManifest
 *
 * Free-form labels of the agent (`weft.labels`).
 *
 * Returns: (element-type utf8 utf8) (transfer none): the labels, possibly empty
 *
 * Since: 0.1
 */
GHashTable *
weft_manifest_get_labels (WeftManifest *self)
{
  g_return_val_if_fail (WEFT_IS_MANIFEST (self), NULL);
  return self->labels;
}

/**
 * weft_manifest_get_api_key:
 * @self: a #WeftManifest
 *
 * The API key the agent presents to the registry: `weft.api_key` when it is set,
 * otherwise `sidecar.api_key`.
 *
 * Returns: (transfer none): the key
 *
 * Since: 0.1
 */
const gchar *
weft_manifest_get_api_key (WeftManifest *self)
{
  g_return_val_if_fail (WEFT_IS_MANIFEST (self), NULL);
  return self->api_key != NULL ? self->api_key : self->sidecar_api_key;
}

/**
 * weft_manifest_is_skill_disabled:
 * @self: a #WeftManifest
 * @skill: a skill name
 *
 * Whether @skill is listed in `skills.disabled`.
 *
 * Returns: %TRUE if the agent must not offer @skill
 *
 * Since: 0.1
 */
gboolean
weft_manifest_is_skill_disabled (WeftManifest *self, const gchar *skill)
{
  g_return_val_if_fail (WEFT_IS_MANIFEST (self), FALSE);
  g_return_val_if_fail (skill != NULL, FALSE);
  return g_strv_contains ((const gchar *const *) self->disabled_skills, skill);
}
