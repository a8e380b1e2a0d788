/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "weft-registry-types.h"

const gchar *
weft_agent_health_to_string (WeftAgentHealth health)
{
  switch (health)
    {
      case WEFT_AGENT_HEALTH_ACTIVE:
        return "active";
      case WEFT_AGENT_HEALTH_STALE:
        return "stale";
      case WEFT_AGENT_HEALTH_OFFLINE:
        return "offline";
      default:
        return "offline";
    }
}

static gboolean
owner_is_anonymous (const gchar *owner)
{
  return owner == NULL || *owner == '\0';
}

/* see WeftActor: NULL actor = the registry; admins may do anything; an object
 * made anonymously (no owner) is open to every caller, as everything is in the
 * reference; otherwise the credential must be the owner */
gboolean
weft_actor_may_act_for (const WeftActor *actor, const gchar *owner)
{
  if (actor == NULL || actor->admin)
    return TRUE;
  if (owner_is_anonymous (owner))
    return TRUE;
  if (actor->credential_id == NULL)
    return FALSE;
  return g_strcmp0 (actor->credential_id, owner) == 0;
}

gint64
weft_registry_default_clock (gpointer user_data)
{
  return g_get_real_time ();
}

/* chrono's to_rfc3339(): "+00:00" offset and the shortest of 0, 3, 6 fractional
 * digits that is exact (we keep microseconds) */
gchar *
weft_registry_format_rfc3339 (gint64 usec)
{
  gint64 secs = usec / G_USEC_PER_SEC;
  gint64 frac = usec % G_USEC_PER_SEC;
  g_autoptr (GDateTime) dt = NULL;
  g_autofree gchar *base = NULL;

  if (frac < 0)
    {
      frac += G_USEC_PER_SEC;
      secs -= 1;
    }
  dt = g_date_time_new_from_unix_utc (secs);
  if (dt == NULL)
    dt = g_date_time_new_from_unix_utc (0);
  base = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");
  if (frac == 0)
    return g_strdup_printf ("%s+00:00", base);
  if (frac % 1000 == 0)
    return g_strdup_printf ("%s.%03" G_GINT64_FORMAT "+00:00", base, frac / 1000);
  return g_strdup_printf ("%s.%06" G_GINT64_FORMAT "+00:00", base, frac);
}

gdouble
weft_registry_usec_to_seconds (gint64 usec)
{
  return (gdouble) usec / (gdouble) G_USEC_PER_SEC;
}
