/**
 * What a report says about a run, from its config.json and its events (no files, no model):
 * what it is in one line, the settings worth reading (the key ones and every one that differs
 * from its default), the validations that matter and how the training went.
 */
import { CLASSIFY_DEFAULTS } from '../classify/config.js';
import { DEFAULTS, flagOf } from '../run/config.js';
import type { EndEvent, RunEvent, StepEvent, ValEvent } from '../train/events.js';
import { fmtRate, fmtTime } from '../util/format.js';

/** The facts read from a run directory: its config.json (or null) and its metrics.jsonl. */
export interface RunFactsInput {
  config: Record<string, unknown> | null;
  events: readonly RunEvent[];
  classifier?: boolean;
}

export interface SettingRow {
  flag: string;
  value: string;
  /** The default, when the value differs from it; '' otherwise. */
  default: string;
}

export interface ValidationRow {
  what: 'untrained' | 'best' | 'last';
  val: ValEvent;
}

const LM_KEY = ['data', 'level', 'cell', 'layers', 'hidden', 'embed', 'batch', 'seq', 'epochs', 'lr', 'optimizer'];
const CLASSIFIER_KEY = ['data', 'model', 'layers', 'hidden', 'embed', 'batch', 'epochs', 'lr', 'optimizer'];
/** Where a run was written says nothing about it, and is often an absolute path. */
const NOT_SHOWN = new Set(['out']);

function settingsOf(input: RunFactsInput): Record<string, unknown> {
  return (input.config?.config ?? {}) as Record<string, unknown>;
}

/** A setting as text; a file path as its name only (a report is shared, the machine's paths are not). */
export function settingText(v: unknown): string {
  if (typeof v === 'string' && /[\\/]/.test(v)) return v.split(/[\\/]/).filter(Boolean).pop() ?? v;
  if (Array.isArray(v)) return v.map(settingText).join(', ');
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

export function settingRows(input: RunFactsInput): SettingRow[] {
  const settings = settingsOf(input);
  const defaults: Record<string, unknown> = input.classifier ? CLASSIFY_DEFAULTS : DEFAULTS;
  const key = input.classifier ? CLASSIFIER_KEY : LM_KEY;
  const rows: SettingRow[] = [];
  // The key settings first, in a fixed order, so reports of different runs line up.
  const order = [...key.filter((k) => k in settings), ...Object.keys(settings).filter((k) => !key.includes(k))];
  for (const k of order) {
    const v = settings[k];
    if (NOT_SHOWN.has(k) || v === undefined || v === null) continue;
    const hasDefault = k in defaults;
    const differs = hasDefault && JSON.stringify(defaults[k]) !== JSON.stringify(v);
    // Settings without a default (the data file, a tokenizer or batching chosen for the data) are always shown.
    if (!key.includes(k) && hasDefault && !differs) continue;
    rows.push({ flag: flagOf(k), value: settingText(v), default: differs ? settingText(defaults[k]) : '' });
  }
  return rows;
}

export function validationRows(events: readonly RunEvent[]): ValidationRow[] {
  const vals = events.filter((e): e is ValEvent => e.type === 'val');
  const rows: ValidationRow[] = [];
  const untrained = vals.find((v) => v.untrained);
  if (untrained) rows.push({ what: 'untrained', val: untrained });
  const best = vals.filter((v) => v.best).pop();
  if (best) rows.push({ what: 'best', val: best });
  const last = vals.filter((v) => !v.untrained).pop();
  if (last && last !== best) rows.push({ what: 'last', val: last });
  return rows;
}

/** One line: steps, epochs, why it stopped, training time, throughput, parameters. */
export function trainingLine(input: RunFactsInput): string {
  const unit = input.classifier ? 'documents' : 'tokens';
  const end = input.events.filter((e): e is EndEvent => e.type === 'end').pop();
  const lastStep = input.events.filter((e): e is StepEvent => e.type === 'step').pop();
  const params = (input.config?.parameters ?? null) as { total?: number; frozen?: number } | null;
  const parts: string[] = [];
  if (end && (!lastStep || end.step >= lastStep.step)) {
    parts.push(`${end.step.toLocaleString('en-US')} steps (${end.epoch} epoch${end.epoch === 1 ? '' : 's'}, stopped by ${end.stopped_by})`);
    parts.push(`${fmtTime(end.elapsed)} of training`);
    parts.push(`${fmtRate(end.tokens_per_sec)} ${unit}/s in the last session`);
  } else if (lastStep) {
    parts.push(`${lastStep.step.toLocaleString('en-US')} steps so far (running, or stopped without an end line)`);
    parts.push(`${fmtTime(lastStep.elapsed)} of training`);
  } else {
    parts.push('no training steps yet');
  }
  if (params?.total !== undefined) {
    parts.push(`${params.total.toLocaleString('en-US')} parameters${params.frozen ? ` (${params.frozen.toLocaleString('en-US')} frozen)` : ''}`);
  }
  return parts.join(' · ');
}

/** "char-level LSTM language model, 2 × 256 (embedding 64)" or "GRU text classifier, 1 × 64, 4 classes". */
export function runDescription(input: RunFactsInput): string {
  const s = settingsOf(input);
  const up = (v: unknown) => String(v ?? '?').toUpperCase();
  if (input.classifier) {
    const classes = Array.isArray(input.config?.classes) ? (input.config!.classes as unknown[]).length : null;
    const layers = s.layers ?? (s.model === 'cnn' ? 3 : 1);
    return `${s.bidirectional ? 'bidirectional ' : ''}${up(s.model)} text classifier, ${layers} × ${s.hidden ?? '?'}${classes ? `, ${classes} classes` : ''}`;
  }
  const embed = s.embed === 0 ? 'one-hot input' : `embedding ${s.embed ?? '?'}`;
  const cell = s.cell === 'rnn' ? `RNN (${s.activation ?? 'tanh'})` : up(s.cell);
  return `${s.level ?? '?'}-level ${cell} language model, ${s.layers ?? '?'} × ${s.hidden ?? '?'} (${embed})`;
}
