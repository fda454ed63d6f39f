// Unix sockets as Linux reports them through sock_diag netlink (what `ss -x`
// prints): the accept queue of a listener, which getsockopt does not give,
// and whether any socket is bound to a given socket file.
#pragma once
#include <napi.h>

namespace sss {

Napi::Value UnixQueue(const Napi::CallbackInfo& info);  // (h) -> { listening, length, limit }

// (dev: bigint, ino: bigint) of a socket file, as lstat gives them -> true if
// a socket of this network namespace, in any state or type, is bound to it.
// Never connects. ENOTSUP where there is no sock_diag.
Napi::Value UnixSocketBound(const Napi::CallbackInfo& info);

}  // namespace sss
