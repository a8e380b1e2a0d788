/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "weft-agent-directory.h"
#include "weft-error.h"

/*
 * the directory keeps every record in memory (the registry answers list, get and
 * route from memory) and writes through to the store.
 *
 * heartbeats differ from the reference on purpose: the reference resets ip, port,
 * status and mode to their defaults when a heartbeat omits them (the Python agent
 * never sends ip, so its address is wiped every 15 s); weft only overwrites the
 * fields a heartbeat carries. sidecar_peer_id is, as in the reference, only
 * replaced by a non-empty value.
 *
 * heartbeats are the hot path: one that changes nothing durable (only
 * last_heartbeat and the volatile capacity/running_tasks/load figures) is kept
 * in memory and written within flush-interval-ms; anything else, and every
 * registration and removal, is written before the call returns. Losing a
 * coalesced heartbeat on a crash only makes an agent look up to one interval
 * older after the restart.
 */

typedef struct
{
  guint inflight;
  gint64 last_assigned;
  gboolean push_connected;
} LoadInfo;

struct _WeftAgentDirectory
{
  GObject parent_instance;

  WeftStore *store;         /* (owned) */
  GHashTable *records;      /* (owned) (element-type utf8 WeftAgentRecord) */
  GHashTable *load;         /* (owned) (element-type utf8 LoadInfo) */
  GHashTable *dirty;        /* (owned) (element-type utf8 utf8) set of coalesced agent ids */
  GHashTable *by_skill;     /* (owned) (element-type utf8 GHashTable) skill → set of agent ids */
  GHashTable *mesh_reports; /* (owned) (element-type utf8 GStrv) agent id → peers it has
                             * a DataChannel with, as its last heartbeat said; in memory only */

  WeftClockFunc clock;
  gpointer clock_data;
  guint stale_after_ms;
  guint offline_after_ms;
  guint flush_interval_ms;

  guint flush_source_id;
  guint tick_source_id;
};

enum
{
  PROP_0,
  PROP_STORE,
  PROP_STALE_AFTER_MS,
  PROP_OFFLINE_AFTER_MS,
  PROP_FLUSH_INTERVAL_MS,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

enum
{
  SIGNAL_HEALTH_CHANGED,
  SIGNAL_AGENT_AVAILABLE,
  SIGNAL_AGENT_REMOVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (WeftAgentDirectory, weft_agent_directory, G_TYPE_OBJECT)

static void
weft_agent_directory_dispose (GObject *object)
{
  WeftAgentDirectory *self = WEFT_AGENT_DIRECTORY (object);

  weft_agent_directory_stop (self);
  g_clear_handle_id (&self->flush_source_id, g_source_remove);

  G_OBJECT_CLASS (weft_agent_directory_parent_class)->dispose (object);
}

static void
weft_agent_directory_finalize (GObject *object)
{
  WeftAgentDirectory *self = WEFT_AGENT_DIRECTORY (object);

  g_clear_object (&self->store);
  g_clear_pointer (&self->records, g_hash_table_unref);
  g_clear_pointer (&self->load, g_hash_table_unref);
  g_clear_pointer (&self->dirty, g_hash_table_unref);
  g_clear_pointer (&self->by_skill, g_hash_table_unref);
  g_clear_pointer (&self->mesh_reports, g_hash_table_unref);

  G_OBJECT_CLASS (weft_agent_directory_parent_class)->finalize (object);
}

static void
weft_agent_directory_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  WeftAgentDirectory *self = WEFT_AGENT_DIRECTORY (object);

  switch (prop_id)
    {
      case PROP_STORE:
        g_value_set_object (value, self->store);
        break;
      case PROP_STALE_AFTER_MS:
        g_value_set_uint (value, self->stale_after_ms);
        break;
      case PROP_OFFLINE_AFTER_MS:
        g_value_set_uint (value, self->offline_after_ms);
        break;
      case PROP_FLUSH_INTERVAL_MS:
        g_value_set_uint (value, self->flush_interval_ms);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
weft_agent_directory_set_property (GObject *object,
                                   guint prop_id,
                                   const GValue *value,
                                   GParamSpec *pspec)
{
  WeftAgentDirectory *self = WEFT_AGENT_DIRECTORY (object);

  switch (prop_id)
    {
      case PROP_STORE:
        self->store = g_value_dup_object (value);
        break;
      case PROP_STALE_AFTER_MS:
        weft_agent_directory_set_thresholds (self, g_value_get_uint (value),
                                             self->offline_after_ms);
        break;
      case PROP_OFFLINE_AFTER_MS:
        weft_agent_directory_set_thresholds (self, self->stale_after_ms, g_value_get_uint (value));
        break;
      case PROP_FLUSH_INTERVAL_MS:
        if (self->flush_interval_ms != g_value_get_uint (value))
          {
            self->flush_interval_ms = MAX (1, g_value_get_uint (value));
            g_object_notify_by_pspec (object, pspec);
          }
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
weft_agent_directory_class_init (WeftAgentDirectoryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = weft_agent_directory_dispose;
  object_class->finalize = weft_agent_directory_finalize;
  object_class->get_property = weft_agent_directory_get_property;
  object_class->set_property = weft_agent_directory_set_property;

  props[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, WEFT_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  props[PROP_STALE_AFTER_MS] = g_param_spec_uint (
    "stale-after-ms", NULL, NULL, 1, G_MAXUINT, WEFT_AGENT_DIRECTORY_DEFAULT_STALE_AFTER_MS,
    G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  props[PROP_OFFLINE_AFTER_MS] = g_param_spec_uint (
    "offline-after-ms", NULL, NULL, 1, G_MAXUINT, WEFT_AGENT_DIRECTORY_DEFAULT_OFFLINE_AFTER_MS,
    G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  props[PROP_FLUSH_INTERVAL_MS] = g_param_spec_uint (
    "flush-interval-ms", NULL, NULL, 1, G_MAXUINT, WEFT_AGENT_DIRECTORY_DEFAULT_FLUSH_INTERVAL_MS,
    G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);

  signals[SIGNAL_HEALTH_CHANGED] =
    g_signal_new ("health-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_INT, G_TYPE_INT);
  signals[SIGNAL_AGENT_AVAILABLE] =
    g_signal_new ("agent-available", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_AGENT_REMOVED] =
    g_signal_new ("agent-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
weft_agent_directory_init (WeftAgentDirectory *self)
{
  self->records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->load = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->dirty = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->by_skill =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_hash_table_unref);
  self->mesh_reports =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_strfreev);
  self->clock = weft_registry_default_clock;
  self->stale_after_ms = WEFT_AGENT_DIRECTORY_DEFAULT_STALE_AFTER_MS;
  self->offline_after_ms = WEFT_AGENT_DIRECTORY_DEFAULT_OFFLINE_AFTER_MS;
  self->flush_interval_ms = WEFT_AGENT_DIRECTORY_DEFAULT_FLUSH_INTERVAL_MS;
}

/* the skill index keeps routing independent of the number of agents that do
 * not have the skill; it follows every change of the records table */
static void
index_skills (WeftAgentDirectory *self, WeftAgentRecord *record, gboolean add)
{
  const gchar *const *skills = weft_agent_record_get_skills (record);
  const gchar *agent_id = weft_agent_record_get_agent_id (record);

  for (gsize i = 0; skills != NULL && skills[i] != NULL; i++)
    {
      GHashTable *agents = g_hash_table_lookup (self->by_skill, skills[i]);

      if (add)
        {
          if (agents == NULL)
            {
              agents = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
              g_hash_table_insert (self->by_skill, g_strdup (skills[i]), agents);
            }
          /* the value is the current record (unowned): routing reads it directly */
          g_hash_table_replace (agents, g_strdup (agent_id), record);
        }
      else if (agents != NULL)
        {
          g_hash_table_remove (agents, agent_id);
          if (g_hash_table_size (agents) == 0)
            g_hash_table_remove (self->by_skill, skills[i]);
        }
    }
}

/* puts @record (a new reference is taken) in place of any record with its id */
static void
put_record (WeftAgentDirectory *self, WeftAgentRecord *record)
{
  const gchar *agent_id = weft_agent_record_get_agent_id (record);
  WeftAgentRecord *old = g_hash_table_lookup (self->records, agent_id);

  if (old != NULL)
    index_skills (self, old, FALSE);
  index_skills (self, record, TRUE);
  g_hash_table_replace (self->records, g_strdup (agent_id), g_object_ref (record));
}

static void
drop_record (WeftAgentDirectory *self, const gchar *agent_id)
{
  WeftAgentRecord *old = g_hash_table_lookup (self->records, agent_id);

  if (old == NULL)
    return;
  index_skills (self, old, FALSE);
  g_hash_table_remove (self->mesh_reports, agent_id);
  g_hash_table_remove (self->records, agent_id);
}

WeftAgentDirectory *
weft_agent_directory_new (WeftStore *store, GError **error)
{
  g_autoptr (WeftAgentDirectory) self = NULL;
  g_autoptr (GPtrArray) records = NULL;

  g_return_val_if_fail (WEFT_IS_STORE (store), NULL);

  self = g_object_new (WEFT_TYPE_AGENT_DIRECTORY, "store", store, NULL);
  records = weft_store_load_agents (store, error);
  if (records == NULL)
    return NULL;
  for (guint i = 0; i < records->len; i++)
    {
      WeftAgentRecord *record = g_ptr_array_index (records, i);

      put_record (self, record);
    }
  /* stored health is whatever it was at the last write; recompute quietly */
  {
    GHashTableIter iter;
    gpointer value;
    gint64 now = weft_agent_directory_now (self);

    g_hash_table_iter_init (&iter, self->records);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      {
        WeftAgentRecord *record = value;
        gint64 age_ms = (now - weft_agent_record_get_last_heartbeat (record)) / 1000;
        WeftAgentHealth health = WEFT_AGENT_HEALTH_ACTIVE;

        if (age_ms > self->offline_after_ms)
          health = WEFT_AGENT_HEALTH_OFFLINE;
        else if (age_ms > self->stale_after_ms)
          health = WEFT_AGENT_HEALTH_STALE;
        weft_agent_record_set_health (record, health);
      }
  }
  g_debug ("agent directory loaded %u agents", g_hash_table_size (self->records));
  return g_steal_pointer (&self);
}

void
weft_agent_directory_set_clock (WeftAgentDirectory *self, WeftClockFunc clock, gpointer user_data)
{
  g_return_if_fail (WEFT_IS_AGENT_DIRECTORY (self));
  self->clock = clock != NULL ? clock : weft_registry_default_clock;
  self->clock_data = user_data;
}

gint64
weft_agent_directory_now (WeftAgentDirectory *self)
{
  g_return_val_if_fail (WEFT_IS_AGENT_DIRECTORY (self), 0);
  return self->clock (self->clock_data);
}

void
weft_agent_directory_set_thresholds (WeftAgentDirectory *self,
                                     guint stale_after_ms,
                                     guint offline_after_ms)
{
  g_return_if_fail (WEFT_IS_AGENT_DIRECTORY (self));
  g_return_if_fail (stale_after_ms > 0);

  /* offline can never come before stale */
  offline_after_ms = MAX (offline_after_ms, stale_after_ms);
  if (self->stale_after_ms != stale_after_ms)
    {
      self->stale_after_ms = stale_after_ms;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STALE_AFTER_MS]);
    }
  if (self->offline_after_ms != offline_after_ms)
    {
      self->offline_after_ms = offline_after_ms;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_OFFLINE_AFTER_MS]);
    }
}

guint
weft_agent_directory_get_stale_after_ms (WeftAgentDirectory *self)
{
  g_return_val_if_fail (WEFT_IS_AGENT_DIRECTORY (self), 0);
  return self->stale_after_ms;
}

guint
weft_agent_directory_get_offline_after_ms (WeftAgentDirectory *self)
{
  g_return_val_if_fail (WEFT_IS_AGENT_DIRECTORY (self), 0);
  return self->offline_after_ms;
}

static WeftAgentHealth
compute_health (WeftAgentDirectory *self, WeftAgentRecord *record, gint64 now)
{
  gint64 age_ms = (now - weft_agent_record_get_last_heartbeat (record)) / 1000;

  if (age_ms > (gint64) self->offline_after_ms)
    return WEFT_AGENT_HEALTH_OFFLINE;
  if (age_ms > (gint64) self->stale_after_ms)
    return WEFT_AGENT_HEALTH_STALE;
  return WEFT_AGENT_HEALTH_ACTIVE;
}

static LoadInfo *
ensure_load (WeftAgentDirectory *self, const gchar *agent_id)
{
  LoadInfo *info = g_hash_table_lookup (self->load, agent_id);

  if (info == NULL)
    {
      info = g_new0 (LoadInfo, 1);
      g_hash_table_insert (self->load, g_strdup (agent_id), info);
    }
  return info;
}

static void
set_health (WeftAgentDirectory *self, WeftAgentRecord *record, WeftAgentHealth health)
{
  WeftAgentHealth old = weft_agent_record_get_health (record);
  g_autofree gchar *agent_id = NULL;

  if (old == health)
    return;
  weft_agent_record_set_health (record, health);
  agent_id = g_strdup (weft_agent_record_get_agent_id (record));
  g_debug ("agent %s is now %s", agent_id, weft_agent_health_to_string (health));
  g_signal_emit (self, signals[SIGNAL_HEALTH_CHANGED], 0, agent_id, (gint) old, (gint) health);
}

static gboolean
check_owner (WeftAgentRecord *existing, const WeftActor *actor, const gchar *what, GError **error)
{
  if (existing == NULL || weft_actor_may_act_for (actor, weft_agent_record_get_owner (existing)))
    return TRUE;
  g_set_error (error, WEFT_ERROR, WEFT_ERROR_PERMISSION_DENIED,
               /* TRANSLATORS: the first %s is an action such as "heartbeat" */
               _ ("Cannot %s agent “%s”: it was registered with another credential; use that "
                  "credential or an admin one"),
               what, weft_agent_record_get_agent_id (existing));
  return FALSE;
}

static void
clear_dirty (WeftAgentDirectory *self, const gchar *agent_id)
{
  g_hash_table_remove (self->dirty, agent_id);
}

WeftAgentRecord *
weft_agent_directory_register (WeftAgentDirectory *self,
                               WeftAgentRecord *info,
                               const WeftActor *actor,
                               GError **error)
{
  g_autoptr (WeftAgentRecord) record = NULL;
  WeftAgentRecord *existing;
  const gchar *agent_id;
  gint64 now;

  g_return_val_if_fail (WEFT_IS_AGENT_DIRECTORY (self), NULL);
  g_return_val_if_fail (WEFT_IS_AGENT_RECORD (info), NULL);

  agent_id = weft_agent_record_get_agent_id (info);
  existing = g_hash_table_lookup (self->records, agent_id);
  if (!check_owner (existing, actor, _ ("re-register"), error))
    return NULL;

  now = weft_agent_directory_now (self);
  record = weft_agent_record_copy (info);
  weft_agent_record_set_health (record, WEFT_AGENT_HEALTH_ACTIVE);
  weft_agent_record_set_registered_at (record, now);
  weft_agent_record_set_last_heartbeat (record, now);
  if (actor != NULL)
    weft_agent_record_set_owner (record, actor->credential_id);
  else if (existing != NULL)
    weft_agent_record_set_owner (record, weft_agent_record_get_owner (existing));

  if (!weft_store_save_agent (self->store, record, error))
    return NULL;
  clear_dirty (self, agent_id);
  if (existing != NULL && weft_agent_record_get_health (existing) != WEFT_AGENT_HEALTH_ACTIVE)
    set_health (self, existing, WEFT_AGENT_HEALTH_ACTIVE);
  put_record (self, record);
  g_debug ("agent %s registered", agent_id);
  g_signal_emit (self, signals[SIGNAL_AGENT_AVAILABLE], 0, agent_id);
  return weft_agent_record_copy (record);
}

static gboolean
flush_cb (gpointer user_data)
{
  WeftAgentDirectory *self = user_data;
  g_autoptr (GError) error = NULL;

  self->flush_source_id = 0;
  if (!weft_agent_directory_flush (self, &error))
    g_warning ("Cannot write heartbeats: %s", error->message);
  return G_SOURCE_REMOVE;
}

static void
schedule_flush (WeftAgentDirectory *self)
{
  GSource *source;

  if (self->flush_source_id != 0)
    return;
  source = g_timeout_source_new (self->flush_interval_ms);
  g_source_set_callback (source, flush_cb, self, NULL);
  g_source_set_static_name (source, "[weft] heartbeat flush");
  self->flush_source_id = g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
}

static gboolean
strv_equal0 (const gchar *const *a, const gchar *const *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return g_strv_equal (a, b);
}

/* whether @heartbeat changes a field of @existing that is written at once */
static gboolean
heartbeat_is_durable_change (WeftAgentRecord *existing, const WeftAgentHeartbeat *heartbeat)
{
  WeftAgentHeartbeatFields present = heartbeat->present;

#define DIFFERS(flag, getter, value) \
  ((present & (flag)) && g_strcmp0 (getter (existing), (value)) != 0)
  return DIFFERS (WEFT_AGENT_HEARTBEAT_HOSTNAME, weft_agent_record_get_hostname,
                  heartbeat->hostname) ||
         DIFFERS (WEFT_AGENT_HEARTBEAT_IP, weft_agent_record_get_ip, heartbeat->ip) ||
         DIFFERS (WEFT_AGENT_HEARTBEAT_STATUS, weft_agent_record_get_status, heartbeat->status) ||
         DIFFERS (WEFT_AGENT_HEARTBEAT_MODE, weft_agent_record_get_mode, heartbeat->mode) ||
         ((present & WEFT_AGENT_HEARTBEAT_SIDECAR_PEER_ID) &&
          heartbeat->sidecar_peer_id[0] != '\0' &&
          g_strcmp0 (weft_agent_record_get_sidecar_peer_id (existing),
                     heartbeat->sidecar_peer_id) != 0) ||
         ((present & WEFT_AGENT_HEARTBEAT_PORT) &&
          weft_agent_record_get_port (existing) != heartbeat->port) ||
         ((present & WEFT_AGENT_HEARTBEAT_GOALS_COUNT) &&
          weft_agent_record_get_goals_count (existing) != heartbeat->goals_count) ||
         ((present & WEFT_AGENT_HEARTBEAT_SKILL_NAMES) &&
          !strv_equal0 (weft_agent_record_get_skills (existing),
                        (const gchar *const *) heartbeat->skill_names));
#undef DIFFERS
}

/* the common heartbeat: nothing durable changes, so the stored record is updated
 * in place (no copy, no skill re-index) and written with the next flush; the
 * order of updates and signals is the one the copying path has */
static WeftAgentRecord *
touch_record (WeftAgentDirectory *self,
              WeftAgentRecord *existing,
              const WeftAgentHeartbeat *heartbeat,
              gint64 now)
{
  WeftAgentHeartbeatFields present = heartbeat->present;
  /* a signal handler may drop the record from the table */
  g_autoptr (WeftAgentRecord) record = g_object_ref (existing);
  gboolean was_active;

  was_active = compute_health (self, existing, now) == WEFT_AGENT_HEALTH_ACTIVE &&
               weft_agent_record_get_health (existing) == WEFT_AGENT_HEALTH_ACTIVE;
  if (!g_hash_table_contains (self->dirty, heartbeat->agent_id))
    g_hash_table_add (self->dirty, g_strdup (heartbeat->agent_id));
  schedule_flush (self);

  if (weft_agent_record_get_health (existing) != WEFT_AGENT_HEALTH_ACTIVE)
    set_health (self, existing, WEFT_AGENT_HEALTH_ACTIVE);
  /* volatile figures: kept, written with the next durable write or flush */
  if (present & WEFT_AGENT_HEARTBEAT_CAPACITY)
    weft_agent_record_set_capacity (existing, heartbeat->capacity);
  if (present & WEFT_AGENT_HEARTBEAT_RUNNING_TASKS)
    weft_agent_record_set_running_tasks (existing, heartbeat->running_tasks);
  if (present & WEFT_AGENT_HEARTBEAT_LOAD)
    weft_agent_record_set_load (existing, heartbeat->load);
  weft_agent_record_set_last_heartbeat (existing, now);
  weft_agent_record_set_health (existing, WEFT_AGENT_HEALTH_ACTIVE);
  if (!was_active)
    g_signal_emit (self, signals[SIGNAL_AGENT_AVAILABLE], 0, heartbeat->agent_id);
  return g_steal_pointer (&record);
}

WeftAgentRecord *
weft_agent_directory_apply_heartbeat (WeftAgentDirectory *self,
                                      const WeftAgentHeartbeat *heartbeat,
                                      const WeftActor *actor,
                                      GError **error)
{
  g_autoptr (WeftAgentRecord) record = NULL;
  WeftAgentRecord *existing;
  WeftAgentHeartbeatFields present;
  gboolean durable_change = FALSE;
  gboolean was_active = TRUE;
  gint64 now;

  g_return_val_if_fail (WEFT_IS_AGENT_DIRECTORY (self), NULL);
  g_return_val_if_fail (heartbeat != NULL && heartbeat->agent_id != NULL, NULL);

  existing = g_hash_table_lookup (self->records, heartbeat->agent_id);
  if (!check_owner (existing, actor, _ ("heartbeat"), error))
    return NULL;

  /* the channels an agent reports are a view of this moment, never stored */
  if (heartbeat->present & WEFT_AGENT_HEARTBEAT_MESH_PEERS)
    g_hash_table_replace (self->mesh_reports, g_strdup (heartbeat->agent_id),
                          g_strdupv (heartbeat->mesh_peers));

  now = weft_agent_directory_now (self);
  if (existing != NULL && !heartbeat_is_durable_change (existing, heartbeat))
    return touch_record (self, existing, heartbeat, now);

  present = heartbeat->present;
  if (existing == NULL)
    {
      /* the reference creates the record from the body; both modes are the body's */
      record = weft_agent_record_new (heartbeat->agent_id);
      weft_agent_record_set_hostname (record, heartbeat->hostname);
      weft_agent_record_set_ip (record, heartbeat->ip);
      weft_agent_record_set_port (record, heartbeat->port);
      weft_agent_record_set_status (record, heartbeat->status);
      weft_agent_record_set_mode (record, heartbeat->mode);
      weft_agent_record_set_capabilities_mode (record, heartbeat->mode);
      weft_agent_record_set_skills (record, (const gchar *const *) heartbeat->skill_names);
      weft_agent_record_set_goals_count (record, heartbeat->goals_count);
      weft_agent_record_set_sidecar_peer_id (record, heartbeat->sidecar_peer_id);
      weft_agent_record_set_registered_at (record, now);
      if (actor != NULL)
        weft_agent_record_set_owner (record, actor->credential_id);
      durable_change = TRUE;
    }
  else
    {
      record = weft_agent_record_copy (existing);
      was_active = compute_health (self, existing, now) == WEFT_AGENT_HEALTH_ACTIVE &&
                   weft_agent_record_get_health (existing) == WEFT_AGENT_HEALTH_ACTIVE;

#define UPDATE_STRING(flag, getter, setter, value)                     \
  if ((present & (flag)) && g_strcmp0 (getter (record), (value)) != 0) \
    {                                                                  \
      setter (record, (value));                                        \
      durable_change = TRUE;                                           \
    }
      UPDATE_STRING (WEFT_AGENT_HEARTBEAT_HOSTNAME, weft_agent_record_get_hostname,
                     weft_agent_record_set_hostname, heartbeat->hostname)
      UPDATE_STRING (WEFT_AGENT_HEARTBEAT_IP, weft_agent_record_get_ip, weft_agent_record_set_ip,
                     heartbeat->ip)
      UPDATE_STRING (WEFT_AGENT_HEARTBEAT_STATUS, weft_agent_record_get_status,
                     weft_agent_record_set_status, heartbeat->status)
      UPDATE_STRING (WEFT_AGENT_HEARTBEAT_MODE, weft_agent_record_get_mode,
                     weft_agent_record_set_mode, heartbeat->mode)
#undef UPDATE_STRING
      if ((present & WEFT_AGENT_HEARTBEAT_SIDECAR_PEER_ID) &&
          heartbeat->sidecar_peer_id[0] != '\0' &&
          g_strcmp0 (weft_agent_record_get_sidecar_peer_id (record), heartbeat->sidecar_peer_id) !=
            0)
        {
          weft_agent_record_set_sidecar_peer_id (record, heartbeat->sidecar_peer_id);
          durable_change = TRUE;
        }
      if ((present & WEFT_AGENT_HEARTBEAT_PORT) &&
          weft_agent_record_get_port (record) != heartbeat->port)
        {
          weft_agent_record_set_port (record, heartbeat->port);
          durable_change = TRUE;
        }
      if ((present & WEFT_AGENT_HEARTBEAT_GOALS_COUNT) &&
          weft_agent_record_get_goals_count (record) != heartbeat->goals_count)
        {
          weft_agent_record_set_goals_count (record, heartbeat->goals_count);
          durable_change = TRUE;
        }
      if ((present & WEFT_AGENT_HEARTBEAT_SKILL_NAMES) &&
          !strv_equal0 (weft_agent_record_get_skills (record),
                        (const gchar *const *) heartbeat->skill_names))
        {
          weft_agent_record_set_skills (record, (const gchar *const *) heartbeat->skill_names);
          durable_change = TRUE;
        }
    }

  /* volatile figures: kept, written with the next durable write or flush */
  if (present & WEFT_AGENT_HEARTBEAT_CAPACITY)
    weft_agent_record_set_capacity (record, heartbeat->capacity);
  if (present & WEFT_AGENT_HEARTBEAT_RUNNING_TASKS)
    weft_agent_record_set_running_tasks (record, heartbeat->running_tasks);
  if (present & WEFT_AGENT_HEARTBEAT_LOAD)
    weft_agent_record_set_load (record, heartbeat->load);
  weft_agent_record_set_last_heartbeat (record, now);
  weft_agent_record_set_health (record, WEFT_AGENT_HEALTH_ACTIVE);

  if (durable_change)
    {
      if (!weft_store_save_agent (self->store, record, error))
        return NULL;
      clear_dirty (self, heartbeat->agent_id);
    }
  else
    {
      g_hash_table_add (self->dirty, g_strdup (heartbeat->agent_id));
      schedule_flush (self);
    }

  if (existing != NULL && weft_agent_record_get_health (existing) != WEFT_AGENT_HEALTH_ACTIVE)
    set_health (self, existing, WEFT_AGENT_HEALTH_ACTIVE);
  put_record (self, record);
  if (existing == NULL || !was_active)
    g_signal_emit (self, signals[SIGNAL_AGENT_AVAILABLE], 0, heartbeat->agent_id);
  return g_steal_pointer (&record);
}

WeftAgentRecord *
weft_agent_directory_heartbeat (WeftAgentDirectory *self,
                                const WeftAgentHeartbeat *heartbeat,
                                const WeftActor *actor,
                                GError **error)
{
  g_autoptr (WeftAgentRecord) record =
    weft_agent_directory_apply_heartbeat (self, heartbeat, actor, error);

  return record != NULL ? weft_agent_record_copy (record) : NULL;
}

gboolean
weft_agent_directory_flush (WeftAgentDirectory *self, GError **error)
{
  g_autoptr (GPtrArray) records = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_return_val_if_fail (WEFT_IS_AGENT_DIRECTORY (self), FALSE);

  g_hash_table_iter_init (&iter, self->dirty);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      WeftAgentRecord *record = g_hash_table_lookup (self->records, key);

      if (record != NULL)
        g_ptr_array_add (records, record);
    }
  if (records->len > 0 && !weft_store_save_agents (self->store, records, error))
    return FALSE;
  g_hash_table_remove_all (self->dirty);
  return TRUE;
}

static gint
compare_records (gconstpointer a, gconstpointer b)
{
  WeftAgentRecord *ra = *(WeftAgentRecord *const *) a;
  WeftAgentRecord *rb = *(WeftAgentRecord *const *) b;

  return g_strcmp0 (weft_agent_record_get_agent_id (ra), weft_agent_record_get_agent_id (rb));
}

/* (transfer container) the live records sorted by agent id */
static GPtrArray *
sorted_records (WeftAgentDirectory *self)
{
  GPtrArray *records = g_ptr_array_sized_new (g_hash_table_size (self->records));
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->records);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (records, value);
  g_ptr_array_sort (records, compare_records);
  return records;
}

GPtrArray *
weft_agent_directory_list (WeftAgentDirectory *self)
{
  g_autoptr (GPtrArray) records = NULL;
  GPtrArray *copies;
  gint64 now;

  g_return_val_if_fail (WEFT_IS_AGENT_DIRECTORY (self), NULL);

  now = weft_agent_directory_now (self);
  records = sorted_records (self);
  copies = g_ptr_array_new_full (records->len, g_object_unref);
  for (guint i = 0; i < records->len; i++)
    {
      WeftAgentRecord *copy = weft_agent_record_copy (g_ptr_array_index (records, i));

      weft_agent_record_set_health (copy, compute_health (self, copy, now));
      g_ptr_array_add (copies, copy);
    }
  return copies;
}

WeftAgentRecord *
weft_agent_directory_peek (WeftAgentDirectory *self, const gchar *agent_id)
{
  g_return_val_if_fail (WEFT_IS_AGENT_DIRECTORY (self), NULL);

  return agent_id != NULL ? g_hash_table_lookup (self->records, agent_id) : NULL;
}

WeftAgentRecord *
weft_agent_directory_get (WeftAgentDirectory *self, const gchar *agent_id, GError **error)
{
  WeftAgentRecord *record;
  WeftAgentRecord *copy;

  g_return_val_if_fail (WEFT_IS_AGENT_DIRECTORY (self), NULL);

  record = agent_id != NULL ? g_hash_table_lookup (self->records, agent_id) : NULL;
  if (record == NULL)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND, _ ("No agent “%s” is registered"),
                   agent_id != NULL ? agent_id : "");
      return NULL;
    }
  copy = weft_agent_record_copy (record);
  weft_agent_record_set_health (copy, compute_health (self, copy, weft_agent_directory_now (self)));
  return copy;
}

gboolean
weft_agent_directory_remove (WeftAgentDirectory *self,
                             const gchar *agent_id,
                             const WeftActor *actor,
                             GError **error)
{
  WeftAgentRecord *record;
  g_autofree gchar *id = NULL;

  g_return_val_if_fail (WEFT_IS_AGENT_DIRECTORY (self), FALSE);

  record = agent_id != NULL ? g_hash_table_lookup (self->records, agent_id) : NULL;
  if (record == NULL)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND, _ ("No agent “%s” is registered"),
                   agent_id != NULL ? agent_id : "");
      return FALSE;
    }
  if (!check_owner (record, actor, _ ("remove"), error))
    return FALSE;
  if (!weft_store_delete_agent (self->store, agent_id, error))
    return FALSE;
  id = g_strdup (agent_id);
  clear_dirty (self, id);
  drop_record (self, id);
  g_debug ("agent %s removed", id);
  g_signal_emit (self, signals[SIGNAL_AGENT_REMOVED], 0, id);
  return TRUE;
}

WeftAgentHealth
weft_agent_directory_get_health (WeftAgentDirectory *self, const gchar *agent_id)
{
  WeftAgentRecord *record;

  g_return_val_if_fail (WEFT_IS_AGENT_DIRECTORY (self), WEFT_AGENT_HEALTH_OFFLINE);

  record = agent_id != NULL ? g_hash_table_lookup (self->records, agent_id) : NULL;
  if (record == NULL)
    return WEFT_AGENT_HEALTH_OFFLINE;
  return compute_health (self, record, weft_agent_directory_now (self));
}

guint
weft_agent_directory_get_size (WeftAgentDirectory *self)
{
  g_return_val_if_fail (WEFT_IS_AGENT_DIRECTORY (self), 0);
  return g_hash_table_size (self->records);
}

static guint
used_slots (WeftAgentDirectory *self, WeftAgentRecord *record)
{
  LoadInfo *info = g_hash_table_lookup (self->load, weft_agent_record_get_agent_id (record));
  guint inflight = info != NULL ? info->inflight : 0;

  return MAX (inflight, weft_agent_record_get_running_tasks (record));
}

WeftAgentRecord *
weft_agent_directory_route (WeftAgentDirectory *self,
                            const gchar *skill,
                            gboolean push_only,
                            GError **error)
{
  GHashTableIter iter;
  gpointer value;
  GHashTable *agents;
  WeftAgentRecord *best = NULL;
  gdouble best_load = 0;
  gint64 best_assigned = 0;
  gint64 now;

  g_return_val_if_fail (WEFT_IS_AGENT_DIRECTORY (self), NULL);

  now = weft_agent_directory_now (self);
  agents = skill != NULL ? g_hash_table_lookup (self->by_skill, skill) : NULL;
  if (agents != NULL)
    g_hash_table_iter_init (&iter, agents);
  while (agents != NULL && g_hash_table_iter_next (&iter, NULL, &value))
    {
      WeftAgentRecord *record = value;
      LoadInfo *info;
      guint capacity;
      gdouble load;
      gint64 assigned;

      if (compute_health (self, record, now) != WEFT_AGENT_HEALTH_ACTIVE)
        continue;
      info = g_hash_table_lookup (self->load, weft_agent_record_get_agent_id (record));
      if (push_only && (info == NULL || !info->push_connected))
        continue;
      capacity = MAX (1, weft_agent_record_get_capacity (record));
      load = (gdouble) MAX (info != NULL ? info->inflight : 0,
                            weft_agent_record_get_running_tasks (record)) /
             (gdouble) capacity;
      assigned = info != NULL ? info->last_assigned : 0;
      if (best == NULL || load < best_load ||
          (load == best_load &&
           (assigned < best_assigned ||
            (assigned == best_assigned && g_strcmp0 (weft_agent_record_get_agent_id (record),
                                                     weft_agent_record_get_agent_id (best)) < 0))))
        {
          best = record;
          best_load = load;
          best_assigned = assigned;
        }
    }
  if (best == NULL)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_NOT_FOUND, _ ("no agent found with skill"));
      return NULL;
    }
  {
    WeftAgentRecord *copy = weft_agent_record_copy (best);

    weft_agent_record_set_health (copy, WEFT_AGENT_HEALTH_ACTIVE);
    return copy;
  }
}

gboolean
weft_agent_directory_has_free_slot (WeftAgentDirectory *self, const gchar *agent_id)
{
  WeftAgentRecord *record;
  guint capacity;

  g_return_val_if_fail (WEFT_IS_AGENT_DIRECTORY (self), FALSE);

  record = agent_id != NULL ? g_hash_table_lookup (self->records, agent_id) : NULL;
  if (record == NULL ||
      compute_health (self, record, weft_agent_directory_now (self)) != WEFT_AGENT_HEALTH_ACTIVE)
    return FALSE;
  capacity = weft_agent_record_get_capacity (record);
  return capacity == 0 || used_slots (self, record) < capacity;
}

void
weft_agent_directory_set_inflight (WeftAgentDirectory *self, const gchar *agent_id, guint inflight)
{
  g_return_if_fail (WEFT_IS_AGENT_DIRECTORY (self));
  g_return_if_fail (agent_id != NULL);
  ensure_load (self, agent_id)->inflight = inflight;
}

guint
weft_agent_directory_get_inflight (WeftAgentDirectory *self, const gchar *agent_id)
{
  LoadInfo *info;

  g_return_val_if_fail (WEFT_IS_AGENT_DIRECTORY (self), 0);
  info = agent_id != NULL ? g_hash_table_lookup (self->load, agent_id) : NULL;
  return info != NULL ? info->inflight : 0;
}

void
weft_agent_directory_note_assigned (WeftAgentDirectory *self, const gchar *agent_id)
{
  LoadInfo *info;

  g_return_if_fail (WEFT_IS_AGENT_DIRECTORY (self));
  g_return_if_fail (agent_id != NULL);
  info = ensure_load (self, agent_id);
  info->inflight++;
  /* monotonic within one process: ties in load rotate between agents */
  info->last_assigned = g_get_monotonic_time ();
}

void
weft_agent_directory_set_push_connected (WeftAgentDirectory *self,
                                         const gchar *agent_id,
                                         gboolean connected)
{
  LoadInfo *info;

  g_return_if_fail (WEFT_IS_AGENT_DIRECTORY (self));
  g_return_if_fail (agent_id != NULL);
  info = ensure_load (self, agent_id);
  if (info->push_connected == !!connected)
    return;
  info->push_connected = !!connected;
  if (connected && g_hash_table_contains (self->records, agent_id))
    g_signal_emit (self, signals[SIGNAL_AGENT_AVAILABLE], 0, agent_id);
}

gboolean
weft_agent_directory_get_push_connected (WeftAgentDirectory *self, const gchar *agent_id)
{
  LoadInfo *info;

  g_return_val_if_fail (WEFT_IS_AGENT_DIRECTORY (self), FALSE);
  info = agent_id != NULL ? g_hash_table_lookup (self->load, agent_id) : NULL;
  return info != NULL && info->push_connected;
}

void
weft_agent_directory_tick (WeftAgentDirectory *self)
{
  g_autoptr (GPtrArray) changed = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;
  gint64 now;

  g_return_if_fail (WEFT_IS_AGENT_DIRECTORY (self));

  /* collect first, emit after: signal handlers may change the directory; with
   * thousands of agents only the few that changed cost more than a compare */
  now = weft_agent_directory_now (self);
  g_hash_table_iter_init (&iter, self->records);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (compute_health (self, value, now) != weft_agent_record_get_health (value))
      g_ptr_array_add (changed, g_object_ref (value));
  g_ptr_array_sort (changed, compare_records);
  for (guint i = 0; i < changed->len; i++)
    {
      WeftAgentRecord *record = g_ptr_array_index (changed, i);

      set_health (self, record, compute_health (self, record, now));
    }
}

static gboolean
tick_cb (gpointer user_data)
{
  weft_agent_directory_tick (WEFT_AGENT_DIRECTORY (user_data));
  return G_SOURCE_CONTINUE;
}

void
weft_agent_directory_start (WeftAgentDirectory *self)
{
  GSource *source;
  guint interval;

  g_return_if_fail (WEFT_IS_AGENT_DIRECTORY (self));

  if (self->tick_source_id != 0)
    return;
  /* health is computed on every read; the tick only makes the change visible as
   * a signal, a sixth of the stale threshold after it happens at the latest */
  interval = CLAMP (self->stale_after_ms / 6, 10, 15000);
  source = g_timeout_source_new (interval);
  g_source_set_callback (source, tick_cb, self, NULL);
  g_source_set_static_name (source, "[weft] agent health");
  self->tick_source_id = g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
}

void
weft_agent_directory_stop (WeftAgentDirectory *self)
{
  g_autoptr (GError) error = NULL;

  g_return_if_fail (WEFT_IS_AGENT_DIRECTORY (self));

  g_clear_handle_id (&self->tick_source_id, g_source_remove);
  g_clear_handle_id (&self->flush_source_id, g_source_remove);
  if (g_hash_table_size (self->dirty) > 0 && !weft_agent_directory_flush (self, &error))
    g_warning ("Cannot write heartbeats: %s", error->message);
}

/* the peers @agent_id last reported an open DataChannel with, or %NULL when it
 * reports none (a chatixia agent) */
const gchar *const *
weft_agent_directory_get_mesh_report (WeftAgentDirectory *self, const gchar *agent_id)
{
  g_return_val_if_fail (WEFT_IS_AGENT_DIRECTORY (self), NULL);
  return g_hash_table_lookup (self->mesh_reports, agent_id);
}
