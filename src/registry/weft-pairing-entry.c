/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "weft-pairing-entry.h"
#include "weft-registry-types.h"

struct _WeftPairingEntry
{
  GObject parent_instance;

  gchar *id;         /* (owned) */
  gchar *agent_name; /* (owned) */
  gchar *peer_id;    /* (owned) */
  WeftPairingStatus status;
  gint64 created_at;
  gint64 updated_at;

  gchar *claim_token_hash;    /* (owned) (nullable) */
  gchar *device_token_hash;   /* (owned) (nullable) */
  gchar *sealed_device_token; /* (owned) (nullable) */
  gboolean claimed;
};

G_DEFINE_FINAL_TYPE (WeftPairingEntry, weft_pairing_entry, G_TYPE_OBJECT)

static const gchar *const status_names[] = {
  [WEFT_PAIRING_STATUS_PENDING_APPROVAL] = "pending_approval",
  [WEFT_PAIRING_STATUS_APPROVED] = "approved",
  [WEFT_PAIRING_STATUS_REJECTED] = "rejected",
  [WEFT_PAIRING_STATUS_REVOKED] = "revoked",
};

const gchar *
weft_pairing_status_to_string (WeftPairingStatus status)
{
  if ((guint) status >= G_N_ELEMENTS (status_names))
    return "pending_approval";
  return status_names[status];
}

gboolean
weft_pairing_status_from_string (const gchar *str, WeftPairingStatus *status)
{
  for (guint i = 0; i < G_N_ELEMENTS (status_names); i++)
    {
      if (g_strcmp0 (str, status_names[i]) == 0)
        {
          *status = (WeftPairingStatus) i;
          return TRUE;
        }
    }
  return FALSE;
}

static void
weft_pairing_entry_finalize (GObject *object)
{
  WeftPairingEntry *self = WEFT_PAIRING_ENTRY (object);

  g_free (self->id);
  g_free (self->agent_name);
  g_free (self->peer_id);
  g_free (self->claim_token_hash);
  g_free (self->device_token_hash);
  g_free (self->sealed_device_token);

  G_OBJECT_CLASS (weft_pairing_entry_parent_class)->finalize (object);
}

static void
weft_pairing_entry_class_init (WeftPairingEntryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = weft_pairing_entry_finalize;
}

static void
weft_pairing_entry_init (WeftPairingEntry *self)
{
  self->status = WEFT_PAIRING_STATUS_PENDING_APPROVAL;
}

WeftPairingEntry *
weft_pairing_entry_new (const gchar *id,
                        const gchar *agent_name,
                        const gchar *peer_id,
                        gint64 created_at)
{
  WeftPairingEntry *self = g_object_new (WEFT_TYPE_PAIRING_ENTRY, NULL);

  self->id = g_strdup (id != NULL ? id : "");
  self->agent_name = g_strdup (agent_name != NULL ? agent_name : "");
  self->peer_id = g_strdup (peer_id != NULL ? peer_id : "");
  self->created_at = created_at;
  self->updated_at = created_at;
  return self;
}

WeftPairingEntry *
weft_pairing_entry_copy (WeftPairingEntry *self)
{
  WeftPairingEntry *copy;

  g_return_val_if_fail (WEFT_IS_PAIRING_ENTRY (self), NULL);

  copy = weft_pairing_entry_new (self->id, self->agent_name, self->peer_id, self->created_at);
  copy->status = self->status;
  copy->updated_at = self->updated_at;
  copy->claim_token_hash = g_strdup (self->claim_token_hash);
  copy->device_token_hash = g_strdup (self->device_token_hash);
  copy->sealed_device_token = g_strdup (self->sealed_device_token);
  copy->claimed = self->claimed;
  return copy;
}

JsonNode *
weft_pairing_entry_to_json (WeftPairingEntry *self)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (WEFT_IS_PAIRING_ENTRY (self), NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, self->id);
  json_builder_set_member_name (builder, "agent_name");
  json_builder_add_string_value (builder, self->agent_name);
  json_builder_set_member_name (builder, "peer_id");
  json_builder_add_string_value (builder, self->peer_id);
  /* the reference puts device_token here for approved and revoked entries; weft
   * never does: the token is handed out once, by the claim */
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, weft_pairing_status_to_string (self->status));
  json_builder_set_member_name (builder, "created_at");
  json_builder_add_double_value (builder, weft_registry_usec_to_seconds (self->created_at));
  json_builder_set_member_name (builder, "updated_at");
  json_builder_add_double_value (builder, weft_registry_usec_to_seconds (self->updated_at));
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

const gchar *
weft_pairing_entry_get_id (WeftPairingEntry *self)
{
  g_return_val_if_fail (WEFT_IS_PAIRING_ENTRY (self), NULL);
  return self->id;
}

const gchar *
weft_pairing_entry_get_agent_name (WeftPairingEntry *self)
{
  g_return_val_if_fail (WEFT_IS_PAIRING_ENTRY (self), NULL);
  return self->agent_name;
}

const gchar *
weft_pairing_entry_get_peer_id (WeftPairingEntry *self)
{
  g_return_val_if_fail (WEFT_IS_PAIRING_ENTRY (self), NULL);
  return self->peer_id;
}

WeftPairingStatus
weft_pairing_entry_get_status (WeftPairingEntry *self)
{
  g_return_val_if_fail (WEFT_IS_PAIRING_ENTRY (self), WEFT_PAIRING_STATUS_PENDING_APPROVAL);
  return self->status;
}

void
weft_pairing_entry_set_status (WeftPairingEntry *self, WeftPairingStatus status)
{
  g_return_if_fail (WEFT_IS_PAIRING_ENTRY (self));
  self->status = status;
}

gint64
weft_pairing_entry_get_created_at (WeftPairingEntry *self)
{
  g_return_val_if_fail (WEFT_IS_PAIRING_ENTRY (self), 0);
  return self->created_at;
}

gint64
weft_pairing_entry_get_updated_at (WeftPairingEntry *self)
{
  g_return_val_if_fail (WEFT_IS_PAIRING_ENTRY (self), 0);
  return self->updated_at;
}

void
weft_pairing_entry_set_updated_at (WeftPairingEntry *self, gint64 usec)
{
  g_return_if_fail (WEFT_IS_PAIRING_ENTRY (self));
  self->updated_at = usec;
}

#define SECRET_ACCESSORS(field)                                                    \
  const gchar *weft_pairing_entry_get_##field (WeftPairingEntry *self)             \
  {                                                                                \
    g_return_val_if_fail (WEFT_IS_PAIRING_ENTRY (self), NULL);                     \
    return self->field;                                                            \
  }                                                                                \
  void weft_pairing_entry_set_##field (WeftPairingEntry *self, const gchar *value) \
  {                                                                                \
    g_return_if_fail (WEFT_IS_PAIRING_ENTRY (self));                               \
    if (value != NULL && *value == '\0')                                           \
      value = NULL;                                                                \
    g_free (self->field);                                                          \
    self->field = g_strdup (value);                                                \
  }

SECRET_ACCESSORS (claim_token_hash)
SECRET_ACCESSORS (device_token_hash)
SECRET_ACCESSORS (sealed_device_token)

gboolean
weft_pairing_entry_get_claimed (WeftPairingEntry *self)
{
  g_return_val_if_fail (WEFT_IS_PAIRING_ENTRY (self), FALSE);
  return self->claimed;
}

void
weft_pairing_entry_set_claimed (WeftPairingEntry *self, gboolean claimed)
{
  g_return_if_fail (WEFT_IS_PAIRING_ENTRY (self));
  self->claimed = claimed;
}
