// The physical limit: a minimal epoll + accept4 server in C. It answers each
// connection with one line and closes it. Prints "port N" once listening.
//
//   c-server [-p PORT] [-b BACKLOG]
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stopping;
static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

int main(int argc, char** argv) {
  int port = 0, backlog = 511, opt;
  while ((opt = getopt(argc, argv, "p:b:")) != -1) {
    if (opt == 'p') port = atoi(optarg);
    else if (opt == 'b') backlog = atoi(optarg);
    else {
      fprintf(stderr, "usage: c-server [-p PORT] [-b BACKLOG]\n");
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN);
  struct sigaction sa = {.sa_handler = on_signal};
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);

  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (lfd < 0 || bind(lfd, (struct sockaddr*)&addr, sizeof(addr)) != 0 || listen(lfd, backlog) != 0 ||
      getsockname(lfd, (struct sockaddr*)&addr, &len) != 0) {
    perror("c-server");
    return 1;
  }
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd};
  epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
  printf("port %d\n", ntohs(addr.sin_port));
  fflush(stdout);

  static const char line[] = "hello\n";
  while (!stopping) {
    struct epoll_event out;
    int n = epoll_wait(epfd, &out, 1, 200);
    if (n <= 0) continue;
    for (;;) {
      int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        break;  // EAGAIN: queue drained (EMFILE etc.: wait for the next round)
      }
      ssize_t w = send(fd, line, sizeof(line) - 1, MSG_NOSIGNAL);
      (void)w;
      close(fd);
    }
  }
  close(epfd);
  close(lfd);
  return 0;
}
