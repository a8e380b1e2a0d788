/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GET /api/hub/network/topology (chatixia-wire §2.7), built from the
 * directory's public listing. Weft agents report the peers they have an open
 * DataChannel with (`mesh_peers` in their heartbeats): their edges are real.
 * Between agents that report nothing (chatixia's), the topology stays
 * synthetic as in the reference: every active agent with a sidecar peer id
 * is assumed meshed with every other one. */
#include "config.h"

#include "weft-agent-directory.h"

static const gchar *const *
report_of (WeftAgentDirectory *self, WeftAgentRecord *record)
{
  return weft_agent_directory_get_mesh_report (self, weft_agent_record_get_agent_id (record));
}

/* whether @a and @b have a channel: what either reports, else (when neither
 * reports anything) the reference's assumption */
static gboolean
meshed (WeftAgentDirectory *self, WeftAgentRecord *a, WeftAgentRecord *b)
{
  const gchar *const *ra = report_of (self, a);
  const gchar *const *rb = report_of (self, b);

  if (ra == NULL && rb == NULL)
    return TRUE;
  return (ra != NULL && g_strv_contains (ra, weft_agent_record_get_sidecar_peer_id (b))) ||
         (rb != NULL && g_strv_contains (rb, weft_agent_record_get_sidecar_peer_id (a)));
}

static void
add_node (WeftAgentDirectory *self, JsonBuilder *builder, WeftAgentRecord *record, GPtrArray *mesh)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "agent_id");
  json_builder_add_string_value (builder, weft_agent_record_get_agent_id (record));
  json_builder_set_member_name (builder, "ip");
  json_builder_add_string_value (builder, weft_agent_record_get_ip (record));
  json_builder_set_member_name (builder, "port");
  json_builder_add_int_value (builder, weft_agent_record_get_port (record));
  json_builder_set_member_name (builder, "hostname");
  json_builder_add_string_value (builder, weft_agent_record_get_hostname (record));
  json_builder_set_member_name (builder, "sidecar_peer_id");
  json_builder_add_string_value (builder, weft_agent_record_get_sidecar_peer_id (record));
  json_builder_set_member_name (builder, "mode");
  json_builder_add_string_value (builder, weft_agent_record_get_mode (record));
  json_builder_set_member_name (builder, "skills_count");
  json_builder_add_int_value (builder,
                              g_strv_length ((gchar **) weft_agent_record_get_skills (record)));
  json_builder_set_member_name (builder, "health");
  json_builder_add_string_value (
    builder, weft_agent_health_to_string (weft_agent_record_get_health (record)));
  json_builder_set_member_name (builder, "mesh_peers");
  json_builder_begin_array (builder);
  for (guint j = 0; j < mesh->len; j++)
    {
      WeftAgentRecord *peer = g_ptr_array_index (mesh, j);

      if (peer != record && meshed (self, record, peer))
        json_builder_add_string_value (builder, weft_agent_record_get_sidecar_peer_id (peer));
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
}

JsonNode *
weft_agent_directory_build_topology (WeftAgentDirectory *self)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (GPtrArray) records = NULL;
  g_autoptr (GPtrArray) mesh = g_ptr_array_new ();

  g_return_val_if_fail (WEFT_IS_AGENT_DIRECTORY (self), NULL);

  /* sorted by agent id, health computed now */
  records = weft_agent_directory_list (self);
  for (guint i = 0; i < records->len; i++)
    {
      WeftAgentRecord *record = g_ptr_array_index (records, i);

      if (weft_agent_record_get_health (record) == WEFT_AGENT_HEALTH_ACTIVE &&
          weft_agent_record_get_sidecar_peer_id (record)[0] != '\0')
        g_ptr_array_add (mesh, record);
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "nodes");
  json_builder_begin_array (builder);
  for (guint i = 0; i < records->len; i++)
    add_node (self, builder, g_ptr_array_index (records, i), mesh);
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "mesh_edges");
  json_builder_begin_array (builder);
  for (guint i = 0; i < mesh->len; i++)
    for (guint j = i + 1; j < mesh->len; j++)
      {
        if (!meshed (self, g_ptr_array_index (mesh, i), g_ptr_array_index (mesh, j)))
          continue;
        json_builder_begin_object (builder);
        json_builder_set_member_name (builder, "from_peer");
        json_builder_add_string_value (
          builder, weft_agent_record_get_sidecar_peer_id (g_ptr_array_index (mesh, i)));
        json_builder_set_member_name (builder, "to_peer");
        json_builder_add_string_value (
          builder, weft_agent_record_get_sidecar_peer_id (g_ptr_array_index (mesh, j)));
        json_builder_end_object (builder);
      }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}
