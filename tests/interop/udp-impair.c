/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * udp-impair: a UDP relay between two loopback peers that drops, delays and
 * reorders datagrams, for tests on kernels without netem.
 *
 * Side A sends to port --port-a, side B to --port-b. What arrives on port A
 * leaves from port B towards side B, and the other way round, so each side
 * sees the relay port it sends to as its peer. A side's address is
 * --target-a/--target-b, or learnt from the last datagram it sent.
 *
 * Each direction independently loses --loss percent of the datagrams, delays
 * the rest by --delay ms and holds --reorder percent back by a further
 * --reorder-delay ms so that later datagrams overtake them. Decisions come
 * from a generator seeded with --seed, so a run is reproducible for a given
 * arrival order. The relay exits after --duration seconds or on SIGINT or
 * SIGTERM, printing its counters as one JSON line; at start it prints
 * {"type":"listening","port_a":N,"port_b":M}.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_DATAGRAM 65536
#define MAX_QUEUED   200000

typedef struct
{
  guint64 received;
  guint64 dropped;
  guint64 reordered;
  guint64 forwarded;
  guint64 overflow;
} Counters;

typedef struct
{
  gint64 release_us;
  guint64 seq;
  guint direction; /* 0: A to B, 1: B to A */
  gsize len;
  guint8 *data; /* (owned) */
} Packet;

typedef struct
{
  int fd[2];                    /* [0] faces side A, [1] faces side B */
  struct sockaddr_in target[2]; /* where side A / side B are */
  gboolean have_target[2];
  Counters counters[2]; /* per direction */
  GPtrArray *heap;      /* (element-type Packet) min-heap on release time */
  guint64 seq;
  guint64 rng;
  double loss;
  double reorder;
  gint64 delay_us;
  gint64 reorder_delay_us;
} Relay;

static volatile sig_atomic_t stop_requested;

static void
on_signal (int sig G_GNUC_UNUSED)
{
  stop_requested = 1;
}

static gint64
now_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* xorshift64*: small, deterministic for a given seed */
static double
next_uniform (Relay *r)
{
  r->rng ^= r->rng >> 12;
  r->rng ^= r->rng << 25;
  r->rng ^= r->rng >> 27;
  return (double) ((r->rng * G_GUINT64_CONSTANT (2685821657736338717)) >> 11) /
         (double) (1ULL << 53);
}

static gboolean
packet_before (const Packet *a, const Packet *b)
{
  return a->release_us < b->release_us || (a->release_us == b->release_us && a->seq < b->seq);
}

static void
heap_push (Relay *r, Packet *p)
{
  guint i = r->heap->len;

  g_ptr_array_add (r->heap, p);
  while (i > 0)
    {
      guint parent = (i - 1) / 2;
      Packet *pp = g_ptr_array_index (r->heap, parent);

      if (!packet_before (p, pp))
        break;
      r->heap->pdata[i] = pp;
      r->heap->pdata[parent] = p;
      i = parent;
    }
}

static Packet *
heap_pop (Relay *r)
{
  Packet *top = g_ptr_array_index (r->heap, 0);
  Packet *last = g_ptr_array_steal_index (r->heap, r->heap->len - 1);
  guint i = 0;

  if (r->heap->len == 0)
    return top;
  r->heap->pdata[0] = last;
  for (;;)
    {
      guint l = 2 * i + 1;
      guint m = i;

      if (l < r->heap->len && packet_before (r->heap->pdata[l], r->heap->pdata[m]))
        m = l;
      if (l + 1 < r->heap->len && packet_before (r->heap->pdata[l + 1], r->heap->pdata[m]))
        m = l + 1;
      if (m == i)
        break;
      r->heap->pdata[i] = r->heap->pdata[m];
      r->heap->pdata[m] = last;
      i = m;
    }
  return top;
}

static void
packet_free (gpointer data)
{
  Packet *p = data;

  g_free (p->data);
  g_free (p);
}

static int
open_socket (guint16 port, guint16 *out_port)
{
  int fd = socket (AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons (port) };
  socklen_t len = sizeof sa;
  int big = 4 << 20;

  if (fd < 0)
    return -1;
  sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  setsockopt (fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  if (bind (fd, (struct sockaddr *) &sa, sizeof sa) < 0 ||
      getsockname (fd, (struct sockaddr *) &sa, &len) < 0 ||
      fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) | O_NONBLOCK) < 0)
    {
      close (fd);
      return -1;
    }
  *out_port = ntohs (sa.sin_port);
  return fd;
}

static gboolean
parse_target (const char *text, struct sockaddr_in *out)
{
  const char *colon = text != NULL ? strrchr (text, ':') : NULL;
  g_autofree char *host = NULL;
  guint64 port;

  if (colon == NULL || !g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &port, NULL))
    return FALSE;
  host = g_strndup (text, (gsize) (colon - text));
  memset (out, 0, sizeof *out);
  out->sin_family = AF_INET;
  out->sin_port = htons ((guint16) port);
  return inet_pton (AF_INET, host, &out->sin_addr) == 1;
}

/* reads everything waiting on the socket facing side `from` */
static void
receive_from (Relay *r, guint from)
{
  static guint8 buf[MAX_DATAGRAM];

  for (;;)
    {
      struct sockaddr_in src;
      socklen_t slen = sizeof src;
      ssize_t n = recvfrom (r->fd[from], buf, sizeof buf, 0, (struct sockaddr *) &src, &slen);
      Counters *c = &r->counters[from];
      Packet *p;

      if (n < 0)
        return;
      /* the direction is named after where the datagram goes */
      r->target[from] = src;
      r->have_target[from] = TRUE;
      c->received++;
      if (next_uniform (r) * 100.0 < r->loss)
        {
          c->dropped++;
          continue;
        }
      if (r->heap->len >= MAX_QUEUED)
        {
          c->overflow++;
          continue;
        }
      p = g_new0 (Packet, 1);
      p->direction = from;
      p->len = (gsize) n;
      p->data = g_memdup2 (buf, (gsize) n);
      p->seq = r->seq++;
      p->release_us = now_us () + r->delay_us;
      if (next_uniform (r) * 100.0 < r->reorder)
        {
          p->release_us += r->reorder_delay_us;
          c->reordered++;
        }
      heap_push (r, p);
    }
}

static void
send_due (Relay *r)
{
  gint64 now = now_us ();

  while (r->heap->len > 0)
    {
      Packet *p = g_ptr_array_index (r->heap, 0);
      guint to = 1 - p->direction;

      if (p->release_us > now)
        return;
      p = heap_pop (r);
      if (r->have_target[to] &&
          sendto (r->fd[to], p->data, p->len, 0, (struct sockaddr *) &r->target[to],
                  sizeof r->target[to]) == (ssize_t) p->len)
        r->counters[p->direction].forwarded++;
      else
        r->counters[p->direction].overflow++;
      packet_free (p);
    }
}

static void
print_counters (const char *name, const Counters *c, gboolean last)
{
  printf ("\"%s\":{\"received\":%" G_GUINT64_FORMAT ",\"dropped\":%" G_GUINT64_FORMAT
          ",\"reordered\":%" G_GUINT64_FORMAT ",\"forwarded\":%" G_GUINT64_FORMAT
          ",\"overflow\":%" G_GUINT64_FORMAT "}%s",
          name, c->received, c->dropped, c->reordered, c->forwarded, c->overflow, last ? "" : ",");
}

int
main (int argc, char **argv)
{
  Relay r = { 0 };
  gint port_a = 0, port_b = 0, duration = 600, seed = 1;
  gdouble loss = 0, reorder = 0;
  gint delay = 0, reorder_delay = 10;
  g_autofree char *target_a = NULL;
  g_autofree char *target_b = NULL;
  guint16 bound[2];
  gint64 deadline;
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  GOptionEntry entries[] = {
    { "port-a", 0, 0, G_OPTION_ARG_INT, &port_a, "Port side A sends to (0: any)", "PORT" },
    { "port-b", 0, 0, G_OPTION_ARG_INT, &port_b, "Port side B sends to (0: any)", "PORT" },
    { "target-a", 0, 0, G_OPTION_ARG_STRING, &target_a, "Side A's address (learnt if unset)",
      "IP:PORT" },
    { "target-b", 0, 0, G_OPTION_ARG_STRING, &target_b, "Side B's address (learnt if unset)",
      "IP:PORT" },
    { "loss", 0, 0, G_OPTION_ARG_DOUBLE, &loss, "Percent of datagrams dropped, each way", "PCT" },
    { "delay", 0, 0, G_OPTION_ARG_INT, &delay, "Delay each way", "MS" },
    { "reorder", 0, 0, G_OPTION_ARG_DOUBLE, &reorder, "Percent of datagrams held back", "PCT" },
    { "reorder-delay", 0, 0, G_OPTION_ARG_INT, &reorder_delay, "Extra delay of those (10)", "MS" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &seed, "Random seed (1)", "N" },
    { "duration", 0, 0, G_OPTION_ARG_INT, &duration, "Exit after S seconds (600)", "S" },
    { NULL }
  };

  context = g_option_context_new ("- a lossy, delaying, reordering UDP relay for tests");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "udp-impair: %s\n", error->message);
      return 64;
    }
  if (port_a < 0 || port_a > 65535 || port_b < 0 || port_b > 65535 || loss < 0 || loss > 100 ||
      reorder < 0 || reorder > 100 || delay < 0 || reorder_delay < 0 || duration <= 0 ||
      (target_a != NULL && !parse_target (target_a, &r.target[0])) ||
      (target_b != NULL && !parse_target (target_b, &r.target[1])))
    {
      fprintf (stderr, "udp-impair: invalid option value; see --help\n");
      return 64;
    }
  r.have_target[0] = target_a != NULL;
  r.have_target[1] = target_b != NULL;
  r.loss = loss;
  r.reorder = reorder;
  r.delay_us = (gint64) delay * 1000;
  r.reorder_delay_us = (gint64) reorder_delay * 1000;
  /* a zero state would stay zero */
  r.rng = ((guint64) (guint) seed << 1) ^ G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  r.heap = g_ptr_array_new_with_free_func (packet_free);

  r.fd[0] = open_socket ((guint16) port_a, &bound[0]);
  r.fd[1] = open_socket ((guint16) port_b, &bound[1]);
  if (r.fd[0] < 0 || r.fd[1] < 0)
    {
      fprintf (stderr, "udp-impair: cannot bind 127.0.0.1:%d/%d: %s\n", port_a, port_b,
               g_strerror (errno));
      return 1;
    }
  signal (SIGINT, on_signal);
  signal (SIGTERM, on_signal);
  signal (SIGPIPE, SIG_IGN);
  printf ("{\"type\":\"listening\",\"port_a\":%u,\"port_b\":%u}\n", bound[0], bound[1]);
  fflush (stdout);

  deadline = now_us () + (gint64) duration * G_USEC_PER_SEC;
  while (!stop_requested && now_us () < deadline)
    {
      struct pollfd fds[2] = { { r.fd[0], POLLIN, 0 }, { r.fd[1], POLLIN, 0 } };
      int timeout_ms = 100;

      if (r.heap->len > 0)
        {
          gint64 wait = ((Packet *) g_ptr_array_index (r.heap, 0))->release_us - now_us ();

          timeout_ms = wait <= 0 ? 0 : (int) MIN (100, (wait + 999) / 1000);
        }
      if (poll (fds, 2, timeout_ms) > 0)
        {
          if (fds[0].revents & POLLIN)
            receive_from (&r, 0);
          if (fds[1].revents & POLLIN)
            receive_from (&r, 1);
        }
      send_due (&r);
    }

  printf ("{\"type\":\"stats\",");
  print_counters ("a_to_b", &r.counters[0], FALSE);
  print_counters ("b_to_a", &r.counters[1], TRUE);
  printf ("}\n");
  fflush (stdout);
  close (r.fd[0]);
  close (r.fd[1]);
  g_ptr_array_unref (r.heap);
  return 0;
}
