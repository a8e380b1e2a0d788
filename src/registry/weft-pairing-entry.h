/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/**
 * WeftPairingStatus:
 *
 * Status of an onboarding entry (chatixia-wire §2.8). Legal transitions:
 * pending_approval → approved | rejected, approved → revoked.
 */
typedef enum
{
  WEFT_PAIRING_STATUS_PENDING_APPROVAL,
  WEFT_PAIRING_STATUS_APPROVED,
  WEFT_PAIRING_STATUS_REJECTED,
  WEFT_PAIRING_STATUS_REVOKED,
} WeftPairingStatus;

const gchar *
weft_pairing_status_to_string (WeftPairingStatus status);
gboolean
weft_pairing_status_from_string (const gchar *str, WeftPairingStatus *status);

#define WEFT_TYPE_PAIRING_ENTRY (weft_pairing_entry_get_type ())
G_DECLARE_FINAL_TYPE (WeftPairingEntry, weft_pairing_entry, WEFT, PAIRING_ENTRY, GObject)

WeftPairingEntry *
weft_pairing_entry_new (const gchar *id,
                        const gchar *agent_name,
                        const gchar *peer_id,
                        gint64 created_at);
WeftPairingEntry *
weft_pairing_entry_copy (WeftPairingEntry *self);

/* the list shape {"id","agent_name","peer_id","status","created_at","updated_at"}
 * (times as float Unix seconds); never a device token, unlike the reference */
JsonNode *
weft_pairing_entry_to_json (WeftPairingEntry *self);

const gchar *
weft_pairing_entry_get_id (WeftPairingEntry *self);
const gchar *
weft_pairing_entry_get_agent_name (WeftPairingEntry *self);
const gchar *
weft_pairing_entry_get_peer_id (WeftPairingEntry *self);
WeftPairingStatus
weft_pairing_entry_get_status (WeftPairingEntry *self);
void
weft_pairing_entry_set_status (WeftPairingEntry *self, WeftPairingStatus status);
/* microseconds since the Unix epoch */
gint64
weft_pairing_entry_get_created_at (WeftPairingEntry *self);
gint64
weft_pairing_entry_get_updated_at (WeftPairingEntry *self);
void
weft_pairing_entry_set_updated_at (WeftPairingEntry *self, gint64 usec);

/* secrets, as stored: lowercase hex SHA-256 digests; the sealed device token is
 * the token encrypted under a key derived from the claim token, kept only until
 * the claim (see weft-pairing.c) */
const gchar *
weft_pairing_entry_get_claim_token_hash (WeftPairingEntry *self);
void
weft_pairing_entry_set_claim_token_hash (WeftPairingEntry *self, const gchar *hash);
const gchar *
weft_pairing_entry_get_device_token_hash (WeftPairingEntry *self);
void
weft_pairing_entry_set_device_token_hash (WeftPairingEntry *self, const gchar *hash);
const gchar *
weft_pairing_entry_get_sealed_device_token (WeftPairingEntry *self);
void
weft_pairing_entry_set_sealed_device_token (WeftPairingEntry *self, const gchar *sealed);
gboolean
weft_pairing_entry_get_claimed (WeftPairingEntry *self);
void
weft_pairing_entry_set_claimed (WeftPairingEntry *self, gboolean claimed);

G_END_DECLS
