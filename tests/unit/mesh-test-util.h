/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "weft.h"

#include "agent-test-util.h"
#include "weft-mesh-private.h"
#include "weft-mesh-rpc-private.h"

G_BEGIN_DECLS

/* one peer of the mesh in this process: its own registry client (API key
 * ak_<name>, peer id <name>), signaling connection, WeftMesh and WeftMeshRpc */
typedef struct
{
  gchar *name;                /* (owned) */
  WeftRegistryClient *client; /* (owned) */
  WeftSignaling *signaling;   /* (owned) */
  WeftMesh *mesh;             /* (owned) */
  WeftMeshRpc *rpc;           /* (owned) */
  guint connected;            /* peer-connected emissions */
  guint disconnected;         /* peer-disconnected emissions */
} MeshNode;

/* a registry whose key table also holds ak_<name> for each of @names */
AgentTestRegistry *
mesh_test_registry_new (const gchar *const *names);

MeshNode *
mesh_node_new (AgentTestRegistry *reg, const gchar *name, WeftConnectMode mode);
void
mesh_node_free (MeshNode *node);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MeshNode, mesh_node_free)

/* waits until @node's signaling is up and it sees each of @peers online */
void
mesh_node_wait_online (MeshNode *node, const gchar *const *peers);
/* runs the main loop for @ms */
void
mesh_test_spin (guint ms);

G_END_DECLS
