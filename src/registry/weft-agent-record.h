/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "weft-registry-types.h"

G_BEGIN_DECLS

/* the reference's default port when a body omits it (chatixia-wire §2.4, §2.5) */
#define WEFT_AGENT_RECORD_DEFAULT_PORT 8000

#define WEFT_TYPE_AGENT_RECORD (weft_agent_record_get_type ())
G_DECLARE_FINAL_TYPE (WeftAgentRecord, weft_agent_record, WEFT, AGENT_RECORD, GObject)

WeftAgentRecord *
weft_agent_record_new (const gchar *agent_id);
WeftAgentRecord *
weft_agent_record_copy (WeftAgentRecord *self);

/* request body of POST /api/registry/agents (chatixia-wire §2.4): INVALID_DATA when
 * @data is not JSON, INVALID_ARGUMENT naming the field for a wrong type or a missing
 * required field; timestamps are left at 0 */
WeftAgentRecord *
weft_agent_record_from_json (const gchar *data, gssize length, GError **error);
WeftAgentRecord *
weft_agent_record_from_json_node (JsonNode *node, GError **error);

/* the wire shape of list/get/route, fields in the reference's order, followed by
 * Weft's additions (capacity, running_tasks, load); never the owner */
JsonNode *
weft_agent_record_to_json (WeftAgentRecord *self);

const gchar *
weft_agent_record_get_agent_id (WeftAgentRecord *self);
const gchar *
weft_agent_record_get_hostname (WeftAgentRecord *self);
void
weft_agent_record_set_hostname (WeftAgentRecord *self, const gchar *hostname);
const gchar *
weft_agent_record_get_ip (WeftAgentRecord *self);
void
weft_agent_record_set_ip (WeftAgentRecord *self, const gchar *ip);
guint16
weft_agent_record_get_port (WeftAgentRecord *self);
void
weft_agent_record_set_port (WeftAgentRecord *self, guint16 port);
const gchar *
weft_agent_record_get_sidecar_peer_id (WeftAgentRecord *self);
void
weft_agent_record_set_sidecar_peer_id (WeftAgentRecord *self, const gchar *sidecar_peer_id);
const gchar *const *
weft_agent_record_get_skills (WeftAgentRecord *self);
void
weft_agent_record_set_skills (WeftAgentRecord *self, const gchar *const *skills);
gboolean
weft_agent_record_has_skill (WeftAgentRecord *self, const gchar *skill);
const gchar *const *
weft_agent_record_get_mcp_servers (WeftAgentRecord *self);
void
weft_agent_record_set_mcp_servers (WeftAgentRecord *self, const gchar *const *mcp_servers);
guint32
weft_agent_record_get_goals_count (WeftAgentRecord *self);
void
weft_agent_record_set_goals_count (WeftAgentRecord *self, guint32 goals_count);
/* capabilities.mode, distinct from the top-level mode */
const gchar *
weft_agent_record_get_capabilities_mode (WeftAgentRecord *self);
void
weft_agent_record_set_capabilities_mode (WeftAgentRecord *self, const gchar *mode);
const gchar *
weft_agent_record_get_status (WeftAgentRecord *self);
void
weft_agent_record_set_status (WeftAgentRecord *self, const gchar *status);
const gchar *
weft_agent_record_get_mode (WeftAgentRecord *self);
void
weft_agent_record_set_mode (WeftAgentRecord *self, const gchar *mode);
WeftAgentHealth
weft_agent_record_get_health (WeftAgentRecord *self);
void
weft_agent_record_set_health (WeftAgentRecord *self, WeftAgentHealth health);
/* microseconds since the Unix epoch */
gint64
weft_agent_record_get_registered_at (WeftAgentRecord *self);
void
weft_agent_record_set_registered_at (WeftAgentRecord *self, gint64 usec);
gint64
weft_agent_record_get_last_heartbeat (WeftAgentRecord *self);
void
weft_agent_record_set_last_heartbeat (WeftAgentRecord *self, gint64 usec);

/* weft additions */
const gchar *
weft_agent_record_get_owner (WeftAgentRecord *self);
void
weft_agent_record_set_owner (WeftAgentRecord *self, const gchar *owner);
/* tasks the agent can run at once as it reported; 0 means not reported (unbounded) */
guint32
weft_agent_record_get_capacity (WeftAgentRecord *self);
void
weft_agent_record_set_capacity (WeftAgentRecord *self, guint32 capacity);
guint32
weft_agent_record_get_running_tasks (WeftAgentRecord *self);
void
weft_agent_record_set_running_tasks (WeftAgentRecord *self, guint32 running_tasks);
/* free-form load figure the agent reported (e.g. 1-minute load average); informative */
gdouble
weft_agent_record_get_load (WeftAgentRecord *self);
void
weft_agent_record_set_load (WeftAgentRecord *self, gdouble load);

/**
 * WeftAgentHeartbeatFields:
 *
 * Which optional members of a #WeftAgentHeartbeat the body carried. Weft only
 * overwrites the fields a heartbeat carries (the reference resets omitted ones
 * to their defaults).
 */
typedef enum
{
  WEFT_AGENT_HEARTBEAT_HOSTNAME = 1 << 0,
  WEFT_AGENT_HEARTBEAT_IP = 1 << 1,
  WEFT_AGENT_HEARTBEAT_PORT = 1 << 2,
  WEFT_AGENT_HEARTBEAT_STATUS = 1 << 3,
  WEFT_AGENT_HEARTBEAT_MODE = 1 << 4,
  WEFT_AGENT_HEARTBEAT_SKILLS_COUNT = 1 << 5,
  WEFT_AGENT_HEARTBEAT_GOALS_COUNT = 1 << 6,
  WEFT_AGENT_HEARTBEAT_UPTIME_SECONDS = 1 << 7,
  WEFT_AGENT_HEARTBEAT_SKILL_NAMES = 1 << 8,
  WEFT_AGENT_HEARTBEAT_SIDECAR_PEER_ID = 1 << 9,
  WEFT_AGENT_HEARTBEAT_CAPACITY = 1 << 10,
  WEFT_AGENT_HEARTBEAT_RUNNING_TASKS = 1 << 11,
  WEFT_AGENT_HEARTBEAT_LOAD = 1 << 12,
  WEFT_AGENT_HEARTBEAT_MESH_PEERS = 1 << 13,
} WeftAgentHeartbeatFields;

/**
 * WeftAgentHeartbeat:
 *
 * A decoded `POST /api/hub/heartbeat` body (chatixia-wire §2.5) plus Weft's
 * optional `capacity`, `running_tasks`, `load` and `mesh_peers`. Members hold the reference's
 * defaults when absent; @present says which were given.
 */
typedef struct
{
  gchar *agent_id; /* (owned) */
  gchar *hostname; /* (owned) */
  gchar *ip;       /* (owned) */
  guint16 port;
  gchar *status; /* (owned) */
  gchar *mode;   /* (owned) */
  guint32 skills_count;
  guint32 goals_count;
  guint64 uptime_seconds;
  gchar **skill_names;    /* (owned) (array zero-terminated=1) */
  gchar *sidecar_peer_id; /* (owned) */
  guint32 capacity;
  guint32 running_tasks;
  gdouble load;
  gchar **mesh_peers; /* (owned) (array zero-terminated=1) peers with an open DataChannel */
  WeftAgentHeartbeatFields present;
} WeftAgentHeartbeat;

WeftAgentHeartbeat *
weft_agent_heartbeat_new (const gchar *agent_id);
void
weft_agent_heartbeat_free (WeftAgentHeartbeat *heartbeat);
WeftAgentHeartbeat *
weft_agent_heartbeat_from_json (const gchar *data, gssize length, GError **error);
WeftAgentHeartbeat *
weft_agent_heartbeat_from_json_node (JsonNode *node, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WeftAgentHeartbeat, weft_agent_heartbeat_free)

G_END_DECLS
