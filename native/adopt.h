// fd numbers -> handles (see adopt.cc). `h` is a SocketHandle we own.
#pragma once
#include <napi.h>

namespace sss {

Napi::Value Adopt(const Napi::CallbackInfo& info);          // (fd) -> owning handle
Napi::Value Borrow(const Napi::CallbackInfo& info);         // (fd) -> borrowed handle
Napi::Value UnlinkOnClose(const Napi::CallbackInfo& info);  // (h, path)

}  // namespace sss
