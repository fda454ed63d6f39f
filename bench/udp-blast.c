// UDP load: sends datagrams of SIZE bytes to 127.0.0.1:PORT for SECONDS,
// as fast as the kernel takes them, or with -r at a fixed offered rate:
// every millisecond (an absolute clock_nanosleep tick) it sends, in
// sendmmsg bursts of up to 64, what brings the count to RATE × elapsed.
// Prints {"sent":N,"seconds":S,"rate":R,"sendErrors":E,"lateTicks":L}
// (rate: the offered rate, 0 without -r; lateTicks: ticks that found the
// sender already behind its schedule by more than a tick).
//
//   udp-blast -p PORT [-d SECONDS] [-s SIZE] [-r MSGS_PER_SEC]
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench-util.h"

#define BURST 64
#define TICK_NS 1000000u

static long send_errors;

/** Sends `count` datagrams in sendmmsg calls of up to BURST; returns how many went. */
static long send_some(int fd, struct mmsghdr* msgs, long count) {
  long sent = 0;
  while (sent < count) {
    unsigned int n = count - sent < BURST ? (unsigned int)(count - sent) : BURST;
    int r = sendmmsg(fd, msgs, n, 0);
    if (r <= 0) {
      send_errors++;
      break;
    }
    sent += r;
  }
  return sent;
}

int main(int argc, char** argv) {
  int port = 0, size = 64, opt;
  double seconds = 2, rate = 0;
  while ((opt = getopt(argc, argv, "p:d:s:r:")) != -1) {
    if (opt == 'p') port = atoi(optarg);
    else if (opt == 'd') seconds = atof(optarg);
    else if (opt == 's') size = atoi(optarg);
    else if (opt == 'r') rate = atof(optarg);
    else {
      fprintf(stderr, "usage: udp-blast -p PORT [-d SECONDS] [-s SIZE] [-r MSGS_PER_SEC]\n");
      return 2;
    }
  }
  if (port <= 0 || size <= 0 || size > 65507 || rate < 0) {
    fprintf(stderr, "udp-blast: bad arguments\n");
    return 2;
  }
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, (struct sockaddr*)&to, sizeof(to)) != 0) {
    perror("udp-blast");
    return 1;
  }
  char* payload = calloc(1, (size_t)size);
  struct iovec iov = {.iov_base = payload, .iov_len = (size_t)size};
  struct mmsghdr msgs[BURST];
  memset(msgs, 0, sizeof(msgs));
  for (int i = 0; i < BURST; i++) {
    msgs[i].msg_hdr.msg_iov = &iov;
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  long sent = 0, late_ticks = 0;
  uint64_t start = now_ns(), end = start + (uint64_t)(seconds * 1e9), now = start;
  if (rate > 0) {
    struct timespec tick = {.tv_sec = (time_t)(start / 1000000000u), .tv_nsec = (long)(start % 1000000000u)};
    while (now < end) {
      long due = (long)((double)(now - start) * rate / 1e9);
      if (due > sent) sent += send_some(fd, msgs, due - sent);
      tick.tv_nsec += TICK_NS;
      if (tick.tv_nsec >= 1000000000L) {
        tick.tv_sec++;
        tick.tv_nsec -= 1000000000L;
      }
      now = now_ns();
      if (now > (uint64_t)tick.tv_sec * 1000000000u + (uint64_t)tick.tv_nsec + TICK_NS) late_ticks++;
      clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &tick, NULL);
      now = now_ns();
    }
  } else {
    // Check the clock every 4 bursts: cheap, and precise enough.
    for (int i = 0; now < end; i++) {
      sent += send_some(fd, msgs, BURST);
      if ((i & 3) == 0) now = now_ns();
    }
  }
  printf("{\"sent\":%ld,\"seconds\":%.3f,\"rate\":%.0f,\"sendErrors\":%ld,\"lateTicks\":%ld}\n", sent, (double)(now_ns() - start) / 1e9,
         rate, send_errors, late_ticks);
  close(fd);
  free(payload);
  return 0;
}
