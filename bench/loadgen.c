// Load generator: opens new TCP connections as fast as it can, keeping
// `concurrency` in flight. Each connection: connect, read until the server
// closes, close. Prints one JSON line with counts and latency percentiles;
// failed connections are split into refused, reset and unanswered.
//
//   loadgen -p PORT [-a 127.0.0.1] [-c 64] [-d SECONDS] [-n MAX]
// SIGUSR1 ends the run early (in-flight connections still finish).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench-util.h"

typedef struct {
  int fd;
  uint64_t started_ns;
  size_t bytes;
} Slot;

static struct sockaddr_in target;
static int epfd;
static long errors_connect, errors_io, refused, resets, unanswered;
static volatile sig_atomic_t stopping;  // SIGUSR1: open no new connection, finish the ones in flight

static void on_stop(int signo) {
  (void)signo;
  stopping = 1;
}

static int open_slot(Slot* slot) {
  for (;;) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    slot->fd = fd;
    slot->started_ns = now_ns();
    slot->bytes = 0;
    if (connect(fd, (struct sockaddr*)&target, sizeof(target)) == 0 || errno == EINPROGRESS) {
      struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = slot};
      if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == 0) return 0;
    }
    errors_connect++;
    close(fd);
    if (errors_connect > 100000) return -1;
  }
}

int main(int argc, char** argv) {
  int port = 0, concurrency = 64;
  double seconds = 3;
  long max_conns = 0;
  const char* addr = "127.0.0.1";
  int opt;
  while ((opt = getopt(argc, argv, "p:a:c:d:n:")) != -1) {
    switch (opt) {
      case 'p': port = atoi(optarg); break;
      case 'a': addr = optarg; break;
      case 'c': concurrency = atoi(optarg); break;
      case 'd': seconds = atof(optarg); break;
      case 'n': max_conns = atol(optarg); break;
      default: fprintf(stderr, "usage: loadgen -p PORT [-a ADDR] [-c N] [-d SECONDS] [-n MAX]\n"); return 2;
    }
  }
  if (port <= 0 || concurrency <= 0) {
    fprintf(stderr, "loadgen: -p PORT is required\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  signal(SIGUSR1, on_stop);
  target.sin_family = AF_INET;
  target.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, addr, &target.sin_addr) != 1) {
    fprintf(stderr, "loadgen: bad address\n");
    return 2;
  }

  size_t cap = 1 << 22, count = 0;
  uint32_t* latencies_us = malloc(cap * sizeof(uint32_t));
  Slot* slots = calloc((size_t)concurrency, sizeof(Slot));
  struct epoll_event* events = calloc((size_t)concurrency, sizeof(struct epoll_event));
  epfd = epoll_create1(EPOLL_CLOEXEC);
  if (!latencies_us || !slots || !events || epfd < 0) {
    perror("loadgen");
    return 1;
  }

  uint64_t start = now_ns(), deadline = start + (uint64_t)(seconds * 1e9);
  for (int i = 0; i < concurrency; i++) {
    if (open_slot(&slots[i]) != 0) {
      perror("loadgen: connect");
      return 1;
    }
  }
  int in_flight = concurrency;
  char buf[4096];
  while (in_flight > 0) {
    int n = epoll_wait(epfd, events, concurrency, 1000);
    if (n < 0 && errno != EINTR) {
      perror("epoll_wait");
      return 1;
    }
    uint64_t t = now_ns();
    for (int i = 0; i < n; i++) {
      Slot* slot = events[i].data.ptr;
      ssize_t r;
      while ((r = read(slot->fd, buf, sizeof(buf))) > 0) slot->bytes += (size_t)r;
      if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;  // more to come
      if (r == 0 && slot->bytes > 0) {
        if (count < cap) latencies_us[count] = (uint32_t)((t - slot->started_ns) / 1000);
        count++;
      } else {
        errors_io++;  // reset, refused, or closed without an answer
        if (r < 0 && errno == ECONNREFUSED) refused++;
        else if (r < 0 && errno == ECONNRESET) resets++;
        else unanswered++;
      }
      close(slot->fd);  // also removes it from the epoll set
      int stop = stopping || t >= deadline || (max_conns > 0 && (long)count >= max_conns);
      if (stop || open_slot(slot) != 0) in_flight--;
    }
  }
  double elapsed = (double)(now_ns() - start) / 1e9;
  size_t kept = count < cap ? count : cap;
  qsort(latencies_us, kept, sizeof(uint32_t), cmp_u32);
  uint32_t p50 = kept ? latencies_us[kept / 2] : 0;
  uint32_t p99 = kept ? latencies_us[(size_t)((double)kept * 0.99)] : 0;
  printf(
      "{\"connections\":%zu,\"seconds\":%.3f,\"connPerSec\":%.1f,\"p50us\":%u,\"p99us\":%u,"
      "\"connectErrors\":%ld,\"ioErrors\":%ld,\"refused\":%ld,\"resets\":%ld,\"unanswered\":%ld}\n",
      count, elapsed, (double)count / elapsed, p50, p99, errors_connect, errors_io, refused, resets, unanswered);
  return 0;
}
