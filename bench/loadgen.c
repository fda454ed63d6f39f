// Load generator: opens new TCP connections as fast as it can, keeping
// `concurrency` in flight. Each connection: connect, read until the server
// closes, close. Prints one JSON line with counts and latency percentiles;
// failed connections are split into refused, reset and unanswered.
//
//   loadgen -p PORT [-a 127.0.0.1] [-c 64] [-d SECONDS] [-n MAX] [-P 1|2 [-s SOURCES]]
// SIGUSR1 ends the run early (in-flight connections still finish).
// -P 1 / -P 2: each connection first sends a PROXY protocol header (v1 text
// line, v2 binary, TCP over IPv4), as a balancer would, naming a client of its
// own: 10.x.y.z, port 1024.., a new one per connection, or cycling through
// -s SOURCES addresses (so per-source limits can be hit). The header goes out
// in one send() as soon as the connection is up; the JSON then also says how
// many were sent at once and how many had to wait for the handshake.
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
  char header[108];    // -P: the PROXY header still to send (a v1 line is at most 107 bytes, v2 TCP4 28)
  size_t header_len;   // its length; 0 once sent, or without -P
  size_t header_sent;  // how much of it went out
  int header_errno;    // why it could not be sent (the connection failed before it)
} Slot;

static struct sockaddr_in target;
static int epfd;
static long errors_connect, errors_io, refused, resets, unanswered;
static int proxy_version;                // -P: 0 (none), 1 or 2
static unsigned long sources;            // -s: distinct source addresses (0: a new one per connection)
static unsigned long proxy_serial;       // connections given a header so far
static long headers_now, headers_later;  // sent right after connect(), or once it completed

/** The PROXY header of the next connection into slot->header: source 10.x.y.z:port, destination the target. */
static void make_header(Slot* slot) {
  unsigned long n = proxy_serial++;
  uint32_t src = 0x0a000000u | (uint32_t)(((sources ? n % sources : n) + 1) & 0xffffff);  // from 10.0.0.1
  uint16_t sport = (uint16_t)(1024 + n % 64512);
  if (proxy_version == 1) {
    char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
    struct in_addr a = {.s_addr = htonl(src)};
    inet_ntop(AF_INET, &a, s, sizeof(s));
    inet_ntop(AF_INET, &target.sin_addr, d, sizeof(d));
    int len = snprintf(slot->header, sizeof(slot->header), "PROXY TCP4 %s %s %u %u\r\n", s, d, sport, ntohs(target.sin_port));
    slot->header_len = (size_t)len;
  } else {
    static const unsigned char sig[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};
    unsigned char* h = (unsigned char*)slot->header;
    uint32_t src_n = htonl(src);
    uint16_t sport_n = htons(sport), len_n = htons(12);
    memcpy(h, sig, 12);
    h[12] = 0x21;  // version 2, PROXY
    h[13] = 0x11;  // AF_INET, STREAM
    memcpy(h + 14, &len_n, 2);
    memcpy(h + 16, &src_n, 4);
    memcpy(h + 20, &target.sin_addr.s_addr, 4);  // already in network order
    memcpy(h + 24, &sport_n, 2);
    memcpy(h + 26, &target.sin_port, 2);
    slot->header_len = 28;
  }
  slot->header_sent = 0;
}

/** Sends what is left of the slot's header: 1 once all of it went, 0 to wait for EPOLLOUT, -1 on error. */
static int send_header(Slot* slot) {
  while (slot->header_sent < slot->header_len) {
    ssize_t w = send(slot->fd, slot->header + slot->header_sent, slot->header_len - slot->header_sent, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOTCONN ? 0 : -1;
    slot->header_sent += (size_t)w;
  }
  slot->header_len = 0;
  return 1;
}
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
    slot->header_len = 0;
    slot->header_errno = 0;
    if (connect(fd, (struct sockaddr*)&target, sizeof(target)) == 0 || errno == EINPROGRESS) {
      struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = slot};
      int sent = 1;
      if (proxy_version != 0) {
        make_header(slot);
        sent = send_header(slot);  // on loopback the handshake is usually done by now
        if (sent == 1) headers_now++;
        if (sent < 0) slot->header_errno = errno;  // counted like a failed read, at its EPOLLOUT
        if (sent <= 0) ev.events |= EPOLLOUT;
      }
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
  while ((opt = getopt(argc, argv, "p:a:c:d:n:P:s:")) != -1) {
    switch (opt) {
      case 'p': port = atoi(optarg); break;
      case 'a': addr = optarg; break;
      case 'c': concurrency = atoi(optarg); break;
      case 'd': seconds = atof(optarg); break;
      case 'n': max_conns = atol(optarg); break;
      case 'P': proxy_version = atoi(optarg); break;
      case 's': sources = strtoul(optarg, NULL, 10); break;
      default: fprintf(stderr, "usage: loadgen -p PORT [-a ADDR] [-c N] [-d SECONDS] [-n MAX] [-P 1|2 [-s SOURCES]]\n"); return 2;
    }
  }
  if (port <= 0 || concurrency <= 0) {
    fprintf(stderr, "loadgen: -p PORT is required\n");
    return 2;
  }
  if (proxy_version != 0 && proxy_version != 1 && proxy_version != 2) {
    fprintf(stderr, "loadgen: -P takes 1 or 2 (the PROXY protocol version)\n");
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
      int failed = slot->header_errno;            // -P: the connection failed before its header went out
      if (failed == 0 && slot->header_len > 0) {  // -P: the header waited for the handshake
        int sent = send_header(slot);             // after EPOLLERR, this is where the error shows
        if (sent == 0) continue;
        if (sent < 0) failed = errno;
        else {
          headers_later++;
          struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = slot};
          epoll_ctl(epfd, EPOLL_CTL_MOD, slot->fd, &ev);
        }
      }
      ssize_t r = -1;
      if (failed == 0) {
        while ((r = read(slot->fd, buf, sizeof(buf))) > 0) slot->bytes += (size_t)r;
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;  // more to come
        if (r < 0) failed = errno;
      }
      if (r == 0 && slot->bytes > 0) {
        if (count < cap) latencies_us[count] = (uint32_t)((t - slot->started_ns) / 1000);
        count++;
      } else {
        errors_io++;  // reset, refused, or closed without an answer
        if (failed == ECONNREFUSED) refused++;
        else if (failed == ECONNRESET) resets++;
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
      "\"connectErrors\":%ld,\"ioErrors\":%ld,\"refused\":%ld,\"resets\":%ld,\"unanswered\":%ld",
      count, elapsed, (double)count / elapsed, p50, p99, errors_connect, errors_io, refused, resets, unanswered);
  if (proxy_version != 0) {
    printf(",\"proxyVersion\":%d,\"headersNow\":%ld,\"headersLater\":%ld", proxy_version, headers_now, headers_later);
  }
  printf("}\n");
  return 0;
}
