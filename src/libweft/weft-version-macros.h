/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__WEFT_INSIDE__) && !defined(WEFT_COMPILATION)
#error "Only <weft.h> can be included directly."
#endif

#include <glib.h>

#ifndef _WEFT_EXTERN
#define _WEFT_EXTERN __attribute__ ((visibility ("default"))) extern
#endif

#define WEFT_AVAILABLE_IN_ALL _WEFT_EXTERN
