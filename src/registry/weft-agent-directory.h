/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "weft-agent-record.h"
#include "weft-registry-types.h"
#include "weft-store.h"

G_BEGIN_DECLS

/* the reference's health thresholds (chatixia-wire §5) */
#define WEFT_AGENT_DIRECTORY_DEFAULT_STALE_AFTER_MS   (90 * 1000)
#define WEFT_AGENT_DIRECTORY_DEFAULT_OFFLINE_AFTER_MS (270 * 1000)
/* longest time a heartbeat that only moved last_heartbeat stays unwritten */
#define WEFT_AGENT_DIRECTORY_DEFAULT_FLUSH_INTERVAL_MS 2000

#define WEFT_TYPE_AGENT_DIRECTORY (weft_agent_directory_get_type ())
G_DECLARE_FINAL_TYPE (WeftAgentDirectory, weft_agent_directory, WEFT, AGENT_DIRECTORY, GObject)

/* loads every agent from @store; properties: "store" (construct-only),
 * "stale-after-ms", "offline-after-ms", "flush-interval-ms" */
WeftAgentDirectory *
weft_agent_directory_new (WeftStore *store, GError **error);

void
weft_agent_directory_set_clock (WeftAgentDirectory *self, WeftClockFunc clock, gpointer user_data);
gint64
weft_agent_directory_now (WeftAgentDirectory *self);
void
weft_agent_directory_set_thresholds (WeftAgentDirectory *self,
                                     guint stale_after_ms,
                                     guint offline_after_ms);
guint
weft_agent_directory_get_stale_after_ms (WeftAgentDirectory *self);
guint
weft_agent_directory_get_offline_after_ms (WeftAgentDirectory *self);

/* POST /api/registry/agents: replaces any record with that id (keeping nothing but
 * the owner check), health active, both timestamps now, owner = actor's credential.
 * PERMISSION_DENIED when the existing record belongs to another credential.
 * Durable when it returns. Returns (transfer full) the stored record. */
WeftAgentRecord *
weft_agent_directory_register (WeftAgentDirectory *self,
                               WeftAgentRecord *info,
                               const WeftActor *actor,
                               GError **error);

/* POST /api/hub/heartbeat: upsert. Unlike the reference, fields the body omits
 * keep their stored value. A heartbeat that changes only last_heartbeat (and the
 * volatile load figures) is written within "flush-interval-ms"; anything else is
 * durable when it returns. Returns (transfer full) the record. */
WeftAgentRecord *
weft_agent_directory_heartbeat (WeftAgentDirectory *self,
                                const WeftAgentHeartbeat *heartbeat,
                                const WeftActor *actor,
                                GError **error);
/* the same, returning (transfer full) the stored record itself rather than a
 * copy: cheaper, but it keeps changing with later updates of the agent */
WeftAgentRecord *
weft_agent_directory_apply_heartbeat (WeftAgentDirectory *self,
                                      const WeftAgentHeartbeat *heartbeat,
                                      const WeftActor *actor,
                                      GError **error);

/* (transfer full) (element-type WeftAgentRecord) copies with health computed now,
 * ordered by agent_id */
GPtrArray *
weft_agent_directory_list (WeftAgentDirectory *self);
/* (transfer full) a copy with health computed now; NOT_FOUND */
WeftAgentRecord *
weft_agent_directory_get (WeftAgentDirectory *self, const gchar *agent_id, GError **error);
/* (transfer none) (nullable) the stored record, valid until the directory next
 * changes; its health is the stored one, not recomputed */
WeftAgentRecord *
weft_agent_directory_peek (WeftAgentDirectory *self, const gchar *agent_id);
/* NOT_FOUND, PERMISSION_DENIED */
gboolean
weft_agent_directory_remove (WeftAgentDirectory *self,
                             const gchar *agent_id,
                             const WeftActor *actor,
                             GError **error);
WeftAgentHealth
weft_agent_directory_get_health (WeftAgentDirectory *self, const gchar *agent_id);
guint
weft_agent_directory_get_size (WeftAgentDirectory *self);

/* GET /api/registry/route: the least-loaded active agent with @skill (exact,
 * case-sensitive); load = max(reported running tasks, tasks the registry has
 * assigned and not seen finish) / capacity (capacity 0 counts as 1); ties go to
 * the agent assigned least recently. @push_only restricts to agents marked
 * push-connected. NOT_FOUND "no agent found with skill". (transfer full) */
WeftAgentRecord *
weft_agent_directory_route (WeftAgentDirectory *self,
                            const gchar *skill,
                            gboolean push_only,
                            GError **error);
/* whether @agent_id is active and has a free slot (capacity 0 = always) */
gboolean
weft_agent_directory_has_free_slot (WeftAgentDirectory *self, const gchar *agent_id);

/* the registry's own count of tasks it handed to an agent and has not seen
 * finish; kept by WeftTaskQueue, not persisted (rebuilt from the tasks on load) */
void
weft_agent_directory_set_inflight (WeftAgentDirectory *self, const gchar *agent_id, guint inflight);
guint
weft_agent_directory_get_inflight (WeftAgentDirectory *self, const gchar *agent_id);
void
weft_agent_directory_note_assigned (WeftAgentDirectory *self, const gchar *agent_id);

/* the server marks an agent that holds a /ws connection, so tasks can be pushed
 * to it; emits "agent-available" when it becomes connected */
void
weft_agent_directory_set_push_connected (WeftAgentDirectory *self,
                                         const gchar *agent_id,
                                         gboolean connected);
gboolean
weft_agent_directory_get_push_connected (WeftAgentDirectory *self, const gchar *agent_id);

/* GET /api/hub/network/topology (chatixia-wire §2.7); (transfer full) */
JsonNode *
weft_agent_directory_build_topology (WeftAgentDirectory *self);

/* recompute health; emits "health-changed" (agent_id, old WeftAgentHealth, new)
 * for every change; flushes coalesced heartbeats that are due. Called by the
 * timer of _start() or by tests. */
void
weft_agent_directory_tick (WeftAgentDirectory *self);
/* writes every pending coalesced heartbeat now */
gboolean
weft_agent_directory_flush (WeftAgentDirectory *self, GError **error);
/* attach a periodic tick (interval = min(stale/6, flush interval)) to the thread-default
 * main context; _stop() removes it and flushes */
void
weft_agent_directory_start (WeftAgentDirectory *self);
void
weft_agent_directory_stop (WeftAgentDirectory *self);

/* signals:
 *   "health-changed" (const gchar *agent_id, gint old_health, gint new_health)
 *   "agent-available" (const gchar *agent_id): registered, heartbeated or push-connected
 *   "agent-removed" (const gchar *agent_id) */

const gchar *const *
weft_agent_directory_get_mesh_report (WeftAgentDirectory *self, const gchar *agent_id);

G_END_DECLS
