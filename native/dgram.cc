#include "dgram.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

#include "args.h"
#include "errno.h"
#include "handle.h"
#include "sockaddr.h"
#include "syscalls.h"

namespace sss {

namespace {

constexpr int32_t kMaxMessages = 1024;
constexpr int32_t kMaxLength = 1 << 20;
// Receive memory per handle: 64 datagrams of 64 KiB (the defaults) fit; a
// larger batch × length gets fewer datagrams per call, never more memory.
constexpr size_t kBudget = 64 * 65536;

// A burst usually comes from one sender: consecutive datagrams from the same
// address share one endpoint object instead of formatting it again.
class SenderCache {
 public:
  Napi::Value Get(Napi::Env env, const SockAddr& from) {
    if (from.length == 0) return env.Null();
    if (!last_.IsEmpty() && from.length == addr_.length && std::memcmp(&from.storage, &addr_.storage, from.length) == 0) {
      return last_.Value();
    }
    addr_ = from;
    last_ = Napi::Persistent(SockAddrToEndpoint(env, from));
    return last_.Value();
  }

 private:
  SockAddr addr_;
  Napi::ObjectReference last_;
};

Napi::Object Message(Napi::Env env, const uint8_t* data, size_t kept, size_t length, Napi::Value from) {
  Napi::Object msg = Napi::Object::New(env);
  msg.Set("data", Napi::Buffer<uint8_t>::Copy(env, data, kept));
  msg.Set("from", from);
  msg.Set("length", Napi::Number::New(env, static_cast<double>(length)));
  return msg;
}

}  // namespace

int64_t DropCount(msghdr* msg) {
  int64_t drops = -1;
#ifdef SO_RXQ_OVFL
  for (cmsghdr* c = CMSG_FIRSTHDR(msg); c != nullptr; c = CMSG_NXTHDR(msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
      uint32_t value;
      std::memcpy(&value, CMSG_DATA(c), sizeof(value));
      drops = value;
    }
  }
#endif
  return drops;
}

Napi::Value RecvBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SocketHandle* h = SocketHandle::From(info, 0, true, Need::kAny);
  int32_t max_messages = 0, max_length = 0;
  if (h == nullptr || !ReadInt32(info, 1, "maxMessages", 1, kMaxMessages, &max_messages) ||
      !ReadInt32(info, 2, "maxLength", 1, kMaxLength, &max_length)) {
    return Napi::Value();
  }
  int fd = h->fd();
  size_t len = static_cast<size_t>(max_length);
  size_t fit = kBudget / len > 0 ? kBudget / len : 1;
  size_t n = static_cast<size_t>(max_messages) < fit ? static_cast<size_t>(max_messages) : fit;
  uint8_t* buffer = h->Scratch(n * len);
  std::vector<SockAddr> from(n);
  Napi::Array messages = Napi::Array::New(env);
  SenderCache senders;
  int64_t drops = -1;
#if defined(__linux__) && defined(SO_RXQ_OVFL)
  constexpr size_t kControl = CMSG_SPACE(sizeof(uint32_t));
  std::vector<uint8_t> control(n * kControl);
  std::vector<iovec> iov(n);
  std::vector<mmsghdr> msgs(n);
  for (size_t i = 0; i < n; i++) {
    iov[i] = {buffer + i * len, len};
    msgs[i].msg_hdr = {};
    msgs[i].msg_hdr.msg_name = from[i].get();
    msgs[i].msg_hdr.msg_namelen = sizeof(from[i].storage);
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_control = control.data() + i * kControl;
    msgs[i].msg_hdr.msg_controllen = kControl;
  }
  int got;
  do {
    // MSG_TRUNC: msg_len is the real size, so truncation is visible.
    got = ::recvmmsg(fd, msgs.data(), static_cast<unsigned>(n), MSG_DONTWAIT | MSG_TRUNC, nullptr);
  } while (got == -1 && errno == EINTR);
  if (got == -1 && errno != EAGAIN && errno != EWOULDBLOCK) return ThrowErrno(env, errno, "recvmmsg");
  for (int i = 0; i < got; i++) {
    int64_t counted = DropCount(&msgs[i].msg_hdr);
    if (counted >= 0) drops = counted;
    from[i].length = msgs[i].msg_hdr.msg_namelen;
    size_t length = msgs[i].msg_len;
    messages.Set(static_cast<uint32_t>(i), Message(env, buffer + i * len, length < len ? length : len, length, senders.Get(env, from[i])));
  }
#else
  for (size_t i = 0; i < n; i++) {
    from[i].length = sizeof(from[i].storage);
    ssize_t got;
    do {
      got = ::recvfrom(fd, buffer, len, MSG_DONTWAIT | MSG_TRUNC, from[i].get(), &from[i].length);
    } while (got == -1 && errno == EINTR);
    if (got == -1) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (i == 0) return ThrowErrno(env, errno, "recvfrom");
      break;
    }
    size_t length = static_cast<size_t>(got);
    messages.Set(static_cast<uint32_t>(i), Message(env, buffer, length < len ? length : len, length, senders.Get(env, from[i])));
  }
#endif
  Napi::Object out = Napi::Object::New(env);
  out.Set("messages", messages);
  out.Set("drops", Napi::Number::New(env, static_cast<double>(drops)));
  return out;
}

}  // namespace sss
