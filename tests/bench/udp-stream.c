/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * udp-stream: the floor for bulk transfer between two processes on
 * loopback: 1200-byte UDP datagrams (the packet size of SCTP over DTLS), the
 * receiver acknowledging every 64 so the sender never overruns it. Prints one
 * JSON line with MB/s and packets/s.
 *
 * usage: udp-stream [MEGABYTES]
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

#define PACKET 1200
#define WINDOW 64

static double
now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
socket_pair (int fds[2])
{
  struct sockaddr_in addr[2];
  int big = 4 << 20;

  for (int i = 0; i < 2; i++)
    {
      socklen_t len = sizeof addr[i];

      memset (&addr[i], 0, sizeof addr[i]);
      addr[i].sin_family = AF_INET;
      addr[i].sin_addr.s_addr = htonl (INADDR_LOOPBACK);
      fds[i] = socket (AF_INET, SOCK_DGRAM, 0);
      if (fds[i] < 0)
        return -1;
      setsockopt (fds[i], SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
      if (bind (fds[i], (struct sockaddr *) &addr[i], sizeof addr[i]) < 0 ||
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
  double megabytes = argc > 1 ? atof (argv[1]) : 200;
  long packets = (long) (megabytes * 1e6 / PACKET);
  int fds[2];
  char buf[PACKET] = { 0 };
  double t0, seconds;
  pid_t child;

  if (packets <= 0 || socket_pair (fds) < 0)
    {
      fprintf (stderr, "udp-stream: bad arguments or no loopback socket\n");
      return 1;
    }
  child = fork ();
  if (child < 0)
    return 1;
  if (child == 0)
    {
      /* the receiving process: one acknowledgement per window, one at the end */
      for (long i = 1; i <= packets; i++)
        {
          if (recv (fds[1], buf, sizeof buf, 0) <= 0)
            _exit (1);
          if (i % WINDOW == 0)
            send (fds[1], buf, 1, 0);
        }
      send (fds[1], buf, 1, 0);
      _exit (0);
    }
  t0 = now_s ();
  for (long i = 1; i <= packets; i++)
    {
      if (send (fds[0], buf, PACKET, 0) != PACKET)
        return 1;
      if (i % WINDOW == 0 && recv (fds[0], buf, sizeof buf, 0) <= 0)
        return 1;
    }
  if (recv (fds[0], buf, sizeof buf, 0) <= 0)
    return 1;
  seconds = now_s () - t0;
  waitpid (child, NULL, 0);
  printf ("{\"type\":\"result\",\"mode\":\"stream\",\"bytes\":%ld,\"packet\":%d,\"seconds\":%.3f,"
          "\"mb_per_s\":%.1f,\"packets_per_s\":%.0f}\n",
          packets * PACKET, PACKET, seconds, packets * (double) PACKET / seconds / 1e6,
          packets / seconds);
  return 0;
}
