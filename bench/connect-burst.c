// Connect burst: opens N non-blocking TCP connects to ADDR:PORT at once and
// waits (epoll) until each completes (writable, SO_ERROR 0), fails (SO_ERROR
// set: refused, reset, timed out) or the deadline passes. Connections stay
// open until the end, so the server's accept queue holds real connections;
// with -w they stay open after the report until stdin reaches EOF, so a
// harness can look at the server's side first. Prints one JSON line:
//   {"clients","completed","failed","timedOut","p50us","p99us","maxus",
//    "retried","retries":[..],"synRetransmitted","errors":{..},"openUs","seconds"}
// "Completed" is the client's view: with SYN cookies the server may hold
// nothing for a connection the client sees as connected (its ACK was dropped
// at a full accept queue).
// Percentiles are over completed connections. `retried`: completed
// connections whose connect took >= 900 ms (an accept-queue overflow drops
// the SYN; the client retransmits it after ~1 s: then every second up to
// net.ipv4.tcp_syn_linear_timeouts times on Linux >= 6.5, doubling before).
// `retries` counts the completed ones by the SYN retransmissions their own
// TCP_INFO reports (0, 1, 2, 3 or more); `synRetransmitted` is those with
// at least one: the kernel's word beside our timing.
//
//   connect-burst -p PORT [-a 127.0.0.1] [-n 2000] [-d SECONDS] [-w]
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench-util.h"

enum { PENDING, DONE, FAILED };

typedef struct {
  int fd;
  int state;
  uint64_t started_ns;
} Conn;

/** Makes room for `need` descriptors: soft limit up to the hard one, the hard one too if we may. */
static int raise_nofile(rlim_t need) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return -1;
  if (rl.rlim_cur >= need) return 0;
  if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
    struct rlimit more = {need, need};
    if (setrlimit(RLIMIT_NOFILE, &more) == 0) return 0;
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    return -1;
  }
  rl.rlim_cur = need;
  return setrlimit(RLIMIT_NOFILE, &rl);
}

static const char* error_key(int err) {
  switch (err) {
    case ECONNREFUSED: return "ECONNREFUSED";
    case ECONNRESET: return "ECONNRESET";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    default: return "other";
  }
}

static const char* const error_keys[] = {"ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EADDRNOTAVAIL", "EHOSTUNREACH", "other"};
enum { N_ERRORS = sizeof(error_keys) / sizeof(error_keys[0]) };

static uint32_t* latencies_us;
static long completed, failed, retried, syn_retransmitted;
static long retries[4];
static long errors[N_ERRORS];

/** Resolves one connection at time t: its latency, or its error. The fd stays open. */
static void resolve(Conn* c, int err, uint64_t t) {
  if (err != 0) {
    int k = 0;
    while (k < N_ERRORS - 1 && strcmp(error_key(err), error_keys[k]) != 0) k++;
    errors[k]++;
    failed++;
    c->state = FAILED;
    return;
  }
  uint32_t us = (uint32_t)((t - c->started_ns) / 1000);
  latencies_us[completed++] = us;
  if (us >= 900000) retried++;
  struct tcp_info ti;
  socklen_t len = sizeof(ti);
  unsigned resent = getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 ? ti.tcpi_total_retrans : 0;
  retries[resent < 3 ? resent : 3]++;
  if (resent > 0) syn_retransmitted++;
  c->state = DONE;
}

int main(int argc, char** argv) {
  int port = 0, clients = 2000, hold = 0, opt;
  double seconds = 10;
  const char* addr = "127.0.0.1";
  while ((opt = getopt(argc, argv, "p:a:n:d:w")) != -1) {
    switch (opt) {
      case 'p': port = atoi(optarg); break;
      case 'a': addr = optarg; break;
      case 'n': clients = atoi(optarg); break;
      case 'd': seconds = atof(optarg); break;
      case 'w': hold = 1; break;
      default: fprintf(stderr, "usage: connect-burst -p PORT [-a ADDR] [-n CLIENTS] [-d SECONDS] [-w]\n"); return 2;
    }
  }
  if (port <= 0 || port > 65535 || clients <= 0 || !(seconds > 0)) {
    fprintf(stderr, "connect-burst: -p PORT is required; -n and -d must be positive\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  struct sockaddr_in target = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, addr, &target.sin_addr) != 1) {
    fprintf(stderr, "connect-burst: bad address %s\n", addr);
    return 2;
  }
  if (raise_nofile((rlim_t)clients + 64) != 0) {
    fprintf(stderr, "connect-burst: cannot raise RLIMIT_NOFILE to %d: %s\n", clients + 64, strerror(errno));
    return 1;
  }

  Conn* conns = calloc((size_t)clients, sizeof(Conn));
  latencies_us = calloc((size_t)clients, sizeof(uint32_t));
  struct epoll_event* events = calloc(1024, sizeof(struct epoll_event));
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (!conns || !latencies_us || !events || epfd < 0) {
    perror("connect-burst");
    return 1;
  }

  long pending = 0;
  uint64_t start = now_ns();
  uint64_t deadline = start + (uint64_t)(seconds * 1e9);

  // The burst: every connect issued back to back, none waited for.
  for (int i = 0; i < clients; i++) {
    Conn* c = &conns[i];
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
      perror("connect-burst: socket");
      return 1;
    }
    c->started_ns = now_ns();
    if (connect(c->fd, (struct sockaddr*)&target, sizeof(target)) == 0) {
      resolve(c, 0, now_ns());
    } else if (errno == EINPROGRESS) {
      struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
      if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
        perror("connect-burst: epoll_ctl");
        return 1;
      }
      c->state = PENDING;
      pending++;
    } else {
      int err = errno;
      resolve(c, err, now_ns());
    }
  }
  uint64_t opened = now_ns();

  while (pending > 0) {
    uint64_t t = now_ns();
    if (t >= deadline) break;
    int wait_ms = (int)((deadline - t + 999999) / 1000000);
    int n = epoll_wait(epfd, events, 1024, wait_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      perror("connect-burst: epoll_wait");
      return 1;
    }
    t = now_ns();
    for (int i = 0; i < n; i++) {
      Conn* c = events[i].data.ptr;
      int err = 0;
      socklen_t len = sizeof(err);
      if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
      epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
      resolve(c, err, t);
      pending--;
    }
  }
  double elapsed = (double)(now_ns() - start) / 1e9;

  qsort(latencies_us, (size_t)completed, sizeof(uint32_t), cmp_u32);
  printf("{\"clients\":%d,\"completed\":%ld,\"failed\":%ld,\"timedOut\":%ld,", clients, completed, failed, pending);
  if (completed > 0) {
    size_t p99 = (size_t)((double)completed * 0.99);
    if (p99 >= (size_t)completed) p99 = (size_t)completed - 1;
    printf("\"p50us\":%u,\"p99us\":%u,\"maxus\":%u,", latencies_us[completed / 2], latencies_us[p99], latencies_us[completed - 1]);
  } else {
    printf("\"p50us\":null,\"p99us\":null,\"maxus\":null,");
  }
  printf("\"retried\":%ld,\"retries\":[%ld,%ld,%ld,%ld],\"synRetransmitted\":%ld,\"errors\":{", retried, retries[0], retries[1], retries[2],
         retries[3], syn_retransmitted);
  for (int k = 0, first = 1; k < N_ERRORS; k++) {
    if (errors[k] == 0) continue;
    printf("%s\"%s\":%ld", first ? "" : ",", error_keys[k], errors[k]);
    first = 0;
  }
  printf("},\"openUs\":%llu,\"seconds\":%.3f}\n", (unsigned long long)((opened - start) / 1000), elapsed);
  fflush(stdout);
  if (hold) {
    char buf[256];
    ssize_t r;
    while ((r = read(STDIN_FILENO, buf, sizeof(buf))) > 0 || (r < 0 && errno == EINTR)) {
    }
  }
  for (int i = 0; i < clients; i++) close(conns[i].fd);
  return 0;
}
