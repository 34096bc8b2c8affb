/**
 * The typed client of `rnnlab serve`'s HTTP API (docs/dashboard-api.md). Requests go to the
 * page's own origin only. A 4xx answer's `{ error }` line becomes an ApiError with that
 * message, which the pages show as it is: the server is the judge of every setting.
 */

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export interface Best { step: number; loss: number; perplexity: number | null; bits_per_token: number | null; accuracy?: number | null }
export type RunStatus = 'running' | 'done' | 'stopped' | 'failed' | 'incomplete';

export interface RunSummary {
  id: string;
  name: string;
  kind: 'lm' | 'classifier';
  status: RunStatus;
  sweep: string | null;
  config: Record<string, unknown>;
  step: number;
  epoch: number;
  best: Best | null;
  end: { stopped_by: string; elapsed: number } | null;
  files: { model: boolean; last: boolean };
  updated: string;
}

export interface SweepSummary { id: string; name: string; runs: number; varied: string[] }

/** One metrics.jsonl line (only the fields the pages read are typed). */
export interface RunEvent {
  type: string;
  step?: number;
  epoch?: number;
  loss?: number;
  val_loss?: number;
  accuracy?: number;
  val_accuracy?: number;
  [k: string]: unknown;
}

export interface RunDetail extends RunSummary { run_config: Record<string, unknown> | null; events: RunEvent[] }

export interface SweepResult {
  run: string; params: Record<string, unknown>; status: string;
  val_perplexity?: number | null; val_bits?: number | null; test_perplexity?: number | null;
  parameters?: number; tokens_per_sec?: number; wall_seconds?: number; epochs?: number; steps?: number; error?: string;
}
export interface SweepDetail {
  id: string; name: string; results: SweepResult[]; varied: string[];
  /** rnnlab plot's pictures in the sweep's folder (GET /api/files). */
  figures: { path: string; title: string; updated: number }[];
  runs: RunSummary[];
}

export type ValueSpec =
  | { kind: 'int'; min: number; max?: number | null }
  | { kind: 'num'; min: number; max: number | null; exclusiveMin?: boolean; exclusiveMax?: boolean }
  | { kind: 'choice'; values: string[] }
  | { kind: 'string' } | { kind: 'text' } | { kind: 'texts' } | { kind: 'column' } | { kind: 'flag' };

export interface OptionSpec {
  key: string;
  flag: string;
  arg: string | null;
  help: string;
  group: string;
  value: ValueSpec;
  rule: string;
  default: unknown;
  /** Training options: a path in the runs folder. */
  file?: boolean;
  /** Training options: budget (may change on resume) | free | fixed. */
  resume?: 'budget' | 'free' | 'fixed';
}

export interface TrainOptions {
  lm: { command: string; options: OptionSpec[] };
  classifier: { command: string; options: OptionSpec[] };
  resume: string[];
  concurrency: number;
}

export type JobStatus = 'queued' | 'running' | 'done' | 'stopped' | 'failed' | 'cancelled';
export interface Job {
  id: string; run: string; kind: 'lm' | 'classifier'; action: 'train' | 'resume'; status: JobStatus;
  args: string[]; pid: number | null; exit_code: number | null; log: string[];
  created: string; started: string | null; ended: string | null;
}

export interface ServerInfo { version: string; url: string; runs_dir: string; max_upload: number; token_required: boolean; jobs: { limit: number; running: number; queued: number } }
export interface Corpus { path: string; bytes: number }
export interface ModelInfo { id: string; kind: 'lm' | 'classifier'; level: string | null; status: RunStatus; best: Best | null }

export interface Sample { text: string; tokens: string[]; ids?: number[]; log_prob: number; finished_by: string; score?: number; rank?: number }
export type GenerateEvent =
  | { type: 'prime'; text: string }
  | { type: 'token'; row: number; id: number; token: string; text: string }
  | { type: 'done'; strategy: string; seed: number; backend: string; prime: string; samples: Sample[]; ms_per_token: number }
  | { type: 'error'; status: number; error: string };

export interface InspectItem { index: number; token: string; nll: number | null; bits: number | null; p: number | null; top: { token: string; p: number }[] }
export interface InspectResult {
  level: string; tokens: number; nll: number; loss: number; perplexity: number; bits_per_token: number;
  oov: number; skipped: string[]; items: InspectItem[];
}

export interface Prediction { text: string; label: string; probabilities: Record<string, number>; ranked: { label: string; p: number }[] }
export interface ClassEval {
  model: string; data: string; documents: number; accuracy: number; loss: number; macro_f1: number; weighted_f1: number;
  classes: { name: string; precision: number; recall: number; f1: number; support: number; predicted: number }[];
  confusion: number[][]; cut: number; oov: number; files: string[];
}

export interface CompareRow {
  name: string; strategy: string; outputs: number; meanLength: number; distinct1: number; distinct2: number;
  repetition4: number; perplexity: number; msPerToken: number; example: string;
}

async function answer<T>(r: Response): Promise<T> {
  const text = await r.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError(r.status, `the server answered ${r.status} with something that is not JSON`);
  }
  if (!r.ok) throw new ApiError(r.status, (body as { error?: string }).error ?? `HTTP ${r.status}`);
  return body as T;
}

export async function get<T>(path: string): Promise<T> {
  return answer<T>(await fetch(path, { headers: { accept: 'application/json' } }));
}

export async function post<T>(path: string, body: unknown): Promise<T> {
  return answer<T>(await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
}

const q = (id: string) => encodeURIComponent(id);

export const api = {
  server: () => get<ServerInfo>('/api/server'),
  runs: () => get<{ runs: RunSummary[]; sweeps: SweepSummary[] }>('/api/runs'),
  run: (id: string) => get<RunDetail>(`/api/runs/get?id=${q(id)}`),
  sweep: (id: string) => get<SweepDetail>(`/api/sweeps/get?id=${q(id)}`),
  corpora: () => get<{ corpora: Corpus[] }>('/api/corpora'),
  models: () => get<{ models: ModelInfo[] }>('/api/models'),
  trainOptions: () => get<TrainOptions>('/api/train/options'),
  generateOptions: () => get<{ command: string; options: OptionSpec[] }>('/api/generate/options'),
  train: (kind: 'lm' | 'classifier', name: string | undefined, settings: Record<string, unknown>) => post<Job>('/api/train', { kind, ...(name ? { name } : {}), settings }),
  stop: (job: string) => post<Job>('/api/train/stop', { job }),
  resume: (id: string, budget: Record<string, unknown>) => post<Job>('/api/train/resume', { id, ...budget }),
  jobs: () => get<{ jobs: Job[] }>('/api/train/jobs'),
  inspect: (model: string, text: string, top: number) => post<InspectResult>('/api/inspect', { model, text, top }),
  predict: (model: string, text: string) => post<Prediction>('/api/classify/predict', { model, text }),
  classEval: (model: string, data?: string) => post<ClassEval>('/api/classify/eval', { model, ...(data ? { data } : {}) }),
  compare: (body: Record<string, unknown>) => post<{ rows: CompareRow[] }>('/api/compare', body),
  async upload(file: File): Promise<Corpus> {
    return answer<Corpus>(await fetch(`/api/uploads?name=${q(file.name)}`, { method: 'POST', body: file }));
  },
};

/**
 * A GET event stream (EventSource: it reconnects by itself after a network error). Returns
 * the close function. `onEvent` sees every `data:` JSON object.
 */
export function events<E = RunEvent>(path: string, onEvent: (e: E) => void, onError?: () => void): () => void {
  const source = new EventSource(path);
  source.onmessage = (m) => onEvent(JSON.parse(m.data as string) as E);
  if (onError) source.onerror = onError;
  return () => source.close();
}

export const runEvents = (id: string, onEvent: (e: RunEvent) => void) => events<RunEvent>(`/api/runs/events?id=${q(id)}`, onEvent);

/**
 * POST /api/generate answers with an event stream, which EventSource (GET only) cannot read:
 * a fetch reader splits it into `data:` lines. A 400 before the stream is an ApiError. Aborting
 * the signal closes the connection, which stops the generation on the server.
 */
export async function generate(body: Record<string, unknown>, onEvent: (e: GenerateEvent) => void, signal: AbortSignal): Promise<void> {
  const r = await fetch('/api/generate', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify(body), signal });
  if (!r.ok || !r.body) await answer(r);
  const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let cut: number;
    while ((cut = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
      if (data) onEvent(JSON.parse(data) as GenerateEvent);
    }
  }
}

export function fmt(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  if (Math.abs(x) >= 1000) return x.toFixed(0);
  return Number(x.toPrecision(digits)).toString();
}

/** A file of the runs folder as the server serves it (GET /api/files); `version` makes a redrawn picture load anew. */
export function fileUrl(path: string, version?: number): string {
  return `/api/files?path=${encodeURIComponent(path)}${version !== undefined ? `&v=${version}` : ''}`;
}
