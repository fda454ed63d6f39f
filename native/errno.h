// The one place that turns a C errno into the JS error shape
// { errno (positive), code ('EADDRINUSE'), syscall, reason (strerror text) }.
#pragma once
#include <napi.h>

namespace sss {

// "EADDRINUSE" for 98; "UNKNOWN" for numbers outside the table.
const char* ErrnoName(int err);

Napi::Error MakeErrnoError(Napi::Env env, int err, const char* syscall);

// Throws and returns an empty value, so callers can `return ThrowErrno(...)`.
Napi::Value ThrowErrno(Napi::Env env, int err, const char* syscall);

// Resolver failures: code is the EAI_* name, errno the real errno for EAI_SYSTEM, else 0.
Napi::Value ThrowGaiError(Napi::Env env, int gai_err, int sys_err);

// strerror(errno) for JS, which only has libuv's lower-case texts.
Napi::Value Strerror(const Napi::CallbackInfo& info);

}  // namespace sss
