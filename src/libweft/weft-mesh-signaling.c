/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "weft-error.h"
#include "weft-mesh-link-private.h"

/* WeftMesh and the registry's /ws: offers, answers and trickled candidates
 * in and out, presence, and the ICE servers of /api/config */

static gboolean
payload_is_weft (JsonNode *payload, gboolean *ice_restart)
{
  JsonObject *obj;
  JsonNode *weft;

  if (ice_restart != NULL)
    *ice_restart = FALSE;
  if (payload == NULL || !JSON_NODE_HOLDS_OBJECT (payload))
    return FALSE;
  obj = json_node_get_object (payload);
  weft = json_object_get_member (obj, "weft");
  if (weft == NULL || !JSON_NODE_HOLDS_OBJECT (weft))
    return FALSE;
  if (ice_restart != NULL)
    *ice_restart = json_object_get_boolean_member_with_default (json_node_get_object (weft),
                                                                "ice_restart", FALSE);
  return TRUE;
}

static const gchar *
payload_sdp (JsonNode *payload)
{
  if (payload == NULL || !JSON_NODE_HOLDS_OBJECT (payload))
    return NULL;
  return json_object_get_string_member_with_default (json_node_get_object (payload), "sdp", NULL);
}

static void
add_candidate (MeshLink *link, const gchar *candidate, const gchar *mid, gint mline)
{
  g_autoptr (GError) error = NULL;

  /* webrtc-rs (the chatixia sidecar) sends sdpMid "" with index 0: treat it
   * as "not given" so the index alone selects our only m-line */
  if (mid != NULL && mid[0] == '\0')
    mid = NULL;
  if (!weft_peer_connection_add_remote_candidate (link->pc, candidate, mid, mline, &error))
    g_debug ("mesh: ignoring a candidate from %s: %s", link->peer_id, error->message);
}

/* ---- signaling ---- */

static void
offer_cb (WeftSignaling *signaling, const gchar *from, JsonNode *payload, gpointer user_data)
{
  WeftMesh *self = user_data;
  MeshLink *link;
  const gchar *sdp = payload_sdp (payload);
  gboolean ice_restart = FALSE;
  gboolean is_weft = payload_is_weft (payload, &ice_restart);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) answer_payload = NULL;
  g_autofree gchar *answer = NULL;

  if (sdp == NULL || from == NULL || from[0] == '\0' || !self->started)
    return;
  g_hash_table_add (self->online, g_strdup (from));
  link = mesh_link_ensure (self, from);
  g_clear_handle_id (&link->offer_delay_id, g_source_remove);

  if (link->pc != NULL && link->offerer && !link->have_remote &&
      g_strcmp0 (mesh_local_id (self), from) < 0)
    {
      /* glare: both offered; the smaller id keeps its offer */
      g_debug ("mesh: glare with %s: keeping our offer", from);
      return;
    }
  if (link->pc != NULL && ice_restart && !link->offerer && link->have_remote)
    {
      /* the same session with new ICE credentials */
      if (!weft_peer_connection_set_remote_description (link->pc, WEFT_SDP_TYPE_OFFER, sdp,
                                                        &error) ||
          (answer = weft_peer_connection_create_answer (link->pc, &error)) == NULL)
        {
          mesh_link_broken (link, error->message);
          return;
        }
      link->ice_restarts++;
      g_message ("mesh: %s restarted ICE", from);
      answer_payload = mesh_sdp_payload ("answer", answer, TRUE);
      mesh_send_frame (link, "answer", answer_payload);
      return;
    }
  if (link->pc != NULL)
    g_debug ("mesh: %s sent a new offer; replacing our connection", from);

  /* answer on a fresh connection, as the sidecar does: this covers glare on
   * the larger id's side and a peer that restarted */
  mesh_link_drop_pc (link);
  link->offerer = FALSE;
  link->remote_is_weft = is_weft;
  if (!mesh_link_new_pc (link, &error))
    {
      mesh_link_fail_now (link, error);
      return;
    }
  if (is_weft)
    weft_peer_connection_set_large_packets (link->pc, TRUE);
  if (!weft_peer_connection_set_remote_description (link->pc, WEFT_SDP_TYPE_OFFER, sdp, &error))
    {
      g_message ("mesh: rejecting the offer from %s: %s", from, error->message);
      mesh_link_fail_now (link, error);
      return;
    }
  link->have_remote = TRUE;
  for (guint i = 0; i < link->early->len; i++)
    {
      EarlyCandidate *c = g_ptr_array_index (link->early, i);

      add_candidate (link, c->candidate, c->mid, c->mline);
    }
  g_ptr_array_set_size (link->early, 0);
  answer = weft_peer_connection_create_answer (link->pc, &error);
  if (answer == NULL)
    {
      mesh_link_fail_now (link, error);
      return;
    }
  answer_payload = mesh_sdp_payload ("answer", answer, FALSE);
  mesh_send_frame (link, "answer", answer_payload);
}

static void
answer_cb (WeftSignaling *signaling, const gchar *from, JsonNode *payload, gpointer user_data)
{
  WeftMesh *self = user_data;
  MeshLink *link = mesh_link_lookup (self, from);
  const gchar *sdp = payload_sdp (payload);
  g_autoptr (GError) error = NULL;

  if (link == NULL || link->pc == NULL || !link->offerer || sdp == NULL)
    {
      g_debug ("mesh: ignoring an answer from %s", from);
      return;
    }
  link->remote_is_weft = payload_is_weft (payload, NULL);
  if (link->remote_is_weft)
    weft_peer_connection_set_large_packets (link->pc, TRUE);
  if (!weft_peer_connection_set_remote_description (link->pc, WEFT_SDP_TYPE_ANSWER, sdp, &error))
    {
      mesh_link_broken (link, error->message);
      return;
    }
  link->have_remote = TRUE;
}

static void
ice_candidate_cb (WeftSignaling *signaling,
                  const gchar *from,
                  JsonNode *payload,
                  gpointer user_data)
{
  WeftMesh *self = user_data;
  MeshLink *link;
  JsonObject *obj;
  const gchar *candidate;
  const gchar *mid;
  gint mline;

  if (payload == NULL || !JSON_NODE_HOLDS_OBJECT (payload) || !self->started)
    return;
  obj = json_node_get_object (payload);
  candidate = json_object_get_string_member_with_default (obj, "candidate", NULL);
  mid = json_object_get_string_member_with_default (obj, "sdpMid", NULL);
  mline = (gint) json_object_get_int_member_with_default (obj, "sdpMLineIndex", 0);
  if (candidate == NULL)
    return;
  link = mesh_link_lookup (self, from);
  if (link == NULL || link->pc == NULL)
    {
      /* the offer is still on its way (or being processed): keep it, as
       * the sidecar sends candidates right behind its offer */
      EarlyCandidate *c = g_new0 (EarlyCandidate, 1);

      link = mesh_link_ensure (self, from);
      if (link->early->len >= 64)
        return;
      c->candidate = g_strdup (candidate);
      c->mid = g_strdup (mid);
      c->mline = mline;
      g_ptr_array_add (link->early, c);
      return;
    }
  add_candidate (link, candidate, mid, mline);
}

static gboolean
join_offer_cb (gpointer user_data)
{
  MeshLink *link = user_data;

  link->offer_delay_id = 0;
  if (link->pc == NULL)
    mesh_link_start_offer (link, FALSE);
  return G_SOURCE_REMOVE;
}

void
mesh_maybe_offer_full_mesh (WeftMesh *self, const gchar *peer_id, guint delay_ms)
{
  MeshLink *link;

  if (self->mode != WEFT_CONNECT_MODE_FULL_MESH || g_strcmp0 (peer_id, mesh_local_id (self)) == 0)
    return;
  link = mesh_link_ensure (self, peer_id);
  if (link->pc != NULL || link->offer_delay_id != 0)
    return;
  if (delay_ms == 0)
    mesh_link_start_offer (link, FALSE);
  else
    link->offer_delay_id =
      g_timeout_add (delay_ms + g_random_int_range (0, (gint32) delay_ms), join_offer_cb, link);
}

static void
peer_list_cb (WeftSignaling *signaling, gchar **peers, gpointer user_data)
{
  WeftMesh *self = user_data;

  g_hash_table_remove_all (self->online);
  for (guint i = 0; peers != NULL && peers[i] != NULL; i++)
    g_hash_table_add (self->online, g_strdup (peers[i]));
  for (guint i = 0; peers != NULL && peers[i] != NULL; i++)
    mesh_maybe_offer_full_mesh (self, peers[i], 0);
}

static void
peer_joined_cb (WeftSignaling *signaling, const gchar *peer_id, gpointer user_data)
{
  WeftMesh *self = user_data;
  MeshLink *link = mesh_link_lookup (self, peer_id);

  g_hash_table_add (self->online, g_strdup (peer_id));
  /* an offer made while the peer was away went nowhere: make it again */
  if (link != NULL && link->pc != NULL && link->offerer && !link->have_remote &&
      link->waiters->len > 0)
    {
      mesh_link_start_offer (link, FALSE);
      return;
    }
  /* the newcomer offers to everyone it finds in its peer_list; offer only
   * if it does not (a chatixia newcomer always does) */
  mesh_maybe_offer_full_mesh (self, peer_id, JOIN_OFFER_DELAY_MS);
}

static void
peer_left_cb (WeftSignaling *signaling, const gchar *peer_id, gpointer user_data)
{
  WeftMesh *self = user_data;
  MeshLink *link = mesh_link_lookup (self, peer_id);

  g_hash_table_remove (self->online, peer_id);
  /* an open channel outlives the peer's signaling socket. a negotiation
   * with callers waiting goes on until their budget ends: the peer may be
   * reconnecting (peer_joined then offers again) */
  if (link != NULL && !link->open && link->waiters->len == 0)
    mesh_link_broken (link, "the peer left signaling");
}

void
mesh_ice_config_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (WeftMesh) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) config =
    weft_registry_client_get_ice_config_finish (WEFT_REGISTRY_CLIENT (source), res, &error);

  if (config == NULL)
    {
      if (!g_error_matches (error, WEFT_ERROR, WEFT_ERROR_CANCELLED))
        g_message ("mesh: no ICE servers from the registry: %s", error->message);
      return;
    }
  if (!self->ice_config_fixed)
    {
      g_clear_pointer (&self->ice_config, json_node_unref);
      self->ice_config = g_steal_pointer (&config);
    }
}

void
mesh_connect_signaling (WeftMesh *self)
{
  g_signal_connect (self->signaling, "peer-list", G_CALLBACK (peer_list_cb), self);
  g_signal_connect (self->signaling, "peer-joined", G_CALLBACK (peer_joined_cb), self);
  g_signal_connect (self->signaling, "peer-left", G_CALLBACK (peer_left_cb), self);
  g_signal_connect (self->signaling, "offer", G_CALLBACK (offer_cb), self);
  g_signal_connect (self->signaling, "answer", G_CALLBACK (answer_cb), self);
  g_signal_connect (self->signaling, "ice-candidate", G_CALLBACK (ice_candidate_cb), self);
}
