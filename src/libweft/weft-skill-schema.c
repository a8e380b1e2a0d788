/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* the skill.json side of WeftSkill: loading, reading and writing the
 * schema, and checking a call's arguments against it */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "weft-error.h"
#include "weft-json-private.h"
#include "weft-skill-private.h"

/* skill.json files are a few kilobytes; anything near this is a mistake */
#define SKILL_FILE_MAX_SIZE (1024 * 1024)

#define TYPE_CHOICES "string, integer, number, boolean, object, array"

static const gchar *const type_names[] = {
  [WEFT_SKILL_PARAM_TYPE_STRING] = "string", [WEFT_SKILL_PARAM_TYPE_INTEGER] = "integer",
  [WEFT_SKILL_PARAM_TYPE_NUMBER] = "number", [WEFT_SKILL_PARAM_TYPE_BOOLEAN] = "boolean",
  [WEFT_SKILL_PARAM_TYPE_OBJECT] = "object", [WEFT_SKILL_PARAM_TYPE_ARRAY] = "array",
};
G_STATIC_ASSERT (G_N_ELEMENTS (type_names) == WEFT_SKILL_PARAM_TYPE_ARRAY + 1);

/**
 * weft_skill_param_type_to_string:
 * @type: a #WeftSkillParamType
 *
 * The skill.json name of @type, such as `integer`.
 *
 * Returns: the name, or `unknown` for a value outside the enumeration
 *
 * Since: 0.1
 */
const gchar *
weft_skill_param_type_to_string (WeftSkillParamType type)
{
  if ((guint) type >= G_N_ELEMENTS (type_names))
    return "unknown";
  return type_names[type];
}

/**
 * weft_skill_param_type_from_string:
 * @string: a skill.json type name such as `number`
 * @out_type: (out) (optional): return location for the type
 *
 * Parses a skill.json type name; the match is exact (lower case).
 *
 * Returns: %TRUE if @string names a type
 *
 * Since: 0.1
 */
gboolean
weft_skill_param_type_from_string (const gchar *string, WeftSkillParamType *out_type)
{
  if (string == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (type_names); i++)
    {
      if (g_str_equal (string, type_names[i]))
        {
          if (out_type != NULL)
            *out_type = (WeftSkillParamType) i;
          return TRUE;
        }
    }
  return FALSE;
}

/* "a string", "an integer", ...: what a value of @type is called in errors */
static const gchar *
describe_type (WeftSkillParamType type)
{
  switch (type)
    {
      case WEFT_SKILL_PARAM_TYPE_STRING:
        return _ ("a string");
      case WEFT_SKILL_PARAM_TYPE_INTEGER:
        return _ ("an integer");
      case WEFT_SKILL_PARAM_TYPE_NUMBER:
        return _ ("a number");
      case WEFT_SKILL_PARAM_TYPE_BOOLEAN:
        return _ ("a boolean");
      case WEFT_SKILL_PARAM_TYPE_OBJECT:
        return _ ("an object");
      case WEFT_SKILL_PARAM_TYPE_ARRAY:
        return _ ("an array");
      default:
        return _ ("an unknown value");
    }
}

WeftSkillParam *
weft_skill_param_new (const gchar *name,
                      WeftSkillParamType type,
                      const gchar *description,
                      gboolean required,
                      JsonNode *default_value)
{
  WeftSkillParam *param = g_new0 (WeftSkillParam, 1);

  param->name = g_strdup (name);
  param->type = type;
  param->description = g_strdup (description != NULL ? description : "");
  param->required = required;
  if (default_value != NULL && !JSON_NODE_HOLDS_NULL (default_value))
    param->default_value = json_node_copy (default_value);
  return param;
}

void
weft_skill_param_free (WeftSkillParam *param)
{
  if (param == NULL)
    return;
  g_free (param->name);
  g_free (param->description);
  g_clear_pointer (&param->default_value, json_node_unref);
  g_free (param);
}

gboolean
weft_skill_param_accepts (const WeftSkillParam *param, JsonNode *value)
{
  GType value_type;

  /* what cannot be written back as JSON cannot be passed on */
  if (!weft_json_node_is_writable (value))
    return FALSE;

  switch (param->type)
    {
      case WEFT_SKILL_PARAM_TYPE_OBJECT:
        return JSON_NODE_HOLDS_OBJECT (value);
      case WEFT_SKILL_PARAM_TYPE_ARRAY:
        return JSON_NODE_HOLDS_ARRAY (value);
      case WEFT_SKILL_PARAM_TYPE_STRING:
      case WEFT_SKILL_PARAM_TYPE_INTEGER:
      case WEFT_SKILL_PARAM_TYPE_NUMBER:
      case WEFT_SKILL_PARAM_TYPE_BOOLEAN:
        break;
      default:
        return FALSE;
    }
  if (!JSON_NODE_HOLDS_VALUE (value))
    return FALSE;
  value_type = json_node_get_value_type (value);
  switch (param->type)
    {
      case WEFT_SKILL_PARAM_TYPE_STRING:
        return value_type == G_TYPE_STRING;
      case WEFT_SKILL_PARAM_TYPE_INTEGER:
        return value_type == G_TYPE_INT64;
      case WEFT_SKILL_PARAM_TYPE_NUMBER:
        /* every integer is a number; a boolean is neither */
        return value_type == G_TYPE_INT64 || value_type == G_TYPE_DOUBLE;
      case WEFT_SKILL_PARAM_TYPE_BOOLEAN:
        return value_type == G_TYPE_BOOLEAN;
      case WEFT_SKILL_PARAM_TYPE_OBJECT:
      case WEFT_SKILL_PARAM_TYPE_ARRAY:
      default:
        return FALSE;
    }
}

WeftSkillSchema *
weft_skill_schema_new (void)
{
  WeftSkillSchema *schema = g_new0 (WeftSkillSchema, 1);

  schema->description = g_strdup ("");
  schema->version = g_strdup ("");
  schema->category = g_strdup ("");
  schema->params = g_ptr_array_new_with_free_func ((GDestroyNotify) weft_skill_param_free);
  return schema;
}

void
weft_skill_schema_free (WeftSkillSchema *schema)
{
  if (schema == NULL)
    return;
  g_free (schema->name);
  g_free (schema->description);
  g_free (schema->version);
  g_free (schema->category);
  g_ptr_array_unref (schema->params);
  g_free (schema);
}

WeftSkillParam *
weft_skill_schema_lookup (WeftSkillSchema *schema, const gchar *name)
{
  for (guint i = 0; i < schema->params->len; i++)
    {
      WeftSkillParam *param = g_ptr_array_index (schema->params, i);

      if (g_str_equal (param->name, name))
        return param;
    }
  return NULL;
}

/* a member that is absent or JSON null, which skill.json treats alike */
static JsonNode *
get_member (JsonObject *object, const gchar *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  return node;
}

static gboolean
holds_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

/* reads an optional string member; @field is the dotted path for errors */
static gboolean
read_string (JsonObject *object,
             const gchar *member,
             const gchar *field,
             gchar **out,
             GError **error)
{
  JsonNode *node = get_member (object, member);

  if (node == NULL)
    return TRUE;
  if (!holds_string (node))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("field “%s” must be a string, not %s"), field, weft_json_describe (node));
      return FALSE;
    }
  g_free (*out);
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static WeftSkillParam *
param_from_json (const gchar *name, JsonNode *node, GError **error)
{
  g_autofree gchar *field = g_strconcat ("parameters.", name, NULL);
  g_autofree gchar *type_field = g_strconcat (field, ".type", NULL);
  g_autofree gchar *description_field = g_strconcat (field, ".description", NULL);
  g_autofree gchar *description = NULL;
  g_autoptr (WeftSkillParam) param = NULL;
  JsonObject *object;
  JsonNode *type_node;
  JsonNode *required_node;
  JsonNode *default_node;
  WeftSkillParamType type;

  if (name[0] == '\0')
    {
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                           _ ("field “parameters” has a parameter with an empty name"));
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("field “%s” must be an object, not %s"), field, weft_json_describe (node));
      return NULL;
    }
  object = json_node_get_object (node);

  type_node = get_member (object, "type");
  if (type_node == NULL)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("field “%s” is missing; it must be one of %s"), type_field, TYPE_CHOICES);
      return NULL;
    }
  if (!holds_string (type_node) ||
      !weft_skill_param_type_from_string (json_node_get_string (type_node), &type))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("field “%s” must be one of %s"), type_field, TYPE_CHOICES);
      return NULL;
    }

  if (!read_string (object, "description", description_field, &description, error))
    return NULL;

  param = weft_skill_param_new (name, type, description, FALSE, NULL);

  required_node = get_member (object, "required");
  if (required_node != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (required_node) ||
          json_node_get_value_type (required_node) != G_TYPE_BOOLEAN)
        {
          g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                       _ ("field “%s.required” must be a boolean, not %s"), field,
                       weft_json_describe (required_node));
          return NULL;
        }
      param->required = json_node_get_boolean (required_node);
    }

  default_node = get_member (object, "default");
  if (default_node != NULL)
    {
      if (!weft_json_node_is_writable (default_node))
        {
          g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                       _ ("field “%s.default” holds a number that cannot be written back as JSON "
                          "(infinite, or written like 1e+20); use a smaller number or a string"),
                       field);
          return NULL;
        }
      if (!weft_skill_param_accepts (param, default_node))
        {
          /* TRANSLATORS: "field “parameters.count.default” must be an integer, not a string" */
          g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                       _ ("field “%s.default” must be %s, not %s"), field, describe_type (type),
                       weft_json_describe (default_node));
          return NULL;
        }
      param->default_value = json_node_copy (default_node);
    }

  return g_steal_pointer (&param);
}

/* reads a skill.json document; errors name the field but not the file */
WeftSkillSchema *
weft_skill_schema_new_from_json_node (JsonNode *node, GError **error)
{
  g_autoptr (WeftSkillSchema) schema = weft_skill_schema_new ();
  JsonObject *object;
  JsonNode *name_node;
  JsonNode *params_node;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("a skill must be a JSON object, not %s"), weft_json_describe (node));
      return NULL;
    }
  object = json_node_get_object (node);

  name_node = get_member (object, "name");
  if (name_node == NULL)
    {
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                           _ ("field “name” is missing; every skill needs a name"));
      return NULL;
    }
  if (!read_string (object, "name", "name", &schema->name, error))
    return NULL;
  if (schema->name[0] == '\0')
    {
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                           _ ("field “name” must not be empty"));
      return NULL;
    }
  if (!read_string (object, "description", "description", &schema->description, error) ||
      !read_string (object, "version", "version", &schema->version, error) ||
      !read_string (object, "category", "category", &schema->category, error))
    return NULL;

  params_node = get_member (object, "parameters");
  if (params_node == NULL)
    return g_steal_pointer (&schema);
  if (!JSON_NODE_HOLDS_OBJECT (params_node))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("field “parameters” must be an object, not %s"),
                   weft_json_describe (params_node));
      return NULL;
    }

  {
    JsonObject *params = json_node_get_object (params_node);
    g_autoptr (GList) names = json_object_get_members (params);

    for (GList *l = names; l != NULL; l = l->next)
      {
        const gchar *name = l->data;
        WeftSkillParam *param =
          param_from_json (name, json_object_get_member (params, name), error);

        if (param == NULL)
          return NULL;
        g_ptr_array_add (schema->params, param);
      }
  }

  return g_steal_pointer (&schema);
}

static const gchar *
schema_name (WeftSkillSchema *schema)
{
  return schema->name != NULL ? schema->name : "";
}

static gchar *
list_param_names (WeftSkillSchema *schema)
{
  g_autoptr (GString) names = g_string_new (NULL);

  for (guint i = 0; i < schema->params->len; i++)
    {
      WeftSkillParam *param = g_ptr_array_index (schema->params, i);

      if (i > 0)
        g_string_append (names, ", ");
      g_string_append (names, param->name);
    }
  return g_string_free (g_steal_pointer (&names), FALSE);
}

/* checks @args (an object, or NULL/null for none) and returns a new object
 * with the declared parameters in schema order, defaults filled in */
JsonNode *
weft_skill_schema_validate (WeftSkillSchema *schema, JsonNode *args, GError **error)
{
  g_autoptr (JsonObject) out = json_object_new ();
  JsonObject *in = NULL;
  JsonNode *root;

  if (args != NULL && !JSON_NODE_HOLDS_NULL (args))
    {
      if (!JSON_NODE_HOLDS_OBJECT (args))
        {
          g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                       _ ("the arguments of skill “%s” must be a JSON object, not %s"),
                       schema_name (schema), weft_json_describe (args));
          return NULL;
        }
      in = json_node_get_object (args);
    }

  if (in != NULL)
    {
      g_autoptr (GList) names = json_object_get_members (in);

      /* unknown arguments are refused: implementations receive them as
       * keyword arguments, and a stray one would break the call there */
      for (GList *l = names; l != NULL; l = l->next)
        {
          if (weft_skill_schema_lookup (schema, l->data) != NULL)
            continue;
          if (schema->params->len == 0)
            g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                         _ ("skill “%s” has no parameter “%s”; it takes no parameters"),
                         schema_name (schema), (const gchar *) l->data);
          else
            {
              g_autofree gchar *known = list_param_names (schema);

              g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                           _ ("skill “%s” has no parameter “%s”; its parameters are %s"),
                           schema_name (schema), (const gchar *) l->data, known);
            }
          return NULL;
        }
    }

  for (guint i = 0; i < schema->params->len; i++)
    {
      WeftSkillParam *param = g_ptr_array_index (schema->params, i);
      JsonNode *value = in != NULL ? get_member (in, param->name) : NULL;

      if (value == NULL)
        {
          if (param->required)
            {
              g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                           _ ("skill “%s” needs the parameter “%s” (%s)"), schema_name (schema),
                           param->name, weft_skill_param_type_to_string (param->type));
              return NULL;
            }
          if (param->default_value != NULL)
            json_object_set_member (out, param->name, json_node_copy (param->default_value));
          continue;
        }
      if (!weft_json_node_is_writable (value))
        {
          g_set_error (
            error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
            _ ("parameter “%s” of skill “%s” holds a number that cannot be written back as JSON "
               "(infinite, or written like 1e+20); use a smaller number or a string"),
            param->name, schema_name (schema));
          return NULL;
        }
      if (!weft_skill_param_accepts (param, value))
        {
          g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                       _ ("parameter “%s” of skill “%s” must be %s, not %s"), param->name,
                       schema_name (schema), describe_type (param->type),
                       weft_json_describe (value));
          return NULL;
        }
      json_object_set_member (out, param->name, json_node_copy (value));
    }

  root = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (root, g_steal_pointer (&out));
  return root;
}

JsonNode *
weft_skill_schema_params_to_json_node (WeftSkillSchema *schema)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  for (guint i = 0; i < schema->params->len; i++)
    {
      WeftSkillParam *param = g_ptr_array_index (schema->params, i);

      json_builder_set_member_name (builder, param->name);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, weft_skill_param_type_to_string (param->type));
      json_builder_set_member_name (builder, "description");
      json_builder_add_string_value (builder, param->description);
      json_builder_set_member_name (builder, "required");
      json_builder_add_boolean_value (builder, param->required);
      if (param->default_value != NULL)
        {
          json_builder_set_member_name (builder, "default");
          json_builder_add_value (builder, json_node_copy (param->default_value));
        }
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

JsonNode *
weft_skill_schema_to_json_node (WeftSkillSchema *schema)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, schema_name (schema));
  json_builder_set_member_name (builder, "description");
  json_builder_add_string_value (builder, schema->description);
  json_builder_set_member_name (builder, "version");
  json_builder_add_string_value (builder, schema->version);
  json_builder_set_member_name (builder, "category");
  json_builder_add_string_value (builder, schema->category);
  json_builder_set_member_name (builder, "parameters");
  json_builder_add_value (builder, weft_skill_schema_params_to_json_node (schema));
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/**
 * weft_skill_new_from_json_node:
 * @node: a skill.json document
 * @error: return location for a #GError
 *
 * Creates a skill from its skill.json description. The skill has no
 * implementation: invoking it fails with %WEFT_ERROR_NOT_SUPPORTED. To
 * describe a subclass or a skill made by weft_skill_new(), use
 * weft_skill_load_from_json_node() instead.
 *
 * Returns: (transfer full): a new #WeftSkill, or %NULL with
 *   %WEFT_ERROR_INVALID_ARGUMENT naming the field that is wrong
 *
 * Since: 0.1
 */
WeftSkill *
weft_skill_new_from_json_node (JsonNode *node, GError **error)
{
  g_autoptr (WeftSkill) self = g_object_new (WEFT_TYPE_SKILL, NULL);

  if (!weft_skill_load_from_json_node (self, node, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * weft_skill_new_from_data:
 * @data: (array length=length) (element-type guint8): a skill.json
 *   document, UTF-8 JSON
 * @length: the length of @data in bytes, or -1 if it is nul-terminated
 * @error: return location for a #GError
 *
 * Like weft_skill_new_from_json_node(), from JSON text.
 *
 * Returns: (transfer full): a new #WeftSkill, or %NULL with a #GError
 *
 * Since: 0.1
 */
WeftSkill *
weft_skill_new_from_data (const gchar *data, gssize length, GError **error)
{
  g_autoptr (WeftSkill) self = g_object_new (WEFT_TYPE_SKILL, NULL);

  if (!weft_skill_load_from_data (self, data, length, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * weft_skill_new_from_file:
 * @path: (type filename): the path of a skill.json file
 * @error: return location for a #GError
 *
 * Like weft_skill_new_from_json_node(), from a file. Error messages start
 * with @path.
 *
 * Returns: (transfer full): a new #WeftSkill, or %NULL with a #GError
 *
 * Since: 0.1
 */
WeftSkill *
weft_skill_new_from_file (const gchar *path, GError **error)
{
  g_autoptr (WeftSkill) self = g_object_new (WEFT_TYPE_SKILL, NULL);

  if (!weft_skill_load_from_file (self, path, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * weft_skill_load_from_json_node:
 * @self: a #WeftSkill
 * @node: a skill.json document
 * @error: return location for a #GError
 *
 * Replaces the name, description, version, category and parameters of
 * @self with those of @node; the implementation stays. On error @self is
 * unchanged.
 *
 * Returns: %TRUE on success; %FALSE with %WEFT_ERROR_INVALID_ARGUMENT
 *   naming the field that is wrong
 *
 * Since: 0.1
 */
gboolean
weft_skill_load_from_json_node (WeftSkill *self, JsonNode *node, GError **error)
{
  WeftSkillSchema *schema;

  g_return_val_if_fail (WEFT_IS_SKILL (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  schema = weft_skill_schema_new_from_json_node (node, error);
  if (schema == NULL)
    return FALSE;

  weft_skill_replace_schema (self, schema);
  return TRUE;
}

static gboolean
is_blank (const gchar *data, gsize size)
{
  for (gsize i = 0; i < size; i++)
    if (!g_ascii_isspace (data[i]))
      return FALSE;
  return TRUE;
}

/**
 * weft_skill_load_from_data:
 * @self: a #WeftSkill
 * @data: (array length=length) (element-type guint8): a skill.json
 *   document, UTF-8 JSON
 * @length: the length of @data in bytes, or -1 if it is nul-terminated
 * @error: return location for a #GError
 *
 * Like weft_skill_load_from_json_node(), from JSON text of at most 1 MiB.
 *
 * Returns: %TRUE on success; %FALSE with %WEFT_ERROR_INVALID_DATA when
 *   @data is not JSON, %WEFT_ERROR_TOO_LARGE, or
 *   %WEFT_ERROR_INVALID_ARGUMENT naming the field that is wrong
 *
 * Since: 0.1
 */
gboolean
weft_skill_load_from_data (WeftSkill *self, const gchar *data, gssize length, GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  gsize size;

  g_return_val_if_fail (WEFT_IS_SKILL (self), FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (data == NULL)
    data = "";
  size = length < 0 ? strlen (data) : (gsize) length;
  if (size > SKILL_FILE_MAX_SIZE)
    {
      g_autofree gchar *size_text = g_strdup_printf ("%" G_GSIZE_FORMAT, size);

      g_set_error (error, WEFT_ERROR, WEFT_ERROR_TOO_LARGE,
                   _ ("skill description is %s bytes, more than the limit of %d"), size_text,
                   SKILL_FILE_MAX_SIZE);
      return FALSE;
    }
  /* an empty file gets its own message; the rest is the shared bounded parser's */
  if (is_blank (data, size))
    {
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                           _ ("empty; expected a JSON object describing a skill"));
      return FALSE;
    }
  root = weft_json_parse (data, (gssize) size, error);
  if (root == NULL)
    return FALSE;
  return weft_skill_load_from_json_node (self, root, error);
}

/**
 * weft_skill_load_from_file:
 * @self: a #WeftSkill
 * @path: (type filename): the path of a skill.json file
 * @error: return location for a #GError
 *
 * Like weft_skill_load_from_data(), from a file. Error messages start with
 * @path, as in `skills/echo/skill.json: field “parameters.count.type” must
 * be one of string, integer, number, boolean, object, array`. A file that
 * does not exist gives %WEFT_ERROR_NOT_FOUND.
 *
 * Returns: %TRUE on success; %FALSE with a #GError
 *
 * Since: 0.1
 */
gboolean
weft_skill_load_from_file (WeftSkill *self, const gchar *path, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree gchar *contents = NULL;
  gsize length = 0;

  g_return_val_if_fail (WEFT_IS_SKILL (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_set_error (error, WEFT_ERROR,
                   g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT)
                     ? WEFT_ERROR_NOT_FOUND
                     : WEFT_ERROR_FAILED,
                   _ ("%s: cannot read the skill description: %s"), path, local_error->message);
      return FALSE;
    }
  if (!weft_skill_load_from_data (self, contents, (gssize) length, &local_error))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "%s: ", path);
      return FALSE;
    }
  return TRUE;
}
