/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "weft-skill.h"

G_BEGIN_DECLS

/* one parameter of a skill's schema */
typedef struct
{
  gchar *name; /* (owned) */
  WeftSkillParamType type;
  gchar *description; /* (owned) never NULL */
  gboolean required;
  JsonNode *default_value; /* (owned) (nullable) */
} WeftSkillParam;

/* what skill.json describes: the metadata and the parameters of a skill */
typedef struct
{
  gchar *name;        /* (owned) (nullable) */
  gchar *description; /* (owned) never NULL */
  gchar *version;     /* (owned) never NULL */
  gchar *category;    /* (owned) never NULL */
  GPtrArray *params;  /* (owned) (element-type WeftSkillParam) in declaration order */
} WeftSkillSchema;

WeftSkillParam *
weft_skill_param_new (const gchar *name,
                      WeftSkillParamType type,
                      const gchar *description,
                      gboolean required,
                      JsonNode *default_value);
void
weft_skill_param_free (WeftSkillParam *param);
gboolean
weft_skill_param_accepts (const WeftSkillParam *param, JsonNode *value);

WeftSkillSchema *
weft_skill_schema_new (void);
void
weft_skill_schema_free (WeftSkillSchema *schema);
WeftSkillSchema *
weft_skill_schema_new_from_json_node (JsonNode *node, GError **error);
WeftSkillParam *
weft_skill_schema_lookup (WeftSkillSchema *schema, const gchar *name);
JsonNode *
weft_skill_schema_validate (WeftSkillSchema *schema, JsonNode *args, GError **error);
JsonNode *
weft_skill_schema_params_to_json_node (WeftSkillSchema *schema);
JsonNode *
weft_skill_schema_to_json_node (WeftSkillSchema *schema);

void
weft_skill_replace_schema (WeftSkill *self, WeftSkillSchema *schema);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WeftSkillSchema, weft_skill_schema_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WeftSkillParam, weft_skill_param_free)

G_END_DECLS
