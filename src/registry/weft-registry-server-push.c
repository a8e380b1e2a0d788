/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* WeftRegistryServer: task push, agent bindings and the WeftAuth backend */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "weft.h"
#include "weft-pairing-entry.h"
#include "weft-registry-server-private.h"

/* ---- push: tasks to agents and submitters ---- */

static const gchar *
peer_for_agent (WeftRegistryServer *self, const gchar *agent_id)
{
  const gchar *peer = g_hash_table_lookup (self->bindings, agent_id);

  if (peer != NULL && weft_signaling_hub_has_peer (self->hub, peer))
    return peer;
  return NULL;
}

static JsonNode *
task_frame (const gchar *type, const gchar *target, WeftTask *task, const gchar *agent_id)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) payload = NULL;

  json_builder_begin_object (b);
  if (agent_id != NULL)
    {
      json_builder_set_member_name (b, "agent_id");
      json_builder_add_string_value (b, agent_id);
    }
  json_builder_set_member_name (b, "task");
  json_builder_add_value (b, weft_task_to_json_node (task));
  json_builder_end_object (b);
  payload = json_builder_get_root (b);
  return weft_signaling_frame_new (type, "registry", target, payload);
}

static void
on_task_assigned (WeftTaskQueue *queue, WeftTask *task, const gchar *agent_id, gpointer user_data)
{
  WeftRegistryServer *self = user_data;
  const gchar *peer = peer_for_agent (self, agent_id);
  g_autoptr (JsonNode) frame = NULL;

  if (peer == NULL)
    return;
  frame = task_frame ("task_assigned", peer, task, agent_id);
  weft_signaling_hub_send (self->hub, peer, frame);
}

static void
on_task_updated (WeftTaskQueue *queue, WeftTask *task, const gchar *submitter, gpointer user_data)
{
  WeftRegistryServer *self = user_data;
  g_autoptr (JsonNode) frame = NULL;

  if (submitter == NULL || submitter[0] == '\0')
    return;
  frame = task_frame ("task_updated", NULL, task, NULL);
  weft_signaling_hub_send_to_credential (self->hub, submitter, frame);
}

void
weft_registry_server_bind_agent (WeftRegistryServer *self,
                                 const gchar *agent_id,
                                 const gchar *peer_id)
{
  const gchar *old = g_hash_table_lookup (self->bindings, agent_id);

  if (g_strcmp0 (old, peer_id) == 0)
    return;
  g_hash_table_insert (self->bindings, g_strdup (agent_id), g_strdup (peer_id));
  g_debug ("agent %s reachable on signaling peer %s", agent_id, peer_id);
  weft_agent_directory_set_push_connected (self->directory, agent_id, TRUE);
}

/* whether @principal may receive the tasks of the agent @record */
static gboolean
principal_may_serve (WeftPrincipal *principal, WeftAgentRecord *record)
{
  WeftActor actor = { principal->anonymous ? NULL : principal->credential_id,
                      weft_principal_is_admin (principal) };

  return weft_actor_may_act_for (&actor, weft_agent_record_get_owner (record));
}

/* binds @record to the socket that asked for its tasks, once both exist */
void
weft_registry_server_refresh_binding (WeftRegistryServer *self, WeftAgentRecord *record)
{
  const gchar *agent_id = weft_agent_record_get_agent_id (record);
  const gchar *peer;
  WeftPrincipal *p;

  if (peer_for_agent (self, agent_id) != NULL)
    return;
  peer = g_hash_table_lookup (self->wanted, agent_id);
  if (peer == NULL)
    return;
  p = weft_signaling_hub_get_principal (self->hub, peer);
  if (p != NULL && principal_may_serve (p, record))
    weft_registry_server_bind_agent (self, agent_id, peer);
}

static void
on_peer_registered (WeftSignalingHub *hub,
                    const gchar *peer_id,
                    WeftPrincipal *principal,
                    JsonNode *payload,
                    gpointer user_data)
{
  WeftRegistryServer *self = user_data;
  JsonNode *id;
  g_autoptr (WeftAgentRecord) record = NULL;

  /* only a socket that names its agent ({"agent_id": "..."} in the register payload) gets
   * tasks pushed: a chatixia sidecar ignores task frames, and a task pushed to it would be
   * hidden from its agent's heartbeats */
  if (payload == NULL || !JSON_NODE_HOLDS_OBJECT (payload))
    return;
  id = json_object_get_member (json_node_get_object (payload), "agent_id");
  if (id == NULL || json_node_get_value_type (id) != G_TYPE_STRING ||
      json_node_get_string (id)[0] == '\0')
    return;
  g_hash_table_insert (self->wanted, g_strdup (json_node_get_string (id)), g_strdup (peer_id));
  /* the agent may register over HTTP before or after its socket */
  record = weft_agent_directory_get (self->directory, json_node_get_string (id), NULL);
  if (record != NULL)
    weft_registry_server_refresh_binding (self, record);
}

static gboolean
value_is_peer (gpointer key, gpointer value, gpointer peer_id)
{
  return g_str_equal (value, peer_id);
}

static void
on_peer_left (WeftSignalingHub *hub,
              const gchar *peer_id,
              WeftPrincipal *principal,
              gpointer user_data)
{
  WeftRegistryServer *self = user_data;
  GHashTableIter iter;
  const gchar *agent_id, *bound;
  g_autoptr (GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);

  g_hash_table_iter_init (&iter, self->bindings);
  while (g_hash_table_iter_next (&iter, (gpointer *) &agent_id, (gpointer *) &bound))
    if (g_str_equal (bound, peer_id))
      g_ptr_array_add (gone, g_strdup (agent_id));
  for (guint i = 0; i < gone->len; i++)
    {
      g_hash_table_remove (self->bindings, g_ptr_array_index (gone, i));
      weft_agent_directory_set_push_connected (self->directory, g_ptr_array_index (gone, i), FALSE);
    }
  g_hash_table_foreach_remove (self->wanted, value_is_peer, (gpointer) peer_id);
}

static void
on_pairing_revoked (WeftPairing *pairing,
                    const gchar *entry_id,
                    const gchar *peer_id,
                    gpointer user_data)
{
  WeftRegistryServer *self = user_data;
  g_autofree gchar *credential_id = g_strconcat ("device:", entry_id, NULL);

  weft_auth_revoke_credential (self->auth, credential_id);
}

/* ---- WeftAuth backend over the pairing state and the store ---- */

static gboolean
backend_lookup_device_token (gpointer user_data,
                             const gchar *device_token,
                             gchar **out_entry_id,
                             gchar **out_peer_id)
{
  WeftRegistryServer *self = user_data;
  g_autoptr (WeftPairingEntry) entry =
    weft_pairing_lookup_device_token (self->pairing, device_token, NULL);

  if (entry == NULL)
    return FALSE;
  *out_entry_id = g_strdup (weft_pairing_entry_get_id (entry));
  *out_peer_id = g_strdup (weft_pairing_entry_get_peer_id (entry));
  return TRUE;
}

static gboolean
backend_entry_is_approved (gpointer user_data, const gchar *entry_id)
{
  WeftRegistryServer *self = user_data;
  g_autoptr (WeftPairingEntry) entry = weft_pairing_get (self->pairing, entry_id, NULL);

  return entry != NULL && weft_pairing_entry_get_status (entry) == WEFT_PAIRING_STATUS_APPROVED;
}

static gboolean
backend_peer_is_approved (gpointer user_data, const gchar *peer_id)
{
  WeftRegistryServer *self = user_data;

  return weft_pairing_is_peer_approved (self->pairing, peer_id);
}

static gboolean
backend_save_key (gpointer user_data,
                  const WeftApiKeyInfo *info,
                  const gchar *key_hash,
                  GError **error)
{
  WeftRegistryServer *self = user_data;
  g_autoptr (WeftStoreApiKey) key =
    weft_store_api_key_new (info->id, key_hash, info->peer_id, weft_role_to_string (info->role),
                            info->created_at * G_USEC_PER_SEC);

  return weft_store_save_api_key (self->store, key, error);
}

static gboolean
backend_delete_key (gpointer user_data, const gchar *id, GError **error)
{
  WeftRegistryServer *self = user_data;

  return weft_store_delete_api_key (self->store, id, error);
}

const WeftAuthBackend weft_registry_server_auth_backend = {
  backend_lookup_device_token, backend_entry_is_approved,
  backend_peer_is_approved,    backend_save_key,
  backend_delete_key,
};

gboolean
weft_registry_server_load_keys (WeftRegistryServer *self, GError **error)
{
  WeftRegistryConfig *config = self->config;
  g_autoptr (GPtrArray) stored = NULL;
  gboolean have_file =
    config->api_keys_file != NULL &&
    (config->api_keys_file_explicit || g_file_test (config->api_keys_file, G_FILE_TEST_EXISTS));

  /* Weft only falls back to the built-in dev key in --dev mode */
  if (have_file)
    {
      if (!weft_auth_load_api_keys_file (self->auth, config->api_keys_file, config->dev, error))
        return FALSE;
    }
  else if (config->dev)
    weft_auth_add_dev_key (self->auth);

  stored = weft_store_load_api_keys (self->store, error);
  if (stored == NULL)
    return FALSE;
  for (guint i = 0; i < stored->len; i++)
    {
      WeftStoreApiKey *k = g_ptr_array_index (stored, i);
      WeftApiKeyInfo info = { k->id, k->peer_id, WEFT_ROLE_AGENT,
                              NULL,  FALSE,      k->created_at / G_USEC_PER_SEC };
      g_autoptr (GError) local_error = NULL;

      if (!weft_role_from_string (k->role, &info.role))
        {
          g_warning ("Ignoring stored API key %s: unknown role %s", k->id, k->role);
          continue;
        }
      if (!weft_auth_add_stored_key (self->auth, &info, k->key_hash, &local_error))
        g_warning ("Ignoring stored API key %s: %s", k->id, local_error->message);
    }
  return TRUE;
}

void
weft_registry_server_connect_push (WeftRegistryServer *self)
{
  g_signal_connect (self->tasks, "task-assigned", G_CALLBACK (on_task_assigned), self);
  g_signal_connect (self->tasks, "task-updated", G_CALLBACK (on_task_updated), self);
  g_signal_connect (self->hub, "peer-registered", G_CALLBACK (on_peer_registered), self);
  g_signal_connect (self->hub, "peer-left", G_CALLBACK (on_peer_left), self);
  g_signal_connect (self->pairing, "revoked", G_CALLBACK (on_pairing_revoked), self);
}
