/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "weft-candidate.h"
#include "weft-sdp-private.h"

/* the writer: local offers and answers in exactly one form */


static gchar *
random_session_id (void)
{
  /* a random 63-bit number, as RFC 8866 §5.2 suggests for o= */
  guint64 id =
    ((guint64) g_random_int () << 32 | g_random_int ()) & G_GUINT64_CONSTANT (0x7fffffffffffffff);

  return g_strdup_printf ("%" G_GUINT64_FORMAT, id);
}

static WeftSdp *
new_local (WeftSdpType type,
           const gchar *ice_ufrag,
           const gchar *ice_pwd,
           const gchar *fingerprint_algorithm,
           const gchar *fingerprint)
{
  WeftSdp *self = g_object_new (WEFT_TYPE_SDP, NULL);

  self->is_local = TRUE;
  self->type = type;
  self->session_id = random_session_id ();
  self->ice_ufrag = g_strdup (ice_ufrag);
  self->ice_pwd = g_strdup (ice_pwd);
  self->ice_options = g_strdup ("trickle");
  self->fingerprint_algorithm = g_ascii_strdown (fingerprint_algorithm, -1);
  self->fingerprint = g_ascii_strup (fingerprint, -1);
  self->max_message_size = WEFT_SDP_LOCAL_MAX_MESSAGE_SIZE;
  self->sctp_port = WEFT_SDP_DEFAULT_SCTP_PORT;
  self->sctp_streams = WEFT_SDP_LEGACY_SCTP_STREAMS;
  self->media_port = 9;
  return self;
}

/**
 * weft_sdp_new_offer:
 * @ice_ufrag: the local ICE username fragment
 * @ice_pwd: the local ICE password
 * @fingerprint_algorithm: the hash function of @fingerprint, e.g. `sha-256`
 * @fingerprint: the local certificate's fingerprint, `AB:CD:...`
 *
 * Creates a local offer in the modern form: one `m=application ... UDP/DTLS/SCTP
 * webrtc-datachannel` section with mid `0` in a BUNDLE group, `a=setup:actpass`,
 * `a=ice-options:trickle`, `a=sctp-port:5000` and
 * `a=max-message-size:262144`.
 *
 * Returns: (transfer full): the offer
 */
WeftSdp *
weft_sdp_new_offer (const gchar *ice_ufrag,
                    const gchar *ice_pwd,
                    const gchar *fingerprint_algorithm,
                    const gchar *fingerprint)
{
  WeftSdp *self;
  WeftSdpMLine *m;

  g_return_val_if_fail (ice_ufrag != NULL && ice_pwd != NULL, NULL);
  g_return_val_if_fail (fingerprint_algorithm != NULL && fingerprint != NULL, NULL);

  self = new_local (WEFT_SDP_TYPE_OFFER, ice_ufrag, ice_pwd, fingerprint_algorithm, fingerprint);
  self->setup = WEFT_SDP_SETUP_ACTPASS;
  self->format = WEFT_SDP_SCTP_FORMAT_MODERN;
  self->mid = g_strdup ("0");
  g_strfreev (self->bundle_mids);
  self->bundle_mids = g_new0 (gchar *, 2);
  self->bundle_mids[0] = g_strdup ("0");
  m = g_new0 (WeftSdpMLine, 1);
  m->media = g_strdup ("application");
  m->proto = g_strdup (self->proto);
  m->fmt = g_strdup ("webrtc-datachannel");
  m->mid = g_strdup ("0");
  g_ptr_array_add (self->mlines, m);
  self->mline_index = 0;
  return self;
}

/**
 * weft_sdp_new_answer:
 * @offer: the remote offer
 * @ice_ufrag: the local ICE username fragment
 * @ice_pwd: the local ICE password
 * @fingerprint_algorithm: the hash function of @fingerprint, e.g. `sha-256`
 * @fingerprint: the local certificate's fingerprint, `AB:CD:...`
 * @setup: %WEFT_SDP_SETUP_ACTIVE, %WEFT_SDP_SETUP_PASSIVE, or
 *   %WEFT_SDP_SETUP_NONE to choose (active, or passive when the offer is active)
 * @error: return location for a #GError
 *
 * Creates a local answer to @offer: the data channel section keeps the
 * offer's m-line index, mid, proto and form (a legacy `DTLS/SCTP` offer gets a
 * legacy answer with `a=sctpmap`); BUNDLE is mirrored; other m-lines of the
 * offer are rejected with port 0. Nothing the offer carried beyond that (for
 * instance `a=sctp-init`) is echoed.
 *
 * Returns: (transfer full): the answer, or %NULL with
 *   %WEFT_ERROR_INVALID_ARGUMENT if @setup conflicts with the offer's
 */
WeftSdp *
weft_sdp_new_answer (WeftSdp *offer,
                     const gchar *ice_ufrag,
                     const gchar *ice_pwd,
                     const gchar *fingerprint_algorithm,
                     const gchar *fingerprint,
                     WeftSdpSetup setup,
                     GError **error)
{
  g_autoptr (WeftSdp) self = NULL;
  gboolean offer_active;

  g_return_val_if_fail (WEFT_IS_SDP (offer), NULL);
  g_return_val_if_fail (ice_ufrag != NULL && ice_pwd != NULL, NULL);
  g_return_val_if_fail (fingerprint_algorithm != NULL && fingerprint != NULL, NULL);

  /* an absent a=setup means active (RFC 4145 §4) */
  offer_active = offer->setup == WEFT_SDP_SETUP_ACTIVE || offer->setup == WEFT_SDP_SETUP_NONE;
  if (setup == WEFT_SDP_SETUP_NONE)
    setup = offer_active ? WEFT_SDP_SETUP_PASSIVE : WEFT_SDP_SETUP_ACTIVE;
  if (setup == WEFT_SDP_SETUP_ACTPASS)
    {
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                           _ ("An SDP answer must use a=setup:active or passive, not actpass"));
      return NULL;
    }
  if ((setup == WEFT_SDP_SETUP_ACTIVE && offer_active) ||
      (setup == WEFT_SDP_SETUP_PASSIVE && offer->setup == WEFT_SDP_SETUP_PASSIVE))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("Cannot answer a=setup:%s to an offer that is %s: both sides would take "
                      "the same DTLS role"),
                   weft_sdp_setup_to_string (setup),
                   offer->setup == WEFT_SDP_SETUP_NONE ? "active"
                                                       : weft_sdp_setup_to_string (offer->setup));
      return NULL;
    }

  self = new_local (WEFT_SDP_TYPE_ANSWER, ice_ufrag, ice_pwd, fingerprint_algorithm, fingerprint);
  self->setup = setup;
  self->format = offer->format;
  g_free (self->proto);
  self->proto = g_strdup (offer->proto);
  self->mid = g_strdup (offer->mid);
  self->mline_index = offer->mline_index;
  for (guint i = 0; i < offer->mlines->len; i++)
    g_ptr_array_add (self->mlines, weft_sdp_mline_copy (g_ptr_array_index (offer->mlines, i)));

  g_strfreev (self->bundle_mids);
  self->bundle_mids = g_new0 (gchar *, 2);
  if (offer->mid != NULL && g_strv_contains ((const gchar *const *) offer->bundle_mids, offer->mid))
    self->bundle_mids[0] = g_strdup (offer->mid);
  return g_steal_pointer (&self);
}

/**
 * weft_sdp_set_session:
 * @self: a local #WeftSdp
 * @session_id: the `o=` session id (keep it across renegotiations)
 * @session_version: the `o=` version (increase it on every new offer, e.g. an ICE restart)
 *
 * Sets the origin line's identifiers; the defaults are a random id and version 2.
 */
void
weft_sdp_set_session (WeftSdp *self, guint64 session_id, guint64 session_version)
{
  g_return_if_fail (WEFT_IS_SDP (self));

  g_free (self->session_id);
  self->session_id = g_strdup_printf ("%" G_GUINT64_FORMAT, session_id);
  self->session_version = session_version;
}

/**
 * weft_sdp_set_sctp_port:
 * @self: a local #WeftSdp
 * @port: the local SCTP port (default 5000)
 *
 * Sets the SCTP port announced in `a=sctp-port` (or the legacy m-line and
 * `a=sctpmap`).
 */
void
weft_sdp_set_sctp_port (WeftSdp *self, guint port)
{
  g_return_if_fail (WEFT_IS_SDP (self));
  g_return_if_fail (port > 0 && port <= G_MAXUINT16);

  self->sctp_port = port;
}

/**
 * weft_sdp_set_max_message_size:
 * @self: a local #WeftSdp
 * @max_message_size: the largest message the local side accepts; 0 for unlimited
 *
 * Sets `a=max-message-size` (default 262144).
 */
void
weft_sdp_set_max_message_size (WeftSdp *self, guint64 max_message_size)
{
  g_return_if_fail (WEFT_IS_SDP (self));

  self->max_message_size = max_message_size;
}

/**
 * weft_sdp_set_ice_options:
 * @self: a local #WeftSdp
 * @ice_options: (nullable): space-separated ICE options, %NULL for none
 *
 * Sets `a=ice-options` (default `trickle`).
 */
void
weft_sdp_set_ice_options (WeftSdp *self, const gchar *ice_options)
{
  g_return_if_fail (WEFT_IS_SDP (self));

  g_free (self->ice_options);
  self->ice_options = g_strdup (ice_options);
}

/**
 * weft_sdp_add_candidate:
 * @self: a local #WeftSdp
 * @candidate: a local candidate, with or without `a=` (as libnice writes it)
 * @error: return location for a #GError
 *
 * Adds an inline candidate, for peers that do not trickle. The first one
 * with an IP address on component 1 becomes the default candidate of the
 * m-line and `c=` line.
 *
 * Returns: %TRUE on success; %FALSE with %WEFT_ERROR_INVALID_DATA if
 *   @candidate does not parse
 */
gboolean
weft_sdp_add_candidate (WeftSdp *self, const gchar *candidate, GError **error)
{
  g_autoptr (WeftCandidate) cand = NULL;

  g_return_val_if_fail (WEFT_IS_SDP (self), FALSE);

  cand = weft_candidate_parse (candidate, error);
  if (cand == NULL)
    return FALSE;
  if (self->connection_address == NULL && cand->component == 1 &&
      weft_candidate_address_is_ip (cand))
    {
      self->connection_address = g_strdup (cand->address);
      self->media_port = cand->port;
    }
  g_ptr_array_add (self->candidates, weft_candidate_to_string (cand));
  return TRUE;
}

/**
 * weft_sdp_set_end_of_candidates:
 * @self: a local #WeftSdp
 * @end_of_candidates: whether to write `a=end-of-candidates`
 *
 * Marks the inline candidates as complete.
 */
void
weft_sdp_set_end_of_candidates (WeftSdp *self, gboolean end_of_candidates)
{
  g_return_if_fail (WEFT_IS_SDP (self));

  self->end_of_candidates = !!end_of_candidates;
}

static void
append_line (GString *s, const gchar *format, ...) G_GNUC_PRINTF (2, 3);

static void
append_line (GString *s, const gchar *format, ...)
{
  va_list args;

  va_start (args, format);
  g_string_append_vprintf (s, format, args);
  va_end (args);
  g_string_append (s, "\r\n");
}

static const gchar *
address_type (const gchar *address)
{
  return strchr (address, ':') != NULL ? "IP6" : "IP4";
}

static void
append_data_section (WeftSdp *self, GString *s)
{
  const gchar *address = self->connection_address != NULL ? self->connection_address : "0.0.0.0";
  /* a bundle-only section's port 0 would read back as rejected */
  guint port = self->media_port != 0 ? self->media_port : 9;

  if (self->format == WEFT_SDP_SCTP_FORMAT_LEGACY)
    append_line (s, "m=application %u %s %u", port, self->proto, self->sctp_port);
  else
    append_line (s, "m=application %u %s webrtc-datachannel", port, self->proto);
  append_line (s, "c=IN %s %s", address_type (address), address);
  if (self->mid != NULL)
    append_line (s, "a=mid:%s", self->mid);
  append_line (s, "a=ice-ufrag:%s", self->ice_ufrag);
  append_line (s, "a=ice-pwd:%s", self->ice_pwd);
  if (self->ice_options != NULL && self->ice_options[0] != '\0')
    append_line (s, "a=ice-options:%s", self->ice_options);
  append_line (s, "a=fingerprint:%s %s", self->fingerprint_algorithm, self->fingerprint);
  if (self->setup != WEFT_SDP_SETUP_NONE)
    append_line (s, "a=setup:%s", weft_sdp_setup_to_string (self->setup));
  if (self->format == WEFT_SDP_SCTP_FORMAT_LEGACY)
    append_line (s, "a=sctpmap:%u webrtc-datachannel %u", self->sctp_port,
                 self->sctp_streams != 0 ? self->sctp_streams : WEFT_SDP_LEGACY_SCTP_STREAMS);
  else
    append_line (s, "a=sctp-port:%u", self->sctp_port);
  append_line (s, "a=max-message-size:%" G_GUINT64_FORMAT, self->max_message_size);
  for (guint i = 0; i < self->candidates->len; i++)
    append_line (s, "a=%s", (const gchar *) g_ptr_array_index (self->candidates, i));
  if (self->end_of_candidates)
    append_line (s, "a=end-of-candidates");
}

/**
 * weft_sdp_to_string:
 * @self: a #WeftSdp
 *
 * Writes the description with `\r\n` line endings. A parsed remote
 * description is written in the same form as a local one, with its values.
 *
 * Returns: (transfer full): the session description
 */
gchar *
weft_sdp_to_string (WeftSdp *self)
{
  GString *s;

  g_return_val_if_fail (WEFT_IS_SDP (self), NULL);

  s = g_string_new (NULL);
  append_line (s, "v=0");
  append_line (s, "o=- %s %" G_GUINT64_FORMAT " IN IP4 127.0.0.1", self->session_id,
               self->session_version);
  append_line (s, "s=-");
  append_line (s, "t=0 0");
  if (self->bundle_mids[0] != NULL)
    {
      g_autofree gchar *mids = g_strjoinv (" ", self->bundle_mids);

      append_line (s, "a=group:BUNDLE %s", mids);
    }
  append_line (s, "a=msid-semantic:WMS *");
  for (guint i = 0; i < self->mlines->len; i++)
    {
      const WeftSdpMLine *m = g_ptr_array_index (self->mlines, i);

      if (i == self->mline_index)
        {
          append_data_section (self, s);
          continue;
        }
      /* an m-line we do not take part in is rejected with port 0 (RFC 3264 §6) */
      append_line (s, "m=%s 0 %s %s", m->media, m->proto, m->fmt);
      append_line (s, "c=IN IP4 0.0.0.0");
      if (m->mid != NULL)
        append_line (s, "a=mid:%s", m->mid);
    }
  return g_string_free (s, FALSE);
}
