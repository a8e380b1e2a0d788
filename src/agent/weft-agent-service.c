/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "weft-agent-service.h"
#include "weft-dbus-agent1.h"
#include "weft-json-private.h"

/* WeftAgentService: exports a WeftAgent as org.weft.Agent1 on the session bus,
 * under the bus name org.weft.Agent1.<name>. The "quit" signal asks the owner
 * of the main loop to stop the agent. */

#define AGENT1_PATH "/org/weft/Agent1"

struct _WeftAgentService
{
  GObject parent_instance;

  WeftAgent *agent;         /* (owned) */
  WeftDBusAgent1 *skeleton; /* (owned) */
  guint owner_id;
};

G_DEFINE_TYPE (WeftAgentService, weft_agent_service, G_TYPE_OBJECT)

enum
{
  SIGNAL_QUIT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

gchar *
weft_agent_service_bus_name_for (const gchar *agent_name)
{
  g_autoptr (GString) s = g_string_new ("org.weft.Agent1.");
  const gchar *p;

  if (g_ascii_isdigit (agent_name[0]) || agent_name[0] == '\0')
    g_string_append_c (s, '_');
  for (p = agent_name; *p != '\0'; p++)
    g_string_append_c (s, g_ascii_isalnum (*p) || *p == '_' ? *p : '_');
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
sync_skills (WeftAgentService *self)
{
  g_auto (GStrv) names = weft_agent_dup_skill_names (self->agent);

  weft_dbus_agent1_set_skills (self->skeleton, (const gchar *const *) names);
}

static void
sync_peers (WeftAgentService *self)
{
  g_autoptr (GPtrArray) peers = weft_agent_dup_peers (self->agent);
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ssssas)"));
  for (guint i = 0; i < peers->len; i++)
    {
      WeftPeer *p = g_ptr_array_index (peers, i);
      g_variant_builder_add (&b, "(ssss^as)", weft_peer_get_agent_id (p), weft_peer_get_peer_id (p),
                             weft_peer_get_health (p),
                             weft_peer_state_to_string (weft_peer_get_state (p)),
                             weft_peer_get_skills (p));
    }
  weft_dbus_agent1_set_peers (self->skeleton, g_variant_builder_end (&b));
}

static void
sync_all (WeftAgentService *self)
{
  weft_dbus_agent1_set_name (self->skeleton, weft_agent_get_name (self->agent));
  weft_dbus_agent1_set_peer_id (self->skeleton, weft_agent_get_peer_id (self->agent));
  weft_dbus_agent1_set_registry (self->skeleton, weft_agent_get_registry (self->agent));
  weft_dbus_agent1_set_state (self->skeleton,
                              weft_agent_state_to_string (weft_agent_get_state (self->agent)));
  weft_dbus_agent1_set_running_tasks (self->skeleton, weft_agent_get_running_tasks (self->agent));
  sync_skills (self);
  sync_peers (self);
}

static void
on_notify (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  sync_all (user_data);
}

static void
on_task_started (WeftAgent *agent, const gchar *id, const gchar *skill, gpointer user_data)
{
  WeftAgentService *self = user_data;

  weft_dbus_agent1_emit_task_started (self->skeleton, id, skill);
}

static void
on_task_finished (WeftAgent *agent,
                  const gchar *id,
                  const gchar *state,
                  const gchar *text,
                  gpointer user_data)
{
  WeftAgentService *self = user_data;

  weft_dbus_agent1_emit_task_finished (self->skeleton, id, state, text);
}

static void
on_peer_changed (WeftAgent *agent, WeftPeer *peer, gpointer user_data)
{
  WeftAgentService *self = user_data;

  sync_peers (self);
  weft_dbus_agent1_emit_peer_changed (self->skeleton, weft_peer_get_agent_id (peer),
                                      weft_peer_get_peer_id (peer), weft_peer_get_health (peer),
                                      weft_peer_state_to_string (weft_peer_get_state (peer)));
}

static void
on_agent_prompt (WeftAgent *agent,
                 const gchar *from,
                 const gchar *message,
                 JsonNode *payload,
                 gpointer user_data)
{
  WeftAgentService *self = user_data;

  weft_dbus_agent1_emit_message_received (self->skeleton, from, message);
}

/* ---- methods: each completes its invocation when the agent answers ---- */

static void
string_reply_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GDBusMethodInvocation) inv = user_data;
  gchar *(*finish) (WeftAgent *, GAsyncResult *, GError **) =
    g_object_get_data (G_OBJECT (inv), "weft-finish");
  g_autoptr (GError) error = NULL;
  g_autofree gchar *result = finish (WEFT_AGENT (source), res, &error);

  if (result == NULL)
    g_dbus_method_invocation_return_gerror (inv, error);
  else
    g_dbus_method_invocation_return_value (inv, g_variant_new ("(s)", result));
}

static GDBusMethodInvocation *
prepare (GDBusMethodInvocation *inv, gpointer finish)
{
  g_object_set_data (G_OBJECT (inv), "weft-finish", finish);
  return g_object_ref (inv);
}

static gboolean
handle_invoke (WeftDBusAgent1 *sk,
               GDBusMethodInvocation *inv,
               const gchar *skill,
               const gchar *args_json,
               gpointer user_data)
{
  WeftAgentService *self = user_data;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (JsonNode) args = NULL;
  g_autoptr (GError) error = NULL;

  if (args_json != NULL && *args_json != '\0')
    {
      if (weft_json_parser_load (parser, args_json, -1, &error))
        args = json_parser_steal_root (parser);
      if (args == NULL || !JSON_NODE_HOLDS_OBJECT (args))
        {
          g_dbus_method_invocation_return_error (
            inv, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
            _ ("The arguments must be a JSON object such as {\"message\": \"hi\"}%s%s"),
            error != NULL ? ": " : "", error != NULL ? error->message : "");
          return TRUE;
        }
    }
  weft_agent_invoke_async (self->agent, skill, args, NULL, string_reply_cb,
                           prepare (inv, weft_agent_invoke_finish));
  return TRUE;
}

static gboolean
handle_delegate (WeftDBusAgent1 *sk,
                 GDBusMethodInvocation *inv,
                 const gchar *target,
                 const gchar *skill,
                 const gchar *message,
                 gboolean wait,
                 gpointer user_data)
{
  WeftAgentService *self = user_data;

  weft_agent_delegate_async (self->agent, target, skill, message, wait, NULL, string_reply_cb,
                             prepare (inv, weft_agent_delegate_finish));
  return TRUE;
}

static gboolean
handle_send (WeftDBusAgent1 *sk,
             GDBusMethodInvocation *inv,
             const gchar *target,
             const gchar *message,
             gpointer user_data)
{
  WeftAgentService *self = user_data;

  weft_agent_send_async (self->agent, target, message, NULL, string_reply_cb,
                         prepare (inv, weft_agent_send_finish));
  return TRUE;
}

static gboolean
handle_broadcast (WeftDBusAgent1 *sk,
                  GDBusMethodInvocation *inv,
                  const gchar *message,
                  gpointer user_data)
{
  WeftAgentService *self = user_data;

  weft_agent_broadcast_async (self->agent, message, NULL, string_reply_cb,
                              prepare (inv, weft_agent_broadcast_finish));
  return TRUE;
}

static void
json_reply_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GDBusMethodInvocation) inv = user_data;
  JsonNode *(*finish) (WeftRegistryClient *, GAsyncResult *, GError **) =
    g_object_get_data (G_OBJECT (inv), "weft-finish");
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = finish (WEFT_REGISTRY_CLIENT (source), res, &error);
  g_autofree gchar *text = NULL;

  if (node == NULL)
    {
      g_dbus_method_invocation_return_gerror (inv, error);
      return;
    }
  text = json_to_string (node, FALSE);
  g_dbus_method_invocation_return_value (inv, g_variant_new ("(s)", text));
}

static gboolean
handle_list_agents (WeftDBusAgent1 *sk, GDBusMethodInvocation *inv, gpointer user_data)
{
  WeftAgentService *self = user_data;

  weft_registry_client_list_agents_async (weft_agent_get_client (self->agent), NULL, json_reply_cb,
                                          prepare (inv, weft_registry_client_list_agents_finish));
  return TRUE;
}

static gboolean
handle_find_agent (WeftDBusAgent1 *sk,
                   GDBusMethodInvocation *inv,
                   const gchar *skill,
                   gpointer user_data)
{
  WeftAgentService *self = user_data;

  if (*skill == '\0')
    {
      g_dbus_method_invocation_return_error (inv, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                                             _ ("FindAgent needs a skill name"));
      return TRUE;
    }
  weft_registry_client_route_async (weft_agent_get_client (self->agent), skill, NULL, json_reply_cb,
                                    prepare (inv, weft_registry_client_route_finish));
  return TRUE;
}

static gboolean
handle_list_tasks (WeftDBusAgent1 *sk, GDBusMethodInvocation *inv, gpointer user_data)
{
  WeftAgentService *self = user_data;
  g_autoptr (JsonNode) tasks = weft_agent_dup_tasks (self->agent);
  g_autofree gchar *text = json_to_string (tasks, FALSE);

  weft_dbus_agent1_complete_list_tasks (sk, inv, text);
  return TRUE;
}

static gboolean
handle_list_routes (WeftDBusAgent1 *sk, GDBusMethodInvocation *inv, gpointer user_data)
{
  WeftAgentService *self = user_data;
  g_autoptr (JsonNode) routes = weft_agent_dup_routes (self->agent);
  g_autofree gchar *text = json_to_string (routes, FALSE);

  weft_dbus_agent1_complete_list_routes (sk, inv, text);
  return TRUE;
}

static gboolean
handle_reload (WeftDBusAgent1 *sk, GDBusMethodInvocation *inv, gpointer user_data)
{
  WeftAgentService *self = user_data;
  g_autoptr (GError) error = NULL;

  if (!weft_agent_reload (self->agent, &error))
    {
      g_dbus_method_invocation_return_gerror (inv, error);
      return TRUE;
    }
  sync_all (self);
  weft_dbus_agent1_complete_reload (sk, inv);
  return TRUE;
}

static gboolean
handle_quit (WeftDBusAgent1 *sk, GDBusMethodInvocation *inv, gpointer user_data)
{
  WeftAgentService *self = user_data;

  weft_dbus_agent1_complete_quit (sk, inv);
  g_signal_emit (self, signals[SIGNAL_QUIT], 0);
  return TRUE;
}

static void
weft_agent_service_dispose (GObject *object)
{
  WeftAgentService *self = WEFT_AGENT_SERVICE (object);

  g_clear_handle_id (&self->owner_id, g_bus_unown_name);
  /* not exported when there was no bus */
  if (self->skeleton != NULL &&
      g_dbus_interface_skeleton_get_connection (G_DBUS_INTERFACE_SKELETON (self->skeleton)) != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->skeleton));
  if (self->agent != NULL)
    g_signal_handlers_disconnect_by_data (self->agent, self);
  g_clear_object (&self->skeleton);
  g_clear_object (&self->agent);
  G_OBJECT_CLASS (weft_agent_service_parent_class)->dispose (object);
}

static void
weft_agent_service_class_init (WeftAgentServiceClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = weft_agent_service_dispose;
  signals[SIGNAL_QUIT] = g_signal_new ("quit", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
weft_agent_service_init (WeftAgentService *self)
{
  self->skeleton = weft_dbus_agent1_skeleton_new ();
}

WeftAgentService *
weft_agent_service_new (WeftAgent *agent)
{
  WeftAgentService *self = g_object_new (WEFT_TYPE_AGENT_SERVICE, NULL);

  self->agent = g_object_ref (agent);
  g_signal_connect (agent, "notify", G_CALLBACK (on_notify), self);
  g_signal_connect (agent, "task-started", G_CALLBACK (on_task_started), self);
  g_signal_connect (agent, "task-finished", G_CALLBACK (on_task_finished), self);
  g_signal_connect (agent, "peer-changed", G_CALLBACK (on_peer_changed), self);
  g_signal_connect (agent, "agent-prompt", G_CALLBACK (on_agent_prompt), self);
  g_signal_connect (self->skeleton, "handle-invoke", G_CALLBACK (handle_invoke), self);
  g_signal_connect (self->skeleton, "handle-delegate", G_CALLBACK (handle_delegate), self);
  g_signal_connect (self->skeleton, "handle-send", G_CALLBACK (handle_send), self);
  g_signal_connect (self->skeleton, "handle-broadcast", G_CALLBACK (handle_broadcast), self);
  g_signal_connect (self->skeleton, "handle-list-agents", G_CALLBACK (handle_list_agents), self);
  g_signal_connect (self->skeleton, "handle-find-agent", G_CALLBACK (handle_find_agent), self);
  g_signal_connect (self->skeleton, "handle-list-tasks", G_CALLBACK (handle_list_tasks), self);
  g_signal_connect (self->skeleton, "handle-list-routes", G_CALLBACK (handle_list_routes), self);
  g_signal_connect (self->skeleton, "handle-reload", G_CALLBACK (handle_reload), self);
  g_signal_connect (self->skeleton, "handle-quit", G_CALLBACK (handle_quit), self);
  sync_all (self);
  return self;
}

static void
bus_acquired_cb (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  WeftAgentService *self = user_data;
  g_autoptr (GError) error = NULL;

  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->skeleton), connection,
                                         AGENT1_PATH, &error))
    g_warning ("cannot export %s on D-Bus: %s", AGENT1_PATH, error->message);
}

static void
name_acquired_cb (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  g_message ("D-Bus: owning %s", name);
}

static void
name_lost_cb (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  if (connection == NULL)
    g_message ("no session bus: D-Bus control is off");
  else
    g_warning ("D-Bus name %s is taken, probably by another agent with the same name; "
               "D-Bus control of this agent is off",
               name);
}

void
weft_agent_service_own_name (WeftAgentService *self, GBusType bus_type)
{
  g_autofree gchar *name = weft_agent_service_bus_name_for (weft_agent_get_name (self->agent));

  self->owner_id = g_bus_own_name (bus_type, name, G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                   bus_acquired_cb, name_acquired_cb, name_lost_cb, self, NULL);
}
