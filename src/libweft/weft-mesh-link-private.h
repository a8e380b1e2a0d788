/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* WeftMesh's insides, shared by weft-mesh.c (links, channels, API) and
 * weft-mesh-signaling.c (offer/answer/candidate frames, presence) */

#include "weft-mesh-private.h"
#include "weft-certificate.h"
#include "weft-peer-connection.h"

G_BEGIN_DECLS

#define MESH_LABEL "mesh"
/* how long an existing peer waits for a newcomer's offer before offering
 * itself (full mesh); the newcomer offers at once after peer_list */
#define JOIN_OFFER_DELAY_MS 300
#define MAX_RECONNECTS      3

typedef struct
{
  gchar *candidate; /* (owned) */
  gchar *mid;       /* (owned) (nullable) */
  gint mline;
} EarlyCandidate;

typedef struct
{
  WeftMesh *mesh;           /* (unowned) */
  gchar *peer_id;           /* (owned) */
  WeftPeerConnection *pc;   /* (owned) (nullable) */
  WeftDataChannel *channel; /* (owned) (nullable) */
  GPtrArray *early;         /* (owned) (element-type EarlyCandidate) before any offer */
  GPtrArray *waiters;       /* (owned) (element-type GTask) ensure_channel calls */
  gboolean offerer;
  gboolean have_remote;
  gboolean remote_is_weft;
  gboolean open;
  gint64 created_at; /* monotonic, of the current connection */
  gint64 opened_at;
  gint64 last_activity;
  gint64 setup_us; /* offer to open, of the current connection */
  guint holds;
  guint idle_id;
  guint offer_delay_id;
  guint reconnect_id;
  guint reconnects;
  guint ice_restarts;
  guint64 messages_in;
  guint64 messages_out;
} MeshLink;

typedef struct
{
  MeshLink *link; /* (unowned) */
  guint timeout_id;
  gulong cancel_id;
  guint budget_ms;
} Waiter;

struct _WeftMesh
{
  GObject parent_instance;

  WeftSignaling *signaling;   /* (owned) */
  WeftRegistryClient *client; /* (owned) */
  GHashTable *links;          /* (owned) (element-type utf8 MeshLink) by peer id */
  GHashTable *online;         /* (owned) (element-type utf8) peer ids on signaling */
  GPtrArray *local_addresses; /* (owned) (element-type utf8) */
  JsonNode *ice_config;       /* (owned) (nullable) */
  /* (owned) (nullable) the process's DTLS certificate, held from the first
   * connection on: one certificate (one fingerprint) for the mesh's life,
   * not a new one each time the last channel closed */
  WeftCertificate *certificate;
  gboolean ice_config_fixed;
  GCancellable *cancellable; /* (owned) (nullable) while started */
  WeftConnectMode mode;
  guint idle_timeout_ms;
  guint open_budget_ms;
  gboolean started;
  guint connections_made;
};

const gchar *
mesh_local_id (WeftMesh *self);
void
mesh_early_candidate_free (gpointer data);
MeshLink *
mesh_link_lookup (WeftMesh *self, const gchar *peer_id);
MeshLink *
mesh_link_ensure (WeftMesh *self, const gchar *peer_id);
void
mesh_link_drop_pc (MeshLink *link);
void
mesh_link_broken (MeshLink *link, const gchar *why);
gboolean
mesh_link_new_pc (MeshLink *link, GError **error);
void
mesh_link_fail_now (MeshLink *link, const GError *error);
void
mesh_link_start_offer (MeshLink *link, gboolean ice_restart);
void
mesh_send_frame (MeshLink *link, const gchar *type, JsonNode *payload);
JsonNode *
mesh_sdp_payload (const gchar *type, const gchar *sdp, gboolean ice_restart);

/* weft-mesh-signaling.c */
void
mesh_connect_signaling (WeftMesh *self);
void
mesh_maybe_offer_full_mesh (WeftMesh *self, const gchar *peer_id, guint delay_ms);
void
mesh_ice_config_cb (GObject *source, GAsyncResult *res, gpointer user_data);

G_END_DECLS
