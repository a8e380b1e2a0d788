/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "weft-sdp.h"

G_BEGIN_DECLS

typedef struct
{
  gchar *media; /* (owned) */
  guint port;
  gchar *proto; /* (owned) */
  gchar *fmt;   /* (owned) the format list, as written */
  gchar *mid;   /* (owned) (nullable) */
} WeftSdpMLine;

struct _WeftSdp
{
  GObject parent_instance;

  gboolean is_local;
  WeftSdpType type; /* only meaningful when is_local */

  gchar *session_id; /* (owned) */
  guint64 session_version;
  gchar *ice_ufrag;   /* (owned) */
  gchar *ice_pwd;     /* (owned) */
  gchar *ice_options; /* (owned) (nullable) */
  gboolean ice_lite;
  gchar *fingerprint_algorithm; /* (owned) lower case */
  gchar *fingerprint;           /* (owned) upper case XX:XX:... */
  WeftSdpSetup setup;

  GPtrArray *mlines;   /* (owned) (element-type WeftSdpMLine) every m-line, in order */
  guint mline_index;   /* the data channel's m-line */
  gchar *mid;          /* (owned) (nullable) */
  gchar **bundle_mids; /* (owned) (array zero-terminated=1) */

  WeftSdpSctpFormat format;
  gchar *proto; /* (owned) */
  guint media_port;
  gchar *connection_address; /* (owned) (nullable) */
  guint sctp_port;
  guint sctp_streams;       /* legacy a=sctpmap stream count, 0 if not given */
  guint64 max_message_size; /* 0 = unlimited */

  GPtrArray *candidates; /* (owned) (element-type utf8) browser form */
  gboolean end_of_candidates;
};

void
weft_sdp_mline_free (gpointer data);
WeftSdpMLine *
weft_sdp_mline_copy (const WeftSdpMLine *src);
void
weft_sdp_split_fingerprint (const gchar *s, gchar **alg, gchar **value);

G_END_DECLS
