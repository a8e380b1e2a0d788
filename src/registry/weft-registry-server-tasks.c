/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* WeftRegistryServer routes: the hub task queue */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "weft.h"
#include "weft-registry-server-private.h"

static void
reply_not_found_or_error (WeftRequest *req, const GError *error)
{
  if (g_error_matches (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND))
    weft_request_reply_message (req, SOUP_STATUS_NOT_FOUND, "not found");
  else
    weft_request_reply_error (req, error);
}

static void
handle_submit (WeftRequest *req)
{
  gsize len;
  const gchar *data = weft_request_body_data (req, &len);
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftTask) task = weft_task_new_from_submission (data, (gssize) len, -1, &error);
  g_autoptr (WeftTask) queued = NULL;
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (JsonNode) node = NULL;

  if (task == NULL)
    {
      weft_request_reply_error (req, error);
      return;
    }
  queued = weft_task_queue_submit (req->server->tasks, task, &req->actor, &error);
  if (queued == NULL)
    {
      weft_request_reply_error (req, error);
      return;
    }
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "task_id");
  json_builder_add_string_value (b, weft_task_get_id (queued));
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  weft_request_reply_json (req, SOUP_STATUS_OK, node);
}

static void
handle_list (WeftRequest *req)
{
  g_autoptr (GPtrArray) tasks = weft_task_queue_list (req->server->tasks);
  JsonArray *array = json_array_sized_new (tasks->len);
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; i < tasks->len; i++)
    json_array_add_element (array, weft_task_to_json_node (g_ptr_array_index (tasks, i)));
  json_node_take_array (node, array);
  weft_request_reply_json (req, SOUP_STATUS_OK, node);
}

static void
handle_get (WeftRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftTask) task =
    weft_task_queue_get (req->server->tasks, weft_request_param (req, 0), &error);
  g_autoptr (JsonNode) node = NULL;

  if (task == NULL)
    {
      reply_not_found_or_error (req, error);
      return;
    }
  node = weft_task_to_json_node (task);
  weft_request_reply_json (req, SOUP_STATUS_OK, node);
}

static void
handle_update (WeftRequest *req)
{
  gsize len;
  const gchar *data = weft_request_body_data (req, &len);
  g_autoptr (GError) error = NULL;
  WeftTaskState state;
  g_autofree gchar *result = NULL;
  g_autofree gchar *error_text = NULL;
  g_autoptr (WeftTask) task = NULL;

  if (!weft_task_parse_update (data, (gssize) len, &state, &result, &error_text, &error))
    {
      weft_request_reply_error (req, error);
      return;
    }
  task = weft_task_queue_update (req->server->tasks, weft_request_param (req, 0),
                                 weft_task_state_to_string (state), result, error_text, &req->actor,
                                 &error);
  if (task == NULL)
    {
      reply_not_found_or_error (req, error);
      return;
    }
  weft_request_reply_status_ok (req);
}

static void
handle_cancel (WeftRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftTask) task =
    weft_task_queue_cancel (req->server->tasks, weft_request_param (req, 0), &req->actor, &error);
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (JsonNode) node = NULL;

  if (task == NULL)
    {
      reply_not_found_or_error (req, error);
      return;
    }
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, "ok");
  json_builder_set_member_name (b, "task");
  json_builder_add_value (b, weft_task_to_json_node (task));
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  weft_request_reply_json (req, SOUP_STATUS_OK, node);
}

/* "all" is listed before the "*" pattern so that it wins */
const WeftRoute weft_registry_task_routes[] = {
  { "POST", "/api/hub/tasks", WEFT_ROUTE_AUTH_ANY, TRUE, handle_submit },
  { "GET", "/api/hub/tasks/all", WEFT_ROUTE_AUTH_ANY, FALSE, handle_list },
  { "GET", "/api/hub/tasks/*", WEFT_ROUTE_AUTH_ANY, FALSE, handle_get },
  { "POST", "/api/hub/tasks/*", WEFT_ROUTE_AUTH_ANY, TRUE, handle_update },
  { "POST", "/api/hub/tasks/*/cancel", WEFT_ROUTE_AUTH_ANY, FALSE, handle_cancel },
  { NULL },
};
