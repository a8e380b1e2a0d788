/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "weft-pairing-entry.h"
#include "weft-registry-types.h"
#include "weft-store.h"

G_BEGIN_DECLS

#define WEFT_PAIRING_DEFAULT_CODE_LIFETIME_S 300
#define WEFT_PAIRING_DEFAULT_RATE_LIMIT      5
#define WEFT_PAIRING_DEFAULT_RATE_WINDOW_S   60

#define WEFT_TYPE_PAIRING (weft_pairing_get_type ())
G_DECLARE_FINAL_TYPE (WeftPairing, weft_pairing, WEFT, PAIRING, GObject)

/* loads entries and live invite codes from @store. Properties: "store"
 * (construct-only), "code-lifetime-s", "rate-limit", "rate-window-s" */
WeftPairing *
weft_pairing_new (WeftStore *store, GError **error);
void
weft_pairing_set_clock (WeftPairing *self, WeftClockFunc clock, gpointer user_data);
void
weft_pairing_set_rate_limit (WeftPairing *self, guint max_attempts, guint window_s);

/* request body of POST /api/pairing/pair: {"code": string, "agent_name": string},
 * both required; INVALID_DATA for non-JSON, INVALID_ARGUMENT naming the field */
gboolean
weft_pairing_pair_request_from_json (const gchar *data,
                                     gssize length,
                                     gchar **code,
                                     gchar **agent_name,
                                     GError **error);

/* POST /api/pairing/generate-code: (transfer full) a fresh 6-digit code, unique
 * among live codes; @expires_in (out) (optional) its lifetime in seconds */
gchar *
weft_pairing_generate_code (WeftPairing *self,
                            const gchar *creator,
                            guint *expires_in,
                            GError **error);

/* POST /api/pairing/pair, in the reference's order: RATE_LIMITED ("too many
 * pairing attempts, try again later") per @client_address; INVALID_DATA ("code
 * must be exactly 6 digits", "agent_name is required"); NOT_AUTHENTICATED
 * ("invalid or expired pairing code"). On success the code is used up and a
 * pending entry is stored; @claim_token (out) receives the one-time token to
 * claim the device token with. Returns (transfer full) the entry. */
WeftPairingEntry *
weft_pairing_pair (WeftPairing *self,
                   const gchar *client_address,
                   const gchar *code,
                   const gchar *agent_name,
                   gchar **claim_token,
                   GError **error);

/* (transfer full) (element-type WeftPairingEntry), oldest first */
GPtrArray *
weft_pairing_list (WeftPairing *self);
GPtrArray *
weft_pairing_list_pending (WeftPairing *self);
/* (transfer full) NOT_FOUND */
WeftPairingEntry *
weft_pairing_get (WeftPairing *self, const gchar *id, GError **error);

/* admin transitions: NOT_FOUND for an unknown id, INVALID_STATE for a wrong
 * status. Approval generates the device token; it is never returned here, only
 * by weft_pairing_claim(). Revocation emits "revoked" (entry id, peer_id).
 * Each returns (transfer full) the entry after the change. */
WeftPairingEntry *
weft_pairing_approve (WeftPairing *self, const gchar *id, GError **error);
WeftPairingEntry *
weft_pairing_reject (WeftPairing *self, const gchar *id, GError **error);
WeftPairingEntry *
weft_pairing_revoke (WeftPairing *self, const gchar *id, GError **error);

/* POST /api/pairing/{id}/claim: NOT_FOUND; NOT_AUTHENTICATED (wrong claim token);
 * GONE when the token was claimed already (410); INVALID_STATE only while
 * pending (the server answers 202); PERMISSION_DENIED when rejected or revoked
 * before the claim (403). On success returns (transfer full) the device token,
 * exactly once. */
gchar *
weft_pairing_claim (WeftPairing *self, const gchar *id, const gchar *claim_token, GError **error);

/* X-Device-Token at /api/token: (transfer full) the approved entry the token
 * belongs to; NOT_AUTHENTICATED otherwise */
WeftPairingEntry *
weft_pairing_lookup_device_token (WeftPairing *self, const gchar *device_token, GError **error);
/* whether @peer_id belongs to an approved entry (signaling authorisation) */
gboolean
weft_pairing_is_peer_approved (WeftPairing *self, const gchar *peer_id);

/* drops used/expired codes and empty rate-limit buckets */
void
weft_pairing_tick (WeftPairing *self);
void
weft_pairing_start (WeftPairing *self);
void
weft_pairing_stop (WeftPairing *self);

/* helpers shared with the server (API keys): lowercase hex SHA-256 of @token, and
 * a constant-time comparison of two NUL-terminated strings */
gchar *
weft_pairing_hash_token (const gchar *token);
gboolean
weft_pairing_secure_equal (const gchar *a, const gchar *b);
/* fills @buffer with @length bytes from the system CSPRNG */
gboolean
weft_pairing_random_bytes (guint8 *buffer, gsize length, GError **error);

/* signals:
 *   "revoked" (const gchar *entry_id, const gchar *peer_id) */

G_END_DECLS
