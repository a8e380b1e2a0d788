/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "weft.h"

G_BEGIN_DECLS

/* options every verb understands */
typedef struct
{
  gboolean json;
  gchar *registry; /* (owned) (nullable) */
  gchar *api_key;  /* (owned) (nullable) */
  gchar *agent;    /* (owned) (nullable) local agent name for D-Bus verbs */
  gchar *manifest; /* (owned) (nullable) */
} WeftCliOptions;

typedef int (*WeftCliVerb) (WeftCliOptions *opts, int argc, char **argv);

/* a GOptionContext with the common options added */
GOptionContext *
weft_cli_context_new (WeftCliOptions *opts, const gchar *params, const gchar *summary);
gboolean
weft_cli_parse (GOptionContext *ctx, int *argc, char ***argv);

/* runs the default main context until *result is set */
void
weft_cli_wait (GAsyncResult **result);
void
weft_cli_store_result (GObject *source, GAsyncResult *res, gpointer user_data);

/* a registry client from --registry/--api-key, $WEFT_REGISTRY/$WEFT_API_KEY, ./agent.yaml */
WeftRegistryClient *
weft_cli_registry_client (WeftCliOptions *opts);

/* the session bus local agents are on; the error says so */
GDBusConnection *
weft_cli_session_bus (GError **error);
/* a proxy to the local agent named by --agent, or the only one running */
GDBusProxy *
weft_cli_agent_proxy (WeftCliOptions *opts, GError **error);
gchar **
weft_cli_list_local_agents (GDBusConnection *bus);

/* output */
void
weft_cli_print_json (JsonNode *node);
int
weft_cli_fail (WeftCliOptions *opts, const GError *error);
int
weft_cli_usage (const gchar *message);

int
weft_cli_init (WeftCliOptions *opts, int argc, char **argv);
int
weft_cli_validate (WeftCliOptions *opts, int argc, char **argv);
int
weft_cli_pair (WeftCliOptions *opts, int argc, char **argv);
int
weft_cli_agents (WeftCliOptions *opts, int argc, char **argv);
int
weft_cli_route (WeftCliOptions *opts, int argc, char **argv);
int
weft_cli_status (WeftCliOptions *opts, int argc, char **argv);
int
weft_cli_invoke (WeftCliOptions *opts, int argc, char **argv);
int
weft_cli_delegate (WeftCliOptions *opts, int argc, char **argv);
int
weft_cli_send (WeftCliOptions *opts, int argc, char **argv);
int
weft_cli_broadcast (WeftCliOptions *opts, int argc, char **argv);
int
weft_cli_tasks (WeftCliOptions *opts, int argc, char **argv);

G_END_DECLS
