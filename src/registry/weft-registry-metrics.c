/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "weft-registry-metrics.h"

/* latency buckets in seconds: the registry answers most requests in well under 1 ms */
static const gdouble buckets[] = { 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                   0.025,  0.05,    0.1,    0.25,  0.5,    1.0,   2.5 };
#define N_BUCKETS G_N_ELEMENTS (buckets)

typedef struct
{
  guint64 counts[N_BUCKETS]; /* non-cumulative; summed when rendered */
  guint64 count;
  gdouble sum;
} Histogram;

struct _WeftRegistryMetrics
{
  GObject parent_instance;

  GHashTable *requests; /* (owned) (element-type utf8 guint64*) "route\tmethod\tstatus" */
  GHashTable *latency;  /* (owned) (element-type utf8 Histogram) route */
  GHashTable *limits;   /* (owned) (element-type utf8 guint64*) limit name */
};

G_DEFINE_TYPE (WeftRegistryMetrics, weft_registry_metrics, G_TYPE_OBJECT)

static void
weft_registry_metrics_finalize (GObject *object)
{
  WeftRegistryMetrics *self = WEFT_REGISTRY_METRICS (object);

  g_clear_pointer (&self->requests, g_hash_table_unref);
  g_clear_pointer (&self->latency, g_hash_table_unref);
  g_clear_pointer (&self->limits, g_hash_table_unref);
  G_OBJECT_CLASS (weft_registry_metrics_parent_class)->finalize (object);
}

static void
weft_registry_metrics_class_init (WeftRegistryMetricsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = weft_registry_metrics_finalize;
}

static void
weft_registry_metrics_init (WeftRegistryMetrics *self)
{
  self->requests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->latency = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->limits = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

WeftRegistryMetrics *
weft_registry_metrics_new (void)
{
  return g_object_new (WEFT_TYPE_REGISTRY_METRICS, NULL);
}

static void
bump (GHashTable *table, const gchar *key)
{
  guint64 *v = g_hash_table_lookup (table, key);

  if (v == NULL)
    {
      v = g_new0 (guint64, 1);
      g_hash_table_insert (table, g_strdup (key), v);
    }
  (*v)++;
}

void
weft_registry_metrics_observe_request (WeftRegistryMetrics *self,
                                       const gchar *route,
                                       const gchar *method,
                                       guint status,
                                       gdouble seconds)
{
  gchar key[256];
  Histogram *h;

  g_snprintf (key, sizeof key, "%s\t%s\t%u", route, method, status);
  bump (self->requests, key);

  h = g_hash_table_lookup (self->latency, route);
  if (h == NULL)
    {
      h = g_new0 (Histogram, 1);
      g_hash_table_insert (self->latency, g_strdup (route), h);
    }
  for (gsize i = 0; i < N_BUCKETS; i++)
    if (seconds <= buckets[i])
      {
        h->counts[i]++;
        break;
      }
  h->count++;
  h->sum += seconds;
}

void
weft_registry_metrics_count_limit (WeftRegistryMetrics *self, const gchar *limit)
{
  bump (self->limits, limit);
}

/* label values may hold any byte; escape what the text format requires */
static void
append_label_value (GString *out, const gchar *value)
{
  for (const gchar *p = value; *p != '\0'; p++)
    {
      if (*p == '\\' || *p == '"')
        g_string_append_c (out, '\\');
      if (*p == '\n')
        {
          g_string_append (out, "\\n");
          continue;
        }
      g_string_append_c (out, *p);
    }
}

static void
append_double (GString *out, gdouble v)
{
  gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

  /* 15 significant digits: enough for counters, and bucket bounds print as written */
  g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.15g", v));
}

void
weft_registry_metrics_append_gauge_header (GString *out, const gchar *name, const gchar *help)
{
  g_string_append_printf (out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

void
weft_registry_metrics_append_sample (GString *out,
                                     const gchar *name,
                                     const gchar *label_name,
                                     const gchar *label_value,
                                     gdouble value)
{
  g_string_append (out, name);
  if (label_name != NULL)
    {
      g_string_append_printf (out, "{%s=\"", label_name);
      append_label_value (out, label_value);
      g_string_append (out, "\"}");
    }
  g_string_append_c (out, ' ');
  append_double (out, value);
  g_string_append_c (out, '\n');
}

static GList *
sorted_keys (GHashTable *table)
{
  return g_list_sort (g_hash_table_get_keys (table), (GCompareFunc) g_strcmp0);
}

void
weft_registry_metrics_render (WeftRegistryMetrics *self, GString *out)
{
  g_autoptr (GList) keys = NULL;

  g_string_append (out, "# HELP weft_registry_http_requests_total HTTP requests answered, by "
                        "route, method and status.\n"
                        "# TYPE weft_registry_http_requests_total counter\n");
  keys = sorted_keys (self->requests);
  for (GList *l = keys; l != NULL; l = l->next)
    {
      g_auto (GStrv) parts = g_strsplit (l->data, "\t", 3);
      guint64 *v = g_hash_table_lookup (self->requests, l->data);

      g_string_append (out, "weft_registry_http_requests_total{route=\"");
      append_label_value (out, parts[0]);
      g_string_append (out, "\",method=\"");
      append_label_value (out, parts[1]);
      g_string_append_printf (out, "\",status=\"%s\"} %" G_GUINT64_FORMAT "\n", parts[2], *v);
    }
  g_clear_pointer (&keys, g_list_free);

  g_string_append (out, "# HELP weft_registry_http_request_duration_seconds Time to answer a "
                        "request, by route.\n"
                        "# TYPE weft_registry_http_request_duration_seconds histogram\n");
  keys = sorted_keys (self->latency);
  for (GList *l = keys; l != NULL; l = l->next)
    {
      Histogram *h = g_hash_table_lookup (self->latency, l->data);
      guint64 cumulative = 0;

      for (gsize i = 0; i < N_BUCKETS; i++)
        {
          cumulative += h->counts[i];
          g_string_append (out, "weft_registry_http_request_duration_seconds_bucket{route=\"");
          append_label_value (out, l->data);
          g_string_append (out, "\",le=\"");
          append_double (out, buckets[i]);
          g_string_append_printf (out, "\"} %" G_GUINT64_FORMAT "\n", cumulative);
        }
      g_string_append (out, "weft_registry_http_request_duration_seconds_bucket{route=\"");
      append_label_value (out, l->data);
      g_string_append_printf (out, "\",le=\"+Inf\"} %" G_GUINT64_FORMAT "\n", h->count);
      g_string_append (out, "weft_registry_http_request_duration_seconds_sum{route=\"");
      append_label_value (out, l->data);
      g_string_append (out, "\"} ");
      append_double (out, h->sum);
      g_string_append (out, "\nweft_registry_http_request_duration_seconds_count{route=\"");
      append_label_value (out, l->data);
      g_string_append_printf (out, "\"} %" G_GUINT64_FORMAT "\n", h->count);
    }
  g_clear_pointer (&keys, g_list_free);

  g_string_append (out, "# HELP weft_registry_limit_violations_total Requests or sockets "
                        "refused by a configured limit.\n"
                        "# TYPE weft_registry_limit_violations_total counter\n");
  keys = sorted_keys (self->limits);
  for (GList *l = keys; l != NULL; l = l->next)
    {
      guint64 *v = g_hash_table_lookup (self->limits, l->data);

      g_string_append (out, "weft_registry_limit_violations_total{limit=\"");
      append_label_value (out, l->data);
      g_string_append_printf (out, "\"} %" G_GUINT64_FORMAT "\n", *v);
    }
}
