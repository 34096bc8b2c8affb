/**
 * Results of a benchmark run: per-cell records, the targets, and the Markdown report.
 */
import type { Workload } from './workloads.js';

export type BackendId = 'js' | 'wasm' | 'native' | 'torch';

export interface CellResult {
  workload: string;
  backend: BackendId;
  /** Threads asked for. */
  threads: number;
  /** rnnlab: --precision; PyTorch: fp32, or bf16 autocast. */
  precision: 'fp32' | 'bf16';
  /** Threads the backend actually computes with (from the child). */
  threadsUsed: number | null;
  /** Set when this row re-uses the measurement made with fewer threads (single-threaded backend). */
  reusedFrom?: number;
  describe: string;
  status: 'ok' | 'capped' | 'failed' | 'timeout' | 'skipped';
  warmupMs: number[];
  stepsMs: number[];
  medianMs: number | null;
  /** tokens/s (training) or ms per generated char (sampling). */
  value: number | null;
  unit: 'tokens/s' | 'ms/char';
  firstLoss: number | null;
  lastLoss: number | null;
  baselineRssMB: number | null;
  peakRssMB: number | null;
  heapMB: number | null;
  params: number | null;
  wallSeconds: number;
  note: string | null;
}

export interface Target {
  workload: string;
  backends: BackendId[];
  metric: 'speed' | 'memory';
  op: '>=' | '<=';
  ratio: number;
}

/** The goals, as ratios to PyTorch fp32 (speed: rnnlab/PyTorch tokens/s, or ms/char for sampling; memory: peak RSS), for rnnlab's fp32 rows. */
export const TARGETS: readonly Target[] = [
  { workload: 'CL-M', backends: ['native'], metric: 'speed', op: '>=', ratio: 1.0 },
  { workload: 'CL-S', backends: ['native'], metric: 'speed', op: '>=', ratio: 3 },
  { workload: 'WL', backends: ['native'], metric: 'speed', op: '>=', ratio: 1.2 },
  { workload: 'CLS', backends: ['native'], metric: 'speed', op: '>=', ratio: 2 },
  { workload: 'CLS-CNN', backends: ['native'], metric: 'speed', op: '>=', ratio: 2 },
  { workload: 'CLS-GRU', backends: ['native'], metric: 'speed', op: '>=', ratio: 2 },
  { workload: 'CLS-CNN', backends: ['native', 'wasm'], metric: 'memory', op: '<=', ratio: 1 },
  { workload: 'CLS-GRU', backends: ['native', 'wasm'], metric: 'memory', op: '<=', ratio: 1 },
  { workload: 'SAMPLE', backends: ['native'], metric: 'speed', op: '<=', ratio: 0.5 },
  { workload: 'CL-M', backends: ['wasm'], metric: 'speed', op: '>=', ratio: 0.3 },
  { workload: 'CL-S', backends: ['wasm'], metric: 'speed', op: '>=', ratio: 1 },
  { workload: 'CL-L', backends: ['native', 'wasm'], metric: 'memory', op: '<=', ratio: 1 },
];

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function valueOf(w: Workload, medianMs: number | null): number | null {
  if (medianMs === null || medianMs <= 0) return null;
  return w.kind === 'sample' ? medianMs / w.T : (w.B * w.T) / (medianMs / 1000);
}

function fmtValue(v: number | null, unit: CellResult['unit']): string {
  if (v === null) return '—';
  if (unit === 'ms/char') return v.toFixed(v < 1 ? 3 : 2);
  return v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1);
}

function fmtMB(v: number | null): string {
  return v === null ? '—' : Math.round(v).toLocaleString('en-US');
}

function check(ok: boolean): string {
  return ok ? '✅' : '❌';
}

export interface Row {
  cell: CellResult;
  /** PyTorch fp32, and PyTorch bf16 autocast (when bf16 was benchmarked), same workload and threads. */
  torch: CellResult | null;
  torchBf16?: CellResult | null;
}

/** rnnlab over PyTorch (fp32, or `against` bf16 autocast). */
export function speedRatio(r: Row, against: 'fp32' | 'bf16' = 'fp32'): number | null {
  const a = r.cell.value, b = (against === 'fp32' ? r.torch : r.torchBf16)?.value ?? null;
  return a !== null && b !== null && b > 0 ? a / b : null;
}

export function memoryRatio(r: Row): number | null {
  const a = r.cell.peakRssMB, b = r.torch?.peakRssMB ?? null;
  return a !== null && b !== null && b > 0 ? a / b : null;
}

/** "≥ 1.0× ✅" style text for the targets that apply to this row, or "". */
export function targetText(r: Row): string {
  const out: string[] = [];
  if (r.cell.precision !== 'fp32') return '';
  for (const t of TARGETS) {
    if (t.workload !== r.cell.workload || !t.backends.includes(r.cell.backend)) continue;
    const v = t.metric === 'speed' ? speedRatio(r) : memoryRatio(r);
    const label = `${t.metric === 'memory' ? 'RSS ' : ''}${t.op === '>=' ? '≥' : '≤'} ${t.ratio}×`;
    if (v === null) out.push(`${label} ?`);
    else {
      const ok = t.op === '>=' ? v >= t.ratio : v <= t.ratio;
      out.push(t.metric === 'memory' ? `${label} (${v.toFixed(2)}×) ${check(ok)}` : `${label} ${check(ok)}`);
    }
  }
  return out.join('; ');
}

function threadsText(c: CellResult): string {
  if (c.reusedFrom !== undefined) return `${c.threads} (uses ${c.threadsUsed ?? 1})`;
  if (c.threadsUsed !== null && c.threadsUsed !== c.threads) return `${c.threads} (uses ${c.threadsUsed})`;
  return String(c.threads);
}

function statusNote(c: CellResult | null): string {
  if (!c) return '';
  const parts: string[] = [];
  if (c.status === 'failed' || c.status === 'skipped') parts.push(`${c.status}${c.note ? `: ${c.note}` : ''}`);
  else if (c.status === 'timeout') {
    parts.push(`timeout: ${c.note ?? ''}`);
    if (c.stepsMs.length === 0 && c.warmupMs.length > 0) parts.push('from warm-up only');
  } else {
    if (c.stepsMs.length === 0 && c.warmupMs.length > 0) parts.push('**from the warm-up step only** (includes first-step allocation)');
    else if (c.stepsMs.length > 0) parts.push(`${c.stepsMs.length} timed`);
    if (c.note) parts.push(c.note);
  }
  return parts.join(', ');
}

export interface RunInfo {
  date: string;
  command: string;
  cpu: string;
  cores: number;
  /** CPUs this process may run on (taskset). */
  usableCores: number;
  node: string;
  torch: string | null;
  commit: string | null;
  loadStart: number[];
  loadEnd: number[] | null;
  settings: string;
  backends: Record<string, string>;
  notes: string[];
}

export function markdown(info: RunInfo, rows: Row[], workloads: readonly Workload[]): string {
  const L: string[] = [];
  L.push(`# rnnlab benchmark — ${info.date}`);
  L.push('');
  L.push(`\`${info.command}\``);
  L.push('');
  L.push(`- Machine: ${info.cpu}, ${info.cores} cores${info.usableCores < info.cores ? ` (run pinned to ${info.usableCores})` : ''}; Node ${info.node}${info.torch ? `; PyTorch ${info.torch}` : ''}`);
  if (info.commit) L.push(`- rnnlab commit: ${info.commit}`);
  L.push(`- Load average at start: ${info.loadStart.map((x) => x.toFixed(2)).join(' ')}${info.loadEnd ? `; at end: ${info.loadEnd.map((x) => x.toFixed(2)).join(' ')}` : ''}`);
  L.push(`- Settings: ${info.settings}`);
  for (const [k, v] of Object.entries(info.backends)) L.push(`- ${k}: ${v}`);
  L.push('');
  L.push('Training rows: tokens/s = B·T / median step time (higher is better; ratio = rnnlab / PyTorch, > 1 means rnnlab is faster).');
  L.push('SAMPLE rows: ms per generated char (lower is better; ratio = rnnlab / PyTorch, < 1 means rnnlab is faster).');
  L.push('precision: rnnlab\'s --precision (bf16: bfloat16 GEMM operands, float32 sums; native kernels, emulated on wasm/js). ' +
    'Every rnnlab row is compared with PyTorch fp32 and with PyTorch bf16 autocast (torch.cpu.amp.autocast(dtype=torch.bfloat16) around forward and loss) at the same threads; targets apply to the fp32 rows.');
  L.push('Peak RSS: whole process (Node or Python + libraries), one process per cell.');
  L.push('');
  L.push('| workload | backend | precision | threads | rnnlab | PyTorch fp32 | PyTorch bf16 | ratio vs fp32 | ratio vs bf16 | target | rnnlab peak RSS MB | PyTorch fp32 peak RSS MB | notes |');
  L.push('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |');
  const ratioText = (x: number | null) => (x === null ? '—' : x.toFixed(2) + '×');
  for (const r of rows) {
    const c = r.cell;
    const unit = c.unit === 'ms/char' ? ' ms/char' : '';
    const notes = [
      statusNote(c),
      r.torch && r.torch.status !== 'ok' ? `PyTorch: ${statusNote(r.torch)}` : '',
      r.torchBf16 && r.torchBf16.status !== 'ok' ? `PyTorch bf16: ${statusNote(r.torchBf16)}` : '',
    ].filter(Boolean).join('; ');
    L.push(
      `| ${c.workload} | ${c.backend} | ${c.precision} | ${threadsText(c)} | ${fmtValue(c.value, c.unit)}${c.value !== null ? unit : ''} | ` +
        `${r.torch ? fmtValue(r.torch.value, c.unit) : '—'} | ${r.torchBf16 ? fmtValue(r.torchBf16.value, c.unit) : '—'} | ` +
        `${ratioText(speedRatio(r))} | ${ratioText(speedRatio(r, 'bf16'))} | ${targetText(r)} | ` +
        `${fmtMB(c.peakRssMB)} | ${fmtMB(r.torch?.peakRssMB ?? null)} | ${notes} |`,
    );
  }
  L.push('');
  L.push('## Workloads');
  L.push('');
  for (const w of workloads) L.push(`- **${w.id}**: ${w.title}`);
  L.push('');
  L.push('## Step times (ms) and losses');
  L.push('');
  L.push('| workload | backend | precision | threads | warm-up | timed | median | first loss | last loss | baseline RSS MB | wasm heap MB | params |');
  L.push('| --- | --- | --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  const seen = new Set<CellResult>();
  for (const r of rows) {
    for (const c of [r.torch, r.torchBf16, r.cell]) {
      if (!c || seen.has(c) || c.reusedFrom !== undefined) continue;
      seen.add(c);
      const ms = (xs: number[]) => xs.map((x) => (x >= 100 ? Math.round(x) : x.toFixed(1))).join(', ');
      const loss = (x: number | null) => (x === null ? '—' : x.toFixed(4));
      L.push(
        `| ${c.workload} | ${c.backend} | ${c.precision} | ${threadsText(c)} | ${ms(c.warmupMs)} | ${ms(c.stepsMs)} | ` +
          `${c.medianMs === null ? '—' : c.medianMs.toFixed(1)} | ${loss(c.firstLoss)} | ${loss(c.lastLoss)} | ` +
          `${fmtMB(c.baselineRssMB)} | ${c.heapMB == null ? '' : fmtMB(c.heapMB)} | ${c.params === null ? '—' : c.params.toLocaleString('en-US')} |`,
      );
    }
  }
  if (info.notes.length) {
    L.push('');
    L.push('## Notes');
    L.push('');
    for (const n of info.notes) L.push(`- ${n}`);
  }
  L.push('');
  return L.join('\n');
}
