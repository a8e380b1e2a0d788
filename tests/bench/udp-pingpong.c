/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * udp-pingpong: the floor for a small-message round trip between two
 * processes on loopback: plain blocking UDP, one 100-byte message
 * outstanding at a time. Prints one JSON line with p50/p99/mean in µs.
 *
 * usage: udp-pingpong [COUNT [SIZE]]
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WARMUP 100

static double
now_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* two sockets on 127.0.0.1 connected to each other */
static int
socket_pair (int fds[2])
{
  struct sockaddr_in addr[2];

  for (int i = 0; i < 2; i++)
    {
      socklen_t len = sizeof addr[i];

      memset (&addr[i], 0, sizeof addr[i]);
      addr[i].sin_family = AF_INET;
      addr[i].sin_addr.s_addr = htonl (INADDR_LOOPBACK);
      fds[i] = socket (AF_INET, SOCK_DGRAM, 0);
      if (fds[i] < 0 || bind (fds[i], (struct sockaddr *) &addr[i], sizeof addr[i]) < 0 ||
          getsockname (fds[i], (struct sockaddr *) &addr[i], &len) < 0)
        return -1;
    }
  if (connect (fds[0], (struct sockaddr *) &addr[1], sizeof addr[1]) < 0 ||
      connect (fds[1], (struct sockaddr *) &addr[0], sizeof addr[0]) < 0)
    return -1;
  return 0;
}

int
main (int argc, char **argv)
{
  int count = argc > 1 ? atoi (argv[1]) : 1000;
  int size = argc > 2 ? atoi (argv[2]) : 100;
  int fds[2];
  char buf[65536] = { 0 };
  double *rtts;
  double sum = 0;
  pid_t child;

  if (count <= 0 || size <= 0 || size > (int) sizeof buf || socket_pair (fds) < 0)
    {
      fprintf (stderr, "udp-pingpong: bad arguments or no loopback socket\n");
      return 1;
    }
  child = fork ();
  if (child < 0)
    return 1;
  if (child == 0)
    {
      /* the echoing process */
      for (int i = 0; i < count + WARMUP; i++)
        {
          ssize_t n = recv (fds[1], buf, sizeof buf, 0);

          if (n <= 0 || send (fds[1], buf, (size_t) n, 0) != n)
            _exit (1);
        }
      _exit (0);
    }
  rtts = calloc ((size_t) count, sizeof *rtts);
  for (int i = 0; i < count + WARMUP; i++)
    {
      double t = now_us ();

      if (send (fds[0], buf, (size_t) size, 0) != size || recv (fds[0], buf, sizeof buf, 0) <= 0)
        return 1;
      if (i >= WARMUP)
        rtts[i - WARMUP] = now_us () - t;
    }
  waitpid (child, NULL, 0);
  qsort (rtts, (size_t) count, sizeof *rtts, compare_doubles);
  for (int i = 0; i < count; i++)
    sum += rtts[i];
  printf ("{\"type\":\"result\",\"mode\":\"ping\",\"count\":%d,\"size\":%d,\"p50_us\":%.1f,"
          "\"p99_us\":%.1f,\"mean_us\":%.1f}\n",
          count, size, rtts[count / 2], rtts[(size_t) count * 99 / 100], sum / count);
  free (rtts);
  return 0;
}
