/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "weft-registry-metrics.h"

static gboolean
has_line (const gchar *text, const gchar *line)
{
  g_autofree gchar *needle = g_strconcat ("\n", line, "\n", NULL);
  g_autofree gchar *hay = g_strconcat ("\n", text, NULL);

  return strstr (hay, needle) != NULL;
}

static void
test_requests (void)
{
  g_autoptr (WeftRegistryMetrics) m = weft_registry_metrics_new ();
  g_autoptr (GString) out = g_string_new (NULL);

  weft_registry_metrics_observe_request (m, "/api/hub/heartbeat", "POST", 200, 0.0002);
  weft_registry_metrics_observe_request (m, "/api/hub/heartbeat", "POST", 200, 0.003);
  weft_registry_metrics_observe_request (m, "/api/hub/heartbeat", "POST", 422, 10.0);
  weft_registry_metrics_observe_request (m, "/api/hub/tasks/*", "GET", 404, 0.0001);
  weft_registry_metrics_count_limit (m, "body-size");
  weft_registry_metrics_count_limit (m, "body-size");
  weft_registry_metrics_render (m, out);

  g_assert_true (has_line (out->str, "# TYPE weft_registry_http_requests_total counter"));
  g_assert_true (has_line (out->str, "weft_registry_http_requests_total{route=\"/api/hub/"
                                     "heartbeat\",method=\"POST\",status=\"200\"} 2"));
  g_assert_true (has_line (out->str, "weft_registry_http_requests_total{route=\"/api/hub/"
                                     "heartbeat\",method=\"POST\",status=\"422\"} 1"));
  /* buckets are cumulative; +Inf counts everything, also what no bucket holds */
  g_assert_true (has_line (out->str, "weft_registry_http_request_duration_seconds_bucket{route="
                                     "\"/api/hub/heartbeat\",le=\"0.00025\"} 1"));
  g_assert_true (has_line (out->str, "weft_registry_http_request_duration_seconds_bucket{route="
                                     "\"/api/hub/heartbeat\",le=\"0.005\"} 2"));
  g_assert_true (has_line (out->str, "weft_registry_http_request_duration_seconds_bucket{route="
                                     "\"/api/hub/heartbeat\",le=\"2.5\"} 2"));
  g_assert_true (has_line (out->str, "weft_registry_http_request_duration_seconds_bucket{route="
                                     "\"/api/hub/heartbeat\",le=\"+Inf\"} 3"));
  g_assert_true (has_line (
    out->str, "weft_registry_http_request_duration_seconds_count{route=\"/api/hub/heartbeat\"} 3"));
  g_assert_true (
    has_line (out->str, "weft_registry_limit_violations_total{limit=\"body-size\"} 2"));
}

static void
test_samples (void)
{
  g_autoptr (GString) out = g_string_new (NULL);

  weft_registry_metrics_append_gauge_header (out, "weft_x", "Things.");
  weft_registry_metrics_append_sample (out, "weft_x", "name", "a\"b\\c\nd", 1.5);
  weft_registry_metrics_append_sample (out, "weft_x", NULL, NULL, 3);
  g_assert_cmpstr (out->str, ==,
                   "# HELP weft_x Things.\n# TYPE weft_x gauge\n"
                   "weft_x{name=\"a\\\"b\\\\c\\nd\"} 1.5\nweft_x 3\n");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/weft/registry-metrics/requests", test_requests);
  g_test_add_func ("/weft/registry-metrics/samples", test_samples);
  return g_test_run ();
}
