#include "errno.h"

#include "args.h"

#include <netdb.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace sss {

namespace {

struct Name {
  int value;
  const char* name;
};

#define SSS_ERRNO(e) {e, #e}
// Every errno a socket syscall documents, plus the common file errors
// a unix socket path can produce.
const Name kErrnoNames[] = {
    SSS_ERRNO(EPERM),        SSS_ERRNO(ENOENT),        SSS_ERRNO(EINTR),
    SSS_ERRNO(EIO),          SSS_ERRNO(EBADF),         SSS_ERRNO(EAGAIN),
    SSS_ERRNO(ENOMEM),       SSS_ERRNO(EACCES),        SSS_ERRNO(EFAULT),
    SSS_ERRNO(EBUSY),        SSS_ERRNO(EEXIST),        SSS_ERRNO(ENODEV),
    SSS_ERRNO(ENOTDIR),      SSS_ERRNO(EISDIR),        SSS_ERRNO(EINVAL),
    SSS_ERRNO(ENFILE),       SSS_ERRNO(EMFILE),        SSS_ERRNO(ENOSPC),
    SSS_ERRNO(EROFS),        SSS_ERRNO(EPIPE),         SSS_ERRNO(ERANGE),
    SSS_ERRNO(ENAMETOOLONG), SSS_ERRNO(ENOSYS),        SSS_ERRNO(ELOOP),
    SSS_ERRNO(ENOTSOCK),     SSS_ERRNO(EDESTADDRREQ),  SSS_ERRNO(EMSGSIZE),
    SSS_ERRNO(EPROTOTYPE),   SSS_ERRNO(ENOPROTOOPT),   SSS_ERRNO(EPROTONOSUPPORT),
    SSS_ERRNO(ESOCKTNOSUPPORT), SSS_ERRNO(EOPNOTSUPP), SSS_ERRNO(EPFNOSUPPORT),
    SSS_ERRNO(EAFNOSUPPORT), SSS_ERRNO(EADDRINUSE),    SSS_ERRNO(EADDRNOTAVAIL),
    SSS_ERRNO(ENETDOWN),     SSS_ERRNO(ENETUNREACH),   SSS_ERRNO(ENETRESET),
    SSS_ERRNO(ECONNABORTED), SSS_ERRNO(ECONNRESET),    SSS_ERRNO(ENOBUFS),
    SSS_ERRNO(EISCONN),      SSS_ERRNO(ENOTCONN),      SSS_ERRNO(ESHUTDOWN),
    SSS_ERRNO(ETIMEDOUT),    SSS_ERRNO(ECONNREFUSED),  SSS_ERRNO(EHOSTDOWN),
    SSS_ERRNO(EHOSTUNREACH), SSS_ERRNO(EALREADY),      SSS_ERRNO(EINPROGRESS),
    SSS_ERRNO(EPROTO),       SSS_ERRNO(ENOTSUP),
#ifdef ENONET
    SSS_ERRNO(ENONET),
#endif
};
#undef SSS_ERRNO

#define SSS_GAI(e) {e, #e}
const Name kGaiNames[] = {
    SSS_GAI(EAI_AGAIN),  SSS_GAI(EAI_BADFLAGS), SSS_GAI(EAI_FAIL),    SSS_GAI(EAI_FAMILY),
    SSS_GAI(EAI_MEMORY), SSS_GAI(EAI_NONAME),   SSS_GAI(EAI_SERVICE), SSS_GAI(EAI_SOCKTYPE),
    SSS_GAI(EAI_SYSTEM),
#ifdef EAI_NODATA
    SSS_GAI(EAI_NODATA),
#endif
#ifdef EAI_ADDRFAMILY
    SSS_GAI(EAI_ADDRFAMILY),
#endif
};
#undef SSS_GAI

template <size_t N>
const char* Lookup(const Name (&table)[N], int value) {
  for (const Name& n : table) {
    if (n.value == value) return n.name;
  }
  return "UNKNOWN";
}

Napi::Error MakeError(Napi::Env env, int err, const char* code, const char* syscall,
                      const char* reason) {
  Napi::Error error =
      Napi::Error::New(env, std::string(syscall) + " " + code + ": " + reason);
  Napi::Object obj = error.Value();
  obj.Set("errno", Napi::Number::New(env, err));
  obj.Set("code", Napi::String::New(env, code));
  obj.Set("syscall", Napi::String::New(env, syscall));
  obj.Set("reason", Napi::String::New(env, reason));
  return error;
}

}  // namespace

const char* ErrnoName(int err) {
  // EWOULDBLOCK and EOPNOTSUPP alias EAGAIN and ENOTSUP on Linux; the
  // table's first entry wins, which is the name the man pages use.
  return Lookup(kErrnoNames, err);
}

Napi::Error MakeErrnoError(Napi::Env env, int err, const char* syscall) {
  return MakeError(env, err, ErrnoName(err), syscall, std::strerror(err));
}

Napi::Value ThrowErrno(Napi::Env env, int err, const char* syscall) {
  MakeErrnoError(env, err, syscall).ThrowAsJavaScriptException();
  return Napi::Value();
}

Napi::Value Strerror(const Napi::CallbackInfo& info) {
  int32_t err = 0;
  if (!ReadInt32(info, 0, "errno", 0, 4095, &err)) return Napi::Value();
  return Napi::String::New(info.Env(), std::strerror(err));
}

Napi::Value ThrowGaiError(Napi::Env env, int gai_err, int sys_err) {
  bool system = gai_err == EAI_SYSTEM;
  const char* reason = system ? std::strerror(sys_err) : gai_strerror(gai_err);
  MakeError(env, system ? sys_err : 0, Lookup(kGaiNames, gai_err), "getaddrinfo", reason)
      .ThrowAsJavaScriptException();
  return Napi::Value();
}

}  // namespace sss
