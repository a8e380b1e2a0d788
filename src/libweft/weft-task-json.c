/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* the wire side of WeftTask: state names, ids, the task object of the
 * reference registry and the bodies of its submit and update requests */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "weft-enums.h"
#include "weft-error.h"
#include "weft-json-private.h"
#include "weft-task.h"

static const gchar *const state_names[] = {
  [WEFT_TASK_STATE_PENDING] = "pending", [WEFT_TASK_STATE_ASSIGNED] = "assigned",
  [WEFT_TASK_STATE_RUNNING] = "running", [WEFT_TASK_STATE_COMPLETED] = "completed",
  [WEFT_TASK_STATE_FAILED] = "failed",   [WEFT_TASK_STATE_CANCELLED] = "cancelled",
};
G_STATIC_ASSERT (G_N_ELEMENTS (state_names) == WEFT_TASK_STATE_CANCELLED + 1);

/**
 * weft_task_state_to_string:
 * @state: a #WeftTaskState
 *
 * The wire name of @state: `pending`, `assigned`, `running`, `completed`,
 * `failed` or `cancelled`.
 *
 * Returns: the name, or `unknown` for a value outside the enumeration
 *
 * Since: 0.1
 */
const gchar *
weft_task_state_to_string (WeftTaskState state)
{
  if ((guint) state >= G_N_ELEMENTS (state_names))
    return "unknown";
  return state_names[state];
}

/**
 * weft_task_state_from_string:
 * @string: a wire name such as `running`
 * @out_state: (out) (optional): return location for the state
 *
 * Parses the wire name of a state; the match is exact (lower case).
 *
 * Returns: %TRUE if @string names a state
 *
 * Since: 0.1
 */
gboolean
weft_task_state_from_string (const gchar *string, WeftTaskState *out_state)
{
  if (string == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (state_names); i++)
    {
      if (g_strcmp0 (string, state_names[i]) == 0)
        {
          if (out_state != NULL)
            *out_state = (WeftTaskState) i;
          return TRUE;
        }
    }
  return FALSE;
}

/**
 * weft_task_state_is_terminal:
 * @state: a #WeftTaskState
 *
 * Whether @state is one a task never leaves: completed, failed or
 * cancelled.
 *
 * Returns: %TRUE for a terminal state
 *
 * Since: 0.1
 */
gboolean
weft_task_state_is_terminal (WeftTaskState state)
{
  return state == WEFT_TASK_STATE_COMPLETED || state == WEFT_TASK_STATE_FAILED ||
         state == WEFT_TASK_STATE_CANCELLED;
}

/**
 * weft_task_generate_id:
 *
 * A new random task id in the reference's format: 8 lower-case hex digits,
 * `-`, 3 hex digits (like `3f2a1b4c-9d8`), from the kernel's cryptographic
 * random source, so ids cannot be predicted.
 *
 * Returns: (transfer full): a new id
 *
 * Since: 0.1
 */
gchar *
weft_task_generate_id (void)
{
  guint8 bytes[6];
  gsize filled = 0;
  GString *id;

  while (filled < sizeof bytes)
    {
      gssize n = getrandom (bytes + filled, sizeof bytes - filled, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        break;
      filled += (gsize) n;
    }
  if (filled < sizeof bytes)
    {
      /* a kernel without getrandom(): the same source through its device */
      int fd = open ("/dev/urandom", O_RDONLY | O_CLOEXEC);

      while (fd >= 0 && filled < sizeof bytes)
        {
          gssize n = read (fd, bytes + filled, sizeof bytes - filled);

          if (n < 0 && errno == EINTR)
            continue;
          if (n <= 0)
            break;
          filled += (gsize) n;
        }
      if (fd >= 0)
        close (fd);
    }
  /* ids that can be guessed would let anyone touch other agents' tasks;
   * without a random source there is no safe way on */
  if (filled < sizeof bytes)
    g_error ("cannot read random bytes for a task id: %s", g_strerror (errno));

  id = g_string_sized_new (WEFT_TASK_ID_LENGTH + 1);
  for (guint i = 0; i < sizeof bytes; i++)
    g_string_append_printf (id, "%02x", bytes[i]);
  g_string_insert_c (id, 8, '-');
  g_string_truncate (id, WEFT_TASK_ID_LENGTH);
  return g_string_free (id, FALSE);
}

/**
 * weft_task_id_is_valid:
 * @id: (nullable): a string
 *
 * Whether @id has the form of a task id: 8 hex digits, `-`, 3 hex digits.
 * Upper-case digits are accepted.
 *
 * Returns: %TRUE if @id is well formed
 *
 * Since: 0.1
 */
gboolean
weft_task_id_is_valid (const gchar *id)
{
  if (id == NULL || strlen (id) != WEFT_TASK_ID_LENGTH)
    return FALSE;
  for (guint i = 0; i < WEFT_TASK_ID_LENGTH; i++)
    {
      if (i == 8 ? id[i] != '-' : !g_ascii_isxdigit (id[i]))
        return FALSE;
    }
  return TRUE;
}

/* a member that is absent or JSON null; the reference reads both as the default */
static JsonNode *
get_member (JsonObject *object, const gchar *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  return node;
}

static gboolean
read_string (JsonObject *object,
             const gchar *name,
             const gchar *fallback,
             gchar **out,
             GError **error)
{
  JsonNode *node = get_member (object, name);

  if (node == NULL)
    {
      *out = g_strdup (fallback);
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("field “%s” must be a string, not %s"), name, weft_json_describe (node));
      return FALSE;
    }
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
read_time (JsonObject *object, const gchar *name, gdouble fallback, gdouble *out, GError **error)
{
  JsonNode *node = get_member (object, name);
  GType type;

  if (node == NULL)
    {
      *out = fallback;
      return TRUE;
    }
  type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  if (type == G_TYPE_DOUBLE)
    *out = json_node_get_double (node);
  else if (type == G_TYPE_INT64)
    *out = (gdouble) json_node_get_int (node);
  else
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("field “%s” must be a number of Unix seconds, not %s"), name,
                   weft_json_describe (node));
      return FALSE;
    }
  if (*out < 0 || !weft_json_double_is_writable (*out))
    {
      g_set_error (
        error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
        _ ("field “%s” must be a non-negative number of Unix seconds that JSON can carry"), name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_count (JsonObject *object,
            const gchar *name,
            gint64 fallback,
            gint64 max,
            gint64 *out,
            GError **error)
{
  JsonNode *node = get_member (object, name);

  if (node == NULL)
    {
      *out = fallback;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("field “%s” must be a non-negative integer, not %s"), name,
                   weft_json_describe (node));
      return FALSE;
    }
  if (json_node_get_int (node) < 0 || json_node_get_int (node) > max)
    {
      g_autofree gchar *max_text = g_strdup_printf ("%" G_GINT64_FORMAT, max);
      g_autofree gchar *value_text =
        g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));

      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("field “%s” must be a non-negative integer up to %s, not %s"), name, max_text,
                   value_text);
      return FALSE;
    }
  *out = json_node_get_int (node);
  return TRUE;
}

static gboolean
read_state (JsonObject *object, gboolean required, WeftTaskState *out, GError **error)
{
  g_autofree gchar *name = NULL;

  if (get_member (object, "state") == NULL)
    {
      if (required)
        {
          g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                               _ ("field “state” is missing; it must be one of pending, assigned, "
                                  "running, completed, failed, cancelled"));
          return FALSE;
        }
      *out = WEFT_TASK_STATE_PENDING;
      return TRUE;
    }
  if (!read_string (object, "state", NULL, &name, error))
    return FALSE;
  if (!weft_task_state_from_string (name, out))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("field “state” must be one of pending, assigned, running, completed, "
                      "failed, cancelled, not “%s”"),
                   name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_payload (JsonObject *object, GError **error)
{
  JsonNode *payload = json_object_get_member (object, "payload");

  if (payload != NULL && !weft_json_node_is_writable (payload))
    {
      g_set_error_literal (
        error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
        _ ("field “payload” holds a number that cannot be written back as JSON (infinite, or "
           "written like 1e+20); use a smaller number or a string"));
      return FALSE;
    }
  return TRUE;
}

static JsonObject *
require_object (JsonNode *node, const gchar *what, GError **error)
{
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      /* TRANSLATORS: the first %s is "a task" or "a request body" */
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("%s must be a JSON object, not %s"), what,
                   node != NULL ? weft_json_describe (node) : _ ("nothing"));
      return NULL;
    }
  return json_node_get_object (node);
}

/* parses a request body through the shared bounded parser */
static JsonNode *
parse_body (const gchar *data, gssize length, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  JsonNode *root;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  root = weft_json_parse (data, length, &local_error);
  if (root == NULL)
    g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA, _ ("request body is not valid: %s"),
                 local_error->message);
  return root;
}

/**
 * weft_task_to_json_node:
 * @self: a #WeftTask
 *
 * Serialises @self as the reference's task object: `id`, `skill`,
 * `target_agent_id`, `source_agent_id`, `assigned_agent_id`, `payload`,
 * `state`, `result`, `error`, `created_at`, `updated_at`, `ttl`, in that
 * order, then Weft's `attempts`.
 *
 * Returns: (transfer full): a JSON object node
 *
 * Since: 0.1
 */
JsonNode *
weft_task_to_json_node (WeftTask *self)
{
  g_autoptr (JsonBuilder) builder = json_builder_new_immutable ();

  g_return_val_if_fail (WEFT_IS_TASK (self), NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, weft_task_get_id (self));
  json_builder_set_member_name (builder, "skill");
  json_builder_add_string_value (builder, weft_task_get_skill (self));
  json_builder_set_member_name (builder, "target_agent_id");
  json_builder_add_string_value (builder, weft_task_get_target_agent_id (self));
  json_builder_set_member_name (builder, "source_agent_id");
  json_builder_add_string_value (builder, weft_task_get_source_agent_id (self));
  json_builder_set_member_name (builder, "assigned_agent_id");
  json_builder_add_string_value (builder, weft_task_get_assigned_agent_id (self));
  json_builder_set_member_name (builder, "payload");
  json_builder_add_value (builder, json_node_copy (weft_task_get_payload (self)));
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, weft_task_state_to_string (weft_task_get_state (self)));
  json_builder_set_member_name (builder, "result");
  json_builder_add_string_value (builder, weft_task_get_result (self));
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, weft_task_get_error (self));
  json_builder_set_member_name (builder, "created_at");
  json_builder_add_double_value (builder, weft_task_get_created_at (self));
  json_builder_set_member_name (builder, "updated_at");
  json_builder_add_double_value (builder, weft_task_get_updated_at (self));
  json_builder_set_member_name (builder, "ttl");
  json_builder_add_int_value (builder, weft_task_get_ttl (self));
  json_builder_set_member_name (builder, "attempts");
  json_builder_add_int_value (builder, weft_task_get_attempts (self));
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/**
 * weft_task_new_from_json_node:
 * @node: a task object as weft_task_to_json_node() or the reference
 *   registry writes it
 * @error: return location for a #GError
 *
 * Reads a task object. Only `id` is required; any other field that is
 * absent or null takes its default (empty strings, a null payload, state
 * `pending`, `ttl` 300, `attempts` 0, `updated_at` equal to `created_at`,
 * `created_at` the current time). Unknown fields are ignored. A field of
 * the wrong type, an unknown state or a malformed id is an error.
 *
 * Returns: (transfer full): a new #WeftTask, or %NULL with
 *   %WEFT_ERROR_INVALID_ARGUMENT naming the field
 *
 * Since: 0.1
 */
WeftTask *
weft_task_new_from_json_node (JsonNode *node, GError **error)
{
  JsonObject *object;
  g_autofree gchar *id = NULL;
  g_autofree gchar *skill = NULL;
  g_autofree gchar *target = NULL;
  g_autofree gchar *source = NULL;
  g_autofree gchar *assigned = NULL;
  g_autofree gchar *result = NULL;
  g_autofree gchar *error_text = NULL;
  WeftTaskState state;
  gdouble created_at;
  gdouble updated_at;
  gint64 ttl;
  gint64 attempts;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  object = require_object (node, _ ("a task"), error);
  if (object == NULL)
    return NULL;

  if (!read_string (object, "id", NULL, &id, error))
    return NULL;
  if (id == NULL)
    {
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                           _ ("field “id” is missing; every task has one"));
      return NULL;
    }
  if (!weft_task_id_is_valid (id))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("field “id” must be 8 hex digits, “-” and 3 hex digits, not “%s”"), id);
      return NULL;
    }

  if (!read_string (object, "skill", "", &skill, error) ||
      !read_string (object, "target_agent_id", "", &target, error) ||
      !read_string (object, "source_agent_id", "", &source, error) ||
      !read_string (object, "assigned_agent_id", "", &assigned, error) ||
      !read_state (object, FALSE, &state, error) ||
      !read_string (object, "result", "", &result, error) ||
      !read_string (object, "error", "", &error_text, error) ||
      !read_time (object, "created_at", -1, &created_at, error) ||
      !read_time (object, "updated_at", -1, &updated_at, error) ||
      !read_count (object, "ttl", WEFT_TASK_DEFAULT_TTL, G_MAXINT64, &ttl, error) ||
      !read_count (object, "attempts", 0, G_MAXUINT, &attempts, error) ||
      !check_payload (object, error))
    return NULL;

  return g_object_new (WEFT_TYPE_TASK, "id", id, "skill", skill, "target-agent-id", target,
                       "source-agent-id", source, "assigned-agent-id", assigned, "payload",
                       get_member (object, "payload"), "state", state, "result", result, "error",
                       error_text, "created-at", created_at, "updated-at", updated_at, "ttl", ttl,
                       "attempts", (guint) attempts, NULL);
}

/**
 * weft_task_new_from_submission:
 * @data: (array length=length) (element-type guint8): the body of a
 *   `POST /api/hub/tasks` request, UTF-8 JSON
 * @length: the length of @data in bytes, or -1 if it is nul-terminated
 * @now: the creation time in Unix seconds; negative for the system clock
 * @error: return location for a #GError
 *
 * Decodes a task submission: a JSON object whose members are all optional
 * (`{}` is valid): `skill`, `target_agent_id` and `source_agent_id`
 * (strings, default empty), `payload` (any JSON, default null) and `ttl`
 * (a non-negative integer, default 300). A null member counts as absent;
 * unknown members are ignored. The result is a new pending task.
 *
 * Returns: (transfer full): a new #WeftTask, or %NULL with
 *   %WEFT_ERROR_INVALID_DATA when @data is not JSON, or
 *   %WEFT_ERROR_INVALID_ARGUMENT naming the field with a wrong type
 *
 * Since: 0.1
 */
WeftTask *
weft_task_new_from_submission (const gchar *data, gssize length, gdouble now, GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  JsonObject *object;
  g_autofree gchar *skill = NULL;
  g_autofree gchar *target = NULL;
  g_autofree gchar *source = NULL;
  gint64 ttl;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  root = parse_body (data, length, error);
  if (root == NULL)
    return NULL;
  object = require_object (root, _ ("a request body"), error);
  if (object == NULL)
    return NULL;

  if (!read_string (object, "skill", "", &skill, error) ||
      !read_string (object, "target_agent_id", "", &target, error) ||
      !read_string (object, "source_agent_id", "", &source, error) ||
      !read_count (object, "ttl", WEFT_TASK_DEFAULT_TTL, G_MAXINT64, &ttl, error) ||
      !check_payload (object, error))
    return NULL;

  return weft_task_new (skill, target, source, get_member (object, "payload"), ttl, now);
}

/**
 * weft_task_parse_update:
 * @data: (array length=length) (element-type guint8): the body of a
 *   `POST /api/hub/tasks/{id}` request, UTF-8 JSON
 * @length: the length of @data in bytes, or -1 if it is nul-terminated
 * @out_state: (out): return location for the requested state
 * @out_result: (out) (optional) (nullable) (transfer full): return location
 *   for the result text, %NULL when the body has none
 * @out_error: (out) (optional) (nullable) (transfer full): return location
 *   for the error text, %NULL when the body has none
 * @error: return location for a #GError
 *
 * Decodes a task update: a JSON object with the required string `state`
 * (one of the names of #WeftTaskState) and the optional strings `result`
 * and `error`. A null member counts as absent; unknown members are ignored.
 * Whether the update is allowed is for weft_task_transition() to decide.
 *
 * Returns: %TRUE on success; %FALSE with %WEFT_ERROR_INVALID_DATA when
 *   @data is not JSON, or %WEFT_ERROR_INVALID_ARGUMENT naming the field
 *   that is missing or has a wrong type
 *
 * Since: 0.1
 */
gboolean
weft_task_parse_update (const gchar *data,
                        gssize length,
                        WeftTaskState *out_state,
                        gchar **out_result,
                        gchar **out_error,
                        GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  JsonObject *object;
  WeftTaskState state;
  g_autofree gchar *result = NULL;
  g_autofree gchar *error_text = NULL;

  g_return_val_if_fail (out_state != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  root = parse_body (data, length, error);
  if (root == NULL)
    return FALSE;
  object = require_object (root, _ ("a request body"), error);
  if (object == NULL)
    return FALSE;

  if (!read_state (object, TRUE, &state, error) ||
      !read_string (object, "result", NULL, &result, error) ||
      !read_string (object, "error", NULL, &error_text, error))
    return FALSE;

  *out_state = state;
  if (out_result != NULL)
    *out_result = g_steal_pointer (&result);
  if (out_error != NULL)
    *out_error = g_steal_pointer (&error_text);
  return TRUE;
}
