/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <locale.h>

#include <glib/gi18n-lib.h>

#include "weft-agent-runner.h"
#include "weft-cli.h"

/* weft VERB [OPTIONS] [ARGS]: one file per verb group */

typedef struct
{
  const gchar *name;
  WeftCliVerb func;
  const gchar *summary;
} Verb;

static int
verb_run (WeftCliOptions *opts, int argc, char **argv)
{
  return weft_agent_runner_main ("weft run", argc, argv);
}

static const Verb verbs[] = {
  { "init", weft_cli_init, N_ ("Create an agent directory with a sample skill") },
  { "validate", weft_cli_validate, N_ ("Check an agent.yaml and its skills") },
  { "pair", weft_cli_pair, N_ ("Redeem an invite code and keep the device token") },
  { "run", verb_run, N_ ("Run an agent (as weft-agent does)") },
  { "agents", weft_cli_agents, N_ ("List the registry's agents") },
  { "route", weft_cli_route, N_ ("Find an active agent with a skill") },
  { "invoke", weft_cli_invoke, N_ ("Run a skill of a local agent") },
  { "delegate", weft_cli_delegate, N_ ("Hand a task to another agent") },
  { "send", weft_cli_send, N_ ("Send a message to one agent") },
  { "broadcast", weft_cli_broadcast, N_ ("Send a message to every agent") },
  { "tasks", weft_cli_tasks, N_ ("List tasks") },
  { "status", weft_cli_status, N_ ("Show the agents running here") },
};

static void
usage (void)
{
  g_print (_ ("Usage: weft VERB [OPTIONS] [ARGS]\n\nVerbs:\n"));
  for (guint i = 0; i < G_N_ELEMENTS (verbs); i++)
    g_print ("  %-10s %s\n", verbs[i].name, _ (verbs[i].summary));
  g_print (_ ("\nEvery verb takes --json and --help. `weft VERB --help` tells more.\n"));
}

int
main (int argc, char **argv)
{
  WeftCliOptions opts = { 0 };
  int status = -1;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("weft");

  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") ||
      g_str_equal (argv[1], "help"))
    {
      usage ();
      return argc < 2 ? 2 : 0;
    }
  if (g_str_equal (argv[1], "--version"))
    {
      g_print ("weft %s\n", PACKAGE_VERSION);
      return 0;
    }
  for (guint i = 0; i < G_N_ELEMENTS (verbs); i++)
    if (g_str_equal (argv[1], verbs[i].name))
      {
        g_autofree gchar *prg = g_strdup_printf ("weft %s", verbs[i].name);

        g_set_prgname (prg);
        status = verbs[i].func (&opts, argc - 1, argv + 1);
        break;
      }
  if (status < 0)
    {
      g_printerr (_ ("weft: unknown verb “%s”; `weft --help` lists them\n"), argv[1]);
      status = 2;
    }
  g_free (opts.registry);
  g_free (opts.api_key);
  g_free (opts.agent);
  g_free (opts.manifest);
  return status;
}
