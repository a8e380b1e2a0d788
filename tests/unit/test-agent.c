/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "weft.h"

#include "agent-test-util.h"

typedef struct
{
  AgentTestRegistry *reg;
  WeftRegistryClient *admin; /* ak_gamma, to submit and inspect tasks */
  gchar *dir;                /* per-test directory of manifests and skills */
  GPtrArray *agents;         /* (element-type WeftAgent) started agents */
} Fixture;

#define WAIT(res) g_assert_true (agent_test_wait_result (&(res), 30000))

static void
write_skill (const gchar *root, const gchar *name, const gchar *script, const gchar *params)
{
  g_autofree gchar *dir = g_build_filename (root, "skills", name, NULL);
  g_autofree gchar *json_path = g_build_filename (dir, "skill.json", NULL);
  g_autofree gchar *run_path = g_build_filename (dir, "run", NULL);
  g_autofree gchar *json = g_strdup_printf (
    "{\"name\": \"%s\", \"description\": \"test skill\", \"version\": \"1.0.0\", "
    "\"category\": \"test\", \"parameters\": %s}",
    name, params != NULL ? params : "{\"message\": {\"type\": \"string\", \"required\": false}}");
  g_autofree gchar *text = g_strconcat ("#!/bin/sh\n", script, "\n", NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (json_path, json, -1, NULL));
  g_assert_true (g_file_set_contents (run_path, text, -1, NULL));
  g_assert_cmpint (g_chmod (run_path, 0755), ==, 0);
}

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  fx->reg = agent_test_registry_new ();
  g_assert_true (agent_test_registry_start (fx->reg));
  fx->admin = weft_registry_client_new (fx->reg->url);
  weft_registry_client_set_api_key (fx->admin, "ak_gamma");
  fx->dir = g_dir_make_tmp ("weft-agent-XXXXXX", &error);
  g_assert_no_error (error);
  fx->agents = g_ptr_array_new_with_free_func (g_object_unref);

  write_skill (fx->dir, "echo", "cat", NULL);
  write_skill (fx->dir, "fail", "echo boom >&2; exit 3", NULL);
  write_skill (fx->dir, "slow", "sleep 30", NULL);
  write_skill (fx->dir, "nap", "sleep 1; echo rested", NULL);
  write_skill (fx->dir, "garbage", "printf '\\377\\376bad'", NULL);
  write_skill (fx->dir, "flood", "head -c 3000000 /dev/zero | tr '\\0' x", NULL);
  write_skill (fx->dir, "env", "echo \"$WEFT_AGENT_NAME $WEFT_SKILL_NAME\"", NULL);
}

static void
stopped_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  gboolean *done = user_data;

  weft_agent_stop_finish (WEFT_AGENT (source), res, NULL);
  *done = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static void
stop_agent (WeftAgent *agent)
{
  gboolean done = FALSE;

  weft_agent_stop_async (agent, NULL, stopped_cb, &done);
  g_assert_true (agent_test_wait_until (flag_set, &done, 20000));
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  g_autofree gchar *cmd = NULL;

  for (guint i = 0; i < fx->agents->len; i++)
    stop_agent (g_ptr_array_index (fx->agents, i));
  g_ptr_array_unref (fx->agents);
  g_clear_object (&fx->admin);
  agent_test_registry_free (fx->reg);
  /* the skill scripts and manifests written by this test */
  cmd = g_strdup_printf ("rm -rf '%s'", fx->dir);
  g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL));
  g_free (fx->dir);
}

static WeftAgent *
make_agent (Fixture *fx, const gchar *name, const gchar *key, const gchar *extra)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *yaml = g_strdup_printf ("name: %s\nregistry: %s\n%s\nweft:\n  api_key: %s\n"
                                            "  device_token_file: %s/none\n",
                                            name, fx->reg->url, extra, key, fx->dir);
  g_autoptr (WeftManifest) manifest = weft_manifest_load_data (yaml, -1, fx->dir, &error);
  WeftAgent *agent;

  g_assert_no_error (error);
  agent = weft_agent_new (manifest, &error);
  g_assert_no_error (error);
  g_assert_nonnull (agent);
  weft_signaling_set_backoff (weft_agent_get_signaling (agent), 20, 300);
  return agent;
}

static void
start_agent (Fixture *fx, WeftAgent *agent)
{
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;

  weft_agent_start_async (agent, NULL, agent_test_store_result, &res);
  WAIT (res);
  g_assert_true (weft_agent_start_finish (agent, res, &error));
  g_assert_no_error (error);
  g_ptr_array_add (fx->agents, g_object_ref (agent));
}

static gboolean
signaling_up (gpointer data)
{
  return weft_signaling_get_connected (weft_agent_get_signaling (data));
}

static gchar *
submit (Fixture *fx, const gchar *skill, const gchar *target, const gchar *message)
{
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) body = NULL;
  gchar *id;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "skill");
  json_builder_add_string_value (b, skill);
  json_builder_set_member_name (b, "target_agent_id");
  json_builder_add_string_value (b, target != NULL ? target : "");
  json_builder_set_member_name (b, "source_agent_id");
  json_builder_add_string_value (b, "gamma");
  json_builder_set_member_name (b, "payload");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "ttl");
  json_builder_add_int_value (b, 120);
  json_builder_end_object (b);
  body = json_builder_get_root (b);
  weft_registry_client_submit_task_async (fx->admin, body, NULL, agent_test_store_result, &res);
  WAIT (res);
  id = weft_registry_client_submit_task_finish (fx->admin, res, &error);
  g_assert_no_error (error);
  return id;
}

static JsonNode *
get_task (Fixture *fx, const gchar *id)
{
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  JsonNode *task;

  weft_registry_client_get_task_async (fx->admin, id, NULL, agent_test_store_result, &res);
  WAIT (res);
  task = weft_registry_client_get_task_finish (fx->admin, res, &error);
  g_assert_no_error (error);
  return task;
}

typedef struct
{
  Fixture *fx;
  const gchar *id;
  gint64 last_poll;
  gboolean terminal;
} TaskWait;

static gboolean
task_terminal (gpointer data)
{
  TaskWait *w = data;
  g_autoptr (JsonNode) task = NULL;
  const gchar *state;

  if (w->terminal)
    return TRUE;
  if (g_get_monotonic_time () - w->last_poll < 50000)
    return FALSE;
  w->last_poll = g_get_monotonic_time ();
  task = get_task (w->fx, w->id);
  state = json_object_get_string_member (json_node_get_object (task), "state");
  w->terminal = g_str_equal (state, "completed") || g_str_equal (state, "failed") ||
                g_str_equal (state, "cancelled");
  return w->terminal;
}

/* waits for the task to finish and returns it */
static JsonNode *
wait_task (Fixture *fx, const gchar *id, guint timeout_ms)
{
  TaskWait w = { fx, id, 0, FALSE };

  g_assert_true (agent_test_wait_until (task_terminal, &w, timeout_ms));
  return get_task (fx, id);
}

static const gchar *
member (JsonNode *node, const gchar *name)
{
  return json_object_get_string_member (json_node_get_object (node), name);
}

static void
test_lifecycle (Fixture *fx, gconstpointer data)
{
  g_autoptr (WeftAgent) alpha = make_agent (fx, "alpha", "ak_alpha",
                                            "skills:\n  builtin: [list_agents, delegate]\n"
                                            "  dirs: [skills/echo]\n");
  g_autoptr (GAsyncResult) r1 = NULL, r2 = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) rec = NULL;
  g_autoptr (JsonNode) gone = NULL;
  g_auto (GStrv) names = weft_agent_dup_skill_names (alpha);
  JsonArray *skills;

  g_assert_cmpint (weft_agent_get_state (alpha), ==, WEFT_AGENT_STATE_STOPPED);
  g_assert_cmpuint (g_strv_length (names), ==, 3);
  start_agent (fx, alpha);
  g_assert_cmpint (weft_agent_get_state (alpha), ==, WEFT_AGENT_STATE_RUNNING);
  /* the real signaling peer id, from the token */
  g_assert_cmpstr (weft_agent_get_peer_id (alpha), ==, "alpha");
  g_assert_true (agent_test_wait_until (signaling_up, alpha, 10000));

  weft_registry_client_get_agent_async (fx->admin, "alpha", NULL, agent_test_store_result, &r1);
  WAIT (r1);
  rec = weft_registry_client_get_agent_finish (fx->admin, r1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (member (rec, "sidecar_peer_id"), ==, "alpha");
  g_assert_cmpstr (member (rec, "health"), ==, "active");
  skills = json_object_get_array_member (
    json_object_get_object_member (json_node_get_object (rec), "capabilities"), "skills");
  g_assert_cmpuint (json_array_get_length (skills), ==, 3);

  stop_agent (alpha);
  g_ptr_array_remove (fx->agents, alpha);
  g_assert_cmpint (weft_agent_get_state (alpha), ==, WEFT_AGENT_STATE_STOPPED);
  weft_registry_client_get_agent_async (fx->admin, "alpha", NULL, agent_test_store_result, &r2);
  WAIT (r2);
  gone = weft_registry_client_get_agent_finish (fx->admin, r2, &error);
  g_assert_null (gone);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND);
}

static void
count_finished (WeftAgent *agent,
                const gchar *id,
                const gchar *state,
                const gchar *text,
                gpointer user_data)
{
  guint *n = user_data;

  (*n)++;
}

static void
test_push (Fixture *fx, gconstpointer data)
{
  /* heartbeats every 10 minutes: only push can deliver in time */
  g_autoptr (WeftAgent) alpha =
    make_agent (fx, "alpha", "ak_alpha", "skills:\n  dirs: [skills/echo]\n");
  g_autofree gchar *id = NULL;
  g_autoptr (JsonNode) task = NULL;
  guint finished = 0;

  weft_agent_set_heartbeat_interval (alpha, 600);
  g_signal_connect (alpha, "task-finished", G_CALLBACK (count_finished), &finished);
  start_agent (fx, alpha);
  g_assert_true (agent_test_wait_until (signaling_up, alpha, 10000));
  id = submit (fx, "echo", NULL, "pushed");
  task = wait_task (fx, id, 10000);
  g_assert_cmpstr (member (task, "state"), ==, "completed");
  g_assert_cmpstr (member (task, "assigned_agent_id"), ==, "alpha");
  g_assert_cmpstr (member (task, "result"), ==, "{\"message\":\"pushed\"}");
  g_assert_cmpuint (finished, ==, 1);
}

static void
test_heartbeat_only (Fixture *fx, gconstpointer data)
{
  g_autoptr (WeftAgent) alpha =
    make_agent (fx, "alpha", "ak_alpha", "skills:\n  dirs: [skills/echo]\n");
  g_autofree gchar *id = NULL;
  g_autoptr (JsonNode) task = NULL;
  g_autoptr (JsonNode) tasks = NULL;

  weft_agent_set_push (alpha, FALSE);
  weft_agent_set_heartbeat_interval (alpha, 1);
  start_agent (fx, alpha);
  g_assert_false (weft_signaling_get_connected (weft_agent_get_signaling (alpha)));
  id = submit (fx, "echo", "alpha", "polled");
  task = wait_task (fx, id, 10000);
  g_assert_cmpstr (member (task, "state"), ==, "completed");
  tasks = weft_agent_dup_tasks (alpha);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (tasks)), ==, 1);
}

static void
track_max (GObject *agent, GParamSpec *pspec, gpointer user_data)
{
  guint *max = user_data;

  *max = MAX (*max, weft_agent_get_running_tasks (WEFT_AGENT (agent)));
}

static void
test_concurrency_cap (Fixture *fx, gconstpointer data)
{
  g_autoptr (WeftAgent) alpha =
    make_agent (fx, "alpha", "ak_alpha", "skills:\n  dirs: [skills/nap]\n");
  gchar *ids[3] = { NULL, NULL, NULL };
  guint max = 0;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *yaml = NULL;

  /* one task at a time */
  yaml = g_strdup_printf ("name: alpha\nregistry: %s\nskills:\n  dirs: [skills/nap]\nweft:\n"
                          "  api_key: ak_alpha\n  max_concurrent_tasks: 1\n"
                          "  heartbeat_interval: 1\n  device_token_file: %s/none\n",
                          fx->reg->url, fx->dir);
  {
    g_autoptr (WeftManifest) m = weft_manifest_load_data (yaml, -1, fx->dir, &error);
    g_assert_no_error (error);
    g_clear_object (&alpha);
    alpha = weft_agent_new (m, &error);
    g_assert_no_error (error);
  }
  g_assert_cmpuint (weft_agent_get_max_concurrent_tasks (alpha), ==, 1);
  g_signal_connect (alpha, "notify::running-tasks", G_CALLBACK (track_max), &max);
  start_agent (fx, alpha);
  g_assert_true (agent_test_wait_until (signaling_up, alpha, 10000));
  for (guint i = 0; i < 3; i++)
    ids[i] = submit (fx, "nap", NULL, "zz");
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr (JsonNode) task = wait_task (fx, ids[i], 30000);
      g_assert_cmpstr (member (task, "state"), ==, "completed");
      g_assert_cmpstr (member (task, "result"), ==, "rested");
    }
  g_assert_cmpuint (max, ==, 1);
  for (guint i = 0; i < 3; i++)
    g_free (ids[i]);
}

static void
note_handback (WeftAgent *agent,
               const gchar *id,
               const gchar *state,
               const gchar *text,
               gpointer user_data)
{
  guint *n = user_data;

  if (g_str_equal (state, "pending"))
    (*n)++;
}

static void
test_overload_handback (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *yaml =
    g_strdup_printf ("name: alpha\nregistry: %s\nskills:\n  dirs: [skills/nap]\nweft:\n"
                     "  api_key: ak_alpha\n  max_concurrent_tasks: 1\n"
                     "  heartbeat_interval: 1\n  device_token_file: %s/none\n",
                     fx->reg->url, fx->dir);
  g_autoptr (WeftManifest) m = weft_manifest_load_data (yaml, -1, fx->dir, &error);
  g_autoptr (WeftAgent) alpha = NULL;
  g_autoptr (WeftRegistryClient) impostor = weft_registry_client_new (fx->reg->url);
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (JsonNode) hb = NULL;
  g_autoptr (JsonNode) claimed = NULL;
  g_autofree gchar *first = NULL;
  g_autofree gchar *second = NULL;
  g_autoptr (JsonNode) t1 = NULL;
  g_autoptr (JsonNode) t2 = NULL;
  guint handbacks = 0;

  g_assert_no_error (error);
  alpha = weft_agent_new (m, &error);
  g_assert_no_error (error);
  g_signal_connect (alpha, "task-finished", G_CALLBACK (note_handback), &handbacks);
  start_agent (fx, alpha);
  g_assert_true (agent_test_wait_until (signaling_up, alpha, 10000));
  first = submit (fx, "nap", "alpha", "one");
  g_assert_true (
    agent_test_wait_until ((gboolean (*) (gpointer)) weft_agent_get_running_tasks, alpha, 10000));
  /* an admin claims the second task in alpha's name, as a registry that does
   * not know alpha's load would, and hands it to the busy agent */
  second = submit (fx, "nap", "alpha", "two");
  weft_registry_client_set_api_key (impostor, "ak_admin");
  hb = json_from_string ("{\"agent_id\": \"alpha\", \"skill_names\": [\"nap\"], "
                         "\"capacity\": 10, \"running_tasks\": 0}",
                         NULL);
  weft_registry_client_heartbeat_async (impostor, hb, NULL, agent_test_store_result, &res);
  WAIT (res);
  claimed = weft_registry_client_heartbeat_finish (impostor, res, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < json_array_get_length (json_node_get_array (claimed)); i++)
    g_signal_emit_by_name (weft_agent_get_signaling (alpha), "task-assigned",
                           json_array_get_element (json_node_get_array (claimed), i));
  g_assert_cmpuint (weft_agent_get_running_tasks (alpha), ==, 1);
  t1 = wait_task (fx, first, 20000);
  t2 = wait_task (fx, second, 20000);
  g_assert_cmpstr (member (t1, "state"), ==, "completed");
  g_assert_cmpstr (member (t2, "state"), ==, "completed");
  if (json_array_get_length (json_node_get_array (claimed)) > 0)
    g_assert_cmpuint (handbacks, >=, 1);
}

static gchar *
invoke (WeftAgent *agent, const gchar *skill, const gchar *args_json, GError **error)
{
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (JsonNode) args = args_json != NULL ? json_from_string (args_json, NULL) : NULL;

  weft_agent_invoke_async (agent, skill, args, NULL, agent_test_store_result, &res);
  WAIT (res);
  return weft_agent_invoke_finish (agent, res, error);
}

static void
test_exec_skills (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *yaml = g_strdup_printf (
    "name: alpha\nregistry: %s\nskills:\n  dirs: [skills/echo, skills/fail, skills/slow, "
    "skills/garbage, skills/flood, skills/env]\nweft:\n  task_timeout: 1\n",
    fx->reg->url);
  g_autoptr (WeftManifest) m = weft_manifest_load_data (yaml, -1, fx->dir, &error);
  g_autoptr (WeftAgent) alpha = NULL;
  g_autofree gchar *ok = NULL;
  g_autofree gchar *env = NULL;
  g_autofree gchar *failed = NULL;
  g_autofree gchar *slow = NULL;
  g_autofree gchar *garbage = NULL;
  g_autofree gchar *flood = NULL;
  g_autofree gchar *bad_args = NULL;
  g_autofree gchar *unknown = NULL;

  g_assert_no_error (error);
  alpha = weft_agent_new (m, &error);
  g_assert_no_error (error);

  ok = invoke (alpha, "echo", "{\"message\": \"hi\"}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ok, ==, "{\"message\":\"hi\"}");

  env = invoke (alpha, "env", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (env, ==, "alpha env");

  failed = invoke (alpha, "fail", NULL, &error);
  g_assert_null (failed);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "boom");
  g_clear_error (&error);

  slow = invoke (alpha, "slow", NULL, &error);
  g_assert_null (slow);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_TIMED_OUT);
  g_clear_error (&error);

  garbage = invoke (alpha, "garbage", NULL, &error);
  g_assert_null (garbage);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA);
  g_clear_error (&error);

  flood = invoke (alpha, "flood", NULL, &error);
  g_assert_null (flood);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_TOO_LARGE);
  g_clear_error (&error);

  bad_args = invoke (alpha, "echo", "{\"nope\": 1}", &error);
  g_assert_null (bad_args);
  g_assert_nonnull (error);
  g_clear_error (&error);

  unknown = invoke (alpha, "teleport", NULL, &error);
  g_assert_null (unknown);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND);
}

static void
test_task_failure (Fixture *fx, gconstpointer data)
{
  g_autoptr (WeftAgent) alpha =
    make_agent (fx, "alpha", "ak_alpha", "skills:\n  dirs: [skills/fail]\n");
  g_autofree gchar *id = NULL;
  g_autofree gchar *id2 = NULL;
  g_autoptr (JsonNode) task = NULL;
  g_autoptr (JsonNode) task2 = NULL;

  start_agent (fx, alpha);
  g_assert_true (agent_test_wait_until (signaling_up, alpha, 10000));
  id = submit (fx, "fail", NULL, "x");
  task = wait_task (fx, id, 10000);
  g_assert_cmpstr (member (task, "state"), ==, "failed");
  g_assert_cmpstr (member (task, "error"), ==, "boom");

  /* a targeted task for a skill the agent lacks fails with the reference's text */
  id2 = submit (fx, "teleport", "alpha", "x");
  task2 = wait_task (fx, id2, 10000);
  g_assert_cmpstr (member (task2, "state"), ==, "failed");
  g_assert_cmpstr (member (task2, "error"), ==, "unknown skill: teleport");
}

static void
noop_skill (WeftSkill *skill, JsonNode *args, GCancellable *c, GTask *task, gpointer data)
{
  g_task_return_pointer (task, g_strdup ("noop"), g_free);
  g_object_unref (task);
}

static void
test_disabled (Fixture *fx, gconstpointer data)
{
  g_autoptr (WeftAgent) alpha =
    make_agent (fx, "alpha", "ak_alpha",
                "skills:\n  builtin: [list_agents, delegate]\n  dirs: [skills/echo]\n"
                "  disabled: [delegate, echo]\n");
  g_auto (GStrv) names = weft_agent_dup_skill_names (alpha);
  g_autoptr (WeftSkill) extra = weft_skill_new ("echo", "", noop_skill, NULL, NULL);
  g_autoptr (GError) error = NULL;

  g_assert_cmpuint (g_strv_length (names), ==, 1);
  g_assert_cmpstr (names[0], ==, "list_agents");
  g_assert_null (weft_agent_lookup_skill (alpha, "delegate"));
  g_assert_null (weft_agent_lookup_skill (alpha, "echo"));
  g_assert_false (weft_agent_add_skill (alpha, extra, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_PERMISSION_DENIED);
}

static void
on_prompt (WeftAgent *agent,
           const gchar *from,
           const gchar *message,
           JsonNode *payload,
           gpointer user_data)
{
  gchar **out = user_data;

  g_free (*out);
  *out = g_strdup_printf ("%s:%s", from, message);
}

static gboolean
str_set (gpointer data)
{
  return *(gchar **) data != NULL;
}

static void
test_delegate (Fixture *fx, gconstpointer data)
{
  g_autoptr (WeftAgent) alpha = make_agent (
    fx, "alpha", "ak_alpha", "skills:\n  builtin: [mesh_send]\n  dirs: [skills/echo]\n");
  g_autoptr (WeftAgent) beta = make_agent (
    fx, "beta", "ak_beta",
    "skills:\n  builtin: [delegate, mesh_send, mesh_broadcast, find_agent, list_agents, "
    "user_intervention]\n");
  g_autoptr (GAsyncResult) r1 = NULL, r2 = NULL, r3 = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *result = NULL;
  g_autofree gchar *task_id = NULL;
  g_autofree gchar *skill_text = NULL;
  g_autofree gchar *nowait = NULL;
  g_autofree gchar *sent = NULL;
  g_autofree gchar *prompt = NULL;
  g_autofree gchar *found = NULL;
  g_autofree gchar *listed = NULL;
  g_autofree gchar *nobody = NULL;
  g_autofree gchar *intervention = NULL;
  g_autofree gchar *broadcast = NULL;

  weft_agent_set_heartbeat_interval (alpha, 600);
  g_signal_connect (alpha, "agent-prompt", G_CALLBACK (on_prompt), &prompt);
  start_agent (fx, alpha);
  start_agent (fx, beta);
  g_assert_true (agent_test_wait_until (signaling_up, alpha, 10000));
  g_assert_true (agent_test_wait_until (signaling_up, beta, 10000));

  /* by skill, routed by the registry, waiting for the result */
  weft_agent_delegate_async (beta, NULL, "echo", "round trip", TRUE, NULL, agent_test_store_result,
                             &r1);
  WAIT (r1);
  result = weft_agent_delegate_finish (beta, r1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result, ==, "{\"message\":\"round trip\"}");

  /* fire and forget gives the task_request's id: the channel is made within the budget */
  weft_agent_delegate_async (beta, "alpha", "echo", "later", FALSE, NULL, agent_test_store_result,
                             &r2);
  WAIT (r2);
  task_id = weft_agent_delegate_finish (beta, r2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (task_id), ==, 12);

  /* nobody has the skill */
  weft_agent_delegate_async (beta, NULL, "teleport", "x", TRUE, NULL, agent_test_store_result, &r3);
  WAIT (r3);
  nobody = weft_agent_delegate_finish (beta, r3, &error);
  g_assert_null (nobody);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* the built-in skills answer in the reference's words */
  skill_text =
    invoke (beta, "delegate", "{\"message\": \"via skill\", \"skill\": \"echo\"}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (skill_text, ==, "{\"message\":\"via skill\"}");
  nowait = invoke (beta, "delegate",
                   "{\"message\": \"m\", \"target_agent_id\": \"alpha\", \"skill\": \"echo\", "
                   "\"wait\": false}",
                   &error);
  g_assert_no_error (error);
  g_assert_cmpstr (nowait, ==, "Task delegated to alpha via P2P (fire-and-forget)");
  found = invoke (beta, "find_agent", "{\"skill\": \"echo\"}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, "Agent 'alpha' (peer: alpha) has skill 'echo'");
  listed = invoke (beta, "list_agents", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (listed, "## Mesh Agents"));
  g_assert_nonnull (strstr (listed, "- **beta** **(you)** [active]"));
  intervention = invoke (beta, "user_intervention", "{\"message\": \"stop\"}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (intervention, ==, "Received: stop");

  /* mesh_send reaches alpha's agent-prompt signal, over a DataChannel made on first use */
  sent =
    invoke (beta, "mesh_send", "{\"target_agent_id\": \"alpha\", \"message\": \"psst\"}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sent, ==, "Message sent to alpha via P2P DataChannel");
  g_assert_true (agent_test_wait_until (str_set, &prompt, 10000));
  g_assert_cmpstr (prompt, ==, "beta:psst");

  g_clear_pointer (&prompt, g_free);
  broadcast = invoke (beta, "mesh_broadcast", "{\"message\": \"all\"}", &error);
  g_assert_no_error (error);
  /* the channel to alpha is open now */
  g_assert_cmpstr (broadcast, ==, "Broadcast sent to 1 peer(s) via P2P DataChannel");
  g_assert_true (agent_test_wait_until (str_set, &prompt, 10000));
  g_assert_cmpstr (prompt, ==, "beta:all");
}

static gboolean
knows_beta (gpointer data)
{
  WeftPeer *peer = weft_agent_lookup_peer (data, "beta");

  return peer != NULL && weft_peer_get_state (peer) == WEFT_PEER_STATE_SIGNALING &&
         weft_peer_has_skill (peer, "delegate");
}

static void
test_peers (Fixture *fx, gconstpointer data)
{
  g_autoptr (WeftAgent) alpha = make_agent (fx, "alpha", "ak_alpha", "skills: [list_agents]\n");
  g_autoptr (WeftAgent) beta = make_agent (fx, "beta", "ak_beta", "skills: [delegate]\n");
  g_autoptr (GPtrArray) peers = NULL;
  WeftPeer *peer;

  weft_agent_set_heartbeat_interval (alpha, 1);
  start_agent (fx, alpha);
  g_assert_true (agent_test_wait_until (signaling_up, alpha, 10000));
  start_agent (fx, beta);
  g_assert_true (agent_test_wait_until (knows_beta, alpha, 10000));
  peers = weft_agent_dup_peers (alpha);
  g_assert_cmpuint (peers->len, ==, 1);
  peer = weft_agent_lookup_peer (alpha, "beta");
  g_assert_cmpstr (weft_peer_get_peer_id (peer), ==, "beta");
  g_assert_cmpstr (weft_peer_get_health (peer), ==, "active");
}

static void
test_registry_restart (Fixture *fx, gconstpointer data)
{
  g_autoptr (WeftAgent) alpha =
    make_agent (fx, "alpha", "ak_alpha", "skills:\n  dirs: [skills/echo]\n");
  g_autofree gchar *id = NULL;
  g_autoptr (JsonNode) task = NULL;

  weft_agent_set_heartbeat_interval (alpha, 1);
  start_agent (fx, alpha);
  g_assert_true (agent_test_wait_until (signaling_up, alpha, 10000));
  agent_test_registry_stop (fx->reg);
  g_assert_false (agent_test_wait_until (signaling_up, alpha, 300) && FALSE);
  g_assert_true (agent_test_registry_start (fx->reg));
  /* the agent reconnects on its own and takes tasks again */
  g_assert_true (agent_test_wait_until (signaling_up, alpha, 15000));
  id = submit (fx, "echo", NULL, "after restart");
  task = wait_task (fx, id, 15000);
  g_assert_cmpstr (member (task, "state"), ==, "completed");
  g_assert_cmpint (weft_agent_get_state (alpha), ==, WEFT_AGENT_STATE_RUNNING);
}

static void
test_unreachable_start (void)
{
  guint16 port = agent_test_free_port ();
  g_autofree gchar *yaml =
    g_strdup_printf ("name: alpha\nregistry: http://127.0.0.1:%u\nskills: [list_agents]\n"
                     "weft:\n  api_key: ak_alpha\n",
                     port);
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftManifest) m = weft_manifest_load_data (yaml, -1, NULL, &error);
  g_autoptr (WeftAgent) alpha = NULL;
  g_autoptr (GAsyncResult) res = NULL;

  g_assert_no_error (error);
  alpha = weft_agent_new (m, &error);
  g_assert_no_error (error);
  /* no registry yet: the agent still starts and keeps trying */
  weft_agent_start_async (alpha, NULL, agent_test_store_result, &res);
  WAIT (res);
  g_assert_true (weft_agent_start_finish (alpha, res, &error));
  g_assert_no_error (error);
  g_assert_cmpint (weft_agent_get_state (alpha), ==, WEFT_AGENT_STATE_RUNNING);
  stop_agent (alpha);
}

static void
test_bad_key (Fixture *fx, gconstpointer data)
{
  g_autoptr (WeftAgent) alpha = make_agent (fx, "alpha", "ak_wrong", "skills: [list_agents]\n");
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;

  weft_agent_start_async (alpha, NULL, agent_test_store_result, &res);
  WAIT (res);
  g_assert_false (weft_agent_start_finish (alpha, res, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_AUTHENTICATED);
  g_assert_cmpint (weft_agent_get_state (alpha), ==, WEFT_AGENT_STATE_STOPPED);
}

static void
test_bad_manifest (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftManifest) bad = weft_manifest_load_data ("name: [1, 2]\n", -1, NULL, &error);
  g_autoptr (WeftAgent) none = NULL;
  g_autoptr (WeftManifest) nodir = NULL;
  g_autoptr (WeftAgent) none2 = NULL;

  g_assert_no_error (error);
  none = weft_agent_new (bad, &error);
  g_assert_null (none);
  g_assert_nonnull (error);
  g_clear_error (&error);

  nodir =
    weft_manifest_load_data ("name: a\nskills:\n  dirs: [/nonexistent/skill]\n", -1, NULL, &error);
  g_assert_no_error (error);
  none2 = weft_agent_new (nodir, &error);
  g_assert_null (none2);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "skill.json"));
}

int
main (int argc, char **argv)
{
  agent_test_init (&argc, &argv);

  g_test_add_func ("/weft/agent/bad-manifest", test_bad_manifest);
  g_test_add_func ("/weft/agent/unreachable-start", test_unreachable_start);
#define ADD(path, fn) \
  g_test_add ("/weft/agent/" path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("lifecycle", test_lifecycle);
  ADD ("bad-key", test_bad_key);
  ADD ("push", test_push);
  ADD ("heartbeat-only", test_heartbeat_only);
  ADD ("concurrency-cap", test_concurrency_cap);
  ADD ("overload-handback", test_overload_handback);
  ADD ("exec-skills", test_exec_skills);
  ADD ("task-failure", test_task_failure);
  ADD ("disabled", test_disabled);
  ADD ("delegate", test_delegate);
  ADD ("peers", test_peers);
  ADD ("registry-restart", test_registry_restart);
#undef ADD
  return g_test_run ();
}
