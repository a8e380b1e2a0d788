/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__WEFT_INSIDE__) && !defined(WEFT_COMPILATION)
#error "Only <weft.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "weft-version-macros.h"

G_BEGIN_DECLS

#define WEFT_TYPE_REGISTRY_CLIENT (weft_registry_client_get_type ())
WEFT_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (WeftRegistryClient, weft_registry_client, WEFT, REGISTRY_CLIENT, GObject)

WEFT_AVAILABLE_IN_ALL
WeftRegistryClient *
weft_registry_client_new (const gchar *base_url);

WEFT_AVAILABLE_IN_ALL
const gchar *
weft_registry_client_get_base_url (WeftRegistryClient *self);
WEFT_AVAILABLE_IN_ALL
gchar *
weft_registry_client_dup_ws_url (WeftRegistryClient *self);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_registry_client_get_api_key (WeftRegistryClient *self);
WEFT_AVAILABLE_IN_ALL
void
weft_registry_client_set_api_key (WeftRegistryClient *self, const gchar *api_key);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_registry_client_get_device_token (WeftRegistryClient *self);
WEFT_AVAILABLE_IN_ALL
void
weft_registry_client_set_device_token (WeftRegistryClient *self, const gchar *device_token);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_registry_client_get_token (WeftRegistryClient *self);
WEFT_AVAILABLE_IN_ALL
gint64
weft_registry_client_get_token_expiry (WeftRegistryClient *self);
WEFT_AVAILABLE_IN_ALL
const gchar *
weft_registry_client_get_peer_id (WeftRegistryClient *self);
WEFT_AVAILABLE_IN_ALL
guint
weft_registry_client_get_timeout (WeftRegistryClient *self);
WEFT_AVAILABLE_IN_ALL
void
weft_registry_client_set_timeout (WeftRegistryClient *self, guint seconds);

WEFT_AVAILABLE_IN_ALL
void
weft_registry_client_request_async (WeftRegistryClient *self,
                                    const gchar *method,
                                    const gchar *path,
                                    JsonNode *body,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
WEFT_AVAILABLE_IN_ALL
JsonNode *
weft_registry_client_request_finish (WeftRegistryClient *self,
                                     GAsyncResult *result,
                                     GError **error);

WEFT_AVAILABLE_IN_ALL
void
weft_registry_client_fetch_token_async (WeftRegistryClient *self,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data);
WEFT_AVAILABLE_IN_ALL
gchar *
weft_registry_client_fetch_token_finish (WeftRegistryClient *self,
                                         GAsyncResult *result,
                                         gchar **peer_id,
                                         GError **error);

WEFT_AVAILABLE_IN_ALL
void
weft_registry_client_register_async (WeftRegistryClient *self,
                                     JsonNode *agent_info,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);
WEFT_AVAILABLE_IN_ALL
gboolean
weft_registry_client_register_finish (WeftRegistryClient *self,
                                      GAsyncResult *result,
                                      GError **error);

WEFT_AVAILABLE_IN_ALL
void
weft_registry_client_heartbeat_async (WeftRegistryClient *self,
                                      JsonNode *heartbeat,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
WEFT_AVAILABLE_IN_ALL
JsonNode *
weft_registry_client_heartbeat_finish (WeftRegistryClient *self,
                                       GAsyncResult *result,
                                       GError **error);

WEFT_AVAILABLE_IN_ALL
void
weft_registry_client_deregister_async (WeftRegistryClient *self,
                                       const gchar *agent_id,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data);
WEFT_AVAILABLE_IN_ALL
gboolean
weft_registry_client_deregister_finish (WeftRegistryClient *self,
                                        GAsyncResult *result,
                                        GError **error);

WEFT_AVAILABLE_IN_ALL
void
weft_registry_client_list_agents_async (WeftRegistryClient *self,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data);
WEFT_AVAILABLE_IN_ALL
JsonNode *
weft_registry_client_list_agents_finish (WeftRegistryClient *self,
                                         GAsyncResult *result,
                                         GError **error);

WEFT_AVAILABLE_IN_ALL
void
weft_registry_client_get_agent_async (WeftRegistryClient *self,
                                      const gchar *agent_id,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
WEFT_AVAILABLE_IN_ALL
JsonNode *
weft_registry_client_get_agent_finish (WeftRegistryClient *self,
                                       GAsyncResult *result,
                                       GError **error);

WEFT_AVAILABLE_IN_ALL
void
weft_registry_client_route_async (WeftRegistryClient *self,
                                  const gchar *skill,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data);
WEFT_AVAILABLE_IN_ALL
JsonNode *
weft_registry_client_route_finish (WeftRegistryClient *self, GAsyncResult *result, GError **error);

WEFT_AVAILABLE_IN_ALL
void
weft_registry_client_submit_task_async (WeftRegistryClient *self,
                                        JsonNode *task,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data);
WEFT_AVAILABLE_IN_ALL
gchar *
weft_registry_client_submit_task_finish (WeftRegistryClient *self,
                                         GAsyncResult *result,
                                         GError **error);

WEFT_AVAILABLE_IN_ALL
void
weft_registry_client_get_task_async (WeftRegistryClient *self,
                                     const gchar *task_id,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);
WEFT_AVAILABLE_IN_ALL
JsonNode *
weft_registry_client_get_task_finish (WeftRegistryClient *self,
                                      GAsyncResult *result,
                                      GError **error);

WEFT_AVAILABLE_IN_ALL
void
weft_registry_client_list_tasks_async (WeftRegistryClient *self,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data);
WEFT_AVAILABLE_IN_ALL
JsonNode *
weft_registry_client_list_tasks_finish (WeftRegistryClient *self,
                                        GAsyncResult *result,
                                        GError **error);

WEFT_AVAILABLE_IN_ALL
void
weft_registry_client_update_task_async (WeftRegistryClient *self,
                                        const gchar *task_id,
                                        const gchar *state,
                                        const gchar *result,
                                        const gchar *error_text,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data);
WEFT_AVAILABLE_IN_ALL
gboolean
weft_registry_client_update_task_finish (WeftRegistryClient *self,
                                         GAsyncResult *result,
                                         GError **error);

WEFT_AVAILABLE_IN_ALL
void
weft_registry_client_cancel_task_async (WeftRegistryClient *self,
                                        const gchar *task_id,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data);
WEFT_AVAILABLE_IN_ALL
gboolean
weft_registry_client_cancel_task_finish (WeftRegistryClient *self,
                                         GAsyncResult *result,
                                         GError **error);

WEFT_AVAILABLE_IN_ALL
void
weft_registry_client_get_ice_config_async (WeftRegistryClient *self,
                                           GCancellable *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer user_data);
WEFT_AVAILABLE_IN_ALL
JsonNode *
weft_registry_client_get_ice_config_finish (WeftRegistryClient *self,
                                            GAsyncResult *result,
                                            GError **error);

WEFT_AVAILABLE_IN_ALL
void
weft_registry_client_pair_async (WeftRegistryClient *self,
                                 const gchar *code,
                                 const gchar *agent_name,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data);
WEFT_AVAILABLE_IN_ALL
JsonNode *
weft_registry_client_pair_finish (WeftRegistryClient *self, GAsyncResult *result, GError **error);

WEFT_AVAILABLE_IN_ALL
void
weft_registry_client_claim_async (WeftRegistryClient *self,
                                  const gchar *entry_id,
                                  const gchar *claim_token,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data);
WEFT_AVAILABLE_IN_ALL
JsonNode *
weft_registry_client_claim_finish (WeftRegistryClient *self, GAsyncResult *result, GError **error);

G_END_DECLS
