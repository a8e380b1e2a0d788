/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "weft-error.h"
#include "weft-store.h"
#include "weft-task.h"

G_DEFINE_INTERFACE (WeftStore, weft_store, G_TYPE_OBJECT)

static void
weft_store_default_init (WeftStoreInterface *iface)
{
}

WeftStoreTask *
weft_store_task_new (WeftTask *task, const gchar *submitter)
{
  WeftStoreTask *stored = g_new0 (WeftStoreTask, 1);

  stored->task = g_object_ref (task);
  stored->submitter = (submitter != NULL && *submitter != '\0') ? g_strdup (submitter) : NULL;
  return stored;
}

void
weft_store_task_free (WeftStoreTask *stored)
{
  if (stored == NULL)
    return;
  g_clear_object (&stored->task);
  g_free (stored->submitter);
  g_free (stored);
}

WeftStoreInviteCode *
weft_store_invite_code_new (const gchar *code,
                            const gchar *creator,
                            gint64 created_at,
                            gboolean used)
{
  WeftStoreInviteCode *invite = g_new0 (WeftStoreInviteCode, 1);

  invite->code = g_strdup (code);
  invite->creator = g_strdup (creator);
  invite->created_at = created_at;
  invite->used = used;
  return invite;
}

void
weft_store_invite_code_free (WeftStoreInviteCode *code)
{
  if (code == NULL)
    return;
  g_free (code->code);
  g_free (code->creator);
  g_free (code);
}

WeftStoreApiKey *
weft_store_api_key_new (const gchar *id,
                        const gchar *key_hash,
                        const gchar *peer_id,
                        const gchar *role,
                        gint64 created_at)
{
  WeftStoreApiKey *key = g_new0 (WeftStoreApiKey, 1);

  key->id = g_strdup (id);
  key->key_hash = g_strdup (key_hash);
  key->peer_id = g_strdup (peer_id);
  key->role = g_strdup (role);
  key->created_at = created_at;
  return key;
}

void
weft_store_api_key_free (WeftStoreApiKey *key)
{
  if (key == NULL)
    return;
  g_free (key->id);
  g_free (key->key_hash);
  g_free (key->peer_id);
  g_free (key->role);
  g_free (key);
}

static gboolean
not_supported (WeftStore *self, const gchar *what, GError **error)
{
  g_set_error (error, WEFT_ERROR, WEFT_ERROR_NOT_SUPPORTED, _ ("The %s store cannot %s"),
               G_OBJECT_TYPE_NAME (self), what);
  return FALSE;
}

#define IFACE(self) WEFT_STORE_GET_IFACE (self)

gboolean
weft_store_save_agents (WeftStore *self, GPtrArray *records, GError **error)
{
  g_return_val_if_fail (WEFT_IS_STORE (self), FALSE);
  g_return_val_if_fail (records != NULL, FALSE);
  if (IFACE (self)->save_agents == NULL)
    return not_supported (self, "save agents", error);
  if (records->len == 0)
    return TRUE;
  return IFACE (self)->save_agents (self, records, error);
}

gboolean
weft_store_save_agent (WeftStore *self, WeftAgentRecord *record, GError **error)
{
  g_autoptr (GPtrArray) records = g_ptr_array_new ();

  g_return_val_if_fail (WEFT_IS_AGENT_RECORD (record), FALSE);
  g_ptr_array_add (records, record);
  return weft_store_save_agents (self, records, error);
}

gboolean
weft_store_delete_agent (WeftStore *self, const gchar *agent_id, GError **error)
{
  g_return_val_if_fail (WEFT_IS_STORE (self), FALSE);
  if (IFACE (self)->delete_agent == NULL)
    return not_supported (self, "delete agents", error);
  return IFACE (self)->delete_agent (self, agent_id, error);
}

GPtrArray *
weft_store_load_agents (WeftStore *self, GError **error)
{
  g_return_val_if_fail (WEFT_IS_STORE (self), NULL);
  if (IFACE (self)->load_agents == NULL)
    {
      not_supported (self, "load agents", error);
      return NULL;
    }
  return IFACE (self)->load_agents (self, error);
}

gboolean
weft_store_save_task (WeftStore *self, WeftTask *task, const gchar *submitter, GError **error)
{
  g_autoptr (GPtrArray) tasks =
    g_ptr_array_new_with_free_func ((GDestroyNotify) weft_store_task_free);

  g_return_val_if_fail (WEFT_IS_TASK (task), FALSE);
  g_ptr_array_add (tasks, weft_store_task_new (task, submitter));
  return weft_store_save_tasks (self, tasks, error);
}

gboolean
weft_store_save_tasks (WeftStore *self, GPtrArray *tasks, GError **error)
{
  g_return_val_if_fail (WEFT_IS_STORE (self), FALSE);
  g_return_val_if_fail (tasks != NULL, FALSE);
  if (IFACE (self)->save_tasks == NULL)
    return not_supported (self, "save tasks", error);
  if (tasks->len == 0)
    return TRUE;
  return IFACE (self)->save_tasks (self, tasks, error);
}

gboolean
weft_store_delete_tasks (WeftStore *self, const gchar *const *task_ids, GError **error)
{
  g_return_val_if_fail (WEFT_IS_STORE (self), FALSE);
  if (IFACE (self)->delete_tasks == NULL)
    return not_supported (self, "delete tasks", error);
  if (task_ids == NULL || task_ids[0] == NULL)
    return TRUE;
  return IFACE (self)->delete_tasks (self, task_ids, error);
}

GPtrArray *
weft_store_load_tasks (WeftStore *self, GError **error)
{
  g_return_val_if_fail (WEFT_IS_STORE (self), NULL);
  if (IFACE (self)->load_tasks == NULL)
    {
      not_supported (self, "load tasks", error);
      return NULL;
    }
  return IFACE (self)->load_tasks (self, error);
}

gboolean
weft_store_save_pairing_entry (WeftStore *self, WeftPairingEntry *entry, GError **error)
{
  g_return_val_if_fail (WEFT_IS_STORE (self), FALSE);
  g_return_val_if_fail (WEFT_IS_PAIRING_ENTRY (entry), FALSE);
  if (IFACE (self)->save_pairing_entry == NULL)
    return not_supported (self, "save pairing entries", error);
  return IFACE (self)->save_pairing_entry (self, entry, error);
}

GPtrArray *
weft_store_load_pairing_entries (WeftStore *self, GError **error)
{
  g_return_val_if_fail (WEFT_IS_STORE (self), NULL);
  if (IFACE (self)->load_pairing_entries == NULL)
    {
      not_supported (self, "load pairing entries", error);
      return NULL;
    }
  return IFACE (self)->load_pairing_entries (self, error);
}

gboolean
weft_store_save_invite_code (WeftStore *self, WeftStoreInviteCode *code, GError **error)
{
  g_return_val_if_fail (WEFT_IS_STORE (self), FALSE);
  g_return_val_if_fail (code != NULL, FALSE);
  if (IFACE (self)->save_invite_code == NULL)
    return not_supported (self, "save invite codes", error);
  return IFACE (self)->save_invite_code (self, code, error);
}

gboolean
weft_store_delete_invite_codes (WeftStore *self, const gchar *const *codes, GError **error)
{
  g_return_val_if_fail (WEFT_IS_STORE (self), FALSE);
  if (IFACE (self)->delete_invite_codes == NULL)
    return not_supported (self, "delete invite codes", error);
  if (codes == NULL || codes[0] == NULL)
    return TRUE;
  return IFACE (self)->delete_invite_codes (self, codes, error);
}

GPtrArray *
weft_store_load_invite_codes (WeftStore *self, GError **error)
{
  g_return_val_if_fail (WEFT_IS_STORE (self), NULL);
  if (IFACE (self)->load_invite_codes == NULL)
    {
      not_supported (self, "load invite codes", error);
      return NULL;
    }
  return IFACE (self)->load_invite_codes (self, error);
}

gboolean
weft_store_save_api_key (WeftStore *self, WeftStoreApiKey *key, GError **error)
{
  g_return_val_if_fail (WEFT_IS_STORE (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  if (IFACE (self)->save_api_key == NULL)
    return not_supported (self, "save API keys", error);
  return IFACE (self)->save_api_key (self, key, error);
}

gboolean
weft_store_delete_api_key (WeftStore *self, const gchar *id, GError **error)
{
  g_return_val_if_fail (WEFT_IS_STORE (self), FALSE);
  if (IFACE (self)->delete_api_key == NULL)
    return not_supported (self, "delete API keys", error);
  return IFACE (self)->delete_api_key (self, id, error);
}

GPtrArray *
weft_store_load_api_keys (WeftStore *self, GError **error)
{
  g_return_val_if_fail (WEFT_IS_STORE (self), NULL);
  if (IFACE (self)->load_api_keys == NULL)
    {
      not_supported (self, "load API keys", error);
      return NULL;
    }
  return IFACE (self)->load_api_keys (self, error);
}
