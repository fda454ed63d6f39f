// The two doors from an fd number to a handle: adopt() (an owning handle,
// only for a socket that is ours to own) and borrow() (a handle on a socket
// Node owns, for the fd-level calls), and the socket-file duty of a handle.
// No other entry point takes a plain fd.
#include "adopt.h"

#include <fcntl.h>
#include <uv.h>

#include <cerrno>
#include <climits>
#include <string>

#include "args.h"
#include "errno.h"
#include "handle.h"

namespace sss {

namespace {

AddonData* Data(const Napi::CallbackInfo& info) {
  return static_cast<AddonData*>(info.Data());
}

// The fd in info[0] if it is an open socket (EBADF, ENOTSOCK otherwise).
bool ReadSocketFd(const Napi::CallbackInfo& info, const char* syscall, int* out) {
  int32_t fd = -1;
  if (!ReadInt32(info, 0, "fd", 0, INT_MAX, &fd)) return false;
  FileId file;
  int err = FileIdOfFd(fd, &file);
  if (err == 0 && !file.socket) err = ENOTSOCK;
  if (err != 0) {
    ThrowErrno(info.Env(), err, syscall);
    return false;
  }
  *out = fd;
  return true;
}

// Does the event loop of `env` watch `fd` (libuv has an I/O watcher on it)?
bool WatchedByLoop(Napi::Env env, int fd) {
#ifndef _WIN32
  // libuv keeps its I/O watchers in an array indexed by fd (uv_loop_t's
  // private fields, the same in every libuv Node 20+ ships).
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) return true;
  return fd >= 0 && static_cast<unsigned>(fd) < loop->nwatchers && loop->watchers[fd] != nullptr;
#else
  return false;
#endif
}

}  // namespace

// fd -> an owning handle, for an fd that is ours to own: a socket (checked),
// not already a live handle's, and not one the event loop watches (closing
// an fd libuv polls would abort the process at its next epoll_ctl). Made
// non-blocking and close-on-exec, like every socket we open.
Napi::Value Adopt(const Napi::CallbackInfo& info) {
  int fd = -1;
  if (!ReadSocketFd(info, "adopt", &fd)) return Napi::Value();
  if (SocketHandle::IsOwnedByUs(Data(info), fd) || WatchedByLoop(info.Env(), fd)) return ThrowErrno(info.Env(), EBUSY, "adopt");
  int flags = fcntl(fd, F_GETFL);
  if (flags == -1 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1 || fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
    return ThrowErrno(info.Env(), errno, "fcntl");
  }
  return SocketHandle::Wrap(info.Env(), Data(info), fd, true);
}

// fd -> a borrowed handle for the fd-level calls on a socket Node owns (an
// accepted net.Socket's): it never closes, watches or binds the fd, and
// sends and receives never block even if the fd does.
Napi::Value Borrow(const Napi::CallbackInfo& info) {
  int fd = -1;
  if (!ReadSocketFd(info, "borrow", &fd)) return Napi::Value();
  return SocketHandle::Wrap(info.Env(), Data(info), fd, false);
}

// (h, path Buffer): remove that socket file when h closes its fd, if still ours.
Napi::Value UnlinkOnClose(const Napi::CallbackInfo& info) {
  SocketHandle* h = SocketHandle::From(info, 0);
  Bytes path;
  if (h == nullptr || !ReadBytes(info, 1, "path", &path)) return Napi::Value();
  std::string text(reinterpret_cast<const char*>(path.data), path.length);
  if (text.empty() || text.find('\0') != std::string::npos) return ThrowErrno(info.Env(), EINVAL, "lstat");
  if (!h->UnlinkOnClose(text)) return ThrowErrno(info.Env(), errno, "lstat");
  return info.Env().Undefined();
}

}  // namespace sss
