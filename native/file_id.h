// Which file a path or an fd is (device, inode, is it a socket), without
// fstat/lstat: built against glibc >= 2.33 those become the symbols
// fstat64/lstat64, which older systems lack; statx (glibc 2.28) serves
// instead on Linux, stat elsewhere.
#pragma once
#include <cstdint>

namespace sss {

struct FileId {
  uint64_t dev = 0;  // as st_dev encodes it (makedev of major, minor)
  uint64_t ino = 0;
  bool socket = false;
};

// 0, or the errno. A path's symbolic link is not followed.
int FileIdOfPath(const char* path, FileId* out);
int FileIdOfFd(int fd, FileId* out);

}  // namespace sss
