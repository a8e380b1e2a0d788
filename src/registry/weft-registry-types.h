/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * WeftClockFunc:
 * @user_data: data given with the function
 *
 * A wall clock for the registry's logic. Tests install one that they move by
 * hand, so that timeouts of minutes run in microseconds.
 *
 * Returns: the current time in microseconds since the Unix epoch, like
 *   g_get_real_time()
 */
typedef gint64 (*WeftClockFunc) (gpointer user_data);

/**
 * WeftActor:
 * @credential_id: (nullable): the id of the credential that made the request
 *   (an API key's peer id, a device token's peer id); %NULL for an anonymous
 *   caller admitted by the anonymous policy
 * @admin: whether the credential has the `admin` role
 *
 * Who asks for a change. Logic functions take a `const WeftActor *` that may be
 * %NULL: %NULL means the registry itself (maintenance, D-Bus administration)
 * and is allowed everything.
 *
 * Ownership rule used throughout: an admin may act on anything; otherwise the
 * actor's @credential_id must equal the owner of the object. An object made
 * anonymously (%NULL or empty owner) is open to every caller, as everything is
 * in the reference; with the default anonymous policy `none` no such object
 * exists.
 */
typedef struct
{
  const gchar *credential_id;
  gboolean admin;
} WeftActor;

/**
 * WeftAgentHealth:
 * @WEFT_AGENT_HEALTH_ACTIVE: heartbeat seen within the stale threshold
 * @WEFT_AGENT_HEALTH_STALE: no heartbeat for longer than the stale threshold
 * @WEFT_AGENT_HEALTH_OFFLINE: no heartbeat for longer than the offline threshold
 *
 * Health of a registered agent, as the reference computes it (§5).
 */
typedef enum
{
  WEFT_AGENT_HEALTH_ACTIVE,
  WEFT_AGENT_HEALTH_STALE,
  WEFT_AGENT_HEALTH_OFFLINE,
} WeftAgentHealth;

const gchar *
weft_agent_health_to_string (WeftAgentHealth health);
gboolean
weft_actor_may_act_for (const WeftActor *actor, const gchar *owner);
gint64
weft_registry_default_clock (gpointer user_data);
gchar *
weft_registry_format_rfc3339 (gint64 usec);
gdouble
weft_registry_usec_to_seconds (gint64 usec);

G_END_DECLS
