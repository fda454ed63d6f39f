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

// One copy for the whole batch: the datagrams' kept bytes back to back in one
// Buffer, their real sizes, and their senders (a burst from one sender shares
// one endpoint object). JavaScript cuts the Buffer into views: a Buffer and an
// object made per datagram across Node-API cost more than the receive itself.
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
  std::vector<size_t> sizes(n);
  size_t got = 0;
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
  int count;
  do {
    // MSG_TRUNC: msg_len is the real size, so truncation is visible.
    count = ::recvmmsg(fd, msgs.data(), static_cast<unsigned>(n), MSG_DONTWAIT | MSG_TRUNC, nullptr);
  } while (count == -1 && errno == EINTR);
  if (count == -1 && errno != EAGAIN && errno != EWOULDBLOCK) return ThrowErrno(env, errno, "recvmmsg");
  for (int i = 0; i < count; i++) {
    int64_t counted = DropCount(&msgs[i].msg_hdr);
    if (counted >= 0) drops = counted;
    from[i].length = msgs[i].msg_hdr.msg_namelen;
    sizes[i] = msgs[i].msg_len;
  }
  got = count > 0 ? static_cast<size_t>(count) : 0;
#else
  for (; got < n; got++) {
    from[got].length = sizeof(from[got].storage);
    ssize_t one;
    do {
      one = ::recvfrom(fd, buffer + got * len, len, MSG_DONTWAIT | MSG_TRUNC, from[got].get(), &from[got].length);
    } while (one == -1 && errno == EINTR);
    if (one == -1) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || got > 0) break;
      return ThrowErrno(env, errno, "recvfrom");
    }
    sizes[got] = static_cast<size_t>(one);
  }
#endif
  size_t total = 0;
  for (size_t i = 0; i < got; i++) total += sizes[i] < len ? sizes[i] : len;
  Napi::Buffer<uint8_t> data = Napi::Buffer<uint8_t>::New(env, total);
  Napi::Array lengths = Napi::Array::New(env, got);
  Napi::Array senders = Napi::Array::New(env, got);
  SenderCache cache;
  size_t offset = 0;
  for (size_t i = 0; i < got; i++) {
    size_t kept = sizes[i] < len ? sizes[i] : len;
    std::memcpy(data.Data() + offset, buffer + i * len, kept);
    offset += kept;
    lengths.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(sizes[i])));
    senders.Set(static_cast<uint32_t>(i), cache.Get(env, from[i]));
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("data", data);
  out.Set("sizes", lengths);
  out.Set("from", senders);
  out.Set("drops", Napi::Number::New(env, static_cast<double>(drops)));
  // How many this call could take (the budget may allow fewer than asked): got == room means more may wait.
  out.Set("room", Napi::Number::New(env, static_cast<double>(n)));
  return out;
}

}  // namespace sss
