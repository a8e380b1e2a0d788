/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "weft-error.h"

G_BEGIN_DECLS

/*
 * WeftCandidateType:
 *
 * The `typ` of an ICE candidate (RFC 8839 §5.1).
 */
typedef enum
{
  WEFT_CANDIDATE_TYPE_HOST,
  WEFT_CANDIDATE_TYPE_SRFLX,
  WEFT_CANDIDATE_TYPE_PRFLX,
  WEFT_CANDIDATE_TYPE_RELAY,
} WeftCandidateType;

/*
 * WeftCandidate:
 *
 * The essential fields of one `candidate:` attribute, for logging, tests and
 * address substitution. The string handed to libnice is always produced by
 * weft_candidate_normalize(), never rebuilt by the caller.
 */
typedef struct
{
  gchar *foundation; /* (owned) */
  guint component;   /* 1..256 */
  gchar *transport;  /* (owned) lower case: "udp" or "tcp" */
  guint32 priority;
  gchar *address; /* (owned) an IP address or a host name */
  guint16 port;
  WeftCandidateType type;
  gchar *related_address; /* (owned) (nullable) raddr */
  guint16 related_port;   /* rport, 0 when absent */
  gchar *tcp_type;        /* (owned) (nullable) active, passive or so */
  gchar **extensions;     /* (owned) (array zero-terminated=1) other tokens, in order, as found */
} WeftCandidate;

WeftCandidate *
weft_candidate_parse (const gchar *text, GError **error);
void
weft_candidate_free (WeftCandidate *self);
gchar *
weft_candidate_to_string (const WeftCandidate *self);
gboolean
weft_candidate_address_is_ip (const WeftCandidate *self);
gboolean
weft_candidate_is_mdns (const WeftCandidate *self);

const gchar *
weft_candidate_type_to_string (WeftCandidateType type);

gchar *
weft_candidate_normalize (const gchar *text, gchar **out_hostname, GError **error);
gchar *
weft_candidate_replace_address (const gchar *text, const gchar *address, GError **error);
gchar *
weft_candidate_to_browser (const gchar *sdp_line, GError **error);

JsonNode *
weft_candidate_json_new (const gchar *candidate, const gchar *sdp_mid, gint sdp_mline_index);
gboolean
weft_candidate_json_parse (JsonNode *node,
                           gchar **out_candidate,
                           gchar **out_sdp_mid,
                           gint *out_sdp_mline_index,
                           GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WeftCandidate, weft_candidate_free)

G_END_DECLS
