#include "io.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "args.h"
#include "dgram.h"
#include "errno.h"
#include "handle.h"
#include "sockaddr.h"
#include "syscalls.h"

namespace sss {

namespace {

constexpr int32_t kMaxBatch = 1024;
constexpr int32_t kMaxRecv = 1 << 24;  // one receive buffer, 16 MiB at most

// accept(2): Linux passes pending network errors of the new connection to
// accept(); that connection is gone, the listener is fine: try the next one.
bool IsConnectionError(int err) {
  switch (err) {
    case ECONNABORTED:
    case EPROTO:
    case ENETDOWN:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH:
#ifdef ENONET
    case ENONET:
#endif
      return true;
    default: return false;
  }
}

bool IsListening(int fd) {
  int on = 0;
  socklen_t len = sizeof(on);
  return ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && on != 0;
}

int AcceptOne(int listen_fd) {
#ifdef SOCK_CLOEXEC
  return ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
  int fd = ::accept(listen_fd, nullptr, nullptr);
  if (fd >= 0) fcntl(fd, F_SETFD, FD_CLOEXEC);
  return fd;
#endif
}

}  // namespace

// Returns up to `max` accepted fds. An empty array means the queue is empty
// (EAGAIN). A hard error (EMFILE, EINVAL...) throws only when nothing was
// accepted yet; otherwise the batch is returned and the error surfaces on
// the next call.
Napi::Value AcceptBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SocketHandle* h = SocketHandle::From(info, 0);
  int32_t max = 0;
  if (h == nullptr || !ReadInt32(info, 1, "max", 1, kMaxBatch, &max)) return Napi::Value();
  Napi::Array out = Napi::Array::New(env);
  uint32_t count = 0;
  // Skipped dead connections count against the budget so this cannot spin.
  for (int32_t attempts = 0; attempts < 2 * max && count < static_cast<uint32_t>(max);) {
    int fd = AcceptOne(h->fd());
    if (fd == -1) {
      int err = errno;
      if (err == EINTR) continue;
      if (err == EAGAIN || err == EWOULDBLOCK) break;
      attempts++;
      // EOPNOTSUPP is also what a socket that cannot listen (udp) answers: only a listener's is a lost connection.
      if (IsConnectionError(err) && (err != EOPNOTSUPP || IsListening(h->fd()))) continue;
      if (count == 0) return ThrowErrno(env, err, "accept4");
      break;
    }
    attempts++;
    out.Set(count++, Napi::Number::New(env, fd));
  }
  return out;
}

// One receive (recvmsg(2), with SO_RXQ_OVFL's drop counter when the kernel
// sends it). EAGAIN is a result (null), not an error; it never blocks, even on
// a borrowed blocking fd. For datagrams, pass MSG_TRUNC so that `length` is
// the real size (on TCP it would discard).
Napi::Value Recvfrom(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SocketHandle* h = SocketHandle::From(info, 0, true, Need::kAny);
  int32_t max = 0, flags = 0;
  if (h == nullptr || !ReadInt32(info, 1, "max", 1, kMaxRecv, &max) || !ReadInt32(info, 2, "flags", 0, INT_MAX, &flags)) {
    return Napi::Value();
  }
  uint8_t* buffer = h->Scratch(static_cast<size_t>(max));
  SockAddr from;
  iovec iov = {buffer, static_cast<size_t>(max)};
  alignas(cmsghdr) uint8_t control[CMSG_SPACE(sizeof(uint32_t))];
  msghdr msg = {};
  msg.msg_name = from.get();
  msg.msg_namelen = sizeof(from.storage);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n;
  do {
    n = ::recvmsg(h->fd(), &msg, flags | MSG_DONTWAIT);
  } while (n == -1 && errno == EINTR);
  if (n == -1) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return env.Null();
    return ThrowErrno(env, errno, "recvfrom");
  }
  from.length = msg.msg_namelen;
  size_t kept = static_cast<size_t>(n) < static_cast<size_t>(max) ? static_cast<size_t>(n) : static_cast<size_t>(max);
  Napi::Object out = Napi::Object::New(env);
  out.Set("data", Napi::Buffer<uint8_t>::Copy(env, buffer, kept));
  // Connected stream sockets report no sender (length 0).
  out.Set("from", from.length > 0 ? Napi::Value(SockAddrToEndpoint(env, from)) : env.Null());
  out.Set("length", Napi::Number::New(env, static_cast<double>(n)));
  out.Set("drops", Napi::Number::New(env, static_cast<double>(DropCount(&msg))));
  return out;
}

Napi::Value Sendto(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = TargetFd(info, 0);
  Bytes data;
  int32_t flags = 0;
  if (fd < 0 || !ReadBytes(info, 1, "data", &data) || !ReadInt32(info, 2, "flags", 0, INT_MAX, &flags)) {
    return Napi::Value();
  }
  SockAddr to;
  bool has_target = !info[3].IsNull() && !info[3].IsUndefined();
  if (has_target && !EndpointToSockAddr(env, info[3], &to)) return Napi::Value();
  ssize_t n;
  do {
    // MSG_NOSIGNAL: a peer that left is EPIPE, never a process-killing SIGPIPE.
    // MSG_DONTWAIT: never blocks the event loop, even on a blocking fd.
    n = ::sendto(fd, data.data, data.length, flags | MSG_NOSIGNAL | MSG_DONTWAIT, has_target ? to.get() : nullptr,
                 has_target ? to.length : 0);
  } while (n == -1 && errno == EINTR);
  if (n == -1) return ThrowErrno(env, errno, "sendto");
  return Napi::Number::New(env, static_cast<double>(n));
}

}  // namespace sss
