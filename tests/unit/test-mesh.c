/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "mesh-test-util.h"
#include "weft-certificate.h"

/* WeftMesh and WeftMeshRpc: peers in this process, each with its own
 * signaling connection to a real weft-registry on loopback, talking over
 * real DataChannels */

static const gchar *const names[] = { "alpha", "beta", "gamma", NULL };

typedef struct
{
  MeshNode *node;    /* (unowned) */
  const gchar *next; /* where "loop" and "chain" forward to */
  guint executed;    /* calls run */
  guint cancelled;   /* calls that saw their cancellable fire */
  guint slow_ms;     /* how long "slow" takes */
  GPtrArray *held;   /* (element-type WeftMeshCall) "hang" calls */
} Callee;

typedef struct
{
  AgentTestRegistry *reg;
  MeshNode *a;
  MeshNode *b;
  MeshNode *c;
  Callee ca;
  Callee cb;
  Callee cc;
} Fixture;

#define WAIT(res) g_assert_true (agent_test_wait_result (&(res), 20000))

typedef struct
{
  WeftMeshCall *call; /* (owned) */
  Callee *callee;     /* (unowned) */
} Forward;

static void
forward_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Forward *f = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *result =
    weft_mesh_rpc_request_finish (WEFT_MESH_RPC (source), res, NULL, &error);

  if (g_cancellable_is_cancelled (weft_mesh_call_get_cancellable (f->call)))
    f->callee->cancelled++;
  if (result == NULL)
    weft_mesh_call_return_error (f->call, error);
  else
    weft_mesh_call_return_result (f->call, result);
  g_object_unref (f->call);
  g_free (f);
}

static gboolean
slow_done_cb (gpointer data)
{
  WeftMeshCall *call = data;

  weft_mesh_call_return_result (call, "slow done");
  g_object_unref (call);
  return G_SOURCE_REMOVE;
}

static void
hang_cancelled_cb (GCancellable *cancellable, gpointer data)
{
  Callee *callee = data;

  callee->cancelled++;
}

static gboolean
finish_cancelled_cb (gpointer data)
{
  WeftMeshCall *call = data;
  g_autoptr (GError) error =
    g_error_new (WEFT_ERROR, WEFT_ERROR_CANCELLED, "the skill was cancelled");

  weft_mesh_call_return_error (call, error);
  return G_SOURCE_REMOVE;
}

static void
hang_cancel_to_error_cb (GCancellable *cancellable, gpointer data)
{
  /* end the call from the loop, not from inside the cancel emission */
  g_idle_add_full (G_PRIORITY_DEFAULT, finish_cancelled_cb, g_object_ref (data), g_object_unref);
}

static gboolean
task_request_cb (WeftMeshRpc *rpc, WeftMeshCall *call, Callee *callee)
{
  const gchar *skill = weft_mesh_call_get_skill (call);
  const gchar *message = weft_mesh_call_get_message (call);

  callee->executed++;
  if (g_strcmp0 (skill, "echo") == 0)
    {
      g_autofree gchar *result = g_strdup_printf ("%s:%s", callee->node->name, message);

      weft_mesh_call_return_result (call, result);
    }
  else if (g_strcmp0 (skill, "slow") == 0)
    g_timeout_add (callee->slow_ms, slow_done_cb, g_object_ref (call));
  else if (g_strcmp0 (skill, "hang") == 0)
    {
      GCancellable *cancellable = weft_mesh_call_get_cancellable (call);

      g_ptr_array_add (callee->held, g_object_ref (call));
      g_cancellable_connect (cancellable, G_CALLBACK (hang_cancelled_cb), callee, NULL);
      g_signal_connect_object (cancellable, "cancelled", G_CALLBACK (hang_cancel_to_error_cb), call,
                               0);
    }
  else if (g_strcmp0 (skill, "stream") == 0)
    {
      for (guint i = 0; i < 50; i++)
        {
          g_autofree gchar *piece = g_strdup_printf ("%02u,", i);

          g_assert_true (weft_mesh_call_send_chunk (call, piece));
        }
      weft_mesh_call_send_progress (call, 1.0, "all sent");
      weft_mesh_call_return_result (call, "END");
    }
  else if (g_strcmp0 (skill, "loop") == 0 || g_strcmp0 (skill, "chain") == 0)
    {
      Forward *f = g_new0 (Forward, 1);

      f->call = g_object_ref (call);
      f->callee = callee;
      weft_mesh_rpc_request_async (
        rpc, callee->next, callee->next, g_str_equal (skill, "loop") ? "loop" : "hang", message,
        NULL, NULL, 10000, weft_mesh_call_get_cancellable (call), forward_done_cb, f);
    }
  else
    return FALSE;
  return TRUE;
}

static void
callee_init (Callee *callee, MeshNode *node)
{
  callee->node = node;
  callee->held = g_ptr_array_new_with_free_func (g_object_unref);
  callee->slow_ms = 300;
  g_signal_connect (node->rpc, "task-request", G_CALLBACK (task_request_cb), callee);
}

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  WeftConnectMode mode = GPOINTER_TO_UINT (data);
  const gchar *others_a[] = { "beta", "gamma", NULL };

  fx->reg = mesh_test_registry_new (names);
  g_assert_true (agent_test_registry_start (fx->reg));
  fx->a = mesh_node_new (fx->reg, "alpha", mode);
  fx->b = mesh_node_new (fx->reg, "beta", mode);
  fx->c = mesh_node_new (fx->reg, "gamma", mode);
  callee_init (&fx->ca, fx->a);
  callee_init (&fx->cb, fx->b);
  callee_init (&fx->cc, fx->c);
  mesh_node_wait_online (fx->a, others_a);
  mesh_node_wait_online (fx->b, (const gchar *const[]){ "alpha", "gamma", NULL });
  mesh_node_wait_online (fx->c, (const gchar *const[]){ "alpha", "beta", NULL });
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  g_ptr_array_unref (fx->ca.held);
  g_ptr_array_unref (fx->cb.held);
  g_ptr_array_unref (fx->cc.held);
  mesh_node_free (fx->a);
  mesh_node_free (fx->b);
  mesh_node_free (fx->c);
  /* let closed connections release their sockets */
  mesh_test_spin (100);
  agent_test_registry_free (fx->reg);
}

static gchar *
request (MeshNode *from,
         const gchar *to,
         const gchar *skill,
         const gchar *message,
         const gchar *request_id,
         guint timeout_ms,
         GCancellable *cancellable,
         WeftMeshRoute **route,
         GError **error)
{
  g_autoptr (GAsyncResult) res = NULL;

  weft_mesh_rpc_request_async (from->rpc, to, to, skill, message, NULL, request_id, timeout_ms,
                               cancellable, agent_test_store_result, &res);
  WAIT (res);
  return weft_mesh_rpc_request_finish (from->rpc, res, route, error);
}

static void
test_first_use (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftMeshRoute) route = NULL;
  g_autoptr (WeftMeshRoute) route2 = NULL;
  g_autofree gchar *result = NULL;
  g_autofree gchar *result2 = NULL;
  g_autoptr (JsonNode) report = NULL;

  /* on demand: nothing is open before the first use */
  mesh_test_spin (200);
  g_assert_false (weft_mesh_is_open (fx->a->mesh, "beta"));
  g_assert_cmpuint (weft_mesh_get_n_open (fx->b->mesh), ==, 0);

  result = request (fx->a, "beta", "echo", "hello", NULL, 5000, NULL, &route, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result, ==, "beta:hello");
  g_assert_true (weft_mesh_is_open (fx->a->mesh, "beta"));
  g_assert_true (weft_mesh_is_open (fx->b->mesh, "alpha"));
  g_assert_false (weft_mesh_is_open (fx->a->mesh, "gamma"));
  g_assert_nonnull (route);
  g_assert_cmpstr (route->path, ==, "direct");
  g_assert_true (route->ok);
  g_assert_true (g_str_has_prefix (route->reason, "channel opened in"));
  g_assert_cmpint (route->elapsed_us, >, 0);

  /* the second call reuses the channel */
  result2 = request (fx->a, "beta", "echo", "again", NULL, 5000, NULL, &route2, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result2, ==, "beta:again");
  g_assert_cmpstr (route2->reason, ==, "open channel");
  g_assert_cmpuint (weft_mesh_get_n_connections_made (fx->a->mesh), ==, 1);
  g_assert_cmpuint (fx->cb.executed, ==, 2);

  report = weft_mesh_dup_report (fx->a->mesh);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (report), "peer_id"), ==,
                   "alpha");
  g_assert_cmpuint (json_array_get_length (
                      json_object_get_array_member (json_node_get_object (report), "connections")),
                    ==, 1);
}

static void
test_unknown_skill (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *result = request (fx->a, "beta", "nope", "x", NULL, 5000, NULL, NULL, &error);

  g_assert_null (result);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "unknown skill: nope");
}

static void
test_unreachable (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftMeshRoute) route = NULL;
  gint64 start = g_get_monotonic_time ();
  g_autofree gchar *result =
    request (fx->a, "nobody", "echo", "x", NULL, 5000, NULL, &route, &error);

  /* nothing was sent, so the caller may take the registry path at once */
  g_assert_null (result);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_UNAVAILABLE);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 500 * 1000);
  g_assert_false (route->ok);
  g_assert_nonnull (strstr (route->reason, "not on the registry's signaling"));
}

static void
test_timeout (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *result = request (fx->a, "beta", "hang", "x", NULL, 500, NULL, NULL, &error);

  g_assert_null (result);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_TIMED_OUT);
  /* the timeout told the peer to stop */
  mesh_test_spin (300);
  g_assert_cmpuint (fx->cb.cancelled, ==, 1);
}

static void
test_hop_limit (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *result = NULL;

  weft_mesh_rpc_set_max_hops (fx->a->rpc, 4);
  weft_mesh_rpc_set_max_hops (fx->b->rpc, 4);
  fx->ca.next = "beta";
  fx->cb.next = "alpha";
  /* beta (hop 1) → alpha (2) → beta (3) → alpha (4) → refused */
  result = request (fx->a, "beta", "loop", "x", NULL, 10000, NULL, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "hop limit of 4"));
  g_assert_cmpuint (fx->cb.executed, ==, 2);
  g_assert_cmpuint (fx->ca.executed, ==, 2);
}

static void
test_hop_limit_receiver (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *result = NULL;

  /* a peer with a higher limit is refused by the receiver */
  weft_mesh_rpc_set_max_hops (fx->a->rpc, 16);
  weft_mesh_rpc_set_max_hops (fx->b->rpc, 2);
  fx->ca.next = "beta";
  fx->cb.next = "alpha";
  result = request (fx->a, "beta", "loop", "x", NULL, 10000, NULL, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "hop limit of 2"));
  /* beta ran hop 1, alpha hop 2; beta refused hop 3 */
  g_assert_cmpuint (fx->cb.executed, ==, 1);
  g_assert_cmpuint (fx->ca.executed, ==, 1);
}

static void
test_duplicate (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *first = NULL;
  g_autofree gchar *second = NULL;
  g_autofree gchar *third = NULL;
  gboolean finished = FALSE;
  g_autofree gchar *cached = NULL;

  first = request (fx->a, "beta", "echo", "once", "d00000000001", 5000, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (first, ==, "beta:once");
  /* the same id again, even with another message: answered from memory */
  second = request (fx->a, "beta", "echo", "twice", "d00000000001", 5000, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (second, ==, "beta:once");
  g_assert_cmpuint (fx->cb.executed, ==, 1);
  g_assert_cmpuint (weft_mesh_rpc_get_n_replayed (fx->b->rpc), ==, 1);
  g_assert_true (
    weft_mesh_rpc_lookup_outcome (fx->b->rpc, "d00000000001", &finished, &cached, NULL));
  g_assert_true (finished);
  g_assert_cmpstr (cached, ==, "beta:once");

  /* past the replay window the id is forgotten */
  weft_mesh_rpc_set_replay_window (fx->b->rpc, 0);
  mesh_test_spin (20);
  weft_mesh_rpc_set_replay_window (fx->b->rpc, 600);
  third = request (fx->a, "beta", "echo", "thrice", "d00000000001", 5000, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (third, ==, "beta:thrice");
  g_assert_cmpuint (fx->cb.executed, ==, 2);
}

static void
test_duplicate_failure (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) error2 = NULL;
  g_autofree gchar *first =
    request (fx->a, "beta", "nope", "x", "d00000000002", 5000, NULL, NULL, &error);
  g_autofree gchar *second =
    request (fx->a, "beta", "nope", "x", "d00000000002", 5000, NULL, NULL, &error2);

  g_assert_null (first);
  g_assert_null (second);
  g_assert_cmpstr (error->message, ==, error2->message);
  g_assert_cmpuint (fx->cb.executed, ==, 1);
}

static gboolean
cancel_cb (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel (Fixture *fx, gconstpointer data)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  g_autofree gchar *result = NULL;

  g_timeout_add (300, cancel_cb, cancellable);
  result = request (fx->a, "beta", "hang", "x", NULL, 10000, cancellable, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_CANCELLED);
  mesh_test_spin (300);
  /* the running skill's GCancellable fired */
  g_assert_cmpuint (fx->cb.executed, ==, 1);
  g_assert_cmpuint (fx->cb.cancelled, ==, 1);
}

static void
test_cancel_cascade (Fixture *fx, gconstpointer data)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  g_autofree gchar *result = NULL;

  /* alpha → beta ("chain") → gamma ("hang"); cancelling alpha's request
   * reaches gamma's skill through beta */
  fx->cb.next = "gamma";
  g_timeout_add (800, cancel_cb, cancellable);
  result = request (fx->a, "beta", "chain", "x", NULL, 10000, cancellable, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, WEFT_ERROR, WEFT_ERROR_CANCELLED);
  mesh_test_spin (500);
  g_assert_cmpuint (fx->cc.executed, ==, 1);
  g_assert_cmpuint (fx->cc.cancelled, ==, 1);
  g_assert_cmpuint (fx->cb.cancelled, ==, 1);
}

static void
chunk_cb (WeftMeshRpc *rpc, const gchar *request_id, guint seq, const gchar *data, GString *seen)
{
  g_string_append_printf (seen, "%u=%s", seq, data);
}

static void
progress_cb (WeftMeshRpc *rpc,
             const gchar *request_id,
             gdouble fraction,
             const gchar *msg,
             gdouble *out)
{
  *out = fraction;
}

static void
test_stream (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) expected = g_string_new (NULL);
  g_autoptr (GString) expected_seen = g_string_new (NULL);
  g_autoptr (GString) seen = g_string_new (NULL);
  g_autofree gchar *result = NULL;
  gdouble progress = 0.0;

  g_signal_connect (fx->a->rpc, "stream-chunk", G_CALLBACK (chunk_cb), seen);
  g_signal_connect (fx->a->rpc, "progress", G_CALLBACK (progress_cb), &progress);
  result = request (fx->a, "beta", "stream", "x", NULL, 5000, NULL, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 50; i++)
    {
      g_string_append_printf (expected, "%02u,", i);
      g_string_append_printf (expected_seen, "%u=%02u,", i, i);
    }
  g_string_append (expected, "END");
  g_assert_cmpstr (result, ==, expected->str);
  g_assert_cmpstr (seen->str, ==, expected_seen->str);
  g_assert_cmpfloat (progress, ==, 1.0);
  g_signal_handlers_disconnect_by_data (fx->a->rpc, seen);
  g_signal_handlers_disconnect_by_data (fx->a->rpc, &progress);
}

static void
test_stream_replay (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *first = NULL;
  g_autofree gchar *second = NULL;

  /* a replayed streamed result arrives whole */
  first = request (fx->a, "beta", "stream", "x", "s00000000001", 5000, NULL, NULL, &error);
  g_assert_no_error (error);
  second = request (fx->a, "beta", "stream", "x", "s00000000001", 5000, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (first, ==, second);
  g_assert_cmpuint (fx->cb.executed, ==, 1);
}

static gboolean
none_open (gpointer data)
{
  Fixture *fx = data;

  return !weft_mesh_is_open (fx->a->mesh, "beta") && !weft_mesh_is_open (fx->b->mesh, "alpha");
}

/* the process certificate's fingerprint, without holding on to it */
static gchar *
current_fingerprint (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftCertificate) cert = weft_certificate_get_default (&error);

  g_assert_no_error (error);
  return g_strdup (weft_certificate_get_fingerprint (cert));
}

static void
test_idle_close (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *first = NULL;
  g_autofree gchar *second = NULL;
  g_autofree gchar *fingerprint = NULL;
  g_autofree gchar *again = NULL;

  weft_mesh_set_idle_timeout_ms (fx->a->mesh, 400);
  weft_mesh_set_idle_timeout_ms (fx->b->mesh, 60000);
  first = request (fx->a, "beta", "echo", "x", NULL, 5000, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (weft_mesh_is_open (fx->a->mesh, "beta"));
  fingerprint = current_fingerprint ();
  /* still open while in use */
  mesh_test_spin (200);
  g_assert_true (weft_mesh_is_open (fx->a->mesh, "beta"));
  /* closed on both sides after the idle time */
  g_assert_true (agent_test_wait_until (none_open, fx, 5000));
  mesh_test_spin (100);
  g_assert_cmpuint (fx->a->disconnected, ==, 1);
  g_assert_cmpuint (fx->b->disconnected, ==, 1);

  /* and opened again on the next use */
  second = request (fx->a, "beta", "echo", "y", NULL, 5000, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (second, ==, "beta:y");
  g_assert_cmpuint (weft_mesh_get_n_connections_made (fx->a->mesh), ==, 2);
  /* with the same DTLS certificate: one per process, not one per reconnection */
  again = current_fingerprint ();
  g_assert_cmpstr (again, ==, fingerprint);
}

static void
test_idle_hold (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *result = NULL;

  /* a request that takes longer than the idle time keeps its channel */
  weft_mesh_set_idle_timeout_ms (fx->a->mesh, 200);
  weft_mesh_set_idle_timeout_ms (fx->b->mesh, 200);
  fx->cb.slow_ms = 900;
  result = request (fx->a, "beta", "slow", "x", NULL, 5000, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result, ==, "slow done");
  g_assert_cmpuint (weft_mesh_get_n_connections_made (fx->a->mesh), ==, 1);
  g_assert_cmpuint (fx->cb.executed, ==, 1);
}

typedef struct
{
  GAsyncResult *a;
  GAsyncResult *b;
} Both;

static gboolean
both_done (gpointer data)
{
  Both *both = data;

  return both->a != NULL && both->b != NULL;
}

static void
test_glare (Fixture *fx, gconstpointer data)
{
  Both both = { NULL, NULL };
  g_autoptr (GError) error = NULL;

  /* both sides open at once: exactly one connection results */
  weft_mesh_ensure_channel_async (fx->a->mesh, "beta", 5000, NULL, agent_test_store_result,
                                  &both.a);
  weft_mesh_ensure_channel_async (fx->b->mesh, "alpha", 5000, NULL, agent_test_store_result,
                                  &both.b);
  g_assert_true (agent_test_wait_until (both_done, &both, 20000));
  g_assert_true (weft_mesh_ensure_channel_finish (fx->a->mesh, both.a, &error));
  g_assert_no_error (error);
  g_assert_true (weft_mesh_ensure_channel_finish (fx->b->mesh, both.b, &error));
  g_assert_no_error (error);
  mesh_test_spin (500);
  g_assert_true (weft_mesh_is_open (fx->a->mesh, "beta"));
  g_assert_true (weft_mesh_is_open (fx->b->mesh, "alpha"));
  g_assert_cmpuint (weft_mesh_get_n_connections_made (fx->a->mesh), ==, 1);
  g_assert_cmpuint (weft_mesh_get_n_connections_made (fx->b->mesh), ==, 1);
  g_assert_cmpuint (fx->a->disconnected, ==, 0);
  g_assert_cmpuint (fx->b->disconnected, ==, 0);
  g_clear_object (&both.a);
  g_clear_object (&both.b);

  {
    g_autofree gchar *r1 = request (fx->a, "beta", "echo", "1", NULL, 5000, NULL, NULL, &error);
    g_autofree gchar *r2 = request (fx->b, "alpha", "echo", "2", NULL, 5000, NULL, NULL, &error);

    g_assert_cmpstr (r1, ==, "beta:1");
    g_assert_cmpstr (r2, ==, "alpha:2");
  }
}

static void
test_torn_down (Fixture *fx, gconstpointer data)
{
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *result = NULL;
  g_autofree gchar *warm = NULL;

  warm = request (fx->a, "beta", "echo", "warm", NULL, 5000, NULL, NULL, &error);
  g_assert_no_error (error);
  fx->cb.slow_ms = 600;
  weft_mesh_rpc_request_async (fx->a->rpc, "beta", "beta", "slow", "x", NULL, NULL, 10000, NULL,
                               agent_test_store_result, &res);
  /* the request is on its way; now the channel goes */
  mesh_test_spin (150);
  g_assert_cmpuint (fx->cb.executed, ==, 2);
  weft_mesh_close_peer (fx->a->mesh, "beta");
  WAIT (res);
  result = weft_mesh_rpc_request_finish (fx->a->rpc, res, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result, ==, "slow done");
  /* sent again on the new channel, run once */
  g_assert_cmpuint (fx->cb.executed, ==, 2);
  g_assert_cmpuint (weft_mesh_rpc_get_n_replayed (fx->b->rpc), ==, 1);
  g_assert_cmpuint (weft_mesh_get_n_connections_made (fx->a->mesh), ==, 2);
}

static void
test_ice_restart (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *first = NULL;
  g_autofree gchar *second = NULL;

  first = request (fx->a, "beta", "echo", "1", NULL, 5000, NULL, NULL, &error);
  g_assert_no_error (error);
  /* new ICE credentials on the offering side: the channel stays up */
  g_assert_true (weft_mesh_restart_ice (fx->a->mesh, "beta", &error));
  g_assert_no_error (error);
  mesh_test_spin (500);
  second = request (fx->a, "beta", "echo", "2", NULL, 5000, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (second, ==, "beta:2");
  g_assert_cmpuint (weft_mesh_get_n_connections_made (fx->a->mesh), ==, 1);
  g_assert_cmpuint (fx->a->disconnected, ==, 0);
  g_assert_cmpuint (fx->b->disconnected, ==, 0);
  /* both sides went through the restart */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (JsonNode) report = weft_mesh_dup_report (i == 0 ? fx->a->mesh : fx->b->mesh);
      JsonArray *conns =
        json_object_get_array_member (json_node_get_object (report), "connections");

      g_assert_cmpuint (json_array_get_length (conns), ==, 1);
      g_assert_cmpint (
        json_object_get_int_member (json_array_get_object_element (conns, 0), "ice_restarts"), ==,
        1);
    }
}

static void
prompt_cb (WeftMeshRpc *rpc, const gchar *from, WeftMessage *msg, GPtrArray *got)
{
  g_ptr_array_add (got, g_object_ref (msg));
}

static void
test_prompt (Fixture *fx, gconstpointer data)
{
  g_autoptr (GPtrArray) got = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (WeftMessage) prompt = weft_mesh_rpc_new_prompt (fx->a->rpc, "beta", "hi beta", FALSE);
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (WeftMeshRoute) route = NULL;
  JsonObject *payload;

  g_signal_connect (fx->b->rpc, "agent-prompt", G_CALLBACK (prompt_cb), got);
  weft_mesh_rpc_send_async (fx->a->rpc, "beta", prompt, NULL, agent_test_store_result, &res);
  WAIT (res);
  g_assert_true (weft_mesh_rpc_send_finish (fx->a->rpc, res, &route, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (route->path, ==, "direct");
  while (got->len == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (weft_message_get_source_agent (g_ptr_array_index (got, 0)), ==, "alpha");
  payload = json_node_get_object (weft_message_get_payload (g_ptr_array_index (got, 0)));
  g_assert_cmpstr (json_object_get_string_member (payload, "message"), ==, "hi beta");
  g_assert_true (json_object_get_boolean_member (payload, "direct"));
  g_signal_handlers_disconnect_by_data (fx->b->rpc, got);
}

static gboolean
all_open (gpointer data)
{
  Fixture *fx = data;

  return weft_mesh_get_n_open (fx->a->mesh) == 2 && weft_mesh_get_n_open (fx->b->mesh) == 2 &&
         weft_mesh_get_n_open (fx->c->mesh) == 2;
}

static void
test_full_mesh (Fixture *fx, gconstpointer data)
{
  /* every peer offers to the ones it finds: all pairs open, once each */
  g_assert_true (agent_test_wait_until (all_open, fx, 20000));
  mesh_test_spin (800);
  g_assert_true (all_open (fx));
  g_assert_cmpuint (weft_mesh_get_n_connections_made (fx->a->mesh), ==, 2);
  g_assert_cmpuint (weft_mesh_get_n_connections_made (fx->b->mesh), ==, 2);
  g_assert_cmpuint (weft_mesh_get_n_connections_made (fx->c->mesh), ==, 2);
  /* and no idle close in full mesh */
  weft_mesh_set_idle_timeout_ms (fx->a->mesh, 100);
  mesh_test_spin (400);
  g_assert_true (all_open (fx));
}

static void
test_broadcast (Fixture *fx, gconstpointer data)
{
  g_autoptr (GPtrArray) got_b = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GPtrArray) got_c = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (WeftMessage) prompt = weft_mesh_rpc_new_prompt (fx->a->rpc, NULL, "all", TRUE);

  g_assert_true (agent_test_wait_until (all_open, fx, 20000));
  g_signal_connect (fx->b->rpc, "agent-prompt", G_CALLBACK (prompt_cb), got_b);
  g_signal_connect (fx->c->rpc, "agent-prompt", G_CALLBACK (prompt_cb), got_c);
  g_assert_cmpuint (weft_mesh_broadcast (fx->a->mesh, prompt), ==, 2);
  while (got_b->len == 0 || got_c->len == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (weft_message_get_target_agent (g_ptr_array_index (got_c, 0)), ==, "*");
  g_signal_handlers_disconnect_by_data (fx->b->rpc, got_b);
  g_signal_handlers_disconnect_by_data (fx->c->rpc, got_c);
}

static void
test_peer_restart (Fixture *fx, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *first = NULL;
  g_autofree gchar *second = NULL;
  const gchar *others[] = { "beta", NULL };

  first = request (fx->a, "beta", "echo", "1", NULL, 5000, NULL, NULL, &error);
  g_assert_no_error (error);
  /* beta goes away and comes back with a fresh mesh (new certificate) */
  g_ptr_array_set_size (fx->cb.held, 0);
  mesh_node_free (fx->b);
  fx->b = mesh_node_new (fx->reg, "beta", WEFT_CONNECT_MODE_ON_DEMAND);
  g_signal_connect (fx->b->rpc, "task-request", G_CALLBACK (task_request_cb), &fx->cb);
  fx->cb.node = fx->b;
  mesh_node_wait_online (fx->a, others);
  second = request (fx->a, "beta", "echo", "2", NULL, 5000, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (second, ==, "beta:2");
}

typedef struct
{
  MeshNode **nodes;
  guint n;
} Many;

static gboolean
many_connected (gpointer data)
{
  Many *m = data;

  for (guint i = 0; i < m->n; i++)
    if (weft_mesh_get_n_open (m->nodes[i]->mesh) != m->n - 1)
      return FALSE;
  return TRUE;
}

static void
test_full_mesh_20 (void)
{
  enum
  {
    N = 20
  };
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (AgentTestRegistry) reg = NULL;
  MeshNode *nodes[N];
  Many many = { nodes, N };
  gint64 start;
  guint made = 0;

  for (guint i = 0; i < N; i++)
    g_ptr_array_add (ids, g_strdup_printf ("n%02u", i));
  g_ptr_array_add (ids, NULL);
  reg = mesh_test_registry_new ((const gchar *const *) ids->pdata);
  g_assert_true (agent_test_registry_start (reg));
  start = g_get_monotonic_time ();
  for (guint i = 0; i < N; i++)
    nodes[i] = mesh_node_new (reg, g_ptr_array_index (ids, i), WEFT_CONNECT_MODE_FULL_MESH);
  /* every pair connected, within a bound that is generous for a loaded
   * 2-core machine; the benchmark measures the real time */
  g_assert_true (agent_test_wait_until (many_connected, &many, 90000));
  g_test_message ("%u agents in full mesh after %.0f ms", N,
                  (g_get_monotonic_time () - start) / 1000.0);
  mesh_test_spin (500);
  g_assert_true (many_connected (&many));
  /* one connection per pair */
  for (guint i = 0; i < N; i++)
    made += weft_mesh_get_n_connections_made (nodes[i]->mesh);
  g_assert_cmpuint (made, ==, N * (N - 1));
  for (guint i = 0; i < N; i++)
    mesh_node_free (nodes[i]);
  mesh_test_spin (200);
}

int
main (int argc, char **argv)
{
  gconstpointer on_demand = GUINT_TO_POINTER (WEFT_CONNECT_MODE_ON_DEMAND);
  gconstpointer full_mesh = GUINT_TO_POINTER (WEFT_CONNECT_MODE_FULL_MESH);

  agent_test_init (&argc, &argv);
#define ADD(path, fn, mode) g_test_add (path, Fixture, mode, fixture_setup, fn, fixture_teardown)
  ADD ("/weft/mesh/first-use", test_first_use, on_demand);
  ADD ("/weft/mesh/unknown-skill", test_unknown_skill, on_demand);
  ADD ("/weft/mesh/unreachable", test_unreachable, on_demand);
  ADD ("/weft/mesh/timeout", test_timeout, on_demand);
  ADD ("/weft/mesh/hop-limit", test_hop_limit, on_demand);
  ADD ("/weft/mesh/hop-limit-receiver", test_hop_limit_receiver, on_demand);
  ADD ("/weft/mesh/duplicate", test_duplicate, on_demand);
  ADD ("/weft/mesh/duplicate-failure", test_duplicate_failure, on_demand);
  ADD ("/weft/mesh/cancel", test_cancel, on_demand);
  ADD ("/weft/mesh/cancel-cascade", test_cancel_cascade, on_demand);
  ADD ("/weft/mesh/stream", test_stream, on_demand);
  ADD ("/weft/mesh/stream-replay", test_stream_replay, on_demand);
  ADD ("/weft/mesh/idle-close", test_idle_close, on_demand);
  ADD ("/weft/mesh/idle-hold", test_idle_hold, on_demand);
  ADD ("/weft/mesh/glare", test_glare, on_demand);
  ADD ("/weft/mesh/torn-down", test_torn_down, on_demand);
  ADD ("/weft/mesh/prompt", test_prompt, on_demand);
  ADD ("/weft/mesh/ice-restart", test_ice_restart, on_demand);
  ADD ("/weft/mesh/peer-restart", test_peer_restart, on_demand);
  ADD ("/weft/mesh/full-mesh", test_full_mesh, full_mesh);
  ADD ("/weft/mesh/broadcast", test_broadcast, full_mesh);
#undef ADD
  g_test_add_func ("/weft/mesh/full-mesh-20", test_full_mesh_20);
  return g_test_run ();
}
