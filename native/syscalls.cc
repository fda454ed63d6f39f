#include "syscalls.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#ifdef __linux__
#include <linux/filter.h>
#endif
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <string>

#include "args.h"
#include "errno.h"
#include "handle.h"
#include "sockaddr.h"
#include "unique_fd.h"

namespace sss {

namespace {

AddonData* Data(const Napi::CallbackInfo& info) {
  return static_cast<AddonData*>(info.Data());
}

int OpenSocket(int family, int type, int protocol) {
#ifdef SOCK_CLOEXEC
  return ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
#else
  UniqueFd fd(::socket(family, type, protocol));
  if (!fd.valid()) return -1;
  if (fcntl(fd.get(), F_SETFD, FD_CLOEXEC) == -1) return -1;
  int flags = fcntl(fd.get(), F_GETFL);
  if (flags == -1 || fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK) == -1) return -1;
  return fd.release();
#endif
}

using NameCall = int (*)(int, sockaddr*, socklen_t*);

Napi::Value SocketName(const Napi::CallbackInfo& info, NameCall call, const char* syscall) {
  int fd = TargetFd(info, 0);
  if (fd < 0) return Napi::Value();
  SockAddr addr;
  addr.length = sizeof(addr.storage);
  if (call(fd, addr.get(), &addr.length) == -1) return ThrowErrno(info.Env(), errno, syscall);
  return SockAddrToEndpoint(info.Env(), addr);
}

}  // namespace

// The fd of an open handle, owned or borrowed. Plain fd numbers never get
// here: they become handles through adopt() or borrow(), which check them.
int TargetFd(const Napi::CallbackInfo& info, size_t index) {
  SocketHandle* h = SocketHandle::From(info, index, true, Need::kAny);
  return h == nullptr ? -1 : h->fd();
}

Napi::Value Socket(const Napi::CallbackInfo& info) {
  int32_t family = 0, type = 0, protocol = 0;
  if (!ReadInt32(info, 0, "family", 0, INT_MAX, &family) || !ReadInt32(info, 1, "type", 0, INT_MAX, &type) ||
      !ReadInt32(info, 2, "protocol", 0, INT_MAX, &protocol)) {
    return Napi::Value();
  }
  int fd = OpenSocket(family, type, protocol);
  if (fd == -1) return ThrowErrno(info.Env(), errno, "socket");
  return SocketHandle::Wrap(info.Env(), Data(info), fd);
}

Napi::Value Setsockopt(const Napi::CallbackInfo& info) {
  int fd = TargetFd(info, 0);
  int32_t level = 0, name = 0, value = 0;
  if (fd < 0 || !ReadInt32(info, 1, "level", 0, INT_MAX, &level) || !ReadInt32(info, 2, "name", 0, INT_MAX, &name) ||
      !ReadInt32(info, 3, "value", INT_MIN, INT_MAX, &value)) {
    return Napi::Value();
  }
  int v = value;
  if (::setsockopt(fd, level, name, &v, sizeof(v)) == -1) {
    return ThrowErrno(info.Env(), errno, "setsockopt");
  }
  return info.Env().Undefined();
}

Napi::Value Getsockopt(const Napi::CallbackInfo& info) {
  int fd = TargetFd(info, 0);
  int32_t level = 0, name = 0;
  if (fd < 0 || !ReadInt32(info, 1, "level", 0, INT_MAX, &level) || !ReadInt32(info, 2, "name", 0, INT_MAX, &name)) {
    return Napi::Value();
  }
  int v = 0;
  socklen_t len = sizeof(v);
  if (::getsockopt(fd, level, name, &v, &len) == -1) {
    return ThrowErrno(info.Env(), errno, "getsockopt");
  }
  return Napi::Number::New(info.Env(), v);
}

// Options whose value is not an int (SO_BINDTODEVICE: an interface name).
Napi::Value SetsockoptBuffer(const Napi::CallbackInfo& info) {
  int fd = TargetFd(info, 0);
  int32_t level = 0, name = 0;
  Bytes value;
  if (fd < 0 || !ReadInt32(info, 1, "level", 0, INT_MAX, &level) || !ReadInt32(info, 2, "name", 0, INT_MAX, &name) ||
      !ReadBytes(info, 3, "value", &value)) {
    return Napi::Value();
  }
  if (value.length > 65536) return ThrowErrno(info.Env(), EINVAL, "setsockopt");  // no option value is that large
  if (::setsockopt(fd, level, name, value.data, static_cast<socklen_t>(value.length)) == -1) {
    return ThrowErrno(info.Env(), errno, "setsockopt");
  }
  return info.Env().Undefined();
}

Napi::Value GetsockoptBuffer(const Napi::CallbackInfo& info) {
  int fd = TargetFd(info, 0);
  int32_t level = 0, name = 0, max = 0;
  if (fd < 0 || !ReadInt32(info, 1, "level", 0, INT_MAX, &level) || !ReadInt32(info, 2, "name", 0, INT_MAX, &name) ||
      !ReadInt32(info, 3, "maxLength", 1, 4096, &max)) {
    return Napi::Value();
  }
  std::string buffer(static_cast<size_t>(max), '\0');
  socklen_t len = static_cast<socklen_t>(max);
  if (::getsockopt(fd, level, name, buffer.data(), &len) == -1) return ThrowErrno(info.Env(), errno, "getsockopt");
  return Napi::Buffer<uint8_t>::Copy(info.Env(), reinterpret_cast<const uint8_t*>(buffer.data()), len);
}

// SO_ATTACH_REUSEPORT_CBPF with the classic program "return the current CPU":
// the kernel then picks, among the sockets of a SO_REUSEPORT group, the one
// whose index is the CPU that received the connection (modulo the group size).
Napi::Value AttachReuseportCpu(const Napi::CallbackInfo& info) {
  SocketHandle* h = SocketHandle::From(info, 0);
  if (h == nullptr) return Napi::Value();
#if defined(__linux__) && defined(SO_ATTACH_REUSEPORT_CBPF)
  sock_filter code[] = {
      {BPF_LD | BPF_W | BPF_ABS, 0, 0, static_cast<uint32_t>(SKF_AD_OFF + SKF_AD_CPU)},
      {BPF_RET | BPF_A, 0, 0, 0},
  };
  sock_fprog program = {static_cast<unsigned short>(sizeof(code) / sizeof(code[0])), code};
  if (::setsockopt(h->fd(), SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &program, sizeof(program)) == -1) {
    return ThrowErrno(info.Env(), errno, "setsockopt");
  }
  return info.Env().Undefined();
#else
  return ThrowErrno(info.Env(), ENOPROTOOPT, "setsockopt");
#endif
}

Napi::Value Bind(const Napi::CallbackInfo& info) {
  SocketHandle* h = SocketHandle::From(info, 0);
  SockAddr addr;
  if (h == nullptr || !EndpointToSockAddr(info.Env(), info[1], &addr)) return Napi::Value();
  if (::bind(h->fd(), addr.get(), addr.length) == -1) return ThrowErrno(info.Env(), errno, "bind");
  return info.Env().Undefined();
}

Napi::Value Connect(const Napi::CallbackInfo& info) {
  SocketHandle* h = SocketHandle::From(info, 0);
  SockAddr addr;
  if (h == nullptr || !EndpointToSockAddr(info.Env(), info[1], &addr)) return Napi::Value();
  int rc;
  do {
    rc = ::connect(h->fd(), addr.get(), addr.length);
  } while (rc == -1 && errno == EINTR);
  // Non-blocking: EINPROGRESS/EAGAIN are errors here too; the caller decides.
  if (rc == -1) return ThrowErrno(info.Env(), errno, "connect");
  return info.Env().Undefined();
}

Napi::Value Listen(const Napi::CallbackInfo& info) {
  SocketHandle* h = SocketHandle::From(info, 0);
  int32_t backlog = 0;
  // Any C int: negative asks the kernel for its maximum (somaxconn).
  if (h == nullptr || !ReadInt32(info, 1, "backlog", INT_MIN, INT_MAX, &backlog)) {
    return Napi::Value();
  }
  if (::listen(h->fd(), backlog) == -1) return ThrowErrno(info.Env(), errno, "listen");
  return info.Env().Undefined();
}

Napi::Value Getsockname(const Napi::CallbackInfo& info) {
  return SocketName(info, ::getsockname, "getsockname");
}

Napi::Value Getpeername(const Napi::CallbackInfo& info) {
  return SocketName(info, ::getpeername, "getpeername");
}

Napi::Value Shutdown(const Napi::CallbackInfo& info) {
  int fd = TargetFd(info, 0);
  int32_t how = 0;
  if (fd < 0 || !ReadInt32(info, 1, "how", 0, 2, &how)) return Napi::Value();
  if (::shutdown(fd, how) == -1) return ThrowErrno(info.Env(), errno, "shutdown");
  return info.Env().Undefined();
}

Napi::Value TcpInfo(const Napi::CallbackInfo& info) {
  SocketHandle* h = SocketHandle::From(info, 0);
  if (h == nullptr) return Napi::Value();
#if defined(__linux__) && defined(TCP_INFO)
  tcp_info ti{};
  socklen_t len = sizeof(ti);
  if (::getsockopt(h->fd(), IPPROTO_TCP, TCP_INFO, &ti, &len) == -1) {
    return ThrowErrno(info.Env(), errno, "getsockopt");
  }
  // On a listener, Linux reports the accept queue in these two fields:
  // unacked = connections waiting, sacked = the backlog limit.
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("state", ti.tcpi_state);
  out.Set("unacked", ti.tcpi_unacked);
  out.Set("sacked", ti.tcpi_sacked);
  return out;
#else
  return ThrowErrno(info.Env(), ENOPROTOOPT, "getsockopt");
#endif
}

Napi::Value Getaddrinfo(const Napi::CallbackInfo& info) {
  std::string host;
  int32_t family = 0, socktype = 0;
  bool numeric_only = false;
  if (!ReadString(info, 0, "host", &host) || !ReadInt32(info, 1, "family", 0, INT_MAX, &family) ||
      !ReadInt32(info, 2, "socktype", 0, INT_MAX, &socktype) || !ReadBool(info, 3, "numericOnly", &numeric_only)) {
    return Napi::Value();
  }
  if (host.find('\0') != std::string::npos) return ThrowGaiError(info.Env(), EAI_NONAME, 0, host);
  addrinfo hints{};
  hints.ai_family = family;
  hints.ai_socktype = socktype;
  hints.ai_flags = numeric_only ? AI_NUMERICHOST : 0;
  addrinfo* list = nullptr;
  // Blocking by design: only called for the synchronous open of a server.
  errno = 0;
  int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &list);
  int sys_err = errno;  // meaningful for EAI_SYSTEM only
  if (rc != 0) return ThrowGaiError(info.Env(), rc, sys_err, host);
  Napi::Array out = Napi::Array::New(info.Env());
  uint32_t n = 0;
  for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    SockAddr addr;
    std::memcpy(&addr.storage, ai->ai_addr, ai->ai_addrlen);
    addr.length = ai->ai_addrlen;
    out.Set(n++, SockAddrToEndpoint(info.Env(), addr));
  }
  freeaddrinfo(list);
  return out;
}

Napi::Value Close(const Napi::CallbackInfo& info) {
  SocketHandle* h = SocketHandle::From(info, 0, false, Need::kAny);
  if (h != nullptr) h->Close();
  return info.Env().Undefined();
}

Napi::Value Release(const Napi::CallbackInfo& info) {
  SocketHandle* h = SocketHandle::From(info, 0);  // owned only: a borrowed fd is not ours to give
  if (h == nullptr) return Napi::Value();
  return Napi::Number::New(info.Env(), h->Release());
}

Napi::Value Fd(const Napi::CallbackInfo& info) {
  SocketHandle* h = SocketHandle::From(info, 0, false, Need::kAny);
  if (h == nullptr) return Napi::Value();
  return Napi::Number::New(info.Env(), h->fd());
}

}  // namespace sss
