/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "weft.h"

#define UNWRITABLE                                                                             \
  "holds a number that cannot be written back as JSON (infinite, or written like 1e+20); use " \
  "a smaller number or a string"

static gchar *
skill_path (const gchar *first, ...)
{
  g_autoptr (GPtrArray) parts = g_ptr_array_new ();
  const gchar *part;
  va_list ap;

  g_ptr_array_add (parts, (gpointer) g_test_get_dir (G_TEST_DIST));
  g_ptr_array_add (parts, (gpointer) "unit");
  g_ptr_array_add (parts, (gpointer) "data");
  g_ptr_array_add (parts, (gpointer) "skills");
  va_start (ap, first);
  for (part = first; part != NULL; part = va_arg (ap, const gchar *))
    g_ptr_array_add (parts, (gpointer) part);
  va_end (ap);
  g_ptr_array_add (parts, NULL);
  return g_build_filenamev ((gchar **) parts->pdata);
}

static JsonNode *
json (const gchar *text)
{
  g_autoptr (GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  return node;
}

static void
assert_json (JsonNode *node, const gchar *expected)
{
  g_autofree gchar *text = json_to_string (node, FALSE);

  g_assert_cmpstr (text, ==, expected);
}

static WeftSkill *
load_echo (void)
{
  g_autofree gchar *path = skill_path ("echo", "skill.json", NULL);
  g_autoptr (GError) error = NULL;
  WeftSkill *skill = weft_skill_new_from_file (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (skill);
  return skill;
}

/* -- loading -- */

static void
test_skill_load_good (void)
{
  g_autoptr (WeftSkill) skill = load_echo ();
  g_auto (GStrv) names = weft_skill_dup_parameter_names (skill);
  const gchar *expected_names[] = { "text", "times", "scale", "loud", "options", "tags", NULL };
  WeftSkillParamType type;
  const gchar *description = NULL;
  gboolean required = FALSE;
  JsonNode *default_value = NULL;

  g_assert_cmpstr (weft_skill_get_name (skill), ==, "echo");
  g_assert_cmpstr (weft_skill_get_description (skill), ==, "Repeats a text a number of times");
  g_assert_cmpstr (weft_skill_get_version (skill), ==, "1.2.0");
  g_assert_cmpstr (weft_skill_get_category (skill), ==, "demo");
  g_assert_cmpstrv (names, expected_names);

  g_assert_true (
    weft_skill_get_parameter (skill, "text", &type, &description, &required, &default_value));
  g_assert_cmpint (type, ==, WEFT_SKILL_PARAM_TYPE_STRING);
  g_assert_cmpstr (description, ==, "what to repeat");
  g_assert_true (required);
  g_assert_null (default_value);

  g_assert_true (
    weft_skill_get_parameter (skill, "times", &type, &description, &required, &default_value));
  g_assert_cmpint (type, ==, WEFT_SKILL_PARAM_TYPE_INTEGER);
  g_assert_false (required);
  g_assert_nonnull (default_value);
  g_assert_cmpint (json_node_get_int (default_value), ==, 1);

  g_assert_true (weft_skill_get_parameter (skill, "options", &type, NULL, NULL, &default_value));
  g_assert_cmpint (type, ==, WEFT_SKILL_PARAM_TYPE_OBJECT);
  g_assert_null (default_value);
  g_assert_false (weft_skill_get_parameter (skill, "x-comment", NULL, NULL, NULL, NULL));
}

static void
test_skill_load_chatixia (void)
{
  g_autofree gchar *path = skill_path ("delegate", "skill.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftSkill) skill = weft_skill_new_from_file (path, &error);
  g_autoptr (JsonNode) args = json ("{\"message\":\"summarise the logs\",\"skill\":\"summarise\"}");
  g_autoptr (JsonNode) validated = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (weft_skill_get_name (skill), ==, "delegate");
  g_assert_cmpstr (weft_skill_get_version (skill), ==, "2.0.0");
  g_assert_cmpstr (weft_skill_get_category (skill), ==, "mesh");

  validated = weft_skill_validate_arguments (skill, args, &error);
  g_assert_no_error (error);
  assert_json (validated,
               "{\"message\":\"summarise the logs\",\"skill\":\"summarise\",\"wait\":true}");
}

static void
test_skill_json_shape (void)
{
  g_autoptr (WeftSkill) skill = load_echo ();
  g_autoptr (JsonNode) node = weft_skill_to_json_node (skill);
  g_autoptr (WeftSkill) copy = NULL;
  g_autoptr (JsonNode) again = NULL;
  g_autoptr (JsonNode) params = NULL;
  g_autoptr (GError) error = NULL;

  assert_json (
    node,
    "{\"name\":\"echo\",\"description\":\"Repeats a text a number of times\",\"version\":\"1.2.0\","
    "\"category\":\"demo\",\"parameters\":{"
    "\"text\":{\"type\":\"string\",\"description\":\"what to repeat\",\"required\":true},"
    "\"times\":{\"type\":\"integer\",\"description\":\"how often\",\"required\":false,"
    "\"default\":1},"
    "\"scale\":{\"type\":\"number\",\"description\":\"a factor\",\"required\":false,"
    "\"default\":1.5},"
    "\"loud\":{\"type\":\"boolean\",\"description\":\"shout it\",\"required\":false,"
    "\"default\":false},"
    "\"options\":{\"type\":\"object\",\"description\":\"extra settings\",\"required\":false},"
    "\"tags\":{\"type\":\"array\",\"description\":\"labels\",\"required\":false,"
    "\"default\":[\"a\",\"b\"]}}}");

  /* what we write we read back to the same thing */
  copy = weft_skill_new_from_json_node (node, &error);
  g_assert_no_error (error);
  again = weft_skill_to_json_node (copy);
  g_assert_true (json_node_equal (node, again));

  /* the parameters property is the schema object */
  g_object_get (skill, "parameters", &params, NULL);
  g_assert_true (
    json_node_equal (params, json_object_get_member (json_node_get_object (node), "parameters")));
}

static void
test_skill_load_minimal (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftSkill) skill =
    weft_skill_new_from_data ("{\"name\":\"ping\",\"parameters\":null}", -1, &error);
  g_autoptr (JsonNode) node = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (weft_skill_get_description (skill), ==, "");
  g_assert_cmpstr (weft_skill_get_version (skill), ==, "");
  node = weft_skill_to_json_node (skill);
  assert_json (node, "{\"name\":\"ping\",\"description\":\"\",\"version\":\"\",\"category\":\"\","
                     "\"parameters\":{}}");
}

static void
test_skill_load_bad (void)
{
  const struct
  {
    const gchar *file;
    gint code;
    const gchar *message; /* after "<path>: " */
  } cases[] = {
    { "not-json.json", WEFT_ERROR_INVALID_DATA, "not valid JSON: " },
    { "empty.json", WEFT_ERROR_INVALID_DATA, "empty; expected a JSON object describing a skill" },
    { "not-object.json", WEFT_ERROR_INVALID_ARGUMENT,
      "a skill must be a JSON object, not an array" },
    { "missing-name.json", WEFT_ERROR_INVALID_ARGUMENT,
      "field “name” is missing; every skill needs a name" },
    { "empty-name.json", WEFT_ERROR_INVALID_ARGUMENT, "field “name” must not be empty" },
    { "name-not-string.json", WEFT_ERROR_INVALID_ARGUMENT,
      "field “name” must be a string, not an integer" },
    { "description-not-string.json", WEFT_ERROR_INVALID_ARGUMENT,
      "field “description” must be a string, not an array" },
    { "version-not-string.json", WEFT_ERROR_INVALID_ARGUMENT,
      "field “version” must be a string, not an integer" },
    { "parameters-not-object.json", WEFT_ERROR_INVALID_ARGUMENT,
      "field “parameters” must be an object, not an array" },
    { "param-not-object.json", WEFT_ERROR_INVALID_ARGUMENT,
      "field “parameters.count” must be an object, not a string" },
    { "param-type-missing.json", WEFT_ERROR_INVALID_ARGUMENT,
      "field “parameters.count.type” is missing; it must be one of string, integer, number, "
      "boolean, object, array" },
    { "param-type-unknown.json", WEFT_ERROR_INVALID_ARGUMENT,
      "field “parameters.count.type” must be one of string, integer, number, boolean, object, "
      "array" },
    { "param-type-not-string.json", WEFT_ERROR_INVALID_ARGUMENT,
      "field “parameters.count.type” must be one of string, integer, number, boolean, object, "
      "array" },
    { "param-required-not-boolean.json", WEFT_ERROR_INVALID_ARGUMENT,
      "field “parameters.count.required” must be a boolean, not a string" },
    { "param-default-wrong-type.json", WEFT_ERROR_INVALID_ARGUMENT,
      "field “parameters.count.default” must be an integer, not a string" },
    { "param-default-fraction.json", WEFT_ERROR_INVALID_ARGUMENT,
      "field “parameters.count.default” must be an integer, not a number with a fraction" },
    { "param-default-not-boolean.json", WEFT_ERROR_INVALID_ARGUMENT,
      "field “parameters.flag.default” must be a boolean, not an integer" },
    { "param-default-infinite.json", WEFT_ERROR_INVALID_ARGUMENT,
      "field “parameters.scale.default” " UNWRITABLE },
    { "param-empty-name.json", WEFT_ERROR_INVALID_ARGUMENT,
      "field “parameters” has a parameter with an empty name" },
    { "param-description-not-string.json", WEFT_ERROR_INVALID_ARGUMENT,
      "field “parameters.text.description” must be a string, not an object" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *path = skill_path ("bad", cases[i].file, NULL);
      g_autofree gchar *expected = g_strdup_printf ("%s: %s", path, cases[i].message);
      g_autoptr (GError) error = NULL;
      g_autoptr (WeftSkill) skill = weft_skill_new_from_file (path, &error);

      g_test_message ("%s → %s", cases[i].file, error != NULL ? error->message : "(none)");
      g_assert_null (skill);
      g_assert_error (error, WEFT_ERROR, cases[i].code);
      if (cases[i].code == WEFT_ERROR_INVALID_DATA && g_str_has_suffix (cases[i].message, ": "))
        g_assert_true (g_str_has_prefix (error->message, expected));
      else
        g_assert_cmpstr (error->message, ==, expected);
    }
}

static void
test_skill_load_missing_file (void)
{
  g_autofree gchar *path = skill_path ("nope", "skill.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftSkill) skill = weft_skill_new_from_file (path, &error);

  g_assert_null (skill);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND);
  g_assert_true (g_str_has_prefix (error->message, path));
}

static void
test_skill_load_too_large (void)
{
  gsize size = 1024 * 1024 + 1;
  g_autofree gchar *data = g_malloc (size);
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftSkill) skill = NULL;

  memset (data, ' ', size);
  skill = weft_skill_new_from_data (data, (gssize) size, &error);
  g_assert_null (skill);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_TOO_LARGE);
}

/* a skill whose one array default nests @levels deep, in a document nesting
 * three levels more */
static gchar *
nested_skill (guint levels)
{
  g_autoptr (GString) doc = g_string_new ("{\"name\":\"x\",\"parameters\":{\"p\":{"
                                          "\"description\":\"[[[{{{ in a string\","
                                          "\"type\":\"array\",\"default\":");

  for (guint i = 0; i < levels; i++)
    g_string_append_c (doc, '[');
  for (guint i = 0; i < levels; i++)
    g_string_append_c (doc, ']');
  g_string_append (doc, "}}}");
  return g_string_free (g_steal_pointer (&doc), FALSE);
}

static void
test_skill_load_deep (void)
{
  g_autofree gchar *ok_doc = nested_skill (125);
  g_autofree gchar *deep_doc = nested_skill (126);
  g_autofree gchar *deeper_doc = nested_skill (200000);
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftSkill) ok = weft_skill_new_from_data (ok_doc, -1, &error);
  g_autoptr (WeftSkill) deep = NULL;
  g_autoptr (WeftSkill) deeper = NULL;

  /* 128 levels are fine; brackets inside strings do not count */
  g_assert_no_error (error);
  g_assert_nonnull (ok);

  deep = weft_skill_new_from_data (deep_doc, -1, &error);
  g_assert_null (deep);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "nested deeper than 128 levels"));
  g_clear_error (&error);

  /* far too deep for a recursive parser: refused before parsing */
  deeper = weft_skill_new_from_data (deeper_doc, -1, &error);
  g_assert_null (deeper);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA);
}

static void
count_notify (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  GPtrArray *names = user_data;

  g_ptr_array_add (names, g_strdup (pspec->name));
}

static void
test_skill_load_replaces (void)
{
  g_autoptr (WeftSkill) skill = load_echo ();
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) params = NULL;

  g_signal_connect (skill, "notify", G_CALLBACK (count_notify), names);

  /* a failed load leaves the skill as it was */
  g_assert_false (weft_skill_load_from_data (skill, "{\"name\":\"\"}", -1, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpstr (weft_skill_get_name (skill), ==, "echo");
  g_assert_cmpuint (names->len, ==, 0);

  g_assert_true (weft_skill_load_from_data (
    skill, "{\"name\":\"shout\",\"parameters\":{\"t\":{\"type\":\"string\"}}}", -1, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (weft_skill_get_name (skill), ==, "shout");
  g_assert_cmpstr (weft_skill_get_version (skill), ==, "");
  params = weft_skill_dup_parameter_names (skill);
  g_assert_cmpuint (g_strv_length (params), ==, 1);
  g_assert_true (g_ptr_array_find_with_equal_func (names, "name", g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (names, "parameters", g_str_equal, NULL));
}

static void
test_skill_properties (void)
{
  g_autoptr (WeftSkill) skill =
    g_object_new (WEFT_TYPE_SKILL, "name", "tool", "description", "does things", "version", "0.3.0",
                  "category", "misc", NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  g_assert_cmpstr (weft_skill_get_name (skill), ==, "tool");
  g_assert_cmpstr (weft_skill_get_description (skill), ==, "does things");
  g_assert_cmpstr (weft_skill_get_version (skill), ==, "0.3.0");
  g_assert_cmpstr (weft_skill_get_category (skill), ==, "misc");

  g_signal_connect (skill, "notify", G_CALLBACK (count_notify), names);
  weft_skill_set_version (skill, "0.3.0");
  g_assert_cmpuint (names->len, ==, 0);
  weft_skill_set_version (skill, "0.4.0");
  weft_skill_set_category (skill, NULL);
  weft_skill_set_name (skill, "tool2");
  weft_skill_set_description (skill, "");
  g_assert_cmpuint (names->len, ==, 4);
  g_assert_cmpstr (weft_skill_get_category (skill), ==, "");
  g_assert_cmpstr (weft_skill_get_name (skill), ==, "tool2");
}

static void
test_skill_add_parameter (void)
{
  g_autoptr (WeftSkill) skill = g_object_new (WEFT_TYPE_SKILL, "name", "calc", NULL);
  g_autoptr (JsonNode) two = json ("2");
  g_autoptr (JsonNode) word = json ("\"two\"");
  g_autoptr (JsonNode) null = json ("null");
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) params = NULL;
  JsonNode *default_value = (JsonNode *) 1;

  g_assert_true (weft_skill_add_parameter (skill, "a", WEFT_SKILL_PARAM_TYPE_NUMBER, "first", TRUE,
                                           NULL, &error));
  g_assert_no_error (error);
  /* an integer is a valid number default */
  g_assert_true (
    weft_skill_add_parameter (skill, "b", WEFT_SKILL_PARAM_TYPE_NUMBER, NULL, FALSE, two, &error));
  g_assert_no_error (error);
  /* JSON null means no default */
  g_assert_true (
    weft_skill_add_parameter (skill, "c", WEFT_SKILL_PARAM_TYPE_STRING, NULL, FALSE, null, &error));
  g_assert_true (weft_skill_get_parameter (skill, "c", NULL, NULL, NULL, &default_value));
  g_assert_null (default_value);

  g_assert_false (
    weft_skill_add_parameter (skill, "a", WEFT_SKILL_PARAM_TYPE_STRING, NULL, FALSE, NULL, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_ALREADY_EXISTS);
  g_clear_error (&error);
  g_assert_false (weft_skill_add_parameter (skill, "d", WEFT_SKILL_PARAM_TYPE_INTEGER, NULL, FALSE,
                                            word, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "“d”"));
  g_clear_error (&error);
  g_assert_false (
    weft_skill_add_parameter (skill, "", WEFT_SKILL_PARAM_TYPE_INTEGER, NULL, FALSE, NULL, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  params = weft_skill_dup_parameters (skill);
  assert_json (params, "{\"a\":{\"type\":\"number\",\"description\":\"first\",\"required\":true},"
                       "\"b\":{\"type\":\"number\",\"description\":\"\",\"required\":false,"
                       "\"default\":2},"
                       "\"c\":{\"type\":\"string\",\"description\":\"\",\"required\":false}}");
}

static void
test_skill_param_type_strings (void)
{
  const gchar *names[] = { "string", "integer", "number", "boolean", "object", "array" };
  WeftSkillParamType type;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_assert_cmpstr (weft_skill_param_type_to_string ((WeftSkillParamType) i), ==, names[i]);
      g_assert_true (weft_skill_param_type_from_string (names[i], &type));
      g_assert_cmpint (type, ==, i);
    }
  g_assert_false (weft_skill_param_type_from_string ("float", &type));
  g_assert_false (weft_skill_param_type_from_string ("String", &type));
  g_assert_false (weft_skill_param_type_from_string (NULL, &type));
  g_assert_cmpstr (weft_skill_param_type_to_string ((WeftSkillParamType) 17), ==, "unknown");
}

/* -- validation -- */

static void
test_skill_validate_defaults (void)
{
  g_autoptr (WeftSkill) skill = load_echo ();
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) args = json ("{\"loud\":true,\"text\":\"hi\",\"options\":{\"k\":1}}");
  g_autoptr (JsonNode) out = weft_skill_validate_arguments (skill, args, &error);
  g_autoptr (JsonNode) nulls = json ("{\"text\":\"hi\",\"times\":null,\"options\":null}");
  g_autoptr (JsonNode) out_nulls = NULL;

  g_assert_no_error (error);
  /* declaration order, defaults for the rest, no value for options without default */
  assert_json (out, "{\"text\":\"hi\",\"times\":1,\"scale\":1.5,\"loud\":true,"
                    "\"options\":{\"k\":1},\"tags\":[\"a\",\"b\"]}");
  /* the input is not modified */
  assert_json (args, "{\"loud\":true,\"text\":\"hi\",\"options\":{\"k\":1}}");

  /* null reads as missing */
  out_nulls = weft_skill_validate_arguments (skill, nulls, &error);
  g_assert_no_error (error);
  assert_json (out_nulls,
               "{\"text\":\"hi\",\"times\":1,\"scale\":1.5,\"loud\":false,\"tags\":[\"a\",\"b\"]}");
}

static void
test_skill_validate_types (void)
{
  g_autoptr (WeftSkill) skill = load_echo ();
  const struct
  {
    const gchar *args;
    const gchar *message; /* NULL: valid */
  } cases[] = {
    { "{\"text\":\"x\",\"times\":3}", NULL },
    { "{\"text\":\"x\",\"scale\":3}", NULL }, /* an integer is a number */
    { "{\"text\":\"x\",\"scale\":-0.25}", NULL },
    { "{\"text\":\"x\",\"scale\":1e3}", NULL },
    { "{\"text\":\"x\",\"tags\":[]}", NULL },
    { "{\"text\":\"x\",\"options\":{}}", NULL },
    { "{\"text\":\"\"}", NULL },
    { "{\"text\":5}", "parameter “text” of skill “echo” must be a string, not an integer" },
    { "{\"text\":\"x\",\"times\":2.5}",
      "parameter “times” of skill “echo” must be an integer, not a number with a fraction" },
    { "{\"text\":\"x\",\"times\":\"2\"}",
      "parameter “times” of skill “echo” must be an integer, not a string" },
    { "{\"text\":\"x\",\"times\":true}",
      "parameter “times” of skill “echo” must be an integer, not a boolean" },
    { "{\"text\":\"x\",\"scale\":1e999}", "parameter “scale” of skill “echo” " UNWRITABLE },
    { "{\"text\":\"x\",\"scale\":1e20}", "parameter “scale” of skill “echo” " UNWRITABLE },
    { "{\"text\":\"x\",\"scale\":1.5e17}", NULL },
    { "{\"text\":\"x\",\"options\":{\"deep\":[-1e999]}}",
      "parameter “options” of skill “echo” " UNWRITABLE },
    { "{\"text\":\"x\",\"scale\":false}",
      "parameter “scale” of skill “echo” must be a number, not a boolean" },
    { "{\"text\":\"x\",\"loud\":1}",
      "parameter “loud” of skill “echo” must be a boolean, not an integer" },
    { "{\"text\":\"x\",\"loud\":\"true\"}",
      "parameter “loud” of skill “echo” must be a boolean, not a string" },
    { "{\"text\":\"x\",\"options\":[]}",
      "parameter “options” of skill “echo” must be an object, not an array" },
    { "{\"text\":\"x\",\"tags\":{}}",
      "parameter “tags” of skill “echo” must be an array, not an object" },
    { "{\"text\":[\"x\"]}", "parameter “text” of skill “echo” must be a string, not an array" },
    { "{}", "skill “echo” needs the parameter “text” (string)" },
    { "{\"text\":null}", "skill “echo” needs the parameter “text” (string)" },
    { "{\"times\":2}", "skill “echo” needs the parameter “text” (string)" },
    { "{\"text\":\"x\",\"message\":\"hi\"}",
      "skill “echo” has no parameter “message”; its parameters are text, times, scale, loud, "
      "options, tags" },
    { "[\"x\"]", "the arguments of skill “echo” must be a JSON object, not an array" },
    { "\"x\"", "the arguments of skill “echo” must be a JSON object, not a string" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (JsonNode) args = json (cases[i].args);
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonNode) out = weft_skill_validate_arguments (skill, args, &error);

      g_test_message ("%s → %s", cases[i].args, error != NULL ? error->message : "ok");
      if (cases[i].message == NULL)
        {
          g_assert_no_error (error);
          g_assert_nonnull (out);
        }
      else
        {
          g_assert_null (out);
          g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
          g_assert_cmpstr (error->message, ==, cases[i].message);
          g_assert_cmpuint (weft_error_to_http_status (error), ==, 422);
        }
    }
}

static void
test_skill_validate_no_params (void)
{
  g_autoptr (WeftSkill) skill = g_object_new (WEFT_TYPE_SKILL, "name", "ping", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) empty = weft_skill_validate_arguments (skill, NULL, &error);
  g_autoptr (JsonNode) null = json ("null");
  g_autoptr (JsonNode) from_null = NULL;
  g_autoptr (JsonNode) extra = json ("{\"x\":1}");
  g_autoptr (JsonNode) refused = NULL;

  g_assert_no_error (error);
  assert_json (empty, "{}");
  from_null = weft_skill_validate_arguments (skill, null, &error);
  g_assert_no_error (error);
  assert_json (from_null, "{}");

  refused = weft_skill_validate_arguments (skill, extra, &error);
  g_assert_null (refused);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "skill “ping” has no parameter “x”; it takes no parameters");
}

/* -- invocation -- */

typedef struct
{
  GAsyncResult *result; /* (owned) (nullable) */
} Waiter;

static void
on_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Waiter *waiter = user_data;

  g_assert_null (waiter->result);
  waiter->result = g_object_ref (result);
}

static gchar *
invoke_and_wait (WeftSkill *skill,
                 const gchar *args_json,
                 GCancellable *cancellable,
                 GError **error)
{
  g_autoptr (JsonNode) args = args_json != NULL ? json (args_json) : NULL;
  Waiter waiter = { NULL };
  gchar *value;

  weft_skill_invoke_async (skill, args, cancellable, on_done, &waiter);
  /* the callback never runs before invoke_async returns */
  g_assert_null (waiter.result);
  while (waiter.result == NULL)
    g_main_context_iteration (NULL, TRUE);
  value = weft_skill_invoke_finish (skill, waiter.result, error);
  g_object_unref (waiter.result);
  return value;
}

typedef struct
{
  guint calls;
  guint destroyed;
  GTask *held; /* (owned) (nullable) a task the test completes itself */
  gboolean hold;
  gchar *last_args;
} FuncState;

static void
echo_func (WeftSkill *skill,
           JsonNode *args,
           GCancellable *cancellable,
           GTask *task,
           gpointer user_data)
{
  FuncState *state = user_data;
  JsonObject *object = json_node_get_object (args);
  g_autoptr (GString) out = g_string_new (NULL);

  state->calls++;
  g_free (state->last_args);
  state->last_args = json_to_string (args, FALSE);

  if (state->hold)
    {
      state->held = task;
      return;
    }
  if (g_str_equal (json_object_get_string_member (object, "text"), "fail"))
    {
      g_task_return_new_error (task, WEFT_ERROR, WEFT_ERROR_FAILED, "told to fail");
      g_object_unref (task);
      return;
    }
  for (gint64 i = 0; i < json_object_get_int_member (object, "times"); i++)
    g_string_append (out, json_object_get_string_member (object, "text"));
  g_task_return_pointer (task, g_string_free (g_steal_pointer (&out), FALSE), g_free);
  g_object_unref (task);
}

static void
func_state_destroy (gpointer data)
{
  FuncState *state = data;

  state->destroyed++;
}

static WeftSkill *
new_echo_func_skill (FuncState *state)
{
  WeftSkill *skill = weft_skill_new ("echo", "repeats", echo_func, state, func_state_destroy);
  g_autoptr (JsonNode) one = json ("1");

  g_assert_true (
    weft_skill_add_parameter (skill, "text", WEFT_SKILL_PARAM_TYPE_STRING, NULL, TRUE, NULL, NULL));
  g_assert_true (weft_skill_add_parameter (skill, "times", WEFT_SKILL_PARAM_TYPE_INTEGER, NULL,
                                           FALSE, one, NULL));
  return skill;
}

static void
test_skill_invoke_callback (void)
{
  FuncState state = { 0 };
  WeftSkill *skill = new_echo_func_skill (&state);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *once = invoke_and_wait (skill, "{\"text\":\"ab\"}", NULL, &error);
  g_autofree gchar *thrice = NULL;
  g_autofree gchar *failed = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (once, ==, "ab");
  /* the function saw the default */
  g_assert_cmpstr (state.last_args, ==, "{\"text\":\"ab\",\"times\":1}");

  thrice = invoke_and_wait (skill, "{\"text\":\"ab\",\"times\":3}", NULL, &error);
  g_assert_cmpstr (thrice, ==, "ababab");

  failed = invoke_and_wait (skill, "{\"text\":\"fail\"}", NULL, &error);
  g_assert_null (failed);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "told to fail");
  g_assert_cmpuint (state.calls, ==, 3);

  g_object_unref (skill);
  g_assert_cmpuint (state.destroyed, ==, 1);
  g_free (state.last_args);
}

static void
test_skill_invoke_invalid_args (void)
{
  FuncState state = { 0 };
  g_autoptr (WeftSkill) skill = new_echo_func_skill (&state);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *value = invoke_and_wait (skill, "{\"times\":2}", NULL, &error);
  g_autofree gchar *unknown = NULL;

  g_assert_null (value);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "skill “echo” needs the parameter “text” (string)");
  g_clear_error (&error);

  unknown = invoke_and_wait (skill, "{\"text\":\"a\",\"skill\":\"echo\"}", NULL, &error);
  g_assert_null (unknown);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);

  /* the implementation never ran */
  g_assert_cmpuint (state.calls, ==, 0);
}

static gboolean
complete_held (gpointer user_data)
{
  FuncState *state = user_data;
  GTask *task = g_steal_pointer (&state->held);

  g_task_return_pointer (task, g_strdup ("late"), g_free);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static void
test_skill_invoke_callback_later (void)
{
  FuncState state = { .hold = TRUE };
  g_autoptr (WeftSkill) skill = new_echo_func_skill (&state);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) args = json ("{\"text\":\"x\"}");
  Waiter waiter = { NULL };
  g_autofree gchar *value = NULL;

  weft_skill_invoke_async (skill, args, NULL, on_done, &waiter);
  g_assert_nonnull (state.held);
  /* nothing finishes until the function completes its task */
  for (guint i = 0; i < 5; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_null (waiter.result);

  g_timeout_add (10, complete_held, &state);
  while (waiter.result == NULL)
    g_main_context_iteration (NULL, TRUE);
  value = weft_skill_invoke_finish (skill, waiter.result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, "late");
  g_object_unref (waiter.result);
  g_free (state.last_args);
}

static void
test_skill_invoke_cancel_before (void)
{
  FuncState state = { 0 };
  g_autoptr (WeftSkill) skill = new_echo_func_skill (&state);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  g_autofree gchar *value = NULL;

  g_cancellable_cancel (cancellable);
  value = invoke_and_wait (skill, "{\"text\":\"x\"}", cancellable, &error);
  g_assert_null (value);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_CANCELLED);
  g_assert_cmpuint (state.calls, ==, 0);
}

static void
test_skill_invoke_cancel_during (void)
{
  FuncState state = { .hold = TRUE };
  g_autoptr (WeftSkill) skill = new_echo_func_skill (&state);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) args = json ("{\"text\":\"x\"}");
  Waiter waiter = { NULL };
  g_autofree gchar *value = NULL;

  weft_skill_invoke_async (skill, args, cancellable, on_done, &waiter);
  g_assert_nonnull (state.held);
  g_main_context_iteration (NULL, FALSE);
  g_assert_null (waiter.result);

  /* the implementation ignores cancellation; the caller still gets an answer */
  g_cancellable_cancel (cancellable);
  while (waiter.result == NULL)
    g_main_context_iteration (NULL, TRUE);
  value = weft_skill_invoke_finish (skill, waiter.result, &error);
  g_assert_null (value);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_CANCELLED);
  g_clear_object (&waiter.result);
  g_assert_nonnull (state.held);

  /* its late result is dropped, and the callback does not run twice */
  complete_held (&state);
  for (guint i = 0; i < 5; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_null (waiter.result);
  g_free (state.last_args);
}

static void
test_skill_invoke_not_implemented (void)
{
  g_autoptr (WeftSkill) skill = load_echo ();
  g_autoptr (GError) error = NULL;
  g_autofree gchar *value = invoke_and_wait (skill, "{\"text\":\"x\"}", NULL, &error);

  g_assert_null (value);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "“echo”"));
}

/* a subclass that overrides the synchronous vfunc, the way scripts do */

#define TEST_TYPE_SYNC_SKILL (test_sync_skill_get_type ())
G_DECLARE_FINAL_TYPE (TestSyncSkill, test_sync_skill, TEST, SYNC_SKILL, WeftSkill)

struct _TestSyncSkill
{
  WeftSkill parent_instance;
  GThread *thread;  /* the thread invoke ran in */
  gchar *args_json; /* (owned) */
};

G_DEFINE_FINAL_TYPE (TestSyncSkill, test_sync_skill, WEFT_TYPE_SKILL)

static gchar *
test_sync_skill_invoke (WeftSkill *skill,
                        const gchar *args_json,
                        GCancellable *cancellable,
                        GError **error)
{
  TestSyncSkill *self = TEST_SYNC_SKILL (skill);
  g_autoptr (JsonNode) args = json (args_json);
  const gchar *word;

  self->thread = g_thread_self ();
  g_free (self->args_json);
  self->args_json = g_strdup (args_json);
  word = json_object_get_string_member (json_node_get_object (args), "word");
  if (g_str_equal (word, "cancel"))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "gave up");
      return NULL;
    }
  if (g_str_equal (word, "error"))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "not allowed");
      return NULL;
    }
  if (g_str_equal (word, "nothing"))
    return NULL;
  return g_ascii_strup (word, -1);
}

static void
test_sync_skill_finalize (GObject *object)
{
  g_free (TEST_SYNC_SKILL (object)->args_json);
  G_OBJECT_CLASS (test_sync_skill_parent_class)->finalize (object);
}

static void
test_sync_skill_class_init (TestSyncSkillClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_sync_skill_finalize;
  WEFT_SKILL_CLASS (klass)->invoke = test_sync_skill_invoke;
}

static void
test_sync_skill_init (TestSyncSkill *self)
{
  g_autoptr (JsonNode) polite = json ("true");

  weft_skill_set_name (WEFT_SKILL (self), "upper");
  g_assert_true (weft_skill_add_parameter (WEFT_SKILL (self), "word", WEFT_SKILL_PARAM_TYPE_STRING,
                                           NULL, TRUE, NULL, NULL));
  g_assert_true (weft_skill_add_parameter (
    WEFT_SKILL (self), "polite", WEFT_SKILL_PARAM_TYPE_BOOLEAN, NULL, FALSE, polite, NULL));
}

static void
test_skill_invoke_sync_subclass (void)
{
  g_autoptr (TestSyncSkill) skill = g_object_new (TEST_TYPE_SYNC_SKILL, NULL);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *value = invoke_and_wait (WEFT_SKILL (skill), "{\"word\":\"hi\"}", NULL, &error);
  g_autofree gchar *empty = NULL;
  g_autofree gchar *cancelled = NULL;
  g_autofree gchar *failed = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, "HI");
  /* it ran in this thread with validated, completed arguments */
  g_assert_true (skill->thread == g_thread_self ());
  g_assert_cmpstr (skill->args_json, ==, "{\"word\":\"hi\",\"polite\":true}");

  /* an empty result is a result */
  g_clear_pointer (&empty, g_free);
  empty = invoke_and_wait (WEFT_SKILL (skill), "{\"word\":\"\"}", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (empty, ==, "");
  g_clear_pointer (&empty, g_free);

  /* no result and no error is a failure, not an empty success */
  empty = invoke_and_wait (WEFT_SKILL (skill), "{\"word\":\"nothing\"}", NULL, &error);
  g_assert_null (empty);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "“upper” returned neither a result nor an error"));
  g_clear_error (&error);

  /* a GIO cancellation from the implementation is reported in the Weft domain */
  cancelled = invoke_and_wait (WEFT_SKILL (skill), "{\"word\":\"cancel\"}", NULL, &error);
  g_assert_null (cancelled);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_CANCELLED);
  g_clear_error (&error);

  failed = invoke_and_wait (WEFT_SKILL (skill), "{\"word\":\"error\"}", NULL, &error);
  g_assert_null (failed);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
}

/* a subclass that overrides the async pair, as a C implementation would */

#define TEST_TYPE_ASYNC_SKILL (test_async_skill_get_type ())
G_DECLARE_FINAL_TYPE (TestAsyncSkill, test_async_skill, TEST, ASYNC_SKILL, WeftSkill)

struct _TestAsyncSkill
{
  WeftSkill parent_instance;
  guint finishes;
};

G_DEFINE_FINAL_TYPE (TestAsyncSkill, test_async_skill, WEFT_TYPE_SKILL)

static gboolean
async_skill_complete (gpointer user_data)
{
  GTask *task = user_data;
  JsonNode *args = g_task_get_task_data (task);
  gint64 a = json_object_get_int_member (json_node_get_object (args), "a");
  gint64 b = json_object_get_int_member (json_node_get_object (args), "b");

  g_task_return_pointer (task, g_strdup_printf ("%" G_GINT64_FORMAT, a + b), g_free);
  return G_SOURCE_REMOVE;
}

static void
test_async_skill_invoke_async (WeftSkill *skill,
                               JsonNode *args,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data)
{
  GTask *task = g_task_new (skill, cancellable, callback, user_data);

  g_task_set_source_tag (task, test_async_skill_invoke_async);
  g_task_set_task_data (task, json_node_ref (args), (GDestroyNotify) json_node_unref);
  g_timeout_add_full (G_PRIORITY_DEFAULT, 5, async_skill_complete, task, g_object_unref);
}

static gchar *
test_async_skill_invoke_finish (WeftSkill *skill, GAsyncResult *result, GError **error)
{
  g_assert_true (g_task_get_source_tag (G_TASK (result)) == test_async_skill_invoke_async);
  TEST_ASYNC_SKILL (skill)->finishes++;
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_async_skill_class_init (TestAsyncSkillClass *klass)
{
  WEFT_SKILL_CLASS (klass)->invoke_async = test_async_skill_invoke_async;
  WEFT_SKILL_CLASS (klass)->invoke_finish = test_async_skill_invoke_finish;
}

static void
test_async_skill_init (TestAsyncSkill *self)
{
  g_autoptr (JsonNode) ten = json ("10");

  weft_skill_set_name (WEFT_SKILL (self), "add");
  g_assert_true (weft_skill_add_parameter (WEFT_SKILL (self), "a", WEFT_SKILL_PARAM_TYPE_INTEGER,
                                           NULL, TRUE, NULL, NULL));
  g_assert_true (weft_skill_add_parameter (WEFT_SKILL (self), "b", WEFT_SKILL_PARAM_TYPE_INTEGER,
                                           NULL, FALSE, ten, NULL));
}

static void
test_skill_invoke_async_subclass (void)
{
  g_autoptr (TestAsyncSkill) skill = g_object_new (TEST_TYPE_ASYNC_SKILL, NULL);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *sum = invoke_and_wait (WEFT_SKILL (skill), "{\"a\":5}", NULL, &error);
  g_autofree gchar *sum2 = NULL;
  g_autofree gchar *bad = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (sum, ==, "15");
  sum2 = invoke_and_wait (WEFT_SKILL (skill), "{\"a\":5,\"b\":-7}", NULL, &error);
  g_assert_cmpstr (sum2, ==, "-2");
  g_assert_cmpuint (skill->finishes, ==, 2);

  /* validation happens before the subclass sees anything */
  bad = invoke_and_wait (WEFT_SKILL (skill), "{\"a\":true}", NULL, &error);
  g_assert_null (bad);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
  g_assert_cmpuint (skill->finishes, ==, 2);
}

static void
test_skill_invoke_async_subclass_cancel (void)
{
  g_autoptr (TestAsyncSkill) skill = g_object_new (TEST_TYPE_ASYNC_SKILL, NULL);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (JsonNode) args = json ("{\"a\":1}");
  g_autoptr (GError) error = NULL;
  Waiter waiter = { NULL };
  g_autofree gchar *value = NULL;

  weft_skill_invoke_async (WEFT_SKILL (skill), args, cancellable, on_done, &waiter);
  g_cancellable_cancel (cancellable);
  while (waiter.result == NULL)
    g_main_context_iteration (NULL, TRUE);
  value = weft_skill_invoke_finish (WEFT_SKILL (skill), waiter.result, &error);
  g_assert_null (value);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_CANCELLED);
  g_clear_object (&waiter.result);

  /* the subclass still finishes its own work, which is then dropped */
  while (skill->finishes == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (waiter.result);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/weft/skill/load/good", test_skill_load_good);
  g_test_add_func ("/weft/skill/load/chatixia", test_skill_load_chatixia);
  g_test_add_func ("/weft/skill/load/minimal", test_skill_load_minimal);
  g_test_add_func ("/weft/skill/load/bad", test_skill_load_bad);
  g_test_add_func ("/weft/skill/load/missing-file", test_skill_load_missing_file);
  g_test_add_func ("/weft/skill/load/too-large", test_skill_load_too_large);
  g_test_add_func ("/weft/skill/load/replaces", test_skill_load_replaces);
  g_test_add_func ("/weft/skill/load/deep", test_skill_load_deep);
  g_test_add_func ("/weft/skill/json-shape", test_skill_json_shape);
  g_test_add_func ("/weft/skill/properties", test_skill_properties);
  g_test_add_func ("/weft/skill/add-parameter", test_skill_add_parameter);
  g_test_add_func ("/weft/skill/param-type-strings", test_skill_param_type_strings);
  g_test_add_func ("/weft/skill/validate/defaults", test_skill_validate_defaults);
  g_test_add_func ("/weft/skill/validate/types", test_skill_validate_types);
  g_test_add_func ("/weft/skill/validate/no-params", test_skill_validate_no_params);
  g_test_add_func ("/weft/skill/invoke/callback", test_skill_invoke_callback);
  g_test_add_func ("/weft/skill/invoke/invalid-args", test_skill_invoke_invalid_args);
  g_test_add_func ("/weft/skill/invoke/callback-later", test_skill_invoke_callback_later);
  g_test_add_func ("/weft/skill/invoke/cancel-before", test_skill_invoke_cancel_before);
  g_test_add_func ("/weft/skill/invoke/cancel-during", test_skill_invoke_cancel_during);
  g_test_add_func ("/weft/skill/invoke/not-implemented", test_skill_invoke_not_implemented);
  g_test_add_func ("/weft/skill/invoke/sync-subclass", test_skill_invoke_sync_subclass);
  g_test_add_func ("/weft/skill/invoke/async-subclass", test_skill_invoke_async_subclass);
  g_test_add_func ("/weft/skill/invoke/async-subclass-cancel",
                   test_skill_invoke_async_subclass_cancel);

  return g_test_run ();
}
