/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "weft-error.h"
#include "weft-json-private.h"
#include "weft-skill-private.h"

/**
 * WeftSkill:
 *
 * A named function an agent offers to the mesh, with the parameter schema
 * of a chatixia `skill.json`:
 *
 * ```json
 * {"name": "echo", "description": "Repeats a text", "version": "1.0.0",
 *  "category": "demo",
 *  "parameters": {"text": {"type": "string", "description": "what to say",
 *                          "required": true},
 *                 "times": {"type": "integer", "default": 1}}}
 * ```
 *
 * A parameter's `type` is one of `string`, `integer`, `number`, `boolean`,
 * `object` and `array` (see #WeftSkillParamType); `required` defaults to
 * false; a `default` must have the parameter's type.
 *
 * Before a call runs, weft_skill_invoke_async() checks its arguments
 * (see weft_skill_validate_arguments()): every required parameter must be
 * present, every value must have its parameter's type (an integer is a
 * valid `number`, a boolean is not an `integer`), and an argument the
 * schema does not declare is refused, because implementations receive the
 * arguments as keyword arguments. Missing optional parameters get their
 * defaults; a null argument counts as missing.
 *
 * A skill is implemented in one of three ways:
 *
 * - from C with a #WeftSkillFunc given to weft_skill_new(), which may
 *   complete its #GTask later;
 * - by a C subclass that overrides the `invoke_async` and `invoke_finish`
 *   virtual functions;
 * - by a subclass that overrides the synchronous `invoke` virtual function,
 *   which takes and returns JSON text. This is the easy way for Python
 *   (`do_invoke`) and GJS (`vfunc_invoke`); it runs in the thread that
 *   called weft_skill_invoke_async(), never in a worker thread.
 *
 * Results are strings, as chatixia's are; an implementation with nothing to
 * say returns an empty string. A failure is a #GError (in Python, raise
 * `GLib.Error`: other exceptions cannot cross the binding and are reported
 * as %WEFT_ERROR_FAILED without their message). A cancelled invocation finishes
 * with %WEFT_ERROR_CANCELLED as soon as its #GCancellable is cancelled,
 * whether or not the implementation notices.
 *
 * Since: 0.1
 */

/**
 * WeftSkillClass:
 * @parent_class: the parent class
 * @invoke_async: starts running the skill with arguments that were already
 *   validated (a JSON object, valid only during the call: take a reference
 *   to keep it); the default runs the #WeftSkillFunc of weft_skill_new(),
 *   or else the @invoke virtual function
 * @invoke_finish: finishes @invoke_async and returns the result
 * @invoke: runs the skill synchronously in the calling thread; the
 *   arguments are a JSON object in text form
 *
 * The virtual functions of #WeftSkill. Override either @invoke_async with
 * @invoke_finish, or only @invoke.
 *
 * Since: 0.1
 */

/**
 * WeftSkillClass::invoke:
 * @self: a #WeftSkill
 * @args_json: the validated arguments, a JSON object as text
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Runs the skill synchronously in the calling thread.
 *
 * Returns: (transfer full) (nullable): the result text; %NULL with @error
 *   set on failure. Return an empty string for no output: a %NULL result
 *   without an error is reported as a failure, since that is what a
 *   script's uncaught exception (other than a #GError) turns into
 *
 * Since: 0.1
 */

typedef struct
{
  WeftSkillSchema *schema; /* (owned) */
  WeftSkillFunc func;      /* (nullable) */
  gpointer func_data;      /* (owned by func_destroy) */
  GDestroyNotify func_destroy;
} WeftSkillPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (WeftSkill, weft_skill, G_TYPE_OBJECT)

typedef enum
{
  PROP_NAME = 1,
  PROP_DESCRIPTION,
  PROP_VERSION,
  PROP_CATEGORY,
  PROP_PARAMETERS,
} WeftSkillProperty;

static GParamSpec *props[PROP_PARAMETERS + 1];

static WeftSkillSchema *
get_schema (WeftSkill *self)
{
  WeftSkillPrivate *priv = weft_skill_get_instance_private (self);

  return priv->schema;
}

static void
weft_skill_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  WeftSkill *self = WEFT_SKILL (object);
  WeftSkillSchema *schema = get_schema (self);

  switch ((WeftSkillProperty) prop_id)
    {
      case PROP_NAME:
        g_value_set_string (value, schema->name);
        break;
      case PROP_DESCRIPTION:
        g_value_set_string (value, schema->description);
        break;
      case PROP_VERSION:
        g_value_set_string (value, schema->version);
        break;
      case PROP_CATEGORY:
        g_value_set_string (value, schema->category);
        break;
      case PROP_PARAMETERS:
        g_value_take_boxed (value, weft_skill_schema_params_to_json_node (schema));
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
weft_skill_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  WeftSkill *self = WEFT_SKILL (object);

  switch ((WeftSkillProperty) prop_id)
    {
      case PROP_NAME:
        weft_skill_set_name (self, g_value_get_string (value));
        break;
      case PROP_DESCRIPTION:
        weft_skill_set_description (self, g_value_get_string (value));
        break;
      case PROP_VERSION:
        weft_skill_set_version (self, g_value_get_string (value));
        break;
      case PROP_CATEGORY:
        weft_skill_set_category (self, g_value_get_string (value));
        break;
      case PROP_PARAMETERS:
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
weft_skill_finalize (GObject *object)
{
  WeftSkillPrivate *priv = weft_skill_get_instance_private (WEFT_SKILL (object));

  g_clear_pointer (&priv->schema, weft_skill_schema_free);
  if (priv->func_destroy != NULL)
    priv->func_destroy (priv->func_data);

  G_OBJECT_CLASS (weft_skill_parent_class)->finalize (object);
}

static void
weft_skill_real_invoke_async (WeftSkill *self,
                              JsonNode *args,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data);
static gchar *
weft_skill_real_invoke_finish (WeftSkill *self, GAsyncResult *result, GError **error);

static void
weft_skill_class_init (WeftSkillClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = weft_skill_get_property;
  object_class->set_property = weft_skill_set_property;
  object_class->finalize = weft_skill_finalize;

  klass->invoke_async = weft_skill_real_invoke_async;
  klass->invoke_finish = weft_skill_real_invoke_finish;

  /**
   * WeftSkill:name:
   *
   * The name the skill is found and called by; must not be empty.
   *
   * Since: 0.1
   */
  props[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);

  /**
   * WeftSkill:description:
   *
   * What the skill does, for people and for language models.
   *
   * Since: 0.1
   */
  props[PROP_DESCRIPTION] = g_param_spec_string ("description", NULL, NULL, "", flags);

  /**
   * WeftSkill:version:
   *
   * The version of the skill, free-form (usually `major.minor.patch`).
   *
   * Since: 0.1
   */
  props[PROP_VERSION] = g_param_spec_string ("version", NULL, NULL, "", flags);

  /**
   * WeftSkill:category:
   *
   * A free-form category such as `mesh`.
   *
   * Since: 0.1
   */
  props[PROP_CATEGORY] = g_param_spec_string ("category", NULL, NULL, "", flags);

  /**
   * WeftSkill:parameters:
   *
   * The parameter schema: the `parameters` object of skill.json. Each read
   * returns a new copy.
   *
   * Since: 0.1
   */
  props[PROP_PARAMETERS] =
    g_param_spec_boxed ("parameters", NULL, NULL, JSON_TYPE_NODE,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, G_N_ELEMENTS (props), props);
}

static void
weft_skill_init (WeftSkill *self)
{
  WeftSkillPrivate *priv = weft_skill_get_instance_private (self);

  priv->schema = weft_skill_schema_new ();
}

/**
 * weft_skill_new:
 * @name: the skill name, not empty
 * @description: (nullable): what the skill does
 * @func: (scope notified) (closure user_data) (destroy destroy): the implementation
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data when the skill is finalised
 *
 * Creates a skill implemented by @func and without parameters; declare them
 * with weft_skill_add_parameter() or load them with
 * weft_skill_load_from_file().
 *
 * Returns: (transfer full): a new #WeftSkill
 *
 * Since: 0.1
 */
WeftSkill *
weft_skill_new (const gchar *name,
                const gchar *description,
                WeftSkillFunc func,
                gpointer user_data,
                GDestroyNotify destroy)
{
  WeftSkill *self;
  WeftSkillPrivate *priv;

  g_return_val_if_fail (name != NULL && name[0] != '\0', NULL);
  g_return_val_if_fail (func != NULL, NULL);

  self = g_object_new (WEFT_TYPE_SKILL, "name", name, "description", description, NULL);
  priv = weft_skill_get_instance_private (self);
  priv->func = func;
  priv->func_data = user_data;
  priv->func_destroy = destroy;
  return self;
}

/* takes ownership of @schema and tells everyone what changed */
void
weft_skill_replace_schema (WeftSkill *self, WeftSkillSchema *schema)
{
  WeftSkillPrivate *priv = weft_skill_get_instance_private (self);

  weft_skill_schema_free (priv->schema);
  priv->schema = schema;

  g_object_freeze_notify (G_OBJECT (self));
  for (guint i = PROP_NAME; i < G_N_ELEMENTS (props); i++)
    g_object_notify_by_pspec (G_OBJECT (self), props[i]);
  g_object_thaw_notify (G_OBJECT (self));
}

/**
 * weft_skill_get_name:
 * @self: a #WeftSkill
 *
 * Returns: (nullable): the name, %NULL only before one was set
 *
 * Since: 0.1
 */
const gchar *
weft_skill_get_name (WeftSkill *self)
{
  g_return_val_if_fail (WEFT_IS_SKILL (self), NULL);
  return get_schema (self)->name;
}

/**
 * weft_skill_set_name:
 * @self: a #WeftSkill
 * @name: the new name, not empty
 *
 * Renames the skill.
 *
 * Since: 0.1
 */
void
weft_skill_set_name (WeftSkill *self, const gchar *name)
{
  WeftSkillSchema *schema;

  g_return_if_fail (WEFT_IS_SKILL (self));
  g_return_if_fail (name != NULL && name[0] != '\0');

  schema = get_schema (self);
  if (g_strcmp0 (schema->name, name) == 0)
    return;
  g_free (schema->name);
  schema->name = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_NAME]);
}

static void
set_text (WeftSkill *self, gchar **field, const gchar *value, WeftSkillProperty prop)
{
  if (value == NULL)
    value = "";
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), props[prop]);
}

/**
 * weft_skill_get_description:
 * @self: a #WeftSkill
 *
 * Returns: the description, possibly empty
 *
 * Since: 0.1
 */
const gchar *
weft_skill_get_description (WeftSkill *self)
{
  g_return_val_if_fail (WEFT_IS_SKILL (self), NULL);
  return get_schema (self)->description;
}

/**
 * weft_skill_set_description:
 * @self: a #WeftSkill
 * @description: (nullable): the new description; %NULL for none
 *
 * Since: 0.1
 */
void
weft_skill_set_description (WeftSkill *self, const gchar *description)
{
  g_return_if_fail (WEFT_IS_SKILL (self));
  set_text (self, &get_schema (self)->description, description, PROP_DESCRIPTION);
}

/**
 * weft_skill_get_version:
 * @self: a #WeftSkill
 *
 * Returns: the version, possibly empty
 *
 * Since: 0.1
 */
const gchar *
weft_skill_get_version (WeftSkill *self)
{
  g_return_val_if_fail (WEFT_IS_SKILL (self), NULL);
  return get_schema (self)->version;
}

/**
 * weft_skill_set_version:
 * @self: a #WeftSkill
 * @version: (nullable): the new version; %NULL for none
 *
 * Since: 0.1
 */
void
weft_skill_set_version (WeftSkill *self, const gchar *version)
{
  g_return_if_fail (WEFT_IS_SKILL (self));
  set_text (self, &get_schema (self)->version, version, PROP_VERSION);
}

/**
 * weft_skill_get_category:
 * @self: a #WeftSkill
 *
 * Returns: the category, possibly empty
 *
 * Since: 0.1
 */
const gchar *
weft_skill_get_category (WeftSkill *self)
{
  g_return_val_if_fail (WEFT_IS_SKILL (self), NULL);
  return get_schema (self)->category;
}

/**
 * weft_skill_set_category:
 * @self: a #WeftSkill
 * @category: (nullable): the new category; %NULL for none
 *
 * Since: 0.1
 */
void
weft_skill_set_category (WeftSkill *self, const gchar *category)
{
  g_return_if_fail (WEFT_IS_SKILL (self));
  set_text (self, &get_schema (self)->category, category, PROP_CATEGORY);
}

/**
 * weft_skill_add_parameter:
 * @self: a #WeftSkill
 * @name: the parameter name, not empty and not yet declared
 * @type: the parameter type
 * @description: (nullable): what the parameter means
 * @required: whether every call must give it
 * @default_value: (nullable): the value used when a call omits it (copied);
 *   %NULL or JSON null for none
 * @error: return location for a #GError
 *
 * Declares one more parameter.
 *
 * Returns: %TRUE on success; %FALSE with %WEFT_ERROR_ALREADY_EXISTS for a
 *   duplicate name, or %WEFT_ERROR_INVALID_ARGUMENT for an empty name or a
 *   default of the wrong type
 *
 * Since: 0.1
 */
gboolean
weft_skill_add_parameter (WeftSkill *self,
                          const gchar *name,
                          WeftSkillParamType type,
                          const gchar *description,
                          gboolean required,
                          JsonNode *default_value,
                          GError **error)
{
  WeftSkillSchema *schema;
  g_autoptr (WeftSkillParam) param = NULL;

  g_return_val_if_fail (WEFT_IS_SKILL (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  schema = get_schema (self);
  if (name[0] == '\0' || (guint) type > WEFT_SKILL_PARAM_TYPE_ARRAY)
    {
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                           _ ("a skill parameter needs a name and a known type"));
      return FALSE;
    }
  if (weft_skill_schema_lookup (schema, name) != NULL)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_ALREADY_EXISTS,
                   _ ("skill “%s” already has a parameter “%s”"),
                   schema->name != NULL ? schema->name : "", name);
      return FALSE;
    }
  param = weft_skill_param_new (name, type, description, required, default_value);
  if (param->default_value != NULL && !weft_skill_param_accepts (param, param->default_value))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("the default of parameter “%s” must be of type %s, not %s"), name,
                   weft_skill_param_type_to_string (type),
                   weft_json_describe (param->default_value));
      return FALSE;
    }
  g_ptr_array_add (schema->params, g_steal_pointer (&param));
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PARAMETERS]);
  return TRUE;
}

/**
 * weft_skill_dup_parameter_names:
 * @self: a #WeftSkill
 *
 * The names of the declared parameters, in declaration order.
 *
 * Returns: (transfer full) (array zero-terminated=1): the names
 *
 * Since: 0.1
 */
gchar **
weft_skill_dup_parameter_names (WeftSkill *self)
{
  WeftSkillSchema *schema;
  GStrvBuilder *builder;
  gchar **names;

  g_return_val_if_fail (WEFT_IS_SKILL (self), NULL);

  schema = get_schema (self);
  builder = g_strv_builder_new ();
  for (guint i = 0; i < schema->params->len; i++)
    g_strv_builder_add (builder, ((WeftSkillParam *) g_ptr_array_index (schema->params, i))->name);
  names = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return names;
}

/**
 * weft_skill_get_parameter:
 * @self: a #WeftSkill
 * @name: a parameter name
 * @out_type: (out) (optional): return location for the type
 * @out_description: (out) (optional) (transfer none): return location for
 *   the description
 * @out_required: (out) (optional): return location for whether it is required
 * @out_default: (out) (optional) (nullable) (transfer none): return location
 *   for the default value, %NULL when there is none
 *
 * Looks up a declared parameter.
 *
 * Returns: %TRUE if @self has a parameter @name
 *
 * Since: 0.1
 */
gboolean
weft_skill_get_parameter (WeftSkill *self,
                          const gchar *name,
                          WeftSkillParamType *out_type,
                          const gchar **out_description,
                          gboolean *out_required,
                          JsonNode **out_default)
{
  WeftSkillParam *param;

  g_return_val_if_fail (WEFT_IS_SKILL (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  param = weft_skill_schema_lookup (get_schema (self), name);
  if (param == NULL)
    return FALSE;
  if (out_type != NULL)
    *out_type = param->type;
  if (out_description != NULL)
    *out_description = param->description;
  if (out_required != NULL)
    *out_required = param->required;
  if (out_default != NULL)
    *out_default = param->default_value;
  return TRUE;
}

/**
 * weft_skill_dup_parameters:
 * @self: a #WeftSkill
 *
 * The parameter schema as the `parameters` object of skill.json.
 *
 * Returns: (transfer full): a JSON object node
 *
 * Since: 0.1
 */
JsonNode *
weft_skill_dup_parameters (WeftSkill *self)
{
  g_return_val_if_fail (WEFT_IS_SKILL (self), NULL);
  return weft_skill_schema_params_to_json_node (get_schema (self));
}

/**
 * weft_skill_to_json_node:
 * @self: a #WeftSkill
 *
 * Describes @self in the skill.json format, with the keys `name`,
 * `description`, `version`, `category` and `parameters` in that order;
 * each parameter has `type`, `description`, `required` and, when it has
 * one, `default`.
 *
 * Returns: (transfer full): a JSON object node
 *
 * Since: 0.1
 */
JsonNode *
weft_skill_to_json_node (WeftSkill *self)
{
  g_return_val_if_fail (WEFT_IS_SKILL (self), NULL);
  return weft_skill_schema_to_json_node (get_schema (self));
}

/**
 * weft_skill_validate_arguments:
 * @self: a #WeftSkill
 * @args: (nullable): the arguments of a call, a JSON object; %NULL or JSON
 *   null for none
 * @error: return location for a #GError
 *
 * Checks @args against the parameter schema (see #WeftSkill for the rules)
 * and fills in defaults.
 *
 * Returns: (transfer full): a new JSON object holding the declared
 *   parameters that have a value, in declaration order, or %NULL with
 *   %WEFT_ERROR_INVALID_ARGUMENT naming the parameter that is wrong
 *
 * Since: 0.1
 */
JsonNode *
weft_skill_validate_arguments (WeftSkill *self, JsonNode *args, GError **error)
{
  g_return_val_if_fail (WEFT_IS_SKILL (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return weft_skill_schema_validate (get_schema (self), args, error);
}

/* an implementation that gave neither a result nor an error most likely
 * failed in a way the binding could not turn into a GError */
static void
return_no_result (GTask *task)
{
  WeftSkill *self = g_task_get_source_object (task);

  g_task_return_new_error (task, WEFT_ERROR, WEFT_ERROR_FAILED,
                           _ ("skill “%s” returned neither a result nor an error; its "
                              "implementation probably failed (see the log)"),
                           weft_skill_get_name (self));
}

/* the default invoke_async: the callback of weft_skill_new(), else the
 * synchronous vfunc, run right here in the calling thread (script objects
 * must not be touched from other threads) */
static void
weft_skill_real_invoke_async (WeftSkill *self,
                              JsonNode *args,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data)
{
  WeftSkillPrivate *priv = weft_skill_get_instance_private (self);
  WeftSkillClass *klass = WEFT_SKILL_GET_CLASS (self);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *args_json = NULL;
  gchar *result;

  g_task_set_source_tag (task, weft_skill_real_invoke_async);

  if (priv->func != NULL)
    {
      priv->func (self, args, cancellable, g_steal_pointer (&task), priv->func_data);
      return;
    }
  if (klass->invoke == NULL)
    {
      g_task_return_new_error (task, WEFT_ERROR, WEFT_ERROR_NOT_SUPPORTED,
                               _ ("skill “%s” has no implementation; it was only described"),
                               weft_skill_get_name (self));
      return;
    }

  args_json = json_to_string (args, FALSE);
  result = klass->invoke (self, args_json, cancellable, &error);
  if (error != NULL)
    {
      g_free (result);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (result == NULL)
    {
      return_no_result (task);
      return;
    }
  g_task_return_pointer (task, result, g_free);
}

static gchar *
weft_skill_real_invoke_finish (WeftSkill *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  GSource *cancel_source; /* (owned) (nullable) */
  gboolean returned;
} InvokeData;

static void
invoke_data_free (InvokeData *data)
{
  if (data->cancel_source != NULL)
    {
      g_source_destroy (data->cancel_source);
      g_source_unref (data->cancel_source);
    }
  g_free (data);
}

static void
return_cancelled (GTask *task)
{
  WeftSkill *self = g_task_get_source_object (task);

  g_task_return_new_error (task, WEFT_ERROR, WEFT_ERROR_CANCELLED,
                           _ ("the invocation of skill “%s” was cancelled"),
                           weft_skill_get_name (self));
}

static gboolean
on_invoke_cancelled (GCancellable *cancellable, gpointer user_data)
{
  GTask *task = user_data;
  InvokeData *data = g_task_get_task_data (task);

  /* answer at once; whatever the implementation returns later is dropped */
  if (!data->returned)
    {
      data->returned = TRUE;
      return_cancelled (task);
    }
  return G_SOURCE_REMOVE;
}

static void
on_invoke_done (GObject *source_object, GAsyncResult *result, gpointer user_data)
{
  WeftSkill *self = WEFT_SKILL (source_object);
  g_autoptr (GTask) task = user_data;
  InvokeData *data = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *value = NULL;

  value = WEFT_SKILL_GET_CLASS (self)->invoke_finish (self, result, &error);
  if (data->cancel_source != NULL)
    g_source_destroy (data->cancel_source);
  if (data->returned)
    return;
  data->returned = TRUE;

  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return_cancelled (task);
  else if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else if (value == NULL)
    return_no_result (task);
  else
    g_task_return_pointer (task, g_steal_pointer (&value), g_free);
}

/**
 * weft_skill_invoke_async:
 * @self: a #WeftSkill
 * @args: (nullable): the arguments, a JSON object; %NULL or JSON null for none
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the invocation finished
 * @user_data: data for @callback
 *
 * Validates @args against the parameter schema and runs the skill with the
 * validated arguments (defaults filled in). Finish with
 * weft_skill_invoke_finish().
 *
 * Since: 0.1
 */
void
weft_skill_invoke_async (WeftSkill *self,
                         JsonNode *args,
                         GCancellable *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (JsonNode) validated = NULL;
  g_autoptr (GError) error = NULL;
  InvokeData *data;

  g_return_if_fail (WEFT_IS_SKILL (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, weft_skill_invoke_async);
  /* cancellation is answered with WEFT_ERROR_CANCELLED below, not by GTask */
  g_task_set_check_cancellable (task, FALSE);
  data = g_new0 (InvokeData, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) invoke_data_free);

  if (g_cancellable_is_cancelled (cancellable))
    {
      data->returned = TRUE;
      return_cancelled (task);
      return;
    }
  validated = weft_skill_validate_arguments (self, args, &error);
  if (validated == NULL)
    {
      data->returned = TRUE;
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (cancellable != NULL)
    {
      data->cancel_source = g_cancellable_source_new (cancellable);
      g_task_attach_source (task, data->cancel_source, G_SOURCE_FUNC (on_invoke_cancelled));
    }

  g_debug ("invoking skill %s", weft_skill_get_name (self));
  WEFT_SKILL_GET_CLASS (self)->invoke_async (self, validated, cancellable, on_invoke_done,
                                             g_steal_pointer (&task));
}

/**
 * weft_skill_invoke_finish:
 * @self: a #WeftSkill
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes weft_skill_invoke_async().
 *
 * Returns: (transfer full): the result text, or %NULL with
 *   %WEFT_ERROR_INVALID_ARGUMENT for arguments that do not fit the schema,
 *   %WEFT_ERROR_CANCELLED when it was cancelled,
 *   %WEFT_ERROR_NOT_SUPPORTED for a skill without implementation, or the
 *   implementation's error
 *
 * Since: 0.1
 */
gchar *
weft_skill_invoke_finish (WeftSkill *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (WEFT_IS_SKILL (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == weft_skill_invoke_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
