// The one place that turns a C errno into the JS error: an instance of the
// class the TypeScript hands over at load (setErrorConstructor(SocketError)),
// built from { errno (positive), code ('EADDRINUSE'), syscall, reason
// (strerror text), address? }. The class is kept per environment (main
// thread, each worker).
#pragma once
#include <napi.h>

#include <string>

namespace sss {

// "EADDRINUSE" for 98; "UNKNOWN" for numbers outside the table.
const char* ErrnoName(int err);

// Empty if constructing it threw (that exception is pending) or the
// environment is going away.
Napi::Error MakeErrnoError(Napi::Env env, int err, const char* syscall);

// Throws and returns an empty value, so callers can `return ThrowErrno(...)`.
Napi::Value ThrowErrno(Napi::Env env, int err, const char* syscall);

// Resolver failures: code is the EAI_* name, errno the real errno for
// EAI_SYSTEM, else 0; address is the host that was looked up.
Napi::Value ThrowGaiError(Napi::Env env, int gai_err, int sys_err, const std::string& host);

// strerror(errno) for JS, which only has libuv's lower-case texts.
Napi::Value Strerror(const Napi::CallbackInfo& info);

// (constructor): the class every error above is an instance of from now on
// (in this environment); anything but a function is a TypeError.
Napi::Value SetErrorConstructor(const Napi::CallbackInfo& info);

}  // namespace sss
