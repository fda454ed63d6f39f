// Every fd an owning handle holds, in any environment of the process (the
// main thread and each worker): adopt() in one thread must not take a socket
// another thread serves.
#pragma once

namespace sss {

class OwnedFds {
 public:
  static void Add(int fd);
  static void Remove(int fd);
  static bool Has(int fd);
};

}  // namespace sss
