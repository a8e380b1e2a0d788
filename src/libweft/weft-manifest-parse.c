/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* reads the fields of agent.yaml from a composed YAML tree into a WeftManifest,
 * collecting every problem with its position instead of stopping at the first */
#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "weft-manifest-private.h"

#define WEFT_LABEL_KEY_MAX 63

typedef struct
{
  WeftManifest *self;  /* (not owned) */
  GPtrArray *problems; /* (not owned) (element-type WeftManifestProblem) */
} Reader;

typedef void (*PairFunc) (Reader *r,
                          const gchar *path,
                          const WeftYamlNode *key,
                          const WeftYamlNode *value,
                          gpointer user_data);

void
weft_manifest_problem_free (gpointer data)
{
  WeftManifestProblem *problem = data;

  g_free (problem->message);
  g_free (problem);
}

G_GNUC_PRINTF (3, 4)
static void
report (Reader *r, const WeftYamlNode *node, const gchar *format, ...)
{
  WeftManifestProblem *problem = g_new0 (WeftManifestProblem, 1);
  va_list args;

  va_start (args, format);
  problem->message = g_strdup_vprintf (format, args);
  va_end (args);
  problem->line = node->line;
  problem->column = node->column;
  g_ptr_array_add (r->problems, problem);
}

/* a value as quoted in a message: one line, and short enough to read */
static gchar *
shown (const gchar *text)
{
  GString *out = g_string_new (NULL);
  guint n = 0;

  for (const gchar *p = text; *p != '\0' && n < 40; p = g_utf8_next_char (p), n++)
    {
      if (*p == '\n')
        g_string_append (out, "\\n");
      else if (*p == '\t')
        g_string_append (out, "\\t");
      else if ((guchar) *p < 0x20 || *p == 0x7f)
        g_string_append_printf (out, "\\x%02x", (guint) (guchar) *p);
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
    }
  if (g_utf8_strlen (text, -1) > 40)
    g_string_append (out, "...");
  return g_string_free (out, FALSE);
}

static gchar *
child_path (const gchar *parent, const gchar *key)
{
  g_autofree gchar *key_shown = shown (key);

  if (parent == NULL || parent[0] == '\0')
    return g_steal_pointer (&key_shown);
  return g_strconcat (parent, ".", key_shown, NULL);
}

/* any non-null scalar is a string; FALSE (reported) for a collection, and *out
 * is NULL for a null scalar */
static gboolean
read_string (Reader *r, const WeftYamlNode *node, const gchar *path, const gchar **out)
{
  *out = NULL;
  if (node->kind != WEFT_YAML_NODE_SCALAR)
    {
      report (r, node, _ ("'%s': expected a string, found %s"), path,
              weft_yaml_node_kind_to_string (node));
      return FALSE;
    }
  if (!node->is_null)
    *out = node->value;
  return TRUE;
}

/* a null value leaves *out unchanged */
static void
read_uint (Reader *r, const WeftYamlNode *node, const gchar *path, guint min, guint max, guint *out)
{
  gint64 value = 0;

  if (node->kind == WEFT_YAML_NODE_SCALAR && node->is_null)
    return;
  if (node->kind != WEFT_YAML_NODE_SCALAR ||
      !g_ascii_string_to_signed (node->value, 10, G_MININT64, G_MAXINT64, &value, NULL))
    {
      if (node->kind == WEFT_YAML_NODE_SCALAR)
        {
          g_autofree gchar *value_shown = shown (node->value);

          report (r, node, _ ("'%s': expected a whole number, found '%s'"), path, value_shown);
        }
      else
        report (r, node, _ ("'%s': expected a whole number, found %s"), path,
                weft_yaml_node_kind_to_string (node));
      return;
    }
  if (value < (gint64) min || value > (gint64) max)
    {
      g_autofree gchar *value_text = g_strdup_printf ("%" G_GINT64_FORMAT, value);

      report (r, node, _ ("'%s': must be between %u and %u, found %s"), path, min, max, value_text);
      return;
    }
  *out = (guint) value;
}

static void
read_bool (Reader *r, const WeftYamlNode *node, const gchar *path, gboolean *out)
{
  static const gchar *const truths[] = { "true", "True", "TRUE", "yes", "Yes",
                                         "YES",  "on",   "On",   "ON",  NULL };
  static const gchar *const lies[] = { "false", "False", "FALSE", "no",  "No",
                                       "NO",    "off",   "Off",   "OFF", NULL };

  if (node->kind == WEFT_YAML_NODE_SCALAR && node->is_null)
    return;
  if (node->kind == WEFT_YAML_NODE_SCALAR && g_strv_contains (truths, node->value))
    *out = TRUE;
  else if (node->kind == WEFT_YAML_NODE_SCALAR && g_strv_contains (lies, node->value))
    *out = FALSE;
  else if (node->kind == WEFT_YAML_NODE_SCALAR)
    {
      g_autofree gchar *value_shown = shown (node->value);

      report (r, node, _ ("'%s': expected true or false, found '%s'"), path, value_shown);
    }
  else
    report (r, node, _ ("'%s': expected true or false, found %s"), path,
            weft_yaml_node_kind_to_string (node));
}

/* a null value is an empty list; items that are not strings are reported and skipped */
static GStrv
read_string_list (Reader *r, const WeftYamlNode *node, const gchar *path)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  if (node->kind == WEFT_YAML_NODE_SEQUENCE)
    {
      for (guint i = 0; i < node->children->len; i++)
        {
          const WeftYamlNode *item = g_ptr_array_index (node->children, i);

          if (item->kind != WEFT_YAML_NODE_SCALAR || item->is_null)
            report (r, item, _ ("'%s[%u]': expected a string, found %s"), path, i,
                    weft_yaml_node_kind_to_string (item));
          else if (item->value[0] == '\0')
            report (r, item, _ ("'%s[%u]': must not be empty"), path, i);
          else
            g_strv_builder_add (builder, item->value);
        }
    }
  else if (node->kind != WEFT_YAML_NODE_SCALAR || !node->is_null)
    {
      report (r, node, _ ("'%s': expected a list of strings, found %s"), path,
              weft_yaml_node_kind_to_string (node));
    }
  return g_strv_builder_end (builder);
}

/* calls @func for each key of @map that is a string and not a repeat; reports the rest */
static void
walk_mapping (Reader *r,
              const WeftYamlNode *map,
              const gchar *path,
              PairFunc func,
              gpointer user_data)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i + 1 < map->children->len; i += 2)
    {
      const WeftYamlNode *key = g_ptr_array_index (map->children, i);
      const WeftYamlNode *value = g_ptr_array_index (map->children, i + 1);
      const WeftYamlNode *first;
      g_autofree gchar *key_path = NULL;

      if (key->kind != WEFT_YAML_NODE_SCALAR)
        {
          if (path[0] == '\0')
            report (r, key, _ ("keys must be strings, found %s"),
                    weft_yaml_node_kind_to_string (key));
          else
            report (r, key, _ ("'%s': keys must be strings, found %s"), path,
                    weft_yaml_node_kind_to_string (key));
          continue;
        }
      key_path = child_path (path, key->value);
      if (key->plain && g_str_equal (key->value, "<<"))
        {
          report (r, key, _ ("'%s': merge keys ('<<') are not supported; write the keys out"),
                  key_path);
          continue;
        }
      first = g_hash_table_lookup (seen, key->value);
      if (first != NULL)
        {
          report (r, key, _ ("'%s': duplicate key (first given at %u:%u)"), key_path, first->line,
                  first->column);
          continue;
        }
      g_hash_table_insert (seen, key->value, (gpointer) key);
      func (r, key_path, key, value, user_data);
    }
}

/* expands a leading ~ and makes a relative path relative to the manifest's directory */
static gchar *
resolve_path (WeftManifest *self, const gchar *path)
{
  if (g_str_equal (path, "~"))
    return g_strdup (g_get_home_dir ());
  if (g_str_has_prefix (path, "~/"))
    return g_build_filename (g_get_home_dir (), path + 2, NULL);
  if (self->base_dir != NULL && !g_path_is_absolute (path))
    return g_build_filename (self->base_dir, path, NULL);
  return g_strdup (path);
}

static void
replace_string (gchar **field, const gchar *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

static gboolean
name_is_safe (const gchar *name)
{
  if (g_str_equal (name, ".") || g_str_equal (name, "..") || strlen (name) > 255)
    return FALSE;
  for (const gchar *p = name; *p != '\0'; p++)
    {
      if (*p == '/' || (guchar) *p < 0x20 || *p == 0x7f)
        return FALSE;
    }
  return TRUE;
}

static void
read_name (Reader *r, const WeftYamlNode *value)
{
  const gchar *name = NULL;

  if (!read_string (r, value, "name", &name))
    return;
  if (name == NULL || name[0] == '\0')
    report (r, value, _ ("'name' is required"));
  else if (!name_is_safe (name))
    {
      g_autofree gchar *name_shown = shown (name);

      report (r, value,
              _ ("'name': '%s' cannot be used as an agent name: it names files and units, so it "
                 "may not contain '/' or control characters, be '.' or '..', or exceed 255 "
                 "bytes"),
              name_shown);
    }
  else
    replace_string (&r->self->name, name);
}

static void
read_registry (Reader *r, const WeftYamlNode *value)
{
  g_autofree gchar *url = NULL;
  g_autoptr (GUri) uri = NULL;
  const gchar *text = NULL;
  gsize len;

  if (!read_string (r, value, "registry", &text))
    return;
  url = g_strdup (text != NULL ? text : "");
  len = strlen (url);
  while (len > 0 && url[len - 1] == '/')
    url[--len] = '\0';
  if (len == 0)
    {
      report (r, value, _ ("'registry' URL is required"));
      return;
    }
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL ||
      (g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") != 0 &&
       g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") != 0) ||
      g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    {
      g_autofree gchar *url_shown = shown (url);

      report (r, value, _ ("'registry': '%s' is not an http:// or https:// URL"), url_shown);
      return;
    }
  g_free (r->self->registry);
  r->self->registry = g_steal_pointer (&url);
}

static void
read_provider (Reader *r, const WeftYamlNode *value)
{
  static const gchar *const providers[] = { "azure", "openai", "ollama", NULL };
  const gchar *provider = NULL;

  if (!read_string (r, value, "provider", &provider))
    return;
  if (provider == NULL || !g_strv_contains (providers, provider))
    {
      g_autofree gchar *provider_shown = shown (provider != NULL ? provider : "");

      report (r, value, _ ("'provider': Unknown provider: '%s' (expected azure|openai|ollama)"),
              provider_shown);
    }
  else
    replace_string (&r->self->provider, provider);
}

/* description, model, prompt: null is the empty string */
static void
read_text (Reader *r, const WeftYamlNode *value, const gchar *path, gchar **field)
{
  const gchar *text = NULL;

  if (read_string (r, value, path, &text))
    replace_string (field, text != NULL ? text : "");
}

/* data_dir, sidecar.*: null keeps the default */
static void
read_optional_text (Reader *r,
                    const WeftYamlNode *value,
                    const gchar *path,
                    gchar **field,
                    gboolean allow_empty)
{
  const gchar *text = NULL;

  if (!read_string (r, value, path, &text) || text == NULL)
    return;
  if (!allow_empty && text[0] == '\0')
    report (r, value, _ ("'%s': must not be empty; remove the key to use the default"), path);
  else
    replace_string (field, text);
}

static void
read_sidecar_pair (Reader *r,
                   const gchar *path,
                   const WeftYamlNode *key,
                   const WeftYamlNode *value,
                   gpointer user_data)
{
  if (g_str_equal (key->value, "binary"))
    read_optional_text (r, value, path, &r->self->sidecar_binary, TRUE);
  else if (g_str_equal (key->value, "api_key"))
    read_optional_text (r, value, path, &r->self->sidecar_api_key, TRUE);
  else if (g_str_equal (key->value, "socket"))
    read_optional_text (r, value, path, &r->self->sidecar_socket, TRUE);
}

static void
read_skills_pair (Reader *r,
                  const gchar *path,
                  const WeftYamlNode *key,
                  const WeftYamlNode *value,
                  gpointer user_data)
{
  if (g_str_equal (key->value, "builtin"))
    {
      g_strfreev (r->self->builtin_skills);
      r->self->builtin_skills = read_string_list (r, value, path);
    }
  else if (g_str_equal (key->value, "dirs"))
    {
      g_auto (GStrv) dirs = read_string_list (r, value, path);

      g_strfreev (r->self->skill_dirs);
      r->self->skill_dirs = g_new0 (gchar *, g_strv_length (dirs) + 1);
      for (guint i = 0; dirs[i] != NULL; i++)
        r->self->skill_dirs[i] = resolve_path (r->self, dirs[i]);
    }
  else if (g_str_equal (key->value, "disabled"))
    {
      g_strfreev (r->self->disabled_skills);
      r->self->disabled_skills = read_string_list (r, value, path);
    }
}

static void
read_skills (Reader *r, const WeftYamlNode *value)
{
  if (value->kind == WEFT_YAML_NODE_SEQUENCE)
    {
      g_strfreev (r->self->builtin_skills);
      r->self->builtin_skills = read_string_list (r, value, "skills");
    }
  else if (value->kind == WEFT_YAML_NODE_MAPPING)
    {
      walk_mapping (r, value, "skills", read_skills_pair, NULL);
    }
  else if (!value->is_null)
    {
      report (r, value, _ ("'skills': expected a list or a mapping, found %s"),
              weft_yaml_node_kind_to_string (value));
    }
}

static gboolean
label_key_is_valid (const gchar *key)
{
  gsize len = strlen (key);

  if (len == 0 || len > WEFT_LABEL_KEY_MAX)
    return FALSE;
  for (const gchar *p = key; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '.' && *p != '_' && *p != '-' && *p != '/')
        return FALSE;
    }
  return TRUE;
}

static void
read_label_pair (Reader *r,
                 const gchar *path,
                 const WeftYamlNode *key,
                 const WeftYamlNode *value,
                 gpointer user_data)
{
  const gchar *text = NULL;

  if (!label_key_is_valid (key->value))
    {
      report (r, key,
              _ ("'%s': a label key is 1 to %u characters from A-Z, a-z, 0-9, '.', '_', '-' and "
                 "'/'"),
              path, (guint) WEFT_LABEL_KEY_MAX);
      return;
    }
  if (!read_string (r, value, path, &text))
    return;
  g_hash_table_insert (r->self->labels, g_strdup (key->value), g_strdup (text != NULL ? text : ""));
}

static void
read_weft_pair (Reader *r,
                const gchar *path,
                const WeftYamlNode *key,
                const WeftYamlNode *value,
                gpointer user_data)
{
  WeftManifest *self = r->self;
  const gchar *name = key->value;
  const gchar *text = NULL;

  if (g_str_equal (name, "api_key"))
    {
      if (!read_string (r, value, path, &text) || text == NULL)
        return;
      if (text[0] == '\0')
        report (r, value, _ ("'%s': must not be empty; remove the key to use sidecar.api_key"),
                path);
      else
        replace_string (&self->api_key, text);
    }
  else if (g_str_equal (name, "device_token_file"))
    {
      if (!read_string (r, value, path, &text) || text == NULL)
        return;
      if (text[0] == '\0')
        report (r, value, _ ("'%s': must not be empty; remove the key to use the default"), path);
      else
        {
          g_free (self->device_token_file);
          self->device_token_file = resolve_path (self, text);
        }
    }
  else if (g_str_equal (name, "heartbeat_interval"))
    read_uint (r, value, path, 1, 3600, &self->heartbeat_interval);
  else if (g_str_equal (name, "max_concurrent_tasks"))
    read_uint (r, value, path, 1, 1024, &self->max_concurrent_tasks);
  else if (g_str_equal (name, "idle_timeout"))
    read_uint (r, value, path, 0, 7 * 24 * 3600, &self->idle_timeout);
  else if (g_str_equal (name, "task_timeout"))
    read_uint (r, value, path, 1, 24 * 3600, &self->task_timeout);
  else if (g_str_equal (name, "dbus"))
    read_bool (r, value, path, &self->dbus_enabled);
  else if (g_str_equal (name, "connect"))
    {
      if (!read_string (r, value, path, &text) || text == NULL)
        return;
      if (g_str_equal (text, "on-demand"))
        self->connect_mode = WEFT_CONNECT_MODE_ON_DEMAND;
      else if (g_str_equal (text, "full-mesh"))
        self->connect_mode = WEFT_CONNECT_MODE_FULL_MESH;
      else
        {
          g_autofree gchar *text_shown = shown (text);

          report (r, value, _ ("'%s': unknown mode '%s' (expected on-demand|full-mesh)"), path,
                  text_shown);
        }
    }
  else if (g_str_equal (name, "labels"))
    {
      if (value->kind == WEFT_YAML_NODE_MAPPING)
        walk_mapping (r, value, path, read_label_pair, NULL);
      else if (value->kind != WEFT_YAML_NODE_SCALAR || !value->is_null)
        report (r, value, _ ("'%s': expected a mapping of strings, found %s"), path,
                weft_yaml_node_kind_to_string (value));
    }
  else
    {
      report (r, key,
              _ ("'%s': unknown key (expected api_key, device_token_file, heartbeat_interval, "
                 "max_concurrent_tasks, connect, idle_timeout, task_timeout, dbus or labels)"),
              path);
    }
}

static void
read_top_pair (Reader *r,
               const gchar *path,
               const WeftYamlNode *key,
               const WeftYamlNode *value,
               gpointer user_data)
{
  WeftManifest *self = r->self;
  const gchar *name = key->value;

  if (g_str_equal (name, "name"))
    read_name (r, value);
  else if (g_str_equal (name, "description"))
    read_text (r, value, path, &self->description);
  else if (g_str_equal (name, "registry"))
    read_registry (r, value);
  else if (g_str_equal (name, "provider"))
    read_provider (r, value);
  else if (g_str_equal (name, "model"))
    read_text (r, value, path, &self->model);
  else if (g_str_equal (name, "prompt"))
    read_text (r, value, path, &self->prompt);
  else if (g_str_equal (name, "sidecar"))
    {
      /* as in the reference, anything but a mapping means all defaults */
      if (value->kind == WEFT_YAML_NODE_MAPPING)
        walk_mapping (r, value, path, read_sidecar_pair, NULL);
      else
        g_debug ("'sidecar' at %u:%u is not a mapping; using the defaults", value->line,
                 value->column);
    }
  else if (g_str_equal (name, "skills"))
    read_skills (r, value);
  else if (g_str_equal (name, "data_dir"))
    read_optional_text (r, value, path, &self->data_dir, FALSE);
  else if (g_str_equal (name, "max_turns"))
    read_uint (r, value, path, 1, G_MAXINT32, &self->max_turns);
  else if (g_str_equal (name, "context_window"))
    read_uint (r, value, path, 1, G_MAXINT32, &self->context_window);
  else if (g_str_equal (name, "weft"))
    {
      if (value->kind == WEFT_YAML_NODE_MAPPING)
        walk_mapping (r, value, path, read_weft_pair, NULL);
      else if (value->kind != WEFT_YAML_NODE_SCALAR || !value->is_null)
        report (r, value, _ ("'weft': expected a mapping, found %s"),
                weft_yaml_node_kind_to_string (value));
    }
  else
    g_debug ("ignoring unknown manifest key '%s' at %u:%u", name, key->line, key->column);
}

/*
 * weft_manifest_read_document:
 * @self: a manifest holding the defaults
 * @root: (nullable): the document's root node, %NULL for an empty file
 * @problems: (element-type WeftManifestProblem): where problems are appended
 *
 * Overwrites the defaults in @self with the values @root gives and appends a
 * problem for each value that is missing, of the wrong type or out of range.
 */
void
weft_manifest_read_document (WeftManifest *self, const WeftYamlNode *root, GPtrArray *problems)
{
  Reader r = { self, problems };

  if (root == NULL || (root->kind == WEFT_YAML_NODE_SCALAR && root->is_null))
    return;
  if (root->kind != WEFT_YAML_NODE_MAPPING)
    {
      report (&r, root, _ ("the manifest must be a mapping of keys to values, found %s"),
              weft_yaml_node_kind_to_string (root));
      return;
    }
  walk_mapping (&r, root, "", read_top_pair, NULL);
}
