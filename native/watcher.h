// Readiness and liveness of a handle, for the pull-based accept loop.
#pragma once
#include <napi.h>

namespace sss {

Napi::Value PollStart(const Napi::CallbackInfo& info);     // (h, cb(error | null, hangup)) until pollStop, or cb returns false
Napi::Value PollStop(const Napi::CallbackInfo& info);      // (h)
Napi::Value SetKeepAlive(const Napi::CallbackInfo& info);  // (h, bool)

}  // namespace sss
