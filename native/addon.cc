// Module init: the export table and per-environment state. Context-aware
// (NAPI_MODULE_INIT), so it loads in worker_threads, each with its own data.
#include <napi.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "adopt.h"
#include "dgram.h"
#include "errno.h"
#include "fd_passing.h"
#include "handle.h"
#include "io.h"
#include "syscalls.h"
#include "unix_diag.h"
#include "watcher.h"

namespace sss {
namespace {

// Numbers the TypeScript layer needs. An option this platform lacks is
// simply absent; TypeScript reports it as ENOPROTOOPT.
Napi::Object Constants(Napi::Env env) {
  Napi::Object c = Napi::Object::New(env);
#define SSS_CONST(name) c.Set(#name, Napi::Number::New(env, name))
  SSS_CONST(AF_INET);
  SSS_CONST(AF_INET6);
  SSS_CONST(AF_UNIX);
  SSS_CONST(AF_UNSPEC);
  SSS_CONST(SOCK_STREAM);
  SSS_CONST(SOCK_DGRAM);
  SSS_CONST(SOL_SOCKET);
  SSS_CONST(IPPROTO_IP);
  SSS_CONST(IPPROTO_IPV6);
  SSS_CONST(IPPROTO_TCP);
  SSS_CONST(IPPROTO_UDP);
  SSS_CONST(SOMAXCONN);
  SSS_CONST(SO_REUSEADDR);
  SSS_CONST(SO_RCVBUF);
  SSS_CONST(SO_SNDBUF);
  SSS_CONST(SO_KEEPALIVE);
  SSS_CONST(SO_LINGER);
  SSS_CONST(SO_BROADCAST);
  SSS_CONST(SO_TYPE);
  SSS_CONST(SO_ERROR);
  SSS_CONST(SO_ACCEPTCONN);
#ifdef SO_DOMAIN
  SSS_CONST(SO_DOMAIN);
#endif
#ifdef SO_PEERCRED
  SSS_CONST(SO_PEERCRED);
#endif
  SSS_CONST(IPV6_V6ONLY);
  SSS_CONST(TCP_NODELAY);
  SSS_CONST(SHUT_RD);
  SSS_CONST(SHUT_WR);
  SSS_CONST(SHUT_RDWR);
  SSS_CONST(MSG_OOB);
  SSS_CONST(MSG_PEEK);
  SSS_CONST(MSG_DONTWAIT);
  SSS_CONST(MSG_TRUNC);
#ifdef SO_REUSEPORT
  SSS_CONST(SO_REUSEPORT);
#endif
#ifdef SO_INCOMING_CPU
  SSS_CONST(SO_INCOMING_CPU);
#endif
#ifdef SO_BINDTODEVICE
  SSS_CONST(SO_BINDTODEVICE);
#endif
#ifdef IP_FREEBIND
  SSS_CONST(IP_FREEBIND);
#endif
#ifdef IPV6_FREEBIND
  SSS_CONST(IPV6_FREEBIND);
#endif
#ifdef IP_TRANSPARENT
  SSS_CONST(IP_TRANSPARENT);
#endif
#ifdef IPV6_TRANSPARENT
  SSS_CONST(IPV6_TRANSPARENT);
#endif
#ifdef SO_RXQ_OVFL
  SSS_CONST(SO_RXQ_OVFL);
#endif
#ifdef TCP_DEFER_ACCEPT
  SSS_CONST(TCP_DEFER_ACCEPT);
#endif
#ifdef TCP_FASTOPEN
  SSS_CONST(TCP_FASTOPEN);
#endif
#ifdef TCP_KEEPIDLE
  SSS_CONST(TCP_KEEPIDLE);
  SSS_CONST(TCP_KEEPINTVL);
  SSS_CONST(TCP_KEEPCNT);
#endif
#ifdef TCP_USER_TIMEOUT
  SSS_CONST(TCP_USER_TIMEOUT);
#endif
#ifdef TCP_INFO
  SSS_CONST(TCP_INFO);
  c.Set("TCP_STATE_LISTEN", Napi::Number::New(env, 10));     // TCP_LISTEN in linux/tcp.h
  c.Set("TCP_STATE_CLOSE_WAIT", Napi::Number::New(env, 8));  // TCP_CLOSE_WAIT: the peer sent its FIN
#endif
#undef SSS_CONST
  return c;
}

void Export(Napi::Env env, Napi::Object exports, AddonData* data, const char* name, Napi::Value (*fn)(const Napi::CallbackInfo&)) {
  exports.Set(name, Napi::Function::New(env, fn, name, data));
}

}  // namespace
}  // namespace sss

NAPI_MODULE_INIT() {
  using namespace sss;
  Napi::Env e(env);
  Napi::Object exports_obj(env, exports);
  auto* data = new AddonData();
  e.SetInstanceData<AddonData>(data);  // deleted by Node when the env ends
  data->handle_constructor = Napi::Persistent(SocketHandle::DefineClass(e));
  InstallCleanupHook(e, data);

  Export(e, exports_obj, data, "socket", Socket);
  Export(e, exports_obj, data, "setsockopt", Setsockopt);
  Export(e, exports_obj, data, "getsockopt", Getsockopt);
  Export(e, exports_obj, data, "setsockoptBuffer", SetsockoptBuffer);
  Export(e, exports_obj, data, "getsockoptBuffer", GetsockoptBuffer);
  Export(e, exports_obj, data, "attachReuseportCpu", AttachReuseportCpu);
  Export(e, exports_obj, data, "bind", Bind);
  Export(e, exports_obj, data, "connect", Connect);
  Export(e, exports_obj, data, "listen", Listen);
  Export(e, exports_obj, data, "getsockname", Getsockname);
  Export(e, exports_obj, data, "getpeername", Getpeername);
  Export(e, exports_obj, data, "shutdown", Shutdown);
  Export(e, exports_obj, data, "tcpInfo", TcpInfo);
  Export(e, exports_obj, data, "unixQueue", UnixQueue);
  Export(e, exports_obj, data, "unixSocketBound", UnixSocketBound);
  Export(e, exports_obj, data, "getaddrinfo", Getaddrinfo);
  Export(e, exports_obj, data, "close", Close);
  Export(e, exports_obj, data, "release", Release);
  Export(e, exports_obj, data, "fd", Fd);
  Export(e, exports_obj, data, "adopt", Adopt);
  Export(e, exports_obj, data, "borrow", Borrow);
  Export(e, exports_obj, data, "unlinkOnClose", UnlinkOnClose);
  Export(e, exports_obj, data, "acceptBatch", AcceptBatch);
  Export(e, exports_obj, data, "recvfrom", Recvfrom);
  Export(e, exports_obj, data, "recvBatch", RecvBatch);
  Export(e, exports_obj, data, "sendto", Sendto);
  Export(e, exports_obj, data, "sendHandles", SendHandles);
  Export(e, exports_obj, data, "recvHandles", RecvHandles);
  Export(e, exports_obj, data, "waitFor", WaitFor);
  Export(e, exports_obj, data, "pollStart", PollStart);
  Export(e, exports_obj, data, "pollStop", PollStop);
  Export(e, exports_obj, data, "setKeepAlive", SetKeepAlive);
  Export(e, exports_obj, data, "strerror", Strerror);
  Export(e, exports_obj, data, "setErrorConstructor", SetErrorConstructor);
  exports_obj.Set("constants", Constants(e));
  return exports;
}
