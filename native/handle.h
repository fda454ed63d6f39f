// SocketHandle: the JS object that owns one socket fd, plus the two small
// libuv handles that serve it (a readiness poll and a keep-alive).
// Close order is fixed here: stop poll -> close fd -> uv_close(handles).
#pragma once
#include <napi.h>
#include <sys/types.h>
#include <uv.h>

#include <memory>
#include <string>
#include <unordered_set>
#include <utility>

#include "file_id.h"

namespace sss {

class SocketHandle;

// Per-environment bookkeeping, shared with every handle and every libuv
// handle still closing, so that teardown order does not matter.
struct Registry {
  std::unordered_set<SocketHandle*> live;
  int closing = 0;                                   // uv_close() calls whose callback has not run yet
  napi_async_cleanup_hook_handle cleanup = nullptr;  // set while the env tears down
  int owners = 0;                                    // RegistryRefs pointing here
};

// A counted reference to a Registry. Not std::shared_ptr: every owner lives
// on the environment's one thread, and shared_ptr built with glibc >= 2.32
// needs __libc_single_threaded, which the older systems we support lack.
class RegistryRef {
 public:
  RegistryRef() = default;
  static RegistryRef Make() { return RegistryRef(new Registry()); }
  RegistryRef(const RegistryRef& other) : RegistryRef(other.registry_) {}
  RegistryRef& operator=(RegistryRef other) {
    std::swap(registry_, other.registry_);
    return *this;
  }
  ~RegistryRef() {
    if (registry_ != nullptr && --registry_->owners == 0) delete registry_;
  }
  Registry* operator->() const { return registry_; }
  explicit operator bool() const { return registry_ != nullptr; }

 private:
  explicit RegistryRef(Registry* registry) : registry_(registry) {
    if (registry_ != nullptr) registry_->owners++;
  }
  Registry* registry_ = nullptr;
};

struct AddonData {
  Napi::FunctionReference handle_constructor;
  Napi::FunctionReference error_constructor;  // setErrorConstructor(): SocketError
  RegistryRef registry = RegistryRef::Make();
};

// What a call needs of the handle it is given. Most calls act on sockets we
// own; the fd-level ones (names, options, shutdown, one send or receive) also
// take a borrowed handle: a socket Node owns (an accepted net.Socket's).
enum class Need { kOwned, kAny };

class SocketHandle : public Napi::ObjectWrap<SocketHandle> {
 public:
  static Napi::Function DefineClass(Napi::Env env);
  // A new JS handle that owns `fd` (ownership moves in even on failure).
  static Napi::Value Wrap(Napi::Env env, AddonData* data, int fd, bool owned = true);
  // The handle in info[index], type-checked; throws TypeError and returns
  // nullptr for anything else (a borrowed handle where an owned one is
  // needed: EPERM). With require_open, a closed handle is EBADF.
  static SocketHandle* From(const Napi::CallbackInfo& info, size_t index, bool require_open = true, Need need = Need::kOwned);
  static SocketHandle* FromValue(Napi::Env env, Napi::Value value, bool require_open = true, Need need = Need::kOwned);
  // Is `fd` the fd of a live, owning handle of any environment (thread) of this process?
  static bool IsOwnedByUs(AddonData* data, int fd);

  explicit SocketHandle(const Napi::CallbackInfo& info);
  ~SocketHandle() override;

  int fd() const { return fd_; }
  bool is_open() const { return fd_ >= 0; }
  bool owned() const { return owned_; }
  // Closes an owned fd (removing the socket file registered by
  // UnlinkOnClose, if it is still ours); a borrowed handle just lets go.
  void Close();
  int Release();  // gives the fd to the caller; the handle becomes closed
  // Remove the unix socket file at `path` when this handle closes the fd
  // (close(), garbage collection, environment teardown), if it is still the
  // file we bound (same device and inode). Release() hands the duty over.
  bool UnlinkOnClose(const std::string& path);
  // A receive buffer of at least `size` bytes, kept between calls (not zeroed).
  uint8_t* Scratch(size_t size);

  // Readiness: calls `callback(error, hangup)` each time the fd is readable
  // (error null) or the poll fails (a SocketError, syscall "poll"; libuv then
  // stops the poll), until StopPolling(); hangup is true once the peer or a
  // shutdown() closed the socket. Level-triggered: the caller stops when
  // nobody waits, so a consumer that does not come back costs one wake-up,
  // and an idle-but-active server costs no syscalls.
  //
  // The callback is held strongly while polling. Whether it holds the server
  // is JavaScript's choice (io/watch.ts holds it weakly while nobody waits,
  // so a forgotten server is still collected); a callback that returns false
  // says nobody is left, and the poll stops.
  int StartPolling(Napi::Function callback);
  void StopPolling();
  void SetKeepAlive(bool on);

 private:
  static void OnPoll(uv_poll_t* poll, int status, int events);
  void DropCallback();
  void Attach(AddonData* data, int fd, bool owned);

  void UnlinkFile();

  int fd_ = -1;
  bool owned_ = true;
  std::string unlink_path_;
  FileId unlink_file_;
  std::unique_ptr<uint8_t[]> scratch_;
  size_t scratch_size_ = 0;
  uv_loop_t* loop_ = nullptr;
  uv_poll_t* poll_ = nullptr;
  uv_async_t* keep_alive_ = nullptr;
  bool polling_ = false;  // uv_poll_start'ed and not stopped (by us or by an error)
  Napi::FunctionReference on_readable_;
  // Callbacks run in this async context, so async_hooks and
  // AsyncLocalStorage see a real resource, not the empty context.
  napi_async_context async_context_ = nullptr;
  RegistryRef registry_;
};

// Registers the async cleanup hook that closes every live handle when the
// environment (main thread or worker) shuts down.
void InstallCleanupHook(Napi::Env env, AddonData* data);

}  // namespace sss
