# Native backend for rnnlab. Built by scripts/build-native.mjs (`npm install` runs it), which
# copies build/Release/rnnlab_native.node to <package>/build/Release/.
#
# Per-ISA kernels are separate static libraries so each gets its own -m flags; the addon picks
# one at run time with __builtin_cpu_supports. Never -march=native: the binary must run on
# any x86-64. On other architectures only the portable kernels are compiled.
{
  "variables": {
    "isa_common": ["-O3", "-fPIC", "-ffp-contract=off", "-fno-math-errno", "-fno-exceptions", "-fno-rtti", "-std=c++17"],
  },
  "targets": [
    {
      "target_name": "rnnlab_isa_scalar",
      "type": "static_library",
      "sources": ["src/isa_scalar.cc"],
      "cflags_cc": ["<@(isa_common)"],
      "xcode_settings": {"OTHER_CPLUSPLUSFLAGS": ["<@(isa_common)"]},
    },
    {
      "target_name": "rnnlab_isa_avx2",
      "type": "static_library",
      "sources": ["src/isa_avx2.cc"],
      "cflags_cc": ["<@(isa_common)"],
      "xcode_settings": {"OTHER_CPLUSPLUSFLAGS": ["<@(isa_common)"]},
      "conditions": [
        ["target_arch=='x64'", {
          "cflags_cc": ["-mavx2", "-mfma"],
          "xcode_settings": {"OTHER_CPLUSPLUSFLAGS": ["-mavx2", "-mfma"]},
        }],
      ],
    },
    {
      "target_name": "rnnlab_isa_avx512",
      "type": "static_library",
      "sources": ["src/isa_avx512.cc"],
      "cflags_cc": ["<@(isa_common)"],
      "xcode_settings": {"OTHER_CPLUSPLUSFLAGS": ["<@(isa_common)"]},
      "conditions": [
        ["target_arch=='x64'", {
          "cflags_cc": ["-mavx512f", "-mavx2", "-mfma"],
          "xcode_settings": {"OTHER_CPLUSPLUSFLAGS": ["-mavx512f", "-mavx2", "-mfma"]},
        }],
      ],
    },
    {
      # bf16 GEMM (vdpbf16ps); dispatch.cc calls it only when CPUID reports avx512bf16+bw+vl.
      # -Wno-maybe-uninitialized: GCC 12 warns inside its own AVX-512 headers (the
      # undefined-register idiom of _mm512_setzero/_mm512_reduce_add), a known false positive.
      "target_name": "rnnlab_isa_avx512bf16",
      "type": "static_library",
      "sources": ["src/isa_avx512bf16.cc"],
      "cflags_cc": ["<@(isa_common)"],
      "xcode_settings": {"OTHER_CPLUSPLUSFLAGS": ["<@(isa_common)"]},
      "conditions": [
        ["target_arch=='x64'", {
          "cflags_cc": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512bf16", "-mavx2", "-mfma", "-Wno-maybe-uninitialized"],
          "xcode_settings": {"OTHER_CPLUSPLUSFLAGS": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512bf16", "-mavx2", "-mfma"]},
        }],
      ],
    },
    {
      "target_name": "rnnlab_native",
      "sources": ["src/addon.cc", "src/napi_ops.cc", "src/dispatch.cc", "src/gemm_mt.cc", "src/recurrent_mt.cc", "src/pool.cc"],
      "dependencies": ["rnnlab_isa_scalar", "rnnlab_isa_avx2", "rnnlab_isa_avx512", "rnnlab_isa_avx512bf16"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-O3", "-fexceptions", "-std=c++17"],
      "ldflags": ["-pthread"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "MACOSX_DEPLOYMENT_TARGET": "10.15",
      },
    },
  ],
}
