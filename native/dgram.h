// Batched datagram receive: many datagrams per trip across Node-API.
#pragma once
#include <napi.h>

namespace sss {

// (h, maxMessages, maxLength) -> { messages: [{ data, from, length }], drops }
// `length` is the datagram's real size (above data.length when truncated);
// `drops` is the kernel's count of datagrams dropped on this socket for want
// of buffer space (SO_RXQ_OVFL; -1 when unknown). Empty on EAGAIN.
Napi::Value RecvBatch(const Napi::CallbackInfo& info);

}  // namespace sss
