/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* everything `weft-agent` and `weft run` do: options, manifest, agent, D-Bus,
 * signals; returns the process exit status */
int
weft_agent_runner_main (const gchar *prgname, int argc, char **argv);

G_END_DECLS
