/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "weft.h"

G_BEGIN_DECLS

#define WEFT_TYPE_AGENT_SERVICE (weft_agent_service_get_type ())
G_DECLARE_FINAL_TYPE (WeftAgentService, weft_agent_service, WEFT, AGENT_SERVICE, GObject)

WeftAgentService *
weft_agent_service_new (WeftAgent *agent);
void
weft_agent_service_own_name (WeftAgentService *self, GBusType bus_type);
gchar *
weft_agent_service_bus_name_for (const gchar *agent_name);

G_END_DECLS
