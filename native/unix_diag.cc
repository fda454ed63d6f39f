#include "unix_diag.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "args.h"
#include "errno.h"
#include "handle.h"
#include "unique_fd.h"

#ifdef __linux__
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <sys/sysmacros.h>
#endif

namespace sss {
namespace {

// A bigint in 0..2**64-1: st_dev and st_ino are 64-bit, beyond a Number's 2**53.
bool ReadUint64(const Napi::CallbackInfo& info, size_t index, const char* what, uint64_t* out) {
  Napi::Value v = info[index];
  if (!v.IsBigInt()) return Fail(info.Env(), std::string(what) + " must be a bigint");
  bool lossless = false;
  *out = v.As<Napi::BigInt>().Uint64Value(&lossless);
  if (!lossless) return Fail(info.Env(), std::string(what) + " must be in 0..2**64-1", true);
  return true;
}

#ifdef __linux__
// The one sock_diag exchange for AF_UNIX: sends `request` (a lookup by socket
// inode, or with `dump` every socket of our network namespace) and hands each
// answer to `visit` until it returns true or the kernel is done. Returns 0 or
// an errno, with *syscall naming the step that failed.
int UnixDiag(unix_diag_req request, bool dump, const std::function<bool(nlmsghdr*)>& visit, const char** syscall) {
  *syscall = "socket";
  UniqueFd nl(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
  if (!nl.valid()) return errno;
  struct {
    nlmsghdr header;
    unix_diag_req request;
  } query{};
  query.header.nlmsg_len = sizeof(query);
  query.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  query.header.nlmsg_flags = NLM_F_REQUEST | (dump ? NLM_F_DUMP : 0);
  query.request = request;
  query.request.sdiag_family = AF_UNIX;
  query.request.udiag_cookie[0] = query.request.udiag_cookie[1] = ~0U;  // INET_DIAG_NOCOOKIE
  *syscall = "send";
  ssize_t n;
  do {
    n = ::send(nl.get(), &query, sizeof(query), 0);
  } while (n == -1 && errno == EINTR);
  if (n == -1) return errno;
  // A dump comes in several datagrams of whole messages, each at most 32 KiB.
  std::vector<uint32_t> words(32768 / sizeof(uint32_t));
  const size_t size = words.size() * sizeof(uint32_t);
  bool answered = false;
  for (;;) {
    *syscall = "recv";
    do {
      n = ::recv(nl.get(), words.data(), size, MSG_TRUNC);  // MSG_TRUNC: n is the real length
    } while (n == -1 && errno == EINTR);
    if (n == -1) return errno;
    if (static_cast<size_t>(n) > size) return EMSGSIZE;
    *syscall = "sock_diag";
    if (n == 0) return EPROTO;
    unsigned left = static_cast<unsigned>(n);
    for (auto* msg = reinterpret_cast<nlmsghdr*>(words.data()); NLMSG_OK(msg, left); msg = NLMSG_NEXT(msg, left)) {
      if (msg->nlmsg_type == NLMSG_DONE) return 0;
      if (msg->nlmsg_type == NLMSG_ERROR) {
        if (msg->nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr))) return EPROTO;
        int err = -static_cast<nlmsgerr*>(NLMSG_DATA(msg))->error;
        return err == 0 ? ENOENT : err;
      }
      if (msg->nlmsg_len < NLMSG_LENGTH(sizeof(unix_diag_msg))) return EPROTO;
      answered = true;
      if (visit(msg)) return 0;
    }
    if (!dump) return answered ? 0 : EPROTO;  // a lookup's answer is one message
  }
}

// The payload of attribute `type` of one answer if it holds `size` bytes, else nullptr.
const void* Attribute(nlmsghdr* msg, unsigned short type, size_t size) {
  auto* diag = static_cast<unix_diag_msg*>(NLMSG_DATA(msg));
  int len = static_cast<int>(msg->nlmsg_len - NLMSG_LENGTH(sizeof(*diag)));
  for (auto* attr = reinterpret_cast<rtattr*>(diag + 1); RTA_OK(attr, len); attr = RTA_NEXT(attr, len)) {
    if (attr->rta_type == type && RTA_PAYLOAD(attr) >= size) return RTA_DATA(attr);
  }
  return nullptr;
}

// The kernel reports the file's superblock dev in its own encoding (major <<
// 20 | minor) and both numbers cut to 32 bits; lstat's st_dev is the C
// library's, so compare major and minor. A cut inode may match another file:
// then the file counts as live, the safe side.
bool SameFile(const unix_diag_vfs& vfs, uint64_t dev, uint64_t ino) {
  return vfs.udiag_vfs_ino == static_cast<uint32_t>(ino) && vfs.udiag_vfs_dev >> 20 == major(dev) &&
         (vfs.udiag_vfs_dev & 0xfffff) == minor(dev);
}
#endif

}  // namespace

Napi::Value UnixQueue(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SocketHandle* h = SocketHandle::From(info, 0);
  if (h == nullptr) return Napi::Value();
#ifdef __linux__
  FileId file;
  int stat_err = FileIdOfFd(h->fd(), &file);
  if (stat_err != 0) return ThrowErrno(env, stat_err, "fstat");
  unix_diag_req request{};
  request.udiag_states = ~0U;
  request.udiag_ino = static_cast<uint32_t>(file.ino);
  request.udiag_show = UDIAG_SHOW_RQLEN;
  const void* found = nullptr;
  unix_diag_rqlen rq{};
  bool listening = false;
  const char* syscall = "";
  int err = UnixDiag(
      request, false,
      [&](nlmsghdr* msg) {
        found = Attribute(msg, UNIX_DIAG_RQLEN, sizeof(rq));
        if (found != nullptr) std::memcpy(&rq, found, sizeof(rq));
        listening = static_cast<unix_diag_msg*>(NLMSG_DATA(msg))->udiag_state == 10;  // TCP_LISTEN
        return true;
      },
      &syscall);
  if (err != 0) return ThrowErrno(env, err, syscall);
  if (found == nullptr) return ThrowErrno(env, ENOPROTOOPT, "sock_diag");
  Napi::Object out = Napi::Object::New(env);
  // For a listener: rqueue = connections waiting, wqueue = the backlog.
  out.Set("listening", Napi::Boolean::New(env, listening));
  out.Set("length", Napi::Number::New(env, rq.udiag_rqueue));
  out.Set("limit", Napi::Number::New(env, rq.udiag_wqueue));
  return out;
#else
  return ThrowErrno(env, ENOPROTOOPT, "sock_diag");
#endif
}

Napi::Value UnixSocketBound(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t dev = 0;
  uint64_t ino = 0;
  if (!ReadUint64(info, 0, "dev", &dev) || !ReadUint64(info, 1, "ino", &ino)) return Napi::Value();
#ifdef __linux__
  // Bound-not-listening, listening, connected, datagram: any state counts.
  unix_diag_req request{};
  request.udiag_states = ~0U;
  request.udiag_show = UDIAG_SHOW_VFS;
  bool bound = false;
  const char* syscall = "";
  int err = UnixDiag(
      request, true,
      [&](nlmsghdr* msg) {
        const void* vfs = Attribute(msg, UNIX_DIAG_VFS, sizeof(unix_diag_vfs));
        if (vfs == nullptr) return false;  // unbound or abstract
        unix_diag_vfs v;
        std::memcpy(&v, vfs, sizeof(v));
        bound = SameFile(v, dev, ino);
        return bound;
      },
      &syscall);
  if (err != 0) return ThrowErrno(env, err, syscall);
  return Napi::Boolean::New(env, bound);
#else
  // No way to tell without connecting: the caller must not take it for stale.
  return ThrowErrno(env, ENOTSUP, "sock_diag");
#endif
}

}  // namespace sss
