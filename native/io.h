// Data-path entry points: accept in batches, one recvfrom/sendto (on a
// handle we own, or one borrowed from Node).
#pragma once
#include <napi.h>

namespace sss {

Napi::Value AcceptBatch(const Napi::CallbackInfo& info);  // (h, max) -> fds
Napi::Value Recvfrom(const Napi::CallbackInfo& info);     // (h|b, max, flags) -> {data, from, length, drops} | null
Napi::Value Sendto(const Napi::CallbackInfo& info);       // (h|b, bytes, flags, endpoint|null) -> bytes sent

}  // namespace sss
