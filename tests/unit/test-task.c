/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "weft.h"

#define T0 1775013217.25

static const WeftTaskState all_states[] = {
  WEFT_TASK_STATE_PENDING,   WEFT_TASK_STATE_ASSIGNED, WEFT_TASK_STATE_RUNNING,
  WEFT_TASK_STATE_COMPLETED, WEFT_TASK_STATE_FAILED,   WEFT_TASK_STATE_CANCELLED,
};

/* builds a task in @state through the legal path from pending */
static WeftTask *
task_in_state (WeftTaskState state)
{
  g_autoptr (WeftTask) task = weft_task_new ("echo", "beta", "alpha", NULL, 300, T0);
  g_autoptr (GError) error = NULL;

  switch (state)
    {
      case WEFT_TASK_STATE_PENDING:
        break;
      case WEFT_TASK_STATE_ASSIGNED:
        g_assert_true (weft_task_assign (task, "beta", T0 + 1, &error));
        break;
      case WEFT_TASK_STATE_RUNNING:
        g_assert_true (weft_task_assign (task, "beta", T0 + 1, &error));
        g_assert_true (weft_task_start (task, T0 + 2, &error));
        break;
      case WEFT_TASK_STATE_COMPLETED:
        g_assert_true (weft_task_assign (task, "beta", T0 + 1, &error));
        g_assert_true (weft_task_complete (task, "done", T0 + 2, &error));
        break;
      case WEFT_TASK_STATE_FAILED:
        g_assert_true (weft_task_assign (task, "beta", T0 + 1, &error));
        g_assert_true (weft_task_fail (task, "boom", T0 + 2, &error));
        break;
      case WEFT_TASK_STATE_CANCELLED:
        g_assert_true (weft_task_cancel (task, T0 + 1, &error));
        break;
      default:
        g_assert_not_reached ();
    }
  g_assert_no_error (error);
  g_assert_cmpint (weft_task_get_state (task), ==, state);
  return g_steal_pointer (&task);
}

static void
test_task_new (void)
{
  g_autoptr (JsonNode) payload = json_from_string ("{\"message\":\"hi\"}", NULL);
  g_autoptr (WeftTask) task = weft_task_new ("echo", "beta", "alpha", payload, 60, T0);
  g_autoptr (WeftTask) bare = weft_task_new (NULL, NULL, NULL, NULL, 0, -1);
  gdouble before = (gdouble) g_get_real_time () / G_USEC_PER_SEC;

  g_assert_true (weft_task_id_is_valid (weft_task_get_id (task)));
  g_assert_cmpstr (weft_task_get_skill (task), ==, "echo");
  g_assert_cmpstr (weft_task_get_target_agent_id (task), ==, "beta");
  g_assert_cmpstr (weft_task_get_source_agent_id (task), ==, "alpha");
  g_assert_cmpstr (weft_task_get_assigned_agent_id (task), ==, "");
  g_assert_true (json_node_equal (weft_task_get_payload (task), payload));
  /* the task keeps its own copy */
  g_assert_true (weft_task_get_payload (task) != payload);
  g_assert_cmpint (weft_task_get_state (task), ==, WEFT_TASK_STATE_PENDING);
  g_assert_cmpstr (weft_task_get_result (task), ==, "");
  g_assert_cmpstr (weft_task_get_error (task), ==, "");
  g_assert_cmpfloat (weft_task_get_created_at (task), ==, T0);
  g_assert_cmpfloat (weft_task_get_updated_at (task), ==, T0);
  g_assert_cmpint (weft_task_get_ttl (task), ==, 60);
  g_assert_cmpuint (weft_task_get_attempts (task), ==, 0);

  g_assert_cmpstr (weft_task_get_skill (bare), ==, "");
  g_assert_true (JSON_NODE_HOLDS_NULL (weft_task_get_payload (bare)));
  /* a negative time means now */
  g_assert_cmpfloat (weft_task_get_created_at (bare), >, before - 60);
  g_assert_cmpfloat (weft_task_get_created_at (bare), <, before + 60);

  /* two tasks never share an id */
  g_assert_cmpstr (weft_task_get_id (task), !=, weft_task_get_id (bare));
}

static void
test_task_properties (void)
{
  g_autoptr (WeftTask) task = NULL;
  g_autofree gchar *id = NULL;
  g_autofree gchar *assigned = NULL;
  WeftTaskState state;
  gdouble updated;
  guint attempts;
  g_autoptr (JsonNode) payload = NULL;

  task = g_object_new (WEFT_TYPE_TASK, "id", "0123abcd-ef0", "state", WEFT_TASK_STATE_RUNNING,
                       "assigned-agent-id", "beta", "created-at", T0, "attempts", 2, NULL);
  g_object_get (task, "id", &id, "state", &state, "assigned-agent-id", &assigned, "updated-at",
                &updated, "attempts", &attempts, "payload", &payload, NULL);
  g_assert_cmpstr (id, ==, "0123abcd-ef0");
  g_assert_cmpint (state, ==, WEFT_TASK_STATE_RUNNING);
  g_assert_cmpstr (assigned, ==, "beta");
  /* updated-at defaults to created-at */
  g_assert_cmpfloat (updated, ==, T0);
  g_assert_cmpuint (attempts, ==, 2);
  g_assert_true (JSON_NODE_HOLDS_NULL (payload));
}

static void
test_task_state_strings (void)
{
  const gchar *names[] = { "pending", "assigned", "running", "completed", "failed", "cancelled" };
  WeftTaskState state;

  for (guint i = 0; i < G_N_ELEMENTS (all_states); i++)
    {
      g_assert_cmpstr (weft_task_state_to_string (all_states[i]), ==, names[i]);
      g_assert_true (weft_task_state_from_string (names[i], &state));
      g_assert_cmpint (state, ==, all_states[i]);
    }
  g_assert_false (weft_task_state_from_string ("Pending", &state));
  g_assert_false (weft_task_state_from_string ("done", &state));
  g_assert_false (weft_task_state_from_string ("", &state));
  g_assert_false (weft_task_state_from_string (NULL, &state));
  g_assert_cmpstr (weft_task_state_to_string ((WeftTaskState) 42), ==, "unknown");

  g_assert_false (weft_task_state_is_terminal (WEFT_TASK_STATE_PENDING));
  g_assert_false (weft_task_state_is_terminal (WEFT_TASK_STATE_ASSIGNED));
  g_assert_false (weft_task_state_is_terminal (WEFT_TASK_STATE_RUNNING));
  g_assert_true (weft_task_state_is_terminal (WEFT_TASK_STATE_COMPLETED));
  g_assert_true (weft_task_state_is_terminal (WEFT_TASK_STATE_FAILED));
  g_assert_true (weft_task_state_is_terminal (WEFT_TASK_STATE_CANCELLED));

  /* the enum is registered with the wire names as nicks */
  {
    g_autoptr (GEnumClass) klass = g_type_class_ref (WEFT_TYPE_TASK_STATE);
    GEnumValue *value = g_enum_get_value (klass, WEFT_TASK_STATE_CANCELLED);

    g_assert_nonnull (value);
    g_assert_cmpstr (value->value_nick, ==, "cancelled");
  }
}

static gboolean
expected_legal (WeftTaskState from, WeftTaskState to)
{
  gboolean active = from == WEFT_TASK_STATE_ASSIGNED || from == WEFT_TASK_STATE_RUNNING;

  switch (to)
    {
      case WEFT_TASK_STATE_ASSIGNED:
        return from == WEFT_TASK_STATE_PENDING;
      case WEFT_TASK_STATE_RUNNING:
        return from == WEFT_TASK_STATE_ASSIGNED;
      case WEFT_TASK_STATE_COMPLETED:
      case WEFT_TASK_STATE_FAILED:
      case WEFT_TASK_STATE_PENDING:
        return active;
      case WEFT_TASK_STATE_CANCELLED:
        return from == WEFT_TASK_STATE_PENDING || active;
      default:
        g_assert_not_reached ();
    }
}

static void
test_task_transitions (void)
{
  /* every pair of states, against an independent statement of the rules */
  for (guint i = 0; i < G_N_ELEMENTS (all_states); i++)
    for (guint j = 0; j < G_N_ELEMENTS (all_states); j++)
      {
        WeftTaskState from = all_states[i];
        WeftTaskState to = all_states[j];
        g_autoptr (WeftTask) task = task_in_state (from);
        g_autoptr (GError) error = NULL;
        gdouble updated = weft_task_get_updated_at (task);
        gboolean ok;

        ok = weft_task_transition (task, to, "gamma", NULL, NULL, T0 + 10, &error);
        g_test_message ("%s → %s: %s", weft_task_state_to_string (from),
                        weft_task_state_to_string (to), ok ? "ok" : error->message);
        if (expected_legal (from, to))
          {
            g_assert_no_error (error);
            g_assert_true (ok);
            g_assert_cmpint (weft_task_get_state (task), ==, to);
            g_assert_cmpfloat (weft_task_get_updated_at (task), ==, T0 + 10);
          }
        else
          {
            g_autofree gchar *expected =
              g_strdup_printf ("task %s is %s; it cannot move to %s", weft_task_get_id (task),
                               weft_task_state_to_string (from), weft_task_state_to_string (to));

            g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE);
            g_assert_false (ok);
            g_assert_cmpstr (error->message, ==, expected);
            g_assert_cmpint (weft_task_get_state (task), ==, from);
            g_assert_cmpfloat (weft_task_get_updated_at (task), ==, updated);
            g_assert_cmpuint (weft_error_to_http_status (error), ==, 409);
          }
      }
}

static void
test_task_lifecycle (void)
{
  g_autoptr (WeftTask) task = weft_task_new ("echo", "", "alpha", NULL, 300, T0);
  g_autoptr (GError) error = NULL;

  g_assert_true (weft_task_assign (task, "beta", T0 + 1, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (weft_task_get_assigned_agent_id (task), ==, "beta");
  g_assert_true (weft_task_start (task, T0 + 2, &error));
  g_assert_cmpstr (weft_task_get_assigned_agent_id (task), ==, "beta");
  g_assert_true (weft_task_complete (task, "hello back", T0 + 3, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (weft_task_get_result (task), ==, "hello back");
  g_assert_cmpstr (weft_task_get_error (task), ==, "");
  g_assert_cmpfloat (weft_task_get_updated_at (task), ==, T0 + 3);
  g_assert_cmpfloat (weft_task_get_created_at (task), ==, T0);

  /* terminal: nothing more, not even cancel or expiry */
  g_assert_false (weft_task_cancel (task, T0 + 4, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE);
  g_clear_error (&error);
  g_assert_false (weft_task_expire (task, T0 + 1000, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE);
  g_clear_error (&error);
  g_assert_false (weft_task_is_expired (task, T0 + 1000));
  g_assert_cmpstr (weft_task_get_result (task), ==, "hello back");
}

static void
test_task_fail_texts (void)
{
  g_autoptr (WeftTask) task = task_in_state (WEFT_TASK_STATE_RUNNING);
  g_autoptr (GError) error = NULL;

  /* an empty text does not replace a stored one, as in the reference */
  g_assert_true (
    weft_task_transition (task, WEFT_TASK_STATE_FAILED, NULL, "partial", "", T0 + 5, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (weft_task_get_result (task), ==, "partial");
  g_assert_cmpstr (weft_task_get_error (task), ==, "");

  g_clear_object (&task);
  task = task_in_state (WEFT_TASK_STATE_ASSIGNED);
  g_assert_true (weft_task_fail (task, "unknown skill: echo", T0 + 5, &error));
  g_assert_cmpstr (weft_task_get_error (task), ==, "unknown skill: echo");
}

static void
test_task_assign_needs_agent (void)
{
  g_autoptr (WeftTask) task = task_in_state (WEFT_TASK_STATE_PENDING);
  g_autoptr (GError) error = NULL;

  g_assert_false (weft_task_assign (task, "", T0 + 1, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (
    weft_task_transition (task, WEFT_TASK_STATE_ASSIGNED, NULL, NULL, NULL, T0 + 1, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpint (weft_task_get_state (task), ==, WEFT_TASK_STATE_PENDING);

  g_assert_false (weft_task_transition (task, (WeftTaskState) 99, "beta", NULL, NULL, T0, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
}

static void
count_notify (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  GPtrArray *names = user_data;

  g_ptr_array_add (names, g_strdup (pspec->name));
}

static gboolean
has_name (GPtrArray *names, const gchar *name)
{
  return g_ptr_array_find_with_equal_func (names, name, g_str_equal, NULL);
}

static void
test_task_requeue (void)
{
  g_autoptr (WeftTask) task = task_in_state (WEFT_TASK_STATE_RUNNING);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;

  g_signal_connect (task, "notify", G_CALLBACK (count_notify), names);
  g_assert_true (weft_task_requeue (task, T0 + 20, &error));
  g_assert_no_error (error);
  g_assert_cmpint (weft_task_get_state (task), ==, WEFT_TASK_STATE_PENDING);
  g_assert_cmpstr (weft_task_get_assigned_agent_id (task), ==, "");
  g_assert_cmpuint (weft_task_get_attempts (task), ==, 1);
  g_assert_cmpfloat (weft_task_get_updated_at (task), ==, T0 + 20);
  g_assert_true (has_name (names, "state"));
  g_assert_true (has_name (names, "attempts"));
  g_assert_true (has_name (names, "assigned-agent-id"));
  g_assert_true (has_name (names, "updated-at"));
  g_assert_false (has_name (names, "result"));

  /* a pending task cannot be re-queued */
  g_assert_false (weft_task_requeue (task, T0 + 21, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE);
  g_clear_error (&error);
  g_assert_cmpuint (weft_task_get_attempts (task), ==, 1);

  /* round two, from assigned this time */
  g_assert_true (weft_task_assign (task, "gamma", T0 + 22, &error));
  g_assert_cmpstr (weft_task_get_assigned_agent_id (task), ==, "gamma");
  g_assert_true (weft_task_requeue (task, T0 + 23, &error));
  g_assert_cmpuint (weft_task_get_attempts (task), ==, 2);
  g_assert_true (weft_task_assign (task, "delta", T0 + 24, &error));
  g_assert_true (weft_task_complete (task, "ok", T0 + 25, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (weft_task_get_attempts (task), ==, 2);
}

static void
test_task_expiry (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (all_states); i++)
    {
      g_autoptr (WeftTask) task = task_in_state (all_states[i]);
      g_autoptr (GError) error = NULL;
      gboolean terminal = weft_task_state_is_terminal (all_states[i]);

      /* ttl 300: exactly 300 s is still alive, more is expired */
      g_assert_false (weft_task_is_expired (task, T0 + 300));
      g_assert_false (weft_task_expire (task, T0 + 300, &error));
      g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE);
      g_clear_error (&error);
      g_assert_cmpint (weft_task_get_state (task), ==, all_states[i]);

      g_assert_cmpint (weft_task_is_expired (task, T0 + 300.5), ==, !terminal);
      if (terminal)
        {
          g_assert_false (weft_task_expire (task, T0 + 301, &error));
          g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE);
          continue;
        }
      g_assert_true (weft_task_expire (task, T0 + 301, &error));
      g_assert_no_error (error);
      g_assert_cmpint (weft_task_get_state (task), ==, WEFT_TASK_STATE_FAILED);
      g_assert_cmpstr (weft_task_get_error (task), ==, "TTL expired");
      g_assert_cmpfloat (weft_task_get_updated_at (task), ==, T0 + 301);
      g_assert_false (weft_task_is_expired (task, T0 + 400));
    }
}

static void
test_task_expiry_counts_from_creation (void)
{
  g_autoptr (WeftTask) task = weft_task_new ("echo", NULL, NULL, NULL, 10, T0);
  g_autoptr (GError) error = NULL;

  g_assert_true (weft_task_assign (task, "beta", T0 + 9, &error));
  g_assert_true (weft_task_is_expired (task, T0 + 11));

  g_clear_object (&task);
  task = weft_task_new ("echo", NULL, NULL, NULL, 0, T0);
  g_assert_false (weft_task_is_expired (task, T0));
  g_assert_true (weft_task_is_expired (task, T0 + 0.001));
}

static void
test_task_id (void)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 1000; i++)
    {
      g_autofree gchar *id = weft_task_generate_id ();

      g_assert_cmpuint (strlen (id), ==, WEFT_TASK_ID_LENGTH);
      g_assert_cmpint (id[8], ==, '-');
      g_assert_true (weft_task_id_is_valid (id));
      for (guint k = 0; k < WEFT_TASK_ID_LENGTH; k++)
        g_assert_true (k == 8 || (g_ascii_isxdigit (id[k]) && !g_ascii_isupper (id[k])));
      g_assert_true (g_hash_table_add (seen, g_steal_pointer (&id)));
    }

  g_assert_true (weft_task_id_is_valid ("3f2a1b4c-9d8"));
  g_assert_true (weft_task_id_is_valid ("3F2A1B4C-9D8"));
  g_assert_false (weft_task_id_is_valid (NULL));
  g_assert_false (weft_task_id_is_valid (""));
  g_assert_false (weft_task_id_is_valid ("3f2a1b4c9d8a"));
  g_assert_false (weft_task_id_is_valid ("3f2a1b4c-9d"));
  g_assert_false (weft_task_id_is_valid ("3f2a1b4c-9d8e"));
  g_assert_false (weft_task_id_is_valid ("3f2a1b4g-9d8"));
  g_assert_false (weft_task_id_is_valid ("3f2a1b4c-9d-"));
}

static const gchar *const task_keys[] = {
  "id",         "skill", "target_agent_id", "source_agent_id", "assigned_agent_id",
  "payload",    "state", "result",          "error",           "created_at",
  "updated_at", "ttl",   "attempts",
};

static void
test_task_json_shape (void)
{
  g_autoptr (JsonNode) payload = json_from_string ("{\"message\":\"hi\",\"n\":[1,2]}", NULL);
  g_autoptr (WeftTask) task = weft_task_new ("echo", "beta", "alpha", payload, 60, T0);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GList) members = NULL;
  g_autofree gchar *text = NULL;
  g_autofree gchar *expected = NULL;
  JsonObject *object;
  guint i = 0;

  g_assert_true (weft_task_assign (task, "beta", T0 + 1, &error));
  node = weft_task_to_json_node (task);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  object = json_node_get_object (node);

  /* the exact key set, in the reference's order */
  members = json_object_get_members (object);
  g_assert_cmpuint (g_list_length (members), ==, G_N_ELEMENTS (task_keys));
  for (GList *l = members; l != NULL; l = l->next)
    g_assert_cmpstr (l->data, ==, task_keys[i++]);

  g_assert_cmpstr (json_object_get_string_member (object, "state"), ==, "assigned");
  g_assert_cmpstr (json_object_get_string_member (object, "assigned_agent_id"), ==, "beta");
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (object, "created_at")), ==,
                   G_TYPE_DOUBLE);
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (object, "ttl")), ==,
                   G_TYPE_INT64);
  g_assert_cmpint (json_object_get_int_member (object, "ttl"), ==, 60);

  /* and the serialised text, byte for byte */
  text = json_to_string (node, FALSE);
  expected = g_strdup_printf (
    "{\"id\":\"%s\",\"skill\":\"echo\",\"target_agent_id\":\"beta\",\"source_agent_id\":\"alpha\","
    "\"assigned_agent_id\":\"beta\",\"payload\":{\"message\":\"hi\",\"n\":[1,2]},\"state\":"
    "\"assigned\",\"result\":\"\",\"error\":\"\",\"created_at\":1775013217.25,\"updated_at\":"
    "1775013218.25,\"ttl\":60,\"attempts\":0}",
    weft_task_get_id (task));
  g_assert_cmpstr (text, ==, expected);
}

static void
test_task_json_roundtrip (void)
{
  g_autoptr (JsonNode) payload = json_from_string ("[1,\"two\",{\"three\":3.5},null,true]", NULL);
  g_autoptr (WeftTask) task = weft_task_new ("echo", "beta", "alpha", payload, 42, T0);
  g_autoptr (WeftTask) copy = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (JsonNode) again = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (weft_task_assign (task, "beta", T0 + 1, &error));
  g_assert_true (weft_task_requeue (task, T0 + 2, &error));
  g_assert_true (weft_task_assign (task, "gamma", T0 + 3, &error));
  g_assert_true (weft_task_fail (task, "nope", T0 + 4, &error));

  node = weft_task_to_json_node (task);
  copy = weft_task_new_from_json_node (node, &error);
  g_assert_no_error (error);
  g_assert_nonnull (copy);
  g_assert_cmpstr (weft_task_get_id (copy), ==, weft_task_get_id (task));
  g_assert_cmpint (weft_task_get_state (copy), ==, WEFT_TASK_STATE_FAILED);
  g_assert_cmpstr (weft_task_get_assigned_agent_id (copy), ==, "gamma");
  g_assert_cmpstr (weft_task_get_error (copy), ==, "nope");
  g_assert_cmpuint (weft_task_get_attempts (copy), ==, 1);
  g_assert_cmpint (weft_task_get_ttl (copy), ==, 42);
  g_assert_cmpfloat (weft_task_get_created_at (copy), ==, T0);
  g_assert_cmpfloat (weft_task_get_updated_at (copy), ==, T0 + 4);
  g_assert_true (json_node_equal (weft_task_get_payload (copy), payload));

  again = weft_task_to_json_node (copy);
  g_assert_true (json_node_equal (node, again));
}

static void
test_task_json_reference (void)
{
  /* a task exactly as the reference registry serialises it: no attempts,
   * an integral timestamp, a null payload */
  const gchar *json =
    "{\"id\":\"3f2a1b4c-9d8\",\"skill\":\"delegate\",\"target_agent_id\":\"\","
    "\"source_agent_id\":\"alpha\",\"assigned_agent_id\":\"\",\"payload\":null,"
    "\"state\":\"pending\",\"result\":\"\",\"error\":\"\",\"created_at\":1775013217,"
    "\"updated_at\":1775013217.4618921,\"ttl\":300}";
  g_autoptr (JsonNode) node = json_from_string (json, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftTask) task = weft_task_new_from_json_node (node, &error);
  g_autoptr (JsonNode) minimal = json_from_string ("{\"id\":\"3f2a1b4c-9d8\",\"unknown\":1}", NULL);
  g_autoptr (WeftTask) sparse = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (weft_task_get_id (task), ==, "3f2a1b4c-9d8");
  g_assert_cmpstr (weft_task_get_skill (task), ==, "delegate");
  g_assert_true (JSON_NODE_HOLDS_NULL (weft_task_get_payload (task)));
  g_assert_cmpfloat (weft_task_get_created_at (task), ==, 1775013217.0);
  g_assert_cmpfloat (weft_task_get_updated_at (task), ==, 1775013217.4618921);
  g_assert_cmpuint (weft_task_get_attempts (task), ==, 0);

  /* every field but the id may be missing */
  sparse = weft_task_new_from_json_node (minimal, &error);
  g_assert_no_error (error);
  g_assert_cmpint (weft_task_get_state (sparse), ==, WEFT_TASK_STATE_PENDING);
  g_assert_cmpint (weft_task_get_ttl (sparse), ==, WEFT_TASK_DEFAULT_TTL);
  g_assert_cmpstr (weft_task_get_result (sparse), ==, "");
  g_assert_cmpfloat (weft_task_get_created_at (sparse), >, 0);
  g_assert_cmpfloat (weft_task_get_updated_at (sparse), ==, weft_task_get_created_at (sparse));
}

static void
test_task_json_bad (void)
{
  const struct
  {
    const gchar *json;
    const gchar *needle;
  } cases[] = {
    { "[]", "a task must be a JSON object, not an array" },
    { "\"task\"", "not a string" },
    { "{}", "field “id” is missing" },
    { "{\"id\":7}", "field “id” must be a string, not an integer" },
    { "{\"id\":\"nope\"}", "field “id” must be 8 hex digits" },
    { "{\"id\":\"3f2a1b4c-9d8\",\"skill\":{}}", "field “skill” must be a string, not an object" },
    { "{\"id\":\"3f2a1b4c-9d8\",\"target_agent_id\":[]}", "field “target_agent_id” must be" },
    { "{\"id\":\"3f2a1b4c-9d8\",\"source_agent_id\":true}", "field “source_agent_id” must be" },
    { "{\"id\":\"3f2a1b4c-9d8\",\"assigned_agent_id\":1.5}", "field “assigned_agent_id” must" },
    { "{\"id\":\"3f2a1b4c-9d8\",\"state\":\"done\"}", "field “state” must be one of" },
    { "{\"id\":\"3f2a1b4c-9d8\",\"state\":3}", "field “state” must be a string" },
    { "{\"id\":\"3f2a1b4c-9d8\",\"result\":{\"a\":1}}", "field “result” must be a string" },
    { "{\"id\":\"3f2a1b4c-9d8\",\"error\":false}", "field “error” must be a string" },
    { "{\"id\":\"3f2a1b4c-9d8\",\"created_at\":\"now\"}", "field “created_at” must be a number" },
    { "{\"id\":\"3f2a1b4c-9d8\",\"updated_at\":-5}",
      "field “updated_at” must be a non-negative number" },
    { "{\"id\":\"3f2a1b4c-9d8\",\"created_at\":1e999}",
      "field “created_at” must be a non-negative number" },
    { "{\"id\":\"3f2a1b4c-9d8\",\"created_at\":1e20}",
      "field “created_at” must be a non-negative number" },
    { "{\"id\":\"3f2a1b4c-9d8\",\"payload\":{\"a\":[1,-1e999]}}",
      "field “payload” holds a number that cannot be written back as JSON" },
    { "{\"id\":\"3f2a1b4c-9d8\",\"ttl\":-1}", "field “ttl” must be a non-negative integer" },
    { "{\"id\":\"3f2a1b4c-9d8\",\"ttl\":1.5}", "field “ttl” must be a non-negative integer" },
    { "{\"id\":\"3f2a1b4c-9d8\",\"ttl\":\"300\"}", "field “ttl” must be a non-negative integer" },
    { "{\"id\":\"3f2a1b4c-9d8\",\"attempts\":5000000000}", "field “attempts” must be" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (JsonNode) node = json_from_string (cases[i].json, NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (WeftTask) task = NULL;

      g_assert_nonnull (node);
      task = weft_task_new_from_json_node (node, &error);
      g_test_message ("%s → %s", cases[i].json, error != NULL ? error->message : "(none)");
      g_assert_null (task);
      g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, cases[i].needle));
    }
}

static void
test_task_submission (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftTask) empty = weft_task_new_from_submission ("{}", -1, T0, &error);
  g_autoptr (WeftTask) full = NULL;
  g_autoptr (WeftTask) nulls = NULL;
  const gchar *body = "{\"skill\":\"delegate\",\"target_agent_id\":\"beta\","
                      "\"source_agent_id\":\"alpha\",\"payload\":{\"message\":\"hi\"},"
                      "\"ttl\":60,\"extra\":[1]} trailing";
  g_autoptr (JsonNode) expected_payload = json_from_string ("{\"message\":\"hi\"}", NULL);

  g_assert_no_error (error);
  g_assert_nonnull (empty);
  g_assert_true (weft_task_id_is_valid (weft_task_get_id (empty)));
  g_assert_cmpint (weft_task_get_state (empty), ==, WEFT_TASK_STATE_PENDING);
  g_assert_cmpstr (weft_task_get_skill (empty), ==, "");
  g_assert_true (JSON_NODE_HOLDS_NULL (weft_task_get_payload (empty)));
  g_assert_cmpint (weft_task_get_ttl (empty), ==, 300);
  g_assert_cmpfloat (weft_task_get_created_at (empty), ==, T0);
  g_assert_cmpfloat (weft_task_get_updated_at (empty), ==, T0);

  /* only the declared length counts: the trailing text is not part of the body */
  full = weft_task_new_from_submission (body, (gssize) (strlen (body) - strlen (" trailing")), T0,
                                        &error);
  g_assert_no_error (error);
  g_assert_cmpstr (weft_task_get_skill (full), ==, "delegate");
  g_assert_cmpstr (weft_task_get_target_agent_id (full), ==, "beta");
  g_assert_cmpstr (weft_task_get_source_agent_id (full), ==, "alpha");
  g_assert_true (json_node_equal (weft_task_get_payload (full), expected_payload));
  g_assert_cmpint (weft_task_get_ttl (full), ==, 60);

  nulls = weft_task_new_from_submission (
    "{\"skill\":null,\"payload\":null,\"ttl\":null,\"target_agent_id\":\"b\"}", -1, T0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (weft_task_get_skill (nulls), ==, "");
  g_assert_cmpint (weft_task_get_ttl (nulls), ==, 300);
  g_assert_cmpstr (weft_task_get_target_agent_id (nulls), ==, "b");
}

static void
test_task_submission_bad (void)
{
  const struct
  {
    const gchar *body;
    gint code;
    const gchar *needle;
  } cases[] = {
    { "", WEFT_ERROR_INVALID_DATA, "empty" },
    { "   ", WEFT_ERROR_INVALID_DATA, "empty" },
    { "{", WEFT_ERROR_INVALID_DATA, "not valid JSON" },
    { "skill=echo", WEFT_ERROR_INVALID_DATA, "not valid JSON" },
    { "[]", WEFT_ERROR_INVALID_ARGUMENT, "must be a JSON object, not an array" },
    { "null", WEFT_ERROR_INVALID_ARGUMENT, "must be a JSON object, not null" },
    { "{\"skill\":1}", WEFT_ERROR_INVALID_ARGUMENT,
      "field “skill” must be a string, not an integer" },
    { "{\"target_agent_id\":{}}", WEFT_ERROR_INVALID_ARGUMENT,
      "field “target_agent_id” must be a string" },
    { "{\"source_agent_id\":[\"a\"]}", WEFT_ERROR_INVALID_ARGUMENT,
      "field “source_agent_id” must be a string" },
    { "{\"ttl\":-1}", WEFT_ERROR_INVALID_ARGUMENT, "field “ttl” must be a non-negative integer" },
    { "{\"ttl\":\"60\"}", WEFT_ERROR_INVALID_ARGUMENT, "not a string" },
    { "{\"ttl\":60.5}", WEFT_ERROR_INVALID_ARGUMENT, "not a number" },
    { "{\"ttl\":true}", WEFT_ERROR_INVALID_ARGUMENT, "not a boolean" },
    { "{\"payload\":[1e400]}", WEFT_ERROR_INVALID_ARGUMENT,
      "field “payload” holds a number that cannot be written" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (WeftTask) task = weft_task_new_from_submission (cases[i].body, -1, T0, &error);

      g_test_message ("%s → %s", cases[i].body, error != NULL ? error->message : "(none)");
      g_assert_null (task);
      g_assert_error (error, WEFT_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].needle));
    }
}

static void
test_task_submission_deep (void)
{
  g_autoptr (GString) body = g_string_new ("{\"skill\":\"[[[[[[\",\"payload\":");
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftTask) task = NULL;

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (body, '[');
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (body, ']');
  g_string_append_c (body, '}');

  /* refused before the recursive parser sees it */
  task = weft_task_new_from_submission (body->str, (gssize) body->len, T0, &error);
  g_assert_null (task);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "nested deeper than"));
  g_clear_error (&error);

  g_assert_false (
    weft_task_parse_update (body->str, -1, &(WeftTaskState){ 0 }, NULL, NULL, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA);
}

static void
test_task_update (void)
{
  g_autoptr (GError) error = NULL;
  WeftTaskState state = WEFT_TASK_STATE_PENDING;
  g_autofree gchar *result = NULL;
  g_autofree gchar *error_text = NULL;

  g_assert_true (weft_task_parse_update ("{\"state\":\"completed\",\"result\":\"42\"}", -1, &state,
                                         &result, &error_text, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state, ==, WEFT_TASK_STATE_COMPLETED);
  g_assert_cmpstr (result, ==, "42");
  g_assert_null (error_text);
  g_clear_pointer (&result, g_free);

  g_assert_true (weft_task_parse_update ("{\"state\":\"failed\",\"result\":null,\"error\":\"x\"}",
                                         -1, &state, &result, &error_text, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state, ==, WEFT_TASK_STATE_FAILED);
  g_assert_null (result);
  g_assert_cmpstr (error_text, ==, "x");

  /* the texts are optional outputs */
  g_assert_true (weft_task_parse_update ("{\"state\":\"running\",\"result\":\"r\"}", -1, &state,
                                         NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state, ==, WEFT_TASK_STATE_RUNNING);
}

static void
test_task_update_bad (void)
{
  const struct
  {
    const gchar *body;
    gint code;
    const gchar *needle;
  } cases[] = {
    { "", WEFT_ERROR_INVALID_DATA, "empty" },
    { "{\"state\":", WEFT_ERROR_INVALID_DATA, "not valid JSON" },
    { "\"completed\"", WEFT_ERROR_INVALID_ARGUMENT, "must be a JSON object, not a string" },
    { "{}", WEFT_ERROR_INVALID_ARGUMENT, "field “state” is missing" },
    { "{\"state\":null}", WEFT_ERROR_INVALID_ARGUMENT, "field “state” is missing" },
    { "{\"result\":\"x\"}", WEFT_ERROR_INVALID_ARGUMENT, "field “state” is missing" },
    { "{\"state\":1}", WEFT_ERROR_INVALID_ARGUMENT,
      "field “state” must be a string, not an integer" },
    { "{\"state\":\"Completed\"}", WEFT_ERROR_INVALID_ARGUMENT, "not “Completed”" },
    { "{\"state\":\"completed\",\"result\":{\"v\":1}}", WEFT_ERROR_INVALID_ARGUMENT,
      "field “result” must be a string, not an object" },
    { "{\"state\":\"failed\",\"error\":{\"msg\":\"x\"}}", WEFT_ERROR_INVALID_ARGUMENT,
      "field “error” must be a string, not an object" },
    { "{\"state\":\"failed\",\"error\":[]}", WEFT_ERROR_INVALID_ARGUMENT,
      "field “error” must be a string, not an array" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      WeftTaskState state = WEFT_TASK_STATE_CANCELLED;
      g_autofree gchar *result = NULL;
      g_autofree gchar *error_text = NULL;

      g_assert_false (
        weft_task_parse_update (cases[i].body, -1, &state, &result, &error_text, &error));
      g_test_message ("%s → %s", cases[i].body, error->message);
      g_assert_error (error, WEFT_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].needle));
      /* nothing is written on failure */
      g_assert_cmpint (state, ==, WEFT_TASK_STATE_CANCELLED);
      g_assert_null (result);
      g_assert_null (error_text);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/weft/task/new", test_task_new);
  g_test_add_func ("/weft/task/properties", test_task_properties);
  g_test_add_func ("/weft/task/state-strings", test_task_state_strings);
  g_test_add_func ("/weft/task/transitions", test_task_transitions);
  g_test_add_func ("/weft/task/lifecycle", test_task_lifecycle);
  g_test_add_func ("/weft/task/fail-texts", test_task_fail_texts);
  g_test_add_func ("/weft/task/assign-needs-agent", test_task_assign_needs_agent);
  g_test_add_func ("/weft/task/requeue", test_task_requeue);
  g_test_add_func ("/weft/task/expiry", test_task_expiry);
  g_test_add_func ("/weft/task/expiry-from-creation", test_task_expiry_counts_from_creation);
  g_test_add_func ("/weft/task/id", test_task_id);
  g_test_add_func ("/weft/task/json/shape", test_task_json_shape);
  g_test_add_func ("/weft/task/json/roundtrip", test_task_json_roundtrip);
  g_test_add_func ("/weft/task/json/reference", test_task_json_reference);
  g_test_add_func ("/weft/task/json/bad", test_task_json_bad);
  g_test_add_func ("/weft/task/submission", test_task_submission);
  g_test_add_func ("/weft/task/submission/bad", test_task_submission_bad);
  g_test_add_func ("/weft/task/submission/deep", test_task_submission_deep);
  g_test_add_func ("/weft/task/update", test_task_update);
  g_test_add_func ("/weft/task/update/bad", test_task_update_bad);

  return g_test_run ();
}
