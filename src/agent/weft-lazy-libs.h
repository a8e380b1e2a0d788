/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the tables weft-lazy-libs.py writes for weft-lazy-libs.c */
typedef struct
{
  const char *name;
  guint library; /* index into weft_lazy_libraries */
} WeftLazySymbol;

G_GNUC_INTERNAL extern const char *const weft_lazy_libraries[];
G_GNUC_INTERNAL extern const guint weft_lazy_n_libraries;
G_GNUC_INTERNAL extern const WeftLazySymbol weft_lazy_symbols[];
G_GNUC_INTERNAL extern void *weft_lazy_addresses[];

G_GNUC_INTERNAL void *
weft_lazy_resolve (gsize index);

G_END_DECLS
