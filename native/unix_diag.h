// The accept queue of a unix listener, which Linux reports only through
// sock_diag netlink (what `ss -xl` prints), not through getsockopt.
#pragma once
#include <napi.h>

namespace sss {

Napi::Value UnixQueue(const Napi::CallbackInfo& info);  // (h) -> { length, limit }

}  // namespace sss
