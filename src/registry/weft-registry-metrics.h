/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define WEFT_TYPE_REGISTRY_METRICS (weft_registry_metrics_get_type ())
G_DECLARE_FINAL_TYPE (WeftRegistryMetrics, weft_registry_metrics, WEFT, REGISTRY_METRICS, GObject)

WeftRegistryMetrics *
weft_registry_metrics_new (void);
void
weft_registry_metrics_observe_request (WeftRegistryMetrics *self,
                                       const gchar *route,
                                       const gchar *method,
                                       guint status,
                                       gdouble seconds);
void
weft_registry_metrics_count_limit (WeftRegistryMetrics *self, const gchar *limit);
void
weft_registry_metrics_render (WeftRegistryMetrics *self, GString *out);

void
weft_registry_metrics_append_gauge_header (GString *out, const gchar *name, const gchar *help);
void
weft_registry_metrics_append_sample (GString *out,
                                     const gchar *name,
                                     const gchar *label_name,
                                     const gchar *label_value,
                                     gdouble value);

G_END_DECLS
