/**
 * Training jobs: each one is the real CLI in a child process (`rnnlab train … --out RUNS/<name>`
 * or `rnnlab classify train …`), so a run from the dashboard is exactly a run from the shell, its
 * files in its run directory, and a crash or a slow epoch never touches the server's event loop.
 * At most `limit` run at once; the rest wait in order. Stop is SIGINT, as Ctrl-C: the CLI
 * finishes its step and saves last.safetensors; resume is the CLI's `--resume`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLASSIFY_TABLE } from '../classify/config.js';
import { flagOf } from '../run/config.js';
import { RUN_TABLE, validateRunOptions, type OptionTable } from '../run/options.js';
import { RunsFolder } from './contain.js';
import { HttpError } from './http-error.js';

export const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

export type JobKind = 'lm' | 'classifier';
export type JobStatus = 'queued' | 'running' | 'done' | 'stopped' | 'failed' | 'cancelled';

export interface Job {
  id: string;
  /** The run's id (its folder, relative to the runs folder). */
  run: string;
  kind: JobKind;
  action: 'train' | 'resume';
  status: JobStatus;
  /** The command line after `rnnlab` (paths absolute), for the log and the user. */
  args: string[];
  pid: number | null;
  exit_code: number | null;
  /** The last lines the CLI wrote on stderr (its error, or its resume hint). */
  log: string[];
  created: string;
  started: string | null;
  ended: string | null;
}

/** The settings a resume may give anew (its budget): everything else comes from the run. */
export const RESUME_KEYS = ['epochs', 'maxSteps', 'maxTime'] as const;

export function tableOf(kind: JobKind): OptionTable {
  return kind === 'classifier' ? CLASSIFY_TABLE : RUN_TABLE;
}

export interface JobsOptions {
  folder: RunsFolder;
  limit: number;
  /** `--backend` for every job (the server's own). */
  backend?: string;
}

export class Jobs {
  private readonly jobs = new Map<string, Job>();
  private readonly children = new Map<string, ChildProcess>();
  private readonly listeners = new Set<(j: Job) => void>();
  private seq = 0;
  private closing = false;

  constructor(private readonly o: JobsOptions) {}

  list(): Job[] {
    return [...this.jobs.values()];
  }

  /** The job of `run` that is queued or running, if any (a run has at most one). */
  activeFor(run: string): Job | undefined {
    return this.list().find((j) => j.run === run && (j.status === 'queued' || j.status === 'running'));
  }

  get(id: string): Job {
    const j = this.jobs.get(id);
    if (!j) throw new HttpError(404, `no job ${JSON.stringify(id)} (GET /api/train/jobs lists them)`);
    return j;
  }

  get running(): number {
    return this.list().filter((j) => j.status === 'running').length;
  }

  /** Hears every change of every job; returns the unsubscribe. */
  watch(fn: (j: Job) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * A new run from settings named as the option table names them (`hidden`, `maxSteps`); files
   * (`data`, `valData`, …) are paths relative to the runs folder. Checked here with the
   * library's own validation, so a bad value is a 400 before any process starts.
   */
  start(kind: JobKind, name: unknown, settings: Record<string, unknown>): Job {
    const table = tableOf(kind);
    if ('out' in settings) throw new HttpError(400, 'settings.out is not taken: name the run with "name" (a folder in the runs folder)');
    validateRunOptions(settings, table);
    if (settings.data === undefined) throw new HttpError(400, 'settings.data (--data) is required for a new run: a corpus in the runs folder (GET /api/corpora)');
    const runName = name === undefined ? `${kind === 'classifier' ? 'classify' : settings.level ?? 'char'}-${kind === 'classifier' ? settings.model ?? 'cnn' : settings.cell ?? 'lstm'}-${stamp()}` : name;
    const dir = this.o.folder.target(runName, 'name');
    if (dir === this.o.folder.real) throw new HttpError(400, `name ${JSON.stringify(runName)} is the runs folder itself: name a folder inside it`);
    if (existsSync(join(dir, 'metrics.jsonl'))) throw new HttpError(409, `the run ${JSON.stringify(runName)} exists already: choose another name, or resume it (POST /api/train/resume)`);
    const args: string[] = kind === 'classifier' ? ['classify', 'train'] : ['train'];
    for (const spec of table.options) {
      const v = settings[spec.key];
      if (v === undefined) continue;
      if (spec.value.kind === 'flag') {
        // header and clean are on by default: false is their --no- flag
        const negated = flagOf(spec.key).startsWith('--no-');
        if (v === !negated) args.push(flagOf(spec.key));
        continue;
      }
      const value = spec.arg === '<file>' ? this.file(v, `settings.${spec.key}`) : String(v);
      args.push(flagOf(spec.key), value);
    }
    args.push('--out', dir);
    return this.enqueue(kind, 'train', this.o.folder.idOf(dir), args);
  }

  /** A file setting: a file (not a folder) inside the runs folder, as an absolute path for the CLI. */
  private file(v: unknown, what: string): string {
    const p = this.o.folder.existing(v, what);
    if (!statSync(p).isFile()) throw new HttpError(400, `${what} ${JSON.stringify(v)} is a folder, not a file`);
    return p;
  }

  /** Continues a run from its last.safetensors; only the budget (epochs, maxSteps, maxTime) may be given anew. */
  resume(runId: unknown, budget: Record<string, unknown>): Job {
    const dir = this.o.folder.existing(runId, 'id');
    if (!existsSync(join(dir, 'last.safetensors'))) throw new HttpError(409, `the run ${JSON.stringify(runId)} has no last.safetensors to resume from`);
    const extra = Object.keys(budget).filter((k) => !(RESUME_KEYS as readonly string[]).includes(k));
    if (extra.length) throw new HttpError(400, `a resume takes only ${RESUME_KEYS.join(', ')} (the rest comes from the run), not ${extra.join(', ')}`);
    let kind: JobKind = 'lm';
    try {
      const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { command?: string; arch?: string };
      if (cfg.command === 'classify' || cfg.arch === 'classifier') kind = 'classifier';
    } catch {
      // no config.json: a language-model run (the CLI refuses what it cannot resume)
    }
    validateRunOptions(budget, tableOf(kind));
    const args: string[] = kind === 'classifier' ? ['classify', 'train'] : ['train'];
    for (const k of RESUME_KEYS) if (budget[k] !== undefined) args.push(flagOf(k), String(budget[k]));
    args.push('--out', dir, '--resume');
    return this.enqueue(kind, 'resume', this.o.folder.idOf(dir), args);
  }

  /** Stops a job: a queued one is dropped, a running one gets SIGINT (it saves last.safetensors and exits). */
  stop(id: string): Job {
    const j = this.get(id);
    if (j.status === 'queued') {
      this.update(j, { status: 'cancelled', ended: new Date().toISOString() });
    } else if (j.status === 'running') {
      this.children.get(id)?.kill('SIGINT');
    } else {
      throw new HttpError(409, `job ${id} is ${j.status} already`);
    }
    return j;
  }

  /** At shutdown: every running job is stopped as Ctrl-C would (saving last.safetensors), and waited for. */
  async close(timeoutMs = 20_000): Promise<void> {
    this.closing = true;
    for (const j of this.list()) if (j.status === 'queued') this.update(j, { status: 'cancelled', ended: new Date().toISOString() });
    const waits = [...this.children.entries()].map(([, child]) => new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGINT');
    }));
    await Promise.all(waits);
  }

  private enqueue(kind: JobKind, action: Job['action'], run: string, args: string[]): Job {
    if (this.closing) throw new HttpError(503, 'the server is shutting down');
    const busy = this.activeFor(run);
    if (busy) throw new HttpError(409, `the run ${JSON.stringify(run)} already has job ${busy.id} (${busy.status})`);
    const job: Job = {
      id: `job-${++this.seq}`, run, kind, action, status: 'queued', args: [...args, ...(this.o.backend ? ['--backend', this.o.backend] : []), '--quiet'],
      pid: null, exit_code: null, log: [], created: new Date().toISOString(), started: null, ended: null,
    };
    this.jobs.set(job.id, job);
    this.emit(job);
    this.pump();
    return job;
  }

  private pump(): void {
    while (!this.closing && this.running < this.o.limit) {
      const next = this.list().find((j) => j.status === 'queued');
      if (!next) return;
      this.launch(next);
    }
  }

  private launch(job: Job): void {
    const env: NodeJS.ProcessEnv = { ...process.env, RNNLAB_QUIET_FALLBACK: '1' };
    const child = spawn(process.execPath, [CLI, ...job.args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    this.children.set(job.id, child);
    this.update(job, { status: 'running', pid: child.pid ?? null, started: new Date().toISOString() });
    let tail = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      tail = (tail + d).slice(-8192);
      job.log = tail.split('\n').map((l) => l.trimEnd()).filter(Boolean).slice(-20);
    });
    const finish = (code: number | null, signal: NodeJS.Signals | null, error?: string) => {
      if (!this.children.has(job.id)) return;
      this.children.delete(job.id);
      if (error) job.log = [...job.log, error].slice(-20);
      // 130/143: a signal stopped the run after saving (the CLI's exit code for Ctrl-C, SIGTERM)
      const status: JobStatus = code === 0 ? 'done' : code === 130 || code === 143 || signal === 'SIGINT' ? 'stopped' : 'failed';
      this.update(job, { status, exit_code: code, ended: new Date().toISOString() });
      this.pump();
    };
    child.on('error', (e) => finish(null, null, `cannot start the CLI: ${e.message}`));
    child.on('close', (code, signal) => finish(code, signal));
  }

  private update(job: Job, patch: Partial<Job>): void {
    Object.assign(job, patch);
    this.emit(job);
  }

  private emit(job: Job): void {
    for (const fn of this.listeners) {
      try {
        fn(job);
      } catch {
        // a listener that fails (a closed stream) does not stop the others
      }
    }
  }
}

function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
}
