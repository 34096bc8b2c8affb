/**
 * Runs a sweep: every run of a spec as its own `rnnlab train` child process (a crash or an
 * out-of-memory in one run cannot take the sweep down), at most `parallel` at once, each in its
 * own folder under the sweep directory. The directory holds everything a resume needs:
 *   sweep.json                 the spec (and how it ran), so `--resume` needs no other flags
 *   results.json/.csv/.md      rewritten after every run (results.ts)
 *   <run>/                     a run directory (config.json, metrics.jsonl, …), plus
 *                              summary.json (what `train --json` printed) and train.log (its stderr)
 * A resumed sweep skips finished runs, continues interrupted ones with `train --resume` and
 * starts the rest (failed runs are tried again: what failed may have been fixed).
 *
 *   const sweep = await Sweep.create(spec, { out: 'sweeps/cells', parallel: 2 });
 *   process.on('SIGINT', () => sweep.stop());   // children save and stop; --resume continues them
 *   const results = await sweep.run();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RnnlabError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { makeFolder, prepareFolder } from '../io/out-dir.js';
import { flagOf, type RunOptions } from '../run/config.js';
import { optionSpec } from '../run/options.js';
import { VERSION } from '../run/session.js';
import { checkRuns } from './check.js';
import { absoluteFiles, expandGrid, normalizeSpec, type SweepRun, type SweepSpec, type SweepSpecInput } from './grid.js';
import { readJson, runMeasures, runState, writeSummary, type TrainJsonSummary } from './outcome.js';
import { afterResults, rankOf, RESULT_FILES, type SweepResult } from './results.js';

/** dist/src/sweep/runner.js → dist/src/cli/main.js: the CLI of this very installation. */
const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

export interface SweepOptions {
  /** The sweep directory. */
  out: string;
  /** Continue the sweep in `out` (its spec from sweep.json); the spec argument is then not needed. */
  resume?: boolean;
  /** Runs at once (1; a resume keeps the sweep's own unless given). */
  parallel?: number;
  /** Threads per run (default: the cores shared among the parallel runs, at least 1). */
  threads?: number;
  backend?: 'auto' | 'native' | 'wasm' | 'js';
  /** Progress: the CLI prints these. */
  onEvent?: (e: SweepEvent) => void;
}

export type SweepEvent =
  | { type: 'start'; total: number; done: number; parallel: number; threads: number; resumed: boolean }
  | { type: 'warning'; message: string }
  /** `index`: the run's 0-based position in the sweep. */
  | { type: 'run-start'; run: SweepResult; index: number; total: number; resumed: boolean; running: number }
  /** `rank`: among the finished runs so far (1 = best; 0: none, it failed). `eta`: seconds left, NaN when unknown. */
  | { type: 'run-end'; run: SweepResult; index: number; rank: number; ranked: number; finished: number; failed: number; total: number; eta: number }
  | { type: 'end'; results: SweepResult[]; files: string[]; interrupted: boolean };

/** What sweep.json holds. */
interface SweepFile extends SweepSpec {
  rnnlab: string;
  created: string;
  parallel: number;
  /** Given explicitly (otherwise worked out from the cores each time). */
  threads?: number;
  backend?: SweepOptions['backend'];
}

const SWEEP_FILE = 'sweep.json';
const BACKENDS: readonly string[] = ['auto', 'native', 'wasm', 'js'];
/** train exits with 128 + the signal's number after a Ctrl-C or SIGTERM it handled. */
const SIGNAL_EXITS = new Set([130, 143]);

export class Sweep {
  private readonly children = new Set<ChildProcess>();
  private stops = 0;
  private writing: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly dir: string,
    readonly spec: SweepSpec,
    readonly runs: readonly SweepRun[],
    readonly results: SweepResult[],
    readonly parallel: number,
    readonly threads: number,
    private readonly backend: SweepOptions['backend'],
    private readonly resumed: boolean,
    private readonly onEvent: (e: SweepEvent) => void,
    private readonly warnings: string[],
  ) {}

  /**
   * Everything that can fail on bad input fails here, before any run starts or any file is
   * written: the spec's shape, every run's settings (as `train` checks them), the data files,
   * and a directory holding something else.
   */
  static async create(input: SweepSpecInput | undefined, options: SweepOptions): Promise<Sweep> {
    const dir = resolve(options.out);
    const file = join(dir, SWEEP_FILE);
    const saved = readJson<SweepFile>(file);
    if (existsSync(file) && !saved) throw new RnnlabError(`${file} is not valid JSON: remove the sweep directory or choose another --out`);
    let resumed = false;
    let spec: SweepSpec;
    if (options.resume) {
      if (!saved) throw new RnnlabError(`cannot resume: ${file} does not exist`);
      spec = normalizeSpec({ base: saved.base, grid: saved.grid, runs: saved.runs }, file);
      resumed = true;
    } else {
      if (!input) throw new RnnlabError('a sweep needs settings to vary (or --resume to continue one)');
      spec = absoluteFiles(normalizeSpec(input));
      if (saved) {
        // The same command again continues the sweep; another one must not mix with it.
        if (!sameSpec(spec, saved)) throw new RnnlabError(`${dir} holds a different sweep: continue it with --out ${options.out} --resume, or choose another --out`);
        resumed = true;
      } else if (existsSync(dir) && readdirSync(dir).length > 0) {
        throw new RnnlabError(`${dir} exists and is not a sweep directory (it has no ${SWEEP_FILE}): choose another --out`);
      }
    }
    const runs = expandGrid(spec);
    checkRuns(runs);

    const parallel = options.parallel ?? saved?.parallel ?? 1;
    if (!Number.isInteger(parallel) || parallel < 1) throw new RnnlabError(`--parallel must be a positive integer, got ${parallel}`);
    const given = options.threads ?? saved?.threads;
    if (given !== undefined && (!Number.isInteger(given) || given < 1)) throw new RnnlabError(`--threads must be a positive integer, got ${given}`);
    const cores = availableParallelism();
    const threads = given ?? Math.max(1, Math.floor(cores / parallel));
    const warnings: string[] = [];
    if (parallel * threads > cores) {
      warnings.push(`${parallel} runs × ${threads} thread${threads === 1 ? '' : 's'} is more than the ${cores} core${cores === 1 ? '' : 's'} here: the runs will compete, and their tokens/s will not compare with a run alone`);
    }
    const backend = options.backend ?? saved?.backend;
    if (backend !== undefined && !BACKENDS.includes(backend)) throw new RnnlabError(`--backend must be one of: ${BACKENDS.join(', ')}, got ${JSON.stringify(backend)}`);

    prepareFolder(dir, '--out');
    const record: SweepFile = {
      rnnlab: VERSION, created: saved?.created ?? new Date().toISOString(), ...spec, parallel,
      ...(given !== undefined ? { threads: given } : {}), ...(backend ? { backend } : {}),
    };
    writeFileAtomic(file, JSON.stringify(record, null, 2) + '\n');
    const previous = new Map((readJson<SweepResult[]>(join(dir, RESULT_FILES[0])) ?? []).map((r) => [r.run, r]));
    const results = runs.map((r) => initialResult(dir, r, previous.get(r.name)));
    return new Sweep(dir, spec, runs, results, parallel, threads, backend, resumed, options.onEvent ?? (() => {}), warnings);
  }

  /** First call: every running child finishes its step and saves (as Ctrl-C does to train), no new run starts. Second: children exit at once. */
  stop(): void {
    this.stops++;
    for (const c of this.children) c.kill('SIGINT');
  }

  /** Runs what is left; resolves with every run's result (results.json's entries) once the last child has exited. */
  async run(): Promise<SweepResult[]> {
    const emit = this.onEvent;
    for (const message of this.warnings) emit({ type: 'warning', message });
    const todo = this.runs.map((r, i) => ({ r, i })).filter(({ i }) => this.results[i].status !== 'done');
    emit({ type: 'start', total: this.runs.length, done: this.runs.length - todo.length, parallel: this.parallel, threads: this.threads, resumed: this.resumed });
    await this.write();
    const started = performance.now();
    let finishedHere = 0;
    // Children are in their own process groups (a terminal's Ctrl-C reaches the sweep only, which
    // passes it on once); if the sweep dies of an error, they are told to save and stop.
    const orphanGuard = () => {
      for (const c of this.children) c.kill('SIGTERM');
    };
    process.on('exit', orphanGuard);
    const worker = async () => {
      for (let next = todo.shift(); next && this.stops === 0; next = todo.shift()) {
        await this.runOne(next.r, next.i);
        finishedHere++;
        const finished = this.results.filter((x) => x.status === 'done' || x.status === 'failed').length;
        const res = this.results[next.i];
        // Runs left × the wall time per finished run so far (with `parallel` at once, that is already the throughput).
        const perRun = (performance.now() - started) / 1000 / finishedHere;
        emit({
          type: 'run-end', run: res, index: next.i, rank: rankOf(this.results, res.run), finished, total: this.runs.length,
          ranked: this.results.filter((x) => x.status === 'done' && x.val_perplexity !== undefined).length,
          failed: this.results.filter((x) => x.status === 'failed').length,
          eta: this.stops ? NaN : (this.runs.length - finished) * perRun,
        });
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(this.parallel, Math.max(todo.length, 1)) }, worker));
    } finally {
      process.removeListener('exit', orphanGuard);
    }
    const files = await this.write();
    emit({ type: 'end', results: this.results, files, interrupted: this.stops > 0 });
    return this.results;
  }

  /** One run to its end (or its interrupt): a child process, its outcome recorded in results. */
  private async runOne(run: SweepRun, i: number): Promise<void> {
    const dir = join(this.dir, run.name);
    const res = this.results[i];
    const state = runState(dir);
    if (state.kind === 'done') {
      // finished after the sweep last looked (its process outlived a killed sweep)
      delete res.error;
      Object.assign(res, { status: 'done' }, runMeasures(dir, state.summary));
      return;
    }
    const resume = state.kind === 'resumable';
    const args = resume ? ['--out', dir, '--resume'] : [...trainArgs(run.options), '--out', dir];
    args.push('--json', ...(this.backend ? ['--backend', this.backend] : []), '--threads', String(this.threads));
    makeFolder(dir, '--out');
    // A resumed run's time adds to its earlier sessions'; a run started afresh counts from zero.
    res.status = 'running';
    delete res.error;
    if (!resume) delete res.wall_seconds;
    this.onEvent({ type: 'run-start', run: res, index: i, total: this.runs.length, resumed: resume, running: this.children.size + 1 });
    await this.write();

    const t0 = performance.now();
    const { code, signal, stdout, lastError } = await this.spawnTrain(args, join(dir, 'train.log'));
    res.wall_seconds = +((res.wall_seconds ?? 0) + (performance.now() - t0) / 1000).toFixed(2);
    const summary = parseSummary(stdout);
    if (summary && summary.stopped_by !== 'interrupt' && (code === 0 || (code !== null && SIGNAL_EXITS.has(code)))) {
      // A child stopped by a signal after its budget was spent has finished all the same.
      writeSummary(dir, summary);
      Object.assign(res, { status: 'done' }, runMeasures(dir, summary));
    } else if (this.stops > 0 || signal === 'SIGINT' || signal === 'SIGTERM' || (code !== null && SIGNAL_EXITS.has(code))) {
      res.status = 'interrupted';
    } else {
      // Killed by another signal (the kernel's out-of-memory killer: SIGKILL), its last line is progress, not the reason.
      Object.assign(res, { status: 'failed', error: signal ? `killed by ${signal}` : lastError || `train exited with code ${code}` });
    }
    await this.write();
  }

  private spawnTrain(args: string[], log: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; lastError: string }> {
    return new Promise((done, fail) => {
      const child = spawn(process.execPath, [CLI, 'train', ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      this.children.add(child);
      // A stop asked for while this child was starting reaches it too.
      if (this.stops > 0) child.kill('SIGINT');
      const logFile = createWriteStream(log, { flags: 'a' });
      let stdout = '', tail = '';
      child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr!.setEncoding('utf8').on('data', (d: string) => {
        logFile.write(d);
        tail = (tail + d).slice(-4096);
      });
      child.on('error', (e) => {
        this.children.delete(child);
        logFile.end();
        fail(e);
      });
      child.on('close', (code, signal) => {
        this.children.delete(child);
        logFile.end();
        const last = tail.split('\n').map((l) => l.trim()).filter(Boolean).at(-1) ?? '';
        done({ code, signal, stdout, lastError: last.replace(/^error: /, '') });
      });
    });
  }

  /** results files, one write at a time (runs end concurrently). */
  private write(): Promise<string[]> {
    const next = this.writing.then(() => afterResults(this.dir, this.results));
    this.writing = next.catch(() => {});
    return next;
  }
}

/** Create and run to the end. */
export async function runSweep(spec: SweepSpecInput | undefined, options: SweepOptions): Promise<SweepResult[]> {
  return (await Sweep.create(spec, options)).run();
}

/** A run's settings as `rnnlab train` flags. */
export function trainArgs(options: RunOptions): string[] {
  const args: string[] = [];
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined) continue;
    const flag = flagOf(k);
    if (optionSpec(k)?.value.kind === 'flag') {
      // --lowercase for true; --no-header for false; the default needs no flag
      if (v === !flag.startsWith('--no-')) args.push(flag);
    } else {
      args.push(flag, String(v));
    }
  }
  return args;
}

function initialResult(dir: string, run: SweepRun, previous: SweepResult | undefined): SweepResult {
  const base: SweepResult = { run: run.name, params: run.params, status: 'pending' };
  const state = runState(join(dir, run.name));
  if (state.kind === 'done') return { ...base, status: 'done', ...runMeasures(join(dir, run.name), state.summary), ...wall(previous) };
  // what is known of an unfinished run: that it was interrupted or failed before, and its time so far
  const status = previous?.status === 'interrupted' || previous?.status === 'failed' ? previous.status : state.kind === 'resumable' ? 'interrupted' : 'pending';
  return { ...base, status, ...wall(previous), ...(status === 'failed' && previous?.error ? { error: previous.error } : {}) };
}

function wall(r: SweepResult | undefined): { wall_seconds?: number } {
  return r?.wall_seconds !== undefined ? { wall_seconds: r.wall_seconds } : {};
}

function parseSummary(stdout: string): TrainJsonSummary | null {
  try {
    const s = JSON.parse(stdout) as TrainJsonSummary;
    return typeof s === 'object' && s !== null && typeof s.steps === 'number' ? s : null;
  } catch {
    return null;
  }
}

/** The same runs: settings compared whatever their order, the grid in its order (it decides the runs' order and names). */
function sameSpec(a: SweepSpec, b: SweepSpec): boolean {
  const sorted = (o: object | undefined) => Object.entries(o ?? {}).sort(([x], [y]) => (x < y ? -1 : 1));
  const norm = (s: SweepSpec) => JSON.stringify([sorted(s.base), Object.entries(s.grid ?? {}), (s.runs ?? []).map(sorted)]);
  return norm(a) === norm(b);
}
