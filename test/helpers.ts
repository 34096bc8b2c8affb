import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after } from 'node:test';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FloatArray } from '../src/tensor.js';

/** max|got − want| / max|want|: the tensor-level relative error the parity tests bound. */
export function relError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  assert.equal(got.length, want.length, 'length mismatch');
  let num = 0, den = 0;
  for (let i = 0; i < want.length; i++) {
    num = Math.max(num, Math.abs(got[i] - want[i]));
    den = Math.max(den, Math.abs(want[i]));
  }
  return den === 0 ? num : num / den;
}

export function assertClose(what: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  const e = relError(got, want);
  assert.ok(e <= tol, `${what}: relative error ${e.toExponential(2)} > ${tol}`);
}

/**
 * Central finite differences of a scalar function of x against an analytic gradient, on
 * up to `samples` coordinates (all when fewer). Float64 throughout, so 1e-6 is tight.
 */
export function gradCheck(what: string, f: () => number, x: FloatArray, analytic: ArrayLike<number>, samples = 40, eps = 1e-6, tol = 1e-6): void {
  const n = x.length;
  const idx = n <= samples ? [...Array(n).keys()] : Array.from({ length: samples }, (_, i) => Math.floor((i * n) / samples + (i * 7919) % Math.max(1, Math.floor(n / samples))) % n);
  for (const i of idx) {
    const old = x[i];
    x[i] = old + eps;
    const fp = f();
    x[i] = old - eps;
    const fm = f();
    x[i] = old;
    const numeric = (fp - fm) / (2 * eps);
    const err = Math.abs(numeric - analytic[i]) / Math.max(1, Math.abs(numeric), Math.abs(analytic[i]));
    assert.ok(err < tol, `${what}[${i}]: analytic ${analytic[i]} vs numeric ${numeric} (err ${err.toExponential(2)})`);
  }
}

/**
 * A file of the shared corpora: ../shared/data beside the repository, as on CI and the
 * developers' machines (README › The two commands says the tests need it).
 */
export function sharedData(rel: string): string {
  const root = fileURLToPath(new URL('../../', import.meta.url)); // dist/test/helpers.js → repository root
  const p = join(root, '..', 'shared', 'data', rel);
  if (!existsSync(p)) throw new Error(`shared data file ${rel} not found: the tests read the corpora from ../shared/data beside the repository`);
  return p;
}

/** The demo corpus shipped inside the package. */
export const TIME_MACHINE = fileURLToPath(new URL('../../data/timemachine.txt', import.meta.url));

/** A safetensors file from a header object and data bytes, written as given (no checksums added): for damaged-file tests. */
export function rawSafetensors(header: unknown, data: Uint8Array): Uint8Array {
  const hb = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + hb.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  out.set(data, 8 + hb.length);
  return out;
}

/**
 * A temporary folder (removed after the file's tests) and a writer of numbered files in it,
 * optionally gzipped: `file('a.txt', 'text')` → its path.
 */
export function tempFiles(prefix: string): { dir: string; file: (name: string, content: string | Uint8Array, gzip?: boolean) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let fileNo = 0;
  const file = (name: string, content: string | Uint8Array, gzip = false): string => {
    const path = join(dir, `${fileNo++}-${name}`);
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    writeFileSync(path, gzip ? gzipSync(bytes) : bytes);
    return path;
  };
  return { dir, file };
}
