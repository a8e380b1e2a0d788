/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* WeftRegistryServer routes: token, ICE config, health, metrics, agents, heartbeat */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "weft.h"
#include "weft-agent-record.h"
#include "weft-registry-server-private.h"

#define STUN_URL "stun:stun.l.google.com:19302"

/* Weft answers 404 where the reference answers 200, with the reference's body */
static void
reply_not_found_or_error (WeftRequest *req, const GError *error)
{
  if (g_error_matches (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND))
    weft_request_reply_message (req, SOUP_STATUS_NOT_FOUND, "not found");
  else
    weft_request_reply_error (req, error);
}

static void
handle_token (WeftRequest *req)
{
  WeftAuth *auth = req->server->auth;
  const gchar *api_key = weft_request_header (req, "X-API-Key");
  const gchar *device_token = weft_request_header (req, "X-Device-Token");
  g_autoptr (WeftPrincipal) principal = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autofree gchar *token = NULL;

  /* the reference's order: a known API key first, then a device token */
  if (api_key != NULL)
    principal = weft_auth_authenticate_api_key (auth, api_key, &error);
  if (principal == NULL && device_token != NULL)
    {
      g_clear_error (&error);
      principal = weft_auth_authenticate_device_token (auth, device_token, &error);
    }
  if (principal == NULL)
    {
      if (error == NULL)
        g_set_error_literal (&error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED,
                             _ ("send X-API-Key or X-Device-Token"));
      weft_request_reply_error (req, error);
      return;
    }
  token = weft_auth_issue_token (auth, principal, &error);
  if (token == NULL)
    {
      weft_request_reply_error (req, error);
      return;
    }
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "token");
  json_builder_add_string_value (b, token);
  json_builder_set_member_name (b, "peer_id");
  json_builder_add_string_value (b, principal->peer_id);
  json_builder_set_member_name (b, "role");
  json_builder_add_string_value (b, weft_role_to_string (principal->role));
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  weft_request_reply_json (req, SOUP_STATUS_OK, node);
}

static void
handle_config (WeftRequest *req)
{
  WeftRegistryConfig *config = req->server->config;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;
  g_autofree gchar *username = NULL;
  g_autofree gchar *credential = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "iceServers");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "urls");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, STUN_URL);
  json_builder_end_array (b);
  json_builder_end_object (b);
  if (config->turn_url != NULL &&
      weft_auth_turn_credentials (config->turn_secret, g_get_real_time () / G_USEC_PER_SEC,
                                  &username, &credential))
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "urls");
      json_builder_begin_array (b);
      json_builder_add_string_value (b, config->turn_url);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "username");
      json_builder_add_string_value (b, username);
      json_builder_set_member_name (b, "credential");
      json_builder_add_string_value (b, credential);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  weft_request_reply_json (req, SOUP_STATUS_OK, node);
}

static void
handle_healthz (WeftRequest *req)
{
  WeftRegistryServer *self = req->server;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) node = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, "ok");
  json_builder_set_member_name (b, "version");
  json_builder_add_string_value (b, PACKAGE_VERSION);
  json_builder_set_member_name (b, "agents");
  json_builder_add_int_value (b, weft_agent_directory_get_size (self->directory));
  json_builder_set_member_name (b, "websocket_connections");
  json_builder_add_int_value (b, weft_signaling_hub_get_n_connections (self->hub));
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  weft_request_reply_json (req, SOUP_STATUS_OK, node);
}

void
weft_registry_server_render_metrics (WeftRegistryServer *self, GString *out)
{
  static const gchar *const task_states[] = { "pending",   "assigned", "running",
                                              "completed", "failed",   "cancelled" };
  g_autoptr (GPtrArray) agents = weft_agent_directory_list (self->directory);
  guint by_health[3] = { 0, 0, 0 };

  for (guint i = 0; i < agents->len; i++)
    {
      WeftAgentHealth h = weft_agent_record_get_health (g_ptr_array_index (agents, i));

      if ((guint) h < G_N_ELEMENTS (by_health))
        by_health[h]++;
    }
  weft_registry_metrics_append_gauge_header (out, "weft_registry_agents",
                                             "Registered agents by health.");
  for (guint h = 0; h < G_N_ELEMENTS (by_health); h++)
    weft_registry_metrics_append_sample (out, "weft_registry_agents", "health",
                                         weft_agent_health_to_string ((WeftAgentHealth) h),
                                         by_health[h]);
  weft_registry_metrics_append_gauge_header (out, "weft_registry_tasks", "Tasks by state.");
  for (gsize i = 0; i < G_N_ELEMENTS (task_states); i++)
    weft_registry_metrics_append_sample (
      out, "weft_registry_tasks", "state", task_states[i],
      weft_task_queue_count_in_state (self->tasks, task_states[i]));
  weft_registry_metrics_append_gauge_header (out, "weft_registry_websocket_connections",
                                             "Open signaling WebSocket connections.");
  weft_registry_metrics_append_sample (out, "weft_registry_websocket_connections", NULL, NULL,
                                       weft_signaling_hub_get_n_connections (self->hub));
  g_string_append (out, "# HELP weft_registry_signaling_frames_total Signaling frames relayed "
                        "or dropped.\n# TYPE weft_registry_signaling_frames_total counter\n");
  weft_registry_metrics_append_sample (out, "weft_registry_signaling_frames_total", "outcome",
                                       "relayed",
                                       (gdouble) weft_signaling_hub_get_n_relayed (self->hub));
  weft_registry_metrics_append_sample (out, "weft_registry_signaling_frames_total", "outcome",
                                       "dropped",
                                       (gdouble) weft_signaling_hub_get_n_dropped (self->hub));
  weft_registry_metrics_render (self->metrics, out);
}

static void
handle_metrics (WeftRequest *req)
{
  GString *out = g_string_new (NULL);

  weft_registry_server_render_metrics (req->server, out);
  weft_request_reply_text (req, SOUP_STATUS_OK, "text/plain; version=0.0.4; charset=utf-8", out);
}

static JsonNode *
records_to_json (GPtrArray *records)
{
  JsonArray *array = json_array_sized_new (records->len);
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; i < records->len; i++)
    json_array_add_element (array, weft_agent_record_to_json (g_ptr_array_index (records, i)));
  json_node_take_array (node, array);
  return node;
}

static void
handle_register (WeftRequest *req)
{
  WeftRegistryServer *self = req->server;
  gsize len;
  const gchar *data = weft_request_body_data (req, &len);
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftAgentRecord) info = weft_agent_record_from_json (data, (gssize) len, &error);
  g_autoptr (WeftAgentRecord) stored = NULL;

  if (info == NULL)
    {
      weft_request_reply_error (req, error);
      return;
    }
  stored = weft_agent_directory_register (self->directory, info, &req->actor, &error);
  if (stored == NULL)
    {
      weft_request_reply_error (req, error);
      return;
    }
  weft_registry_server_refresh_binding (self, stored);
  weft_request_reply_status_ok (req);
}

static void
handle_list_agents (WeftRequest *req)
{
  g_autoptr (GPtrArray) records = weft_agent_directory_list (req->server->directory);
  g_autoptr (JsonNode) node = records_to_json (records);

  weft_request_reply_json (req, SOUP_STATUS_OK, node);
}

static void
handle_get_agent (WeftRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftAgentRecord) record =
    weft_agent_directory_get (req->server->directory, weft_request_param (req, 0), &error);
  g_autoptr (JsonNode) node = NULL;

  if (record == NULL)
    {
      reply_not_found_or_error (req, error);
      return;
    }
  node = weft_agent_record_to_json (record);
  weft_request_reply_json (req, SOUP_STATUS_OK, node);
}

/* a minimal A2A-style card, open like the reference's docs promise */
static void
handle_agent_card (WeftRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftAgentRecord) record =
    weft_agent_directory_get (req->server->directory, weft_request_param (req, 0), &error);
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (JsonNode) node = NULL;
  const gchar *const *skills;

  if (record == NULL)
    {
      reply_not_found_or_error (req, error);
      return;
    }
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, weft_agent_record_get_agent_id (record));
  json_builder_set_member_name (b, "health");
  json_builder_add_string_value (
    b, weft_agent_health_to_string (weft_agent_record_get_health (record)));
  json_builder_set_member_name (b, "skills");
  json_builder_begin_array (b);
  skills = weft_agent_record_get_skills (record);
  for (gsize i = 0; skills != NULL && skills[i] != NULL; i++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, skills[i]);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, skills[i]);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  weft_request_reply_json (req, SOUP_STATUS_OK, node);
}

static void
handle_delete_agent (WeftRequest *req)
{
  g_autoptr (GError) error = NULL;

  if (!weft_agent_directory_remove (req->server->directory, weft_request_param (req, 0),
                                    &req->actor, &error))
    {
      reply_not_found_or_error (req, error);
      return;
    }
  weft_request_reply_status_ok (req);
}

static void
handle_route (WeftRequest *req)
{
  const gchar *skill = weft_request_query (req, "skill");
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftAgentRecord) record = NULL;
  g_autoptr (JsonNode) node = NULL;

  if (skill == NULL)
    {
      weft_request_reply_message (req, SOUP_STATUS_BAD_REQUEST,
                                  _ ("missing query parameter: skill"));
      return;
    }
  record = weft_agent_directory_route (req->server->directory, skill, FALSE, &error);
  if (record == NULL)
    {
      if (g_error_matches (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND))
        {
          g_autoptr (JsonBuilder) b = json_builder_new ();
          g_autoptr (JsonNode) body = NULL;

          /* the reference's body, with a 404 instead of its 200 */
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "error");
          json_builder_add_string_value (b, "no agent found with skill");
          json_builder_set_member_name (b, "skill");
          json_builder_add_string_value (b, skill);
          json_builder_end_object (b);
          body = json_builder_get_root (b);
          weft_request_reply_json (req, SOUP_STATUS_NOT_FOUND, body);
        }
      else
        weft_request_reply_error (req, error);
      return;
    }
  node = weft_agent_record_to_json (record);
  weft_request_reply_json (req, SOUP_STATUS_OK, node);
}

static void
handle_heartbeat (WeftRequest *req)
{
  WeftRegistryServer *self = req->server;
  gsize len;
  const gchar *data = weft_request_body_data (req, &len);
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftAgentHeartbeat) hb = weft_agent_heartbeat_from_json (data, (gssize) len, &error);
  g_autoptr (WeftAgentRecord) record = NULL;
  g_autoptr (GPtrArray) tasks = NULL;
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (JsonNode) node = NULL;

  if (hb == NULL)
    {
      weft_request_reply_error (req, error);
      return;
    }
  /* the stored record, not a copy: it is only read before the answer is sent */
  record = weft_agent_directory_apply_heartbeat (self->directory, hb, &req->actor, &error);
  if (record == NULL)
    {
      weft_request_reply_error (req, error);
      return;
    }
  weft_registry_server_refresh_binding (self, record);
  tasks = weft_task_queue_claim_for_agent (self->tasks, hb->agent_id, &error);
  if (tasks == NULL)
    {
      weft_request_reply_error (req, error);
      return;
    }
  if (tasks->len == 0)
    {
      weft_request_reply_serialised (req, SOUP_STATUS_OK, self->heartbeat_idle_reply);
      return;
    }
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, "ok");
  json_builder_set_member_name (b, "pending_tasks");
  json_builder_begin_array (b);
  for (guint i = 0; i < tasks->len; i++)
    json_builder_add_value (b, weft_task_to_json_node (g_ptr_array_index (tasks, i)));
  json_builder_end_array (b);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  weft_request_reply_json (req, SOUP_STATUS_OK, node);
}

static void
handle_topology (WeftRequest *req)
{
  g_autoptr (JsonNode) node = weft_agent_directory_build_topology (req->server->directory);

  weft_request_reply_json (req, SOUP_STATUS_OK, node);
}

const WeftRoute weft_registry_agent_routes[] = {
  { "GET", "/healthz", WEFT_ROUTE_AUTH_NONE, FALSE, handle_healthz },
  { "GET", "/metrics", WEFT_ROUTE_AUTH_ANY, FALSE, handle_metrics },
  { "POST", "/api/token", WEFT_ROUTE_AUTH_NONE, FALSE, handle_token },
  { "GET", "/api/config", WEFT_ROUTE_AUTH_NONE, FALSE, handle_config },
  { "POST", "/api/registry/agents", WEFT_ROUTE_AUTH_ANY, TRUE, handle_register },
  { "GET", "/api/registry/agents", WEFT_ROUTE_AUTH_ANY, FALSE, handle_list_agents },
  { "GET", "/api/registry/agents/*", WEFT_ROUTE_AUTH_ANY, FALSE, handle_get_agent },
  { "DELETE", "/api/registry/agents/*", WEFT_ROUTE_AUTH_ANY, FALSE, handle_delete_agent },
  { "GET", "/api/registry/agents/*/card", WEFT_ROUTE_AUTH_NONE, FALSE, handle_agent_card },
  { "GET", "/api/registry/route", WEFT_ROUTE_AUTH_ANY, FALSE, handle_route },
  { "POST", "/api/hub/heartbeat", WEFT_ROUTE_AUTH_ANY, TRUE, handle_heartbeat },
  { "GET", "/api/hub/network/topology", WEFT_ROUTE_AUTH_ANY, FALSE, handle_topology },
  { NULL },
};
