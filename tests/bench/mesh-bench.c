/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mesh-bench: the direct path against its references, in one run.
 *
 * usage: mesh-bench WEFT-MESH-NODE UDP-PINGPONG [ROUNDS]
 *
 * a real weft-registry on loopback; this process is agent "alpha" (a
 * WeftMesh + WeftMeshRpc); agent "beta" is a weft-mesh-node process that
 * answers over the channel and also takes pushed registry tasks.
 *   1. delegation round trip over the open channel (task_request →
 *      task_response, 100-byte message), p50/p99
 *   2. the same delegation through the registry (submit, push over /ws,
 *      result, task_updated back), p50/p99
 *   3. plain UDP ping-pong between two processes (udp-pingpong), p50/p99
 *   4. first contact: a delegation that opens the channel first, p50
 *   5. 50 weft-mesh-node processes in full mesh: time until each has 49
 *      open channels
 * and the ratios. 1 and 3 are measured again with this process, beta and
 * udp-pingpong on one CPU: a wake-up across CPUs on a VM costs tens of
 * microseconds and varies from run to run, on one CPU the round trip is
 * the work per call plus the context switches.
 * output: human-readable lines, then one JSON line.
 */
#include "config.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent-test-util.h"
#include "weft-mesh-private.h"
#include "weft-mesh-rpc-private.h"
#include "weft.h"

#define N_MESH 50

static const gchar *node_bin;

/* p50 and p99 of udp-pingpong ROUNDS 100, which inherits our CPU affinity */
static void
udp_pingpong (const gchar *tool, guint rounds, double *p50, double *p99)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *count = g_strdup_printf ("%u", rounds);
  g_autofree gchar *out = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GSubprocess) proc =
    g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, tool, count, "100", NULL);

  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  node = json_from_string (out, &error);
  g_assert_no_error (error);
  *p50 = json_object_get_double_member (json_node_get_object (node), "p50_us");
  *p99 = json_object_get_double_member (json_node_get_object (node), "p99_us");
}

/* this process and @child on the CPUs of @set */
static gboolean
pin (GSubprocess *child, const cpu_set_t *set)
{
  pid_t pid = (pid_t) g_ascii_strtoll (g_subprocess_get_identifier (child), NULL, 10);

  return sched_setaffinity (0, sizeof (cpu_set_t), set) == 0 &&
         sched_setaffinity (pid, sizeof (cpu_set_t), set) == 0;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
percentile (GArray *values, double p)
{
  guint i;

  if (values->len == 0)
    return 0;
  g_array_sort (values, compare_doubles);
  i = (guint) (p * (values->len - 1) + 0.5);
  return g_array_index (values, double, MIN (i, values->len - 1));
}

static gboolean
done_cond (gpointer data)
{
  return *(gboolean *) data;
}

static GAsyncResult *
wait_result (GAsyncResult **res)
{
  if (!agent_test_wait_result (res, 30000))
    g_error ("timed out");
  return *res;
}

/* a child process whose stdout lines we watch for a substring */
typedef struct
{
  GSubprocess *proc;
  GDataInputStream *out;
  GString *seen;
  gboolean ready;
  gboolean all_connected;
  gboolean dead;
  double all_ms;
} Child;

static void
child_line_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Child *c = user_data;
  g_autofree gchar *line =
    g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), res, NULL, NULL);

  if (line == NULL || c->dead)
    return;
  if (strstr (line, "\"ready\"") != NULL)
    c->ready = TRUE;
  if (strstr (line, "\"registered\"") != NULL)
    g_string_append (c->seen, "registered;");
  if (strstr (line, "\"all-connected\"") != NULL)
    {
      g_autoptr (JsonNode) node = json_from_string (line, NULL);

      c->all_connected = TRUE;
      c->all_ms = json_object_get_double_member (json_node_get_object (node), "ms");
    }
  g_data_input_stream_read_line_async (c->out, G_PRIORITY_DEFAULT, NULL, child_line_cb, c);
}

static Child *
child_spawn (AgentTestRegistry *reg, const gchar *name, gboolean full_mesh, guint expect)
{
  Child *c = g_new0 (Child, 1);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *key = g_strdup_printf ("ak_%s", name);
  g_autofree gchar *expect_s = g_strdup_printf ("%u", expect);

  c->seen = g_string_new (NULL);
  if (full_mesh)
    c->proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                  G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                                &error, node_bin, "--registry", reg->url, "--api-key", key,
                                "--name", name, "--full-mesh", "--expect-peers", expect_s, NULL);
  else
    c->proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                  G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                                &error, node_bin, "--registry", reg->url, "--api-key", key,
                                "--name", name, "--agent", "--quiet", NULL);
  g_assert_no_error (error);
  c->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (c->proc));
  g_data_input_stream_read_line_async (c->out, G_PRIORITY_DEFAULT, NULL, child_line_cb, c);
  return c;
}

/* the process ends; the struct stays, a read may still be on its way */
static void
child_free (Child *c)
{
  c->dead = TRUE;
  g_output_stream_close (g_subprocess_get_stdin_pipe (c->proc), NULL, NULL);
  g_subprocess_wait (c->proc, NULL, NULL);
}

static gboolean
child_ready (gpointer data)
{
  Child *c = data;

  return c->ready && strstr (c->seen->str, "registered") != NULL;
}

static double
rpc_once (WeftMeshRpc *rpc, const gchar *message)
{
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *result = NULL;
  gint64 t0 = g_get_monotonic_time ();

  weft_mesh_rpc_request_async (rpc, "beta", "beta", "echo", message, NULL, NULL, 10000, NULL,
                               agent_test_store_result, &res);
  wait_result (&res);
  result = weft_mesh_rpc_request_finish (rpc, res, NULL, &error);
  if (result == NULL)
    g_error ("delegation failed: %s", error->message);
  return (g_get_monotonic_time () - t0) / 1.0;
}

typedef struct
{
  gchar *task_id;
  gboolean done;
  GHashTable *completed; /* ids whose completion came before the submit answer */
} PushWait;

static void
task_updated_cb (WeftSignaling *signaling, JsonNode *task, PushWait *w)
{
  JsonObject *obj = json_node_get_object (task);
  const gchar *id = json_object_get_string_member_with_default (obj, "id", "");

  if (g_strcmp0 (json_object_get_string_member_with_default (obj, "state", ""), "completed") != 0)
    return;
  /* the push can beat the HTTP answer that names the task */
  g_hash_table_add (w->completed, g_strdup (id));
  if (g_strcmp0 (id, w->task_id) == 0)
    w->done = TRUE;
}

static double
push_once (WeftRegistryClient *client, PushWait *w, const gchar *message)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) task = NULL;
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  gint64 t0;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "skill");
  json_builder_add_string_value (b, "echo");
  json_builder_set_member_name (b, "target_agent_id");
  json_builder_add_string_value (b, "beta");
  json_builder_set_member_name (b, "source_agent_id");
  json_builder_add_string_value (b, "alpha");
  json_builder_set_member_name (b, "payload");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  json_builder_end_object (b);
  json_builder_end_object (b);
  task = json_builder_get_root (b);
  w->done = FALSE;
  g_clear_pointer (&w->task_id, g_free);
  t0 = g_get_monotonic_time ();
  weft_registry_client_submit_task_async (client, task, NULL, agent_test_store_result, &res);
  wait_result (&res);
  w->task_id = weft_registry_client_submit_task_finish (client, res, &error);
  if (w->task_id == NULL)
    g_error ("submit failed: %s", error->message);
  if (g_hash_table_contains (w->completed, w->task_id))
    w->done = TRUE;
  if (!agent_test_wait_until (done_cond, &w->done, 30000))
    g_error ("task %s not completed", w->task_id);
  return (double) (g_get_monotonic_time () - t0);
}

static gboolean
not_open_on_both (gpointer data)
{
  return !weft_mesh_is_open (data, "beta");
}

static gboolean
all_children_connected (gpointer data)
{
  GPtrArray *children = data;

  for (guint i = 0; i < children->len; i++)
    if (!((Child *) g_ptr_array_index (children, i))->all_connected)
      return FALSE;
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (AgentTestRegistry) reg = NULL;
  g_autoptr (GArray) p2p = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) p2p_pinned = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) push = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) first = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (WeftRegistryClient) client = NULL;
  g_autoptr (WeftSignaling) signaling = NULL;
  g_autoptr (WeftMesh) mesh = NULL;
  g_autoptr (WeftMeshRpc) rpc = NULL;
  g_autoptr (JsonNode) no_servers = json_from_string ("{\"iceServers\":[]}", NULL);
  g_autoptr (GPtrArray) children = NULL;
  g_autofree gchar *message = g_strnfill (100, 'x');
  PushWait w = { NULL, FALSE, g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL) };
  Child *beta;
  guint rounds = argc > 3 ? (guint) atoi (argv[3]) : 1000;
  double udp_p50, udp_p99, udp_pinned_p50 = 0, mesh_ms = 0;
  gint64 t0;

  if (argc < 3)
    {
      g_printerr ("usage: mesh-bench WEFT-MESH-NODE UDP-PINGPONG [ROUNDS]\n");
      return 2;
    }
  node_bin = argv[1];
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);

  g_ptr_array_add (names, g_strdup ("alpha"));
  g_ptr_array_add (names, g_strdup ("beta"));
  for (guint i = 0; i < N_MESH; i++)
    g_ptr_array_add (names, g_strdup_printf ("n%02u", i));
  {
    /* the key table: agent-test-util's registry with our names */
    g_autoptr (JsonBuilder) b = json_builder_new ();
    g_autoptr (JsonNode) root = NULL;
    g_autofree gchar *text = NULL;

    reg = agent_test_registry_new ();
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "keys");
    json_builder_begin_object (b);
    for (guint i = 0; i < names->len; i++)
      {
        g_autofree gchar *key = g_strdup_printf ("ak_%s", (gchar *) g_ptr_array_index (names, i));

        json_builder_set_member_name (b, key);
        json_builder_begin_object (b);
        json_builder_set_member_name (b, "peer_id");
        json_builder_add_string_value (b, g_ptr_array_index (names, i));
        json_builder_set_member_name (b, "role");
        json_builder_add_string_value (b, "agent");
        json_builder_end_object (b);
      }
    json_builder_end_object (b);
    json_builder_end_object (b);
    root = json_builder_get_root (b);
    text = json_to_string (root, FALSE);
    g_assert_true (g_file_set_contents (reg->keys, text, -1, NULL));
  }
  if (!agent_test_registry_start (reg))
    g_error ("the registry did not start");

  beta = child_spawn (reg, "beta", FALSE, 0);
  client = weft_registry_client_new (reg->url);
  weft_registry_client_set_api_key (client, "ak_alpha");
  signaling = weft_signaling_new (client);
  mesh = weft_mesh_new (signaling);
  weft_mesh_add_local_address (mesh, "127.0.0.1");
  weft_mesh_set_ice_config (mesh, no_servers);
  rpc = weft_mesh_rpc_new (mesh, "alpha");
  g_signal_connect (signaling, "task-updated", G_CALLBACK (task_updated_cb), &w);
  weft_mesh_start (mesh);
  weft_signaling_start (signaling);
  if (!agent_test_wait_until (child_ready, beta, 20000))
    g_error ("beta did not come up");
  while (!weft_mesh_is_online (mesh, "beta"))
    g_main_context_iteration (NULL, TRUE);

  /* 4. first contact */
  for (guint i = 0; i < 30; i++)
    {
      double us = rpc_once (rpc, message);

      if (i >= 5)
        g_array_append_val (first, us);
      weft_mesh_close_peer (mesh, "beta");
      agent_test_wait_until (not_open_on_both, mesh, 2000);
      /* let beta notice the close before the next offer */
      agent_test_wait_until (done_cond, &(gboolean){ FALSE }, 50);
    }

  /* 1. the open channel */
  for (guint i = 0; i < rounds + 100; i++)
    {
      double us = rpc_once (rpc, message);

      if (i >= 100)
        g_array_append_val (p2p, us);
    }

  /* 2. the registry path */
  for (guint i = 0; i < MIN (rounds, 300) + 20; i++)
    {
      double us = push_once (client, &w, message);

      if (i >= 20)
        g_array_append_val (push, us);
    }

  /* 3. plain UDP */
  udp_pingpong (argv[2], rounds, &udp_p50, &udp_p99);

  /* 1 and 3 again, on one CPU */
  {
    cpu_set_t all, one;

    CPU_ZERO (&one);
    CPU_SET (0, &one);
    if (sched_getaffinity (0, sizeof all, &all) == 0 && pin (beta->proc, &one))
      {
        double unused;

        for (guint i = 0; i < rounds + 100; i++)
          {
            double us = rpc_once (rpc, message);

            if (i >= 100)
              g_array_append_val (p2p_pinned, us);
          }
        udp_pingpong (argv[2], rounds, &udp_pinned_p50, &unused);
        pin (beta->proc, &all);
      }
  }

  /* 5. 50 agents in full mesh */
  child_free (beta);
  weft_mesh_stop (mesh);
  weft_signaling_stop (signaling);
  children = g_ptr_array_new_with_free_func ((GDestroyNotify) child_free);
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < N_MESH; i++)
    g_ptr_array_add (children,
                     child_spawn (reg, g_ptr_array_index (names, i + 2), TRUE, N_MESH - 1));
  if (agent_test_wait_until (all_children_connected, children, 120000))
    mesh_ms = (g_get_monotonic_time () - t0) / 1000.0;
  else
    g_printerr ("the full mesh did not form within 120 s\n");
  g_clear_pointer (&children, g_ptr_array_unref);

  {
    double p2p50 = percentile (p2p, 0.5), p2p99 = percentile (p2p, 0.99);
    double push50 = percentile (push, 0.5), push99 = percentile (push, 0.99);
    double first50 = percentile (first, 0.5);
    double pinned50 = percentile (p2p_pinned, 0.5);

    printf ("delegation over the channel   p50 %8.1f us  p99 %8.1f us  (%u rounds)\n", p2p50, p2p99,
            rounds);
    printf ("plain UDP ping-pong           p50 %8.1f us  p99 %8.1f us\n", udp_p50, udp_p99);
    printf ("on one CPU: channel p50 %8.1f us, UDP p50 %8.1f us, ratio %.2f\n", pinned50,
            udp_pinned_p50, udp_pinned_p50 > 0 ? pinned50 / udp_pinned_p50 : 0.0);
    printf ("delegation via registry push  p50 %8.1f us  p99 %8.1f us  (%u rounds)\n", push50,
            push99, push->len);
    printf ("first contact (open + call)   p50 %8.1f us  (%u rounds)\n", first50, first->len);
    printf ("%u agents in full mesh         %8.1f ms\n", N_MESH, mesh_ms);
    printf ("ratio channel/UDP p50 %.2f; channel/registry p50 %.2f\n", p2p50 / udp_p50,
            p2p50 / push50);
    printf ("{\"p2p_p50_us\":%.1f,\"p2p_p99_us\":%.1f,\"udp_p50_us\":%.1f,\"udp_p99_us\":%.1f,"
            "\"push_p50_us\":%.1f,\"push_p99_us\":%.1f,\"first_contact_p50_us\":%.1f,"
            "\"full_mesh_%u_ms\":%.1f,\"ratio_p2p_udp\":%.2f,\"ratio_p2p_push\":%.2f,"
            "\"pinned_p2p_p50_us\":%.1f,\"pinned_udp_p50_us\":%.1f}\n",
            p2p50, p2p99, udp_p50, udp_p99, push50, push99, first50, N_MESH, mesh_ms,
            p2p50 / udp_p50, p2p50 / push50, pinned50, udp_pinned_p50);
  }
  g_free (w.task_id);
  g_hash_table_unref (w.completed);
  return 0;
}
