#include "errno.h"

#include <netdb.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "args.h"
#include "handle.h"

namespace sss {

namespace {

struct Name {
  int value;
  const char* name;
};

#define SSS_ERRNO(e) \
  { e, #e }
// Every errno a socket syscall documents, plus the common file errors
// a unix socket path can produce.
const Name kErrnoNames[] = {
    SSS_ERRNO(EPERM),           SSS_ERRNO(ENOENT),       SSS_ERRNO(EINTR),        SSS_ERRNO(EIO),          SSS_ERRNO(EBADF),
    SSS_ERRNO(EAGAIN),          SSS_ERRNO(ENOMEM),       SSS_ERRNO(EACCES),       SSS_ERRNO(EFAULT),       SSS_ERRNO(EBUSY),
    SSS_ERRNO(EEXIST),          SSS_ERRNO(ENODEV),       SSS_ERRNO(ENOTDIR),      SSS_ERRNO(EISDIR),       SSS_ERRNO(EINVAL),
    SSS_ERRNO(ENFILE),          SSS_ERRNO(EMFILE),       SSS_ERRNO(ENOSPC),       SSS_ERRNO(EROFS),        SSS_ERRNO(EPIPE),
    SSS_ERRNO(ERANGE),          SSS_ERRNO(ENAMETOOLONG), SSS_ERRNO(ENOSYS),       SSS_ERRNO(ELOOP),        SSS_ERRNO(ENOTSOCK),
    SSS_ERRNO(EDESTADDRREQ),    SSS_ERRNO(EMSGSIZE),     SSS_ERRNO(EPROTOTYPE),   SSS_ERRNO(ENOPROTOOPT),  SSS_ERRNO(EPROTONOSUPPORT),
    SSS_ERRNO(ESOCKTNOSUPPORT), SSS_ERRNO(EOPNOTSUPP),   SSS_ERRNO(EPFNOSUPPORT), SSS_ERRNO(EAFNOSUPPORT), SSS_ERRNO(EADDRINUSE),
    SSS_ERRNO(EADDRNOTAVAIL),   SSS_ERRNO(ENETDOWN),     SSS_ERRNO(ENETUNREACH),  SSS_ERRNO(ENETRESET),    SSS_ERRNO(ECONNABORTED),
    SSS_ERRNO(ECONNRESET),      SSS_ERRNO(ENOBUFS),      SSS_ERRNO(EISCONN),      SSS_ERRNO(ENOTCONN),     SSS_ERRNO(ESHUTDOWN),
    SSS_ERRNO(ETIMEDOUT),       SSS_ERRNO(ECONNREFUSED), SSS_ERRNO(EHOSTDOWN),    SSS_ERRNO(EHOSTUNREACH), SSS_ERRNO(EALREADY),
    SSS_ERRNO(EINPROGRESS),     SSS_ERRNO(EPROTO),       SSS_ERRNO(ENOTSUP),
#ifdef ENONET
    SSS_ERRNO(ENONET),
#endif
};
#undef SSS_ERRNO

#define SSS_GAI(e) \
  { e, #e }
const Name kGaiNames[] = {
    SSS_GAI(EAI_AGAIN),      SSS_GAI(EAI_BADFLAGS), SSS_GAI(EAI_FAIL),     SSS_GAI(EAI_FAMILY), SSS_GAI(EAI_MEMORY),
    SSS_GAI(EAI_NONAME),     SSS_GAI(EAI_SERVICE),  SSS_GAI(EAI_SOCKTYPE), SSS_GAI(EAI_SYSTEM),
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

// { errno, code, syscall, reason, address? }: what SocketError's constructor takes.
Napi::Object ErrorInit(Napi::Env env, int err, const char* code, const char* syscall, const char* reason, const std::string* address) {
  Napi::Object init = Napi::Object::New(env);
  init.Set("errno", Napi::Number::New(env, err));
  init.Set("code", Napi::String::New(env, code));
  init.Set("syscall", Napi::String::New(env, syscall));
  init.Set("reason", Napi::String::New(env, reason));
  if (address != nullptr) init.Set("address", Napi::String::New(env, *address));
  return init;
}

// An instance of the class setErrorConstructor() handed over (SocketError),
// or, before that (the bare addon), a plain Error with the same fields and
// message. Empty if the constructor threw (that exception is then pending)
// or the environment is shutting down.
Napi::Error MakeError(Napi::Env env, int err, const char* code, const char* syscall, const char* reason,
                      const std::string* address = nullptr) {
  Napi::Object init = ErrorInit(env, err, code, syscall, reason, address);
  auto* data = env.GetInstanceData<AddonData>();
  if (data != nullptr && !data->error_constructor.IsEmpty()) {
    napi_value argv[] = {init};
    napi_value error = nullptr;
    if (napi_new_instance(env, data->error_constructor.Value(), 1, argv, &error) != napi_ok) {
      return Napi::Error();
    }
    return Napi::Error(env, error);
  }
  std::string where = address == nullptr ? "" : " " + *address;
  Napi::Error error = Napi::Error::New(env, std::string(syscall) + " " + code + where + ": " + reason);
  Napi::Object obj = error.Value();
  for (const char* key : {"errno", "code", "syscall", "reason", "address"}) {
    if (init.Has(key)) obj.Set(key, init.Get(key));
  }
  return error;
}

Napi::Value Throw(const Napi::Error& error) {
  if (!error.IsEmpty()) error.ThrowAsJavaScriptException();
  return Napi::Value();
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
  return Throw(MakeErrnoError(env, err, syscall));
}

Napi::Value Strerror(const Napi::CallbackInfo& info) {
  int32_t err = 0;
  if (!ReadInt32(info, 0, "errno", 0, 4095, &err)) return Napi::Value();
  return Napi::String::New(info.Env(), std::strerror(err));
}

Napi::Value ThrowGaiError(Napi::Env env, int gai_err, int sys_err, const std::string& host) {
  bool system = gai_err == EAI_SYSTEM;
  const char* reason = system ? std::strerror(sys_err) : gai_strerror(gai_err);
  return Throw(MakeError(env, system ? sys_err : 0, Lookup(kGaiNames, gai_err), "getaddrinfo", reason, &host));
}

Napi::Value SetErrorConstructor(const Napi::CallbackInfo& info) {
  Napi::Function constructor;
  if (!ReadFunction(info, 0, "constructor", &constructor)) return Napi::Value();
  static_cast<AddonData*>(info.Data())->error_constructor = Napi::Persistent(constructor);
  return info.Env().Undefined();
}

}  // namespace sss
