/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "weft-mesh-link-private.h"

/* what WeftMesh can tell about its connections: queries, the connection
 * report, and the holds that keep busy channels from the idle close */

gboolean
weft_mesh_is_open (WeftMesh *self, const gchar *peer_id)
{
  MeshLink *link;

  g_return_val_if_fail (WEFT_IS_MESH (self), FALSE);
  link = mesh_link_lookup (self, peer_id);
  return link != NULL && link->open;
}

gboolean
weft_mesh_is_online (WeftMesh *self, const gchar *peer_id)
{
  g_return_val_if_fail (WEFT_IS_MESH (self), FALSE);
  return peer_id != NULL && g_hash_table_contains (self->online, peer_id);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar *const *) a, *(const gchar *const *) b);
}

/* Returns: (transfer full): the peer ids with an open channel, sorted */
gchar **
weft_mesh_dup_open_peers (WeftMesh *self)
{
  g_autoptr (GPtrArray) out = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (WEFT_IS_MESH (self), NULL);
  g_hash_table_iter_init (&iter, self->links);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((MeshLink *) value)->open)
      g_ptr_array_add (out, g_strdup (((MeshLink *) value)->peer_id));
  g_ptr_array_sort (out, compare_strings);
  g_ptr_array_add (out, NULL);
  return (gchar **) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}

guint
weft_mesh_get_n_open (WeftMesh *self)
{
  g_auto (GStrv) peers = weft_mesh_dup_open_peers (self);

  return g_strv_length (peers);
}

/* how many channels have opened since the mesh was made */
guint
weft_mesh_get_n_connections_made (WeftMesh *self)
{
  g_return_val_if_fail (WEFT_IS_MESH (self), 0);
  return self->connections_made;
}

/* Returns: (transfer full): `{"peer_id", "mode", "connections": [{"peer_id",
 *   "state", "role", "setup_ms", "open_s", "idle_s", "ice_restarts", "messages_in",
 *   "messages_out"}]}` for logs, D-Bus and the agent's connection report */
JsonNode *
weft_mesh_dup_report (WeftMesh *self)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (GList) links = NULL;
  gint64 now = g_get_monotonic_time ();

  g_return_val_if_fail (WEFT_IS_MESH (self), NULL);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "peer_id");
  json_builder_add_string_value (b, mesh_local_id (self));
  json_builder_set_member_name (b, "mode");
  json_builder_add_string_value (b, self->mode == WEFT_CONNECT_MODE_FULL_MESH ? "full-mesh"
                                                                              : "on-demand");
  json_builder_set_member_name (b, "connections");
  json_builder_begin_array (b);
  links = g_hash_table_get_values (self->links);
  for (GList *l = links; l != NULL; l = l->next)
    {
      MeshLink *link = l->data;

      if (link->pc == NULL)
        continue;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "peer_id");
      json_builder_add_string_value (b, link->peer_id);
      json_builder_set_member_name (b, "state");
      json_builder_add_string_value (b, link->open ? "open" : "connecting");
      json_builder_set_member_name (b, "role");
      json_builder_add_string_value (b, link->offerer ? "offerer" : "answerer");
      json_builder_set_member_name (b, "setup_ms");
      json_builder_add_double_value (b, link->open ? link->setup_us / 1000.0 : 0.0);
      json_builder_set_member_name (b, "open_s");
      json_builder_add_int_value (b, link->open ? (now - link->opened_at) / G_USEC_PER_SEC : 0);
      json_builder_set_member_name (b, "idle_s");
      json_builder_add_int_value (b, (now - link->last_activity) / G_USEC_PER_SEC);
      json_builder_set_member_name (b, "ice_restarts");
      json_builder_add_int_value (b, link->ice_restarts);
      json_builder_set_member_name (b, "messages_in");
      json_builder_add_int_value (b, (gint64) link->messages_in);
      json_builder_set_member_name (b, "messages_out");
      json_builder_add_int_value (b, (gint64) link->messages_out);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

void
weft_mesh_hold (WeftMesh *self, const gchar *peer_id)
{
  MeshLink *link;

  g_return_if_fail (WEFT_IS_MESH (self));
  link = mesh_link_lookup (self, peer_id);
  if (link != NULL)
    {
      link->holds++;
      link->last_activity = g_get_monotonic_time ();
    }
}

void
weft_mesh_release (WeftMesh *self, const gchar *peer_id)
{
  MeshLink *link;

  g_return_if_fail (WEFT_IS_MESH (self));
  link = mesh_link_lookup (self, peer_id);
  if (link != NULL && link->holds > 0)
    {
      link->holds--;
      link->last_activity = g_get_monotonic_time ();
    }
}
