// Batched datagram receive: many datagrams per trip across Node-API.
#pragma once
#include <napi.h>
#include <sys/socket.h>

#include <cstdint>

namespace sss {

// (h, maxMessages, maxLength) -> { messages: [{ data, from, length }], drops }
// `length` is the datagram's real size (above data.length when truncated);
// `drops` is the kernel's count of datagrams dropped on this socket for want
// of buffer space (SO_RXQ_OVFL; -1 when unknown). Empty on EAGAIN.
// Datagrams per call are bounded so that maxMessages × maxLength fits a
// fixed budget (kept per handle and reused, never zero-filled).
Napi::Value RecvBatch(const Napi::CallbackInfo& info);

// The SO_RXQ_OVFL counter carried by a received message's control data; -1 if none.
int64_t DropCount(msghdr* msg);

}  // namespace sss
