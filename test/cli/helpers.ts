/**
 * Helpers for the CLI tests: run the built `rnnlab` as a user would (a child process in a
 * fresh temporary directory), write tiny corpora, and read what the CLI leaves behind
 * (safetensors headers, metrics.jsonl).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/test/cli/helpers.js → dist/src/cli/main.js */
export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** A tiny model on the reference backend: results do not depend on which fast backend is built. */
export const TINY = ['--backend', 'js', '--hidden', '16', '--embed', '8', '--layers', '1'] as const;

/** 86 characters, 31 distinct (26 lower-case letters, T, P, space, '.', '\n'). */
export const PANGRAM = 'The quick brown fox jumps over the lazy dog. Pack my box with five dozen liquor jugs.\n';

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment without RNNLAB_* variables, so the caller's settings cannot change results. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('RNNLAB_')) env[k] = v;
  return { ...env, ...extra };
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** `node dist/src/cli/main.js …args` in `cwd`, synchronously. */
export function rnnlab(args: readonly string[], o: RunOptions): RunResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: o.cwd, env: cleanEnv(o.env), encoding: 'utf8', timeout: o.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** The same, as a promise, so independent commands can run side by side. */
export function rnnlabAsync(args: readonly string[], o: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: o.cwd, env: cleanEnv(o.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 60_000);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (status, signal) => { clearTimeout(timer); resolve({ status, signal, stdout, stderr }); });
  });
}

/** Runs async jobs with at most `limit` in flight (the machine has 2 cores shared with others). */
export async function inParallel<T>(jobs: (() => Promise<T>)[], limit = 2): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return out;
}

/** A human-readable summary of a run for assertion messages. */
export function show(r: RunResult): string {
  return `exit ${r.status}${r.signal ? ` (signal ${r.signal})` : ''}\n--- stdout:\n${r.stdout.slice(0, 2000)}\n--- stderr:\n${r.stderr.slice(0, 2000)}`;
}

export function assertOk(r: RunResult, what = 'command'): void {
  assert.equal(r.status, 0, `${what} should exit 0; ${show(r)}`);
}

/**
 * A bad-input failure as the CLI promises it (src/cli/run.ts): exit 1, exactly one line on
 * stderr starting with "error:", no stack trace.
 */
export function assertOneLineError(r: RunResult, pattern?: RegExp, what = 'command'): string {
  assert.equal(r.status, 1, `${what} should exit 1 (bad input; 2 would mean an internal error); ${show(r)}`);
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  assert.equal(lines.length, 1, `${what}: stderr should be exactly one line; ${show(r)}`);
  assert.match(lines[0], /^error: \S/, `${what}: stderr should start with "error:"; ${show(r)}`);
  assert.doesNotMatch(r.stderr + r.stdout, /^\s+at .+[(:]\d+/m, `${what}: no stack trace expected; ${show(r)}`);
  assert.doesNotMatch(lines[0], /\b(TypeError|RangeError|SyntaxError|ReferenceError)\b|undefined|\[object /, `${what}: the message looks like an internal error; ${show(r)}`);
  if (pattern) assert.match(lines[0], pattern, `${what}: unexpected message; ${show(r)}`);
  return lines[0];
}

const made: string[] = [];
process.on('exit', () => {
  if (process.env.RNNLAB_TEST_KEEP) return;
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A fresh directory under os.tmpdir(), removed when the test process exits. */
export function tempDir(tag = 'cli'): string {
  const d = mkdtempSync(join(tmpdir(), `rnnlab-${tag}-`));
  made.push(d);
  return d;
}

/**
 * A runs folder for the server's tests (API and dashboard): `runs/` under `tmp` holding a corpus
 * (corpus.txt, the pangrams) and a labelled CSV of two classes, 20 documents each (labels.csv).
 */
export function makeRunsFolder(tmp: string): string {
  const runs = join(tmp, 'runs');
  mkdirSync(runs);
  writePangrams(runs, 'corpus.txt', 12);
  const rows = ['label,text'];
  for (let i = 0; i < 40; i++) rows.push(i % 2 ? `sport,the team won the match ${i % 3}` : `tech,the new chip runs software ${i % 3}`);
  writeFileSync(join(runs, 'labels.csv'), rows.join('\n') + '\n');
  return runs;
}

/** The pangram paragraph repeated: ~3.4 KB of very learnable text. */
export function writePangrams(dir: string, name = 'pangrams.txt', repeats = 40): string {
  const p = join(dir, name);
  writeFileSync(p, PANGRAM.repeat(repeats));
  return p;
}

export interface StEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export interface StHeader {
  tensors: Map<string, StEntry>;
  metadata: Record<string, string>;
  headerLength: number;
  fileSize: number;
}

/** Parses a safetensors header by hand: 8-byte little-endian length, then that much JSON. */
export function readSafetensorsHeader(path: string): StHeader {
  const bytes = readFileSync(path);
  assert.ok(bytes.length >= 8, `${path}: shorter than 8 bytes`);
  const n = Number(bytes.readBigUInt64LE(0));
  assert.ok(n > 0 && 8 + n <= bytes.length, `${path}: header length ${n} does not fit the file (${bytes.length} bytes)`);
  const json = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, unknown>;
  const metadata = (json.__metadata__ ?? {}) as Record<string, string>;
  const tensors = new Map<string, StEntry>();
  for (const [k, v] of Object.entries(json)) if (k !== '__metadata__') tensors.set(k, v as StEntry);
  return { tensors, metadata, headerLength: n, fileSize: bytes.length };
}

/**
 * Writes a safetensors file from a (possibly edited) header and the original data bytes, as a
 * tool that knows nothing of rnnlab's checksums would: they are dropped (so the file loads as
 * one written before them, and its edits are what the loader sees).
 */
export function rewriteSafetensorsMetadata(src: string, dst: string, edit: (meta: Record<string, string>) => void): void {
  const bytes = readFileSync(src);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, unknown>;
  const meta = header.__metadata__ as Record<string, string>;
  delete meta.data_crc32;
  delete meta.header_crc32;
  edit(meta);
  let hb = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - ((8 + hb.length) % 8)) % 8;
  hb = Buffer.concat([hb, Buffer.from(' '.repeat(pad))]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(hb.length));
  writeFileSync(dst, Buffer.concat([len, hb, bytes.subarray(8 + n)]));
}

/** A line of metrics.jsonl (the event schema of src/train/events.ts). */
export interface Metric {
  type: 'start' | 'step' | 'nonfinite' | 'val' | 'end' | 'test';
  step: number;
  epoch: number;
  loss: number;
  [k: string]: unknown;
}

export function readMetrics(path: string): Metric[] {
  const text = readFileSync(path, 'utf8');
  assert.ok(text.endsWith('\n'), `${path} should end with a newline`);
  return text.split('\n').filter((l) => l.length > 0).map((l, i) => {
    try {
      return JSON.parse(l) as Metric;
    } catch {
      throw new assert.AssertionError({ message: `${path} line ${i + 1} is not JSON: ${l}` });
    }
  });
}

/** Every file under `dir` (relative paths), sorted; [] when it does not exist. */
export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e), r = rel ? `${rel}/${e}` : e;
      if (statSync(p).isDirectory()) walk(p, r);
      else out.push(r);
    }
  };
  walk(dir, '');
  return out.sort();
}

/** name → bytes of every file under `dir`, to check that a failed command left them alone. */
export function snapshot(dir: string): Map<string, Buffer> {
  return new Map(listFiles(dir).map((f) => [f, readFileSync(join(dir, f))]));
}

export function assertSameFiles(before: Map<string, Buffer>, dir: string, what: string): void {
  const after = snapshot(dir);
  assert.deepEqual([...after.keys()], [...before.keys()], `${what}: the set of files changed`);
  for (const [f, b] of before) assert.ok(after.get(f)!.equals(b), `${what}: ${f} was modified`);
}

/** No model files and no temporaries were left behind in `dir` (which may not exist). */
export function assertNoModelFiles(dir: string, what: string): void {
  const bad = listFiles(dir).filter((f) => /\.safetensors$|\.tmp$|metrics\.jsonl$/.test(f));
  assert.deepEqual(bad, [], `${what}: left files behind in ${dir}`);
}

/** The untrained validation loss the trainer prints on stderr ("validation (untrained): loss X"). */
export function untrainedLoss(stderr: string): number | null {
  const m = /validation \(untrained\): loss ([\d.]+)/.exec(stderr);
  return m ? Number(m[1]) : null;
}
