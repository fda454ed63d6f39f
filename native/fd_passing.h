// Passing sockets between processes over a unix stream socket (SCM_RIGHTS),
// and the one bounded blocking wait a synchronous opener may use.
#pragma once
#include <napi.h>

namespace sss {

Napi::Value SendHandles(const Napi::CallbackInfo& info);  // (h, data, handles[]) -> bytes sent
Napi::Value RecvHandles(const Napi::CallbackInfo& info);  // (h, maxData, maxHandles) -> { data, handles } | null
Napi::Value WaitFor(const Napi::CallbackInfo& info);      // (h, writable, timeoutMs) -> ready?

}  // namespace sss
