/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "weft-websocket-limiter.h"

/* ---- frame scanner: follows RFC 6455 frame headers in the incoming bytes ---- */

typedef struct
{
  guint8 header[14];
  guint header_len;
  guint header_need;
  guint64 payload_left;
  guint64 message_size; /* data bytes of the message being received */
  guint64 limit;
} FrameScanner;

static gboolean
scanner_header_done (FrameScanner *s, GError **error)
{
  guint8 opcode = s->header[0] & 0x0f;
  gboolean fin = (s->header[0] & 0x80) != 0;
  guint8 len7 = s->header[1] & 0x7f;
  guint64 len = len7;

  if (len7 == 126)
    len = ((guint64) s->header[2] << 8) | s->header[3];
  else if (len7 == 127)
    {
      len = 0;
      for (guint i = 0; i < 8; i++)
        len = (len << 8) | s->header[2 + i];
    }

  /* a message in one frame is left to libsoup's frame limit and the hub, which close the
   * socket politely; fragments add up to one message that libsoup would buffer whole */
  if ((opcode == 0x1 || opcode == 0x2) && !fin)
    s->message_size = len;
  else if (opcode == 0x0)
    s->message_size += len;
  if ((opcode == 0x0 || ((opcode == 0x1 || opcode == 0x2) && !fin)) && s->message_size > s->limit)
    {
      g_autofree gchar *limit = g_strdup_printf ("%" G_GUINT64_FORMAT, s->limit);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                   _ ("fragmented WebSocket message larger than %s bytes"), limit);
      return FALSE;
    }
  if (opcode == 0x0 && fin)
    s->message_size = 0;
  s->payload_left = len;
  s->header_len = 0;
  s->header_need = 2;
  return TRUE;
}

static gboolean
scanner_feed (FrameScanner *s, const guint8 *buf, gsize len, GError **error)
{
  gsize i = 0;

  while (i < len)
    {
      if (s->payload_left > 0)
        {
          gsize take = (gsize) MIN ((guint64) (len - i), s->payload_left);

          s->payload_left -= take;
          i += take;
          continue;
        }
      s->header[s->header_len++] = buf[i++];
      if (s->header_len == 2)
        {
          guint8 len7 = s->header[1] & 0x7f;

          s->header_need = 2 +
                           (len7 == 126   ? 2
                            : len7 == 127 ? 8
                                          : 0) +
                           ((s->header[1] & 0x80) ? 4 : 0);
        }
      if (s->header_len >= 2 && s->header_len == s->header_need && !scanner_header_done (s, error))
        return FALSE;
    }
  return TRUE;
}

/* ---- the input stream: passes bytes through, feeding the scanner ---- */

#define WEFT_TYPE_WEBSOCKET_LIMITER_INPUT (weft_websocket_limiter_input_get_type ())
G_DECLARE_FINAL_TYPE (WeftWebsocketLimiterInput,
                      weft_websocket_limiter_input,
                      WEFT,
                      WEBSOCKET_LIMITER_INPUT,
                      GInputStream)

struct _WeftWebsocketLimiterInput
{
  GInputStream parent_instance;

  GInputStream *base; /* (owned) */
  FrameScanner scanner;
  gboolean failed;
};

static void
weft_websocket_limiter_input_pollable_init (GPollableInputStreamInterface *iface);

G_DEFINE_TYPE_WITH_CODE (WeftWebsocketLimiterInput,
                         weft_websocket_limiter_input,
                         G_TYPE_INPUT_STREAM,
                         G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                weft_websocket_limiter_input_pollable_init))

static gssize
check_read (WeftWebsocketLimiterInput *self, const void *buffer, gssize n, GError **error)
{
  GError *local_error = NULL;

  if (n > 0 && !scanner_feed (&self->scanner, buffer, (gsize) n, &local_error))
    {
      self->failed = TRUE;
      g_message ("Dropping a signaling socket: %s", local_error->message);
      g_propagate_error (error, local_error);
      return -1;
    }
  return n;
}

static gssize
limiter_input_read (GInputStream *stream,
                    void *buffer,
                    gsize count,
                    GCancellable *cancellable,
                    GError **error)
{
  WeftWebsocketLimiterInput *self = WEFT_WEBSOCKET_LIMITER_INPUT (stream);

  if (self->failed)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                           _ ("WebSocket message too large"));
      return -1;
    }
  return check_read (self, buffer,
                     g_input_stream_read (self->base, buffer, count, cancellable, error), error);
}

static gboolean
limiter_input_close (GInputStream *stream, GCancellable *cancellable, GError **error)
{
  /* the base stream belongs to the wrapped GIOStream, which closes it */
  return TRUE;
}

static gboolean
limiter_input_can_poll (GPollableInputStream *stream)
{
  WeftWebsocketLimiterInput *self = WEFT_WEBSOCKET_LIMITER_INPUT (stream);

  return G_IS_POLLABLE_INPUT_STREAM (self->base) &&
         g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (self->base));
}

static gboolean
limiter_input_is_readable (GPollableInputStream *stream)
{
  WeftWebsocketLimiterInput *self = WEFT_WEBSOCKET_LIMITER_INPUT (stream);

  return self->failed || g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (self->base));
}

static GSource *
limiter_input_create_source (GPollableInputStream *stream, GCancellable *cancellable)
{
  WeftWebsocketLimiterInput *self = WEFT_WEBSOCKET_LIMITER_INPUT (stream);
  g_autoptr (GSource) base_source =
    g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (self->base), NULL);

  return g_pollable_source_new_full (stream, base_source, cancellable);
}

static gssize
limiter_input_read_nonblocking (GPollableInputStream *stream,
                                void *buffer,
                                gsize count,
                                GError **error)
{
  WeftWebsocketLimiterInput *self = WEFT_WEBSOCKET_LIMITER_INPUT (stream);

  if (self->failed)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                           _ ("WebSocket message too large"));
      return -1;
    }
  return check_read (self, buffer,
                     g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (self->base),
                                                               buffer, count, NULL, error),
                     error);
}

static void
weft_websocket_limiter_input_pollable_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = limiter_input_can_poll;
  iface->is_readable = limiter_input_is_readable;
  iface->create_source = limiter_input_create_source;
  iface->read_nonblocking = limiter_input_read_nonblocking;
}

static void
weft_websocket_limiter_input_finalize (GObject *object)
{
  WeftWebsocketLimiterInput *self = WEFT_WEBSOCKET_LIMITER_INPUT (object);

  g_clear_object (&self->base);
  G_OBJECT_CLASS (weft_websocket_limiter_input_parent_class)->finalize (object);
}

static void
weft_websocket_limiter_input_class_init (WeftWebsocketLimiterInputClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = weft_websocket_limiter_input_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = limiter_input_read;
  G_INPUT_STREAM_CLASS (klass)->close_fn = limiter_input_close;
}

static void
weft_websocket_limiter_input_init (WeftWebsocketLimiterInput *self)
{
  self->scanner.header_need = 2;
}

/* ---- the stream pair ---- */

struct _WeftWebsocketLimiter
{
  GIOStream parent_instance;

  GIOStream *base;     /* (owned) */
  GInputStream *input; /* (owned) */
};

G_DEFINE_TYPE (WeftWebsocketLimiter, weft_websocket_limiter, G_TYPE_IO_STREAM)

static GInputStream *
limiter_get_input_stream (GIOStream *stream)
{
  return WEFT_WEBSOCKET_LIMITER (stream)->input;
}

static GOutputStream *
limiter_get_output_stream (GIOStream *stream)
{
  return g_io_stream_get_output_stream (WEFT_WEBSOCKET_LIMITER (stream)->base);
}

static gboolean
limiter_close (GIOStream *stream, GCancellable *cancellable, GError **error)
{
  return g_io_stream_close (WEFT_WEBSOCKET_LIMITER (stream)->base, cancellable, error);
}

static void
limiter_closed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (g_io_stream_close_finish (G_IO_STREAM (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* close on the main loop like the base stream does, not in a worker thread */
static void
limiter_close_async (GIOStream *stream,
                     int io_priority,
                     GCancellable *cancellable,
                     GAsyncReadyCallback callback,
                     gpointer user_data)
{
  GTask *task = g_task_new (stream, cancellable, callback, user_data);

  g_task_set_source_tag (task, limiter_close_async);
  g_io_stream_close_async (WEFT_WEBSOCKET_LIMITER (stream)->base, io_priority, cancellable,
                           limiter_closed, task);
}

static gboolean
limiter_close_finish (GIOStream *stream, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
weft_websocket_limiter_finalize (GObject *object)
{
  WeftWebsocketLimiter *self = WEFT_WEBSOCKET_LIMITER (object);

  g_clear_object (&self->input);
  g_clear_object (&self->base);
  G_OBJECT_CLASS (weft_websocket_limiter_parent_class)->finalize (object);
}

static void
weft_websocket_limiter_class_init (WeftWebsocketLimiterClass *klass)
{
  GIOStreamClass *io_class = G_IO_STREAM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = weft_websocket_limiter_finalize;
  io_class->get_input_stream = limiter_get_input_stream;
  io_class->get_output_stream = limiter_get_output_stream;
  io_class->close_fn = limiter_close;
  io_class->close_async = limiter_close_async;
  io_class->close_finish = limiter_close_finish;
}

static void
weft_websocket_limiter_init (WeftWebsocketLimiter *self)
{
}

GIOStream *
weft_websocket_limiter_new (GIOStream *base, gsize max_message_size)
{
  WeftWebsocketLimiter *self = g_object_new (WEFT_TYPE_WEBSOCKET_LIMITER, NULL);
  WeftWebsocketLimiterInput *input = g_object_new (WEFT_TYPE_WEBSOCKET_LIMITER_INPUT, NULL);

  g_return_val_if_fail (G_IS_IO_STREAM (base), NULL);
  input->base = g_object_ref (g_io_stream_get_input_stream (base));
  input->scanner.limit = max_message_size;
  self->base = g_object_ref (base);
  self->input = G_INPUT_STREAM (input);
  return G_IO_STREAM (self);
}
