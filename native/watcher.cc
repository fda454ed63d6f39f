#include "watcher.h"

#include "args.h"
#include "errno.h"
#include "handle.h"

namespace sss {

Napi::Value PollStart(const Napi::CallbackInfo& info) {
  SocketHandle* h = SocketHandle::From(info, 0);
  Napi::Function callback;
  if (h == nullptr || !ReadFunction(info, 1, "callback", &callback)) return Napi::Value();
  int err = h->StartPolling(callback);
  // libuv errors on Unix are negated errnos (UV_EEXIST == -EEXIST).
  if (err != 0) return ThrowErrno(info.Env(), -err, "uv_poll_start");
  return info.Env().Undefined();
}

Napi::Value PollStop(const Napi::CallbackInfo& info) {
  SocketHandle* h = SocketHandle::From(info, 0, false);
  if (h != nullptr) h->StopPolling();
  return info.Env().Undefined();
}

Napi::Value SetKeepAlive(const Napi::CallbackInfo& info) {
  SocketHandle* h = SocketHandle::From(info, 0, false);
  bool on = false;
  if (h == nullptr || !ReadBool(info, 1, "on", &on)) return Napi::Value();
  h->SetKeepAlive(on);
  return info.Env().Undefined();
}

}  // namespace sss
