/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* WeftRegistryServer routes: pairing and API key management */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "weft.h"
#include "weft-pairing-entry.h"
#include "weft-registry-json.h"
#include "weft-registry-server-private.h"

static JsonNode *
entries_to_json (GPtrArray *entries)
{
  JsonArray *array = json_array_sized_new (entries->len);
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; i < entries->len; i++)
    json_array_add_element (array, weft_pairing_entry_to_json (g_ptr_array_index (entries, i)));
  json_node_take_array (node, array);
  return node;
}

static void
handle_generate_code (WeftRequest *req)
{
  g_autoptr (GError) error = NULL;
  guint expires_in = 0;
  g_autofree gchar *code =
    weft_pairing_generate_code (req->server->pairing, req->principal->peer_id, &expires_in, &error);
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (JsonNode) node = NULL;

  if (code == NULL)
    {
      weft_request_reply_error (req, error);
      return;
    }
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, code);
  json_builder_set_member_name (b, "expires_in");
  json_builder_add_int_value (b, expires_in);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  weft_request_reply_json (req, SOUP_STATUS_OK, node);
}

static void
handle_pair (WeftRequest *req)
{
  gsize len;
  const gchar *data = weft_request_body_data (req, &len);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *code = NULL;
  g_autofree gchar *agent_name = NULL;
  g_autofree gchar *claim_token = NULL;
  g_autofree gchar *address = NULL;
  g_autoptr (WeftPairingEntry) entry = NULL;
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (JsonNode) node = NULL;

  if (!weft_pairing_pair_request_from_json (data, (gssize) len, &code, &agent_name, &error))
    {
      weft_request_reply_error (req, error);
      return;
    }
  address = weft_request_remote_address (req);
  entry = weft_pairing_pair (req->server->pairing, address, code, agent_name, &claim_token, &error);
  if (entry == NULL)
    {
      if (g_error_matches (error, WEFT_ERROR, WEFT_ERROR_RATE_LIMITED))
        {
          g_message ("Pairing attempt from %s refused: rate limit", address);
          weft_registry_metrics_count_limit (req->server->metrics, "pairing-attempts");
        }
      weft_request_reply_error (req, error);
      return;
    }
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, weft_pairing_entry_get_id (entry));
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (
    b, weft_pairing_status_to_string (weft_pairing_entry_get_status (entry)));
  json_builder_set_member_name (b, "peer_id");
  json_builder_add_string_value (b, weft_pairing_entry_get_peer_id (entry));
  json_builder_set_member_name (b, "claim_token");
  json_builder_add_string_value (b, claim_token);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  weft_request_reply_json (req, SOUP_STATUS_OK, node);
}

static void
handle_claim (WeftRequest *req)
{
  gsize len;
  const gchar *data = weft_request_body_data (req, &len);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = weft_registry_json_parse_object (data, (gssize) len, &error);
  g_autofree gchar *claim_token = NULL;
  g_autofree gchar *device_token = NULL;
  g_autoptr (WeftPairingEntry) entry = NULL;
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (JsonNode) node = NULL;
  const gchar *id = weft_request_param (req, 0);

  if (root == NULL || !weft_registry_json_get_string (json_node_get_object (root), "claim_token",
                                                      TRUE, &claim_token, NULL, &error))
    {
      weft_request_reply_error (req, error);
      return;
    }
  device_token = weft_pairing_claim (req->server->pairing, id, claim_token, &error);
  if (device_token == NULL)
    {
      /* still waiting for an admin: not an error, come back later */
      if (g_error_matches (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE))
        {
          b = json_builder_new ();
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "id");
          json_builder_add_string_value (b, id);
          json_builder_set_member_name (b, "status");
          json_builder_add_string_value (b, "pending_approval");
          json_builder_end_object (b);
          node = json_builder_get_root (b);
          weft_request_reply_json (req, SOUP_STATUS_ACCEPTED, node);
          return;
        }
      weft_request_reply_error (req, error);
      return;
    }
  entry = weft_pairing_get (req->server->pairing, id, NULL);
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, id);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, "approved");
  if (entry != NULL)
    {
      json_builder_set_member_name (b, "peer_id");
      json_builder_add_string_value (b, weft_pairing_entry_get_peer_id (entry));
    }
  json_builder_set_member_name (b, "device_token");
  json_builder_add_string_value (b, device_token);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  weft_request_reply_json (req, SOUP_STATUS_OK, node);
}

static void
handle_pending (WeftRequest *req)
{
  g_autoptr (GPtrArray) entries = weft_pairing_list_pending (req->server->pairing);
  g_autoptr (JsonNode) node = entries_to_json (entries);

  weft_request_reply_json (req, SOUP_STATUS_OK, node);
}

static void
handle_all (WeftRequest *req)
{
  g_autoptr (GPtrArray) entries = weft_pairing_list (req->server->pairing);
  g_autoptr (JsonNode) node = entries_to_json (entries);

  weft_request_reply_json (req, SOUP_STATUS_OK, node);
}

static void
handle_approve (WeftRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftPairingEntry) entry =
    weft_pairing_approve (req->server->pairing, weft_request_param (req, 0), &error);
  g_autoptr (JsonBuilder) b = NULL;
  g_autoptr (JsonNode) node = NULL;

  if (entry == NULL)
    {
      weft_request_reply_error (req, error);
      return;
    }
  /* the reference returns the device token here; Weft hands it only to the claimant */
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, weft_pairing_entry_get_id (entry));
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, "approved");
  json_builder_set_member_name (b, "peer_id");
  json_builder_add_string_value (b, weft_pairing_entry_get_peer_id (entry));
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  weft_request_reply_json (req, SOUP_STATUS_OK, node);
}

static void
handle_reject (WeftRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftPairingEntry) entry =
    weft_pairing_reject (req->server->pairing, weft_request_param (req, 0), &error);

  if (entry == NULL)
    weft_request_reply_error (req, error);
  else
    weft_request_reply_status_ok (req);
}

static void
handle_revoke (WeftRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftPairingEntry) entry =
    weft_pairing_revoke (req->server->pairing, weft_request_param (req, 0), &error);

  if (entry == NULL)
    weft_request_reply_error (req, error);
  else
    weft_request_reply_status_ok (req);
}

static JsonNode *
key_info_to_json (const WeftApiKeyInfo *info, const gchar *key)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, info->id);
  if (key != NULL)
    {
      json_builder_set_member_name (b, "key");
      json_builder_add_string_value (b, key);
    }
  json_builder_set_member_name (b, "peer_id");
  json_builder_add_string_value (b, info->peer_id);
  json_builder_set_member_name (b, "role");
  json_builder_add_string_value (b, weft_role_to_string (info->role));
  json_builder_set_member_name (b, "source");
  json_builder_add_string_value (b, info->from_file ? "file" : "database");
  json_builder_set_member_name (b, "created_at");
  json_builder_add_int_value (b, info->created_at);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
handle_list_keys (WeftRequest *req)
{
  g_autoptr (GPtrArray) keys = weft_auth_list_keys (req->server->auth);
  JsonArray *array = json_array_sized_new (keys->len);
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; i < keys->len; i++)
    json_array_add_element (array, key_info_to_json (g_ptr_array_index (keys, i), NULL));
  json_node_take_array (node, array);
  weft_request_reply_json (req, SOUP_STATUS_OK, node);
}

static void
handle_create_key (WeftRequest *req)
{
  gsize len;
  const gchar *data = weft_request_body_data (req, &len);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = weft_registry_json_parse_object (data, (gssize) len, &error);
  g_autofree gchar *peer_id = NULL;
  g_autofree gchar *role_str = NULL;
  g_autofree gchar *key = NULL;
  g_autoptr (WeftApiKeyInfo) info = NULL;
  g_autoptr (JsonNode) node = NULL;
  WeftRole role = WEFT_ROLE_AGENT;

  if (root == NULL ||
      !weft_registry_json_get_string (json_node_get_object (root), "peer_id", TRUE, &peer_id, NULL,
                                      &error) ||
      !weft_registry_json_get_string (json_node_get_object (root), "role", FALSE, &role_str, NULL,
                                      &error))
    {
      weft_request_reply_error (req, error);
      return;
    }
  if (role_str != NULL && !weft_role_from_string (role_str, &role))
    {
      weft_request_reply_message (req, SOUP_STATUS_UNPROCESSABLE_ENTITY,
                                  _ ("role must be \"agent\" or \"admin\""));
      return;
    }
  info = weft_auth_create_key (req->server->auth, peer_id, role, NULL, &key, &error);
  if (info == NULL)
    {
      weft_request_reply_error (req, error);
      return;
    }
  g_message ("API key %s created for peer %s (%s)", info->id, info->peer_id,
             weft_role_to_string (info->role));
  node = key_info_to_json (info, key);
  weft_request_reply_json (req, SOUP_STATUS_CREATED, node);
}

static void
handle_delete_key (WeftRequest *req)
{
  g_autoptr (GError) error = NULL;

  if (!weft_auth_revoke_key (req->server->auth, weft_request_param (req, 0), &error))
    weft_request_reply_error (req, error);
  else
    weft_request_reply_status_ok (req);
}

const WeftRoute weft_registry_pairing_routes[] = {
  { "POST", "/api/pairing/generate-code", WEFT_ROUTE_AUTH_ADMIN, FALSE, handle_generate_code },
  { "POST", "/api/pairing/pair", WEFT_ROUTE_AUTH_NONE, TRUE, handle_pair },
  { "GET", "/api/pairing/pending", WEFT_ROUTE_AUTH_ANY, FALSE, handle_pending },
  { "GET", "/api/pairing/all", WEFT_ROUTE_AUTH_ANY, FALSE, handle_all },
  { "POST", "/api/pairing/*/claim", WEFT_ROUTE_AUTH_NONE, TRUE, handle_claim },
  { "POST", "/api/pairing/*/approve", WEFT_ROUTE_AUTH_ADMIN, FALSE, handle_approve },
  { "POST", "/api/pairing/*/reject", WEFT_ROUTE_AUTH_ADMIN, FALSE, handle_reject },
  { "POST", "/api/pairing/*/revoke", WEFT_ROUTE_AUTH_ADMIN, FALSE, handle_revoke },
  { "GET", "/api/keys", WEFT_ROUTE_AUTH_ADMIN, FALSE, handle_list_keys },
  { "POST", "/api/keys", WEFT_ROUTE_AUTH_ADMIN, TRUE, handle_create_key },
  { "DELETE", "/api/keys/*", WEFT_ROUTE_AUTH_ADMIN, FALSE, handle_delete_key },
  { NULL },
};
