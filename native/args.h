// Argument validators for native entry points. Each returns false after
// throwing a TypeError/RangeError, so callers write `if (!Read...) return {};`.
#pragma once
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <string>

namespace sss {

inline bool Fail(Napi::Env env, const std::string& message, bool range = false) {
  if (range) {
    Napi::RangeError::New(env, message).ThrowAsJavaScriptException();
  } else {
    Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  }
  return false;
}

inline bool ReadInt32(const Napi::CallbackInfo& info, size_t index, const char* what, int64_t min, int64_t max, int32_t* out) {
  Napi::Value v = info[index];
  if (!v.IsNumber()) return Fail(info.Env(), std::string(what) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  // Strict: 1.5, NaN and 2**40 are errors, not silently coerced.
  if (!std::isfinite(d) || std::trunc(d) != d) {
    return Fail(info.Env(), std::string(what) + " must be an integer", true);
  }
  if (d < static_cast<double>(min) || d > static_cast<double>(max)) {
    return Fail(info.Env(), std::string(what) + " must be in " + std::to_string(min) + ".." + std::to_string(max), true);
  }
  *out = static_cast<int32_t>(d);
  return true;
}

inline bool ReadBool(const Napi::CallbackInfo& info, size_t index, const char* what, bool* out) {
  Napi::Value v = info[index];
  if (!v.IsBoolean()) return Fail(info.Env(), std::string(what) + " must be a boolean");
  *out = v.As<Napi::Boolean>().Value();
  return true;
}

inline bool ReadString(const Napi::CallbackInfo& info, size_t index, const char* what, std::string* out) {
  Napi::Value v = info[index];
  if (!v.IsString()) return Fail(info.Env(), std::string(what) + " must be a string");
  *out = v.As<Napi::String>().Utf8Value();
  return true;
}

inline bool ReadFunction(const Napi::CallbackInfo& info, size_t index, const char* what, Napi::Function* out) {
  Napi::Value v = info[index];
  if (!v.IsFunction()) return Fail(info.Env(), std::string(what) + " must be a function");
  *out = v.As<Napi::Function>();
  return true;
}

// Bytes of any ArrayBufferView (Buffer, every TypedArray kind, DataView),
// borrowed for the duration of the call. A detached view reads as empty.
struct Bytes {
  const uint8_t* data = nullptr;
  size_t length = 0;
};

inline size_t ElementSize(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array:
    case napi_uint8_array:
    case napi_uint8_clamped_array: return 1;
    case napi_int16_array:
    case napi_uint16_array: return 2;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array: return 4;
    default: return 8;  // float64, bigint64, biguint64 (and any wider kind to come)
  }
}

inline bool ReadBytesValue(Napi::Env env, Napi::Value v, const std::string& what, Bytes* out) {
  bool is_typed = false, is_view = false;
  napi_is_typedarray(env, v, &is_typed);
  if (!is_typed) napi_is_dataview(env, v, &is_view);
  void* data = nullptr;
  size_t bytes = 0;
  if (is_typed) {
    napi_typedarray_type type;
    size_t length = 0;
    if (napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr) != napi_ok) {
      return Fail(env, what + " could not be read");
    }
    bytes = length * ElementSize(type);
  } else if (is_view) {
    if (napi_get_dataview_info(env, v, &bytes, &data, nullptr, nullptr) != napi_ok) return Fail(env, what + " could not be read");
  } else {
    return Fail(env, what + " must be a Buffer, TypedArray or DataView");
  }
  out->data = static_cast<const uint8_t*>(data);
  out->length = data == nullptr ? 0 : bytes;
  return true;
}

inline bool ReadBytes(const Napi::CallbackInfo& info, size_t index, const char* what, Bytes* out) {
  return ReadBytesValue(info.Env(), info[index], what, out);
}

}  // namespace sss
