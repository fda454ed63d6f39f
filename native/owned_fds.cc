// A count per fd number, since a number closed behind a handle's back can be
// reused by another handle. The table is never freed: threads may still close
// handles while the process exits.
#include "owned_fds.h"

#include <atomic>
#include <unordered_map>

namespace sss {

namespace {

// A spin lock: held for one hash lookup, and free of the pthread symbols a
// std::mutex would add to the glibc floor.
std::atomic_flag lock_flag = ATOMIC_FLAG_INIT;

struct Lock {
  Lock() {
    while (lock_flag.test_and_set(std::memory_order_acquire)) {
    }
  }
  ~Lock() { lock_flag.clear(std::memory_order_release); }
};

std::unordered_map<int, int>& Counts() {
  static auto* counts = new std::unordered_map<int, int>();
  return *counts;
}

void Change(int fd, int by) {
  Lock lock;
  int& count = Counts()[fd];
  count += by;
  if (count <= 0) Counts().erase(fd);
}

}  // namespace

void OwnedFds::Add(int fd) {
  Change(fd, +1);
}

void OwnedFds::Remove(int fd) {
  Change(fd, -1);
}

bool OwnedFds::Has(int fd) {
  Lock lock;
  auto it = Counts().find(fd);
  return it != Counts().end() && it->second > 0;
}

}  // namespace sss
