/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "weft-agent-record.h"
#include "weft-error.h"
#include "weft-registry-json.h"

struct _WeftAgentRecord
{
  GObject parent_instance;

  gchar *agent_id; /* (owned) */
  gchar *hostname; /* (owned) */
  gchar *ip;       /* (owned) */
  guint16 port;
  gchar *sidecar_peer_id; /* (owned) */
  gchar **skills;         /* (owned) (array zero-terminated=1) */
  gchar **mcp_servers;    /* (owned) (array zero-terminated=1) */
  guint32 goals_count;
  gchar *capabilities_mode; /* (owned) */
  gchar *status;            /* (owned) */
  gchar *mode;              /* (owned) */
  WeftAgentHealth health;
  gint64 registered_at;
  gint64 last_heartbeat;

  gchar *owner; /* (owned) (nullable) */
  guint32 capacity;
  guint32 running_tasks;
  gdouble load;
};

G_DEFINE_FINAL_TYPE (WeftAgentRecord, weft_agent_record, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_AGENT_ID,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void
weft_agent_record_finalize (GObject *object)
{
  WeftAgentRecord *self = WEFT_AGENT_RECORD (object);

  g_free (self->agent_id);
  g_free (self->hostname);
  g_free (self->ip);
  g_free (self->sidecar_peer_id);
  g_strfreev (self->skills);
  g_strfreev (self->mcp_servers);
  g_free (self->capabilities_mode);
  g_free (self->status);
  g_free (self->mode);
  g_free (self->owner);

  G_OBJECT_CLASS (weft_agent_record_parent_class)->finalize (object);
}

static void
weft_agent_record_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  WeftAgentRecord *self = WEFT_AGENT_RECORD (object);

  switch (prop_id)
    {
      case PROP_AGENT_ID:
        g_value_set_string (value, self->agent_id);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
weft_agent_record_set_property (GObject *object,
                                guint prop_id,
                                const GValue *value,
                                GParamSpec *pspec)
{
  WeftAgentRecord *self = WEFT_AGENT_RECORD (object);

  switch (prop_id)
    {
      case PROP_AGENT_ID:
        g_free (self->agent_id);
        self->agent_id = g_value_dup_string (value);
        if (self->agent_id == NULL)
          self->agent_id = g_strdup ("");
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
weft_agent_record_class_init (WeftAgentRecordClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = weft_agent_record_finalize;
  object_class->get_property = weft_agent_record_get_property;
  object_class->set_property = weft_agent_record_set_property;

  props[PROP_AGENT_ID] = g_param_spec_string ("agent-id", NULL, NULL, "",
                                              G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                                G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
weft_agent_record_init (WeftAgentRecord *self)
{
  self->agent_id = g_strdup ("");
  self->hostname = g_strdup ("");
  self->ip = g_strdup ("");
  self->port = WEFT_AGENT_RECORD_DEFAULT_PORT;
  self->sidecar_peer_id = g_strdup ("");
  self->skills = g_new0 (gchar *, 1);
  self->mcp_servers = g_new0 (gchar *, 1);
  self->capabilities_mode = g_strdup ("");
  self->status = g_strdup ("");
  self->mode = g_strdup ("");
  self->health = WEFT_AGENT_HEALTH_ACTIVE;
}

WeftAgentRecord *
weft_agent_record_new (const gchar *agent_id)
{
  return g_object_new (WEFT_TYPE_AGENT_RECORD, "agent-id", agent_id, NULL);
}

WeftAgentRecord *
weft_agent_record_copy (WeftAgentRecord *self)
{
  WeftAgentRecord *copy;

  g_return_val_if_fail (WEFT_IS_AGENT_RECORD (self), NULL);

  copy = weft_agent_record_new (self->agent_id);
  weft_agent_record_set_hostname (copy, self->hostname);
  weft_agent_record_set_ip (copy, self->ip);
  copy->port = self->port;
  weft_agent_record_set_sidecar_peer_id (copy, self->sidecar_peer_id);
  weft_agent_record_set_skills (copy, (const gchar *const *) self->skills);
  weft_agent_record_set_mcp_servers (copy, (const gchar *const *) self->mcp_servers);
  copy->goals_count = self->goals_count;
  weft_agent_record_set_capabilities_mode (copy, self->capabilities_mode);
  weft_agent_record_set_status (copy, self->status);
  weft_agent_record_set_mode (copy, self->mode);
  copy->health = self->health;
  copy->registered_at = self->registered_at;
  copy->last_heartbeat = self->last_heartbeat;
  weft_agent_record_set_owner (copy, self->owner);
  copy->capacity = self->capacity;
  copy->running_tasks = self->running_tasks;
  copy->load = self->load;
  return copy;
}

/* strings are never NULL in a record: the wire has "" for unset */
static void
replace_string (gchar **field, const gchar *value)
{
  if (g_strcmp0 (*field, value) == 0 && *field != NULL)
    return;
  g_free (*field);
  *field = g_strdup (value != NULL ? value : "");
}

static void
replace_strv (gchar ***field, const gchar *const *value)
{
  g_strfreev (*field);
  *field = value != NULL ? g_strdupv ((gchar **) value) : g_new0 (gchar *, 1);
}

WeftAgentRecord *
weft_agent_record_from_json_node (JsonNode *node, GError **error)
{
  JsonObject *object;
  JsonObject *capabilities = NULL;
  JsonNode *capabilities_node;
  g_autofree gchar *agent_id = NULL;
  g_autofree gchar *hostname = NULL;
  g_autofree gchar *ip = NULL;
  g_autofree gchar *sidecar_peer_id = NULL;
  g_autofree gchar *status = NULL;
  g_autofree gchar *mode = NULL;
  g_autofree gchar *capabilities_mode = NULL;
  g_auto (GStrv) skills = NULL;
  g_auto (GStrv) mcp_servers = NULL;
  guint64 port = WEFT_AGENT_RECORD_DEFAULT_PORT;
  guint64 goals_count = 0;
  WeftAgentRecord *record;

  object = weft_registry_json_require_object (node, error);
  if (object == NULL)
    return NULL;
  if (!weft_registry_json_get_string (object, "agent_id", TRUE, &agent_id, NULL, error) ||
      !weft_registry_json_get_string (object, "hostname", TRUE, &hostname, NULL, error) ||
      !weft_registry_json_get_string (object, "ip", FALSE, &ip, NULL, error) ||
      !weft_registry_json_get_uint (object, "port", G_MAXUINT16, &port, NULL, error) ||
      !weft_registry_json_get_string (object, "sidecar_peer_id", FALSE, &sidecar_peer_id, NULL,
                                      error))
    return NULL;

  capabilities_node = json_object_get_member (object, "capabilities");
  if (capabilities_node != NULL)
    {
      if (!JSON_NODE_HOLDS_OBJECT (capabilities_node))
        {
          g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT, _ ("Field “%s” must be %s"),
                       "capabilities", _ ("an object"));
          return NULL;
        }
      capabilities = json_node_get_object (capabilities_node);
      if (!weft_registry_json_get_strv (capabilities, "skills", &skills, NULL, error) ||
          !weft_registry_json_get_strv (capabilities, "mcp_servers", &mcp_servers, NULL, error) ||
          !weft_registry_json_get_uint (capabilities, "goals_count", G_MAXUINT32, &goals_count,
                                        NULL, error) ||
          !weft_registry_json_get_string (capabilities, "mode", FALSE, &capabilities_mode, NULL,
                                          error))
        {
          g_prefix_error (error, "capabilities: ");
          return NULL;
        }
    }

  if (!weft_registry_json_get_string (object, "status", FALSE, &status, NULL, error) ||
      !weft_registry_json_get_string (object, "mode", FALSE, &mode, NULL, error))
    return NULL;

  record = weft_agent_record_new (agent_id);
  weft_agent_record_set_hostname (record, hostname);
  weft_agent_record_set_ip (record, ip);
  record->port = (guint16) port;
  weft_agent_record_set_sidecar_peer_id (record, sidecar_peer_id);
  weft_agent_record_set_skills (record, (const gchar *const *) skills);
  weft_agent_record_set_mcp_servers (record, (const gchar *const *) mcp_servers);
  record->goals_count = (guint32) goals_count;
  weft_agent_record_set_capabilities_mode (record, capabilities_mode);
  weft_agent_record_set_status (record, status);
  weft_agent_record_set_mode (record, mode);
  return record;
}

WeftAgentRecord *
weft_agent_record_from_json (const gchar *data, gssize length, GError **error)
{
  g_autoptr (JsonNode) root = weft_registry_json_parse_object (data, length, error);

  if (root == NULL)
    return NULL;
  return weft_agent_record_from_json_node (root, error);
}

static void
add_strv (JsonBuilder *builder, const gchar *name, gchar **strv)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (gsize i = 0; strv != NULL && strv[i] != NULL; i++)
    json_builder_add_string_value (builder, strv[i]);
  json_builder_end_array (builder);
}

JsonNode *
weft_agent_record_to_json (WeftAgentRecord *self)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autofree gchar *registered_at = NULL;
  g_autofree gchar *last_heartbeat = NULL;

  g_return_val_if_fail (WEFT_IS_AGENT_RECORD (self), NULL);

  registered_at = weft_registry_format_rfc3339 (self->registered_at);
  last_heartbeat = weft_registry_format_rfc3339 (self->last_heartbeat);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "agent_id");
  json_builder_add_string_value (builder, self->agent_id);
  json_builder_set_member_name (builder, "hostname");
  json_builder_add_string_value (builder, self->hostname);
  json_builder_set_member_name (builder, "ip");
  json_builder_add_string_value (builder, self->ip);
  json_builder_set_member_name (builder, "port");
  json_builder_add_int_value (builder, self->port);
  json_builder_set_member_name (builder, "sidecar_peer_id");
  json_builder_add_string_value (builder, self->sidecar_peer_id);
  json_builder_set_member_name (builder, "capabilities");
  json_builder_begin_object (builder);
  add_strv (builder, "skills", self->skills);
  add_strv (builder, "mcp_servers", self->mcp_servers);
  json_builder_set_member_name (builder, "goals_count");
  json_builder_add_int_value (builder, self->goals_count);
  json_builder_set_member_name (builder, "mode");
  json_builder_add_string_value (builder, self->capabilities_mode);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, self->status);
  json_builder_set_member_name (builder, "mode");
  json_builder_add_string_value (builder, self->mode);
  json_builder_set_member_name (builder, "health");
  json_builder_add_string_value (builder, weft_agent_health_to_string (self->health));
  json_builder_set_member_name (builder, "registered_at");
  json_builder_add_string_value (builder, registered_at);
  json_builder_set_member_name (builder, "last_heartbeat");
  json_builder_add_string_value (builder, last_heartbeat);
  /* weft additions, after the reference's fields; clients ignore unknown members */
  json_builder_set_member_name (builder, "capacity");
  json_builder_add_int_value (builder, self->capacity);
  json_builder_set_member_name (builder, "running_tasks");
  json_builder_add_int_value (builder, self->running_tasks);
  json_builder_set_member_name (builder, "load");
  json_builder_add_double_value (builder, self->load);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

#define STRING_ACCESSORS(field)                                                  \
  const gchar *weft_agent_record_get_##field (WeftAgentRecord *self)             \
  {                                                                              \
    g_return_val_if_fail (WEFT_IS_AGENT_RECORD (self), NULL);                    \
    return self->field;                                                          \
  }                                                                              \
  void weft_agent_record_set_##field (WeftAgentRecord *self, const gchar *value) \
  {                                                                              \
    g_return_if_fail (WEFT_IS_AGENT_RECORD (self));                              \
    replace_string (&self->field, value);                                        \
  }

#define SCALAR_ACCESSORS(type, field)                                    \
  type weft_agent_record_get_##field (WeftAgentRecord *self)             \
  {                                                                      \
    g_return_val_if_fail (WEFT_IS_AGENT_RECORD (self), 0);               \
    return self->field;                                                  \
  }                                                                      \
  void weft_agent_record_set_##field (WeftAgentRecord *self, type value) \
  {                                                                      \
    g_return_if_fail (WEFT_IS_AGENT_RECORD (self));                      \
    self->field = value;                                                 \
  }

const gchar *
weft_agent_record_get_agent_id (WeftAgentRecord *self)
{
  g_return_val_if_fail (WEFT_IS_AGENT_RECORD (self), NULL);
  return self->agent_id;
}

STRING_ACCESSORS (hostname)
STRING_ACCESSORS (ip)
STRING_ACCESSORS (sidecar_peer_id)
STRING_ACCESSORS (capabilities_mode)
STRING_ACCESSORS (status)
STRING_ACCESSORS (mode)
SCALAR_ACCESSORS (guint16, port)
SCALAR_ACCESSORS (guint32, goals_count)
SCALAR_ACCESSORS (WeftAgentHealth, health)
SCALAR_ACCESSORS (gint64, registered_at)
SCALAR_ACCESSORS (gint64, last_heartbeat)
SCALAR_ACCESSORS (guint32, capacity)
SCALAR_ACCESSORS (guint32, running_tasks)
SCALAR_ACCESSORS (gdouble, load)

const gchar *const *
weft_agent_record_get_skills (WeftAgentRecord *self)
{
  g_return_val_if_fail (WEFT_IS_AGENT_RECORD (self), NULL);
  return (const gchar *const *) self->skills;
}

void
weft_agent_record_set_skills (WeftAgentRecord *self, const gchar *const *skills)
{
  g_return_if_fail (WEFT_IS_AGENT_RECORD (self));
  replace_strv (&self->skills, skills);
}

gboolean
weft_agent_record_has_skill (WeftAgentRecord *self, const gchar *skill)
{
  g_return_val_if_fail (WEFT_IS_AGENT_RECORD (self), FALSE);
  return skill != NULL && g_strv_contains ((const gchar *const *) self->skills, skill);
}

const gchar *const *
weft_agent_record_get_mcp_servers (WeftAgentRecord *self)
{
  g_return_val_if_fail (WEFT_IS_AGENT_RECORD (self), NULL);
  return (const gchar *const *) self->mcp_servers;
}

void
weft_agent_record_set_mcp_servers (WeftAgentRecord *self, const gchar *const *mcp_servers)
{
  g_return_if_fail (WEFT_IS_AGENT_RECORD (self));
  replace_strv (&self->mcp_servers, mcp_servers);
}

const gchar *
weft_agent_record_get_owner (WeftAgentRecord *self)
{
  g_return_val_if_fail (WEFT_IS_AGENT_RECORD (self), NULL);
  return self->owner;
}

void
weft_agent_record_set_owner (WeftAgentRecord *self, const gchar *owner)
{
  g_return_if_fail (WEFT_IS_AGENT_RECORD (self));
  if (owner != NULL && *owner == '\0')
    owner = NULL;
  g_free (self->owner);
  self->owner = g_strdup (owner);
}

/* heartbeat bodies */

WeftAgentHeartbeat *
weft_agent_heartbeat_new (const gchar *agent_id)
{
  WeftAgentHeartbeat *heartbeat = g_new0 (WeftAgentHeartbeat, 1);

  heartbeat->agent_id = g_strdup (agent_id != NULL ? agent_id : "");
  heartbeat->hostname = g_strdup ("");
  heartbeat->ip = g_strdup ("");
  heartbeat->port = WEFT_AGENT_RECORD_DEFAULT_PORT;
  heartbeat->status = g_strdup ("");
  heartbeat->mode = g_strdup ("");
  heartbeat->skill_names = g_new0 (gchar *, 1);
  heartbeat->mesh_peers = g_new0 (gchar *, 1);
  heartbeat->sidecar_peer_id = g_strdup ("");
  return heartbeat;
}

void
weft_agent_heartbeat_free (WeftAgentHeartbeat *heartbeat)
{
  if (heartbeat == NULL)
    return;
  g_free (heartbeat->agent_id);
  g_free (heartbeat->hostname);
  g_free (heartbeat->ip);
  g_free (heartbeat->status);
  g_free (heartbeat->mode);
  g_strfreev (heartbeat->skill_names);
  g_strfreev (heartbeat->mesh_peers);
  g_free (heartbeat->sidecar_peer_id);
  g_free (heartbeat);
}

static void
mark (WeftAgentHeartbeat *heartbeat, gboolean present, WeftAgentHeartbeatFields field)
{
  if (present)
    heartbeat->present |= field;
}

WeftAgentHeartbeat *
weft_agent_heartbeat_from_json_node (JsonNode *node, GError **error)
{
  g_autoptr (WeftAgentHeartbeat) heartbeat = weft_agent_heartbeat_new (NULL);
  JsonObject *object;
  guint64 port = WEFT_AGENT_RECORD_DEFAULT_PORT;
  guint64 skills_count = 0, goals_count = 0, uptime = 0, capacity = 0, running = 0;
  gboolean present = FALSE;

  object = weft_registry_json_require_object (node, error);
  if (object == NULL)
    return NULL;

  if (!weft_registry_json_get_string (object, "agent_id", TRUE, &heartbeat->agent_id, NULL, error))
    return NULL;

#define STRING_FIELD(name, flag)                                                                \
  if (!weft_registry_json_get_string (object, #name, FALSE, &heartbeat->name, &present, error)) \
    return NULL;                                                                                \
  mark (heartbeat, present, flag);

#define UINT_FIELD(name, max, var, flag)                                        \
  if (!weft_registry_json_get_uint (object, #name, max, &var, &present, error)) \
    return NULL;                                                                \
  mark (heartbeat, present, flag);

  STRING_FIELD (hostname, WEFT_AGENT_HEARTBEAT_HOSTNAME)
  STRING_FIELD (ip, WEFT_AGENT_HEARTBEAT_IP)
  UINT_FIELD (port, G_MAXUINT16, port, WEFT_AGENT_HEARTBEAT_PORT)
  STRING_FIELD (status, WEFT_AGENT_HEARTBEAT_STATUS)
  STRING_FIELD (mode, WEFT_AGENT_HEARTBEAT_MODE)
  UINT_FIELD (skills_count, G_MAXUINT32, skills_count, WEFT_AGENT_HEARTBEAT_SKILLS_COUNT)
  UINT_FIELD (goals_count, G_MAXUINT32, goals_count, WEFT_AGENT_HEARTBEAT_GOALS_COUNT)
  UINT_FIELD (uptime_seconds, G_MAXUINT64, uptime, WEFT_AGENT_HEARTBEAT_UPTIME_SECONDS)
  if (!weft_registry_json_get_strv (object, "skill_names", &heartbeat->skill_names, &present,
                                    error))
    return NULL;
  mark (heartbeat, present, WEFT_AGENT_HEARTBEAT_SKILL_NAMES);
  STRING_FIELD (sidecar_peer_id, WEFT_AGENT_HEARTBEAT_SIDECAR_PEER_ID)
  UINT_FIELD (capacity, G_MAXUINT32, capacity, WEFT_AGENT_HEARTBEAT_CAPACITY)
  UINT_FIELD (running_tasks, G_MAXUINT32, running, WEFT_AGENT_HEARTBEAT_RUNNING_TASKS)
  if (!weft_registry_json_get_double (object, "load", &heartbeat->load, &present, error))
    return NULL;
  mark (heartbeat, present, WEFT_AGENT_HEARTBEAT_LOAD);
  if (!weft_registry_json_get_strv (object, "mesh_peers", &heartbeat->mesh_peers, &present, error))
    return NULL;
  mark (heartbeat, present, WEFT_AGENT_HEARTBEAT_MESH_PEERS);

#undef STRING_FIELD
#undef UINT_FIELD

  heartbeat->port = (guint16) port;
  heartbeat->skills_count = (guint32) skills_count;
  heartbeat->goals_count = (guint32) goals_count;
  heartbeat->uptime_seconds = uptime;
  heartbeat->capacity = (guint32) capacity;
  heartbeat->running_tasks = (guint32) running;
  return g_steal_pointer (&heartbeat);
}

WeftAgentHeartbeat *
weft_agent_heartbeat_from_json (const gchar *data, gssize length, GError **error)
{
  g_autoptr (JsonNode) root = weft_registry_json_parse_object (data, length, error);

  if (root == NULL)
    return NULL;
  return weft_agent_heartbeat_from_json_node (root, error);
}
