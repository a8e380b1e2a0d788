/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "weft-error.h"
#include "weft-task.h"
#include "weft-enums.h"

/**
 * WeftTask:
 *
 * A unit of work in the registry's task queue: a skill to run, who asked
 * for it, who should and who does run it, a JSON payload, and the outcome.
 *
 * A task moves through a strict state machine:
 *
 * - pending → assigned (to an agent), assigned → running,
 * - assigned or running → completed or failed,
 * - pending, assigned or running → cancelled,
 * - assigned or running → pending (re-queued when the assignee went away;
 *   this counts an attempt and clears the assignee),
 * - any state that is not terminal → failed with the error `TTL expired`
 *   once more than `ttl` seconds passed since the task was created
 *   (weft_task_expire()).
 *
 * Completed, failed and cancelled are terminal. Anything else is refused
 * with %WEFT_ERROR_INVALID_STATE. Who is allowed to move a task is not the
 * task's business: the registry checks that before it calls in here.
 *
 * The JSON form is the task object of the chatixia registry (keys `id`,
 * `skill`, `target_agent_id`, `source_agent_id`, `assigned_agent_id`,
 * `payload`, `state`, `result`, `error`, `created_at`, `updated_at`, `ttl`
 * in that order), followed by Weft's `attempts`. Times are floating-point
 * Unix seconds. Every function that takes a `now` argument reads the system
 * clock when it is negative.
 *
 * Since: 0.1
 */

struct _WeftTask
{
  GObject parent_instance;

  gchar *id;                /* (owned) */
  gchar *skill;             /* (owned) */
  gchar *target_agent_id;   /* (owned) */
  gchar *source_agent_id;   /* (owned) */
  gchar *assigned_agent_id; /* (owned) */
  JsonNode *payload;        /* (owned) never NULL: JSON null when there is none */
  WeftTaskState state;
  gchar *result; /* (owned) */
  gchar *error;  /* (owned) */
  gdouble created_at;
  gdouble updated_at;
  gint64 ttl;
  guint attempts;
};

G_DEFINE_FINAL_TYPE (WeftTask, weft_task, G_TYPE_OBJECT)

typedef enum
{
  PROP_ID = 1,
  PROP_SKILL,
  PROP_TARGET_AGENT_ID,
  PROP_SOURCE_AGENT_ID,
  PROP_ASSIGNED_AGENT_ID,
  PROP_PAYLOAD,
  PROP_STATE,
  PROP_RESULT,
  PROP_ERROR,
  PROP_CREATED_AT,
  PROP_UPDATED_AT,
  PROP_TTL,
  PROP_ATTEMPTS,
} WeftTaskProperty;

static GParamSpec *props[PROP_ATTEMPTS + 1];

static gdouble
resolve_now (gdouble now)
{
  if (now < 0)
    return (gdouble) g_get_real_time () / G_USEC_PER_SEC;
  return now;
}

static void
replace_string (gchar **field, const gchar *value)
{
  g_free (*field);
  *field = g_strdup (value != NULL ? value : "");
}

static void
weft_task_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  WeftTask *self = WEFT_TASK (object);

  switch ((WeftTaskProperty) prop_id)
    {
      case PROP_ID:
        g_value_set_string (value, self->id);
        break;
      case PROP_SKILL:
        g_value_set_string (value, self->skill);
        break;
      case PROP_TARGET_AGENT_ID:
        g_value_set_string (value, self->target_agent_id);
        break;
      case PROP_SOURCE_AGENT_ID:
        g_value_set_string (value, self->source_agent_id);
        break;
      case PROP_ASSIGNED_AGENT_ID:
        g_value_set_string (value, self->assigned_agent_id);
        break;
      case PROP_PAYLOAD:
        g_value_set_boxed (value, self->payload);
        break;
      case PROP_STATE:
        g_value_set_enum (value, self->state);
        break;
      case PROP_RESULT:
        g_value_set_string (value, self->result);
        break;
      case PROP_ERROR:
        g_value_set_string (value, self->error);
        break;
      case PROP_CREATED_AT:
        g_value_set_double (value, self->created_at);
        break;
      case PROP_UPDATED_AT:
        g_value_set_double (value, self->updated_at);
        break;
      case PROP_TTL:
        g_value_set_int64 (value, self->ttl);
        break;
      case PROP_ATTEMPTS:
        g_value_set_uint (value, self->attempts);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
weft_task_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  WeftTask *self = WEFT_TASK (object);

  /* every property is construct-only: after construction only the state
   * machine changes a task */
  switch ((WeftTaskProperty) prop_id)
    {
      case PROP_ID:
        replace_string (&self->id, g_value_get_string (value));
        break;
      case PROP_SKILL:
        replace_string (&self->skill, g_value_get_string (value));
        break;
      case PROP_TARGET_AGENT_ID:
        replace_string (&self->target_agent_id, g_value_get_string (value));
        break;
      case PROP_SOURCE_AGENT_ID:
        replace_string (&self->source_agent_id, g_value_get_string (value));
        break;
      case PROP_ASSIGNED_AGENT_ID:
        replace_string (&self->assigned_agent_id, g_value_get_string (value));
        break;
      case PROP_PAYLOAD:
        g_clear_pointer (&self->payload, json_node_unref);
        if (g_value_get_boxed (value) != NULL)
          self->payload = json_node_copy (g_value_get_boxed (value));
        else
          self->payload = json_node_new (JSON_NODE_NULL);
        break;
      case PROP_STATE:
        self->state = (WeftTaskState) g_value_get_enum (value);
        break;
      case PROP_RESULT:
        replace_string (&self->result, g_value_get_string (value));
        break;
      case PROP_ERROR:
        replace_string (&self->error, g_value_get_string (value));
        break;
      case PROP_CREATED_AT:
        self->created_at = g_value_get_double (value);
        break;
      case PROP_UPDATED_AT:
        self->updated_at = g_value_get_double (value);
        break;
      case PROP_TTL:
        self->ttl = g_value_get_int64 (value);
        break;
      case PROP_ATTEMPTS:
        self->attempts = g_value_get_uint (value);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
weft_task_constructed (GObject *object)
{
  WeftTask *self = WEFT_TASK (object);

  G_OBJECT_CLASS (weft_task_parent_class)->constructed (object);

  if (self->id == NULL || self->id[0] == '\0')
    {
      g_free (self->id);
      self->id = weft_task_generate_id ();
    }
  if (self->created_at < 0)
    self->created_at = resolve_now (-1);
  if (self->updated_at < 0)
    self->updated_at = self->created_at;
}

static void
weft_task_finalize (GObject *object)
{
  WeftTask *self = WEFT_TASK (object);

  g_free (self->id);
  g_free (self->skill);
  g_free (self->target_agent_id);
  g_free (self->source_agent_id);
  g_free (self->assigned_agent_id);
  g_clear_pointer (&self->payload, json_node_unref);
  g_free (self->result);
  g_free (self->error);

  G_OBJECT_CLASS (weft_task_parent_class)->finalize (object);
}

static GParamSpec *
string_pspec (const gchar *name, const gchar *blurb)
{
  return g_param_spec_string (name, NULL, blurb, "",
                              G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS |
                                G_PARAM_EXPLICIT_NOTIFY);
}

static void
weft_task_class_init (WeftTaskClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags =
    G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = weft_task_get_property;
  object_class->set_property = weft_task_set_property;
  object_class->constructed = weft_task_constructed;
  object_class->finalize = weft_task_finalize;

  /**
   * WeftTask:id:
   *
   * The task id (see weft_task_generate_id()); a new one is generated when
   * none is given at construction.
   *
   * Since: 0.1
   */
  props[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);

  /**
   * WeftTask:skill:
   *
   * The skill the task asks for; empty when the task only has a target.
   *
   * Since: 0.1
   */
  props[PROP_SKILL] = string_pspec ("skill", NULL);

  /**
   * WeftTask:target-agent-id:
   *
   * The agent the submitter wants to run the task; empty for any agent with
   * the skill.
   *
   * Since: 0.1
   */
  props[PROP_TARGET_AGENT_ID] = string_pspec ("target-agent-id", NULL);

  /**
   * WeftTask:source-agent-id:
   *
   * The agent that submitted the task; may be empty.
   *
   * Since: 0.1
   */
  props[PROP_SOURCE_AGENT_ID] = string_pspec ("source-agent-id", NULL);

  /**
   * WeftTask:assigned-agent-id:
   *
   * The agent the task is assigned to; empty while the task is pending.
   *
   * Since: 0.1
   */
  props[PROP_ASSIGNED_AGENT_ID] = string_pspec ("assigned-agent-id", NULL);

  /**
   * WeftTask:payload:
   *
   * The task's JSON payload; a JSON null node when it has none.
   *
   * Since: 0.1
   */
  props[PROP_PAYLOAD] = g_param_spec_boxed ("payload", NULL, NULL, JSON_TYPE_NODE, flags);

  /**
   * WeftTask:state:
   *
   * The state of the task. It changes only through weft_task_transition()
   * and its helpers.
   *
   * Since: 0.1
   */
  props[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, WEFT_TYPE_TASK_STATE, WEFT_TASK_STATE_PENDING, flags);

  /**
   * WeftTask:result:
   *
   * The result text the assignee reported; empty until then.
   *
   * Since: 0.1
   */
  props[PROP_RESULT] = string_pspec ("result", NULL);

  /**
   * WeftTask:error:
   *
   * The error text the assignee reported, or `TTL expired`; empty until
   * then.
   *
   * Since: 0.1
   */
  props[PROP_ERROR] = string_pspec ("error", NULL);

  /**
   * WeftTask:created-at:
   *
   * When the task was created, in Unix seconds; the current time when it is
   * negative at construction.
   *
   * Since: 0.1
   */
  props[PROP_CREATED_AT] =
    g_param_spec_double ("created-at", NULL, NULL, -1.0, G_MAXDOUBLE, -1.0, flags);

  /**
   * WeftTask:updated-at:
   *
   * When the task last changed, in Unix seconds; #WeftTask:created-at when
   * it is negative at construction.
   *
   * Since: 0.1
   */
  props[PROP_UPDATED_AT] =
    g_param_spec_double ("updated-at", NULL, NULL, -1.0, G_MAXDOUBLE, -1.0, flags);

  /**
   * WeftTask:ttl:
   *
   * How many seconds after its creation the task expires.
   *
   * Since: 0.1
   */
  props[PROP_TTL] =
    g_param_spec_int64 ("ttl", NULL, NULL, 0, G_MAXINT64, WEFT_TASK_DEFAULT_TTL, flags);

  /**
   * WeftTask:attempts:
   *
   * How often the task was re-queued because its assignee went away.
   *
   * Since: 0.1
   */
  props[PROP_ATTEMPTS] = g_param_spec_uint ("attempts", NULL, NULL, 0, G_MAXUINT, 0, flags);

  g_object_class_install_properties (object_class, G_N_ELEMENTS (props), props);
}

static void
weft_task_init (WeftTask *self)
{
  self->skill = g_strdup ("");
  self->target_agent_id = g_strdup ("");
  self->source_agent_id = g_strdup ("");
  self->assigned_agent_id = g_strdup ("");
  self->payload = json_node_new (JSON_NODE_NULL);
  self->result = g_strdup ("");
  self->error = g_strdup ("");
  self->created_at = -1;
  self->updated_at = -1;
  self->ttl = WEFT_TASK_DEFAULT_TTL;
}

/**
 * weft_task_new:
 * @skill: (nullable): the skill to run, or %NULL for none
 * @target_agent_id: (nullable): the agent that should run it, or %NULL for any
 * @source_agent_id: (nullable): the submitting agent, or %NULL
 * @payload: (nullable): the JSON payload (copied), or %NULL for JSON null
 * @ttl: seconds after creation when the task expires, at least 0
 * @now: the creation time in Unix seconds; negative for the system clock
 *
 * Creates a pending task with a new id.
 *
 * Returns: (transfer full): a new #WeftTask
 *
 * Since: 0.1
 */
WeftTask *
weft_task_new (const gchar *skill,
               const gchar *target_agent_id,
               const gchar *source_agent_id,
               JsonNode *payload,
               gint64 ttl,
               gdouble now)
{
  g_return_val_if_fail (ttl >= 0, NULL);

  now = resolve_now (now);
  return g_object_new (WEFT_TYPE_TASK, "skill", skill, "target-agent-id", target_agent_id,
                       "source-agent-id", source_agent_id, "payload", payload, "ttl", ttl,
                       "created-at", now, "updated-at", now, NULL);
}

/**
 * weft_task_get_id:
 * @self: a #WeftTask
 *
 * Returns: the task id
 *
 * Since: 0.1
 */
const gchar *
weft_task_get_id (WeftTask *self)
{
  g_return_val_if_fail (WEFT_IS_TASK (self), NULL);
  return self->id;
}

/**
 * weft_task_get_skill:
 * @self: a #WeftTask
 *
 * Returns: the skill name, possibly empty
 *
 * Since: 0.1
 */
const gchar *
weft_task_get_skill (WeftTask *self)
{
  g_return_val_if_fail (WEFT_IS_TASK (self), NULL);
  return self->skill;
}

/**
 * weft_task_get_target_agent_id:
 * @self: a #WeftTask
 *
 * Returns: the target agent id, possibly empty
 *
 * Since: 0.1
 */
const gchar *
weft_task_get_target_agent_id (WeftTask *self)
{
  g_return_val_if_fail (WEFT_IS_TASK (self), NULL);
  return self->target_agent_id;
}

/**
 * weft_task_get_source_agent_id:
 * @self: a #WeftTask
 *
 * Returns: the submitting agent id, possibly empty
 *
 * Since: 0.1
 */
const gchar *
weft_task_get_source_agent_id (WeftTask *self)
{
  g_return_val_if_fail (WEFT_IS_TASK (self), NULL);
  return self->source_agent_id;
}

/**
 * weft_task_get_assigned_agent_id:
 * @self: a #WeftTask
 *
 * Returns: the assignee's agent id, empty while the task is pending
 *
 * Since: 0.1
 */
const gchar *
weft_task_get_assigned_agent_id (WeftTask *self)
{
  g_return_val_if_fail (WEFT_IS_TASK (self), NULL);
  return self->assigned_agent_id;
}

/**
 * weft_task_get_payload:
 * @self: a #WeftTask
 *
 * Returns: (transfer none): the payload; a JSON null node when there is none
 *
 * Since: 0.1
 */
JsonNode *
weft_task_get_payload (WeftTask *self)
{
  g_return_val_if_fail (WEFT_IS_TASK (self), NULL);
  return self->payload;
}

/**
 * weft_task_get_state:
 * @self: a #WeftTask
 *
 * Returns: the current state
 *
 * Since: 0.1
 */
WeftTaskState
weft_task_get_state (WeftTask *self)
{
  g_return_val_if_fail (WEFT_IS_TASK (self), WEFT_TASK_STATE_PENDING);
  return self->state;
}

/**
 * weft_task_get_result:
 * @self: a #WeftTask
 *
 * Returns: the result text, possibly empty
 *
 * Since: 0.1
 */
const gchar *
weft_task_get_result (WeftTask *self)
{
  g_return_val_if_fail (WEFT_IS_TASK (self), NULL);
  return self->result;
}

/**
 * weft_task_get_error:
 * @self: a #WeftTask
 *
 * Returns: the error text, possibly empty
 *
 * Since: 0.1
 */
const gchar *
weft_task_get_error (WeftTask *self)
{
  g_return_val_if_fail (WEFT_IS_TASK (self), NULL);
  return self->error;
}

/**
 * weft_task_get_created_at:
 * @self: a #WeftTask
 *
 * Returns: the creation time in Unix seconds
 *
 * Since: 0.1
 */
gdouble
weft_task_get_created_at (WeftTask *self)
{
  g_return_val_if_fail (WEFT_IS_TASK (self), 0);
  return self->created_at;
}

/**
 * weft_task_get_updated_at:
 * @self: a #WeftTask
 *
 * Returns: the time of the last change in Unix seconds
 *
 * Since: 0.1
 */
gdouble
weft_task_get_updated_at (WeftTask *self)
{
  g_return_val_if_fail (WEFT_IS_TASK (self), 0);
  return self->updated_at;
}

/**
 * weft_task_get_ttl:
 * @self: a #WeftTask
 *
 * Returns: the time to live in seconds, counted from creation
 *
 * Since: 0.1
 */
gint64
weft_task_get_ttl (WeftTask *self)
{
  g_return_val_if_fail (WEFT_IS_TASK (self), 0);
  return self->ttl;
}

/**
 * weft_task_get_attempts:
 * @self: a #WeftTask
 *
 * Returns: how often the task was re-queued
 *
 * Since: 0.1
 */
guint
weft_task_get_attempts (WeftTask *self)
{
  g_return_val_if_fail (WEFT_IS_TASK (self), 0);
  return self->attempts;
}

static gboolean
transition_is_legal (WeftTaskState from, WeftTaskState to)
{
  switch (to)
    {
      case WEFT_TASK_STATE_ASSIGNED:
        return from == WEFT_TASK_STATE_PENDING;
      case WEFT_TASK_STATE_RUNNING:
        return from == WEFT_TASK_STATE_ASSIGNED;
      case WEFT_TASK_STATE_COMPLETED:
      case WEFT_TASK_STATE_FAILED:
      case WEFT_TASK_STATE_PENDING:
        return from == WEFT_TASK_STATE_ASSIGNED || from == WEFT_TASK_STATE_RUNNING;
      case WEFT_TASK_STATE_CANCELLED:
        return !weft_task_state_is_terminal (from);
      default:
        return FALSE;
    }
}

/* sets the new state and the texts, notifying what changed */
static void
apply_transition (WeftTask *self,
                  WeftTaskState new_state,
                  const gchar *result,
                  const gchar *error_text,
                  gdouble now)
{
  g_object_freeze_notify (G_OBJECT (self));

  self->state = new_state;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);

  /* like the reference registry, only a non-empty text replaces the stored one */
  if (result != NULL && result[0] != '\0' && g_strcmp0 (result, self->result) != 0)
    {
      replace_string (&self->result, result);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RESULT]);
    }
  if (error_text != NULL && error_text[0] != '\0' && g_strcmp0 (error_text, self->error) != 0)
    {
      replace_string (&self->error, error_text);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ERROR]);
    }

  self->updated_at = resolve_now (now);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_UPDATED_AT]);

  g_object_thaw_notify (G_OBJECT (self));
}

static void
set_assignee (WeftTask *self, const gchar *agent_id)
{
  if (g_strcmp0 (self->assigned_agent_id, agent_id) == 0)
    return;
  replace_string (&self->assigned_agent_id, agent_id);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ASSIGNED_AGENT_ID]);
}

/**
 * weft_task_transition:
 * @self: a #WeftTask
 * @new_state: the state to move to
 * @agent_id: (nullable): the assignee when @new_state is
 *   %WEFT_TASK_STATE_ASSIGNED (required then); ignored otherwise
 * @result: (nullable): a result text; replaces the stored one when not empty
 * @error_text: (nullable): an error text; replaces the stored one when not empty
 * @now: the time of the change in Unix seconds; negative for the system clock
 * @error: return location for a #GError
 *
 * Moves @self to @new_state if the state machine allows it (see #WeftTask)
 * and sets #WeftTask:updated-at to @now. Moving back to
 * %WEFT_TASK_STATE_PENDING re-queues the task: it clears the assignee and
 * counts an attempt. Expiry is not a transition of its own here; use
 * weft_task_expire().
 *
 * Returns: %TRUE on success; %FALSE with %WEFT_ERROR_INVALID_STATE for an
 *   illegal transition, or %WEFT_ERROR_INVALID_ARGUMENT for an assignment
 *   without an agent id
 *
 * Since: 0.1
 */
gboolean
weft_task_transition (WeftTask *self,
                      WeftTaskState new_state,
                      const gchar *agent_id,
                      const gchar *result,
                      const gchar *error_text,
                      gdouble now,
                      GError **error)
{
  g_return_val_if_fail (WEFT_IS_TASK (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((guint) new_state > WEFT_TASK_STATE_CANCELLED)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("task %s cannot move to unknown state %d"), self->id, (gint) new_state);
      return FALSE;
    }
  if (!transition_is_legal (self->state, new_state))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE,
                   _ ("task %s is %s; it cannot move to %s"), self->id,
                   weft_task_state_to_string (self->state), weft_task_state_to_string (new_state));
      return FALSE;
    }
  if (new_state == WEFT_TASK_STATE_ASSIGNED && (agent_id == NULL || agent_id[0] == '\0'))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("task %s can only be assigned to an agent; no agent id was given"), self->id);
      return FALSE;
    }

  g_object_freeze_notify (G_OBJECT (self));
  if (new_state == WEFT_TASK_STATE_ASSIGNED)
    set_assignee (self, agent_id);
  if (new_state == WEFT_TASK_STATE_PENDING)
    {
      set_assignee (self, "");
      self->attempts++;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ATTEMPTS]);
    }
  apply_transition (self, new_state, result, error_text, now);
  g_object_thaw_notify (G_OBJECT (self));

  g_debug ("task %s is now %s", self->id, weft_task_state_to_string (new_state));
  return TRUE;
}

/**
 * weft_task_assign:
 * @self: a #WeftTask
 * @agent_id: the agent that takes the task
 * @now: the time in Unix seconds; negative for the system clock
 * @error: return location for a #GError
 *
 * Moves a pending task to assigned, to @agent_id.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
weft_task_assign (WeftTask *self, const gchar *agent_id, gdouble now, GError **error)
{
  return weft_task_transition (self, WEFT_TASK_STATE_ASSIGNED, agent_id, NULL, NULL, now, error);
}

/**
 * weft_task_start:
 * @self: a #WeftTask
 * @now: the time in Unix seconds; negative for the system clock
 * @error: return location for a #GError
 *
 * Moves an assigned task to running.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
weft_task_start (WeftTask *self, gdouble now, GError **error)
{
  return weft_task_transition (self, WEFT_TASK_STATE_RUNNING, NULL, NULL, NULL, now, error);
}

/**
 * weft_task_complete:
 * @self: a #WeftTask
 * @result: (nullable): the result text
 * @now: the time in Unix seconds; negative for the system clock
 * @error: return location for a #GError
 *
 * Moves an assigned or running task to completed.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
weft_task_complete (WeftTask *self, const gchar *result, gdouble now, GError **error)
{
  return weft_task_transition (self, WEFT_TASK_STATE_COMPLETED, NULL, result, NULL, now, error);
}

/**
 * weft_task_fail:
 * @self: a #WeftTask
 * @error_text: (nullable): what went wrong
 * @now: the time in Unix seconds; negative for the system clock
 * @error: return location for a #GError
 *
 * Moves an assigned or running task to failed.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
weft_task_fail (WeftTask *self, const gchar *error_text, gdouble now, GError **error)
{
  return weft_task_transition (self, WEFT_TASK_STATE_FAILED, NULL, NULL, error_text, now, error);
}

/**
 * weft_task_cancel:
 * @self: a #WeftTask
 * @now: the time in Unix seconds; negative for the system clock
 * @error: return location for a #GError
 *
 * Moves a task that has not finished to cancelled.
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
weft_task_cancel (WeftTask *self, gdouble now, GError **error)
{
  return weft_task_transition (self, WEFT_TASK_STATE_CANCELLED, NULL, NULL, NULL, now, error);
}

/**
 * weft_task_requeue:
 * @self: a #WeftTask
 * @now: the time in Unix seconds; negative for the system clock
 * @error: return location for a #GError
 *
 * Puts an assigned or running task back to pending, for example because its
 * assignee went away: clears the assignee and counts an attempt. Bounding
 * the attempts is the caller's policy (see weft_task_get_attempts()).
 *
 * Returns: %TRUE on success
 *
 * Since: 0.1
 */
gboolean
weft_task_requeue (WeftTask *self, gdouble now, GError **error)
{
  return weft_task_transition (self, WEFT_TASK_STATE_PENDING, NULL, NULL, NULL, now, error);
}

/**
 * weft_task_is_expired:
 * @self: a #WeftTask
 * @now: the time in Unix seconds; negative for the system clock
 *
 * Whether @self outlived its time to live: it is not in a terminal state
 * and more than #WeftTask:ttl seconds passed between its creation and @now.
 *
 * Returns: %TRUE if the task should expire
 *
 * Since: 0.1
 */
gboolean
weft_task_is_expired (WeftTask *self, gdouble now)
{
  g_return_val_if_fail (WEFT_IS_TASK (self), FALSE);

  if (weft_task_state_is_terminal (self->state))
    return FALSE;
  return resolve_now (now) - self->created_at > (gdouble) self->ttl;
}

/**
 * weft_task_expire:
 * @self: a #WeftTask
 * @now: the time in Unix seconds; negative for the system clock
 * @error: return location for a #GError
 *
 * Moves an expired task (see weft_task_is_expired()) to failed with the
 * error `TTL expired`, whatever non-terminal state it is in.
 *
 * Returns: %TRUE on success; %FALSE with %WEFT_ERROR_INVALID_STATE when the
 *   task is terminal or has not expired yet
 *
 * Since: 0.1
 */
gboolean
weft_task_expire (WeftTask *self, gdouble now, GError **error)
{
  g_return_val_if_fail (WEFT_IS_TASK (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  now = resolve_now (now);
  if (weft_task_state_is_terminal (self->state))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE,
                   _ ("task %s is %s; it cannot expire"), self->id,
                   weft_task_state_to_string (self->state));
      return FALSE;
    }
  if (!weft_task_is_expired (self, now))
    {
      g_autofree gchar *ttl = g_strdup_printf ("%" G_GINT64_FORMAT, self->ttl);

      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE,
                   _ ("task %s has not expired: its time to live of %s s has not passed yet"),
                   self->id, ttl);
      return FALSE;
    }

  apply_transition (self, WEFT_TASK_STATE_FAILED, NULL, "TTL expired", now);
  g_debug ("task %s expired", self->id);
  return TRUE;
}
