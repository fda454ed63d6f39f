// SCM_RIGHTS both ways. The fds sent are taken from handles (never plain
// numbers); the fds received become owning handles at once, so a message
// the caller drops, or a process that dies, leaks nothing.
#include "fd_passing.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <vector>

#include "args.h"
#include "errno.h"
#include "handle.h"

namespace sss {

namespace {

// Few sockets travel per message (a process's listeners); the cap keeps the
// control buffer small and fixed.
constexpr int32_t kMaxHandles = 64;
constexpr int32_t kMaxData = 1 << 20;

AddonData* Data(const Napi::CallbackInfo& info) {
  return static_cast<AddonData*>(info.Data());
}

void CloseAll(const int* fds, size_t count) {
  for (size_t i = 0; i < count; i++) ::close(fds[i]);
}

}  // namespace

// One sendmsg(2) of `data` with the fds of `handles` attached. Never blocks
// (MSG_DONTWAIT) and never raises SIGPIPE; the handles keep their fds.
Napi::Value SendHandles(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SocketHandle* h = SocketHandle::From(info, 0);
  Bytes data;
  if (h == nullptr || !ReadBytes(info, 1, "data", &data)) return Napi::Value();
  if (!info[2].IsArray()) {
    Fail(env, "handles must be an array");
    return Napi::Value();
  }
  Napi::Array list = info[2].As<Napi::Array>();
  if (list.Length() > static_cast<uint32_t>(kMaxHandles)) {
    Fail(env, "at most " + std::to_string(kMaxHandles) + " handles per message", true);
    return Napi::Value();
  }
  if (data.length == 0) {
    Fail(env, "data must not be empty (the fds travel with at least one byte)", true);
    return Napi::Value();
  }
  // Handles first, fds last: reading the list may run JS (a getter) that closes a handle read before.
  std::vector<SocketHandle*> handles;
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Value item = list.Get(i);
    if (env.IsExceptionPending()) return Napi::Value();
    SocketHandle* each = SocketHandle::FromValue(env, item);
    if (each == nullptr) return Napi::Value();
    handles.push_back(each);
  }
  std::vector<int> fds;
  for (SocketHandle* each : handles) {
    if (!each->is_open()) return ThrowErrno(env, EBADF, "sendmsg");
    fds.push_back(each->fd());
  }
  iovec iov = {const_cast<uint8_t*>(data.data), data.length};
  alignas(cmsghdr) uint8_t control[CMSG_SPACE(sizeof(int) * kMaxHandles)];
  msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (!fds.empty()) {
    std::memset(control, 0, sizeof(control));
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(cmsg), fds.data(), sizeof(int) * fds.size());
  }
  ssize_t n;
  do {
    n = ::sendmsg(h->fd(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (n == -1 && errno == EINTR);
  if (n == -1) return ThrowErrno(env, errno, "sendmsg");
  return Napi::Number::New(env, static_cast<double>(n));
}

// One recvmsg(2), never blocking: null on EAGAIN, else { data, handles }
// (data empty at EOF). Received fds are close-on-exec, non-blocking and
// owned by new handles; if the sender attached more than `maxHandles` (MSG_CTRUNC), the
// ones that arrived are closed and EMSGSIZE is thrown.
Napi::Value RecvHandles(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SocketHandle* h = SocketHandle::From(info, 0);
  int32_t max_data = 0, max_handles = 0;
  if (h == nullptr || !ReadInt32(info, 1, "maxData", 1, kMaxData, &max_data) ||
      !ReadInt32(info, 2, "maxHandles", 0, kMaxHandles, &max_handles)) {
    return Napi::Value();
  }
  uint8_t* buffer = h->Scratch(static_cast<size_t>(max_data));
  iovec iov = {buffer, static_cast<size_t>(max_data)};
  alignas(cmsghdr) uint8_t control[CMSG_SPACE(sizeof(int) * kMaxHandles)];
  msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = CMSG_SPACE(sizeof(int) * static_cast<size_t>(max_handles > 0 ? max_handles : 1));
  int flags = MSG_DONTWAIT;
#ifdef MSG_CMSG_CLOEXEC
  flags |= MSG_CMSG_CLOEXEC;
#endif
  ssize_t n;
  do {
    n = ::recvmsg(h->fd(), &msg, flags);
  } while (n == -1 && errno == EINTR);
  if (n == -1) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return env.Null();
    return ThrowErrno(env, errno, "recvmsg");
  }
  std::vector<int> fds;
  for (cmsghdr* cmsg = CMSG_FIRSTHDR(&msg); cmsg != nullptr; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
    if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    const uint8_t* at = CMSG_DATA(cmsg);
    for (size_t i = 0; i < count; i++) {
      int fd;
      std::memcpy(&fd, at + i * sizeof(int), sizeof(int));
      fds.push_back(fd);
    }
  }
  if ((msg.msg_flags & MSG_CTRUNC) != 0 || static_cast<int32_t>(fds.size()) > max_handles) {
    CloseAll(fds.data(), fds.size());
    return ThrowErrno(env, EMSGSIZE, "recvmsg");
  }
  for (int fd : fds) {
#ifndef MSG_CMSG_CLOEXEC
    fcntl(fd, F_SETFD, FD_CLOEXEC);
#endif
    // Non-blocking like every socket we own: an accept or receive on it must never block the loop,
    // whatever the sender did (the flag belongs to the open file description it shares).
    int flags = fcntl(fd, F_GETFL);
    if (flags != -1) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  }
  Napi::Array handles = Napi::Array::New(env, fds.size());
  for (size_t i = 0; i < fds.size(); i++) {
    // Ownership moves into the handle even if wrapping fails; the rest are closed here.
    Napi::Value handle = SocketHandle::Wrap(env, Data(info), fds[i], true);
    if (handle.IsEmpty()) {
      CloseAll(fds.data() + i + 1, fds.size() - i - 1);
      return Napi::Value();
    }
    handles.Set(static_cast<uint32_t>(i), handle);
  }
  Napi::Object out = Napi::Object::New(env);
  size_t kept = static_cast<size_t>(n) < static_cast<size_t>(max_data) ? static_cast<size_t>(n) : static_cast<size_t>(max_data);
  out.Set("data", Napi::Buffer<uint8_t>::Copy(env, buffer, kept));
  out.Set("handles", handles);
  return out;
}

// poll(2) one fd for `timeoutMs` (0..60000): true when it is readable (or
// writable), or has an error or hangup the next call will report. This
// blocks the thread: only for the synchronous openers (a handover taken at
// start-up), always with a deadline.
Napi::Value WaitFor(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SocketHandle* h = SocketHandle::From(info, 0);
  bool writable = false;
  int32_t timeout = 0;
  if (h == nullptr || !ReadBool(info, 1, "writable", &writable) || !ReadInt32(info, 2, "timeoutMs", 0, 60000, &timeout)) {
    return Napi::Value();
  }
  pollfd p = {h->fd(), static_cast<short>(writable ? POLLOUT : POLLIN), 0};
  uint64_t deadline = uv_hrtime() + static_cast<uint64_t>(timeout) * 1000000u;
  int r;
  for (;;) {
    r = ::poll(&p, 1, timeout);
    if (r != -1 || errno != EINTR) break;
    uint64_t now = uv_hrtime();  // a signal cuts the wait short: wait out what is left, not the whole again
    if (now >= deadline) {
      r = 0;
      break;
    }
    timeout = static_cast<int32_t>((deadline - now) / 1000000u);
  }
  if (r == -1) return ThrowErrno(env, errno, "poll");
  return Napi::Boolean::New(env, r > 0);
}

}  // namespace sss
