// libstdc++ from GCC 11 on makes std::allocator (so std::vector and
// std::string) call std::__throw_bad_array_new_length, a function only its
// own libstdc++ (GLIBCXX_3.4.29) exports. Defining it here keeps the addon
// loadable with the libstdc++ of GCC 8 (RHEL 8, Debian 10), the oldest
// systems Node 20 runs on. It is only reached for an array larger than
// memory, which this addon never asks for; exceptions are off, so abort as
// any other failed allocation does.
#include <cstdlib>
#include <new>

#if defined(__GLIBCXX__) && defined(_GLIBCXX_RELEASE) && _GLIBCXX_RELEASE >= 11
namespace std {
[[noreturn]] void __throw_bad_array_new_length() {
  std::abort();
}
}  // namespace std
#endif
