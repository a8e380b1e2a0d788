/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "weft-agent-directory.h"
#include "weft-auth.h"
#include "weft-pairing.h"
#include "weft-registry-config.h"
#include "weft-registry-metrics.h"
#include "weft-registry-server.h"
#include "weft-registry-types.h"
#include "weft-signaling-hub.h"
#include "weft-store.h"
#include "weft-task-queue.h"

G_BEGIN_DECLS

struct _WeftRegistryServer
{
  GObject parent_instance;

  WeftRegistryConfig *config; /* (owned) */
  SoupServer *soup;           /* (owned) */
  WeftStore *store;           /* (owned) */
  WeftAgentDirectory *directory;
  WeftTaskQueue *tasks;
  WeftPairing *pairing;
  WeftAuth *auth;
  WeftSignalingHub *hub;
  WeftRegistryMetrics *metrics;

  GHashTable *conns_per_address; /* (owned) (element-type utf8 guint) open TCP connections */
  GHashTable *tracked; /* (owned) (element-type GSocket utf8) open connections, by address */
  GBytes *heartbeat_idle_reply; /* (owned) {"status":"ok","pending_tasks":[]} */
  GHashTable *wanted;   /* (owned) (element-type utf8 utf8) agent_id -> peer_id that asked */
  GHashTable *bindings; /* (owned) (element-type utf8 utf8) agent_id -> peer_id */
  gint64 last_sweep;    /* monotonic usec */
  guint sweep_id;
  guint port;
  gboolean started;
};

typedef enum
{
  WEFT_ROUTE_AUTH_NONE,  /* open: health, ICE config, pairing redemption, agent cards */
  WEFT_ROUTE_AUTH_ANY,   /* any valid credential (or the anonymous policy) */
  WEFT_ROUTE_AUTH_ADMIN, /* the admin role */
} WeftRouteAuth;

typedef struct _WeftRequest WeftRequest;
typedef void (*WeftRouteHandler) (WeftRequest *req);

typedef struct
{
  const gchar *method;
  const gchar *pattern; /* "/"-separated; a "*" segment is a parameter */
  WeftRouteAuth auth;
  gboolean json_body;
  WeftRouteHandler handler;
} WeftRoute;

struct _WeftRequest
{
  WeftRegistryServer *server; /* (owned) */
  SoupServerMessage *msg;     /* (owned) */
  const WeftRoute *route;     /* (nullable) */
  GPtrArray *params;          /* (owned) (element-type utf8) */
  GHashTable *query;          /* (owned) (nullable) */
  WeftPrincipal *principal;   /* (owned) (nullable) */
  WeftActor actor;            /* borrows from principal */
  GBytes *body;               /* (owned) (nullable) */
  gint64 started;             /* monotonic usec */
  gboolean paused;
  gboolean done;
};

/* the route tables of each area, terminated by an entry with a NULL method */
extern const WeftRoute weft_registry_agent_routes[];
extern const WeftRoute weft_registry_task_routes[];
extern const WeftRoute weft_registry_pairing_routes[];

const gchar *
weft_request_param (WeftRequest *req, guint index);
const gchar *
weft_request_query (WeftRequest *req, const gchar *name);
const gchar *
weft_request_body_data (WeftRequest *req, gsize *length);
const gchar *
weft_request_header (WeftRequest *req, const gchar *name);
gchar *
weft_request_remote_address (WeftRequest *req);
void
weft_request_reply_json (WeftRequest *req, guint status, JsonNode *node);
void
weft_request_reply_status_ok (WeftRequest *req);
void
weft_request_reply_serialised (WeftRequest *req, guint status, GBytes *json);
/* takes @text */
void
weft_request_reply_text (WeftRequest *req, guint status, const gchar *content_type, GString *text);
void
weft_request_reply_error (WeftRequest *req, const GError *error);
void
weft_request_reply_error_body (WeftRequest *req, guint status, JsonNode *body);
void
weft_request_reply_message (WeftRequest *req, guint status, const gchar *message);

JsonNode *
weft_json_error_new (const gchar *message);
JsonNode *
weft_json_status_ok_new (void);

void
weft_registry_server_render_metrics (WeftRegistryServer *self, GString *out);
void
weft_registry_server_bind_agent (WeftRegistryServer *self,
                                 const gchar *agent_id,
                                 const gchar *peer_id);
void
weft_registry_server_refresh_binding (WeftRegistryServer *self, WeftAgentRecord *record);

/* weft-registry-server-limits.c */
gchar *
weft_registry_server_remote_address (SoupServerMessage *msg);
gboolean
weft_registry_server_early_checks (WeftRegistryServer *self,
                                   SoupServerMessage *msg,
                                   const char *path);
void
weft_registry_server_early_handler (SoupServer *soup,
                                    SoupServerMessage *msg,
                                    const char *path,
                                    GHashTable *query,
                                    gpointer user_data);
void
weft_registry_server_sweep_connections (WeftRegistryServer *self);
gboolean
weft_registry_server_sweep_timeout (gpointer user_data);

/* weft-registry-server-push.c */
extern const WeftAuthBackend weft_registry_server_auth_backend;
void
weft_registry_server_connect_push (WeftRegistryServer *self);
gboolean
weft_registry_server_load_keys (WeftRegistryServer *self, GError **error);

G_END_DECLS
