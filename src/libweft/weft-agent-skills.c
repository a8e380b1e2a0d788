/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "weft-agent-private.h"
#include "weft-error.h"

/* the built-in skills (chatixia's names and result texts) and the
 * delegate / send / broadcast operations they and the D-Bus API share */

#define DELEGATE_TIMEOUT_S 120
#define DELEGATE_TTL       300
#define MESSAGE_TTL        60

static const gchar *const builtin_names[] = {
  "list_agents", "find_agent", "delegate", "mesh_send", "mesh_broadcast", "user_intervention", NULL,
};

gboolean
weft_agent_is_builtin_skill (const gchar *name)
{
  return name != NULL && g_strv_contains (builtin_names, name);
}

static JsonNode *
string_payload (const gchar *message, const gchar *flag)
{
  JsonObject *obj = json_object_new ();

  json_object_set_string_member (obj, "message", message != NULL ? message : "");
  if (flag != NULL)
    json_object_set_boolean_member (obj, flag, TRUE);
  return weft_agent_node_take_object (obj);
}

static JsonNode *
task_body (WeftAgent *self, const gchar *skill, const gchar *target, JsonNode *payload, gint64 ttl)
{
  JsonObject *obj = json_object_new ();

  if (skill != NULL)
    json_object_set_string_member (obj, "skill", skill);
  json_object_set_string_member (obj, "target_agent_id", target != NULL ? target : "");
  json_object_set_string_member (obj, "source_agent_id", self->name);
  json_object_set_member (obj, "payload", json_node_copy (payload));
  json_object_set_int_member (obj, "ttl", ttl);
  return weft_agent_node_take_object (obj);
}

/* ---- delegate ---- */

typedef struct
{
  WeftAgent *agent; /* (owned) */
  gchar *target;    /* (owned) (nullable) */
  gchar *skill;     /* (owned) (nullable) */
  gchar *message;   /* (owned) */
  gchar *task_id;   /* (owned) (nullable) once submitted */
  gboolean wait;
  guint poll_id;
  guint timeout_id;
  gboolean polling;
  gboolean direct;   /* took a DataChannel */
  gint64 started_at; /* monotonic, for the route report */
} Delegation;

static void
delegation_free (Delegation *d)
{
  g_clear_handle_id (&d->poll_id, g_source_remove);
  g_clear_handle_id (&d->timeout_id, g_source_remove);
  g_object_unref (d->agent);
  g_free (d->target);
  g_free (d->skill);
  g_free (d->message);
  g_free (d->task_id);
  g_free (d);
}

static GHashTable *
early_updates (WeftAgent *self)
{
  GHashTable *table = g_object_get_data (G_OBJECT (self), "weft-early-updates");

  if (table == NULL)
    {
      table =
        g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) json_node_unref);
      g_object_set_data_full (G_OBJECT (self), "weft-early-updates", table,
                              (GDestroyNotify) g_hash_table_unref);
    }
  return table;
}

/* completes @task from a task object in a terminal state; FALSE if not terminal */
static gboolean
complete_from_task (GTask *task, JsonNode *node)
{
  Delegation *d = g_task_get_task_data (task);
  JsonObject *obj;
  const gchar *state;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;
  obj = json_node_get_object (node);
  state = json_object_get_string_member_with_default (obj, "state", "");
  if (g_str_equal (state, "completed"))
    g_task_return_pointer (
      task, g_strdup (json_object_get_string_member_with_default (obj, "result", "")), g_free);
  else if (g_str_equal (state, "failed"))
    g_task_return_new_error (task, WEFT_ERROR, WEFT_ERROR_FAILED, "Task failed: %s",
                             json_object_get_string_member_with_default (obj, "error", ""));
  else if (g_str_equal (state, "cancelled"))
    g_task_return_new_error (task, WEFT_ERROR, WEFT_ERROR_CANCELLED, _ ("Task %s was cancelled"),
                             d->task_id);
  else
    return FALSE;
  g_clear_handle_id (&d->poll_id, g_source_remove);
  g_clear_handle_id (&d->timeout_id, g_source_remove);
  return TRUE;
}

void
weft_agent_complete_delegation (WeftAgent *self, JsonNode *task_node)
{
  const gchar *id;
  GTask *task;

  if (task_node == NULL || !JSON_NODE_HOLDS_OBJECT (task_node))
    return;
  id = json_object_get_string_member_with_default (json_node_get_object (task_node), "id", NULL);
  if (id == NULL)
    return;
  task = g_hash_table_lookup (self->waiters, id);
  if (task == NULL)
    {
      /* the push can overtake the answer to our submit: keep it briefly */
      GHashTable *early = early_updates (self);
      if (g_hash_table_size (early) > 256)
        g_hash_table_remove_all (early);
      g_hash_table_replace (early, g_strdup (id), json_node_copy (task_node));
      return;
    }
  g_object_ref (task);
  if (complete_from_task (task, task_node))
    g_hash_table_remove (self->waiters, id);
  g_object_unref (task);
}

static void
poll_cb_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Delegation *d = g_task_get_task_data (task);
  g_autoptr (JsonNode) node = NULL;

  d->polling = FALSE;
  node = weft_registry_client_get_task_finish (WEFT_REGISTRY_CLIENT (source), res, NULL);
  if (g_task_get_completed (task) || !g_hash_table_contains (d->agent->waiters, d->task_id))
    return;
  if (complete_from_task (task, node))
    g_hash_table_remove (d->agent->waiters, d->task_id);
}

static gboolean
poll_cb (gpointer user_data)
{
  GTask *task = user_data;
  Delegation *d = g_task_get_task_data (task);

  if (!d->polling)
    {
      d->polling = TRUE;
      weft_registry_client_get_task_async (d->agent->client, d->task_id, NULL, poll_cb_done,
                                           g_object_ref (task));
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
delegate_timeout_cb (gpointer user_data)
{
  GTask *task = user_data;
  Delegation *d = g_task_get_task_data (task);

  d->timeout_id = 0;
  g_clear_handle_id (&d->poll_id, g_source_remove);
  g_object_ref (task);
  g_hash_table_remove (d->agent->waiters, d->task_id);
  g_task_return_new_error (task, WEFT_ERROR, WEFT_ERROR_TIMED_OUT,
                           "Timeout: task %s still pending after %ds", d->task_id,
                           DELEGATE_TIMEOUT_S);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static void
submit_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Delegation *d = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  JsonNode *early;
  guint interval;

  d->task_id = weft_registry_client_submit_task_finish (WEFT_REGISTRY_CLIENT (source), res, &error);
  if (d->task_id == NULL)
    {
      g_task_return_new_error (task, error->domain, error->code, "Failed to submit task: %s",
                               error->message);
      return;
    }
  g_debug ("delegated %s to %s as task %s", d->skill != NULL ? d->skill : "(message)",
           d->target != NULL ? d->target : "any", d->task_id);
  if (!d->wait)
    {
      g_task_return_pointer (task, g_strdup (d->task_id), g_free);
      return;
    }
  early = g_hash_table_lookup (early_updates (d->agent), d->task_id);
  if (early != NULL && complete_from_task (task, early))
    {
      g_hash_table_remove (early_updates (d->agent), d->task_id);
      return;
    }
  g_hash_table_replace (d->agent->waiters, g_strdup (d->task_id), g_object_ref (task));
  /* push tells us at once; polling is the safety net (and the only way
   * when /ws is down) */
  interval = weft_signaling_get_connected (d->agent->signaling) ? 5000 : 1000;
  d->poll_id =
    g_timeout_add_full (G_PRIORITY_DEFAULT, interval, poll_cb, g_object_ref (task), g_object_unref);
  d->timeout_id = g_timeout_add_seconds (DELEGATE_TIMEOUT_S, delegate_timeout_cb, task);
}

static void
submit_delegation (GTask *task)
{
  Delegation *d = g_task_get_task_data (task);
  g_autoptr (JsonNode) payload = string_payload (d->message, NULL);
  g_autoptr (JsonNode) body =
    task_body (d->agent, d->skill != NULL ? d->skill : "", d->target, payload, DELEGATE_TTL);

  weft_registry_client_submit_task_async (d->agent->client, body, g_task_get_cancellable (task),
                                          submit_cb, task);
}

/* the direct path's outcome: @out (the result, or the request id of a
 * fire-and-forget) or an error; one that reached nobody takes the registry
 * queue */
static void
direct_outcome (GTask *task, gchar *out, GError *error)
{
  Delegation *d = g_task_get_task_data (task);

  if (out != NULL)
    {
      d->direct = TRUE;
      g_task_return_pointer (task, out, g_free);
      g_object_unref (task);
      return;
    }
  if (!g_error_matches (error, WEFT_ERROR, WEFT_ERROR_UNAVAILABLE))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  /* the request reached nobody: the registry queue is safe */
  weft_mesh_agent_report_fallback (d->agent->mesh, "delegate", d->target, error->message,
                                   g_get_monotonic_time () - d->started_at, TRUE);
  g_error_free (error);
  submit_delegation (task);
}

static void
direct_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GError *error = NULL;
  gchar *result = weft_mesh_agent_delegate_finish (WEFT_MESH_AGENT (source), res, NULL, &error);

  direct_outcome (user_data, result, error);
}

static void
direct_post_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GError *error = NULL;
  gchar *request_id = weft_mesh_agent_post_finish (WEFT_MESH_AGENT (source), res, NULL, &error);

  direct_outcome (user_data, request_id, error);
}

/* over a DataChannel when one is up or can be made within the budget,
 * else through the registry queue; fire-and-forget too */
static void
deliver_delegation (GTask *task)
{
  Delegation *d = g_task_get_task_data (task);

  d->started_at = g_get_monotonic_time ();
  if (d->agent->mesh == NULL || d->agent->state != WEFT_AGENT_STATE_RUNNING)
    submit_delegation (task);
  else if (d->wait)
    weft_mesh_agent_delegate_async (d->agent->mesh, d->target, d->skill, d->message, NULL,
                                    g_task_get_cancellable (task), direct_cb, task);
  else
    weft_mesh_agent_post_async (d->agent->mesh, d->target, d->skill, d->message,
                                g_task_get_cancellable (task), direct_post_cb, task);
}

static void
requeued_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *task_id = weft_agent_delegate_finish (WEFT_AGENT (source), res, &error);

  if (task_id == NULL)
    g_warning ("a fire-and-forget delegation was lost: %s", error->message);
}

void
weft_agent_requeue_delegation (WeftAgent *self,
                               const gchar *target,
                               const gchar *skill,
                               const gchar *message,
                               const gchar *reason,
                               gint64 elapsed_us)
{
  GTask *task = g_task_new (self, NULL, requeued_cb, NULL);
  Delegation *d = g_new0 (Delegation, 1);

  g_task_set_source_tag (task, weft_agent_delegate_async);
  d->agent = g_object_ref (self);
  d->target = g_strdup (target);
  d->skill = g_strdup (skill);
  d->message = g_strdup (message != NULL ? message : "");
  d->started_at = g_get_monotonic_time () - elapsed_us;
  g_task_set_task_data (task, d, (GDestroyNotify) delegation_free);
  if (self->mesh != NULL)
    weft_mesh_agent_report_fallback (self->mesh, "delegate", target, reason, elapsed_us, TRUE);
  submit_delegation (task);
}

static void
route_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  Delegation *d = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) record =
    weft_registry_client_route_finish (WEFT_REGISTRY_CLIENT (source), res, &error);

  if (record == NULL)
    {
      g_task_return_new_error (task, error->domain, error->code,
                               _ ("No agent found with skill '%s': %s"), d->skill, error->message);
      g_object_unref (task);
      return;
    }
  d->target = g_strdup (
    json_object_get_string_member_with_default (json_node_get_object (record), "agent_id", ""));
  deliver_delegation (task);
}

/**
 * weft_agent_delegate_async:
 * @self: a #WeftAgent
 * @target_agent_id: (nullable): the agent to run the task; %NULL or empty to
 *   let the registry pick one with @skill
 * @skill: (nullable): the skill to run
 * @message: the task's message (`payload.message`)
 * @wait: whether to wait for the result
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the result
 * @user_data: data for @callback
 *
 * Hands a task to another agent: over a DataChannel when one is up or can
 * be made within the open budget, else through the registry's queue.
 * Without a target the registry's route for @skill picks the agent.
 * Without @wait it completes once the task is on its way: on the direct
 * path when the task_request is on the channel (a target at its
 * concurrency limit answers `busy`, and the task then goes to the queue),
 * on the registry path when the task is queued.
 *
 * Since: 0.1
 */
void
weft_agent_delegate_async (WeftAgent *self,
                           const gchar *target_agent_id,
                           const gchar *skill,
                           const gchar *message,
                           gboolean wait,
                           GCancellable *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer user_data)
{
  GTask *task;
  Delegation *d;

  g_return_if_fail (WEFT_IS_AGENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, weft_agent_delegate_async);
  d = g_new0 (Delegation, 1);
  d->agent = g_object_ref (self);
  d->target =
    target_agent_id != NULL && *target_agent_id != '\0' ? g_strdup (target_agent_id) : NULL;
  d->skill = skill != NULL && *skill != '\0' ? g_strdup (skill) : NULL;
  d->message = g_strdup (message != NULL ? message : "");
  d->wait = wait;
  g_task_set_task_data (task, d, (GDestroyNotify) delegation_free);

  if (d->target == NULL && d->skill == NULL)
    {
      g_task_return_new_error (task, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                               _ ("Delegation needs a target agent or a skill"));
      g_object_unref (task);
      return;
    }
  if (d->target == NULL)
    weft_registry_client_route_async (self->client, d->skill, cancellable, route_cb, task);
  else
    deliver_delegation (task);
}

/**
 * weft_agent_delegate_finish:
 * @self: a #WeftAgent
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes weft_agent_delegate_async(). A failed task gives
 * %WEFT_ERROR_FAILED with the task's error; a wait longer than 120 s gives
 * %WEFT_ERROR_TIMED_OUT.
 *
 * Returns: (transfer full): the task's result when waiting, else its task
 *   id (registry path) or the task_request's request id (direct path);
 *   %NULL on error
 *
 * Since: 0.1
 */
gchar *
weft_agent_delegate_finish (WeftAgent *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- send ---- */

static void
send_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  g_autofree gchar *id =
    weft_registry_client_submit_task_finish (WEFT_REGISTRY_CLIENT (source), res, &error);

  if (id == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task,
                           g_strdup_printf ("Message sent to %s via registry (task_id=%s)",
                                            (const gchar *) g_task_get_task_data (task), id),
                           g_free);
}

/* a message over the DataChannel when one is up or can be made within the
 * budget; through the registry queue when the prompt reached nobody */
typedef struct
{
  GTask *task;    /* (owned) */
  gchar *message; /* (owned) */
  gint64 started_at;
} SendDirect;

static void
send_direct_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  SendDirect *sd = user_data;
  g_autoptr (GTask) task = g_steal_pointer (&sd->task);
  g_autofree gchar *message = g_steal_pointer (&sd->message);
  WeftAgent *self = g_task_get_source_object (task);
  const gchar *target = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftMeshRoute) route = NULL;
  g_autoptr (JsonNode) payload = NULL;
  g_autoptr (JsonNode) body = NULL;
  gint64 started_at = sd->started_at;
  GCancellable *cancellable;

  g_free (sd);
  if (weft_mesh_agent_send_finish (WEFT_MESH_AGENT (source), res, &route, &error))
    {
      g_task_return_pointer (
        task, g_strdup_printf ("Message sent to %s via P2P DataChannel", target), g_free);
      return;
    }
  if (!g_error_matches (error, WEFT_ERROR, WEFT_ERROR_UNAVAILABLE))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  weft_mesh_agent_report_fallback (self->mesh, "send", target, error->message,
                                   g_get_monotonic_time () - started_at, TRUE);
  payload = string_payload (message, "direct");
  body = task_body (self, "", target, payload, MESSAGE_TTL);
  /* the task is stolen below: argument order is unspecified */
  cancellable = g_task_get_cancellable (task);
  weft_registry_client_submit_task_async (self->client, body, cancellable, send_cb,
                                          g_steal_pointer (&task));
}

/**
 * weft_agent_send_async:
 * @self: a #WeftAgent
 * @target_agent_id: the receiving agent
 * @message: the message
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the message is queued
 * @user_data: data for @callback
 *
 * Sends a message to one agent (chatixia's `mesh_send`): an `agent_prompt`
 * over a DataChannel when one is up or can be made within a short budget,
 * else a task without a skill whose payload is `{"message", "direct": true}`
 * through the registry. The receiver emits #WeftAgent::agent-prompt.
 *
 * Since: 0.1
 */
void
weft_agent_send_async (WeftAgent *self,
                       const gchar *target_agent_id,
                       const gchar *message,
                       GCancellable *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (JsonNode) payload = NULL;
  g_autoptr (JsonNode) body = NULL;

  g_return_if_fail (WEFT_IS_AGENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, weft_agent_send_async);
  if (target_agent_id == NULL || *target_agent_id == '\0' || message == NULL)
    {
      g_task_return_new_error (task, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                               _ ("Sending needs a target agent and a message"));
      return;
    }
  g_task_set_task_data (task, g_strdup (target_agent_id), g_free);
  if (self->mesh != NULL && self->state == WEFT_AGENT_STATE_RUNNING)
    {
      SendDirect *sd = g_new0 (SendDirect, 1);

      sd->task = g_steal_pointer (&task);
      sd->message = g_strdup (message);
      sd->started_at = g_get_monotonic_time ();
      weft_mesh_agent_send_async (self->mesh, target_agent_id, message, cancellable, send_direct_cb,
                                  sd);
      return;
    }
  payload = string_payload (message, "direct");
  body = task_body (self, "", target_agent_id, payload, MESSAGE_TTL);
  weft_registry_client_submit_task_async (self->client, body, cancellable, send_cb,
                                          g_steal_pointer (&task));
}

/**
 * weft_agent_send_finish:
 * @self: a #WeftAgent
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes weft_agent_send_async().
 *
 * Returns: (transfer full): a line saying how the message went, or %NULL
 *
 * Since: 0.1
 */
gchar *
weft_agent_send_finish (WeftAgent *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- broadcast ---- */

typedef struct
{
  gchar *message; /* (owned) */
  GStrv direct;   /* (owned) peer ids reached over a DataChannel */
  guint pending;
  guint sent;
} Broadcast;

static void
broadcast_free (Broadcast *b)
{
  g_free (b->message);
  g_strfreev (b->direct);
  g_free (b);
}

static void
broadcast_return (GTask *task)
{
  Broadcast *b = g_task_get_task_data (task);

  guint direct = b->direct != NULL ? g_strv_length (b->direct) : 0;

  if (direct > 0 && b->sent > 0)
    g_task_return_pointer (task,
                           g_strdup_printf ("Broadcast sent to %u peer(s) via P2P DataChannel and "
                                            "%u agent(s) via registry",
                                            direct, b->sent),
                           g_free);
  else if (direct > 0)
    g_task_return_pointer (
      task, g_strdup_printf ("Broadcast sent to %u peer(s) via P2P DataChannel", direct), g_free);
  else
    g_task_return_pointer (
      task, g_strdup_printf ("Broadcast sent to %u agent(s) via registry", b->sent), g_free);
}

static void
broadcast_one_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Broadcast *b = g_task_get_task_data (task);
  g_autofree gchar *id =
    weft_registry_client_submit_task_finish (WEFT_REGISTRY_CLIENT (source), res, NULL);

  if (id != NULL)
    b->sent++;
  if (--b->pending == 0)
    broadcast_return (task);
}

static void
broadcast_list_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  WeftAgent *self = g_task_get_source_object (task);
  Broadcast *b = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (JsonNode) list =
    weft_registry_client_list_agents_finish (WEFT_REGISTRY_CLIENT (source), res, &error);
  g_autoptr (JsonNode) payload = NULL;
  g_autoptr (GPtrArray) targets = g_ptr_array_new ();
  JsonArray *arr;

  if (list == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  arr = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      JsonObject *rec = json_array_get_object_element (arr, i);
      const gchar *id =
        rec != NULL ? json_object_get_string_member_with_default (rec, "agent_id", NULL) : NULL;

      if (id == NULL || g_strcmp0 (id, self->name) == 0 ||
          g_strcmp0 (json_object_get_string_member_with_default (rec, "health", ""), "active") != 0)
        continue;
      /* reached already over its DataChannel */
      if (b->direct != NULL &&
          g_strv_contains ((const gchar *const *) b->direct,
                           json_object_get_string_member_with_default (rec, "sidecar_peer_id", "")))
        continue;
      g_ptr_array_add (targets, (gpointer) id);
    }
  if (targets->len == 0)
    {
      broadcast_return (task);
      return;
    }
  payload = string_payload (b->message, "broadcast");
  b->pending = targets->len;
  for (guint i = 0; i < targets->len; i++)
    {
      /* no skill key at all, as the reference sends it */
      g_autoptr (JsonNode) body =
        task_body (self, NULL, g_ptr_array_index (targets, i), payload, MESSAGE_TTL);
      weft_registry_client_submit_task_async (self->client, body, g_task_get_cancellable (task),
                                              broadcast_one_cb, g_object_ref (task));
    }
}

/**
 * weft_agent_broadcast_async:
 * @self: a #WeftAgent
 * @message: the message
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the messages are queued
 * @user_data: data for @callback
 *
 * Sends a message to every other active agent (chatixia's `mesh_broadcast`),
 * with payload `{"message", "broadcast": true}`.
 *
 * Since: 0.1
 */
void
weft_agent_broadcast_async (WeftAgent *self,
                            const gchar *message,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  Broadcast *b;

  g_return_if_fail (WEFT_IS_AGENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, weft_agent_broadcast_async);
  if (message == NULL)
    {
      g_task_return_new_error (task, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                               _ ("Broadcasting needs a message"));
      return;
    }
  b = g_new0 (Broadcast, 1);
  b->message = g_strdup (message);
  /* every open channel first; the registry queue takes the agents without one */
  if (self->mesh != NULL && self->state == WEFT_AGENT_STATE_RUNNING)
    b->direct = weft_mesh_agent_broadcast (self->mesh, message);
  g_task_set_task_data (task, b, (GDestroyNotify) broadcast_free);
  weft_registry_client_list_agents_async (self->client, cancellable, broadcast_list_cb,
                                          g_steal_pointer (&task));
}

/**
 * weft_agent_broadcast_finish:
 * @self: a #WeftAgent
 * @result: the #GAsyncResult
 * @error: return location for a #GError
 *
 * Finishes weft_agent_broadcast_async().
 *
 * Returns: (transfer full): a line saying how many agents were reached, or %NULL
 *
 * Since: 0.1
 */
gchar *
weft_agent_broadcast_finish (WeftAgent *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- the built-in skills ---- */

static const gchar *
arg_string (JsonNode *args, const gchar *name)
{
  JsonNode *n;

  if (args == NULL || !JSON_NODE_HOLDS_OBJECT (args))
    return NULL;
  n = json_object_get_member (json_node_get_object (args), name);
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

static void
list_agents_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  WeftAgent *self = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) list =
    weft_registry_client_list_agents_finish (WEFT_REGISTRY_CLIENT (source), res, &error);
  g_autoptr (GString) out = NULL;
  JsonArray *arr;

  if (list == NULL)
    {
      g_task_return_pointer (task, g_strdup_printf ("Error: %s", error->message), g_free);
      return;
    }
  arr = json_node_get_array (list);
  if (json_array_get_length (arr) == 0)
    {
      g_task_return_pointer (task, g_strdup ("No agents connected to the mesh."), g_free);
      return;
    }
  out = g_string_new ("## Mesh Agents\n");
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      JsonObject *rec = json_array_get_object_element (arr, i);
      const gchar *id;
      JsonNode *caps;
      JsonArray *skills = NULL;

      if (rec == NULL)
        continue;
      id = json_object_get_string_member_with_default (rec, "agent_id", "");
      g_string_append_printf (out, "\n- **%s**%s [%s]\n", id,
                              g_strcmp0 (id, self->name) == 0 ? " **(you)**" : "",
                              json_object_get_string_member_with_default (rec, "health", ""));
      g_string_append_printf (out, "  host: %s (%s:%" G_GINT64_FORMAT "), mode: %s\n",
                              json_object_get_string_member_with_default (rec, "hostname", ""),
                              json_object_get_string_member_with_default (rec, "ip", ""),
                              json_object_get_int_member_with_default (rec, "port", 0),
                              json_object_get_string_member_with_default (rec, "mode", ""));
      g_string_append_printf (
        out, "  peer: %s\n",
        json_object_get_string_member_with_default (rec, "sidecar_peer_id", ""));
      caps = json_object_get_member (rec, "capabilities");
      if (caps != NULL && JSON_NODE_HOLDS_OBJECT (caps))
        skills = json_object_get_array_member (json_node_get_object (caps), "skills");
      if (skills != NULL && json_array_get_length (skills) > 0)
        {
          guint n = json_array_get_length (skills);

          g_string_append (out, "  skills: ");
          for (guint j = 0; j < MIN (n, 10); j++)
            g_string_append_printf (out, "%s%s", j > 0 ? ", " : "",
                                    json_array_get_string_element (skills, j));
          if (n > 10)
            g_string_append_printf (out, " ... and %u more", n - 10);
          g_string_append_c (out, '\n');
        }
    }
  g_task_return_pointer (task, g_string_free (g_steal_pointer (&out), FALSE), g_free);
}

static void
skill_list_agents (WeftSkill *skill, JsonNode *args, GCancellable *c, GTask *task, gpointer data)
{
  WeftAgent *self = data;

  g_task_set_task_data (task, g_object_ref (self), g_object_unref);
  weft_registry_client_list_agents_async (self->client, c, list_agents_done, task);
}

static void
find_agent_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  const gchar *skill = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) rec =
    weft_registry_client_route_finish (WEFT_REGISTRY_CLIENT (source), res, &error);
  JsonObject *obj;

  if (rec == NULL)
    {
      g_task_return_pointer (
        task, g_strdup_printf ("No agent found with skill '%s': %s", skill, error->message),
        g_free);
      return;
    }
  obj = json_node_get_object (rec);
  g_task_return_pointer (
    task,
    g_strdup_printf ("Agent '%s' (peer: %s) has skill '%s'",
                     json_object_get_string_member_with_default (obj, "agent_id", ""),
                     json_object_get_string_member_with_default (obj, "sidecar_peer_id", ""),
                     skill),
    g_free);
}

static void
skill_find_agent (WeftSkill *skill, JsonNode *args, GCancellable *c, GTask *task, gpointer data)
{
  WeftAgent *self = data;
  const gchar *wanted = arg_string (args, "skill");

  if (wanted == NULL || *wanted == '\0')
    {
      g_task_return_pointer (task, g_strdup ("Error: 'skill' parameter is required."), g_free);
      g_object_unref (task);
      return;
    }
  g_task_set_task_data (task, g_strdup (wanted), g_free);
  weft_registry_client_route_async (self->client, wanted, c, find_agent_done, task);
}

static void
delegate_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  gboolean wait = GPOINTER_TO_INT (g_task_get_task_data (task));
  g_autoptr (GError) error = NULL;
  g_autofree gchar *out = weft_agent_delegate_finish (WEFT_AGENT (source), res, &error);

  /* chatixia answers in text, errors included */
  if (out == NULL)
    {
      if (g_error_matches (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT))
        g_task_return_pointer (
          task, g_strdup ("Error: either 'target_agent_id' or 'skill' is required."), g_free);
      else
        g_task_return_pointer (task, g_strdup (error->message), g_free);
      return;
    }
  if (!wait && ((Delegation *) g_task_get_task_data (G_TASK (res)))->direct)
    g_task_return_pointer (
      task,
      g_strdup_printf ("Task delegated to %s via P2P (fire-and-forget)",
                       ((Delegation *) g_task_get_task_data (G_TASK (res)))->target),
      g_free);
  else if (!wait)
    g_task_return_pointer (task, g_strdup_printf ("Task submitted via registry: task_id=%s", out),
                           g_free);
  else
    g_task_return_pointer (task, g_steal_pointer (&out), g_free);
}

static void
skill_delegate (WeftSkill *skill, JsonNode *args, GCancellable *c, GTask *task, gpointer data)
{
  WeftAgent *self = data;
  gboolean wait = TRUE;
  JsonNode *w = json_object_get_member (json_node_get_object (args), "wait");

  if (w != NULL && JSON_NODE_HOLDS_VALUE (w) && json_node_get_value_type (w) == G_TYPE_BOOLEAN)
    wait = json_node_get_boolean (w);
  g_task_set_task_data (task, GINT_TO_POINTER (wait), NULL);
  weft_agent_delegate_async (self, arg_string (args, "target_agent_id"), arg_string (args, "skill"),
                             arg_string (args, "message"), wait, c, delegate_done, task);
}

static void
text_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;
  gchar *(*finish) (WeftAgent *, GAsyncResult *, GError **) = g_task_get_task_data (task);
  gchar *out = finish (WEFT_AGENT (source), res, &error);

  if (out == NULL)
    out = g_strdup_printf ("Error: %s", error->message);
  g_task_return_pointer (task, out, g_free);
}

static void
skill_mesh_send (WeftSkill *skill, JsonNode *args, GCancellable *c, GTask *task, gpointer data)
{
  g_task_set_task_data (task, weft_agent_send_finish, NULL);
  weft_agent_send_async (data, arg_string (args, "target_agent_id"), arg_string (args, "message"),
                         c, text_done, task);
}

static void
skill_mesh_broadcast (WeftSkill *skill, JsonNode *args, GCancellable *c, GTask *task, gpointer data)
{
  g_task_set_task_data (task, weft_agent_broadcast_finish, NULL);
  weft_agent_broadcast_async (data, arg_string (args, "message"), c, text_done, task);
}

static void
skill_user_intervention (WeftSkill *skill,
                         JsonNode *args,
                         GCancellable *c,
                         GTask *task,
                         gpointer data)
{
  const gchar *message = arg_string (args, "message");

  if (message == NULL || *message == '\0')
    g_task_return_pointer (task, g_strdup ("Received empty intervention."), g_free);
  else
    g_task_return_pointer (task, g_strdup_printf ("Received: %s", message), g_free);
  g_object_unref (task);
}

static gboolean
add_param (WeftSkill *skill,
           const gchar *name,
           WeftSkillParamType type,
           const gchar *description,
           gboolean required,
           GError **error)
{
  return weft_skill_add_parameter (skill, name, type, description, required, NULL, error);
}

WeftSkill *
weft_agent_create_builtin_skill (WeftAgent *self, const gchar *name, GError **error)
{
  g_autoptr (WeftSkill) skill = NULL;
  const WeftSkillParamType S = WEFT_SKILL_PARAM_TYPE_STRING;

  if (g_str_equal (name, "list_agents"))
    skill = weft_skill_new (name, "List the agents registered in the mesh", skill_list_agents, self,
                            NULL);
  else if (g_str_equal (name, "find_agent"))
    {
      skill = weft_skill_new (name, "Find an active agent that has a skill", skill_find_agent, self,
                              NULL);
      if (!add_param (skill, "skill", S, "The skill to look for", TRUE, error))
        return NULL;
    }
  else if (g_str_equal (name, "delegate"))
    {
      g_autoptr (JsonNode) yes = json_node_init_boolean (json_node_alloc (), TRUE);

      skill = weft_skill_new (name, "Hand a task to another agent", skill_delegate, self, NULL);
      if (!add_param (skill, "message", S, "What the other agent should do", TRUE, error) ||
          !add_param (skill, "target_agent_id", S, "The agent to ask", FALSE, error) ||
          !add_param (skill, "skill", S, "The skill to run", FALSE, error) ||
          !weft_skill_add_parameter (skill, "wait", WEFT_SKILL_PARAM_TYPE_BOOLEAN,
                                     "Wait for the result", FALSE, yes, error))
        return NULL;
    }
  else if (g_str_equal (name, "mesh_send"))
    {
      skill = weft_skill_new (name, "Send a message to one agent", skill_mesh_send, self, NULL);
      if (!add_param (skill, "target_agent_id", S, "The receiving agent", TRUE, error) ||
          !add_param (skill, "message", S, "The message", TRUE, error))
        return NULL;
    }
  else if (g_str_equal (name, "mesh_broadcast"))
    {
      skill = weft_skill_new (name, "Send a message to every other agent", skill_mesh_broadcast,
                              self, NULL);
      if (!add_param (skill, "message", S, "The message", TRUE, error))
        return NULL;
    }
  else if (g_str_equal (name, "user_intervention"))
    {
      skill = weft_skill_new (name, "Receive a message from the operator", skill_user_intervention,
                              self, NULL);
      if (!add_param (skill, "message", S, "The operator's message", FALSE, error))
        return NULL;
    }
  else
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND, _ ("“%s” is not a built-in skill"),
                   name);
      return NULL;
    }
  return g_steal_pointer (&skill);
}
