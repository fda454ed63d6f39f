// JS entry points that each wrap one socket syscall (named after it, so the
// name becomes error.syscall). Failures throw the errno error shape.
// `h` is a SocketHandle we own; where marked `h|b`, a borrowed handle also
// works (borrow(): a socket Node owns). No entry takes a plain fd number
// except adopt() and borrow() (adopt.cc), which check it.
#pragma once
#include <napi.h>

namespace sss {

// The fd of the handle (owned or borrowed) in info[index]. Throws
// (TypeError/EBADF) and returns -1 otherwise.
int TargetFd(const Napi::CallbackInfo& info, size_t index);

Napi::Value Socket(const Napi::CallbackInfo& info);              // (family, type, protocol) -> handle
Napi::Value Setsockopt(const Napi::CallbackInfo& info);          // (h|b, level, name, int)
Napi::Value Getsockopt(const Napi::CallbackInfo& info);          // (h|b, level, name) -> int
Napi::Value SetsockoptBuffer(const Napi::CallbackInfo& info);    // (h|b, level, name, Buffer)
Napi::Value GetsockoptBuffer(const Napi::CallbackInfo& info);    // (h|b, level, name, maxLength) -> Buffer
Napi::Value AttachReuseportCpu(const Napi::CallbackInfo& info);  // (h): SO_ATTACH_REUSEPORT_CBPF by CPU
Napi::Value Bind(const Napi::CallbackInfo& info);                // (h, endpoint)
Napi::Value Connect(const Napi::CallbackInfo& info);             // (h, endpoint), non-blocking
Napi::Value Listen(const Napi::CallbackInfo& info);              // (h, backlog)
Napi::Value Getsockname(const Napi::CallbackInfo& info);         // (h|b) -> endpoint
Napi::Value Getpeername(const Napi::CallbackInfo& info);         // (h|b) -> endpoint
Napi::Value Shutdown(const Napi::CallbackInfo& info);            // (h|b, how)
Napi::Value TcpInfo(const Napi::CallbackInfo& info);             // (h) -> { state, unacked, sacked }
Napi::Value Getaddrinfo(const Napi::CallbackInfo& info);         // (host, family, socktype, numericOnly)
Napi::Value Close(const Napi::CallbackInfo& info);               // (h), idempotent
Napi::Value Release(const Napi::CallbackInfo& info);             // (h) -> fd, ownership moves out
Napi::Value Fd(const Napi::CallbackInfo& info);                  // (h|b) -> fd or -1

}  // namespace sss
