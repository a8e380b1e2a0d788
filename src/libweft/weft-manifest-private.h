/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "weft-manifest.h"
#include "weft-yaml-private.h"

G_BEGIN_DECLS

/* defaults, the same as the reference agent's where it has the key */
#define WEFT_MANIFEST_DEFAULT_NAME                 "unnamed-agent"
#define WEFT_MANIFEST_DEFAULT_REGISTRY             "http://localhost:8080"
#define WEFT_MANIFEST_DEFAULT_PROVIDER             "azure"
#define WEFT_MANIFEST_DEFAULT_SIDECAR_BINARY       "chatixia-sidecar"
#define WEFT_MANIFEST_DEFAULT_SIDECAR_API_KEY      "ak_dev_001"
#define WEFT_MANIFEST_DEFAULT_SIDECAR_SOCKET       "/tmp/chatixia-sidecar.sock"
#define WEFT_MANIFEST_DEFAULT_DATA_DIR             ".chatixia"
#define WEFT_MANIFEST_DEFAULT_MAX_TURNS            10
#define WEFT_MANIFEST_DEFAULT_CONTEXT_WINDOW       120000
#define WEFT_MANIFEST_DEFAULT_HEARTBEAT_INTERVAL   15
#define WEFT_MANIFEST_DEFAULT_MAX_CONCURRENT_TASKS 4
#define WEFT_MANIFEST_DEFAULT_IDLE_TIMEOUT         300
#define WEFT_MANIFEST_DEFAULT_TASK_TIMEOUT         120

struct _WeftManifest
{
  GObject parent_instance;

  gchar *path;     /* (owned) (nullable) absolute path of the file read */
  gchar *base_dir; /* (owned) (nullable) directory relative paths resolve against */

  gchar *name;            /* (owned) */
  gchar *description;     /* (owned) */
  gchar *registry;        /* (owned) without trailing slashes */
  gchar *provider;        /* (owned) */
  gchar *model;           /* (owned) */
  gchar *prompt;          /* (owned) */
  gchar *agent_md;        /* (owned) (nullable) AGENT.md beside the manifest */
  gchar *system_prompt;   /* (owned) */
  gchar *sidecar_binary;  /* (owned) */
  gchar *sidecar_api_key; /* (owned) */
  gchar *sidecar_socket;  /* (owned) */
  GStrv builtin_skills;   /* (owned) */
  GStrv skill_dirs;       /* (owned) resolved against base_dir */
  GStrv disabled_skills;  /* (owned) */
  gchar *data_dir;        /* (owned) as written */
  guint max_turns;
  guint context_window;

  /* the weft: section */
  gchar *api_key;           /* (owned) (nullable) overrides sidecar_api_key */
  gchar *device_token_file; /* (owned) (nullable) until loading completes */
  guint heartbeat_interval;
  guint max_concurrent_tasks;
  WeftConnectMode connect_mode;
  guint idle_timeout;
  guint task_timeout;
  gboolean dbus_enabled;
  GHashTable *labels; /* (owned) (element-type utf8 utf8) */

  GStrv errors;          /* (owned) formatted problems, in document order */
  gboolean invalid_yaml; /* one of the problems is a syntax error */
};

typedef struct
{
  guint line;     /* 1-based, 0 when the problem has no position */
  guint column;   /* 1-based */
  gchar *message; /* (owned) */
} WeftManifestProblem;

void
weft_manifest_problem_free (gpointer data);

GBytes *
weft_manifest_read_bounded (const gchar *path, GError **error);
WeftManifest *
weft_manifest_assemble (const gchar *data, gsize length, const gchar *path, const gchar *base_dir);

void
weft_manifest_read_document (WeftManifest *self, const WeftYamlNode *root, GPtrArray *problems);

G_END_DECLS
