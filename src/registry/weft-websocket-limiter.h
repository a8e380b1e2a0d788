/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define WEFT_TYPE_WEBSOCKET_LIMITER (weft_websocket_limiter_get_type ())
G_DECLARE_FINAL_TYPE (WeftWebsocketLimiter,
                      weft_websocket_limiter,
                      WEFT,
                      WEBSOCKET_LIMITER,
                      GIOStream)

/* wraps the stream of an upgraded WebSocket connection and watches the frames coming in:
 * reading fails with G_IO_ERROR_MESSAGE_TOO_LARGE as soon as one message (all its
 * fragments together) passes @max_message_size, before it is buffered. libsoup 3.2 only
 * bounds single frames, so a message sent in many fragments would otherwise grow without
 * limit. */
GIOStream *
weft_websocket_limiter_new (GIOStream *base, gsize max_message_size);

G_END_DECLS
