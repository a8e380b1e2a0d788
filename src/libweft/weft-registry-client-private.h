/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "weft-registry-client.h"

G_BEGIN_DECLS

GProxyResolver *
weft_registry_client_proxy_resolver_from_env (void);

G_END_DECLS
