#include "handle.h"

#include <unistd.h>

#include "errno.h"
#include "file_id.h"
#include "owned_fds.h"

namespace sss {

namespace {

// Tags every SocketHandle so a foreign object is a TypeError, not a bad cast.
const napi_type_tag kHandleTag = {0x5e0c4e75e2a84a1bULL, 0x9d2f6a0c3b7e1d45ULL};

// Memory of a libuv handle outlives the SocketHandle: uv_close is async.
struct UvBox {
  union {
    uv_handle_t handle;
    uv_poll_t poll;
    uv_async_t async;
  };
  RegistryRef registry;
  SocketHandle* owner = nullptr;  // cleared before uv_close
};

void OnUvClosed(uv_handle_t* handle) {
  auto* box = static_cast<UvBox*>(handle->data);
  RegistryRef registry = box->registry;  // outlives the box
  delete box;
  if (--registry->closing == 0 && registry->cleanup != nullptr) {
    napi_remove_async_cleanup_hook(registry->cleanup);
    registry->cleanup = nullptr;
  }
}

template <typename T>
T* NewUvHandle(const RegistryRef& registry, SocketHandle* owner) {
  auto* box = new UvBox();
  box->registry = registry;
  box->owner = owner;
  box->handle.data = box;
  return reinterpret_cast<T*>(&box->handle);
}

template <typename T>
void CloseUvHandle(T** slot) {
  if (*slot == nullptr) return;
  auto* handle = reinterpret_cast<uv_handle_t*>(*slot);
  *slot = nullptr;
  auto* box = static_cast<UvBox*>(handle->data);
  box->owner = nullptr;
  box->registry->closing++;
  uv_close(handle, OnUvClosed);
}

// Nobody up the stack of a libuv callback could catch an exception: report
// it as uncaught, like Node does. Nothing is pending when the environment is
// going away; then there is nothing to report.
void ReportPendingException(Napi::Env env) {
  if (!env.IsExceptionPending()) return;
  napi_value error;
  napi_get_and_clear_last_exception(env, &error);
  napi_fatal_exception(env, error);
}

void OnEnvCleanup(napi_async_cleanup_hook_handle hook, void* arg) {
  auto registry = static_cast<AddonData*>(arg)->registry;
  // Close() erases from `live`, so iterate over a copy.
  auto live = registry->live;
  for (SocketHandle* handle : live) handle->Close();
  if (registry->closing == 0) {
    napi_remove_async_cleanup_hook(hook);
  } else {
    registry->cleanup = hook;  // removed by the last OnUvClosed
  }
}

}  // namespace

Napi::Function SocketHandle::DefineClass(Napi::Env env) {
  return ObjectWrap<SocketHandle>::DefineClass(env, "SocketHandle", {});
}

SocketHandle::SocketHandle(const Napi::CallbackInfo& info) : ObjectWrap<SocketHandle>(info) {
  napi_type_tag_object(info.Env(), info.This(), &kHandleTag);
}

SocketHandle::~SocketHandle() {
  Close();
  if (registry_) registry_->live.erase(this);
}

Napi::Value SocketHandle::Wrap(Napi::Env env, AddonData* data, int fd, bool owned) {
  Napi::Object obj = data->handle_constructor.New({});
  if (env.IsExceptionPending()) {
    if (owned) ::close(fd);
    return Napi::Value();
  }
  Unwrap(obj)->Attach(data, fd, owned);
  return obj;
}

bool SocketHandle::IsOwnedByUs(AddonData* data, int fd) {
  (void)data;
  return OwnedFds::Has(fd);
}

void SocketHandle::Attach(AddonData* data, int fd, bool owned) {
  fd_ = fd;
  owned_ = owned;
  if (owned) OwnedFds::Add(fd);
  registry_ = data->registry;
  registry_->live.insert(this);
  napi_get_uv_event_loop(Env(), &loop_);
}

SocketHandle* SocketHandle::From(const Napi::CallbackInfo& info, size_t index, bool require_open, Need need) {
  return FromValue(info.Env(), info[index], require_open, need);
}

SocketHandle* SocketHandle::FromValue(Napi::Env env, Napi::Value value, bool require_open, Need need) {
  bool tagged = false;
  if (value.IsObject()) napi_check_object_type_tag(env, value, &kHandleTag, &tagged);
  if (!tagged) {
    Napi::TypeError::New(env, "argument must be a SocketHandle").ThrowAsJavaScriptException();
    return nullptr;
  }
  SocketHandle* handle = Unwrap(value.As<Napi::Object>());
  if (require_open && !handle->is_open()) {
    ThrowErrno(env, EBADF, "handle");
    return nullptr;
  }
  if (need == Need::kOwned && !handle->owned_) {
    // A borrowed socket belongs to Node: no watching, binding or closing it here.
    ThrowErrno(env, EPERM, "handle");
    return nullptr;
  }
  return handle;
}

void SocketHandle::StopPolling() {
  if (poll_ != nullptr && polling_) uv_poll_stop(poll_);
  polling_ = false;
  DropCallback();
}

void SocketHandle::DropCallback() {
  on_readable_.Reset();
  if (async_context_ != nullptr) {
    napi_async_destroy(Env(), async_context_);
    async_context_ = nullptr;
  }
}

void SocketHandle::Close() {
  // Stop watching before the fd number can be reused by someone else.
  StopPolling();
  bool owned = owned_;
  std::string path = unlink_path_;  // Release() hands the duty over; closing keeps it
  int fd = Release();
  if (fd < 0 || !owned) return;
  ::close(fd);
  unlink_path_ = path;
  UnlinkFile();
}

int SocketHandle::Release() {
  StopPolling();
  CloseUvHandle(&poll_);
  CloseUvHandle(&keep_alive_);
  int fd = fd_;
  if (fd >= 0 && owned_) OwnedFds::Remove(fd);
  fd_ = -1;
  unlink_path_.clear();
  scratch_.reset();
  scratch_size_ = 0;
  if (registry_) registry_->live.erase(this);
  return fd;
}

bool SocketHandle::UnlinkOnClose(const std::string& path) {
  FileId file;
  int err = FileIdOfPath(path.c_str(), &file);
  if (err != 0) {
    errno = err;
    return false;
  }
  unlink_path_ = path;
  unlink_file_ = file;
  return true;
}

void SocketHandle::UnlinkFile() {
  if (unlink_path_.empty()) return;
  FileId now;
  // Only our own file: another process may have bound a new one there since.
  if (FileIdOfPath(unlink_path_.c_str(), &now) == 0 && now.socket && now.dev == unlink_file_.dev && now.ino == unlink_file_.ino) {
    ::unlink(unlink_path_.c_str());
  }
  unlink_path_.clear();
}

uint8_t* SocketHandle::Scratch(size_t size) {
  if (scratch_size_ < size) {
    scratch_.reset(new uint8_t[size]);  // not zeroed: the kernel writes before we read
    scratch_size_ = size;
  }
  return scratch_.get();
}

int SocketHandle::StartPolling(Napi::Function callback) {
  if (poll_ == nullptr) {
    auto* poll = NewUvHandle<uv_poll_t>(registry_, this);
    int err = uv_poll_init_socket(loop_, poll, fd_);
    if (err != 0) {
      delete static_cast<UvBox*>(poll->data);  // never initialised: no uv_close
      return err;
    }
    // Whether the process stays alive is the keep-alive's decision alone.
    uv_unref(reinterpret_cast<uv_handle_t*>(poll));
    poll_ = poll;
  }
  if (!polling_) {
    // UV_DISCONNECT: a listener that was shut down reports HUP while accept()
    // keeps saying EAGAIN; JS must learn that, or it would wait in vain.
    int err = uv_poll_start(poll_, UV_READABLE | UV_DISCONNECT, OnPoll);
    if (err != 0) return err;
    polling_ = true;
  }
  if (async_context_ == nullptr) {
    // A fresh resource object (not this handle: the context must not keep it alive).
    napi_value name = Napi::String::New(Env(), "stream-socket-server:poll");
    if (napi_async_init(Env(), nullptr, name, &async_context_) != napi_ok) async_context_ = nullptr;
  }
  on_readable_ = Napi::Persistent(callback);
  return 0;
}

void SocketHandle::OnPoll(uv_poll_t* poll, int status, int events) {
  SocketHandle* self = static_cast<UvBox*>(poll->data)->owner;
  if (self == nullptr) {
    uv_poll_stop(poll);
    return;
  }
  Napi::Env env = self->Env();
  Napi::HandleScope scope(env);
  if (status < 0) self->polling_ = false;  // libuv stopped the poll
  if (self->on_readable_.IsEmpty()) {
    self->StopPolling();
    return;
  }
  Napi::Function callback = self->on_readable_.Value();
  bool hangup = (events & UV_DISCONNECT) != 0;
  napi_value argv[] = {env.Null(), Napi::Boolean::New(env, hangup)};
  if (status < 0) {
    // libuv errors on Unix are negated errnos.
    Napi::Error error = MakeErrnoError(env, -status, "poll");
    if (error.IsEmpty()) return ReportPendingException(env);
    argv[0] = error.Value();
  }
  // MakeCallback (not Call) so that promises resolved here run their
  // continuations now instead of at the next unrelated I/O event.
  napi_value result = nullptr;
  napi_status called = napi_make_callback(env, self->async_context_, env.Global(), callback, 2, argv, &result);
  if (called != napi_ok) {
    // An exception, or an environment that is stopping (no result then).
    if (called == napi_pending_exception) ReportPendingException(env);
    return;
  }
  // false: the callback's owner is gone (collected); without this a queued
  // connection would keep waking a loop that has nobody to tell.
  // The callback may have closed the handle, or let it be collected: ask the box.
  bool keep = true;
  if (napi_get_value_bool(env, result, &keep) != napi_ok || keep) return;
  SocketHandle* owner = static_cast<UvBox*>(poll->data)->owner;
  if (owner != nullptr) owner->StopPolling();
}

void SocketHandle::SetKeepAlive(bool on) {
  if (!on) {
    CloseUvHandle(&keep_alive_);
    return;
  }
  if (keep_alive_ != nullptr || !is_open()) return;
  // An async handle that is never sent: active and referenced from init on,
  // so it holds the loop open exactly like a listening net.Server.
  auto* async = NewUvHandle<uv_async_t>(registry_, this);
  if (uv_async_init(loop_, async, nullptr) != 0) {
    delete static_cast<UvBox*>(async->data);
    return;
  }
  keep_alive_ = async;
}

void InstallCleanupHook(Napi::Env env, AddonData* data) {
  napi_add_async_cleanup_hook(env, OnEnvCleanup, data, nullptr);
}

}  // namespace sss
