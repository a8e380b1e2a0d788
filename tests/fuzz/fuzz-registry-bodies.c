/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* the registry's request-body decoders: agent registration (chatixia-wire §2.4),
 * heartbeat (§2.5) and pairing (§2.8); every input goes through all three */
#include "config.h"

#include "weft.h"
#include "weft-agent-record.h"
#include "weft-pairing.h"
#include "fuzz-common.h"

static void
assert_decoder_error (const GError *error)
{
  g_assert_nonnull (error);
  g_assert_true (error->domain == WEFT_ERROR);
  g_assert_true (error->code == WEFT_ERROR_INVALID_DATA ||
                 error->code == WEFT_ERROR_INVALID_ARGUMENT);
  g_assert_true (error->message != NULL && error->message[0] != '\0');
}

static void
fuzz_registration (const gchar *data, gssize size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftAgentRecord) record = weft_agent_record_from_json (data, size, &error);
  g_autoptr (JsonNode) node = NULL;
  g_autofree gchar *json = NULL;
  g_autoptr (WeftAgentRecord) again = NULL;

  if (record == NULL)
    {
      assert_decoder_error (error);
      return;
    }
  g_assert_no_error (error);
  /* what we emit for a record decodes back to the same record */
  node = weft_agent_record_to_json (record);
  json = json_to_string (node, FALSE);
  again = weft_agent_record_from_json (json, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (weft_agent_record_get_agent_id (again), ==,
                   weft_agent_record_get_agent_id (record));
  g_assert_cmpstr (weft_agent_record_get_hostname (again), ==,
                   weft_agent_record_get_hostname (record));
  g_assert_cmpuint (weft_agent_record_get_port (again), ==, weft_agent_record_get_port (record));
  g_assert_true (
    g_strv_equal (weft_agent_record_get_skills (again), weft_agent_record_get_skills (record)));
}

static void
fuzz_heartbeat (const gchar *data, gssize size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftAgentHeartbeat) hb = weft_agent_heartbeat_from_json (data, size, &error);

  if (hb == NULL)
    {
      assert_decoder_error (error);
      return;
    }
  g_assert_no_error (error);
  g_assert_nonnull (hb->agent_id);
  g_assert_nonnull (hb->skill_names);
  if (!(hb->present & WEFT_AGENT_HEARTBEAT_PORT))
    g_assert_cmpuint (hb->port, ==, WEFT_AGENT_RECORD_DEFAULT_PORT);
}

static void
fuzz_pairing (const gchar *data, gssize size)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *code = NULL;
  g_autofree gchar *name = NULL;

  if (!weft_pairing_pair_request_from_json (data, size, &code, &name, &error))
    {
      assert_decoder_error (error);
      g_assert_null (code);
      return;
    }
  g_assert_no_error (error);
  g_assert_nonnull (code);
  g_assert_nonnull (name);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  /* request bodies are capped well below this by the server */
  if (size > 1024 * 1024)
    return 0;
  fuzz_registration ((const gchar *) data, (gssize) size);
  fuzz_heartbeat ((const gchar *) data, (gssize) size);
  fuzz_pairing ((const gchar *) data, (gssize) size);
  return 0;
}
