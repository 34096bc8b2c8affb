/**
 * rnnlab training/sampling benchmark, optionally against PyTorch in the same run.
 *
 *   npm run bench -- [--only CL-S,WL] [--backends native,wasm,js] [--threads 1,2]
 *                    [--precision fp32,bf16] [--steps N] [--warmup N] [--cap SECONDS] [--torch]
 *                    [--js-all] [--out DIR | --no-save] [--profile] [--python PATH]
 *
 * Every cell (workload × backend × precision × threads, and workload × precision × threads for
 * PyTorch: fp32 and bf16 autocast) runs in its own child process, so its peak RSS is its own.
 * See bench/README.md.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EVENT_PREFIX, type ChildEvent, type ChildSpec } from './protocol.js';
import { markdown, median, valueOf, type BackendId, type CellResult, type Row, type RunInfo } from './report.js';
import { WORKLOADS, findWorkload, type Workload } from './workloads.js';

type Precision = 'fp32' | 'bf16';

const HERE = new URL('.', import.meta.url); // dist/bench/
const ROOT = fileURLToPath(new URL('../../', HERE));
const RUN_JS = fileURLToPath(new URL('run.js', HERE));
const TORCH_PY = fileURLToPath(new URL('../../bench/torch_bench.py', HERE));
const loadAtStart = os.loadavg();

interface Options {
  only: Workload[];
  backends: ('native' | 'wasm' | 'js')[];
  precisions: Precision[];
  threads: number[];
  steps: number | null;
  warmup: number | null;
  cap: number;
  torch: boolean;
  jsAll: boolean;
  out: string;
  save: boolean;
  profile: boolean;
  python: string;
}

const HELP = `rnnlab benchmark

  npm run bench -- [options]          (or: node dist/bench/run.js [options] after npm run build)

  --only IDS        comma-separated workloads (default: all): ${WORKLOADS.map((w) => w.id).join(', ')}
  --backends LIST   rnnlab backends, comma-separated (default: native,wasm,js; unavailable ones are reported and skipped)
  --threads LIST    thread counts (default: 1,${os.availableParallelism()})
  --precision LIST  rnnlab --precision values, comma-separated (default: fp32,bf16); with --torch, bf16
                    also runs PyTorch under bf16 autocast, every row then has a ratio to both PyTorch runs
  --steps N         timed steps (default per workload: 5, CL-L 2, SAMPLE 3 generation runs)
  --warmup N        warm-up steps (default per workload: 2, CL-L 1, SAMPLE 1)
  --cap SECONDS     per-cell time budget (default 90): no new step starts once it would be passed;
                    one timed step always runs unless the warm-up alone passed the cap (then the
                    warm-up time is reported, flagged); a child with no step after 2·cap + 60 s,
                    or none for 1.5× its last step + 30 s, is killed
  --torch           also run the workloads in PyTorch (bench/torch_bench.py) and print ratios
  --js-all          also run the js backend on CL-M*, CL-L and WL (minutes per step)
  --out DIR         where to save <date>.md and <date>.json (default bench/results)
  --no-save         print only (profiles are still written)
  --profile         run the rnnlab children under node --cpu-prof (profiles in <out>/prof/)
  --python PATH     Python with PyTorch (default /usr/bin/python3, or RNNLAB_BENCH_PYTHON)
`;

function parseArgs(argv: string[]): Options {
  const o: Options = {
    only: [...WORKLOADS], backends: ['native', 'wasm', 'js'], precisions: ['fp32', 'bf16'], threads: [...new Set([1, os.availableParallelism()])],
    steps: null, warmup: null, cap: 90, torch: false, jsAll: false,
    out: fileURLToPath(new URL('../../bench/results/', HERE)), save: true, profile: false,
    python: process.env.RNNLAB_BENCH_PYTHON ?? '/usr/bin/python3',
  };
  const list = (v: string | undefined, name: string) => {
    if (!v) throw new Error(`${name} needs a value`);
    return v.split(',').map((s) => s.trim()).filter(Boolean);
  };
  const int = (v: string | undefined, name: string, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const val = () => inline ?? argv[++i];
    switch (flag) {
      case '--only':
        o.only = list(val(), '--only').map((id) => {
          const w = findWorkload(id);
          if (!w) throw new Error(`unknown workload ${id} (expected ${WORKLOADS.map((x) => x.id).join(', ')})`);
          return w;
        });
        break;
      case '--backends':
        o.backends = list(val(), '--backends').map((b) => {
          if (b !== 'native' && b !== 'wasm' && b !== 'js') throw new Error(`unknown backend ${b} (expected native, wasm, js)`);
          return b;
        });
        break;
      case '--precision':
        o.precisions = [...new Set(list(val(), '--precision').map((p) => {
          if (p !== 'fp32' && p !== 'bf16') throw new Error(`unknown precision ${p} (expected fp32, bf16)`);
          return p as Precision;
        }))];
        break;
      case '--threads':
        o.threads = [...new Set(list(val(), '--threads').map((t) => int(t, '--threads', 1)))].sort((a, b) => a - b);
        break;
      case '--steps':
        o.steps = int(val(), '--steps', 1);
        break;
      case '--warmup':
        o.warmup = int(val(), '--warmup', 0);
        break;
      case '--cap': {
        const c = Number(val());
        if (!(c > 0)) throw new Error('--cap must be a positive number of seconds');
        o.cap = c;
        break;
      }
      case '--torch':
        o.torch = true;
        break;
      case '--js-all':
        o.jsAll = true;
        break;
      case '--out': {
        const v = val();
        if (!v) throw new Error('--out needs a directory');
        o.out = v;
        break;
      }
      case '--no-save':
        o.save = false;
        break;
      case '--profile':
        o.profile = true;
        break;
      case '--python':
        o.python = val() ?? o.python;
        break;
      case '-h':
      case '--help':
        process.stdout.write(HELP);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${a} (see --help)`);
    }
  }
  return o;
}

// ---------------------------------------------------------------- child processes

interface ChildOutcome {
  events: ChildEvent[];
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stderr: string;
  wallSeconds: number;
}

function runProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutSec: number, label: string): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const events: ChildEvent[] = [];
    let buf = '', stderr = '', timedOut = false;
    const onLine = (line: string) => {
      if (line.startsWith(EVENT_PREFIX)) {
        try {
          const e = JSON.parse(line.slice(EVENT_PREFIX.length)) as ChildEvent;
          events.push(e);
          if (e.event === 'step') {
            // progress: allow the next step as long as this one took (the child stops at the cap)
            rearm(1.5 * e.ms + 30000);
            process.stderr.write(`  ${label}: ${e.warmup ? 'warm-up' : 'step'} ${e.index + 1}: ${e.ms.toFixed(1)} ms${e.loss !== null ? `, loss ${e.loss.toFixed(4)}` : ''}\n`);
          }
          return;
        } catch {
          // fall through: print it
        }
      }
      if (line.trim()) process.stderr.write(`  ${label} | ${line}\n`);
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderr += d;
      if (stderr.length > 20000) stderr = stderr.slice(-20000);
    });
    const kill = () => {
      timedOut = true;
      child.kill('SIGKILL');
    };
    let deadline = performance.now() + timeoutSec * 1000;
    let timer = setTimeout(kill, timeoutSec * 1000);
    const rearm = (ms: number) => {
      const d = performance.now() + ms;
      if (d <= deadline) return;
      deadline = d;
      clearTimeout(timer);
      timer = setTimeout(kill, ms);
    };
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (buf) onLine(buf);
      resolve({ events, code, signal, timedOut, stderr, wallSeconds: (performance.now() - t0) / 1000 });
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ events, code: -1, signal: null, timedOut, stderr: stderr + String(err), wallSeconds: (performance.now() - t0) / 1000 });
    });
  });
}

/**
 * Environment of every child. OMP_WAIT_POLICY=PASSIVE (unless set by the caller): with GNU
 * OpenMP's default spin-waiting, PyTorch with 2 threads on a machine where anything else runs
 * collapses (CL-S: 430–540 ms/step instead of 11–12 ms); passive waiting is the kinder setting
 * for PyTorch, so the ratios stay conservative. It changes nothing for 1 thread.
 */
function threadEnv(threads: number): NodeJS.ProcessEnv {
  const t = String(threads);
  return {
    ...process.env, OPENBLAS_CORETYPE: 'SkylakeX', OMP_NUM_THREADS: t, OPENBLAS_NUM_THREADS: t, MKL_NUM_THREADS: t,
    OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE',
  };
}

function lastLine(s: string): string {
  const lines = s.split('\n').map((l) => l.trim()).filter(Boolean);
  const err = lines.filter((l) => /error/i.test(l));
  return (err.length ? err[err.length - 1] : lines[lines.length - 1] ?? '').slice(0, 300);
}

function collect(w: Workload, backend: BackendId, threads: number, precision: Precision, out: ChildOutcome, cap: number): CellResult {
  const r: CellResult = {
    workload: w.id, backend, threads, precision, threadsUsed: null, describe: '', status: 'ok', warmupMs: [], stepsMs: [],
    medianMs: null, value: null, unit: w.kind === 'sample' ? 'ms/char' : 'tokens/s', firstLoss: null, lastLoss: null,
    baselineRssMB: null, peakRssMB: null, heapMB: null, params: null, wallSeconds: out.wallSeconds, note: null,
  };
  let done = false, error: string | null = null;
  for (const e of out.events) {
    if (e.event === 'start') {
      r.describe = e.describe;
      r.threadsUsed = e.threads;
      r.baselineRssMB = e.baselineRssMB;
    } else if (e.event === 'step') {
      (e.warmup ? r.warmupMs : r.stepsMs).push(e.ms);
      if (e.peakRssMB !== undefined) r.peakRssMB = e.peakRssMB;
      if (e.loss !== null) {
        if (r.firstLoss === null) r.firstLoss = e.loss;
        r.lastLoss = e.loss;
      }
    } else if (e.event === 'done') {
      done = true;
      r.peakRssMB = e.peakRssMB;
      r.heapMB = e.heapMB ?? null;
      r.params = e.params;
      if (e.note) {
        r.status = 'capped';
        r.note = e.note;
      }
    } else if (e.event === 'error') error = e.message;
  }
  // A cell killed (or failed) after some steps still says something: use what finished.
  const times = r.stepsMs.length ? r.stepsMs : r.warmupMs;
  r.medianMs = median(times);
  r.value = valueOf(w, r.medianMs);
  if (out.timedOut) {
    r.status = 'timeout';
    r.note = `killed after ${Math.round(out.wallSeconds)} s (cap ${cap} s)` + (times.length ? '' : '; no step finished');
    if (!times.length) {
      // an upper bound for throughput: not even one step in the time given
      r.value = null;
    }
  } else if (!done || out.code !== 0) {
    r.status = 'failed';
    r.note = error ?? (lastLine(out.stderr) || (out.signal ? `killed by ${out.signal}` : `exit code ${out.code}`));
    if (out.signal && error === null && lastLine(out.stderr)) r.note += ` (${out.signal})`;
  }
  return r;
}

async function runRnnlabCell(w: Workload, backend: 'native' | 'wasm' | 'js', threads: number, precision: Precision, o: Options): Promise<CellResult> {
  const spec: ChildSpec = {
    workload: w, backend, threads, precision,
    warmup: o.warmup ?? w.warmup, steps: o.steps ?? w.steps, cap: o.cap,
  };
  const nodeArgs: string[] = [];
  if (o.profile) {
    const dir = `${o.out.replace(/\/$/, '')}/prof`;
    mkdirSync(dir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${w.id}-${backend}-${precision}-t${threads}-${Date.now()}.cpuprofile`);
  }
  const label = `${w.id} ${backend} ${precision} ×${threads}`;
  process.stderr.write(`${label}\n`);
  const out = await runProcess(process.execPath, [...nodeArgs, RUN_JS, '--child', JSON.stringify(spec)], threadEnv(threads), o.cap * 2 + 60, label);
  return collect(w, backend, threads, precision, out, o.cap);
}

async function runTorchCell(w: Workload, threads: number, precision: Precision, o: Options): Promise<CellResult> {
  const spec: ChildSpec = {
    workload: w, backend: 'torch', threads, precision,
    warmup: o.warmup ?? w.warmup, steps: o.steps ?? w.steps, cap: o.cap,
  };
  const label = `${w.id} torch ${precision === 'bf16' ? 'bf16 autocast' : 'fp32'} ×${threads}`;
  process.stderr.write(`${label}\n`);
  const out = await runProcess(o.python, [TORCH_PY, '--spec', JSON.stringify(spec)], threadEnv(threads), o.cap * 2 + 60, label);
  return collect(w, 'torch', threads, precision, out, o.cap);
}

interface Probe {
  ok: boolean;
  describe: string;
  threads: number;
  error?: string;
}

async function probeBackend(name: string, threads: number, precision: Precision): Promise<Probe> {
  const out = await runProcess(process.execPath, [RUN_JS, '--probe', name, String(threads), precision], process.env, 60, `probe ${name} ${precision}`);
  const line = out.events.find((e) => e.event === 'start');
  if (line && line.event === 'start') return { ok: true, describe: line.describe, threads: line.threads };
  const err = out.events.find((e) => e.event === 'error');
  return { ok: false, describe: '', threads: 0, error: err && err.event === 'error' ? err.message : lastLine(out.stderr) };
}

async function probeTorch(python: string): Promise<{ version: string | null; describe?: string; blas?: string[]; error?: string }> {
  const out = await runProcess(python, [TORCH_PY, '--probe'], threadEnv(1), 120, 'probe torch');
  const e = out.events.find((x) => x.event === 'start');
  if (e && e.event === 'start' && e.version) return { version: e.version, describe: e.describe, blas: e.blas };
  return { version: null, error: lastLine(out.stderr) || `exit code ${out.code}` };
}

// ---------------------------------------------------------------- main

function cpuName(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? 'unknown CPU';
}

function gitCommit(): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${head} (+ uncommitted changes in ${dirty.split('\n').length} tracked files)` : head;
  } catch {
    return null;
  }
}

function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}_${p(d.getHours())}${p(d.getMinutes())}`;
}

async function main(argv: string[]): Promise<void> {
  const o = parseArgs(argv);
  const started = new Date();
  const notes: string[] = [];
  const maxThreads = Math.max(...o.threads);

  // Which backends load here, in which precisions, and with how many threads.
  const probes = new Map<string, Probe>();
  const backendInfo: Record<string, string> = {};
  for (const b of o.backends) {
    for (const precision of o.precisions) {
      const p = await probeBackend(b, maxThreads, precision);
      const key = `${b} ${precision}`;
      probes.set(key, p);
      backendInfo[`rnnlab ${key}`] = p.ok ? `${p.describe} (asked for ${maxThreads} thread${maxThreads > 1 ? "s" : ""}, computes with ${p.threads})` : `unavailable: ${p.error}`;
      process.stderr.write(`backend ${key}: ${backendInfo[`rnnlab ${key}`]}\n`);
      if (!p.ok) notes.push(`rnnlab ${key} unavailable, skipped: ${p.error}`);
    }
  }
  let torchVersion: string | null = null;
  if (o.torch) {
    const t = await probeTorch(o.python);
    torchVersion = t.version;
    backendInfo['PyTorch'] = t.version
      ? `${t.describe} via ${o.python}; OPENBLAS_CORETYPE=SkylakeX, torch.set_num_threads(n), OMP/OPENBLAS/MKL_NUM_THREADS=n, OMP_WAIT_POLICY=${process.env.OMP_WAIT_POLICY ?? 'PASSIVE'}`
      : `unavailable: ${t.error}`;
    process.stderr.write(`PyTorch: ${backendInfo['PyTorch']}\n`);
    if (!t.version) notes.push(`PyTorch unavailable: ${t.error}`);
    else if (!(t.blas ?? []).some((l) => /openblas|mkl/i.test(l))) {
      const warn = `WARNING: PyTorch is not using an optimised BLAS (${(t.blas ?? []).join(', ') || 'none found'}): ` +
        'Debian\'s reference libblas3 is 20–70× slower than OpenBLAS, so every ratio below flatters rnnlab. ' +
        'Install OpenBLAS (`apt-get install libopenblas0-pthread`) and rerun.';
      notes.unshift(warn);
      process.stderr.write(warn + '\n');
    }
  }
  const jsSkipped = o.only.filter((w) => !w.jsDefault).map((w) => w.id);
  if (o.backends.includes('js') && !o.jsAll && jsSkipped.length) {
    notes.push(`js backend not run on ${jsSkipped.join(', ')} (minutes per step); --js-all runs them`);
  }

  const rows: Row[] = [];
  const fmt = (c: CellResult | null) => (c?.value ? (c.unit === 'ms/char' ? c.value.toFixed(3) : String(Math.round(c.value))) : null);
  for (const w of o.only) {
    const measured = new Map<string, CellResult>(); // backend and precision → result at 1 thread (for single-threaded re-use)
    for (const t of o.threads) {
      const torch = o.torch && torchVersion ? await runTorchCell(w, t, 'fp32', o) : null;
      const torchBf16 = o.torch && torchVersion && o.precisions.includes('bf16') ? await runTorchCell(w, t, 'bf16', o) : null;
      let any = false;
      for (const b of o.backends) {
        if (b === 'js' && !w.jsDefault && !o.jsAll) continue;
        for (const precision of o.precisions) {
          const key = `${b} ${precision}`;
          const p = probes.get(key)!;
          if (!p.ok) continue;
          any = true;
          const prev = measured.get(key);
          if (prev && t > 1 && p.threads < t && prev.threadsUsed !== null && prev.threadsUsed >= p.threads) {
            rows.push({ cell: { ...prev, threads: t, reusedFrom: prev.threads }, torch, torchBf16 });
            continue;
          }
          const cell = await runRnnlabCell(w, b, t, precision, o);
          if (!measured.has(key)) measured.set(key, cell);
          rows.push({ cell, torch, torchBf16 });
          const v = fmt(cell);
          const against = [fmt(torch) && `PyTorch ${fmt(torch)}`, fmt(torchBf16) && `PyTorch bf16 ${fmt(torchBf16)}`].filter(Boolean).join(', ');
          process.stderr.write(`  → ${v === null ? cell.status : `${v} ${cell.unit}`}${against ? ` (${against})` : ''}` +
            `, peak RSS ${cell.peakRssMB?.toFixed(0) ?? '?'} MB${cell.note ? `; ${cell.note}` : ''}\n`);
        }
      }
      if (torch && !any) rows.push({ cell: { ...torch, backend: 'torch' }, torch, torchBf16 });
    }
  }
  if (o.threads.some((t) => t > 1)) {
    const single = [...probes].filter(([, p]) => p.ok && p.threads < maxThreads).map(([k]) => k);
    if (single.length) notes.push(`${single.join(', ')} compute with one thread: their rows for more threads repeat the 1-thread measurement ("2 (uses 1)") against PyTorch with all threads`);
  }
  notes.push('For quieter 1-thread numbers pin the run: `taskset -c 1 npm run bench -- --threads 1 ...` (children inherit the CPU mask).');

  const info: RunInfo = {
    date: started.toISOString(),
    command: `node dist/bench/run.js ${argv.join(' ')}`.trim(),
    cpu: cpuName(), cores: os.cpus().length, usableCores: os.availableParallelism(), node: process.versions.node, torch: torchVersion,
    commit: gitCommit(), loadStart: loadAtStart, loadEnd: os.loadavg(),
    settings: `steps ${o.steps ?? 'per workload'}, warm-up ${o.warmup ?? 'per workload'}, cap ${o.cap} s per cell, threads ${o.threads.join(',')}, precision ${o.precisions.join(',')}`,
    backends: backendInfo, notes,
  };
  const md = markdown(info, rows, o.only);
  process.stdout.write('\n' + md);
  if (o.save) {
    mkdirSync(o.out, { recursive: true });
    let base = `${o.out.replace(/\/$/, '')}/${stamp(started)}`;
    for (let i = 2; existsSync(`${base}.md`); i++) base = `${o.out.replace(/\/$/, '')}/${stamp(started)}-${i}`;
    writeFileSync(`${base}.md`, md);
    // paths relative to the repository, so a results file says nothing about the machine's layout
    const rel = (p: string) => relative(ROOT, p) || '.';
    writeFileSync(`${base}.json`, JSON.stringify({ info, options: { ...o, out: rel(o.out), python: o.python, only: o.only.map((w) => w.id) }, workloads: o.only, rows }, null, 2) + '\n');
    process.stderr.write(`\nsaved ${base}.md and ${base}.json\n`);
  }
}

async function entry(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    const { runChild } = await import('./rnnlab-runner.js');
    const { emit } = await import('./protocol.js');
    try {
      await runChild(JSON.parse(argv[1]) as ChildSpec);
    } catch (e) {
      emit({ event: 'error', message: String(e instanceof Error ? e.message : e).split('\n')[0] });
      throw e;
    }
    return;
  }
  if (argv[0] === '--probe') {
    const { createBackend } = await import('../src/backend/select.js');
    const { emit } = await import('./protocol.js');
    try {
      const { backend } = await createBackend({ name: argv[1] as 'js' | 'wasm' | 'native', threads: Number(argv[2]), precision: (argv[3] ?? 'fp32') as Precision });
      emit({ event: 'start', describe: backend.describe(), threads: backend.threads, baselineRssMB: 0 });
    } catch (e) {
      emit({ event: 'error', message: String(e instanceof Error ? e.message : e).split('\n')[0] });
    }
    return;
  }
  try {
    await main(argv);
  } catch (e) {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}

await entry();
