/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "weft-candidate.h"
#include "weft-sdp-private.h"

/* the parser: tolerant of what Chromium, aiortc and libdatachannel write */

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

  weft_sdp_split_fingerprint (value, &alg, &fp);
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
    {
      g_autofree gchar *size_text = g_strdup_printf ("%" G_GSIZE_FORMAT, size);
      g_autofree gchar *got_text = g_strdup_printf ("%" G_GSIZE_FORMAT, g_bytes_get_size (digest));

      return sdp_error (error, line,
                        _ ("a=fingerprint: a %s fingerprint has %s bytes, this one has %s"), alg,
                        size_text, got_text);
    }
  /* keep the first, but prefer sha-256: it is what every WebRTC stack
   * computes, and what the DTLS transport checks against */
  if (scope->fp == NULL ||
      (g_strcmp0 (scope->fp_alg, "sha-256") != 0 && g_ascii_strcasecmp (alg, "sha-256") == 0))
    {
      g_free (scope->fp_alg);
      g_free (scope->fp);
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
      WeftSdpMLine *m = g_ptr_array_index (sdp->mlines, sdp->mlines->len - 1);

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
  if (g_strcmp0 (name, "group") == 0 && value != NULL &&
      (g_strcmp0 (value, "BUNDLE") == 0 || g_str_has_prefix (value, "BUNDLE ")))
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
  WeftSdpMLine *m;

  if (g_strv_length (tokens) < 4 || tokens[0][0] == '\0' || tokens[2][0] == '\0')
    return sdp_error (error, line, _ ("expected “m=<media> <port> <proto> <format> ...”"));
  port_parts = g_strsplit (tokens[1], "/", 2);
  if (port_parts[0] == NULL || !parse_uint_value (port_parts[0], 0, G_MAXUINT16, &port))
    return sdp_error (error, line, _ ("the m-line port “%.20s” is not a number from 0 to 65535"),
                      tokens[1]);

  m = g_new0 (WeftSdpMLine, 1);
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
  sdp->mid = g_strdup (((WeftSdpMLine *) g_ptr_array_index (sdp->mlines, sdp->mline_index))->mid);
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
