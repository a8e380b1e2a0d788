/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "weft-agent.h"
#include "weft-mesh-agent-private.h"

G_BEGIN_DECLS

struct _WeftAgent
{
  GObject parent_instance;

  WeftManifest *manifest;     /* (owned) */
  gchar *name;                /* (owned) */
  gchar *hostname;            /* (owned) */
  WeftRegistryClient *client; /* (owned) */
  WeftSignaling *signaling;   /* (owned) */
  WeftMeshAgent *mesh;        /* (owned) the direct path over DataChannels */
  GHashTable *skills;         /* (owned) (element-type utf8 WeftSkill) */
  GHashTable *extra_skills;   /* (owned) (element-type utf8 WeftSkill) added by scripts */
  GHashTable *peers;          /* (owned) (element-type utf8 WeftPeer) by agent id */
  GHashTable *online;         /* (owned) (element-type utf8) peer ids on signaling now */
  GHashTable *running;        /* (owned) (element-type utf8 WeftAgentRun) by task id */
  GQueue recent;              /* (element-type JsonNode) finished tasks, newest first */
  GQueue reports;             /* (element-type WeftAgentReport) updates to retry */
  GHashTable *waiters;        /* (owned) (element-type utf8 GTask) delegations by task id */
  GCancellable *cancellable;  /* (owned) (nullable) while started */
  WeftAgentState state;
  guint heartbeat_interval;
  guint max_concurrent;
  guint task_timeout;
  gboolean push;
  gboolean have_credentials;
  guint heartbeat_id;
  gboolean heartbeat_inflight;
  gboolean heartbeat_again; /* the load changed during the one in flight */
  GTask *stop_task;         /* (owned) (nullable) a stop waiting for that heartbeat */
  gboolean registry_reachable;
  gboolean registered;
  gint64 started_at;
};

typedef struct
{
  WeftAgent *agent;          /* (unowned) */
  gchar *id;                 /* (owned) */
  gchar *skill;              /* (owned) */
  gchar *source;             /* (owned) */
  GCancellable *cancellable; /* (owned) */
  gint64 started_at;
  guint timeout_id;
  gboolean timed_out;
} WeftAgentRun;

/* a node that owns @object (json_node_init_object() would add a reference) */
static inline JsonNode *
weft_agent_node_take_object (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

static inline JsonNode *
weft_agent_node_take_array (JsonArray *array)
{
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  json_node_take_array (node, array);
  return node;
}

/* weft-agent-skills.c: the built-in skills */
gboolean
weft_agent_is_builtin_skill (const gchar *name);
WeftSkill *
weft_agent_create_builtin_skill (WeftAgent *self, const gchar *name, GError **error);

/* weft-agent-exec.c: skills from skill directories */
WeftSkill *
weft_agent_load_exec_skill (WeftAgent *self, const gchar *dir, GError **error);

/* weft-agent.c */
void
weft_agent_emit_agent_prompt (WeftAgent *self,
                              const gchar *from,
                              const gchar *message,
                              JsonNode *payload);
void
weft_agent_refresh_peers (WeftAgent *self);

/* the arguments a task or task_request payload gives @skill: the payload's
 * members the skill declares (a bare string becomes `message`) */
JsonNode *
weft_agent_args_for_skill (WeftSkill *skill, JsonNode *payload);

/* weft-agent.c: registry tasks and direct calls running now, against
 * weft.max_concurrent_tasks */
guint
weft_agent_get_load (WeftAgent *self);
void
weft_agent_load_changed (WeftAgent *self);
/* a task_request over a DataChannel started or ended here: the same
 * task-started / task-finished signals as registry tasks, @id the request id */
void
weft_agent_direct_task_started (WeftAgent *self, const gchar *id, const gchar *skill);
void
weft_agent_direct_task_finished (WeftAgent *self,
                                 const gchar *id,
                                 const gchar *state,
                                 const gchar *text);

/* weft-agent-skills.c: a fire-and-forget delegation the target did not run
 * over the channel goes to the registry queue */
void
weft_agent_requeue_delegation (WeftAgent *self,
                               const gchar *target,
                               const gchar *skill,
                               const gchar *message,
                               const gchar *reason,
                               gint64 elapsed_us);

/* weft-agent-skills.c: a task_updated push for a delegation this agent waits on */
void
weft_agent_complete_delegation (WeftAgent *self, JsonNode *task);

G_END_DECLS
