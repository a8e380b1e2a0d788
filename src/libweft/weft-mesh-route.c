/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "weft-mesh-rpc-private.h"

/* WeftMeshRoute: which path one call took (direct or registry), why, and
 * how long it took; for logs, D-Bus and the agent's connection report */

G_DEFINE_BOXED_TYPE (WeftMeshRoute, weft_mesh_route, weft_mesh_route_copy, weft_mesh_route_free)

WeftMeshRoute *
weft_mesh_route_new (const gchar *kind,
                     const gchar *target,
                     const gchar *path,
                     const gchar *reason,
                     const gchar *request_id,
                     gint64 elapsed_us,
                     gboolean ok)
{
  WeftMeshRoute *route = g_new0 (WeftMeshRoute, 1);

  route->kind = g_strdup (kind);
  route->target = g_strdup (target);
  route->path = g_strdup (path);
  route->reason = g_strdup (reason);
  route->request_id = g_strdup (request_id);
  route->elapsed_us = elapsed_us;
  route->ok = ok;
  return route;
}

WeftMeshRoute *
weft_mesh_route_copy (const WeftMeshRoute *route)
{
  return weft_mesh_route_new (route->kind, route->target, route->path, route->reason,
                              route->request_id, route->elapsed_us, route->ok);
}

void
weft_mesh_route_free (WeftMeshRoute *route)
{
  if (route == NULL)
    return;
  g_free (route->kind);
  g_free (route->target);
  g_free (route->path);
  g_free (route->reason);
  g_free (route->request_id);
  g_free (route);
}

/* Returns: (transfer full): `{"kind","target","path","reason","request_id",
 *   "elapsed_ms","ok"}` */
JsonNode *
weft_mesh_route_to_json_node (const WeftMeshRoute *route)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, route->kind);
  json_builder_set_member_name (b, "target");
  json_builder_add_string_value (b, route->target != NULL ? route->target : "");
  json_builder_set_member_name (b, "path");
  json_builder_add_string_value (b, route->path);
  json_builder_set_member_name (b, "reason");
  json_builder_add_string_value (b, route->reason != NULL ? route->reason : "");
  json_builder_set_member_name (b, "request_id");
  json_builder_add_string_value (b, route->request_id != NULL ? route->request_id : "");
  json_builder_set_member_name (b, "elapsed_ms");
  json_builder_add_double_value (b, route->elapsed_us / 1000.0);
  json_builder_set_member_name (b, "ok");
  json_builder_add_boolean_value (b, route->ok);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
