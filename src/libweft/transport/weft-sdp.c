/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "weft-sdp-private.h"

/* a data-channel-only session description (RFC 8866, RFC 8839, RFC 8841,
 * RFC 8842): the object, its getters and the fingerprint and role helpers;
 * the parser is in weft-sdp-parse.c, the writer in weft-sdp-write.c */

G_DEFINE_FINAL_TYPE (WeftSdp, weft_sdp, G_TYPE_OBJECT)

void
weft_sdp_mline_free (gpointer data)
{
  WeftSdpMLine *m = data;

  g_free (m->media);
  g_free (m->proto);
  g_free (m->fmt);
  g_free (m->mid);
  g_free (m);
}

WeftSdpMLine *
weft_sdp_mline_copy (const WeftSdpMLine *src)
{
  WeftSdpMLine *m = g_new0 (WeftSdpMLine, 1);

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
  self->mlines = g_ptr_array_new_with_free_func (weft_sdp_mline_free);
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
void
weft_sdp_split_fingerprint (const gchar *s, gchar **alg, gchar **value)
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
  weft_sdp_split_fingerprint (a, &alg_a, &val_a);
  weft_sdp_split_fingerprint (b, &alg_b, &val_b);
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
