#include "file_id.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>

namespace sss {

namespace {

#ifdef __linux__
int Identify(int dirfd, const char* path, int flags, FileId* out) {
  struct statx st;
  if (::statx(dirfd, path, flags | AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_INO, &st) == -1) return errno;
  out->dev = makedev(st.stx_dev_major, st.stx_dev_minor);
  out->ino = st.stx_ino;
  out->socket = S_ISSOCK(st.stx_mode);
  return 0;
}
#else
int Identify(const struct stat& st, FileId* out) {
  out->dev = static_cast<uint64_t>(st.st_dev);
  out->ino = static_cast<uint64_t>(st.st_ino);
  out->socket = S_ISSOCK(st.st_mode);
  return 0;
}
#endif

}  // namespace

int FileIdOfPath(const char* path, FileId* out) {
#ifdef __linux__
  return Identify(AT_FDCWD, path, 0, out);
#else
  struct stat st;
  return ::lstat(path, &st) == -1 ? errno : Identify(st, out);
#endif
}

int FileIdOfFd(int fd, FileId* out) {
#ifdef __linux__
  return Identify(fd, "", AT_EMPTY_PATH, out);
#else
  struct stat st;
  return ::fstat(fd, &st) == -1 ? errno : Identify(st, out);
#endif
}

}  // namespace sss
