// Data-path entry points: accept in batches, one recvfrom/sendto (on a
// handle or a plain fd), and closing an accepted fd nobody took.
#pragma once
#include <napi.h>

namespace sss {

Napi::Value AcceptBatch(const Napi::CallbackInfo& info);  // (h, max) -> fds
Napi::Value Recvfrom(const Napi::CallbackInfo& info);     // (h|fd, max, flags) -> {data, from, length} | null
Napi::Value Sendto(const Napi::CallbackInfo& info);       // (h|fd, Buffer, flags, endpoint|null) -> bytes
Napi::Value CloseRaw(const Napi::CallbackInfo& info);     // (fd)

}  // namespace sss
