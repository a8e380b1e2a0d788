/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "weft-agent-private.h"
#include "weft-error.h"
#include "weft-mesh-agent-private.h"

#define MAX_ROUTES 64
/* a fire-and-forget request waits this long for its answer (the registry
 * path's ttl) before it is cancelled */
#define POST_TIMEOUT_MS (300 * 1000)

struct _WeftMeshAgent
{
  GObject parent_instance;

  WeftAgent *agent;  /* (unowned) (nullable) the agent owns this; a weak pointer */
  WeftMesh *mesh;    /* (owned) */
  WeftMeshRpc *rpc;  /* (owned) */
  GQueue routes;     /* (element-type WeftMeshRoute) (owned) newest first */
  GHashTable *posts; /* (owned) (element-type utf8) fire-and-forget request ids in flight */
  guint n_running;   /* incoming calls running now */
};

G_DEFINE_TYPE (WeftMeshAgent, weft_mesh_agent, G_TYPE_OBJECT)

typedef struct
{
  WeftAgent *agent;   /* (owned) like a registry task's run */
  WeftMeshCall *call; /* (owned) */
  WeftSkill *skill;   /* (owned) */
} Run;

static void
skill_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Run *run = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *result = weft_skill_invoke_finish (WEFT_SKILL (source), res, &error);
  const gchar *state = "completed";

  if (result == NULL)
    {
      state = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ? "cancelled" : "failed";
      weft_mesh_call_return_error (run->call, error);
    }
  else
    weft_mesh_call_return_result (run->call, result);
  if (run->agent->mesh != NULL)
    run->agent->mesh->n_running--;
  weft_agent_load_changed (run->agent);
  weft_agent_direct_task_finished (run->agent, weft_mesh_call_get_request_id (run->call), state,
                                   result != NULL ? result : error->message);
  g_object_unref (run->agent);
  g_object_unref (run->call);
  g_object_unref (run->skill);
  g_free (run);
}

/* a task_request: run the skill under the call's cancellable, which a
 * task_cancel cancels and which carries the hop count to nested requests */
static gboolean
task_request_cb (WeftMeshRpc *rpc, WeftMeshCall *call, gpointer user_data)
{
  WeftMeshAgent *self = user_data;
  const gchar *name = weft_mesh_call_get_skill (call);
  WeftSkill *skill =
    name != NULL && self->agent != NULL ? weft_agent_lookup_skill (self->agent, name) : NULL;
  g_autoptr (JsonNode) args = NULL;
  Run *run;

  if (skill == NULL || self->agent == NULL)
    return FALSE;
  if (weft_agent_get_load (self->agent) >= weft_agent_get_max_concurrent_tasks (self->agent))
    {
      /* like a registry task past the limit: not dropped, not queued here;
       * the busy answer sends the caller to the registry queue, where it
       * waits for a free slot */
      g_autofree gchar *why = g_strdup_printf (
        _ ("agent %s is at its limit of %u concurrent tasks (weft.max_concurrent_tasks)"),
        weft_agent_get_name (self->agent), weft_agent_get_max_concurrent_tasks (self->agent));

      g_message ("mesh: refusing %s for %s (request %s): %s", name,
                 weft_mesh_call_get_source_agent (call), weft_mesh_call_get_request_id (call), why);
      weft_mesh_call_return_busy (call, why);
      weft_agent_load_changed (self->agent);
      return TRUE;
    }
  g_message ("mesh: running %s for %s (request %s, hop %u)", name,
             weft_mesh_call_get_source_agent (call), weft_mesh_call_get_request_id (call),
             weft_mesh_call_get_hops (call));
  args = weft_mesh_call_dup_args (call);
  run = g_new0 (Run, 1);
  run->agent = g_object_ref (self->agent);
  run->call = g_object_ref (call);
  self->n_running++;
  weft_agent_load_changed (self->agent);
  run->skill = g_object_ref (skill);
  weft_agent_direct_task_started (self->agent, weft_mesh_call_get_request_id (call), name);
  weft_skill_invoke_async (skill, args, weft_mesh_call_get_cancellable (call), skill_done_cb, run);
  return TRUE;
}

static void
agent_prompt_cb (WeftMeshRpc *rpc, const gchar *from_peer, WeftMessage *msg, gpointer user_data)
{
  WeftMeshAgent *self = user_data;
  JsonNode *payload = weft_message_get_payload (msg);
  const gchar *text = "";
  const gchar *from = weft_message_get_source_agent (msg);

  if (self->agent == NULL)
    return;
  if (payload != NULL && JSON_NODE_HOLDS_OBJECT (payload))
    text =
      json_object_get_string_member_with_default (json_node_get_object (payload), "message", "");
  weft_agent_emit_agent_prompt (self->agent, from[0] != '\0' ? from : from_peer, text, payload);
}

static void
remember_route (WeftMeshAgent *self, const WeftMeshRoute *route)
{
  g_message ("%s to %s: %s path (%s), %.1f ms%s", route->kind, route->target, route->path,
             route->reason != NULL ? route->reason : "", route->elapsed_us / 1000.0,
             route->ok ? "" : ", failed");
  g_queue_push_head (&self->routes, weft_mesh_route_copy (route));
  while (self->routes.length > MAX_ROUTES)
    weft_mesh_route_free (g_queue_pop_tail (&self->routes));
}

static void
route_cb (WeftMeshRpc *rpc, WeftMeshRoute *route, gpointer user_data)
{
  WeftMeshAgent *self = user_data;

  /* a fire-and-forget request was recorded when it went out */
  if (route->request_id != NULL && g_hash_table_contains (self->posts, route->request_id))
    return;
  remember_route (self, route);
}

static void
weft_mesh_agent_dispose (GObject *object)
{
  WeftMeshAgent *self = WEFT_MESH_AGENT (object);

  if (self->agent != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->agent), (gpointer *) &self->agent);
  self->agent = NULL;
  if (self->mesh != NULL)
    weft_mesh_stop (self->mesh);
  g_clear_object (&self->rpc);
  g_clear_object (&self->mesh);
  g_queue_clear_full (&self->routes, (GDestroyNotify) weft_mesh_route_free);
  g_clear_pointer (&self->posts, g_hash_table_unref);
  G_OBJECT_CLASS (weft_mesh_agent_parent_class)->dispose (object);
}

static void
weft_mesh_agent_class_init (WeftMeshAgentClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = weft_mesh_agent_dispose;
}

static void
weft_mesh_agent_init (WeftMeshAgent *self)
{
  g_queue_init (&self->routes);
  self->posts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

WeftMeshAgent *
weft_mesh_agent_new (WeftAgent *agent)
{
  WeftMeshAgent *self;
  WeftManifest *manifest;

  g_return_val_if_fail (WEFT_IS_AGENT (agent), NULL);
  self = g_object_new (WEFT_TYPE_MESH_AGENT, NULL);
  self->agent = agent;
  g_object_add_weak_pointer (G_OBJECT (agent), (gpointer *) &self->agent);
  manifest = weft_agent_get_manifest (agent);
  self->mesh = weft_mesh_new (weft_agent_get_signaling (agent));
  if (manifest != NULL)
    {
      weft_mesh_set_connect_mode (self->mesh, weft_manifest_get_connect_mode (manifest));
      weft_mesh_set_idle_timeout (self->mesh, weft_manifest_get_idle_timeout (manifest));
    }
  /* tests on one machine keep ICE on the loopback interface and off STUN */
  if (g_strcmp0 (g_getenv ("WEFT_MESH_LOOPBACK"), "1") == 0)
    {
      g_autoptr (JsonNode) none = json_from_string ("{\"iceServers\":[]}", NULL);

      weft_mesh_add_local_address (self->mesh, "127.0.0.1");
      weft_mesh_set_ice_config (self->mesh, none);
    }
  self->rpc = weft_mesh_rpc_new (self->mesh, weft_agent_get_name (agent));
  g_signal_connect (self->rpc, "task-request", G_CALLBACK (task_request_cb), self);
  g_signal_connect (self->rpc, "agent-prompt", G_CALLBACK (agent_prompt_cb), self);
  g_signal_connect (self->rpc, "route", G_CALLBACK (route_cb), self);
  return self;
}

WeftMesh *
weft_mesh_agent_get_mesh (WeftMeshAgent *self)
{
  g_return_val_if_fail (WEFT_IS_MESH_AGENT (self), NULL);
  return self->mesh;
}

WeftMeshRpc *
weft_mesh_agent_get_rpc (WeftMeshAgent *self)
{
  g_return_val_if_fail (WEFT_IS_MESH_AGENT (self), NULL);
  return self->rpc;
}

void
weft_mesh_agent_start (WeftMeshAgent *self)
{
  g_return_if_fail (WEFT_IS_MESH_AGENT (self));
  weft_mesh_start (self->mesh);
}

void
weft_mesh_agent_stop (WeftMeshAgent *self)
{
  g_return_if_fail (WEFT_IS_MESH_AGENT (self));
  weft_mesh_stop (self->mesh);
}

/* the signaling peer id of @agent_id, or NULL with the reason the direct
 * path cannot reach it */
static const gchar *
peer_of (WeftMeshAgent *self, const gchar *agent_id, GError **error)
{
  WeftPeer *peer =
    agent_id != NULL && self->agent != NULL ? weft_agent_lookup_peer (self->agent, agent_id) : NULL;
  const gchar *peer_id = peer != NULL ? weft_peer_get_peer_id (peer) : NULL;

  if (peer == NULL)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_UNAVAILABLE,
                   _ ("Agent “%s” is not known yet; no direct path"), agent_id);
      return NULL;
    }
  if (peer_id == NULL || peer_id[0] == '\0')
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_UNAVAILABLE,
                   _ ("Agent “%s” has no signaling peer id (a chatixia agent without sidecar?)"),
                   agent_id);
      return NULL;
    }
  return peer_id;
}

/* fails @task (nothing was sent) with the route that says why */
static void
return_unreachable (GTask *task, const gchar *kind, const gchar *target, GError *error)
{
  g_task_set_task_data (
    task, weft_mesh_route_new (kind, target, "direct", error->message, NULL, 0, FALSE),
    (GDestroyNotify) weft_mesh_route_free);
  g_task_return_error (task, error);
}

static void
delegate_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;
  WeftMeshRoute *route = NULL;
  gchar *result = weft_mesh_rpc_request_finish (WEFT_MESH_RPC (source), res, &route, &error);

  g_task_set_task_data (task, route, (GDestroyNotify) weft_mesh_route_free);
  if (result == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, result, g_free);
}

/* task_request to @target_agent_id over its channel. the hop count and
 * cancellation follow @cancellable when it belongs to a running call */
void
weft_mesh_agent_delegate_async (WeftMeshAgent *self,
                                const gchar *target_agent_id,
                                const gchar *skill,
                                const gchar *message,
                                JsonNode *args,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  const gchar *peer_id;

  g_return_if_fail (WEFT_IS_MESH_AGENT (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, weft_mesh_agent_delegate_async);
  peer_id = peer_of (self, target_agent_id, &error);
  if (peer_id == NULL)
    {
      return_unreachable (task, "delegate", target_agent_id, g_steal_pointer (&error));
      return;
    }
  weft_mesh_rpc_request_async (self->rpc, peer_id, target_agent_id, skill, message, args, NULL, 0,
                               cancellable, delegate_done_cb, g_steal_pointer (&task));
}

/* @route: (out) (optional): which path, why, how long; for a failure with
 *   WEFT_ERROR_UNAVAILABLE its reason is why the registry path is next */
gchar *
weft_mesh_agent_delegate_finish (WeftMeshAgent *self,
                                 GAsyncResult *result,
                                 WeftMeshRoute **route,
                                 GError **error)
{
  WeftMeshRoute *r;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  r = g_task_get_task_data (G_TASK (result));
  if (route != NULL)
    *route = r != NULL ? weft_mesh_route_copy (r) : NULL;
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- fire-and-forget ---- */

typedef struct
{
  WeftMeshAgent *self;       /* (owned) */
  GTask *task;               /* (owned) (nullable) the caller's, until answered */
  GCancellable *cancellable; /* (owned) (nullable) */
  gchar *peer_id;            /* (owned) */
  gchar *target;             /* (owned) */
  gchar *skill;              /* (owned) (nullable) */
  gchar *message;            /* (owned) */
  gchar *request_id;         /* (owned) */
  gint64 started_at;
  gboolean was_open;
} Post;

static void
post_free (Post *post)
{
  if (post->self->posts != NULL)
    g_hash_table_remove (post->self->posts, post->request_id);
  g_object_unref (post->self);
  g_clear_object (&post->task);
  g_clear_object (&post->cancellable);
  g_free (post->peer_id);
  g_free (post->target);
  g_free (post->skill);
  g_free (post->message);
  g_free (post->request_id);
  g_free (post);
}

/* answers the caller with the request id once the request is on the channel */
static void
post_return_sent (Post *post)
{
  g_autoptr (GTask) task = g_steal_pointer (&post->task);
  gint64 elapsed = g_get_monotonic_time () - post->started_at;
  g_autofree gchar *reason =
    post->was_open
      ? g_strdup ("fire-and-forget over the open channel")
      : g_strdup_printf ("fire-and-forget; channel opened in %.1f ms", elapsed / 1000.0);
  WeftMeshRoute *route = weft_mesh_route_new ("delegate", post->target, "direct", reason,
                                              post->request_id, elapsed, TRUE);

  remember_route (post->self, route);
  g_task_set_task_data (task, route, (GDestroyNotify) weft_mesh_route_free);
  g_task_return_pointer (task, g_strdup (post->request_id), g_free);
}

static void
post_return_error (Post *post, GError *error)
{
  g_autoptr (GTask) task = g_steal_pointer (&post->task);

  g_task_set_task_data (task,
                        weft_mesh_route_new ("delegate", post->target, "direct", error->message,
                                             post->request_id,
                                             g_get_monotonic_time () - post->started_at, FALSE),
                        (GDestroyNotify) weft_mesh_route_free);
  g_task_return_error (task, error);
}

static void
post_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Post *post = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *result =
    weft_mesh_rpc_request_finish (WEFT_MESH_RPC (source), res, NULL, &error);

  if (post->task != NULL)
    {
      /* it never went out: the caller takes the registry path */
      if (result != NULL)
        post_return_sent (post);
      else
        post_return_error (post, g_steal_pointer (&error));
    }
  else if (result != NULL)
    g_debug ("mesh: fire-and-forget %s to %s completed", post->request_id, post->target);
  else if (g_error_matches (error, WEFT_ERROR, WEFT_ERROR_UNAVAILABLE) && post->self->agent != NULL)
    {
      /* the peer did not run it (busy): the registry queue takes it */
      weft_agent_requeue_delegation (post->self->agent, post->target, post->skill, post->message,
                                     error->message, g_get_monotonic_time () - post->started_at);
    }
  else
    g_message ("mesh: fire-and-forget %s to %s ended: %s", post->request_id, post->target,
               error->message);
  post_free (post);
}

static void
post_channel_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Post *post = user_data;
  g_autoptr (GError) error = NULL;

  if (!weft_mesh_ensure_channel_finish (WEFT_MESH (source), res, &error))
    {
      /* nothing was sent: another path is safe */
      post_return_error (post,
                         g_error_new_literal (WEFT_ERROR, WEFT_ERROR_UNAVAILABLE, error->message));
      post_free (post);
      return;
    }
  g_hash_table_add (post->self->posts, g_strdup (post->request_id));
  weft_mesh_rpc_request_async (post->self->rpc, post->peer_id, post->target, post->skill,
                               post->message, NULL, post->request_id, POST_TIMEOUT_MS,
                               post->cancellable, post_done_cb, post);
  /* on an open channel the request goes out at once; otherwise its
   * failure comes back through post_done_cb */
  if (post->task != NULL && weft_mesh_rpc_request_is_sent (post->self->rpc, post->request_id))
    post_return_sent (post);
}

/* a task_request to @target_agent_id that nobody waits for: completes with
 * the request id once it is on the channel (opened within the budget when
 * needed), or fails with WEFT_ERROR_UNAVAILABLE when it reached nobody. when
 * the peer answers later that it did not run it (at its concurrency limit)
 * the task goes to the registry queue. */
void
weft_mesh_agent_post_async (WeftMeshAgent *self,
                            const gchar *target_agent_id,
                            const gchar *skill,
                            const gchar *message,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  const gchar *peer_id;
  Post *post;

  g_return_if_fail (WEFT_IS_MESH_AGENT (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, weft_mesh_agent_post_async);
  peer_id = peer_of (self, target_agent_id, &error);
  if (peer_id == NULL)
    {
      return_unreachable (task, "delegate", target_agent_id, g_steal_pointer (&error));
      return;
    }
  post = g_new0 (Post, 1);
  post->self = g_object_ref (self);
  post->task = g_steal_pointer (&task);
  post->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  post->peer_id = g_strdup (peer_id);
  post->target = g_strdup (target_agent_id);
  post->skill = g_strdup (skill);
  post->message = g_strdup (message != NULL ? message : "");
  post->request_id = weft_message_generate_request_id ();
  post->started_at = g_get_monotonic_time ();
  post->was_open = weft_mesh_is_open (self->mesh, peer_id);
  weft_mesh_ensure_channel_async (self->mesh, peer_id, 0, cancellable, post_channel_cb, post);
}

/* Returns: (transfer full): the request id; @route as for
 *   weft_mesh_agent_delegate_finish() */
gchar *
weft_mesh_agent_post_finish (WeftMeshAgent *self,
                             GAsyncResult *result,
                             WeftMeshRoute **route,
                             GError **error)
{
  return weft_mesh_agent_delegate_finish (self, result, route, error);
}

/* whether a channel to @target_agent_id is open now */
gboolean
weft_mesh_agent_has_channel (WeftMeshAgent *self, const gchar *target_agent_id)
{
  const gchar *peer_id;

  g_return_val_if_fail (WEFT_IS_MESH_AGENT (self), FALSE);
  peer_id = peer_of (self, target_agent_id, NULL);
  return peer_id != NULL && weft_mesh_is_open (self->mesh, peer_id);
}

static void
send_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;
  WeftMeshRoute *route = NULL;

  if (!weft_mesh_rpc_send_finish (WEFT_MESH_RPC (source), res, &route, &error))
    {
      g_task_set_task_data (task, route, (GDestroyNotify) weft_mesh_route_free);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_set_task_data (task, route, (GDestroyNotify) weft_mesh_route_free);
  g_task_return_boolean (task, TRUE);
}

/* an agent_prompt (chatixia's mesh_send) to @target_agent_id */
void
weft_mesh_agent_send_async (WeftMeshAgent *self,
                            const gchar *target_agent_id,
                            const gchar *message,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftMessage) prompt = NULL;
  const gchar *peer_id;

  g_return_if_fail (WEFT_IS_MESH_AGENT (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, weft_mesh_agent_send_async);
  peer_id = peer_of (self, target_agent_id, &error);
  if (peer_id == NULL)
    {
      return_unreachable (task, "send", target_agent_id, g_steal_pointer (&error));
      return;
    }
  prompt = weft_mesh_rpc_new_prompt (self->rpc, target_agent_id, message, FALSE);
  weft_mesh_rpc_send_async (self->rpc, peer_id, prompt, cancellable, send_done_cb,
                            g_steal_pointer (&task));
}

gboolean
weft_mesh_agent_send_finish (WeftMeshAgent *self,
                             GAsyncResult *result,
                             WeftMeshRoute **route,
                             GError **error)
{
  WeftMeshRoute *r;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  r = g_task_get_task_data (G_TASK (result));
  if (route != NULL)
    *route = r != NULL ? weft_mesh_route_copy (r) : NULL;
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* an agent_prompt to every peer with an open channel (chatixia's
 * mesh_broadcast); returns their peer ids so that the caller reaches the
 * others through the registry */
gchar **
weft_mesh_agent_broadcast (WeftMeshAgent *self, const gchar *message)
{
  g_autoptr (WeftMessage) prompt = NULL;
  g_auto (GStrv) open = NULL;
  g_autoptr (GStrvBuilder) sent = g_strv_builder_new ();

  g_return_val_if_fail (WEFT_IS_MESH_AGENT (self), NULL);
  prompt = weft_mesh_rpc_new_prompt (self->rpc, NULL, message, TRUE);
  open = weft_mesh_dup_open_peers (self->mesh);
  for (guint i = 0; open[i] != NULL; i++)
    if (weft_mesh_send (self->mesh, open[i], prompt, NULL))
      g_strv_builder_add (sent, open[i]);
  return g_strv_builder_end (sent);
}

/* records a call that took the registry path instead */
void
weft_mesh_agent_report_fallback (WeftMeshAgent *self,
                                 const gchar *kind,
                                 const gchar *target,
                                 const gchar *reason,
                                 gint64 elapsed_us,
                                 gboolean ok)
{
  g_autoptr (WeftMeshRoute) route =
    weft_mesh_route_new (kind, target, "registry", reason, NULL, elapsed_us, ok);

  g_return_if_fail (WEFT_IS_MESH_AGENT (self));
  weft_mesh_rpc_report_route (self->rpc, route);
}

/* Returns: (transfer full): `{"connections": <weft_mesh_dup_report()>,
 *   "routes": [<weft_mesh_route_to_json_node()>…]}`, newest route first */
/* incoming calls running now; they count against the agent's concurrency
 * limit like registry tasks */
guint
weft_mesh_agent_get_n_running (WeftMeshAgent *self)
{
  g_return_val_if_fail (WEFT_IS_MESH_AGENT (self), 0);
  return self->n_running;
}

JsonNode *
weft_mesh_agent_dup_routes (WeftMeshAgent *self)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (WEFT_IS_MESH_AGENT (self), NULL);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "connections");
  json_builder_add_value (b, weft_mesh_dup_report (self->mesh));
  json_builder_set_member_name (b, "routes");
  json_builder_begin_array (b);
  for (GList *l = self->routes.head; l != NULL; l = l->next)
    json_builder_add_value (b, weft_mesh_route_to_json_node (l->data));
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
