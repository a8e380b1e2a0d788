/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "weft-error.h"
#include "weft-sctp-association.h"

/* two associations over an in-memory packet queue (no DTLS, no ICE); the
 * test loop hands packets over, never usrsctp's own output callback */

typedef struct
{
  WeftSctpAssociation *sctp;
  GQueue out;          /* (element-type GBytes) */
  GPtrArray *messages; /* (element-type GBytes) */
  GArray *sids;        /* (element-type guint) */
  GArray *ppids;       /* (element-type guint) */
  GArray *resets;      /* (element-type guint) */
  guint too_large;
  guint buffered_signals;
  guint64 last_buffered;
} End;

typedef struct
{
  End a;
  End b;
} Fixture;

static void
out_cb (const guint8 *data, gsize len, gpointer user_data)
{
  End *end = user_data;

  g_queue_push_tail (&end->out, g_bytes_new (data, len));
}

static void
message_cb (WeftSctpAssociation *sctp, guint sid, guint ppid, GBytes *data, End *end)
{
  g_ptr_array_add (end->messages, g_bytes_ref (data));
  g_array_append_val (end->sids, sid);
  g_array_append_val (end->ppids, ppid);
}

static void
too_large_cb (WeftSctpAssociation *sctp, guint sid, End *end)
{
  end->too_large++;
}

static void
reset_cb (WeftSctpAssociation *sctp, guint sid, End *end)
{
  g_array_append_val (end->resets, sid);
}

static void
buffered_cb (WeftSctpAssociation *sctp, guint sid, guint64 amount, End *end)
{
  end->buffered_signals++;
  end->last_buffered = amount;
}

static void
end_init (End *end, gsize max_receive)
{
  g_autoptr (GError) error = NULL;

  g_queue_init (&end->out);
  end->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  end->sids = g_array_new (FALSE, FALSE, sizeof (guint));
  end->ppids = g_array_new (FALSE, FALSE, sizeof (guint));
  end->resets = g_array_new (FALSE, FALSE, sizeof (guint));
  end->sctp = weft_sctp_association_new (5000, 5000, max_receive, &error);
  g_assert_no_error (error);
  weft_sctp_association_set_output_func (end->sctp, out_cb, end);
  g_signal_connect (end->sctp, "message", G_CALLBACK (message_cb), end);
  g_signal_connect (end->sctp, "message-too-large", G_CALLBACK (too_large_cb), end);
  g_signal_connect (end->sctp, "stream-reset", G_CALLBACK (reset_cb), end);
  g_signal_connect (end->sctp, "buffered-amount-changed", G_CALLBACK (buffered_cb), end);
}

static void
end_clear (End *end)
{
  g_clear_object (&end->sctp);
  g_queue_clear_full (&end->out, (GDestroyNotify) g_bytes_unref);
  g_ptr_array_unref (end->messages);
  g_array_unref (end->sids);
  g_array_unref (end->ppids);
  g_array_unref (end->resets);
}

static gboolean
deliver (End *from, End *to)
{
  gboolean moved = FALSE;

  while (!g_queue_is_empty (&from->out))
    {
      g_autoptr (GBytes) bytes = g_queue_pop_head (&from->out);
      gsize len;
      const guint8 *data = g_bytes_get_data (bytes, &len);

      weft_sctp_association_handle_packet (to->sctp, data, len);
      moved = TRUE;
    }
  return moved;
}

static void
pump_until (Fixture *f, gboolean (*done) (Fixture *))
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (!done (f))
    {
      gboolean moved = deliver (&f->a, &f->b);

      moved |= deliver (&f->b, &f->a);
      g_main_context_iteration (NULL, !moved);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    }
}

static gboolean
connected (Fixture *f)
{
  return weft_sctp_association_get_state (f->a.sctp) == WEFT_SCTP_STATE_CONNECTED &&
         weft_sctp_association_get_state (f->b.sctp) == WEFT_SCTP_STATE_CONNECTED;
}

static void
setup_with_limit (Fixture *f, gsize limit)
{
  g_autoptr (GError) error = NULL;

  end_init (&f->a, limit);
  end_init (&f->b, limit);
  g_assert_true (weft_sctp_association_start (f->a.sctp, &error));
  g_assert_true (weft_sctp_association_start (f->b.sctp, &error));
  g_assert_no_error (error);
  g_assert_false (weft_sctp_association_start (f->b.sctp, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE);
  pump_until (f, connected);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  setup_with_limit (f, GPOINTER_TO_SIZE (data) != 0 ? GPOINTER_TO_SIZE (data) : 262144);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  end_clear (&f->a);
  end_clear (&f->b);
  g_assert_cmpuint (weft_sctp_association_get_n_live (), ==, 0);
}

static guint want;

static gboolean
b_has_want (Fixture *f)
{
  return f->b.messages->len >= want;
}

static gboolean
a_has_want (Fixture *f)
{
  return f->a.messages->len >= want;
}

static void
send_ok (End *end, guint16 sid, guint32 ppid, const void *data, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = g_bytes_new (data, len);

  g_assert_true (
    weft_sctp_association_send (end->sctp, sid, ppid, FALSE, WEFT_SCTP_PR_NONE, 0, bytes, &error));
  g_assert_no_error (error);
}

static void
test_messages (Fixture *f, gconstpointer data)
{
  g_autofree guint8 *big = g_malloc (200000);

  g_assert_cmpuint (weft_sctp_association_get_n_live (), ==, 2);
  for (gsize i = 0; i < 200000; i++)
    big[i] = (guint8) (i * 13);
  send_ok (&f->a, 1, 51, "one", 3);
  send_ok (&f->a, 3, 53, big, 200000);
  send_ok (&f->a, 1, 51, "two", 3);
  want = 3;
  pump_until (f, b_has_want);
  g_assert_cmpuint (g_array_index (f->b.sids, guint, 0), ==, 1);
  g_assert_cmpuint (g_array_index (f->b.ppids, guint, 0), ==, 51);
  /* the big message is reassembled whole, with its own stream and ppid */
  for (guint i = 0; i < 3; i++)
    if (g_array_index (f->b.sids, guint, i) == 3)
      {
        g_assert_cmpuint (g_array_index (f->b.ppids, guint, i), ==, 53);
        g_assert_cmpmem (g_bytes_get_data (f->b.messages->pdata[i], NULL),
                         g_bytes_get_size (f->b.messages->pdata[i]), big, 200000);
      }

  send_ok (&f->b, 2, 51, "back", 4);
  want = 1;
  pump_until (f, a_has_want);
  g_assert_cmpuint (g_array_index (f->a.sids, guint, 0), ==, 2);
}

static void
test_bad_stream (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = g_bytes_new ("x", 1);

  g_assert_false (weft_sctp_association_send (f->a.sctp, WEFT_SCTP_MAX_STREAMS, 51, FALSE,
                                              WEFT_SCTP_PR_NONE, 0, bytes, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_ARGUMENT);
}

static void
test_too_large (Fixture *f, gconstpointer data)
{
  g_autofree guint8 *big = g_malloc0 (50000);

  /* the receiver takes 40000: the 50000-byte message is dropped whole and
   * reported, the next one arrives */
  send_ok (&f->a, 1, 53, big, 50000);
  send_ok (&f->a, 1, 53, big, 40000);
  want = 1;
  pump_until (f, b_has_want);
  g_assert_cmpuint (f->b.too_large, ==, 1);
  g_assert_cmpuint (g_bytes_get_size (f->b.messages->pdata[0]), ==, 40000);
}

static gboolean
b_saw_reset (Fixture *f)
{
  return f->b.resets->len > 0;
}

static void
test_stream_reset (Fixture *f, gconstpointer data)
{
  send_ok (&f->a, 5, 51, "bye", 3);
  weft_sctp_association_reset_stream (f->a.sctp, 5);
  pump_until (f, b_saw_reset);
  g_assert_cmpuint (g_array_index (f->b.resets, guint, 0), ==, 5);
  /* data sent before the reset arrived before it */
  g_assert_cmpuint (f->b.messages->len, ==, 1);
  /* the stream is usable again afterwards */
  send_ok (&f->a, 5, 51, "hi", 2);
  want = 2;
  pump_until (f, b_has_want);
}

static gboolean
drained (Fixture *f)
{
  return weft_sctp_association_get_buffered_amount (f->a.sctp, 1) == 0 &&
         f->b.messages->len >= want;
}

static void
test_buffered_amount (Fixture *f, gconstpointer data)
{
  g_autofree guint8 *chunk = g_malloc0 (65536);
  guint n = 0;

  /* fill usrsctp's buffer until messages wait in our queue */
  while (weft_sctp_association_get_buffered_amount (f->a.sctp, 1) == 0)
    {
      send_ok (&f->a, 1, 53, chunk, 65536);
      n++;
      g_assert_cmpuint (n, <, 1000);
    }
  g_assert_cmpuint (weft_sctp_association_get_buffered_amount (f->a.sctp, 1), ==, 65536);
  g_assert_cmpuint (weft_sctp_association_get_buffered_amount (f->a.sctp, 2), ==, 0);
  want = n;
  pump_until (f, drained);
  g_assert_cmpuint (f->a.buffered_signals, >=, 1);
  g_assert_cmpuint (f->a.last_buffered, ==, 0);
  g_assert_cmpuint (f->b.messages->len, ==, n);
}

static void
test_close (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = g_bytes_new ("x", 1);

  weft_sctp_association_close (f->a.sctp);
  g_assert_cmpint (weft_sctp_association_get_state (f->a.sctp), ==, WEFT_SCTP_STATE_CLOSED);
  g_assert_false (
    weft_sctp_association_send (f->a.sctp, 1, 51, FALSE, WEFT_SCTP_PR_NONE, 0, bytes, &error));
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_INVALID_STATE);
  /* the abort tells the peer */
  deliver (&f->a, &f->b);
  while (weft_sctp_association_get_state (f->b.sctp) != WEFT_SCTP_STATE_CLOSED)
    g_main_context_iteration (NULL, TRUE);
}

int
main (int argc, char **argv)
{
  int rc;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
#define ADD(path, data, fn) \
  g_test_add (path, Fixture, GSIZE_TO_POINTER (data), fixture_setup, fn, fixture_teardown)
  ADD ("/weft/sctp/messages", 0, test_messages);
  ADD ("/weft/sctp/bad-stream", 0, test_bad_stream);
  ADD ("/weft/sctp/too-large", 40000, test_too_large);
  ADD ("/weft/sctp/stream-reset", 0, test_stream_reset);
  ADD ("/weft/sctp/buffered-amount", 0, test_buffered_amount);
  ADD ("/weft/sctp/close", 0, test_close);
#undef ADD
  rc = g_test_run ();
  weft_sctp_association_shutdown_stack ();
  return rc;
}
