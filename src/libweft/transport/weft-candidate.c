/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "weft-candidate.h"

/* ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839 §5.1) */
static gboolean
is_ice_chars (const gchar *s, gsize min_len, gsize max_len)
{
  gsize n = strlen (s);

  if (n < min_len || n > max_len)
    return FALSE;
  for (const gchar *p = s; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '+' && *p != '/')
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_uint (const gchar *s, guint64 min, guint64 max, guint64 *out)
{
  return g_ascii_string_to_unsigned (s, 10, min, max, out, NULL);
}

/* a conservative check for what may appear in an address or host name token */
static gboolean
is_address_token (const gchar *s)
{
  if (*s == '\0' || strlen (s) > 255)
    return FALSE;
  for (const gchar *p = s; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && strchr ("-.:_%", *p) == NULL)
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_type (const gchar *s, WeftCandidateType *out)
{
  static const struct
  {
    const gchar *name;
    WeftCandidateType type;
  } types[] = {
    { "host", WEFT_CANDIDATE_TYPE_HOST },
    { "srflx", WEFT_CANDIDATE_TYPE_SRFLX },
    { "prflx", WEFT_CANDIDATE_TYPE_PRFLX },
    { "relay", WEFT_CANDIDATE_TYPE_RELAY },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (types); i++)
    {
      if (g_ascii_strcasecmp (s, types[i].name) == 0)
        {
          *out = types[i].type;
          return TRUE;
        }
    }
  return FALSE;
}

/**
 * weft_candidate_type_to_string:
 * @type: a #WeftCandidateType
 *
 * Returns: (transfer none): the SDP token for @type, e.g. `srflx`
 */
const gchar *
weft_candidate_type_to_string (WeftCandidateType type)
{
  switch (type)
    {
      case WEFT_CANDIDATE_TYPE_HOST:
        return "host";
      case WEFT_CANDIDATE_TYPE_SRFLX:
        return "srflx";
      case WEFT_CANDIDATE_TYPE_PRFLX:
        return "prflx";
      case WEFT_CANDIDATE_TYPE_RELAY:
        return "relay";
      default:
        return "unknown";
    }
}

/* strips surrounding white space (including a trailing CRLF) and an optional
 * "a=" prefix; returns the text after "candidate:" or NULL */
static gchar *
strip_candidate_text (const gchar *text, GError **error)
{
  g_autofree gchar *copy = NULL;
  const gchar *p;

  if (text == NULL)
    {
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                           _ ("Invalid ICE candidate: the candidate is missing"));
      return NULL;
    }
  copy = g_strstrip (g_strdup (text));
  p = copy;
  if (g_str_has_prefix (p, "a="))
    p += 2;
  if (!g_str_has_prefix (p, "candidate:"))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                   _ ("Invalid ICE candidate “%.64s”: it must start with “candidate:” "
                      "(optionally preceded by “a=”)"),
                   copy);
      return NULL;
    }
  return g_strdup (p + strlen ("candidate:"));
}

static gchar **
tokenize (const gchar *s)
{
  g_auto (GStrv) raw = g_strsplit_set (s, " \t", -1);
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (gsize i = 0; raw[i] != NULL; i++)
    {
      if (raw[i][0] != '\0')
        g_strv_builder_add (builder, raw[i]);
    }
  return g_strv_builder_end (builder);
}

static gboolean
candidate_error (GError **error, const gchar *what, const gchar *value)
{
  g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA, _ ("Invalid ICE candidate: %s “%.64s”"),
               what, value != NULL ? value : "");
  return FALSE;
}

/**
 * weft_candidate_parse:
 * @text: a candidate attribute, with or without `a=`, trailing white space allowed
 * @error: return location for a #GError
 *
 * Parses the essential fields of an ICE candidate (RFC 8839 §5.1). Host names
 * (including mDNS `.local` names) are accepted here; see
 * weft_candidate_normalize() for what libnice accepts.
 *
 * Returns: (transfer full): the candidate, or %NULL with @error set
 *   (%WEFT_ERROR_INVALID_DATA)
 */
WeftCandidate *
weft_candidate_parse (const gchar *text, GError **error)
{
  g_autofree gchar *body = NULL;
  g_auto (GStrv) tokens = NULL;
  g_autoptr (WeftCandidate) self = NULL;
  g_autoptr (GStrvBuilder) extensions = NULL;
  guint64 value;
  guint n_tokens;
  guint i;

  body = strip_candidate_text (text, error);
  if (body == NULL)
    return NULL;
  tokens = tokenize (body);
  n_tokens = g_strv_length (tokens);
  if (n_tokens < 8)
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                   _ ("Invalid ICE candidate: expected at least 8 fields "
                      "(foundation component transport priority address port typ type), got %u"),
                   n_tokens);
      return NULL;
    }

  self = g_new0 (WeftCandidate, 1);
  if (!is_ice_chars (tokens[0], 1, 32))
    {
      candidate_error (error, _ ("the foundation is not 1 to 32 ice-chars:"), tokens[0]);
      return NULL;
    }
  self->foundation = g_strdup (tokens[0]);

  if (!parse_uint (tokens[1], 1, 256, &value))
    {
      candidate_error (error, _ ("the component id is not a number from 1 to 256:"), tokens[1]);
      return NULL;
    }
  self->component = (guint) value;

  if (g_ascii_strcasecmp (tokens[2], "udp") != 0 && g_ascii_strcasecmp (tokens[2], "tcp") != 0)
    {
      candidate_error (error, _ ("the transport is neither udp nor tcp:"), tokens[2]);
      return NULL;
    }
  self->transport = g_ascii_strdown (tokens[2], -1);

  if (!parse_uint (tokens[3], 1, G_MAXUINT32, &value))
    {
      candidate_error (error, _ ("the priority is not a number from 1 to 4294967295:"), tokens[3]);
      return NULL;
    }
  self->priority = (guint32) value;

  if (!is_address_token (tokens[4]))
    {
      candidate_error (error, _ ("the connection address is not an address or host name:"),
                       tokens[4]);
      return NULL;
    }
  self->address = g_strdup (tokens[4]);

  if (!parse_uint (tokens[5], 0, G_MAXUINT16, &value))
    {
      candidate_error (error, _ ("the port is not a number from 0 to 65535:"), tokens[5]);
      return NULL;
    }
  self->port = (guint16) value;

  if (g_strcmp0 (tokens[6], "typ") != 0)
    {
      candidate_error (error, _ ("expected “typ” after the port, found"), tokens[6]);
      return NULL;
    }
  if (!parse_type (tokens[7], &self->type))
    {
      candidate_error (error, _ ("the type is not host, srflx, prflx or relay:"), tokens[7]);
      return NULL;
    }

  extensions = g_strv_builder_new ();
  for (i = 8; i < n_tokens; i++)
    {
      const gchar *key = tokens[i];
      const gchar *val = tokens[i + 1];

      if (g_strcmp0 (key, "raddr") == 0 && val != NULL)
        {
          if (!is_address_token (val))
            {
              candidate_error (error, _ ("raddr is not an address:"), val);
              return NULL;
            }
          g_free (self->related_address);
          self->related_address = g_strdup (val);
          i++;
        }
      else if (g_strcmp0 (key, "rport") == 0 && val != NULL)
        {
          if (!parse_uint (val, 0, G_MAXUINT16, &value))
            {
              candidate_error (error, _ ("rport is not a number from 0 to 65535:"), val);
              return NULL;
            }
          self->related_port = (guint16) value;
          i++;
        }
      else if (g_strcmp0 (key, "tcptype") == 0 && val != NULL)
        {
          if (g_strcmp0 (val, "active") != 0 && g_strcmp0 (val, "passive") != 0 &&
              g_strcmp0 (val, "so") != 0)
            {
              candidate_error (error, _ ("tcptype is not active, passive or so:"), val);
              return NULL;
            }
          g_free (self->tcp_type);
          self->tcp_type = g_strdup (val);
          i++;
        }
      else
        {
          /* extension attributes (generation, ufrag, network-id, network-cost,
           * ...) are kept verbatim: libnice skips the ones it does not know */
          g_strv_builder_add (extensions, key);
        }
    }
  self->extensions = g_strv_builder_end (extensions);

  if (g_strcmp0 (self->transport, "tcp") == 0 && self->tcp_type == NULL)
    g_debug ("tcp candidate %s without tcptype", self->foundation);

  return g_steal_pointer (&self);
}

/**
 * weft_candidate_free:
 * @self: (transfer full) (nullable): a #WeftCandidate
 *
 * Frees @self.
 */
void
weft_candidate_free (WeftCandidate *self)
{
  if (self == NULL)
    return;
  g_free (self->foundation);
  g_free (self->transport);
  g_free (self->address);
  g_free (self->related_address);
  g_free (self->tcp_type);
  g_strfreev (self->extensions);
  g_free (self);
}

/**
 * weft_candidate_to_string:
 * @self: a #WeftCandidate
 *
 * Returns: (transfer full): the candidate in browser form, `candidate:...`,
 *   with single spaces and no `a=` prefix
 */
gchar *
weft_candidate_to_string (const WeftCandidate *self)
{
  GString *s = g_string_new ("candidate:");

  g_string_append_printf (s, "%s %u %s %" G_GUINT32_FORMAT " %s %u typ %s", self->foundation,
                          self->component, self->transport, self->priority, self->address,
                          (guint) self->port, weft_candidate_type_to_string (self->type));
  if (self->related_address != NULL)
    g_string_append_printf (s, " raddr %s rport %u", self->related_address,
                            (guint) self->related_port);
  if (self->tcp_type != NULL)
    g_string_append_printf (s, " tcptype %s", self->tcp_type);
  for (gsize i = 0; self->extensions != NULL && self->extensions[i] != NULL; i++)
    g_string_append_printf (s, " %s", self->extensions[i]);
  return g_string_free (s, FALSE);
}

/**
 * weft_candidate_address_is_ip:
 * @self: a #WeftCandidate
 *
 * Returns: %TRUE if the connection address is a literal IPv4 or IPv6 address
 */
gboolean
weft_candidate_address_is_ip (const WeftCandidate *self)
{
  return g_hostname_is_ip_address (self->address);
}

/**
 * weft_candidate_is_mdns:
 * @self: a #WeftCandidate
 *
 * Browsers hide host addresses behind random `<uuid>.local` names (mDNS).
 *
 * Returns: %TRUE if the connection address is an mDNS `.local` name
 */
gboolean
weft_candidate_is_mdns (const WeftCandidate *self)
{
  gsize n = strlen (self->address);
  const gchar *a = self->address;

  if (n > 0 && a[n - 1] == '.')
    n--;
  return n > strlen (".local") &&
         g_ascii_strncasecmp (a + n - strlen (".local"), ".local", strlen (".local")) == 0;
}

/**
 * weft_candidate_normalize:
 * @text: a trickled candidate: with or without `a=`, trailing CRLF and spaces allowed
 * @out_hostname: (out) (optional) (transfer full): the host name when the
 *   address is not an IP address
 * @error: return location for a #GError
 *
 * Produces the `a=candidate:...` form that nice_agent_parse_remote_candidate_sdp()
 * accepts: `a=` prefix, single spaces, no trailing white space.
 *
 * libnice cannot resolve names, so a candidate whose address is a host name
 * fails with %WEFT_ERROR_NOT_SUPPORTED and its name in @out_hostname: the
 * caller resolves it (then calls weft_candidate_replace_address()) or drops it
 * with a log line; weft_candidate_is_mdns() tells mDNS names apart.
 *
 * Returns: (transfer full): the normalised candidate, or %NULL with @error set
 *   (%WEFT_ERROR_INVALID_DATA for a malformed candidate,
 *   %WEFT_ERROR_NOT_SUPPORTED for a host name)
 */
gchar *
weft_candidate_normalize (const gchar *text, gchar **out_hostname, GError **error)
{
  g_autoptr (WeftCandidate) cand = weft_candidate_parse (text, error);
  g_autofree gchar *browser = NULL;

  if (out_hostname != NULL)
    *out_hostname = NULL;
  if (cand == NULL)
    return NULL;
  if (!weft_candidate_address_is_ip (cand))
    {
      if (weft_candidate_is_mdns (cand))
        g_set_error (error, WEFT_ERROR, WEFT_ERROR_NOT_SUPPORTED,
                     _ ("ICE candidate %s has the mDNS name “%s” as its address; "
                        "resolve it or drop the candidate"),
                     cand->foundation, cand->address);
      else
        g_set_error (error, WEFT_ERROR, WEFT_ERROR_NOT_SUPPORTED,
                     _ ("ICE candidate %s has the host name “%s” as its address; "
                        "resolve it or drop the candidate"),
                     cand->foundation, cand->address);
      if (out_hostname != NULL)
        *out_hostname = g_strdup (cand->address);
      return NULL;
    }
  browser = weft_candidate_to_string (cand);
  return g_strconcat ("a=", browser, NULL);
}

/**
 * weft_candidate_replace_address:
 * @text: a candidate, in any form weft_candidate_parse() accepts
 * @address: a literal IP address (for example the resolved mDNS name)
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the normalised `a=candidate:...` form of @text with
 *   its connection address replaced by @address, or %NULL with @error set
 */
gchar *
weft_candidate_replace_address (const gchar *text, const gchar *address, GError **error)
{
  g_autoptr (WeftCandidate) cand = weft_candidate_parse (text, error);
  g_autofree gchar *browser = NULL;

  if (cand == NULL)
    return NULL;
  if (address == NULL || !g_hostname_is_ip_address (address))
    {
      g_set_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT,
                   _ ("“%s” is not an IP address; cannot use it as a candidate address"),
                   address != NULL ? address : "(null)");
      return NULL;
    }
  g_free (cand->address);
  cand->address = g_strdup (address);
  browser = weft_candidate_to_string (cand);
  return g_strconcat ("a=", browser, NULL);
}

/**
 * weft_candidate_to_browser:
 * @sdp_line: a candidate as libnice writes it (`a=candidate:...`, maybe with CRLF)
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the browser form (`candidate:...`, no prefix, no
 *   trailing white space) for an `ice_candidate` signalling frame, or %NULL with
 *   @error set if @sdp_line is not a candidate
 */
gchar *
weft_candidate_to_browser (const gchar *sdp_line, GError **error)
{
  g_autofree gchar *body = strip_candidate_text (sdp_line, error);

  if (body == NULL)
    return NULL;
  return g_strconcat ("candidate:", body, NULL);
}

/**
 * weft_candidate_json_new:
 * @candidate: (nullable): the candidate in browser form, or %NULL for
 *   end-of-candidates (written as an empty string)
 * @sdp_mid: (nullable): the media id, or %NULL (written as `null`)
 * @sdp_mline_index: the m-line index, or -1 (written as `null`)
 *
 * Builds the `{"candidate", "sdpMid", "sdpMLineIndex"}` object of the
 * browser API and of `ice_candidate` signalling frames.
 *
 * Returns: (transfer full): a JSON object node
 */
JsonNode *
weft_candidate_json_new (const gchar *candidate, const gchar *sdp_mid, gint sdp_mline_index)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "candidate");
  json_builder_add_string_value (builder, candidate != NULL ? candidate : "");
  json_builder_set_member_name (builder, "sdpMid");
  if (sdp_mid != NULL)
    json_builder_add_string_value (builder, sdp_mid);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "sdpMLineIndex");
  if (sdp_mline_index >= 0)
    json_builder_add_int_value (builder, sdp_mline_index);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/**
 * weft_candidate_json_parse:
 * @node: a JSON node, expected to be an object
 * @out_candidate: (out) (transfer full) (nullable): the candidate string as
 *   given, or %NULL for end-of-candidates (`null` or `""`)
 * @out_sdp_mid: (out) (optional) (transfer full) (nullable): `sdpMid`, %NULL when absent or null
 * @out_sdp_mline_index: (out) (optional): `sdpMLineIndex`, -1 when absent or null
 * @error: return location for a #GError
 *
 * Reads the `{"candidate", "sdpMid", "sdpMLineIndex"}` shape; other members
 * (`usernameFragment`, ...) are ignored.
 *
 * Returns: %TRUE on success; %FALSE with %WEFT_ERROR_INVALID_DATA if the shape is wrong
 */
gboolean
weft_candidate_json_parse (JsonNode *node,
                           gchar **out_candidate,
                           gchar **out_sdp_mid,
                           gint *out_sdp_mline_index,
                           GError **error)
{
  JsonObject *obj;
  JsonNode *member;
  g_autofree gchar *candidate = NULL;
  g_autofree gchar *mid = NULL;
  gint64 index = -1;

  g_return_val_if_fail (out_candidate != NULL, FALSE);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                           _ ("Invalid ICE candidate message: expected a JSON object"));
      return FALSE;
    }
  obj = json_node_get_object (node);

  member = json_object_get_member (obj, "candidate");
  if (member == NULL)
    {
      g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                           _ ("Invalid ICE candidate message: the “candidate” member is missing"));
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_NULL (member))
    {
      if (!JSON_NODE_HOLDS_VALUE (member) || json_node_get_value_type (member) != G_TYPE_STRING)
        {
          g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                               _ ("Invalid ICE candidate message: “candidate” is not a string"));
          return FALSE;
        }
      if (json_node_get_string (member)[0] != '\0')
        candidate = g_strdup (json_node_get_string (member));
    }

  member = json_object_get_member (obj, "sdpMid");
  if (member != NULL && !JSON_NODE_HOLDS_NULL (member))
    {
      if (!JSON_NODE_HOLDS_VALUE (member) || json_node_get_value_type (member) != G_TYPE_STRING)
        {
          g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                               _ ("Invalid ICE candidate message: “sdpMid” is not a string"));
          return FALSE;
        }
      mid = g_strdup (json_node_get_string (member));
    }

  member = json_object_get_member (obj, "sdpMLineIndex");
  if (member != NULL && !JSON_NODE_HOLDS_NULL (member))
    {
      if (!JSON_NODE_HOLDS_VALUE (member) || json_node_get_value_type (member) != G_TYPE_INT64 ||
          json_node_get_int (member) < 0 || json_node_get_int (member) > G_MAXUINT16)
        {
          g_set_error_literal (error, WEFT_ERROR, WEFT_ERROR_INVALID_DATA,
                               _ ("Invalid ICE candidate message: “sdpMLineIndex” is not a "
                                  "number from 0 to 65535"));
          return FALSE;
        }
      index = json_node_get_int (member);
    }

  *out_candidate = g_steal_pointer (&candidate);
  if (out_sdp_mid != NULL)
    *out_sdp_mid = g_steal_pointer (&mid);
  if (out_sdp_mline_index != NULL)
    *out_sdp_mline_index = (gint) index;
  return TRUE;
}
