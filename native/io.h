// Data-path entry points: accept in batches, and the two raw-fd helpers used
// before an accepted fd has an owner on the JS side.
#pragma once
#include <napi.h>

namespace sss {

Napi::Value AcceptBatch(const Napi::CallbackInfo& info);  // (h, max, withPeers) -> [...]
Napi::Value Recvfrom(const Napi::CallbackInfo& info);     // (h|fd, max, flags) -> {data, from, truncated} | null
Napi::Value Sendto(const Napi::CallbackInfo& info);       // (h|fd, Buffer, flags, endpoint|null) -> bytes
Napi::Value SendRaw(const Napi::CallbackInfo& info);      // (fd, Buffer) -> bytes sent
Napi::Value CloseRaw(const Napi::CallbackInfo& info);     // (fd)

}  // namespace sss
