#include "sockaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cmath>
#include <cstring>
#include <string>

#include "args.h"

namespace sss {

namespace {

bool ReadIntProperty(Napi::Env env, Napi::Object obj, const char* key, double min, double max, bool optional, uint32_t* out) {
  Napi::Value v = obj.Get(key);
  if (env.IsExceptionPending()) return false;
  if (v.IsUndefined() && optional) return true;
  if (!v.IsNumber()) return Fail(env, std::string("endpoint.") + key + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::trunc(d) != d || d < min || d > max) {
    return Fail(env, std::string("endpoint.") + key + " is out of range", true);
  }
  *out = static_cast<uint32_t>(d);
  return true;
}

bool InetToSockAddr(Napi::Env env, Napi::Object obj, int family, SockAddr* out) {
  Napi::Value address = obj.Get("address");
  if (env.IsExceptionPending()) return false;
  if (!address.IsString()) return Fail(env, "endpoint.address must be a string");
  std::string text = address.As<Napi::String>().Utf8Value();
  uint32_t port = 0;
  if (!ReadIntProperty(env, obj, "port", 0, 65535, false, &port)) return false;

  if (family == AF_INET) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&out->storage);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, text.c_str(), &sin->sin_addr) != 1) {
      return Fail(env, "endpoint.address is not a numeric IPv4 address: " + text);
    }
    out->length = sizeof(sockaddr_in);
    return true;
  }
  uint32_t scope = 0;
  if (!ReadIntProperty(env, obj, "scopeId", 0, 4294967295.0, true, &scope)) return false;
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out->storage);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(static_cast<uint16_t>(port));
  sin6->sin6_scope_id = scope;
  if (inet_pton(AF_INET6, text.c_str(), &sin6->sin6_addr) != 1) {
    return Fail(env, "endpoint.address is not a numeric IPv6 address: " + text);
  }
  out->length = sizeof(sockaddr_in6);
  return true;
}

bool UnixToSockAddr(Napi::Env env, Napi::Object obj, SockAddr* out) {
  Napi::Value path = obj.Get("path");
  if (env.IsExceptionPending()) return false;
  Bytes bytes;
  if (!ReadBytesValue(env, path, "endpoint.path", &bytes)) return false;
  auto* sun = reinterpret_cast<sockaddr_un*>(&out->storage);
  // Policy (truncate or reject) is TypeScript's; here it only must fit.
  if (bytes.length > sizeof(sun->sun_path)) {
    return Fail(env, "endpoint.path is longer than sun_path (" + std::to_string(sizeof(sun->sun_path)) + " bytes)", true);
  }
  sun->sun_family = AF_UNIX;
  if (bytes.length > 0) std::memcpy(sun->sun_path, bytes.data, bytes.length);
  out->length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + bytes.length);
  return true;
}

}  // namespace

bool EndpointToSockAddr(Napi::Env env, Napi::Value value, SockAddr* out) {
  if (!value.IsObject()) return Fail(env, "endpoint must be an object");
  Napi::Object obj = value.As<Napi::Object>();
  uint32_t family = 0;
  if (!ReadIntProperty(env, obj, "family", 0, 65535, false, &family)) return false;
  *out = SockAddr();
  switch (static_cast<int>(family)) {
    case AF_INET:
    case AF_INET6: return InetToSockAddr(env, obj, static_cast<int>(family), out);
    case AF_UNIX: return UnixToSockAddr(env, obj, out);
    default: return Fail(env, "endpoint.family is not AF_INET, AF_INET6 or AF_UNIX", true);
  }
}

Napi::Object SockAddrToEndpoint(Napi::Env env, const SockAddr& addr) {
  Napi::Object obj = Napi::Object::New(env);
  int family = addr.storage.ss_family;
  obj.Set("family", Napi::Number::New(env, family));
  char text[INET6_ADDRSTRLEN] = "";
  if (family == AF_INET) {
    auto* sin = reinterpret_cast<const sockaddr_in*>(&addr.storage);
    inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text));
    obj.Set("address", Napi::String::New(env, text));
    obj.Set("port", Napi::Number::New(env, ntohs(sin->sin_port)));
  } else if (family == AF_INET6) {
    auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&addr.storage);
    inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof(text));
    obj.Set("address", Napi::String::New(env, text));
    obj.Set("port", Napi::Number::New(env, ntohs(sin6->sin6_port)));
    obj.Set("scopeId", Napi::Number::New(env, sin6->sin6_scope_id));
  } else if (family == AF_UNIX) {
    auto* sun = reinterpret_cast<const sockaddr_un*>(&addr.storage);
    size_t offset = offsetof(sockaddr_un, sun_path);
    size_t length = addr.length > offset ? addr.length - offset : 0;
    // Pathname sockets may carry a terminating NUL in the length; abstract
    // names (leading NUL) are binary and kept whole.
    if (length > 0 && sun->sun_path[0] != '\0') {
      length = strnlen(sun->sun_path, length);
    }
    obj.Set("path", Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(sun->sun_path), length));
  }
  return obj;
}

}  // namespace sss
