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

inline bool ReadBuffer(const Napi::CallbackInfo& info, size_t index, const char* what, Napi::Buffer<uint8_t>* out) {
  Napi::Value v = info[index];
  if (!v.IsBuffer()) return Fail(info.Env(), std::string(what) + " must be a Buffer");
  *out = v.As<Napi::Buffer<uint8_t>>();
  return true;
}

}  // namespace sss
