/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "weft-registry-server.h"

G_BEGIN_DECLS

#define WEFT_REGISTRY_DBUS_NAME "org.weft.Registry1"
#define WEFT_REGISTRY_DBUS_PATH "/org/weft/Registry1"

#define WEFT_TYPE_REGISTRY_DBUS (weft_registry_dbus_get_type ())
G_DECLARE_FINAL_TYPE (WeftRegistryDBus, weft_registry_dbus, WEFT, REGISTRY_DBUS, GObject)

/* owns org.weft.Registry1 on the session bus when there is one; without a bus it
 * stays idle */
WeftRegistryDBus *
weft_registry_dbus_new (WeftRegistryServer *server);

G_END_DECLS
