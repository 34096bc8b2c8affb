// What the module (addon.cc: argument blocks, addressOf, info) and the op handlers
// (napi_ops.cc) share.
#pragma once
#include <napi.h>

#include <exception>
#include <new>
#include <string>

namespace rnnlab {

// The argument block registered under the slot number the call passes (setArgs), or a JS error.
double* args_block(const Napi::CallbackInfo& info);

// Adds one function per op the addon has a kernel for, named as the op (napi_ops.cc).
void register_ops(Napi::Env env, Napi::Object exports);

// C++ exceptions other than Napi::Error (std::bad_alloc from a scratch buffer) become JS errors.
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value Guard(const Napi::CallbackInfo& info) {
  try {
    return F(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Napi::Error::New(info.Env(), "rnnlab native: out of memory for scratch buffers");
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("rnnlab native: ") + e.what());
  }
}

}  // namespace rnnlab
