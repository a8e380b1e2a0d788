/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "weft-cli.h"

/* weft pair CODE: redeem an invite code, wait for an administrator's
 * approval, and keep the device token (mode 0600) where the agent reads it */

static gboolean
store_token (const gchar *path, const gchar *token, GError **error)
{
  g_autofree gchar *dir = g_path_get_dirname (path);
  g_autofree gchar *text = g_strconcat (token, "\n", NULL);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_FAILED, _ ("Cannot create %s: %s"), dir,
                   g_strerror (errno));
      return FALSE;
    }
  return g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

static gboolean
tick (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

int
weft_cli_pair (WeftCliOptions *opts, int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx = weft_cli_context_new (
    opts, _ ("CODE [MANIFEST]"),
    _ ("Redeem a six-digit invite code from the registry's administrator, wait for approval, and "
       "store the device token that the agent then uses instead of an API key."));
  gint timeout = 600;
  const GOptionEntry entries[] = {
    { "timeout", 't', 0, G_OPTION_ARG_INT, &timeout,
      N_ ("Seconds to wait for approval (default: 600)"), N_ ("SECONDS") },
    { NULL },
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftManifest) manifest = NULL;
  g_autoptr (WeftRegistryClient) client = NULL;
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (JsonNode) entry = NULL;
  g_autofree gchar *code = NULL;
  const gchar *path;
  const gchar *entry_id, *claim_token, *peer_id;
  gint64 deadline;

  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  if (!weft_cli_parse (ctx, &argc, &argv))
    return 2;
  if (argc < 2 || argc > 3)
    return weft_cli_usage (_ ("usage: weft pair CODE [MANIFEST]"));
  code = g_strstrip (g_strdup (argv[1]));
  if (strlen (code) != 6 || strspn (code, "0123456789") != 6)
    {
      g_set_error (&error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("The invite code must be exactly 6 digits; ask the registry's "
                      "administrator for one (weft-registry generates them)"));
      return weft_cli_fail (opts, error);
    }
  path = argc == 3 ? argv[2] : (opts->manifest != NULL ? opts->manifest : "agent.yaml");
  manifest = weft_manifest_new_from_file (path, &error);
  if (manifest == NULL)
    return weft_cli_fail (opts, error);
  client = weft_registry_client_new (
    opts->registry != NULL ? opts->registry : weft_manifest_get_registry (manifest));

  weft_registry_client_pair_async (client, code, weft_manifest_get_name (manifest), NULL,
                                   weft_cli_store_result, &res);
  weft_cli_wait (&res);
  entry = weft_registry_client_pair_finish (client, res, &error);
  if (entry == NULL)
    return weft_cli_fail (opts, error);
  entry_id = json_object_get_string_member_with_default (json_node_get_object (entry), "id", "");
  claim_token =
    json_object_get_string_member_with_default (json_node_get_object (entry), "claim_token", "");
  peer_id =
    json_object_get_string_member_with_default (json_node_get_object (entry), "peer_id", "");
  if (!opts->json)
    g_print (_ ("Pairing request %s sent as peer %s; waiting for an administrator to approve "
                "it…\n"),
             entry_id, peer_id);

  deadline = g_get_monotonic_time () + (gint64) MAX (timeout, 1) * G_USEC_PER_SEC;
  while (TRUE)
    {
      g_autoptr (GAsyncResult) cres = NULL;
      g_autoptr (JsonNode) claim = NULL;
      const gchar *status, *device_token;
      gboolean waited = FALSE;

      weft_registry_client_claim_async (client, entry_id, claim_token, NULL, weft_cli_store_result,
                                        &cres);
      weft_cli_wait (&cres);
      claim = weft_registry_client_claim_finish (client, cres, &error);
      if (claim == NULL)
        return weft_cli_fail (opts, error);
      status =
        json_object_get_string_member_with_default (json_node_get_object (claim), "status", "");
      device_token = json_object_get_string_member_with_default (json_node_get_object (claim),
                                                                 "device_token", NULL);
      if (g_str_equal (status, "approved") && device_token != NULL)
        {
          const gchar *file = weft_manifest_get_device_token_file (manifest);

          if (!store_token (file, device_token, &error))
            return weft_cli_fail (opts, error);
          if (opts->json)
            {
              g_autoptr (JsonBuilder) b = json_builder_new ();
              g_autoptr (JsonNode) node = NULL;

              json_builder_begin_object (b);
              json_builder_set_member_name (b, "id");
              json_builder_add_string_value (b, entry_id);
              json_builder_set_member_name (b, "status");
              json_builder_add_string_value (b, "approved");
              json_builder_set_member_name (b, "peer_id");
              json_builder_add_string_value (b, peer_id);
              json_builder_set_member_name (b, "device_token_file");
              json_builder_add_string_value (b, file);
              json_builder_end_object (b);
              node = json_builder_get_root (b);
              weft_cli_print_json (node);
            }
          else
            g_print (_ ("Approved. The device token is in %s; `weft run %s` uses it.\n"), file,
                     path);
          return 0;
        }
      if (!g_str_equal (status, "pending_approval"))
        {
          g_set_error (&error, WEFT_ERROR, WEFT_ERROR_PERMISSION_DENIED,
                       _ ("The pairing request was %s; ask the administrator for a new code"),
                       status);
          return weft_cli_fail (opts, error);
        }
      if (g_get_monotonic_time () > deadline)
        {
          g_set_error (&error, WEFT_ERROR, WEFT_ERROR_TIMED_OUT,
                       _ ("Nobody approved pairing request %s within %d s; run `weft pair` again "
                          "with a new code, or raise --timeout"),
                       entry_id, timeout);
          return weft_cli_fail (opts, error);
        }
      g_timeout_add_seconds (2, tick, &waited);
      while (!waited)
        g_main_context_iteration (NULL, TRUE);
    }
}
