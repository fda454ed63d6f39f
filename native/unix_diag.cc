#include "unix_diag.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "errno.h"
#include "handle.h"
#include "unique_fd.h"

#ifdef __linux__
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#endif

namespace sss {

Napi::Value UnixQueue(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SocketHandle* h = SocketHandle::From(info, 0);
  if (h == nullptr) return Napi::Value();
#ifdef __linux__
  struct stat st;
  if (::fstat(h->fd(), &st) == -1) return ThrowErrno(env, errno, "fstat");
  UniqueFd nl(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
  if (!nl.valid()) return ThrowErrno(env, errno, "socket");
  struct {
    nlmsghdr header;
    unix_diag_req request;
  } query{};
  query.header.nlmsg_len = sizeof(query);
  query.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  query.header.nlmsg_flags = NLM_F_REQUEST;
  query.request.sdiag_family = AF_UNIX;
  query.request.udiag_states = ~0U;
  query.request.udiag_ino = static_cast<uint32_t>(st.st_ino);
  query.request.udiag_show = UDIAG_SHOW_RQLEN;
  query.request.udiag_cookie[0] = query.request.udiag_cookie[1] = ~0U;  // INET_DIAG_NOCOOKIE
  if (::send(nl.get(), &query, sizeof(query), 0) == -1) return ThrowErrno(env, errno, "send");
  alignas(nlmsghdr) char buffer[8192];
  ssize_t n;
  do {
    n = ::recv(nl.get(), buffer, sizeof(buffer), 0);
  } while (n == -1 && errno == EINTR);
  if (n == -1) return ThrowErrno(env, errno, "recv");
  auto* msg = reinterpret_cast<nlmsghdr*>(buffer);
  if (!NLMSG_OK(msg, static_cast<unsigned>(n))) return ThrowErrno(env, EPROTO, "recv");
  if (msg->nlmsg_type == NLMSG_ERROR) {
    int err = -reinterpret_cast<nlmsgerr*>(NLMSG_DATA(msg))->error;
    return ThrowErrno(env, err == 0 ? ENOENT : err, "sock_diag");
  }
  auto* diag = reinterpret_cast<unix_diag_msg*>(NLMSG_DATA(msg));
  int attr_len = static_cast<int>(msg->nlmsg_len - NLMSG_LENGTH(sizeof(*diag)));
  for (auto* attr = reinterpret_cast<rtattr*>(diag + 1); RTA_OK(attr, attr_len); attr = RTA_NEXT(attr, attr_len)) {
    if (attr->rta_type != UNIX_DIAG_RQLEN) continue;
    unix_diag_rqlen rq;
    std::memcpy(&rq, RTA_DATA(attr), sizeof(rq));
    Napi::Object out = Napi::Object::New(env);
    // For a listener: rqueue = connections waiting, wqueue = the backlog.
    out.Set("listening", Napi::Boolean::New(env, diag->udiag_state == 10 /* TCP_LISTEN */));
    out.Set("length", Napi::Number::New(env, rq.udiag_rqueue));
    out.Set("limit", Napi::Number::New(env, rq.udiag_wqueue));
    return out;
  }
  return ThrowErrno(env, ENOPROTOOPT, "sock_diag");
#else
  return ThrowErrno(env, ENOPROTOOPT, "sock_diag");
#endif
}

}  // namespace sss
