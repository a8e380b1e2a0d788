/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "weft-enums.h"
#include "weft-peer.h"

/**
 * WeftPeer:
 *
 * A remote agent as this agent sees it: its agent id, the signaling peer id it
 * is reachable on, its skills, the health the registry reports and how this
 * agent is connected to it. A #WeftAgent keeps its peers current from the
 * registry's agent list and from presence frames.
 *
 * Since: 0.1
 */

struct _WeftPeer
{
  GObject parent_instance;

  gchar *agent_id; /* (owned) */
  gchar *peer_id;  /* (owned) never NULL */
  gchar *hostname; /* (owned) never NULL */
  gchar *health;   /* (owned) never NULL */
  GStrv skills;    /* (owned) never NULL */
  WeftPeerState state;
};

G_DEFINE_TYPE (WeftPeer, weft_peer, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_AGENT_ID,
  PROP_PEER_ID,
  PROP_SKILLS,
  PROP_HEALTH,
  PROP_HOSTNAME,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void
weft_peer_finalize (GObject *object)
{
  WeftPeer *self = WEFT_PEER (object);

  g_free (self->agent_id);
  g_free (self->peer_id);
  g_free (self->hostname);
  g_free (self->health);
  g_strfreev (self->skills);
  G_OBJECT_CLASS (weft_peer_parent_class)->finalize (object);
}

static void
weft_peer_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  WeftPeer *self = WEFT_PEER (object);

  switch (prop_id)
    {
      case PROP_AGENT_ID:
        g_value_set_string (value, self->agent_id);
        break;
      case PROP_PEER_ID:
        g_value_set_string (value, self->peer_id);
        break;
      case PROP_SKILLS:
        g_value_set_boxed (value, self->skills);
        break;
      case PROP_HEALTH:
        g_value_set_string (value, self->health);
        break;
      case PROP_HOSTNAME:
        g_value_set_string (value, self->hostname);
        break;
      case PROP_STATE:
        g_value_set_enum (value, self->state);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
weft_peer_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  WeftPeer *self = WEFT_PEER (object);

  switch (prop_id)
    {
      case PROP_AGENT_ID:
        self->agent_id = g_value_dup_string (value);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
weft_peer_class_init (WeftPeerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = weft_peer_finalize;
  object_class->get_property = weft_peer_get_property;
  object_class->set_property = weft_peer_set_property;

  /**
   * WeftPeer:agent-id:
   *
   * The remote agent's id (its `name`).
   *
   * Since: 0.1
   */
  props[PROP_AGENT_ID] =
    g_param_spec_string ("agent-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * WeftPeer:peer-id:
   *
   * The signaling peer id the agent is reachable on (`sidecar_peer_id`).
   *
   * Since: 0.1
   */
  props[PROP_PEER_ID] = g_param_spec_string ("peer-id", NULL, NULL, "", ro);
  /**
   * WeftPeer:skills:
   *
   * The skills the agent advertises.
   *
   * Since: 0.1
   */
  props[PROP_SKILLS] = g_param_spec_boxed ("skills", NULL, NULL, G_TYPE_STRV, ro);
  /**
   * WeftPeer:health:
   *
   * `active`, `stale` or `offline`, as the registry reports it.
   *
   * Since: 0.1
   */
  props[PROP_HEALTH] = g_param_spec_string ("health", NULL, NULL, "", ro);
  /**
   * WeftPeer:hostname:
   *
   * The host the agent runs on.
   *
   * Since: 0.1
   */
  props[PROP_HOSTNAME] = g_param_spec_string ("hostname", NULL, NULL, "", ro);
  /**
   * WeftPeer:state:
   *
   * How this agent can reach the peer.
   *
   * Since: 0.1
   */
  props[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, WEFT_TYPE_PEER_STATE, WEFT_PEER_STATE_DISCONNECTED, ro);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
weft_peer_init (WeftPeer *self)
{
  self->peer_id = g_strdup ("");
  self->hostname = g_strdup ("");
  self->health = g_strdup ("");
  self->skills = g_new0 (gchar *, 1);
}

/**
 * weft_peer_new:
 * @agent_id: the remote agent's id
 *
 * Creates a peer with no skills and unknown health.
 *
 * Returns: (transfer full): a new #WeftPeer
 *
 * Since: 0.1
 */
WeftPeer *
weft_peer_new (const gchar *agent_id)
{
  g_return_val_if_fail (agent_id != NULL, NULL);
  return g_object_new (WEFT_TYPE_PEER, "agent-id", agent_id, NULL);
}

static gboolean
replace_str (WeftPeer *self, gchar **slot, const gchar *value, guint prop)
{
  if (value == NULL)
    value = "";
  if (g_strcmp0 (*slot, value) == 0)
    return FALSE;
  g_free (*slot);
  *slot = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), props[prop]);
  return TRUE;
}

/**
 * weft_peer_update_from_json:
 * @self: a #WeftPeer
 * @record: an agent record as the registry lists it
 *
 * Takes the peer id, skills, hostname and health from @record. Fields that
 * are missing are left as they are.
 *
 * Returns: %TRUE if anything changed
 *
 * Since: 0.1
 */
gboolean
weft_peer_update_from_json (WeftPeer *self, JsonNode *record)
{
  JsonObject *obj;
  JsonNode *caps;
  gboolean changed = FALSE;

  g_return_val_if_fail (WEFT_IS_PEER (self), FALSE);
  g_return_val_if_fail (record != NULL, FALSE);

  if (!JSON_NODE_HOLDS_OBJECT (record))
    return FALSE;
  obj = json_node_get_object (record);
  g_object_freeze_notify (G_OBJECT (self));
  if (json_object_has_member (obj, "sidecar_peer_id"))
    changed |= replace_str (self, &self->peer_id,
                            json_object_get_string_member_with_default (obj, "sidecar_peer_id", ""),
                            PROP_PEER_ID);
  if (json_object_has_member (obj, "hostname"))
    changed |=
      replace_str (self, &self->hostname,
                   json_object_get_string_member_with_default (obj, "hostname", ""), PROP_HOSTNAME);
  if (json_object_has_member (obj, "health"))
    changed |=
      replace_str (self, &self->health,
                   json_object_get_string_member_with_default (obj, "health", ""), PROP_HEALTH);
  caps = json_object_get_member (obj, "capabilities");
  if (caps != NULL && JSON_NODE_HOLDS_OBJECT (caps))
    {
      JsonNode *skills = json_object_get_member (json_node_get_object (caps), "skills");
      if (skills != NULL && JSON_NODE_HOLDS_ARRAY (skills))
        {
          g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
          JsonArray *arr = json_node_get_array (skills);
          g_auto (GStrv) strv = NULL;

          for (guint i = 0; i < json_array_get_length (arr); i++)
            {
              JsonNode *n = json_array_get_element (arr, i);
              if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
                g_strv_builder_add (b, json_node_get_string (n));
            }
          strv = g_strv_builder_end (b);
          if (!g_strv_equal ((const gchar *const *) strv, (const gchar *const *) self->skills))
            {
              g_strfreev (self->skills);
              self->skills = g_steal_pointer (&strv);
              g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SKILLS]);
              changed = TRUE;
            }
        }
    }
  g_object_thaw_notify (G_OBJECT (self));
  return changed;
}

/**
 * weft_peer_get_agent_id:
 * @self: a #WeftPeer
 *
 * Returns: the agent id
 *
 * Since: 0.1
 */
const gchar *
weft_peer_get_agent_id (WeftPeer *self)
{
  g_return_val_if_fail (WEFT_IS_PEER (self), NULL);
  return self->agent_id;
}

/**
 * weft_peer_get_peer_id:
 * @self: a #WeftPeer
 *
 * Returns: the signaling peer id, empty when unknown
 *
 * Since: 0.1
 */
const gchar *
weft_peer_get_peer_id (WeftPeer *self)
{
  g_return_val_if_fail (WEFT_IS_PEER (self), NULL);
  return self->peer_id;
}

/**
 * weft_peer_set_peer_id:
 * @self: a #WeftPeer
 * @peer_id: (nullable): the signaling peer id
 *
 * Sets the signaling peer id.
 *
 * Since: 0.1
 */
void
weft_peer_set_peer_id (WeftPeer *self, const gchar *peer_id)
{
  g_return_if_fail (WEFT_IS_PEER (self));
  replace_str (self, &self->peer_id, peer_id, PROP_PEER_ID);
}

/**
 * weft_peer_get_skills:
 * @self: a #WeftPeer
 *
 * Returns: (transfer none) (array zero-terminated=1): the advertised skills
 *
 * Since: 0.1
 */
const gchar *const *
weft_peer_get_skills (WeftPeer *self)
{
  g_return_val_if_fail (WEFT_IS_PEER (self), NULL);
  return (const gchar *const *) self->skills;
}

/**
 * weft_peer_has_skill:
 * @self: a #WeftPeer
 * @skill: a skill name
 *
 * Returns: whether the peer advertises @skill
 *
 * Since: 0.1
 */
gboolean
weft_peer_has_skill (WeftPeer *self, const gchar *skill)
{
  g_return_val_if_fail (WEFT_IS_PEER (self), FALSE);
  return skill != NULL && g_strv_contains ((const gchar *const *) self->skills, skill);
}

/**
 * weft_peer_get_health:
 * @self: a #WeftPeer
 *
 * Returns: `active`, `stale`, `offline`, or empty when unknown
 *
 * Since: 0.1
 */
const gchar *
weft_peer_get_health (WeftPeer *self)
{
  g_return_val_if_fail (WEFT_IS_PEER (self), NULL);
  return self->health;
}

/**
 * weft_peer_set_health:
 * @self: a #WeftPeer
 * @health: (nullable): the new health
 *
 * Sets the health, for example `offline` when the agent left the list.
 *
 * Since: 0.1
 */
void
weft_peer_set_health (WeftPeer *self, const gchar *health)
{
  g_return_if_fail (WEFT_IS_PEER (self));
  replace_str (self, &self->health, health, PROP_HEALTH);
}

/**
 * weft_peer_get_hostname:
 * @self: a #WeftPeer
 *
 * Returns: the host name, empty when unknown
 *
 * Since: 0.1
 */
const gchar *
weft_peer_get_hostname (WeftPeer *self)
{
  g_return_val_if_fail (WEFT_IS_PEER (self), NULL);
  return self->hostname;
}

/**
 * weft_peer_get_state:
 * @self: a #WeftPeer
 *
 * Returns: how this agent can reach the peer
 *
 * Since: 0.1
 */
WeftPeerState
weft_peer_get_state (WeftPeer *self)
{
  g_return_val_if_fail (WEFT_IS_PEER (self), WEFT_PEER_STATE_DISCONNECTED);
  return self->state;
}

/**
 * weft_peer_set_state:
 * @self: a #WeftPeer
 * @state: the new state
 *
 * Sets how this agent can reach the peer.
 *
 * Since: 0.1
 */
void
weft_peer_set_state (WeftPeer *self, WeftPeerState state)
{
  g_return_if_fail (WEFT_IS_PEER (self));
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
}

/**
 * weft_peer_state_to_string:
 * @state: a #WeftPeerState
 *
 * Returns: `none`, `signaling` or `direct`
 *
 * Since: 0.1
 */
const gchar *
weft_peer_state_to_string (WeftPeerState state)
{
  switch (state)
    {
      case WEFT_PEER_STATE_SIGNALING:
        return "signaling";
      case WEFT_PEER_STATE_DIRECT:
        return "direct";
      case WEFT_PEER_STATE_DISCONNECTED:
      default:
        return "none";
    }
}
