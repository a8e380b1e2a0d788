/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "weft.h"
#include "weft-agent-directory.h"
#include "weft-auth.h"
#include "weft-pairing.h"
#include "weft-registry-dbus-generated.h"
#include "weft-registry-dbus.h"

struct _WeftRegistryDBus
{
  GObject parent_instance;

  WeftRegistryServer *server;  /* (owned) */
  WeftDBusRegistry1 *skeleton; /* (owned) */
  guint owner_id;
};

G_DEFINE_TYPE (WeftRegistryDBus, weft_registry_dbus, G_TYPE_OBJECT)

static WeftPairing *
pairing (WeftRegistryDBus *self)
{
  return WEFT_PAIRING (weft_registry_server_get_pairing (self->server));
}

static WeftAuth *
auth (WeftRegistryDBus *self)
{
  return WEFT_AUTH (weft_registry_server_get_auth (self->server));
}

static gboolean
handle_list_agents (WeftDBusRegistry1 *iface, GDBusMethodInvocation *invocation, gpointer data)
{
  WeftRegistryDBus *self = data;
  WeftAgentDirectory *dir =
    WEFT_AGENT_DIRECTORY (weft_registry_server_get_directory (self->server));
  g_autoptr (GPtrArray) agents = weft_agent_directory_list (dir);
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ssssas)"));
  for (guint i = 0; i < agents->len; i++)
    {
      WeftAgentRecord *r = g_ptr_array_index (agents, i);
      const gchar *const *skills = weft_agent_record_get_skills (r);
      const gchar *const empty[] = { NULL };

      g_variant_builder_add (&b, "(ssss^as)", weft_agent_record_get_agent_id (r),
                             weft_agent_health_to_string (weft_agent_record_get_health (r)),
                             weft_agent_record_get_hostname (r),
                             weft_agent_record_get_sidecar_peer_id (r),
                             skills != NULL ? skills : empty);
    }
  weft_dbus_registry1_complete_list_agents (iface, invocation, g_variant_builder_end (&b));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_list_pairing_entries (WeftDBusRegistry1 *iface,
                             GDBusMethodInvocation *invocation,
                             const gchar *status,
                             gpointer data)
{
  WeftRegistryDBus *self = data;
  g_autoptr (GPtrArray) entries = weft_pairing_list (pairing (self));
  WeftPairingStatus wanted = WEFT_PAIRING_STATUS_PENDING_APPROVAL;
  GVariantBuilder b;

  if (status[0] != '\0' && !weft_pairing_status_from_string (status, &wanted))
    {
      g_dbus_method_invocation_return_error (invocation, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                                             _ ("Unknown pairing status “%s”"), status);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ssssdd)"));
  for (guint i = 0; i < entries->len; i++)
    {
      WeftPairingEntry *e = g_ptr_array_index (entries, i);

      if (status[0] != '\0' && weft_pairing_entry_get_status (e) != wanted)
        continue;
      g_variant_builder_add (&b, "(ssssdd)", weft_pairing_entry_get_id (e),
                             weft_pairing_entry_get_agent_name (e),
                             weft_pairing_entry_get_peer_id (e),
                             weft_pairing_status_to_string (weft_pairing_entry_get_status (e)),
                             weft_registry_usec_to_seconds (weft_pairing_entry_get_created_at (e)),
                             weft_registry_usec_to_seconds (weft_pairing_entry_get_updated_at (e)));
    }
  weft_dbus_registry1_complete_list_pairing_entries (iface, invocation, g_variant_builder_end (&b));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_approve (WeftDBusRegistry1 *iface,
                GDBusMethodInvocation *invocation,
                const gchar *id,
                gpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftPairingEntry) e = weft_pairing_approve (pairing (data), id, &error);

  if (e == NULL)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    weft_dbus_registry1_complete_approve_pairing (iface, invocation,
                                                  weft_pairing_entry_get_peer_id (e));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_reject (WeftDBusRegistry1 *iface,
               GDBusMethodInvocation *invocation,
               const gchar *id,
               gpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftPairingEntry) e = weft_pairing_reject (pairing (data), id, &error);

  if (e == NULL)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    weft_dbus_registry1_complete_reject_pairing (iface, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_revoke (WeftDBusRegistry1 *iface,
               GDBusMethodInvocation *invocation,
               const gchar *id,
               gpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftPairingEntry) e = weft_pairing_revoke (pairing (data), id, &error);

  if (e == NULL)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    weft_dbus_registry1_complete_revoke_pairing (iface, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_generate_code (WeftDBusRegistry1 *iface, GDBusMethodInvocation *invocation, gpointer data)
{
  g_autoptr (GError) error = NULL;
  guint expires_in = 0;
  g_autofree gchar *code = weft_pairing_generate_code (pairing (data), "dbus", &expires_in, &error);

  if (code == NULL)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    weft_dbus_registry1_complete_generate_invite_code (iface, invocation, code, expires_in);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_list_keys (WeftDBusRegistry1 *iface, GDBusMethodInvocation *invocation, gpointer data)
{
  g_autoptr (GPtrArray) keys = weft_auth_list_keys (auth (data));
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ssss)"));
  for (guint i = 0; i < keys->len; i++)
    {
      WeftApiKeyInfo *k = g_ptr_array_index (keys, i);

      g_variant_builder_add (&b, "(ssss)", k->id, k->peer_id, weft_role_to_string (k->role),
                             k->from_file ? "file" : "database");
    }
  weft_dbus_registry1_complete_list_api_keys (iface, invocation, g_variant_builder_end (&b));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_create_key (WeftDBusRegistry1 *iface,
                   GDBusMethodInvocation *invocation,
                   const gchar *peer_id,
                   const gchar *role_str,
                   gpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftApiKeyInfo) info = NULL;
  g_autofree gchar *key = NULL;
  WeftRole role;

  if (!weft_role_from_string (role_str, &role))
    {
      g_dbus_method_invocation_return_error (invocation, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                                             _ ("role must be “agent” or “admin”, not “%s”"),
                                             role_str);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  info = weft_auth_create_key (auth (data), peer_id, role, NULL, &key, &error);
  if (info == NULL)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    {
      g_message ("API key %s created over D-Bus for peer %s (%s)", info->id, info->peer_id,
                 role_str);
      weft_dbus_registry1_complete_create_api_key (iface, invocation, info->id, key);
    }
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_revoke_key (WeftDBusRegistry1 *iface,
                   GDBusMethodInvocation *invocation,
                   const gchar *id,
                   gpointer data)
{
  g_autoptr (GError) error = NULL;

  if (!weft_auth_revoke_key (auth (data), id, &error))
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    weft_dbus_registry1_complete_revoke_api_key (iface, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
on_bus_acquired (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  WeftRegistryDBus *self = user_data;
  g_autoptr (GError) error = NULL;

  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->skeleton), connection,
                                         WEFT_REGISTRY_DBUS_PATH, &error))
    g_warning ("Cannot export %s on the session bus: %s", WEFT_REGISTRY_DBUS_PATH, error->message);
}

static void
on_name_acquired (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  g_message ("Owning %s on the session bus", name);
}

static void
on_name_lost (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  /* another registry of this user has it, or there is no bus: HTTP keeps working */
  g_message ("Not owning %s on the session bus (%s)", name,
             connection == NULL ? "no bus" : "another process has it");
}

static void
weft_registry_dbus_dispose (GObject *object)
{
  WeftRegistryDBus *self = WEFT_REGISTRY_DBUS (object);

  if (self->owner_id != 0)
    {
      g_bus_unown_name (self->owner_id);
      self->owner_id = 0;
    }
  /* not exported when there was no bus */
  if (self->skeleton != NULL &&
      g_dbus_interface_skeleton_get_connection (G_DBUS_INTERFACE_SKELETON (self->skeleton)) != NULL)
    g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->skeleton));
  g_clear_object (&self->skeleton);
  g_clear_object (&self->server);
  G_OBJECT_CLASS (weft_registry_dbus_parent_class)->dispose (object);
}

static void
weft_registry_dbus_class_init (WeftRegistryDBusClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = weft_registry_dbus_dispose;
}

static void
weft_registry_dbus_init (WeftRegistryDBus *self)
{
}

WeftRegistryDBus *
weft_registry_dbus_new (WeftRegistryServer *server)
{
  WeftRegistryDBus *self = g_object_new (WEFT_TYPE_REGISTRY_DBUS, NULL);

  self->server = g_object_ref (server);
  self->skeleton = weft_dbus_registry1_skeleton_new ();
  weft_dbus_registry1_set_version (self->skeleton, PACKAGE_VERSION);
  weft_dbus_registry1_set_port (self->skeleton, weft_registry_server_get_port (server));

  g_signal_connect (self->skeleton, "handle-list-agents", G_CALLBACK (handle_list_agents), self);
  g_signal_connect (self->skeleton, "handle-list-pairing-entries",
                    G_CALLBACK (handle_list_pairing_entries), self);
  g_signal_connect (self->skeleton, "handle-approve-pairing", G_CALLBACK (handle_approve), self);
  g_signal_connect (self->skeleton, "handle-reject-pairing", G_CALLBACK (handle_reject), self);
  g_signal_connect (self->skeleton, "handle-revoke-pairing", G_CALLBACK (handle_revoke), self);
  g_signal_connect (self->skeleton, "handle-generate-invite-code",
                    G_CALLBACK (handle_generate_code), self);
  g_signal_connect (self->skeleton, "handle-list-api-keys", G_CALLBACK (handle_list_keys), self);
  g_signal_connect (self->skeleton, "handle-create-api-key", G_CALLBACK (handle_create_key), self);
  g_signal_connect (self->skeleton, "handle-revoke-api-key", G_CALLBACK (handle_revoke_key), self);

  /* no session bus (a system service, a container): nothing to own */
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL && g_getenv ("XDG_RUNTIME_DIR") == NULL)
    {
      g_debug ("no session bus; org.weft.Registry1 not offered");
      return self;
    }
  self->owner_id = g_bus_own_name (G_BUS_TYPE_SESSION, WEFT_REGISTRY_DBUS_NAME,
                                   G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE, on_bus_acquired,
                                   on_name_acquired, on_name_lost, self, NULL);
  return self;
}
