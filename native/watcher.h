// Readiness and liveness of a handle, for the pull-based accept loop.
#pragma once
#include <napi.h>

namespace sss {

Napi::Value WaitReadable(const Napi::CallbackInfo& info);  // (h, cb(errno)) one-shot
Napi::Value CancelWait(const Napi::CallbackInfo& info);    // (h)
Napi::Value SetKeepAlive(const Napi::CallbackInfo& info);  // (h, bool)

}  // namespace sss
