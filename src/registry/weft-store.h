/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "weft-agent-record.h"
#include "weft-pairing-entry.h"

G_BEGIN_DECLS

/* WeftTask comes from libweft; only pointers cross this header */
typedef struct _WeftTask WeftTask;

/**
 * WeftStoreTask:
 * @task: (owned): the task
 * @submitter: (owned) (nullable): credential id of whoever submitted it, for
 *   the cancel permission; %NULL when submitted anonymously
 *
 * A task as the store keeps it: the task plus the registry's bookkeeping.
 */
typedef struct
{
  WeftTask *task;
  gchar *submitter;
} WeftStoreTask;

WeftStoreTask *
weft_store_task_new (WeftTask *task, const gchar *submitter);
void
weft_store_task_free (WeftStoreTask *stored);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WeftStoreTask, weft_store_task_free)

/**
 * WeftStoreInviteCode:
 *
 * A pairing invite code. Codes are 6 digits (20 bits), so hashing them would
 * protect nothing; they are stored as they are and live 300 s.
 */
typedef struct
{
  gchar *code;       /* (owned) */
  gchar *creator;    /* (owned) (nullable) peer id of the key that made it */
  gint64 created_at; /* usec since the epoch */
  gboolean used;
} WeftStoreInviteCode;

WeftStoreInviteCode *
weft_store_invite_code_new (const gchar *code,
                            const gchar *creator,
                            gint64 created_at,
                            gboolean used);
void
weft_store_invite_code_free (WeftStoreInviteCode *code);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WeftStoreInviteCode, weft_store_invite_code_free)

/**
 * WeftStoreApiKey:
 *
 * An API key as stored: never the key itself, only its digest.
 */
typedef struct
{
  gchar *id;         /* (owned) public handle of the key, e.g. a prefix or a label */
  gchar *key_hash;   /* (owned) lowercase hex SHA-256 of the key */
  gchar *peer_id;    /* (owned) */
  gchar *role;       /* (owned) "agent" or "admin" */
  gint64 created_at; /* usec since the epoch */
} WeftStoreApiKey;

WeftStoreApiKey *
weft_store_api_key_new (const gchar *id,
                        const gchar *key_hash,
                        const gchar *peer_id,
                        const gchar *role,
                        gint64 created_at);
void
weft_store_api_key_free (WeftStoreApiKey *key);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WeftStoreApiKey, weft_store_api_key_free)

#define WEFT_TYPE_STORE (weft_store_get_type ())
G_DECLARE_INTERFACE (WeftStore, weft_store, WEFT, STORE, GObject)

/**
 * WeftStoreInterface:
 *
 * The persistence contract of the registry. Every method is synchronous and
 * returns only once the change is durable: the caller acknowledges a request
 * after the call returns. Methods that take an array write it in one
 * transaction (all or nothing). Loaders return (transfer full) arrays with a
 * free function set.
 */
struct _WeftStoreInterface
{
  GTypeInterface g_iface;

  /* agents (element-type WeftAgentRecord) */
  gboolean (*save_agents) (WeftStore *self, GPtrArray *records, GError **error);
  gboolean (*delete_agent) (WeftStore *self, const gchar *agent_id, GError **error);
  GPtrArray *(*load_agents) (WeftStore *self, GError **error);

  /* tasks (element-type WeftStoreTask) */
  gboolean (*save_tasks) (WeftStore *self, GPtrArray *tasks, GError **error);
  gboolean (*delete_tasks) (WeftStore *self, const gchar *const *task_ids, GError **error);
  GPtrArray *(*load_tasks) (WeftStore *self, GError **error);

  /* pairing (element-type WeftPairingEntry / WeftStoreInviteCode) */
  gboolean (*save_pairing_entry) (WeftStore *self, WeftPairingEntry *entry, GError **error);
  GPtrArray *(*load_pairing_entries) (WeftStore *self, GError **error);
  gboolean (*save_invite_code) (WeftStore *self, WeftStoreInviteCode *code, GError **error);
  gboolean (*delete_invite_codes) (WeftStore *self, const gchar *const *codes, GError **error);
  GPtrArray *(*load_invite_codes) (WeftStore *self, GError **error);

  /* api keys (element-type WeftStoreApiKey) */
  gboolean (*save_api_key) (WeftStore *self, WeftStoreApiKey *key, GError **error);
  gboolean (*delete_api_key) (WeftStore *self, const gchar *id, GError **error);
  GPtrArray *(*load_api_keys) (WeftStore *self, GError **error);

  gpointer padding[8];
};

gboolean
weft_store_save_agent (WeftStore *self, WeftAgentRecord *record, GError **error);
gboolean
weft_store_save_agents (WeftStore *self, GPtrArray *records, GError **error);
gboolean
weft_store_delete_agent (WeftStore *self, const gchar *agent_id, GError **error);
GPtrArray *
weft_store_load_agents (WeftStore *self, GError **error);

gboolean
weft_store_save_task (WeftStore *self, WeftTask *task, const gchar *submitter, GError **error);
gboolean
weft_store_save_tasks (WeftStore *self, GPtrArray *tasks, GError **error);
gboolean
weft_store_delete_tasks (WeftStore *self, const gchar *const *task_ids, GError **error);
GPtrArray *
weft_store_load_tasks (WeftStore *self, GError **error);

gboolean
weft_store_save_pairing_entry (WeftStore *self, WeftPairingEntry *entry, GError **error);
GPtrArray *
weft_store_load_pairing_entries (WeftStore *self, GError **error);
gboolean
weft_store_save_invite_code (WeftStore *self, WeftStoreInviteCode *code, GError **error);
gboolean
weft_store_delete_invite_codes (WeftStore *self, const gchar *const *codes, GError **error);
GPtrArray *
weft_store_load_invite_codes (WeftStore *self, GError **error);

gboolean
weft_store_save_api_key (WeftStore *self, WeftStoreApiKey *key, GError **error);
gboolean
weft_store_delete_api_key (WeftStore *self, const gchar *id, GError **error);
GPtrArray *
weft_store_load_api_keys (WeftStore *self, GError **error);

G_END_DECLS
