/**
 * Finds and loads the C++ addon (built at install time by scripts/build-native.mjs into
 * build/Release/rnnlab_native.node) and refuses one whose argument-block layout is not the
 * op table's: the addon reports the ABI version compiled into it (native/src/ops.gen.h) and a
 * stale build would misread addresses. Loaded once per process; the reason for a failure is
 * kept for `rnnlab info` and for the error createNativeBackend throws.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ABI_VERSION, BLOCK_SLOTS } from './abi.js';

export type NativeSimd = 'avx512' | 'avx2' | 'scalar';

export interface AddonInfo {
  abi: number;
  best: NativeSimd;
  default: NativeSimd;
  bestIndex: number;
  defaultIndex: number;
  supported: NativeSimd[];
  hardwareConcurrency: number;
  tiles: Record<string, string>;
  /** The GEMM --precision bf16 runs at each supported level: vdpbf16ps, or emulated (operands rounded while packing, fp32 kernels). */
  bf16Kernels: Record<string, 'avx512bf16' | 'emulated'>;
  /** CPU (and OS) support AVX-512 BF16 with BW and VL. */
  avx512bf16: boolean;
  /** CPUID reports AMX-BF16 tiles (rnnlab has no AMX kernel). */
  amxBf16: boolean;
}

/** The addon's module: three helpers, and one function per op it has a kernel for, named as the op. */
export interface Addon {
  info(): AddonInfo;
  /** Registers an argument block; returns its slot number, the only argument every op takes. */
  setArgs(args: Float64Array): number;
  addressOf(x: ArrayBuffer | ArrayBufferView): number;
  readonly [op: string]: unknown;
}

export interface Loaded {
  addon: Addon | null;
  info: AddonInfo | null;
  reason: string;
  /** The argument block registered with this addon, and its slot number. */
  args: Float64Array;
  slot: number;
}

const ADDON_FILE = 'rnnlab_native.node';

/** Where the addon may be: RNNLAB_NATIVE_PATH, then build/Release (and native/build/Release) of the package root. */
function candidatePaths(): string[] {
  const out: string[] = [];
  const env = process.env.RNNLAB_NATIVE_PATH;
  if (env) out.push(resolve(env));
  // This file is src/backend/native/ (ts) or dist/src/backend/native/ (compiled): walk up.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    out.push(join(dir, 'build', 'Release', ADDON_FILE));
    out.push(join(dir, 'native', 'build', 'Release', ADDON_FILE));
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return out;
}

/** Loads the addon at `path` and checks its ABI version (no caching: load() caches). */
export function loadAddonFrom(path: string): Loaded {
  const args = new Float64Array(new ArrayBuffer(BLOCK_SLOTS * 8));
  const fail = (reason: string): Loaded => ({ addon: null, info: null, args, slot: -1, reason });
  try {
    const addon = createRequire(import.meta.url)(path) as Addon;
    const info = addon.info();
    if (info.abi !== ABI_VERSION) {
      return fail(`${path} is stale (ABI ${hex(info.abi)}, the op table's is ${hex(ABI_VERSION)}); rebuild with \`node scripts/build-native.mjs\``);
    }
    const slot = addon.setArgs(args);
    return { addon, info, args, slot, reason: `loaded ${path}` };
  } catch (e) {
    return fail(`cannot load ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function hex(x: unknown): string {
  return typeof x === 'number' ? `0x${x.toString(16).padStart(8, '0')}` : String(x);
}

let loaded: Loaded | null = null;

export function load(): Loaded {
  if (loaded) return loaded;
  const found = candidatePaths().find((p) => existsSync(p));
  loaded = found
    ? loadAddonFrom(found)
    : {
      addon: null, info: null, args: new Float64Array(BLOCK_SLOTS), slot: -1,
      reason: `addon not built (no ${ADDON_FILE} in build/Release; run \`node scripts/build-native.mjs --verbose\`)`,
    };
  return loaded;
}

/** Whether the native backend can run here, why not, and the best SIMD level of this CPU. */
export function nativeAvailability(): { ok: boolean; reason: string; simd?: string } {
  const l = load();
  if (!l.addon || !l.info) return { ok: false, reason: l.reason };
  return { ok: true, reason: l.reason, simd: l.info.best };
}
