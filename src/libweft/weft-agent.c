/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "weft-agent-private.h"
#include "weft-enums.h"
#include "weft-error.h"

/**
 * WeftAgent:
 *
 * An agent of the mesh, built from a #WeftManifest: everything `weft-agent`
 * does, usable from C, Python and GJS.
 *
 * weft_agent_start_async() gets a token for the manifest's credential (API key
 * or device token), registers the agent with its real signaling peer id as
 * `sidecar_peer_id`, opens the registry's `/ws` for signaling and task push,
 * and heartbeats on a timer with its skills, running tasks and capacity. Tasks
 * that arrive by push or in a heartbeat reply run concurrently up to
 * `weft.max_concurrent_tasks`; a task beyond that is handed back to the queue.
 * Each task is reported `running`, then `completed` or `failed`; reports that
 * cannot reach the registry are kept and sent again once it is back.
 * weft_agent_stop_async() hands running tasks back and deregisters.
 *
 * Skills are the built-in ones named in the manifest (`list_agents`,
 * `find_agent`, `delegate`, `mesh_send`, `mesh_broadcast`,
 * `user_intervention`), the executable skills of `skills.dirs`, and any added
 * with weft_agent_add_skill(); names in `skills.disabled` are never offered.
 *
 * Since: 0.1
 */

G_DEFINE_TYPE (WeftAgent, weft_agent, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_MANIFEST,
  PROP_NAME,
  PROP_PEER_ID,
  PROP_REGISTRY,
  PROP_STATE,
  PROP_RUNNING_TASKS,
  PROP_HEARTBEAT_INTERVAL,
  PROP_PUSH,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

enum
{
  SIGNAL_TASK_STARTED,
  SIGNAL_TASK_FINISHED,
  SIGNAL_PEER_CHANGED,
  SIGNAL_AGENT_PROMPT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

#define RECENT_MAX 64

typedef struct
{
  gchar *id;    /* (owned) */
  gchar *state; /* (owned) */
  gchar *result;
  gchar *error;
} WeftAgentReport;

static void
report_free (WeftAgentReport *r)
{
  g_free (r->id);
  g_free (r->state);
  g_free (r->result);
  g_free (r->error);
  g_free (r);
}

static void
run_free (WeftAgentRun *run)
{
  g_clear_handle_id (&run->timeout_id, g_source_remove);
  g_free (run->id);
  g_free (run->skill);
  g_free (run->source);
  g_clear_object (&run->cancellable);
  g_free (run);
}

static void
heartbeat_now (WeftAgent *self);
static gboolean
load_skills (WeftAgent *self, GError **error);
static void
deregister (GTask *task);

static void
weft_agent_dispose (GObject *object)
{
  WeftAgent *self = WEFT_AGENT (object);

  g_clear_handle_id (&self->heartbeat_id, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->signaling != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->signaling, self);
      weft_signaling_stop (self->signaling);
    }
  if (self->mesh != NULL)
    g_signal_handlers_disconnect_by_data (weft_mesh_agent_get_mesh (self->mesh), self);
  g_clear_object (&self->mesh);
  g_clear_object (&self->signaling);
  g_clear_pointer (&self->running, g_hash_table_unref);
  g_clear_pointer (&self->waiters, g_hash_table_unref);
  G_OBJECT_CLASS (weft_agent_parent_class)->dispose (object);
}

static void
weft_agent_finalize (GObject *object)
{
  WeftAgent *self = WEFT_AGENT (object);

  g_clear_object (&self->manifest);
  g_clear_object (&self->client);
  g_free (self->name);
  g_free (self->hostname);
  g_clear_pointer (&self->skills, g_hash_table_unref);
  g_clear_pointer (&self->extra_skills, g_hash_table_unref);
  g_clear_pointer (&self->peers, g_hash_table_unref);
  g_clear_pointer (&self->online, g_hash_table_unref);
  g_queue_clear_full (&self->recent, (GDestroyNotify) json_node_unref);
  g_queue_clear_full (&self->reports, (GDestroyNotify) report_free);
  G_OBJECT_CLASS (weft_agent_parent_class)->finalize (object);
}

static void
weft_agent_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  WeftAgent *self = WEFT_AGENT (object);

  switch (prop_id)
    {
      case PROP_MANIFEST:
        g_value_set_object (value, self->manifest);
        break;
      case PROP_NAME:
        g_value_set_string (value, self->name);
        break;
      case PROP_PEER_ID:
        g_value_set_string (value, weft_agent_get_peer_id (self));
        break;
      case PROP_REGISTRY:
        g_value_set_string (value, weft_agent_get_registry (self));
        break;
      case PROP_STATE:
        g_value_set_enum (value, self->state);
        break;
      case PROP_RUNNING_TASKS:
        g_value_set_uint (value, weft_agent_get_running_tasks (self));
        break;
      case PROP_HEARTBEAT_INTERVAL:
        g_value_set_uint (value, self->heartbeat_interval);
        break;
      case PROP_PUSH:
        g_value_set_boolean (value, self->push);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
weft_agent_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  WeftAgent *self = WEFT_AGENT (object);

  switch (prop_id)
    {
      case PROP_MANIFEST:
        self->manifest = g_value_dup_object (value);
        break;
      case PROP_HEARTBEAT_INTERVAL:
        weft_agent_set_heartbeat_interval (self, g_value_get_uint (value));
        break;
      case PROP_PUSH:
        weft_agent_set_push (self, g_value_get_boolean (value));
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
weft_agent_real_agent_prompt (WeftAgent *self,
                              const gchar *from,
                              const gchar *message,
                              JsonNode *payload)
{
  g_message ("message from %s: %s", from != NULL && *from != '\0' ? from : "?", message);
}

static void
weft_agent_class_init (WeftAgentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = weft_agent_dispose;
  object_class->finalize = weft_agent_finalize;
  object_class->get_property = weft_agent_get_property;
  object_class->set_property = weft_agent_set_property;

  /**
   * WeftAgent:manifest:
   *
   * The manifest the agent was built from.
   *
   * Since: 0.1
   */
  props[PROP_MANIFEST] =
    g_param_spec_object ("manifest", NULL, NULL, WEFT_TYPE_MANIFEST,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * WeftAgent:name:
   *
   * The agent id (the manifest's `name`).
   *
   * Since: 0.1
   */
  props[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, ro);
  /**
   * WeftAgent:peer-id:
   *
   * The signaling peer id the registry gave with the token; empty before.
   *
   * Since: 0.1
   */
  props[PROP_PEER_ID] = g_param_spec_string ("peer-id", NULL, NULL, NULL, ro);
  /**
   * WeftAgent:registry:
   *
   * The registry URL.
   *
   * Since: 0.1
   */
  props[PROP_REGISTRY] = g_param_spec_string ("registry", NULL, NULL, NULL, ro);
  /**
   * WeftAgent:state:
   *
   * Where the agent is in its life cycle.
   *
   * Since: 0.1
   */
  props[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, WEFT_TYPE_AGENT_STATE, WEFT_AGENT_STATE_STOPPED, ro);
  /**
   * WeftAgent:running-tasks:
   *
   * How many tasks run now.
   *
   * Since: 0.1
   */
  props[PROP_RUNNING_TASKS] = g_param_spec_uint ("running-tasks", NULL, NULL, 0, G_MAXUINT, 0, ro);
  /**
   * WeftAgent:heartbeat-interval:
   *
   * Seconds between heartbeats.
   *
   * Since: 0.1
   */
  props[PROP_HEARTBEAT_INTERVAL] =
    g_param_spec_uint ("heartbeat-interval", NULL, NULL, 1, 3600, 15, rw);
  /**
   * WeftAgent:push:
   *
   * Whether the agent keeps the registry's `/ws` open for task push and
   * signaling. Without it tasks arrive only in heartbeat replies, as with
   * the reference agent. Takes effect at the next start.
   *
   * Since: 0.1
   */
  props[PROP_PUSH] = g_param_spec_boolean ("push", NULL, NULL, TRUE, rw);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * WeftAgent::task-started:
   * @self: the #WeftAgent
   * @task_id: the task id
   * @skill: the skill it runs
   *
   * A task started running here: a task from the registry, or a
   * `task_request` that came over a DataChannel (@task_id is then its
   * request id).
   *
   * Since: 0.1
   */
  signals[SIGNAL_TASK_STARTED] =
    g_signal_new ("task-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  /**
   * WeftAgent::task-finished:
   * @self: the #WeftAgent
   * @task_id: the task id
   * @state: `completed`, `failed`, `cancelled` (a request over a DataChannel
   *   that its sender cancelled) or `pending` (handed back)
   * @text: the result, or the error
   *
   * A task that ran here finished.
   *
   * Since: 0.1
   */
  signals[SIGNAL_TASK_FINISHED] =
    g_signal_new ("task-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
  /**
   * WeftAgent::peer-changed:
   * @self: the #WeftAgent
   * @peer: the peer that appeared or changed
   *
   * A remote agent appeared, changed its skills or health, or was seen
   * joining or leaving signaling.
   *
   * Since: 0.1
   */
  signals[SIGNAL_PEER_CHANGED] =
    g_signal_new ("peer-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, WEFT_TYPE_PEER);
  /**
   * WeftAgent::agent-prompt:
   * @self: the #WeftAgent
   * @from: the sending agent
   * @message: the message text
   * @payload: the whole payload (`message` plus `direct` or `broadcast`)
   *
   * A message from mesh_send or mesh_broadcast arrived. The default handler
   * logs it; connect to act on it.
   *
   * Since: 0.1
   */
  signals[SIGNAL_AGENT_PROMPT] =
    g_signal_new_class_handler ("agent-prompt", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                G_CALLBACK (weft_agent_real_agent_prompt), NULL, NULL, NULL,
                                G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, JSON_TYPE_NODE);
}

static void
weft_agent_init (WeftAgent *self)
{
  self->skills = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->extra_skills = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->peers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->online = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->running = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) run_free);
  self->waiters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->push = TRUE;
  self->heartbeat_interval = 15;
  self->max_concurrent = 4;
  self->task_timeout = 120;
  self->hostname = g_strdup (g_get_host_name ());
}

/**
 * weft_agent_new:
 * @manifest: a loaded #WeftManifest
 *
 * Builds an agent from @manifest: its name, registry, credential, timings
 * and skills. Nothing touches the network until weft_agent_start_async().
 *
 * Returns: (transfer full): a new #WeftAgent, or %NULL if the manifest is
 *   invalid or a skill directory cannot be loaded
 *
 * Since: 0.1
 */
WeftAgent *
weft_agent_new (WeftManifest *manifest, GError **error)
{
  g_autoptr (WeftAgent) self = NULL;

  g_return_val_if_fail (WEFT_IS_MANIFEST (manifest), NULL);

  if (!weft_manifest_validate (manifest, error))
    return NULL;
  self = g_object_new (WEFT_TYPE_AGENT, "manifest", manifest, NULL);
  self->name = g_strdup (weft_manifest_get_name (manifest));
  self->client = weft_registry_client_new (weft_manifest_get_registry (manifest));
  self->signaling = weft_signaling_new (self->client);
  weft_signaling_set_agent_id (self->signaling, self->name);
  self->mesh = weft_mesh_agent_new (self);
  self->heartbeat_interval = MAX (weft_manifest_get_heartbeat_interval (manifest), 1);
  self->max_concurrent = MAX (weft_manifest_get_max_concurrent_tasks (manifest), 1);
  self->task_timeout = weft_manifest_get_task_timeout (manifest);
  if (!load_skills (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

/* builds the skill table from the manifest; scripts' skills stay */
static gboolean
load_skills (WeftAgent *self, GError **error)
{
  g_autoptr (GHashTable) skills =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  const gchar *const *builtin = weft_manifest_get_builtin_skills (self->manifest);
  const gchar *const *dirs = weft_manifest_get_skill_dirs (self->manifest);

  for (gsize i = 0; builtin != NULL && builtin[i] != NULL; i++)
    {
      g_autoptr (WeftSkill) skill = NULL;

      if (weft_manifest_is_skill_disabled (self->manifest, builtin[i]))
        continue;
      if (!weft_agent_is_builtin_skill (builtin[i]))
        {
          g_warning ("%s: “%s” is not a built-in skill; ignoring it",
                     weft_manifest_get_path (self->manifest) != NULL
                       ? weft_manifest_get_path (self->manifest)
                       : self->name,
                     builtin[i]);
          continue;
        }
      skill = weft_agent_create_builtin_skill (self, builtin[i], error);
      if (skill == NULL)
        return FALSE;
      g_hash_table_replace (skills, g_strdup (builtin[i]), g_steal_pointer (&skill));
    }
  for (gsize i = 0; dirs != NULL && dirs[i] != NULL; i++)
    {
      g_autoptr (WeftSkill) skill = weft_agent_load_exec_skill (self, dirs[i], error);
      const gchar *name;

      if (skill == NULL)
        return FALSE;
      name = weft_skill_get_name (skill);
      if (weft_manifest_is_skill_disabled (self->manifest, name))
        continue;
      g_hash_table_replace (skills, g_strdup (name), g_steal_pointer (&skill));
    }
  g_hash_table_unref (self->skills);
  self->skills = g_steal_pointer (&skills);
  return TRUE;
}

/**
 * weft_agent_get_manifest:
 * @self: a #WeftAgent
 *
 * Returns: (transfer none): the manifest
 *
 * Since: 0.1
 */
WeftManifest *
weft_agent_get_manifest (WeftAgent *self)
{
  g_return_val_if_fail (WEFT_IS_AGENT (self), NULL);
  return self->manifest;
}

/**
 * weft_agent_get_name:
 * @self: a #WeftAgent
 *
 * Returns: the agent id
 *
 * Since: 0.1
 */
const gchar *
weft_agent_get_name (WeftAgent *self)
{
  g_return_val_if_fail (WEFT_IS_AGENT (self), NULL);
  return self->name;
}

/**
 * weft_agent_get_peer_id:
 * @self: a #WeftAgent
 *
 * Returns: the signaling peer id, empty before the first token
 *
 * Since: 0.1
 */
const gchar *
weft_agent_get_peer_id (WeftAgent *self)
{
  const gchar *peer;

  g_return_val_if_fail (WEFT_IS_AGENT (self), NULL);
  peer = weft_registry_client_get_peer_id (self->client);
  return peer != NULL ? peer : "";
}

/**
 * weft_agent_get_registry:
 * @self: a #WeftAgent
 *
 * Returns: the registry URL
 *
 * Since: 0.1
 */
const gchar *
weft_agent_get_registry (WeftAgent *self)
{
  g_return_val_if_fail (WEFT_IS_AGENT (self), NULL);
  return weft_registry_client_get_base_url (self->client);
}

/**
 * weft_agent_get_state:
 * @self: a #WeftAgent
 *
 * Returns: the life-cycle state
 *
 * Since: 0.1
 */
WeftAgentState
weft_agent_get_state (WeftAgent *self)
{
  g_return_val_if_fail (WEFT_IS_AGENT (self), WEFT_AGENT_STATE_STOPPED);
  return self->state;
}

/**
 * weft_agent_state_to_string:
 * @state: a #WeftAgentState
 *
 * Returns: `stopped`, `starting`, `running` or `stopping`
 *
 * Since: 0.1
 */
const gchar *
weft_agent_state_to_string (WeftAgentState state)
{
  switch (state)
    {
      case WEFT_AGENT_STATE_STARTING:
        return "starting";
      case WEFT_AGENT_STATE_RUNNING:
        return "running";
      case WEFT_AGENT_STATE_STOPPING:
        return "stopping";
      case WEFT_AGENT_STATE_STOPPED:
      default:
        return "stopped";
    }
}

static void
set_state (WeftAgent *self, WeftAgentState state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
}

/**
 * weft_agent_get_client:
 * @self: a #WeftAgent
 *
 * Returns: (transfer none): the agent's registry client
 *
 * Since: 0.1
 */
WeftRegistryClient *
weft_agent_get_client (WeftAgent *self)
{
  g_return_val_if_fail (WEFT_IS_AGENT (self), NULL);
  return self->client;
}

/**
 * weft_agent_get_signaling:
 * @self: a #WeftAgent
 *
 * Returns: (transfer none): the agent's signaling connection
 *
 * Since: 0.1
 */
WeftSignaling *
weft_agent_get_signaling (WeftAgent *self)
{
  g_return_val_if_fail (WEFT_IS_AGENT (self), NULL);
  return self->signaling;
}

/**
 * weft_agent_get_running_tasks:
 * @self: a #WeftAgent
 *
 * Returns: how many tasks run now
 *
 * Since: 0.1
 */
guint
weft_agent_get_running_tasks (WeftAgent *self)
{
  g_return_val_if_fail (WEFT_IS_AGENT (self), 0);
  return weft_agent_get_load (self);
}

/**
 * weft_agent_get_max_concurrent_tasks:
 * @self: a #WeftAgent
 *
 * Returns: how many tasks may run at once
 *
 * Since: 0.1
 */
guint
weft_agent_get_max_concurrent_tasks (WeftAgent *self)
{
  g_return_val_if_fail (WEFT_IS_AGENT (self), 0);
  return self->max_concurrent;
}

/**
 * weft_agent_get_heartbeat_interval:
 * @self: a #WeftAgent
 *
 * Returns: seconds between heartbeats
 *
 * Since: 0.1
 */
guint
weft_agent_get_heartbeat_interval (WeftAgent *self)
{
  g_return_val_if_fail (WEFT_IS_AGENT (self), 0);
  return self->heartbeat_interval;
}

static gboolean
heartbeat_cb (gpointer user_data)
{
  heartbeat_now (WEFT_AGENT (user_data));
  return G_SOURCE_CONTINUE;
}

/**
 * weft_agent_set_heartbeat_interval:
 * @self: a #WeftAgent
 * @seconds: seconds between heartbeats, at least 1
 *
 * Overrides `weft.heartbeat_interval`.
 *
 * Since: 0.1
 */
void
weft_agent_set_heartbeat_interval (WeftAgent *self, guint seconds)
{
  g_return_if_fail (WEFT_IS_AGENT (self));

  seconds = MAX (seconds, 1);
  if (self->heartbeat_interval == seconds)
    return;
  self->heartbeat_interval = seconds;
  if (self->heartbeat_id != 0)
    {
      g_source_remove (self->heartbeat_id);
      self->heartbeat_id = g_timeout_add_seconds (seconds, heartbeat_cb, self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_HEARTBEAT_INTERVAL]);
}

/**
 * weft_agent_get_push:
 * @self: a #WeftAgent
 *
 * Returns: whether the agent uses the registry's `/ws` for task push
 *
 * Since: 0.1
 */
gboolean
weft_agent_get_push (WeftAgent *self)
{
  g_return_val_if_fail (WEFT_IS_AGENT (self), FALSE);
  return self->push;
}

/**
 * weft_agent_set_push:
 * @self: a #WeftAgent
 * @push: whether to keep the `/ws` connection
 *
 * Turns task push (and signaling) on or off; takes effect at the next start.
 *
 * Since: 0.1
 */
void
weft_agent_set_push (WeftAgent *self, gboolean push)
{
  g_return_if_fail (WEFT_IS_AGENT (self));

  push = !!push;
  if (self->push == push)
    return;
  self->push = push;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PUSH]);
}

/**
 * weft_agent_add_skill:
 * @self: a #WeftAgent
 * @skill: a skill, such as a Python subclass of #WeftSkill
 * @error: return location for a #GError
 *
 * Offers @skill in addition to the manifest's. It is advertised from the next
 * heartbeat on.
 *
 * Returns: %TRUE on success; %FALSE if the skill has no name or is disabled
 *
 * Since: 0.1
 */
gboolean
weft_agent_add_skill (WeftAgent *self, WeftSkill *skill, GError **error)
{
  const gchar *name;

  g_return_val_if_fail (WEFT_IS_AGENT (self), FALSE);
  g_return_val_if_fail (WEFT_IS_SKILL (skill), FALSE);

  name = weft_skill_get_name (skill);
  if (name == NULL || *name == '\0')
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("A skill needs a name before it can be added to agent %s"), self->name);
      return FALSE;
    }
  if (weft_manifest_is_skill_disabled (self->manifest, name))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_PERMISSION_DENIED,
                   _ ("Skill “%s” is listed in skills.disabled of agent %s"), name, self->name);
      return FALSE;
    }
  g_hash_table_replace (self->extra_skills, g_strdup (name), g_object_ref (skill));
  return TRUE;
}

/**
 * weft_agent_lookup_skill:
 * @self: a #WeftAgent
 * @name: a skill name
 *
 * Returns: (transfer none) (nullable): the skill, or %NULL if the agent does
 *   not offer it
 *
 * Since: 0.1
 */
WeftSkill *
weft_agent_lookup_skill (WeftAgent *self, const gchar *name)
{
  WeftSkill *skill;

  g_return_val_if_fail (WEFT_IS_AGENT (self), NULL);
  if (name == NULL)
    return NULL;
  skill = g_hash_table_lookup (self->extra_skills, name);
  if (skill == NULL)
    skill = g_hash_table_lookup (self->skills, name);
  return skill;
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar *const *) a, *(const gchar *const *) b);
}

/**
 * weft_agent_dup_skill_names:
 * @self: a #WeftAgent
 *
 * Returns: (transfer full) (array zero-terminated=1): the names of the
 *   skills the agent offers, sorted
 *
 * Since: 0.1
 */
gchar **
weft_agent_dup_skill_names (WeftAgent *self)
{
  g_autoptr (GHashTable) all = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  GHashTableIter iter;
  const gchar *name;

  g_return_val_if_fail (WEFT_IS_AGENT (self), NULL);

  g_hash_table_iter_init (&iter, self->skills);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, NULL))
    g_hash_table_add (all, (gpointer) name);
  g_hash_table_iter_init (&iter, self->extra_skills);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, NULL))
    g_hash_table_add (all, (gpointer) name);
  g_hash_table_iter_init (&iter, all);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, NULL))
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return (gchar **) g_ptr_array_steal (names, NULL);
}

/**
 * weft_agent_dup_peers:
 * @self: a #WeftAgent
 *
 * Returns: (transfer container) (element-type WeftPeer): the remote agents
 *   this agent knows of
 *
 * Since: 0.1
 */
GPtrArray *
weft_agent_dup_peers (WeftAgent *self)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  WeftPeer *peer;

  g_return_val_if_fail (WEFT_IS_AGENT (self), out);
  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &peer))
    g_ptr_array_add (out, g_object_ref (peer));
  return out;
}

/**
 * weft_agent_lookup_peer:
 * @self: a #WeftAgent
 * @agent_id: a remote agent id
 *
 * Returns: (transfer none) (nullable): the peer, or %NULL if unknown
 *
 * Since: 0.1
 */
WeftPeer *
weft_agent_lookup_peer (WeftAgent *self, const gchar *agent_id)
{
  g_return_val_if_fail (WEFT_IS_AGENT (self), NULL);
  return agent_id != NULL ? g_hash_table_lookup (self->peers, agent_id) : NULL;
}

static JsonNode *
run_to_json (WeftAgentRun *run)
{
  JsonObject *obj = json_object_new ();

  json_object_set_string_member (obj, "id", run->id);
  json_object_set_string_member (obj, "skill", run->skill);
  json_object_set_string_member (obj, "source_agent_id", run->source);
  json_object_set_string_member (obj, "state", "running");
  json_object_set_double_member (obj, "started_at", (gdouble) run->started_at / G_USEC_PER_SEC);
  return weft_agent_node_take_object (obj);
}

/**
 * weft_agent_dup_routes:
 * @self: a #WeftAgent
 *
 * Which path the recent calls of this agent took and why: an object with
 * `connections` (the DataChannels to other agents and their state) and
 * `routes`, newest first, each with `kind` (delegate, send, broadcast),
 * `target`, `path` (`direct` or `registry`), `reason`, `request_id`,
 * `elapsed_ms` and `ok`.
 *
 * Returns: (transfer full): a JSON object
 *
 * Since: 0.1
 */
JsonNode *
weft_agent_dup_routes (WeftAgent *self)
{
  g_autoptr (JsonBuilder) b = NULL;

  g_return_val_if_fail (WEFT_IS_AGENT (self), NULL);
  if (self->mesh != NULL)
    return weft_mesh_agent_dup_routes (self->mesh);

  /* no direct path yet (not started): nothing connected, nothing routed */
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "connections");
  json_builder_begin_array (b);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "routes");
  json_builder_begin_array (b);
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/**
 * weft_agent_dup_tasks:
 * @self: a #WeftAgent
 *
 * The tasks that run here now and the last ones that finished here, newest
 * first, each an object with `id`, `skill`, `source_agent_id`, `state`,
 * `started_at` and, once finished, `finished_at`, `result` and `error`.
 *
 * Returns: (transfer full): a JSON array
 *
 * Since: 0.1
 */
JsonNode *
weft_agent_dup_tasks (WeftAgent *self)
{
  JsonArray *arr = json_array_new ();
  GHashTableIter iter;
  WeftAgentRun *run;

  g_return_val_if_fail (WEFT_IS_AGENT (self), NULL);
  if (self->running != NULL)
    {
      g_hash_table_iter_init (&iter, self->running);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &run))
        json_array_add_element (arr, run_to_json (run));
    }
  for (GList *l = self->recent.head; l != NULL; l = l->next)
    json_array_add_element (arr, json_node_copy (l->data));
  return weft_agent_node_take_array (arr);
}

/**
 * weft_agent_reload:
 * @self: a #WeftAgent
 * @error: return location for a #GError
 *
 * Reads the manifest file again and rebuilds the skill table, timings and
 * concurrency cap from it. The name, registry and credential stay as they
 * were (a change there needs a restart). On error nothing changes.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
weft_agent_reload (WeftAgent *self, GError **error)
{
  const gchar *path;
  g_autoptr (WeftManifest) fresh = NULL;
  g_autoptr (WeftManifest) old = NULL;

  g_return_val_if_fail (WEFT_IS_AGENT (self), FALSE);

  path = weft_manifest_get_path (self->manifest);
  if (path == NULL)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_NOT_SUPPORTED,
                   _ ("Agent %s was not built from a file, so there is nothing to re-read"),
                   self->name);
      return FALSE;
    }
  fresh = weft_manifest_new_from_file (path, error);
  if (fresh == NULL || !weft_manifest_validate (fresh, error))
    return FALSE;
  if (g_strcmp0 (weft_manifest_get_name (fresh), self->name) != 0)
    g_message ("%s: the name changed to “%s”; it takes effect after a restart", path,
               weft_manifest_get_name (fresh));
  old = g_steal_pointer (&self->manifest);
  self->manifest = g_object_ref (fresh);
  if (!load_skills (self, error))
    {
      g_set_object (&self->manifest, old);
      return FALSE;
    }
  self->max_concurrent = MAX (weft_manifest_get_max_concurrent_tasks (fresh), 1);
  self->task_timeout = weft_manifest_get_task_timeout (fresh);
  weft_agent_set_heartbeat_interval (self, weft_manifest_get_heartbeat_interval (fresh));
  g_message ("reloaded %s", path);
  if (self->state == WEFT_AGENT_STATE_RUNNING)
    heartbeat_now (self);
  return TRUE;
}

/* ---- reporting task states, with retry while the registry is away ---- */

static void
flush_reports (WeftAgent *self);

typedef struct
{
  WeftAgent *agent;   /* (owned) while the request is in flight */
  WeftAgentReport *r; /* (owned) */
} ReportCall;

static void
report_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  ReportCall *call = user_data;
  WeftAgent *self = call->agent;
  g_autoptr (GError) error = NULL;

  if (weft_registry_client_update_task_finish (WEFT_REGISTRY_CLIENT (source), res, &error))
    report_free (call->r);
  else if (g_error_matches (error, WEFT_ERROR, WEFT_ERROR_UNAVAILABLE) ||
           g_error_matches (error, WEFT_ERROR, WEFT_ERROR_TIMED_OUT))
    /* the registry is away: keep the report for when it is back */
    g_queue_push_tail (&self->reports, call->r);
  else
    {
      g_message ("cannot report task %s as %s: %s", call->r->id, call->r->state, error->message);
      report_free (call->r);
    }
  g_object_unref (call->agent);
  g_free (call);
}

static void
send_report (WeftAgent *self, WeftAgentReport *r)
{
  ReportCall *call = g_new0 (ReportCall, 1);

  call->agent = g_object_ref (self);
  call->r = r;
  weft_registry_client_update_task_async (self->client, r->id, r->state, r->result, r->error, NULL,
                                          report_cb, call);
}

static void
report (WeftAgent *self, const gchar *id, const gchar *state, const gchar *result, const gchar *err)
{
  WeftAgentReport *r = g_new0 (WeftAgentReport, 1);

  r->id = g_strdup (id);
  r->state = g_strdup (state);
  r->result = g_strdup (result);
  r->error = g_strdup (err);
  send_report (self, r);
}

static void
flush_reports (WeftAgent *self)
{
  GQueue pending = G_QUEUE_INIT;

  /* swap first: a report that fails again goes back on the queue */
  pending = self->reports;
  g_queue_init (&self->reports);
  for (GList *l = pending.head; l != NULL; l = l->next)
    {
      send_report (self, l->data);
    }
  g_queue_clear (&pending);
}

/* ---- running tasks ---- */

/* registry tasks plus task_requests from DataChannels running now: both
 * count against weft.max_concurrent_tasks */
guint
weft_agent_get_load (WeftAgent *self)
{
  guint load = self->running != NULL ? g_hash_table_size (self->running) : 0;

  if (self->mesh != NULL)
    load += weft_mesh_agent_get_n_running (self->mesh);
  return load;
}

/* a direct call started, ended or was refused: the registry hears the load
 * at once, so that it offers queued tasks when a slot frees and none while
 * the agent is full */
void
weft_agent_load_changed (WeftAgent *self)
{
  if (self->heartbeat_inflight)
    self->heartbeat_again = TRUE;
  else
    heartbeat_now (self);
}

void
weft_agent_direct_task_started (WeftAgent *self, const gchar *id, const gchar *skill)
{
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RUNNING_TASKS]);
  g_signal_emit (self, signals[SIGNAL_TASK_STARTED], 0, id, skill);
}

void
weft_agent_direct_task_finished (WeftAgent *self,
                                 const gchar *id,
                                 const gchar *state,
                                 const gchar *text)
{
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RUNNING_TASKS]);
  g_signal_emit (self, signals[SIGNAL_TASK_FINISHED], 0, id, state, text != NULL ? text : "");
}

static void
remember (WeftAgent *self,
          WeftAgentRun *run,
          const gchar *state,
          const gchar *result,
          const gchar *err)
{
  g_autoptr (JsonNode) node = run_to_json (run);
  JsonObject *obj = json_node_get_object (node);

  json_object_set_string_member (obj, "state", state);
  json_object_set_string_member (obj, "result", result != NULL ? result : "");
  json_object_set_string_member (obj, "error", err != NULL ? err : "");
  json_object_set_double_member (obj, "finished_at", (gdouble) g_get_real_time () / G_USEC_PER_SEC);
  g_queue_push_head (&self->recent, g_steal_pointer (&node));
  while (g_queue_get_length (&self->recent) > RECENT_MAX)
    json_node_unref (g_queue_pop_tail (&self->recent));
}

static void
finish_run (WeftAgent *self,
            const gchar *id,
            const gchar *state,
            const gchar *result,
            const gchar *err)
{
  WeftAgentRun *run = self->running != NULL ? g_hash_table_lookup (self->running, id) : NULL;
  g_autofree gchar *task_id = g_strdup (id);

  if (run == NULL)
    return;
  g_message ("task %s (%s) %s%s%s", id, run->skill, state, err != NULL ? ": " : "",
             err != NULL ? err : "");
  remember (self, run, state, result, err);
  report (self, task_id, state, result, err);
  g_hash_table_remove (self->running, task_id);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RUNNING_TASKS]);
  g_signal_emit (self, signals[SIGNAL_TASK_FINISHED], 0, task_id, state,
                 err != NULL ? err : (result != NULL ? result : ""));
}

typedef struct
{
  WeftAgent *agent; /* (owned) */
  gchar *id;        /* (owned) */
} InvokeData;

static void
invoke_data_free (InvokeData *d)
{
  g_object_unref (d->agent);
  g_free (d->id);
  g_free (d);
}

static void
task_invoke_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  InvokeData *d = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *result = weft_skill_invoke_finish (WEFT_SKILL (source), res, &error);
  WeftAgentRun *run =
    d->agent->running != NULL ? g_hash_table_lookup (d->agent->running, d->id) : NULL;

  if (run != NULL && run->timed_out)
    {
      g_clear_error (&error);
      g_set_error (&error, WEFT_ERROR, WEFT_ERROR_TIMED_OUT,
                   _ ("skill %s did not finish within %u s (weft.task_timeout)"), run->skill,
                   d->agent->task_timeout);
    }
  if (result != NULL && error == NULL)
    finish_run (d->agent, d->id, "completed", result, NULL);
  else
    finish_run (d->agent, d->id, "failed", NULL, error != NULL ? error->message : "");
  invoke_data_free (d);
}

static gboolean
run_timeout_cb (gpointer user_data)
{
  WeftAgentRun *run = user_data;

  run->timeout_id = 0;
  run->timed_out = TRUE;
  g_cancellable_cancel (run->cancellable);
  return G_SOURCE_REMOVE;
}

/* the payload as keyword arguments: objects as they are, without keys the
 * skill does not declare (the reference puts `skill` in P2P payloads) */
JsonNode *
weft_agent_args_for_skill (WeftSkill *skill, JsonNode *payload)
{
  JsonObject *args = json_object_new ();

  if (payload != NULL && JSON_NODE_HOLDS_OBJECT (payload))
    {
      JsonObject *src = json_node_get_object (payload);
      g_autoptr (GList) members = json_object_get_members (src);

      for (GList *l = members; l != NULL; l = l->next)
        if (weft_skill_get_parameter (skill, l->data, NULL, NULL, NULL, NULL))
          json_object_set_member (args, l->data,
                                  json_node_copy (json_object_get_member (src, l->data)));
    }
  else if (payload != NULL && JSON_NODE_HOLDS_VALUE (payload) &&
           json_node_get_value_type (payload) == G_TYPE_STRING &&
           weft_skill_get_parameter (skill, "message", NULL, NULL, NULL, NULL))
    json_object_set_string_member (args, "message", json_node_get_string (payload));
  return weft_agent_node_take_object (args);
}

static void
run_task (WeftAgent *self, JsonNode *task_node)
{
  JsonObject *task;
  const gchar *id, *skill_name, *state, *assigned, *source;
  JsonNode *payload;
  WeftSkill *skill;
  WeftAgentRun *run;
  InvokeData *d;
  g_autoptr (JsonNode) args = NULL;

  if (self->state != WEFT_AGENT_STATE_RUNNING || task_node == NULL ||
      !JSON_NODE_HOLDS_OBJECT (task_node))
    return;
  task = json_node_get_object (task_node);
  id = json_object_get_string_member_with_default (task, "id", NULL);
  skill_name = json_object_get_string_member_with_default (task, "skill", "");
  state = json_object_get_string_member_with_default (task, "state", "assigned");
  assigned = json_object_get_string_member_with_default (task, "assigned_agent_id", "");
  source = json_object_get_string_member_with_default (task, "source_agent_id", "");
  payload = json_object_get_member (task, "payload");
  if (id == NULL || *id == '\0' || g_hash_table_contains (self->running, id))
    return;
  if (g_strcmp0 (state, "assigned") != 0 ||
      (*assigned != '\0' && g_strcmp0 (assigned, self->name) != 0))
    return;

  if (weft_agent_get_load (self) >= self->max_concurrent)
    {
      /* overloaded: give it back so another agent (or we, later) can take it */
      g_message ("task %s: at the limit of %u concurrent tasks; handing it back to the queue", id,
                 self->max_concurrent);
      report (self, id, "pending", NULL, NULL);
      /* and tell the registry our load at once, so it stops offering more */
      heartbeat_now (self);
      g_signal_emit (self, signals[SIGNAL_TASK_FINISHED], 0, id, "pending",
                     "handed back: at the concurrency limit");
      return;
    }

  run = g_new0 (WeftAgentRun, 1);
  run->agent = self;
  run->id = g_strdup (id);
  run->skill = g_strdup (skill_name);
  run->source = g_strdup (source);
  run->cancellable = g_cancellable_new ();
  run->started_at = g_get_real_time ();
  g_hash_table_insert (self->running, run->id, run);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RUNNING_TASKS]);
  g_message ("task %s (%s) from %s started", id, skill_name, *source != '\0' ? source : "?");
  report (self, id, "running", NULL, NULL);
  g_signal_emit (self, signals[SIGNAL_TASK_STARTED], 0, id, skill_name);

  /* a message without a skill: mesh_send / mesh_broadcast through the queue */
  if (*skill_name == '\0')
    {
      const gchar *message = "";

      if (payload != NULL && JSON_NODE_HOLDS_OBJECT (payload))
        message = json_object_get_string_member_with_default (json_node_get_object (payload),
                                                              "message", "");
      weft_agent_emit_agent_prompt (self, source, message, payload);
      finish_run (self, id, "completed", "delivered", NULL);
      return;
    }
  skill = weft_agent_lookup_skill (self, skill_name);
  if (skill == NULL)
    {
      g_autofree gchar *msg = g_strdup_printf ("unknown skill: %s", skill_name);
      finish_run (self, id, "failed", NULL, msg);
      return;
    }
  args = weft_agent_args_for_skill (skill, payload);
  if (self->task_timeout > 0)
    run->timeout_id = g_timeout_add_seconds (self->task_timeout, run_timeout_cb, run);
  d = g_new0 (InvokeData, 1);
  d->agent = g_object_ref (self);
  d->id = g_strdup (id);
  weft_skill_invoke_async (skill, args, run->cancellable, task_invoke_cb, d);
}

static void
run_tasks (WeftAgent *self, JsonNode *tasks)
{
  JsonArray *arr;

  if (tasks == NULL || !JSON_NODE_HOLDS_ARRAY (tasks))
    return;
  arr = json_node_get_array (tasks);
  for (guint i = 0; i < json_array_get_length (arr); i++)
    run_task (self, json_array_get_element (arr, i));
}

void
weft_agent_emit_agent_prompt (WeftAgent *self,
                              const gchar *from,
                              const gchar *message,
                              JsonNode *payload)
{
  g_autoptr (JsonNode) null_node = json_node_new (JSON_NODE_NULL);

  g_signal_emit (self, signals[SIGNAL_AGENT_PROMPT], 0, from != NULL ? from : "",
                 message != NULL ? message : "", payload != NULL ? payload : null_node);
}

/* ---- peers ---- */

/* how this agent reaches @peer_id now: an open DataChannel beats signaling */
static WeftPeerState
connection_to (WeftAgent *self, const gchar *peer_id)
{
  if (peer_id == NULL || peer_id[0] == '\0')
    return WEFT_PEER_STATE_DISCONNECTED;
  if (weft_mesh_is_open (weft_mesh_agent_get_mesh (self->mesh), peer_id))
    return WEFT_PEER_STATE_DIRECT;
  if (g_hash_table_contains (self->online, peer_id))
    return WEFT_PEER_STATE_SIGNALING;
  return WEFT_PEER_STATE_DISCONNECTED;
}

/* after presence or a channel changed: @peer's state from both, and
 * PeerChanged if it moved */
static void
update_connection (WeftAgent *self, WeftPeer *peer)
{
  WeftPeerState state = connection_to (self, weft_peer_get_peer_id (peer));

  if (weft_peer_get_state (peer) == state)
    return;
  weft_peer_set_state (peer, state);
  g_signal_emit (self, signals[SIGNAL_PEER_CHANGED], 0, peer);
}

static void
peers_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (WeftAgent) self = user_data;
  g_autoptr (JsonNode) list = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  JsonArray *arr;
  GHashTableIter iter;
  WeftPeer *peer;
  const gchar *id;

  list = weft_registry_client_list_agents_finish (WEFT_REGISTRY_CLIENT (source), res, NULL);
  if (list == NULL || self->peers == NULL)
    return;
  arr = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      JsonNode *rec = json_array_get_element (arr, i);
      gboolean is_new = FALSE;
      WeftPeerState state;

      if (!JSON_NODE_HOLDS_OBJECT (rec))
        continue;
      id =
        json_object_get_string_member_with_default (json_node_get_object (rec), "agent_id", NULL);
      if (id == NULL || g_strcmp0 (id, self->name) == 0)
        continue;
      peer = g_hash_table_lookup (self->peers, id);
      if (peer == NULL)
        {
          peer = weft_peer_new (id);
          g_hash_table_insert (self->peers, g_strdup (id), peer);
          is_new = TRUE;
        }
      g_hash_table_add (seen, (gpointer) weft_peer_get_agent_id (peer));
      if (weft_peer_update_from_json (peer, rec))
        is_new = TRUE;
      state = connection_to (self, weft_peer_get_peer_id (peer));
      if (weft_peer_get_state (peer) != state)
        {
          weft_peer_set_state (peer, state);
          is_new = TRUE;
        }
      if (is_new)
        g_signal_emit (self, signals[SIGNAL_PEER_CHANGED], 0, peer);
    }
  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, (gpointer *) &peer))
    if (!g_hash_table_contains (seen, id) && g_strcmp0 (weft_peer_get_health (peer), "gone") != 0)
      {
        weft_peer_set_health (peer, "gone");
        weft_peer_set_state (peer, WEFT_PEER_STATE_DISCONNECTED);
        g_signal_emit (self, signals[SIGNAL_PEER_CHANGED], 0, peer);
      }
}

void
weft_agent_refresh_peers (WeftAgent *self)
{
  weft_registry_client_list_agents_async (self->client, self->cancellable, peers_cb,
                                          g_object_ref (self));
}

static WeftPeer *
peer_for_peer_id (WeftAgent *self, const gchar *peer_id)
{
  GHashTableIter iter;
  WeftPeer *peer;

  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &peer))
    if (g_strcmp0 (weft_peer_get_peer_id (peer), peer_id) == 0)
      return peer;
  return NULL;
}

static void
presence (WeftAgent *self, const gchar *peer_id, gboolean online)
{
  WeftPeer *peer = peer_for_peer_id (self, peer_id);

  if (online)
    g_hash_table_add (self->online, g_strdup (peer_id));
  else
    g_hash_table_remove (self->online, peer_id);
  if (peer != NULL)
    update_connection (self, peer);
  else if (online)
    /* someone new: the list tells us which agent it is */
    weft_agent_refresh_peers (self);
}

static void
on_peer_list (WeftSignaling *sig, GStrv peers, gpointer user_data)
{
  WeftAgent *self = user_data;

  /* a fresh list replaces what we knew (after a reconnect, for instance) */
  g_hash_table_remove_all (self->online);
  for (guint i = 0; peers != NULL && peers[i] != NULL; i++)
    presence (self, peers[i], TRUE);
}

static void
on_peer_joined (WeftSignaling *sig, const gchar *peer_id, gpointer user_data)
{
  presence (user_data, peer_id, TRUE);
}

static void
on_peer_left (WeftSignaling *sig, const gchar *peer_id, gpointer user_data)
{
  presence (user_data, peer_id, FALSE);
}

/* a DataChannel to @peer_id opened or closed */
static void
on_channel_changed (WeftMesh *mesh, const gchar *peer_id, gpointer user_data)
{
  WeftAgent *self = user_data;
  WeftPeer *peer = peer_for_peer_id (self, peer_id);

  if (peer != NULL)
    update_connection (self, peer);
  else
    weft_agent_refresh_peers (self);
}

static void
on_task_assigned (WeftSignaling *sig, JsonNode *task, gpointer user_data)
{
  run_task (WEFT_AGENT (user_data), task);
}

static void
on_task_updated (WeftSignaling *sig, JsonNode *task, gpointer user_data)
{
  WeftAgent *self = user_data;

  weft_agent_complete_delegation (self, task);
}

static void
on_connected (GObject *sig, GParamSpec *pspec, gpointer user_data)
{
  WeftAgent *self = user_data;

  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PEER_ID]);
  /* tell the registry our real peer id at once, and catch tasks queued meanwhile */
  if (weft_signaling_get_connected (WEFT_SIGNALING (sig)))
    heartbeat_now (self);
}

/* ---- heartbeat ---- */

static JsonNode *
build_heartbeat (WeftAgent *self)
{
  JsonObject *obj = json_object_new ();
  JsonArray *skills = json_array_new ();
  g_auto (GStrv) names = weft_agent_dup_skill_names (self);
  guint running = weft_agent_get_load (self);

  for (guint i = 0; names[i] != NULL; i++)
    json_array_add_string_element (skills, names[i]);
  json_object_set_string_member (obj, "agent_id", self->name);
  json_object_set_string_member (obj, "hostname", self->hostname);
  json_object_set_string_member (obj, "sidecar_peer_id", weft_agent_get_peer_id (self));
  json_object_set_string_member (obj, "status", running > 0 ? "busy" : "idle");
  json_object_set_string_member (obj, "mode", "weft");
  json_object_set_int_member (obj, "skills_count", g_strv_length (names));
  json_object_set_int_member (
    obj, "uptime_seconds",
    self->started_at > 0 ? (g_get_monotonic_time () - self->started_at) / G_USEC_PER_SEC : 0);
  json_object_set_array_member (obj, "skill_names", skills);
  json_object_set_int_member (obj, "capacity", self->max_concurrent);
  json_object_set_int_member (obj, "running_tasks", running);
  json_object_set_double_member (obj, "load", (gdouble) running / self->max_concurrent);
  /* the direct channels open now, for a topology of real mesh edges */
  if (self->mesh != NULL)
    {
      g_auto (GStrv) open = weft_mesh_dup_open_peers (weft_mesh_agent_get_mesh (self->mesh));
      JsonArray *peers = json_array_new ();

      for (guint i = 0; open[i] != NULL; i++)
        json_array_add_string_element (peers, open[i]);
      json_object_set_array_member (obj, "mesh_peers", peers);
    }
  return weft_agent_node_take_object (obj);
}

static void
heartbeat_cb_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (WeftAgent) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) tasks = NULL;

  tasks = weft_registry_client_heartbeat_finish (WEFT_REGISTRY_CLIENT (source), res, &error);
  self->heartbeat_inflight = FALSE;
  if (self->stop_task != NULL)
    {
      /* stopping: deregister only now, or this heartbeat could register
       * the agent again after the registry removed it */
      deregister (g_steal_pointer (&self->stop_task));
      return;
    }
  if (tasks == NULL)
    {
      if (g_error_matches (error, WEFT_ERROR, WEFT_ERROR_CANCELLED))
        return;
      if (self->registry_reachable)
        g_message ("heartbeat failed: %s", error->message);
      else
        g_debug ("heartbeat failed: %s", error->message);
      self->registry_reachable = FALSE;
      return;
    }
  if (!self->registry_reachable)
    g_message ("registry %s reachable", weft_agent_get_registry (self));
  self->registry_reachable = TRUE;
  self->registered = TRUE;
  flush_reports (self);
  run_tasks (self, tasks);
  weft_agent_refresh_peers (self);
  /* the load changed while this one was on its way */
  if (self->heartbeat_again)
    {
      self->heartbeat_again = FALSE;
      heartbeat_now (self);
    }
}

static void
heartbeat_now (WeftAgent *self)
{
  g_autoptr (JsonNode) body = NULL;

  if (self->state != WEFT_AGENT_STATE_RUNNING || self->heartbeat_inflight)
    return;
  self->heartbeat_inflight = TRUE;
  body = build_heartbeat (self);
  /* not cancelled by stop: the request may reach the registry anyway, and
   * stop deregisters after it (see heartbeat_cb_done) */
  weft_registry_client_heartbeat_async (self->client, body, NULL, heartbeat_cb_done,
                                        g_object_ref (self));
}

/* ---- start ---- */

static JsonNode *
build_registration (WeftAgent *self)
{
  JsonObject *obj = json_object_new ();
  JsonObject *caps = json_object_new ();
  JsonArray *skills = json_array_new ();
  g_auto (GStrv) names = weft_agent_dup_skill_names (self);

  for (guint i = 0; names[i] != NULL; i++)
    json_array_add_string_element (skills, names[i]);
  json_object_set_array_member (caps, "skills", skills);
  json_object_set_array_member (caps, "mcp_servers", json_array_new ());
  json_object_set_int_member (caps, "goals_count", 0);
  json_object_set_string_member (caps, "mode", "weft");
  json_object_set_string_member (obj, "agent_id", self->name);
  json_object_set_string_member (obj, "hostname", self->hostname);
  json_object_set_string_member (obj, "sidecar_peer_id", weft_agent_get_peer_id (self));
  json_object_set_object_member (obj, "capabilities", caps);
  json_object_set_string_member (obj, "status", "idle");
  json_object_set_string_member (obj, "mode", "weft");
  return weft_agent_node_take_object (obj);
}

static gboolean
is_fatal (const GError *error)
{
  return g_error_matches (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED) ||
         g_error_matches (error, WEFT_ERROR, WEFT_ERROR_PERMISSION_DENIED) ||
         g_error_matches (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT) ||
         g_error_matches (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA) ||
         g_error_matches (error, WEFT_ERROR, WEFT_ERROR_CANCELLED);
}

static void
go_running (WeftAgent *self, GTask *task)
{
  set_state (self, WEFT_AGENT_STATE_RUNNING);
  if (self->push && self->have_credentials)
    {
      weft_signaling_start (self->signaling);
      weft_mesh_agent_start (self->mesh);
    }
  self->heartbeat_id = g_timeout_add_seconds (self->heartbeat_interval, heartbeat_cb, self);
  heartbeat_now (self);
  g_task_return_boolean (task, TRUE);
}

/* the registry is not there (yet) at start; heartbeats keep trying */
static void
log_will_retry (const GError *error)
{
  if (g_str_has_suffix (error->message, "."))
    g_message ("%s Will keep trying.", error->message);
  else
    g_message ("%s; will keep trying", error->message);
}

static void
register_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  WeftAgent *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;

  if (!weft_registry_client_register_finish (WEFT_REGISTRY_CLIENT (source), res, &error))
    {
      if (is_fatal (error))
        {
          set_state (self, WEFT_AGENT_STATE_STOPPED);
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      /* the registry may come later: heartbeats register us then. a token
       * request that just failed has said why already */
      if (!self->have_credentials || weft_registry_client_get_token (self->client) != NULL)
        log_will_retry (error);
    }
  else
    {
      self->registered = TRUE;
      self->registry_reachable = TRUE;
      g_message ("registered as %s at %s (peer %s)", self->name, weft_agent_get_registry (self),
                 weft_agent_get_peer_id (self));
    }
  go_running (self, task);
}

static void
do_register (GTask *task)
{
  WeftAgent *self = g_task_get_source_object (task);
  g_autoptr (JsonNode) body = build_registration (self);

  weft_registry_client_register_async (self->client, body, g_task_get_cancellable (task),
                                       register_cb, task);
}

static void
token_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  WeftAgent *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *token = NULL;

  token =
    weft_registry_client_fetch_token_finish (WEFT_REGISTRY_CLIENT (source), res, NULL, &error);
  if (token == NULL)
    {
      if (is_fatal (error))
        {
          set_state (self, WEFT_AGENT_STATE_STOPPED);
          g_task_return_error (task, g_steal_pointer (&error));
          g_object_unref (task);
          return;
        }
      log_will_retry (error);
    }
  else
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PEER_ID]);
  do_register (task);
}

static void
load_credentials (WeftAgent *self)
{
  const gchar *api_key = weft_manifest_get_api_key (self->manifest);
  const gchar *token_file = weft_manifest_get_device_token_file (self->manifest);
  g_autofree gchar *device_token = NULL;

  /* a device token from `weft pair` wins over the default development key */
  if (token_file != NULL && g_file_get_contents (token_file, &device_token, NULL, NULL))
    {
      g_strstrip (device_token);
      weft_registry_client_set_device_token (self->client, device_token);
    }
  if (device_token != NULL && *device_token != '\0' &&
      (api_key == NULL || g_strcmp0 (api_key, "ak_dev_001") == 0))
    api_key = NULL;
  weft_registry_client_set_api_key (self->client, api_key);
  self->have_credentials = weft_registry_client_get_api_key (self->client) != NULL ||
                           weft_registry_client_get_device_token (self->client) != NULL;
}

/**
 * weft_agent_start_async:
 * @self: a #WeftAgent
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called once the agent runs
 * @user_data: data for @callback
 *
 * Starts the agent: token, registration, `/ws`, heartbeats. A registry that
 * cannot be reached does not fail the start (the agent keeps trying and
 * registers when it appears); a refused credential does.
 *
 * Since: 0.1
 */
void
weft_agent_start_async (WeftAgent *self,
                        GCancellable *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (WEFT_IS_AGENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, weft_agent_start_async);
  if (self->state != WEFT_AGENT_STATE_STOPPED)
    {
      g_task_return_new_error (task, WEFT_ERROR, WEFT_ERROR_INVALID_STATE,
                               _ ("Agent %s is already %s"), self->name,
                               weft_agent_state_to_string (self->state));
      return;
    }
  set_state (self, WEFT_AGENT_STATE_STARTING);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->started_at = g_get_monotonic_time ();
  load_credentials (self);
  g_signal_handlers_disconnect_by_data (self->signaling, self);
  g_signal_handlers_disconnect_by_data (weft_mesh_agent_get_mesh (self->mesh), self);
  g_signal_connect (self->signaling, "peer-list", G_CALLBACK (on_peer_list), self);
  g_signal_connect (self->signaling, "peer-joined", G_CALLBACK (on_peer_joined), self);
  g_signal_connect (self->signaling, "peer-left", G_CALLBACK (on_peer_left), self);
  g_signal_connect (self->signaling, "task-assigned", G_CALLBACK (on_task_assigned), self);
  g_signal_connect (self->signaling, "task-updated", G_CALLBACK (on_task_updated), self);
  g_signal_connect (self->signaling, "notify::connected", G_CALLBACK (on_connected), self);
  g_signal_connect (weft_mesh_agent_get_mesh (self->mesh), "peer-connected",
                    G_CALLBACK (on_channel_changed), self);
  g_signal_connect (weft_mesh_agent_get_mesh (self->mesh), "peer-disconnected",
                    G_CALLBACK (on_channel_changed), self);
  if (self->have_credentials)
    weft_registry_client_fetch_token_async (self->client, cancellable, token_cb,
                                            g_steal_pointer (&task));
  else
    {
      g_message ("no API key or device token: talking to the registry anonymously, without "
                 "task push");
      do_register (g_steal_pointer (&task));
    }
}

/**
 * weft_agent_start_finish:
 * @self: a #WeftAgent
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes weft_agent_start_async().
 *
 * Returns: %TRUE if the agent runs
 *
 * Since: 0.1
 */
gboolean
weft_agent_start_finish (WeftAgent *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- stop ---- */

static void
stop_done (GTask *task)
{
  WeftAgent *self = g_task_get_source_object (task);

  set_state (self, WEFT_AGENT_STATE_STOPPED);
  g_task_return_boolean (task, TRUE);
}

static void
deregister_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  WeftAgent *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;

  if (weft_registry_client_deregister_finish (WEFT_REGISTRY_CLIENT (source), res, &error))
    g_message ("deregistered %s", self->name);
  else
    g_message ("could not deregister %s: %s", self->name, error->message);
  stop_done (task);
}

static void
deregister (GTask *task)
{
  WeftAgent *self = g_task_get_source_object (task);

  weft_registry_client_deregister_async (self->client, self->name, NULL, deregister_cb, task);
}

/**
 * weft_agent_stop_async:
 * @self: a #WeftAgent
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called once the agent stopped
 * @user_data: data for @callback
 *
 * Stops the agent: cancels running tasks and hands them back to the queue,
 * closes `/ws`, stops heartbeating and deregisters.
 *
 * Since: 0.1
 */
void
weft_agent_stop_async (WeftAgent *self,
                       GCancellable *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  GHashTableIter iter;
  WeftAgentRun *run;
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

  g_return_if_fail (WEFT_IS_AGENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, weft_agent_stop_async);
  if (self->state == WEFT_AGENT_STATE_STOPPED || self->state == WEFT_AGENT_STATE_STOPPING)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  set_state (self, WEFT_AGENT_STATE_STOPPING);
  g_clear_handle_id (&self->heartbeat_id, g_source_remove);
  weft_mesh_agent_stop (self->mesh);
  weft_signaling_stop (self->signaling);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);

  /* hand running tasks back so that another agent with the skill does them */
  g_hash_table_iter_init (&iter, self->running);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &run))
    g_ptr_array_add (ids, g_strdup (run->id));
  for (guint i = 0; i < ids->len; i++)
    {
      run = g_hash_table_lookup (self->running, g_ptr_array_index (ids, i));
      remember (self, run, "pending", NULL, "agent stopped");
      report (self, run->id, "pending", NULL, NULL);
      g_cancellable_cancel (run->cancellable);
      g_hash_table_remove (self->running, g_ptr_array_index (ids, i));
    }
  if (ids->len > 0)
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RUNNING_TASKS]);

  if (self->heartbeat_inflight)
    self->stop_task = g_steal_pointer (&task);
  else
    deregister (g_steal_pointer (&task));
}

/**
 * weft_agent_stop_finish:
 * @self: a #WeftAgent
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes weft_agent_stop_async().
 *
 * Returns: %TRUE once stopped
 *
 * Since: 0.1
 */
gboolean
weft_agent_stop_finish (WeftAgent *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- local invocation ---- */

static void
invoke_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  gchar *result = weft_skill_invoke_finish (WEFT_SKILL (source), res, &error);

  if (result == NULL && error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result != NULL ? result : g_strdup (""), g_free);
}

/**
 * weft_agent_invoke_async:
 * @self: a #WeftAgent
 * @skill: the name of one of the agent's skills
 * @args: (nullable): the arguments, a JSON object, or %NULL for none
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the result
 * @user_data: data for @callback
 *
 * Runs one of this agent's skills here, with its arguments checked against
 * the skill's parameters.
 *
 * Since: 0.1
 */
void
weft_agent_invoke_async (WeftAgent *self,
                         const gchar *skill,
                         JsonNode *args,
                         GCancellable *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (JsonNode) empty = NULL;
  WeftSkill *s;

  g_return_if_fail (WEFT_IS_AGENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, weft_agent_invoke_async);
  s = weft_agent_lookup_skill (self, skill);
  if (s == NULL)
    {
      g_task_return_new_error (task, WEFT_ERROR, WEFT_ERROR_NOT_FOUND,
                               _ ("Agent %s has no skill “%s”; its skills are listed by "
                                  "`weft status %s`"),
                               self->name, skill != NULL ? skill : "", self->name);
      return;
    }
  if (args == NULL)
    args = empty = weft_agent_node_take_object (json_object_new ());
  if (!JSON_NODE_HOLDS_OBJECT (args))
    {
      g_task_return_new_error (task, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                               _ ("The arguments of skill “%s” must be a JSON object"), skill);
      return;
    }
  weft_skill_invoke_async (s, args, cancellable, invoke_cb, g_steal_pointer (&task));
}

/**
 * weft_agent_invoke_finish:
 * @self: a #WeftAgent
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes weft_agent_invoke_async().
 *
 * Returns: (transfer full): the skill's result, or %NULL on error
 *
 * Since: 0.1
 */
gchar *
weft_agent_invoke_finish (WeftAgent *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
