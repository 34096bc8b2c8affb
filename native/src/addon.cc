// rnnlab native backend: the N-API module. It registers argument blocks, tells addresses,
// reports what it was built with (ABI version, kernel sets), and exports one function per op
// (napi_ops.cc). The rest lives in one file per job:
//   dispatch.{h,cc}      run-time ISA choice (CPUID), fp32 or bf16 GEMMs
//   parallel.h, pool.*   scratch arenas, thread counts, for_ranges; the thread pool
//   gemm_mt.*            threaded GEMM
//   recurrent_mt.*       threaded recurrent layers
//   napi_ops.cc          the op handlers over the generated argument structs (ops.gen.h)
//   kernels*.h, isa_*.cc the serial kernels, one table per ISA
//
// Calling convention. Tensors are plain ArrayBuffers allocated in JS (64-byte aligned views;
// V8 never moves an ArrayBuffer's backing store), and a tensor's `ptr` is the address of its
// element 0, obtained once at allocation with addressOf(). An op call passes no JS values at
// all: the JS side writes the op's arguments (addresses, sizes, scalars) into one Float64Array
// registered once with setArgs() (which returns a slot number), then calls e.g. gemm(slot).
// That costs one N-API call (~50 ns) with one small-integer argument instead of ~0.15 µs per
// typed-array unwrap. Addresses are < 2^53, exact in a double. The layout of each op's block
// is generated from the op table into ops.gen.h.
//
// Determinism: every output element is computed by exactly one thread, with a summation
// order that depends only on the shapes (fixed KC blocking in the GEMMs, fixed chunking of
// reductions), so results are identical for any thread count.
#include "addon.h"

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "dispatch.h"
#include "ops.gen.h"

namespace rnnlab {

namespace {

// Argument blocks registered by setArgs(), per N-API environment (main thread, each worker
// thread). Every op takes the block's slot number as its only argument, so two copies of the
// JS module in one process (each with its own block) can never read each other's arguments.
struct EnvData {
  std::vector<Napi::Reference<Napi::Float64Array>> refs;
  std::vector<double*> blocks;
};

Napi::Value SetArgs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    throw Napi::TypeError::New(env, "setArgs(Float64Array)");
  auto arr = info[0].As<Napi::Float64Array>();
  if (arr.ElementLength() < 32) throw Napi::RangeError::New(env, "setArgs: need at least 32 slots");
  auto* d = env.GetInstanceData<EnvData>();
  if (!d) {
    d = new EnvData();
    env.SetInstanceData<EnvData>(d);
  }
  d->refs.push_back(Napi::Persistent(arr));
  d->blocks.push_back(arr.Data());  // off-heap (getting Data() externalises it): never moves
  return Napi::Number::New(env, (double)(d->blocks.size() - 1));
}

Napi::Value AddressOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1) throw Napi::TypeError::New(env, "addressOf(ArrayBuffer | TypedArray)");
  uintptr_t p;
  if (info[0].IsArrayBuffer()) {
    p = (uintptr_t)info[0].As<Napi::ArrayBuffer>().Data();
  } else if (info[0].IsTypedArray()) {
    auto ta = info[0].As<Napi::TypedArray>();
    p = (uintptr_t)ta.ArrayBuffer().Data() + ta.ByteOffset();
  } else {
    throw Napi::TypeError::New(env, "addressOf(ArrayBuffer | TypedArray)");
  }
  return Napi::Number::New(env, (double)p);
}

// abi: the hash of the op table this addon was built from (ops.gen.h); the loader
// (src/backend/native/loader.ts) refuses an addon whose value differs from the table's.
Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int best = best_isa();
  auto o = Napi::Object::New(env);
  o.Set("abi", Napi::Number::New(env, (double)op::kAbiVersion));
  o.Set("best", kIsaNames[best]);
  o.Set("default", kIsaNames[default_isa()]);
  o.Set("bestIndex", best);
  o.Set("defaultIndex", default_isa());
  auto isas = Napi::Array::New(env);
  for (int i = 0; i <= best; ++i) isas.Set(i, kIsaNames[i]);
  o.Set("supported", isas);
  unsigned hc = std::thread::hardware_concurrency();
  o.Set("hardwareConcurrency", hc ? hc : 1);
  auto tiles = Napi::Object::New(env);
  for (int i = 0; i <= best; ++i) {
    const KernelTable* kt = table_for(i);
    tiles.Set(kIsaNames[i], std::to_string(kt->mr) + "x" + std::to_string(kt->nr) + " kc" + std::to_string(kt->kc));
  }
  o.Set("tiles", tiles);
  // --precision bf16: the GEMM each level runs, and the CPU facts that decided it.
  auto bf16 = Napi::Object::New(env);
  for (int i = 0; i <= best; ++i) bf16.Set(kIsaNames[i], kBf16KernelNames[bf16_kernel(i)]);
  o.Set("bf16Kernels", bf16);
  o.Set("avx512bf16", cpu_avx512bf16());
  o.Set("amxBf16", cpu_amx_bf16());
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New(env, Guard<Info>, "info"));
  exports.Set("setArgs", Napi::Function::New(env, Guard<SetArgs>, "setArgs"));
  exports.Set("addressOf", Napi::Function::New(env, Guard<AddressOf>, "addressOf"));
  register_ops(env, exports);
  return exports;
}

}  // namespace

double* args_block(const Napi::CallbackInfo& info) {
  auto* d = info.Env().GetInstanceData<EnvData>();
  const uint32_t slot = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Uint32Value() : ~0u;
  if (!d || slot >= d->blocks.size()) throw Napi::Error::New(info.Env(), "rnnlab native: unknown argument block (call setArgs first)");
  return d->blocks[slot];
}

}  // namespace rnnlab

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return rnnlab::Init(env, exports); }
NODE_API_MODULE(rnnlab_native, InitModule)
