/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "weft-candidate.h"
#include "weft-sdp.h"

/* a data-channel-only session description (RFC 8866, RFC 8839, RFC 8841,
 * RFC 8842): a parser tolerant of what Chromium, aiortc and libdatachannel
 * produce, and a writer of exactly one form */

typedef struct
{
  gchar *media; /* (owned) */
  guint port;
  gchar *proto; /* (owned) */
  gchar *fmt;   /* (owned) the format list, as written */
  gchar *mid;   /* (owned) (nullable) */
} MLine;

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

  GPtrArray *mlines;   /* (owned) (element-type MLine) every m-line, in order */
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

G_DEFINE_FINAL_TYPE (WeftSdp, weft_sdp, G_TYPE_OBJECT)

static void
mline_free (gpointer data)
{
  MLine *m = data;

  g_free (m->media);
  g_free (m->proto);
  g_free (m->fmt);
  g_free (m->mid);
  g_free (m);
}

static MLine *
mline_copy (const MLine *src)
{
  MLine *m = g_new0 (MLine, 1);

  m->media = g_strdup (src->media);
  m->port = src->port;
  m->proto = g_strdup (src->proto);
  m->fmt = g_strdup (src->fmt);
  m->mid = g_strdup (src->mid);
  return m;
}

static void
weft_sdp_finalize (GObject *object)
{
  WeftSdp *self = WEFT_SDP (object);

  g_free (self->session_id);
  g_free (self->ice_ufrag);
  g_free (self->ice_pwd);
  g_free (self->ice_options);
  g_free (self->fingerprint_algorithm);
  g_free (self->fingerprint);
  g_ptr_array_unref (self->mlines);
  g_free (self->mid);
  g_strfreev (self->bundle_mids);
  g_free (self->proto);
  g_free (self->connection_address);
  g_ptr_array_unref (self->candidates);

  G_OBJECT_CLASS (weft_sdp_parent_class)->finalize (object);
}

static void
weft_sdp_class_init (WeftSdpClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = weft_sdp_finalize;
}

static void
weft_sdp_init (WeftSdp *self)
{
  self->mlines = g_ptr_array_new_with_free_func (mline_free);
  self->candidates = g_ptr_array_new_with_free_func (g_free);
  self->bundle_mids = g_new0 (gchar *, 1);
  self->session_version = 2;
  self->sctp_port = WEFT_SDP_DEFAULT_SCTP_PORT;
  self->max_message_size = WEFT_SDP_DEFAULT_MAX_MESSAGE_SIZE;
  self->proto = g_strdup ("UDP/DTLS/SCTP");
}

/* ---- fingerprints ---- */

/**
 * weft_sdp_fingerprint_algorithm_digest_size:
 * @algorithm: a hash function name from `a=fingerprint` (`sha-256`, any case)
 *
 * Returns: the digest size in bytes, or 0 if @algorithm is not one Weft
 *   compares (sha-1, sha-224, sha-256, sha-384, sha-512)
 */
gsize
weft_sdp_fingerprint_algorithm_digest_size (const gchar *algorithm)
{
  static const struct
  {
    const gchar *name;
    gsize size;
  } algorithms[] = {
    { "sha-1", 20 }, { "sha-224", 28 }, { "sha-256", 32 }, { "sha-384", 48 }, { "sha-512", 64 },
  };

  for (gsize i = 0; algorithm != NULL && i < G_N_ELEMENTS (algorithms); i++)
    {
      if (g_ascii_strcasecmp (algorithm, algorithms[i].name) == 0)
        return algorithms[i].size;
    }
  return 0;
}

/**
 * weft_sdp_fingerprint_format:
 * @digest: (array length=len): a certificate digest
 * @len: the length of @digest
 *
 * Returns: (transfer full): @digest as upper-case hex pairs joined by `:`
 */
gchar *
weft_sdp_fingerprint_format (const guint8 *digest, gsize len)
{
  GString *s = g_string_sized_new (len * 3);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (s, i == 0 ? "%02X" : ":%02X", digest[i]);
  return g_string_free (s, FALSE);
}

/**
 * weft_sdp_fingerprint_parse:
 * @fingerprint: hex pairs joined by `:`, any case (without the algorithm)
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the digest bytes, or %NULL with
 *   %WEFT_ERROR_INVALID_DATA set
 */
GBytes *
weft_sdp_fingerprint_parse (const gchar *fingerprint, GError **error)
{
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  const gchar *p = fingerprint;

  if (p == NULL || *p == '\0')
    {
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                           _ ("Invalid fingerprint: it is empty"));
      return NULL;
    }
  for (;;)
    {
      guint8 b;

      if (!g_ascii_isxdigit (p[0]) || !g_ascii_isxdigit (p[1]))
        {
          g_set_error (
            error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
            _ ("Invalid fingerprint “%.200s”: expected pairs of hex digits joined by “:”"),
            fingerprint);
          return NULL;
        }
      b = (guint8) ((g_ascii_xdigit_value (p[0]) << 4) | g_ascii_xdigit_value (p[1]));
      g_byte_array_append (bytes, &b, 1);
      p += 2;
      if (*p == '\0')
        break;
      if (*p != ':')
        {
          g_set_error (
            error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
            _ ("Invalid fingerprint “%.200s”: expected pairs of hex digits joined by “:”"),
            fingerprint);
          return NULL;
        }
      p++;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&bytes));
}

/* splits "sha-256 AB:CD" into algorithm and value; the algorithm is optional */
static void
split_fingerprint (const gchar *s, gchar **alg, gchar **value)
{
  g_autofree gchar *copy = g_strstrip (g_strdup (s));
  gchar *space = strpbrk (copy, " \t");

  if (space == NULL)
    {
      *alg = NULL;
      *value = g_steal_pointer (&copy);
      return;
    }
  *space = '\0';
  *alg = g_strdup (copy);
  *value = g_strstrip (g_strdup (space + 1));
}

/**
 * weft_sdp_fingerprint_equal:
 * @a: (nullable): a fingerprint, `AB:CD:...` or `sha-256 AB:CD:...`
 * @b: (nullable): another fingerprint in either form
 *
 * Compares two fingerprints by value, ignoring the case of the hex digits and
 * of the algorithm. When both name an algorithm, the algorithms must match too.
 *
 * Returns: %TRUE if both are valid and equal
 */
gboolean
weft_sdp_fingerprint_equal (const gchar *a, const gchar *b)
{
  g_autofree gchar *alg_a = NULL;
  g_autofree gchar *alg_b = NULL;
  g_autofree gchar *val_a = NULL;
  g_autofree gchar *val_b = NULL;
  g_autoptr (GBytes) bytes_a = NULL;
  g_autoptr (GBytes) bytes_b = NULL;

  if (a == NULL || b == NULL)
    return FALSE;
  split_fingerprint (a, &alg_a, &val_a);
  split_fingerprint (b, &alg_b, &val_b);
  if (alg_a != NULL && alg_b != NULL && g_ascii_strcasecmp (alg_a, alg_b) != 0)
    return FALSE;
  bytes_a = weft_sdp_fingerprint_parse (val_a, NULL);
  bytes_b = weft_sdp_fingerprint_parse (val_b, NULL);
  return bytes_a != NULL && bytes_b != NULL && g_bytes_equal (bytes_a, bytes_b);
}

/* ---- setup ---- */

/**
 * weft_sdp_setup_to_string:
 * @setup: a #WeftSdpSetup
 *
 * Returns: (transfer none) (nullable): the `a=setup` value, %NULL for %WEFT_SDP_SETUP_NONE
 */
const gchar *
weft_sdp_setup_to_string (WeftSdpSetup setup)
{
  switch (setup)
    {
      case WEFT_SDP_SETUP_ACTPASS:
        return "actpass";
      case WEFT_SDP_SETUP_ACTIVE:
        return "active";
      case WEFT_SDP_SETUP_PASSIVE:
        return "passive";
      case WEFT_SDP_SETUP_NONE:
      default:
        return NULL;
    }
}

/**
 * weft_sdp_negotiate_dtls_client:
 * @remote: the remote description
 * @remote_type: whether @remote is an offer or an answer
 * @out_local_is_client: (out): whether the local side is the DTLS client
 * @error: return location for a #GError
 *
 * Derives the local DTLS role from the remote `a=setup` (RFC 8842): the side
 * that is `active` is the client. To a remote `actpass` offer Weft answers
 * `active` (see weft_sdp_new_answer()); an absent attribute means `active`
 * (RFC 4145 §4).
 *
 * Returns: %TRUE on success; %FALSE with %WEFT_ERROR_INVALID_DATA for an
 *   answer that says `actpass`
 */
gboolean
weft_sdp_negotiate_dtls_client (WeftSdp *remote,
                                WeftSdpType remote_type,
                                gboolean *out_local_is_client,
                                GError **error)
{
  g_return_val_if_fail (WEFT_IS_SDP (remote), FALSE);
  g_return_val_if_fail (out_local_is_client != NULL, FALSE);

  switch (remote->setup)
    {
      case WEFT_SDP_SETUP_ACTPASS:
        if (remote_type == WEFT_SDP_TYPE_ANSWER)
          {
            g_set_error_literal (
              error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
              _ ("Invalid SDP answer: a=setup:actpass is only allowed in an offer; "
                 "the answerer must choose active or passive"));
            return FALSE;
          }
        *out_local_is_client = TRUE;
        return TRUE;
      case WEFT_SDP_SETUP_PASSIVE:
        *out_local_is_client = TRUE;
        return TRUE;
      case WEFT_SDP_SETUP_ACTIVE:
      case WEFT_SDP_SETUP_NONE:
      default:
        *out_local_is_client = FALSE;
        return TRUE;
    }
}

/* ---- parser ---- */

typedef struct
{
  gchar *ice_ufrag;      /* (owned) (nullable) */
  gchar *ice_pwd;        /* (owned) (nullable) */
  gchar *ice_options;    /* (owned) (nullable) */
  gchar *fp_alg;         /* (owned) (nullable) */
  gchar *fp;             /* (owned) (nullable) */
  gchar *fp_unsupported; /* (owned) (nullable) first algorithm we skipped */
  WeftSdpSetup setup;
  gboolean end_of_candidates;
  gchar *connection_address; /* (owned) (nullable) */
} Scope;

static void
scope_clear (Scope *s)
{
  g_free (s->ice_ufrag);
  g_free (s->ice_pwd);
  g_free (s->ice_options);
  g_free (s->fp_alg);
  g_free (s->fp);
  g_free (s->fp_unsupported);
  g_free (s->connection_address);
}

typedef struct
{
  WeftSdp *sdp; /* (unowned) */
  Scope session;
  Scope media;
  gboolean in_media;  /* past the first m-line */
  gboolean in_chosen; /* inside the data channel's m-section */
  gboolean have_chosen;
  guint chosen_line;        /* line number of the chosen m-line */
  guint unsupported_line;   /* first m=application with another proto, 0 if none */
  gchar *unsupported_proto; /* (owned) (nullable) */
  gboolean have_sctp_port;
  gboolean have_max_message_size;
  gboolean bundle_only;
  guint sctpmap_streams;
} Parser;

static gboolean G_GNUC_PRINTF (3, 4)
  sdp_error (GError **error, guint line, const gchar *format, ...)
{
  va_list args;
  g_autofree gchar *what = NULL;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  if (line > 0)
    g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA, _ ("Invalid SDP, line %u: %s"), line,
                 what);
  else
    g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA, _ ("Invalid SDP: %s"), what);
  return FALSE;
}

static gboolean
is_ice_chars (const gchar *s)
{
  gsize n = strlen (s);

  if (n == 0 || n > 256)
    return FALSE;
  for (const gchar *p = s; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '+' && *p != '/')
        return FALSE;
    }
  return TRUE;
}

static gboolean
is_token (const gchar *s)
{
  if (*s == '\0')
    return FALSE;
  for (const gchar *p = s; *p != '\0'; p++)
    {
      if ((guchar) *p <= 0x20 || (guchar) *p >= 0x7f)
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_fingerprint_attr (Scope *scope, const gchar *value, guint line, GError **error)
{
  g_autofree gchar *alg = NULL;
  g_autofree gchar *fp = NULL;
  g_autoptr (GBytes) digest = NULL;
  gsize size;
  g_autoptr (GError) local_error = NULL;

  split_fingerprint (value, &alg, &fp);
  if (alg == NULL || *fp == '\0')
    return sdp_error (error, line,
                      _ ("a=fingerprint needs “<hash function> <hex pairs>”, got “%.80s”"), value);
  size = weft_sdp_fingerprint_algorithm_digest_size (alg);
  if (size == 0)
    {
      /* RFC 8122 allows several fingerprints; skip hash functions we do not compare */
      g_debug ("SDP line %u: skipping a=fingerprint with hash function %s", line, alg);
      if (scope->fp_unsupported == NULL)
        scope->fp_unsupported = g_strdup (alg);
      return TRUE;
    }
  digest = weft_sdp_fingerprint_parse (fp, &local_error);
  if (digest == NULL)
    return sdp_error (error, line, "%s", local_error->message);
  if (g_bytes_get_size (digest) != size)
    return sdp_error (error, line,
                      _ ("a=fingerprint: a %s fingerprint has %" G_GSIZE_FORMAT " bytes, this one "
                         "has %" G_GSIZE_FORMAT),
                      alg, size, g_bytes_get_size (digest));
  if (scope->fp == NULL)
    {
      scope->fp_alg = g_ascii_strdown (alg, -1);
      scope->fp = g_ascii_strup (fp, -1);
    }
  return TRUE;
}

static gboolean
parse_setup (Scope *scope, const gchar *value, guint line, GError **error)
{
  if (g_strcmp0 (value, "actpass") == 0)
    scope->setup = WEFT_SDP_SETUP_ACTPASS;
  else if (g_strcmp0 (value, "active") == 0)
    scope->setup = WEFT_SDP_SETUP_ACTIVE;
  else if (g_strcmp0 (value, "passive") == 0)
    scope->setup = WEFT_SDP_SETUP_PASSIVE;
  else
    return sdp_error (error, line,
                      _ ("bad a=setup value “%.40s” (expected actpass, active or passive)"), value);
  return TRUE;
}

static gboolean
parse_uint_value (const gchar *value, guint64 min, guint64 max, guint64 *out)
{
  return g_ascii_string_to_unsigned (value, 10, min, max, out, NULL);
}

/* attributes valid at session and media level */
static gboolean
parse_common_attr (Parser *p,
                   Scope *scope,
                   const gchar *name,
                   const gchar *value,
                   guint line,
                   GError **error)
{
  if (g_strcmp0 (name, "ice-ufrag") == 0)
    {
      if (value == NULL || !is_ice_chars (value))
        return sdp_error (error, line, _ ("a=ice-ufrag must be 1 to 256 ice-chars"));
      g_free (scope->ice_ufrag);
      scope->ice_ufrag = g_strdup (value);
    }
  else if (g_strcmp0 (name, "ice-pwd") == 0)
    {
      if (value == NULL || !is_ice_chars (value))
        return sdp_error (error, line, _ ("a=ice-pwd must be 1 to 256 ice-chars"));
      g_free (scope->ice_pwd);
      scope->ice_pwd = g_strdup (value);
    }
  else if (g_strcmp0 (name, "ice-options") == 0)
    {
      g_free (scope->ice_options);
      scope->ice_options = g_strdup (value);
    }
  else if (g_strcmp0 (name, "fingerprint") == 0)
    {
      if (value == NULL)
        return sdp_error (error, line, _ ("a=fingerprint has no value"));
      return parse_fingerprint_attr (scope, value, line, error);
    }
  else if (g_strcmp0 (name, "setup") == 0)
    {
      return parse_setup (scope, value, line, error);
    }
  else if (g_strcmp0 (name, "end-of-candidates") == 0)
    {
      scope->end_of_candidates = TRUE;
    }
  else if (g_strcmp0 (name, "candidate") == 0)
    {
      g_autofree gchar *text = g_strconcat ("candidate:", value != NULL ? value : "", NULL);
      g_autoptr (GError) local_error = NULL;
      g_autoptr (WeftCandidate) cand = weft_candidate_parse (text, &local_error);

      /* one odd candidate must not lose the whole description */
      if (cand == NULL)
        g_debug ("SDP line %u: skipping candidate: %s", line, local_error->message);
      else
        g_ptr_array_add (p->sdp->candidates, weft_candidate_to_string (cand));
    }
  /* everything else is ignored */
  return TRUE;
}

static gboolean
parse_sctpmap (Parser *p, const gchar *value, guint line, GError **error)
{
  g_auto (GStrv) tokens = g_strsplit (value != NULL ? value : "", " ", -1);
  guint64 port;
  guint64 streams = 0;

  if (g_strv_length (tokens) < 2 || !parse_uint_value (tokens[0], 0, G_MAXUINT16, &port))
    return sdp_error (error, line, _ ("a=sctpmap needs “<port> webrtc-datachannel [<streams>]”"));
  if (port != p->sdp->sctp_port)
    {
      g_debug ("SDP line %u: ignoring a=sctpmap for port %u", line, (guint) port);
      return TRUE;
    }
  if (g_strcmp0 (tokens[1], "webrtc-datachannel") != 0)
    return sdp_error (error, line, _ ("a=sctpmap: unsupported application “%.40s”"), tokens[1]);
  if (tokens[2] != NULL && tokens[2][0] != '\0' &&
      !parse_uint_value (tokens[2], 1, G_MAXUINT16, &streams))
    return sdp_error (error, line, _ ("a=sctpmap: the stream count “%.20s” is not a number"),
                      tokens[2]);
  p->sctpmap_streams = (guint) streams;
  return TRUE;
}

static gboolean
parse_media_attr (Parser *p, const gchar *name, const gchar *value, guint line, GError **error)
{
  WeftSdp *sdp = p->sdp;
  guint64 n;

  if (g_strcmp0 (name, "mid") == 0)
    {
      MLine *m = g_ptr_array_index (sdp->mlines, sdp->mlines->len - 1);

      if (value == NULL || !is_token (value))
        return sdp_error (error, line, _ ("a=mid needs a token value"));
      g_free (m->mid);
      m->mid = g_strdup (value);
      return TRUE;
    }
  if (!p->in_chosen)
    return TRUE;

  if (g_strcmp0 (name, "sctp-port") == 0)
    {
      if (value == NULL || !parse_uint_value (value, 1, G_MAXUINT16, &n))
        return sdp_error (error, line, _ ("a=sctp-port must be a number from 1 to 65535"));
      if (sdp->format == WEFT_SDP_SCTP_FORMAT_MODERN)
        sdp->sctp_port = (guint) n;
      p->have_sctp_port = TRUE;
    }
  else if (g_strcmp0 (name, "max-message-size") == 0)
    {
      if (value == NULL || !parse_uint_value (value, 0, G_MAXUINT64, &n))
        return sdp_error (error, line, _ ("a=max-message-size must be a number"));
      sdp->max_message_size = n;
      p->have_max_message_size = TRUE;
    }
  else if (g_strcmp0 (name, "sctpmap") == 0)
    {
      if (sdp->format == WEFT_SDP_SCTP_FORMAT_LEGACY)
        return parse_sctpmap (p, value, line, error);
    }
  else if (g_strcmp0 (name, "bundle-only") == 0)
    {
      p->bundle_only = TRUE;
    }
  else
    {
      return parse_common_attr (p, &p->media, name, value, line, error);
    }
  return TRUE;
}

static gboolean
parse_session_attr (Parser *p, const gchar *name, const gchar *value, guint line, GError **error)
{
  if (g_strcmp0 (name, "group") == 0 && value != NULL && g_str_has_prefix (value, "BUNDLE"))
    {
      g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
      g_auto (GStrv) tokens = g_strsplit (value + strlen ("BUNDLE"), " ", -1);

      for (gsize i = 0; tokens[i] != NULL; i++)
        {
          if (tokens[i][0] != '\0')
            g_strv_builder_add (builder, tokens[i]);
        }
      g_strfreev (p->sdp->bundle_mids);
      p->sdp->bundle_mids = g_strv_builder_end (builder);
      return TRUE;
    }
  if (g_strcmp0 (name, "ice-lite") == 0)
    {
      p->sdp->ice_lite = TRUE;
      return TRUE;
    }
  return parse_common_attr (p, &p->session, name, value, line, error);
}

static gboolean
is_dtls_sctp_proto (const gchar *proto)
{
  return g_strcmp0 (proto, "UDP/DTLS/SCTP") == 0 || g_strcmp0 (proto, "DTLS/SCTP") == 0 ||
         g_strcmp0 (proto, "TCP/DTLS/SCTP") == 0;
}

static gboolean
parse_mline (Parser *p, const gchar *value, guint line, GError **error)
{
  WeftSdp *sdp = p->sdp;
  g_auto (GStrv) tokens = g_strsplit (value, " ", 4);
  g_auto (GStrv) port_parts = NULL;
  guint64 port;
  MLine *m;

  if (g_strv_length (tokens) < 4 || tokens[0][0] == '\0' || tokens[2][0] == '\0')
    return sdp_error (error, line, _ ("expected “m=<media> <port> <proto> <format> ...”"));
  port_parts = g_strsplit (tokens[1], "/", 2);
  if (port_parts[0] == NULL || !parse_uint_value (port_parts[0], 0, G_MAXUINT16, &port))
    return sdp_error (error, line, _ ("the m-line port “%.20s” is not a number from 0 to 65535"),
                      tokens[1]);

  m = g_new0 (MLine, 1);
  m->media = g_strdup (tokens[0]);
  m->port = (guint) port;
  m->proto = g_strdup (tokens[2]);
  m->fmt = g_strdup (tokens[3]);
  g_ptr_array_add (sdp->mlines, m);

  p->in_media = TRUE;
  p->in_chosen = FALSE;
  if (p->have_chosen || g_strcmp0 (m->media, "application") != 0)
    return TRUE;
  if (!is_dtls_sctp_proto (m->proto))
    {
      if (p->unsupported_line == 0)
        {
          p->unsupported_line = line;
          p->unsupported_proto = g_strdup (m->proto);
        }
      return TRUE;
    }

  if (g_strcmp0 (g_strstrip (m->fmt), "webrtc-datachannel") == 0)
    {
      sdp->format = WEFT_SDP_SCTP_FORMAT_MODERN;
      sdp->sctp_port = WEFT_SDP_DEFAULT_SCTP_PORT;
    }
  else if (parse_uint_value (m->fmt, 1, G_MAXUINT16, &port))
    {
      sdp->format = WEFT_SDP_SCTP_FORMAT_LEGACY;
      sdp->sctp_port = (guint) port;
    }
  else
    {
      return sdp_error (error, line,
                        _ ("unsupported m=application format “%.40s” (expected "
                           "webrtc-datachannel or an SCTP port)"),
                        m->fmt);
    }
  p->have_chosen = TRUE;
  p->in_chosen = TRUE;
  p->chosen_line = line;
  sdp->mline_index = sdp->mlines->len - 1;
  g_free (sdp->proto);
  sdp->proto = g_strdup (m->proto);
  sdp->media_port = m->port;
  return TRUE;
}

static gboolean
parse_line (Parser *p, gchar type, const gchar *value, guint line, GError **error)
{
  switch (type)
    {
      case 'v':
        if (g_strcmp0 (value, "0") != 0)
          return sdp_error (error, line, _ ("unsupported protocol version “v=%.20s”"), value);
        return TRUE;

      case 'o':
        if (!p->in_media)
          {
            g_auto (GStrv) tokens = g_strsplit (value, " ", -1);
            guint64 version;

            if (g_strv_length (tokens) != 6)
              return sdp_error (error, line,
                                _ ("expected “o=<user> <session id> <version> IN IP4 <address>”"));
            if (!parse_uint_value (tokens[2], 0, G_MAXUINT64, &version))
              return sdp_error (error, line, _ ("the session version “%.30s” is not a number"),
                                tokens[2]);
            g_free (p->sdp->session_id);
            p->sdp->session_id = g_strdup (tokens[1]);
            p->sdp->session_version = version;
          }
        return TRUE;

      case 'm':
        return parse_mline (p, value, line, error);

      case 'c':
        {
          g_auto (GStrv) tokens = g_strsplit (value, " ", -1);
          Scope *scope = p->in_media ? &p->media : &p->session;

          if (g_strv_length (tokens) != 3 || g_strcmp0 (tokens[0], "IN") != 0)
            return sdp_error (error, line,
                              _ ("expected “c=IN IP4 <address>” or “c=IN IP6 <address>”"));
          if (!p->in_media || p->in_chosen)
            {
              gchar *slash = strchr (tokens[2], '/');

              if (slash != NULL)
                *slash = '\0';
              g_free (scope->connection_address);
              scope->connection_address = g_strdup (tokens[2]);
            }
          return TRUE;
        }

      case 'a':
        {
          g_autofree gchar *name = NULL;
          const gchar *colon = strchr (value, ':');
          const gchar *attr_value = NULL;

          if (colon != NULL)
            {
              name = g_strndup (value, colon - value);
              attr_value = colon + 1;
            }
          else
            {
              name = g_strdup (value);
            }
          if (p->in_media)
            return parse_media_attr (p, name, attr_value, line, error);
          return parse_session_attr (p, name, attr_value, line, error);
        }

      default:
        /* s=, t=, b=, i=, u=, e=, p=, z=, k=, r= carry nothing we need */
        return TRUE;
    }
}

static gboolean
finish_parse (Parser *p, GError **error)
{
  WeftSdp *sdp = p->sdp;
  Scope *m = &p->media;
  Scope *s = &p->session;
  const gchar *fp_unsupported;

  if (!p->have_chosen)
    {
      if (p->unsupported_line > 0)
        return sdp_error (error, p->unsupported_line,
                          _ ("m=application uses the unsupported proto “%.40s” (expected "
                             "UDP/DTLS/SCTP, DTLS/SCTP or TCP/DTLS/SCTP)"),
                          p->unsupported_proto);
      return sdp_error (error, 0, _ ("no m=application line: this is not a data channel session"));
    }
  if (sdp->media_port == 0 && !p->bundle_only)
    return sdp_error (error, p->chosen_line, _ ("the m=application section was rejected (port 0)"));

  sdp->ice_ufrag = g_strdup (m->ice_ufrag != NULL ? m->ice_ufrag : s->ice_ufrag);
  if (sdp->ice_ufrag == NULL)
    return sdp_error (error, p->chosen_line,
                      _ ("missing a=ice-ufrag (neither at session level nor in this m=application "
                         "section)"));
  sdp->ice_pwd = g_strdup (m->ice_pwd != NULL ? m->ice_pwd : s->ice_pwd);
  if (sdp->ice_pwd == NULL)
    return sdp_error (error, p->chosen_line,
                      _ ("missing a=ice-pwd (neither at session level nor in this m=application "
                         "section)"));
  if (m->fp != NULL)
    {
      sdp->fingerprint_algorithm = g_strdup (m->fp_alg);
      sdp->fingerprint = g_strdup (m->fp);
    }
  else if (s->fp != NULL)
    {
      sdp->fingerprint_algorithm = g_strdup (s->fp_alg);
      sdp->fingerprint = g_strdup (s->fp);
    }
  else
    {
      fp_unsupported = m->fp_unsupported != NULL ? m->fp_unsupported : s->fp_unsupported;
      if (fp_unsupported != NULL)
        return sdp_error (error, p->chosen_line,
                          _ ("missing a=fingerprint with a supported hash function (only “%.20s” "
                             "found; expected sha-256, sha-1, sha-384 or sha-512)"),
                          fp_unsupported);
      return sdp_error (error, p->chosen_line,
                        _ ("missing a=fingerprint (neither at session level nor in this "
                           "m=application section)"));
    }
  sdp->setup = m->setup != WEFT_SDP_SETUP_NONE ? m->setup : s->setup;
  sdp->ice_options = g_strdup (m->ice_options != NULL ? m->ice_options : s->ice_options);
  sdp->end_of_candidates = m->end_of_candidates || s->end_of_candidates;
  sdp->connection_address =
    g_strdup (m->connection_address != NULL ? m->connection_address : s->connection_address);
  sdp->sctp_streams = p->sctpmap_streams;
  if (!p->have_max_message_size)
    sdp->max_message_size = WEFT_SDP_DEFAULT_MAX_MESSAGE_SIZE;
  sdp->mid = g_strdup (((MLine *) g_ptr_array_index (sdp->mlines, sdp->mline_index))->mid);
  if (sdp->session_id == NULL)
    sdp->session_id = g_strdup ("0");
  return TRUE;
}

/**
 * weft_sdp_new_from_string:
 * @text: a session description, with `\r\n` or `\n` line endings
 * @error: return location for a #GError
 *
 * Parses a remote description. The first `m=application` section with a
 * DTLS/SCTP proto is the data channel; its index and `a=mid` are kept.
 * ICE credentials, fingerprint and setup may be at session or media level
 * (media level wins). Unknown attributes are ignored.
 *
 * Returns: (transfer full): the description, or %NULL with
 *   %WEFT_ERROR_INVALID_DATA naming the line and what is wrong
 */
WeftSdp *
weft_sdp_new_from_string (const gchar *text, GError **error)
{
  g_autoptr (WeftSdp) sdp = g_object_new (WEFT_TYPE_SDP, NULL);
  g_auto (GStrv) lines = NULL;
  Parser p = { 0 };
  gboolean seen_version = FALSE;
  gboolean ok = TRUE;

  g_return_val_if_fail (text != NULL, NULL);

  p.sdp = sdp;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; ok && lines[i] != NULL; i++)
    {
      gchar *line = lines[i];
      gsize len = strlen (line);
      guint lineno = i + 1;

      if (len > 0 && line[len - 1] == '\r')
        line[--len] = '\0';
      if (len == 0)
        continue;
      if (len < 2 || line[1] != '=' || !g_ascii_isalpha (line[0]))
        {
          ok = sdp_error (error, lineno, _ ("expected “<type>=<value>”, found “%.40s”"), line);
          break;
        }
      if (!seen_version && line[0] != 'v')
        {
          ok = sdp_error (error, lineno, _ ("a session description must start with “v=0”"));
          break;
        }
      seen_version = TRUE;
      ok = parse_line (&p, line[0], line + 2, lineno, error);
    }
  if (ok && !seen_version)
    ok = sdp_error (error, 0, _ ("the session description is empty"));
  if (ok)
    ok = finish_parse (&p, error);

  scope_clear (&p.session);
  scope_clear (&p.media);
  g_free (p.unsupported_proto);
  if (!ok)
    return NULL;
  return g_steal_pointer (&sdp);
}

/* ---- writer ---- */

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
  MLine *m;

  g_return_val_if_fail (ice_ufrag != NULL && ice_pwd != NULL, NULL);
  g_return_val_if_fail (fingerprint_algorithm != NULL && fingerprint != NULL, NULL);

  self = new_local (WEFT_SDP_TYPE_OFFER, ice_ufrag, ice_pwd, fingerprint_algorithm, fingerprint);
  self->setup = WEFT_SDP_SETUP_ACTPASS;
  self->format = WEFT_SDP_SCTP_FORMAT_MODERN;
  self->mid = g_strdup ("0");
  g_strfreev (self->bundle_mids);
  self->bundle_mids = g_new0 (gchar *, 2);
  self->bundle_mids[0] = g_strdup ("0");
  m = g_new0 (MLine, 1);
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
    g_ptr_array_add (self->mlines, mline_copy (g_ptr_array_index (offer->mlines, i)));

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
      const MLine *m = g_ptr_array_index (self->mlines, i);

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

/* ---- getters ---- */

/**
 * weft_sdp_get_session_id:
 * @self: a #WeftSdp
 *
 * Returns: (transfer none): the `o=` session id, as written
 */
const gchar *
weft_sdp_get_session_id (WeftSdp *self)
{
  g_return_val_if_fail (WEFT_IS_SDP (self), NULL);
  return self->session_id;
}

/**
 * weft_sdp_get_session_version:
 * @self: a #WeftSdp
 *
 * Returns: the `o=` session version
 */
guint64
weft_sdp_get_session_version (WeftSdp *self)
{
  g_return_val_if_fail (WEFT_IS_SDP (self), 0);
  return self->session_version;
}

/**
 * weft_sdp_get_ice_ufrag:
 * @self: a #WeftSdp
 *
 * Returns: (transfer none): the ICE username fragment
 */
const gchar *
weft_sdp_get_ice_ufrag (WeftSdp *self)
{
  g_return_val_if_fail (WEFT_IS_SDP (self), NULL);
  return self->ice_ufrag;
}

/**
 * weft_sdp_get_ice_pwd:
 * @self: a #WeftSdp
 *
 * Returns: (transfer none): the ICE password
 */
const gchar *
weft_sdp_get_ice_pwd (WeftSdp *self)
{
  g_return_val_if_fail (WEFT_IS_SDP (self), NULL);
  return self->ice_pwd;
}

/**
 * weft_sdp_get_ice_options:
 * @self: a #WeftSdp
 *
 * Returns: (transfer none) (nullable): the `a=ice-options` value
 */
const gchar *
weft_sdp_get_ice_options (WeftSdp *self)
{
  g_return_val_if_fail (WEFT_IS_SDP (self), NULL);
  return self->ice_options;
}

/**
 * weft_sdp_has_ice_option:
 * @self: a #WeftSdp
 * @option: an ICE option, e.g. `trickle`
 *
 * Returns: %TRUE if `a=ice-options` lists @option
 */
gboolean
weft_sdp_has_ice_option (WeftSdp *self, const gchar *option)
{
  g_auto (GStrv) options = NULL;

  g_return_val_if_fail (WEFT_IS_SDP (self), FALSE);
  if (self->ice_options == NULL)
    return FALSE;
  options = g_strsplit (self->ice_options, " ", -1);
  return g_strv_contains ((const gchar *const *) options, option);
}

/**
 * weft_sdp_get_ice_lite:
 * @self: a #WeftSdp
 *
 * Returns: %TRUE if the session says `a=ice-lite`
 */
gboolean
weft_sdp_get_ice_lite (WeftSdp *self)
{
  g_return_val_if_fail (WEFT_IS_SDP (self), FALSE);
  return self->ice_lite;
}

/**
 * weft_sdp_get_fingerprint_algorithm:
 * @self: a #WeftSdp
 *
 * Returns: (transfer none): the fingerprint's hash function, lower case (`sha-256`)
 */
const gchar *
weft_sdp_get_fingerprint_algorithm (WeftSdp *self)
{
  g_return_val_if_fail (WEFT_IS_SDP (self), NULL);
  return self->fingerprint_algorithm;
}

/**
 * weft_sdp_get_fingerprint:
 * @self: a #WeftSdp
 *
 * Returns: (transfer none): the certificate fingerprint, upper-case `AB:CD:...`
 */
const gchar *
weft_sdp_get_fingerprint (WeftSdp *self)
{
  g_return_val_if_fail (WEFT_IS_SDP (self), NULL);
  return self->fingerprint;
}

/**
 * weft_sdp_get_setup:
 * @self: a #WeftSdp
 *
 * Returns: the `a=setup` value, %WEFT_SDP_SETUP_NONE if absent
 */
WeftSdpSetup
weft_sdp_get_setup (WeftSdp *self)
{
  g_return_val_if_fail (WEFT_IS_SDP (self), WEFT_SDP_SETUP_NONE);
  return self->setup;
}

/**
 * weft_sdp_get_mid:
 * @self: a #WeftSdp
 *
 * Returns: (transfer none) (nullable): the data channel section's `a=mid`,
 *   the `sdpMid` of its candidates
 */
const gchar *
weft_sdp_get_mid (WeftSdp *self)
{
  g_return_val_if_fail (WEFT_IS_SDP (self), NULL);
  return self->mid;
}

/**
 * weft_sdp_get_mline_index:
 * @self: a #WeftSdp
 *
 * Returns: the index of the data channel's m-line (0-based), the
 *   `sdpMLineIndex` of its candidates
 */
guint
weft_sdp_get_mline_index (WeftSdp *self)
{
  g_return_val_if_fail (WEFT_IS_SDP (self), 0);
  return self->mline_index;
}

/**
 * weft_sdp_get_n_mlines:
 * @self: a #WeftSdp
 *
 * Returns: the number of m-lines in the description
 */
guint
weft_sdp_get_n_mlines (WeftSdp *self)
{
  g_return_val_if_fail (WEFT_IS_SDP (self), 0);
  return self->mlines->len;
}

/**
 * weft_sdp_get_bundle_mids:
 * @self: a #WeftSdp
 *
 * Returns: (transfer none) (array zero-terminated=1): the mids of the BUNDLE
 *   group, empty if there is none
 */
const gchar *const *
weft_sdp_get_bundle_mids (WeftSdp *self)
{
  g_return_val_if_fail (WEFT_IS_SDP (self), NULL);
  return (const gchar *const *) self->bundle_mids;
}

/**
 * weft_sdp_get_sctp_format:
 * @self: a #WeftSdp
 *
 * Returns: whether the data section uses the modern or the legacy form
 */
WeftSdpSctpFormat
weft_sdp_get_sctp_format (WeftSdp *self)
{
  g_return_val_if_fail (WEFT_IS_SDP (self), WEFT_SDP_SCTP_FORMAT_MODERN);
  return self->format;
}

/**
 * weft_sdp_get_proto:
 * @self: a #WeftSdp
 *
 * Returns: (transfer none): the m-line proto: `UDP/DTLS/SCTP`, `DTLS/SCTP` or `TCP/DTLS/SCTP`
 */
const gchar *
weft_sdp_get_proto (WeftSdp *self)
{
  g_return_val_if_fail (WEFT_IS_SDP (self), NULL);
  return self->proto;
}

/**
 * weft_sdp_get_media_port:
 * @self: a #WeftSdp
 *
 * Returns: the m-line port (the default candidate's port; 9 when trickling)
 */
guint
weft_sdp_get_media_port (WeftSdp *self)
{
  g_return_val_if_fail (WEFT_IS_SDP (self), 0);
  return self->media_port;
}

/**
 * weft_sdp_get_connection_address:
 * @self: a #WeftSdp
 *
 * Returns: (transfer none) (nullable): the `c=` address of the data section
 */
const gchar *
weft_sdp_get_connection_address (WeftSdp *self)
{
  g_return_val_if_fail (WEFT_IS_SDP (self), NULL);
  return self->connection_address;
}

/**
 * weft_sdp_get_sctp_port:
 * @self: a #WeftSdp
 *
 * Returns: the SCTP port (`a=sctp-port`, or the legacy m-line format; 5000 by default)
 */
guint
weft_sdp_get_sctp_port (WeftSdp *self)
{
  g_return_val_if_fail (WEFT_IS_SDP (self), 0);
  return self->sctp_port;
}

/**
 * weft_sdp_get_sctp_streams:
 * @self: a #WeftSdp
 *
 * Returns: the stream count of a legacy `a=sctpmap`, 0 if not given
 */
guint
weft_sdp_get_sctp_streams (WeftSdp *self)
{
  g_return_val_if_fail (WEFT_IS_SDP (self), 0);
  return self->sctp_streams;
}

/**
 * weft_sdp_get_max_message_size:
 * @self: a #WeftSdp
 *
 * The largest message the sender of this description accepts (RFC 8841 §6);
 * 65536 when the attribute is absent.
 *
 * Returns: the size in bytes; 0 means unlimited
 */
guint64
weft_sdp_get_max_message_size (WeftSdp *self)
{
  g_return_val_if_fail (WEFT_IS_SDP (self), 0);
  return self->max_message_size;
}

/**
 * weft_sdp_get_candidates:
 * @self: a #WeftSdp
 *
 * Returns: (transfer none) (element-type utf8): the inline candidates in
 *   browser form (`candidate:...`); pass each to weft_candidate_normalize()
 */
GPtrArray *
weft_sdp_get_candidates (WeftSdp *self)
{
  g_return_val_if_fail (WEFT_IS_SDP (self), NULL);
  return self->candidates;
}

/**
 * weft_sdp_get_end_of_candidates:
 * @self: a #WeftSdp
 *
 * Returns: %TRUE if the description says `a=end-of-candidates`
 */
gboolean
weft_sdp_get_end_of_candidates (WeftSdp *self)
{
  g_return_val_if_fail (WEFT_IS_SDP (self), FALSE);
  return self->end_of_candidates;
}
