/**
 * Finds, validates and compiles the kernel modules (dist/wasm/rnnlab.wasm, SIMD128, and
 * dist/wasm/rnnlab-relaxed.wasm, + relaxed-SIMD FMA; each also as a shared-memory build for
 * threads, rnnlab[-relaxed]-shared.wasm). Works in Node and in browsers: Node modules are
 * imported dynamically, only when running under Node.
 *
 * Relaxed SIMD: Node 20 (V8 11.3) has it behind --experimental-wasm-relaxed-simd, which can be
 * switched on at run time before the module is compiled; WebAssembly.validate then decides.
 */

import { isNode } from '../../util/runtime.js';

export type WasmVariant = 'relaxed' | 'simd128';

export interface LoadedModule {
  module: WebAssembly.Module;
  variant: WasmVariant;
  /** Why the baseline was used, when relaxed was wanted. */
  note: string | null;
}

const FILES: Record<WasmVariant, string> = {
  simd128: 'rnnlab.wasm',
  relaxed: 'rnnlab-relaxed.wasm',
};
const SHARED_FILES: Record<WasmVariant, string> = {
  simd128: 'rnnlab-shared.wasm',
  relaxed: 'rnnlab-relaxed-shared.wasm',
};


/** From dist/src/backend/wasm/ (compiled) the modules are in dist/wasm/. */
function moduleUrl(file: string): URL {
  return new URL(`../../../wasm/${file}`, import.meta.url);
}

async function readBytes(file: string): Promise<Uint8Array<ArrayBuffer>> {
  const url = moduleUrl(file);
  if (isNode()) {
    const fs = await import('node:fs/promises');
    const buf = await fs.readFile(url);
    const bytes = new Uint8Array(buf.byteLength);
    bytes.set(buf);
    return bytes;
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot fetch ${url.href}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

let relaxedFlagTried = false;
async function enableRelaxedSimdInNode(): Promise<void> {
  if (relaxedFlagTried || !isNode()) return;
  relaxedFlagTried = true;
  try {
    const v8 = await import('node:v8');
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // not available (or not allowed): validate() below decides
  }
}

const cache = new Map<string, Promise<WebAssembly.Module | null>>();

/** Compiles a variant once per process; null if the engine does not accept it. */
function compile(variant: WasmVariant, shared: boolean): Promise<WebAssembly.Module | null> {
  const file = (shared ? SHARED_FILES : FILES)[variant];
  let p = cache.get(file);
  if (!p) {
    p = (async () => {
      const bytes = await readBytes(file);
      let ok = WebAssembly.validate(bytes);
      if (!ok && variant === 'relaxed' && isNode()) {
        // Node 20: relaxed SIMD exists behind a flag that may be set before compiling
        await enableRelaxedSimdInNode();
        ok = WebAssembly.validate(bytes);
      }
      return ok ? WebAssembly.compile(bytes) : null;
    })();
    cache.set(file, p);
    // a failed read is not cached, so a later call can retry
    p.catch(() => cache.delete(file));
  }
  return p;
}

/** `shared`: the shared-memory build (threads); it imports its memory as env.memory. */
export async function loadModule(wantRelaxed: boolean, shared = false): Promise<LoadedModule> {
  let note: string | null = null;
  if (wantRelaxed) {
    try {
      const m = await compile('relaxed', shared);
      if (m) return { module: m, variant: 'relaxed', note: null };
      note = 'relaxed SIMD not supported by this engine';
    } catch (e) {
      note = `relaxed module unavailable: ${e instanceof Error ? e.message : String(e)}`;
    }
  } else {
    note = 'relaxed SIMD not requested';
  }
  const m = await compile('simd128', shared);
  if (!m) throw new Error(shared ? 'this WebAssembly engine does not support SIMD128 with threads' : 'this WebAssembly engine does not support SIMD128');
  return { module: m, variant: 'simd128', note };
}
