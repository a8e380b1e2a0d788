/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

#include "weft-error.h"

G_BEGIN_DECLS

#define WEFT_SDP_DEFAULT_SCTP_PORT 5000
/* the value RFC 8841 §6 tells us to assume when a=max-message-size is absent */
#define WEFT_SDP_DEFAULT_MAX_MESSAGE_SIZE 65536
/* what Weft announces it accepts, as Chromium and libdatachannel do */
#define WEFT_SDP_LOCAL_MAX_MESSAGE_SIZE 262144
/* the stream count announced in a legacy a=sctpmap line */
#define WEFT_SDP_LEGACY_SCTP_STREAMS 1024

typedef enum
{
  WEFT_SDP_TYPE_OFFER,
  WEFT_SDP_TYPE_ANSWER,
} WeftSdpType;

/* a=setup (RFC 4145, RFC 8842); NONE when the attribute is absent */
typedef enum
{
  WEFT_SDP_SETUP_NONE,
  WEFT_SDP_SETUP_ACTPASS,
  WEFT_SDP_SETUP_ACTIVE,
  WEFT_SDP_SETUP_PASSIVE,
} WeftSdpSetup;

typedef enum
{
  /* m=application <port> UDP/DTLS/SCTP webrtc-datachannel + a=sctp-port (RFC 8841) */
  WEFT_SDP_SCTP_FORMAT_MODERN,
  /* m=application <port> DTLS/SCTP <sctp-port> + a=sctpmap (draft-ietf-mmusic-sctp-sdp-05) */
  WEFT_SDP_SCTP_FORMAT_LEGACY,
} WeftSdpSctpFormat;

#define WEFT_TYPE_SDP (weft_sdp_get_type ())
G_DECLARE_FINAL_TYPE (WeftSdp, weft_sdp, WEFT, SDP, GObject)

/* parsing */
WeftSdp *
weft_sdp_new_from_string (const gchar *text, GError **error);

/* writing */
WeftSdp *
weft_sdp_new_offer (const gchar *ice_ufrag,
                    const gchar *ice_pwd,
                    const gchar *fingerprint_algorithm,
                    const gchar *fingerprint);
WeftSdp *
weft_sdp_new_answer (WeftSdp *offer,
                     const gchar *ice_ufrag,
                     const gchar *ice_pwd,
                     const gchar *fingerprint_algorithm,
                     const gchar *fingerprint,
                     WeftSdpSetup setup,
                     GError **error);
void
weft_sdp_set_session (WeftSdp *self, guint64 session_id, guint64 session_version);
void
weft_sdp_set_sctp_port (WeftSdp *self, guint port);
void
weft_sdp_set_max_message_size (WeftSdp *self, guint64 max_message_size);
void
weft_sdp_set_ice_options (WeftSdp *self, const gchar *ice_options);
gboolean
weft_sdp_add_candidate (WeftSdp *self, const gchar *candidate, GError **error);
void
weft_sdp_set_end_of_candidates (WeftSdp *self, gboolean end_of_candidates);
gchar *
weft_sdp_to_string (WeftSdp *self);

/* getters (parsed or local) */
const gchar *
weft_sdp_get_session_id (WeftSdp *self);
guint64
weft_sdp_get_session_version (WeftSdp *self);
const gchar *
weft_sdp_get_ice_ufrag (WeftSdp *self);
const gchar *
weft_sdp_get_ice_pwd (WeftSdp *self);
const gchar *
weft_sdp_get_ice_options (WeftSdp *self);
gboolean
weft_sdp_has_ice_option (WeftSdp *self, const gchar *option);
gboolean
weft_sdp_get_ice_lite (WeftSdp *self);
const gchar *
weft_sdp_get_fingerprint_algorithm (WeftSdp *self);
const gchar *
weft_sdp_get_fingerprint (WeftSdp *self);
WeftSdpSetup
weft_sdp_get_setup (WeftSdp *self);
const gchar *
weft_sdp_get_mid (WeftSdp *self);
guint
weft_sdp_get_mline_index (WeftSdp *self);
guint
weft_sdp_get_n_mlines (WeftSdp *self);
const gchar *const *
weft_sdp_get_bundle_mids (WeftSdp *self);
WeftSdpSctpFormat
weft_sdp_get_sctp_format (WeftSdp *self);
const gchar *
weft_sdp_get_proto (WeftSdp *self);
guint
weft_sdp_get_media_port (WeftSdp *self);
const gchar *
weft_sdp_get_connection_address (WeftSdp *self);
guint
weft_sdp_get_sctp_port (WeftSdp *self);
guint
weft_sdp_get_sctp_streams (WeftSdp *self);
guint64
weft_sdp_get_max_message_size (WeftSdp *self);
GPtrArray *
weft_sdp_get_candidates (WeftSdp *self);
gboolean
weft_sdp_get_end_of_candidates (WeftSdp *self);

/* DTLS roles */
const gchar *
weft_sdp_setup_to_string (WeftSdpSetup setup);
gboolean
weft_sdp_negotiate_dtls_client (WeftSdp *remote,
                                WeftSdpType remote_type,
                                gboolean *out_local_is_client,
                                GError **error);

/* fingerprints: "AB:CD:..." */
gchar *
weft_sdp_fingerprint_format (const guint8 *digest, gsize len);
GBytes *
weft_sdp_fingerprint_parse (const gchar *fingerprint, GError **error);
gboolean
weft_sdp_fingerprint_equal (const gchar *a, const gchar *b);
gsize
weft_sdp_fingerprint_algorithm_digest_size (const gchar *algorithm);

G_END_DECLS
