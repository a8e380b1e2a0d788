/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "weft-agent.h"
#include "weft-mesh-rpc-private.h"

G_BEGIN_DECLS

/* WeftMeshAgent: puts a WeftAgent on the direct path. it owns the agent's
 * WeftMesh and WeftMeshRpc (on the agent's signaling connection, with the
 * manifest's connect mode and idle timeout), runs incoming task_request
 * frames with the agent's skills and answers task_response, hands
 * agent_prompt to the agent's ::agent-prompt, and delegates over a channel
 * when one is up or can be made within the budget. a delegation that fails
 * with WEFT_ERROR_UNAVAILABLE reached nobody: the caller takes the registry
 * path and reports it with weft_mesh_agent_report_fallback(). a
 * fire-and-forget delegation (weft_mesh_agent_post_async()) answers once the
 * request is on the channel. incoming calls count against the agent's
 * concurrency limit; past it they are answered `busy`, which sends the
 * caller to the registry queue. */

#define WEFT_TYPE_MESH_AGENT (weft_mesh_agent_get_type ())
G_DECLARE_FINAL_TYPE (WeftMeshAgent, weft_mesh_agent, WEFT, MESH_AGENT, GObject)

WeftMeshAgent *
weft_mesh_agent_new (WeftAgent *agent);
WeftMesh *
weft_mesh_agent_get_mesh (WeftMeshAgent *self);
WeftMeshRpc *
weft_mesh_agent_get_rpc (WeftMeshAgent *self);
void
weft_mesh_agent_start (WeftMeshAgent *self);
void
weft_mesh_agent_stop (WeftMeshAgent *self);

void
weft_mesh_agent_delegate_async (WeftMeshAgent *self,
                                const gchar *target_agent_id,
                                const gchar *skill,
                                const gchar *message,
                                JsonNode *args,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data);
gchar *
weft_mesh_agent_delegate_finish (WeftMeshAgent *self,
                                 GAsyncResult *result,
                                 WeftMeshRoute **route,
                                 GError **error);

void
weft_mesh_agent_post_async (WeftMeshAgent *self,
                            const gchar *target_agent_id,
                            const gchar *skill,
                            const gchar *message,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data);
gchar *
weft_mesh_agent_post_finish (WeftMeshAgent *self,
                             GAsyncResult *result,
                             WeftMeshRoute **route,
                             GError **error);

guint
weft_mesh_agent_get_n_running (WeftMeshAgent *self);

gboolean
weft_mesh_agent_has_channel (WeftMeshAgent *self, const gchar *target_agent_id);
void
weft_mesh_agent_send_async (WeftMeshAgent *self,
                            const gchar *target_agent_id,
                            const gchar *message,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data);
gboolean
weft_mesh_agent_send_finish (WeftMeshAgent *self,
                             GAsyncResult *result,
                             WeftMeshRoute **route,
                             GError **error);
gchar **
weft_mesh_agent_broadcast (WeftMeshAgent *self, const gchar *message);

void
weft_mesh_agent_report_fallback (WeftMeshAgent *self,
                                 const gchar *kind,
                                 const gchar *target,
                                 const gchar *reason,
                                 gint64 elapsed_us,
                                 gboolean ok);
JsonNode *
weft_mesh_agent_dup_routes (WeftMeshAgent *self);

G_END_DECLS
