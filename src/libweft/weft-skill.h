/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__WEFT_INSIDE__) && !defined(WEFT_COMPILATION)
#error "Only <weft.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "weft-version-macros.h"

G_BEGIN_DECLS

/**
 * WeftSkillParamType:
 * @WEFT_SKILL_PARAM_TYPE_STRING: a JSON string (`string`)
 * @WEFT_SKILL_PARAM_TYPE_INTEGER: a JSON number without fraction or exponent (`integer`)
 * @WEFT_SKILL_PARAM_TYPE_NUMBER: any JSON number, integers included (`number`)
 * @WEFT_SKILL_PARAM_TYPE_BOOLEAN: `true` or `false` (`boolean`)
 * @WEFT_SKILL_PARAM_TYPE_OBJECT: a JSON object (`object`)
 * @WEFT_SKILL_PARAM_TYPE_ARRAY: a JSON array (`array`)
 *
 * The type of a skill parameter; the name in brackets is its `type` in
 * skill.json.
 *
 * Since: 0.1
 */
typedef enum
{
  WEFT_SKILL_PARAM_TYPE_STRING,
  WEFT_SKILL_PARAM_TYPE_INTEGER,
  WEFT_SKILL_PARAM_TYPE_NUMBER,
  WEFT_SKILL_PARAM_TYPE_BOOLEAN,
  WEFT_SKILL_PARAM_TYPE_OBJECT,
  WEFT_SKILL_PARAM_TYPE_ARRAY,
} WeftSkillParamType;

WEFT_AVAILABLE_IN_ALL
const gchar *
weft_skill_param_type_to_string (WeftSkillParamType type);
WEFT_AVAILABLE_IN_ALL
gboolean
weft_skill_param_type_from_string (const gchar *string, WeftSkillParamType *out_type);

#define WEFT_TYPE_SKILL (weft_skill_get_type ())
WEFT_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (WeftSkill, weft_skill, WEFT, SKILL, GObject)

struct _WeftSkillClass
{
  GObjectClass parent_class;

  void (*invoke_async) (WeftSkill *self,
                        JsonNode *args,
                        GCancellable *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer user_data);
  gchar *(*invoke_finish) (WeftSkill *self, GAsyncResult *result, GError **error);
  gchar *(*invoke) (WeftSkill *self,
                    const gchar *args_json,
                    GCancellable *cancellable,
                    GError **error);

  /*< private >*/
  gpointer padding[12];
};

/**
 * WeftSkillFunc:
 * @skill: the skill being invoked
 * @args: the validated arguments, a JSON object with defaults applied
 * @cancellable: (nullable): a #GCancellable
 * @task: (transfer full): the task to complete with the result
 * @user_data: the data given to weft_skill_new()
 *
 * Runs a skill created by weft_skill_new(). The function owns @task: it must
 * complete it exactly once, now or later, with g_task_return_pointer()
 * carrying a newly allocated result string and g_free(), or with
 * g_task_return_error(), and then drop its reference. @args is only valid
 * during the call; take a reference with json_node_ref() to keep it.
 *
 * Since: 0.1
 */
typedef void (*WeftSkillFunc) (WeftSkill *skill,
                               JsonNode *args,
                               GCancellable *cancellable,
                               GTask *task,
                               gpointer user_data);

WEFT_AVAILABLE_IN_ALL
WeftSkill *
weft_skill_new (const gchar *name,
                const gchar *description,
                WeftSkillFunc func,
                gpointer user_data,
                GDestroyNotify destroy);
WEFT_AVAILABLE_IN_ALL
WeftSkill *
weft_skill_new_from_file (const gchar *path, GError **error);
WEFT_AVAILABLE_IN_ALL
WeftSkill *
weft_skill_new_from_data (const gchar *data, gssize length, GError **error);
WEFT_AVAILABLE_IN_ALL
WeftSkill *
weft_skill_new_from_json_node (JsonNode *node, GError **error);

WEFT_AVAILABLE_IN_ALL
gboolean
weft_skill_load_from_file (WeftSkill *self, const gchar *path, GError **error);
WEFT_AVAILABLE_IN_ALL
gboolean
weft_skill_load_from_data (WeftSkill *self, const gchar *data, gssize length, GError **error);
WEFT_AVAILABLE_IN_ALL
gboolean
weft_skill_load_from_json_node (WeftSkill *self, JsonNode *node, GError **error);

WEFT_AVAILABLE_IN_ALL
const gchar *
weft_skill_get_name (WeftSkill *self);
WEFT_AVAILABLE_IN_ALL
void
weft_skill_set_name (WeftSkill *self, const gchar *name);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_skill_get_description (WeftSkill *self);
WEFT_AVAILABLE_IN_ALL
void
weft_skill_set_description (WeftSkill *self, const gchar *description);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_skill_get_version (WeftSkill *self);
WEFT_AVAILABLE_IN_ALL
void
weft_skill_set_version (WeftSkill *self, const gchar *version);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_skill_get_category (WeftSkill *self);
WEFT_AVAILABLE_IN_ALL
void
weft_skill_set_category (WeftSkill *self, const gchar *category);

WEFT_AVAILABLE_IN_ALL
gboolean
weft_skill_add_parameter (WeftSkill *self,
                          const gchar *name,
                          WeftSkillParamType type,
                          const gchar *description,
                          gboolean required,
                          JsonNode *default_value,
                          GError **error);
WEFT_AVAILABLE_IN_ALL
gchar **
weft_skill_dup_parameter_names (WeftSkill *self);
WEFT_AVAILABLE_IN_ALL
gboolean
weft_skill_get_parameter (WeftSkill *self,
                          const gchar *name,
                          WeftSkillParamType *out_type,
                          const gchar **out_description,
                          gboolean *out_required,
                          JsonNode **out_default);
WEFT_AVAILABLE_IN_ALL
JsonNode *
weft_skill_dup_parameters (WeftSkill *self);

WEFT_AVAILABLE_IN_ALL
JsonNode *
weft_skill_validate_arguments (WeftSkill *self, JsonNode *args, GError **error);

WEFT_AVAILABLE_IN_ALL
void
weft_skill_invoke_async (WeftSkill *self,
                         JsonNode *args,
                         GCancellable *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer user_data);
WEFT_AVAILABLE_IN_ALL
gchar *
weft_skill_invoke_finish (WeftSkill *self, GAsyncResult *result, GError **error);

WEFT_AVAILABLE_IN_ALL
JsonNode *
weft_skill_to_json_node (WeftSkill *self);

G_END_DECLS
