/**
 * Choosing a backend: `--backend` or RNNLAB_BACKEND, else the fastest that loads here —
 * native (C++ addon, Node only), then wasm (SIMD), then js (reference). The reason for the
 * choice is kept for `rnnlab info` and for a one-time notice when a faster one is missing.
 * `precision` (`--precision`) is the backend's arithmetic: fp32, or bf16 mixed precision —
 * native bf16 kernels, the same numerics emulated by wasm and js (bf16.ts). A backend that
 * cannot compute in the precision asked for counts as unavailable.
 */
import { RnnlabError } from '../errors.js';
import type { Backend, BackendName, Precision } from './backend.js';
import { checkPrecision } from './bf16.js';
import { JsBackend } from './js/index.js';
import { isNode } from '../util/runtime.js';

export interface BackendChoice {
  backend: Backend;
  /** Why this one: requested, or which faster ones were unavailable and why. */
  reason: string;
  /** Set when the automatic choice fell back from a faster backend. */
  fallback: string | null;
}

export interface BackendRequest {
  name?: BackendName | 'auto';
  threads?: number;
  /** Default fp32. */
  precision?: Precision;
}

async function load(name: BackendName, threads: number | undefined, precision: Precision): Promise<Backend> {
  switch (name) {
    case 'js':
      return new JsBackend('float32', precision);
    case 'wasm': {
      const m = await import('./wasm/index.js');
      return m.createWasmBackend({ precision, threads });
    }
    case 'native': {
      // in a browser the addon's loader (which imports node: modules) is not even fetched
      if (!isNode()) throw new Error('the C++ addon runs only in Node');
      const m = await import('./native/index.js');
      const b: Backend = await m.createNativeBackend({ threads, precision });
      // an addon built without bf16 kernels says nothing (or fp32): it would compute fp32 under a bf16 label
      if ((b.precision ?? 'fp32') !== precision) throw new Error(`the C++ addon has no ${precision} kernels`);
      return b;
    }
  }
}

export async function createBackend(req: BackendRequest = {}): Promise<BackendChoice> {
  // `process` is absent in browsers, where only the request decides
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.RNNLAB_BACKEND;
  const name = req.name && req.name !== 'auto' ? req.name : env && env !== 'auto' ? env : 'auto';
  if (name !== 'auto' && name !== 'js' && name !== 'wasm' && name !== 'native') {
    throw new RnnlabError(`unknown backend "${name}" (expected auto, js, wasm or native)`);
  }
  if (req.threads !== undefined && (!Number.isInteger(req.threads) || req.threads < 1)) {
    throw new RnnlabError(`--threads must be a positive integer, got ${req.threads}`);
  }
  const precision = checkPrecision(req.precision ?? 'fp32');
  if (name !== 'auto') {
    try {
      const backend = await load(name, req.threads, precision);
      return { backend, reason: req.name && req.name !== 'auto' ? 'requested with --backend' : 'requested with RNNLAB_BACKEND', fallback: null };
    } catch (e) {
      throw new RnnlabError(`the ${name} backend is unavailable: ${firstLine(e)}`);
    }
  }
  const skipped: string[] = [];
  for (const n of ['native', 'wasm'] as const) {
    try {
      const backend = await load(n, req.threads, precision);
      return { backend, reason: skipped.length ? `fastest available (${skipped.join('; ')})` : 'fastest available', fallback: skipped.length ? skipped.join('; ') : null };
    } catch (e) {
      skipped.push(`${n} unavailable: ${firstLine(e)}`);
    }
  }
  return { backend: new JsBackend('float32', precision), reason: `fallback (${skipped.join('; ')})`, fallback: skipped.join('; ') };
}

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split('\n')[0];
}
