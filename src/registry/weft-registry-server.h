/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "weft-registry-config.h"

G_BEGIN_DECLS

#define WEFT_TYPE_REGISTRY_SERVER (weft_registry_server_get_type ())
G_DECLARE_FINAL_TYPE (WeftRegistryServer, weft_registry_server, WEFT, REGISTRY_SERVER, GObject)

/* opens the database of @config and loads every piece of state; takes @config */
WeftRegistryServer *
weft_registry_server_new (WeftRegistryConfig *config, GError **error);
gboolean
weft_registry_server_listen (WeftRegistryServer *self, GError **error);
gboolean
weft_registry_server_listen_socket (WeftRegistryServer *self, GSocket *socket, GError **error);
guint
weft_registry_server_get_port (WeftRegistryServer *self);
void
weft_registry_server_shutdown (WeftRegistryServer *self);

/* the logic objects, for local administration (transfer none) */
GObject *
weft_registry_server_get_auth (WeftRegistryServer *self);
GObject *
weft_registry_server_get_pairing (WeftRegistryServer *self);
GObject *
weft_registry_server_get_directory (WeftRegistryServer *self);
GObject *
weft_registry_server_get_task_queue (WeftRegistryServer *self);
GObject *
weft_registry_server_get_store (WeftRegistryServer *self);

G_END_DECLS
