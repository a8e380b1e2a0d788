/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* a real weft-registry on an ephemeral loopback port, with a fresh database and
 * one API key per test peer: ak_alpha, ak_beta, ak_gamma (agents) and ak_admin */
typedef struct
{
  GSubprocess *proc; /* (owned) (nullable) */
  gchar *dir;        /* (owned) */
  gchar *db;         /* (owned) */
  gchar *keys;       /* (owned) */
  gchar *port_file;  /* (owned) */
  gchar *url;        /* (owned) (nullable) */
  guint16 port;
  gboolean exited;
} AgentTestRegistry;

AgentTestRegistry *
agent_test_registry_new (void);
gboolean
agent_test_registry_start (AgentTestRegistry *reg);
void
agent_test_registry_stop (AgentTestRegistry *reg);
void
agent_test_registry_free (AgentTestRegistry *reg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AgentTestRegistry, agent_test_registry_free)

const gchar *
agent_test_registry_path (void);

/* g_test_init() with isolated directories, plus an environment in which GIO
 * does not look for desktop proxy settings that the isolated dirs hide */
void
agent_test_init (int *argc, char ***argv);

/* spins the default main context until *result is set or @timeout_ms passes */
gboolean
agent_test_wait_result (GAsyncResult **result, guint timeout_ms);
void
agent_test_store_result (GObject *source, GAsyncResult *res, gpointer user_data);
gboolean
agent_test_wait_until (gboolean (*cond) (gpointer), gpointer data, guint timeout_ms);
guint16
agent_test_free_port (void);

G_END_DECLS
