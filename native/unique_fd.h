// RAII owner of one file descriptor: native error paths cannot leak it.
#pragma once
#include <unistd.h>

namespace sss {

class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Gives the fd away; this object no longer closes it.
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  // close() is never retried: on Linux the fd is gone even on EINTR.
  void reset() {
    int fd = release();
    if (fd >= 0) ::close(fd);
  }

 private:
  int fd_;
};

}  // namespace sss
