// JS endpoint objects <-> struct sockaddr.
//   inet: { family: AF_INET | AF_INET6, address: '::1', port: 80, scopeId?: 2 }
//   unix: { family: AF_UNIX, path: Buffer }  (raw bytes; a leading NUL is an
//         abstract name, an empty Buffer asks the kernel to autobind)
#pragma once
#include <napi.h>
#include <sys/socket.h>

namespace sss {

struct SockAddr {
  sockaddr_storage storage{};
  socklen_t length = 0;
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage); }
};

// Throws TypeError/RangeError and returns false on a malformed endpoint.
bool EndpointToSockAddr(Napi::Env env, Napi::Value value, SockAddr* out);

Napi::Object SockAddrToEndpoint(Napi::Env env, const SockAddr& addr);

}  // namespace sss
