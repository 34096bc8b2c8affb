/**
 * The model summary printed when training starts, as PyTorch Lightning prints one: a row per
 * module with its type and parameter count, then trainable, frozen and total parameters and
 * the size of the weights in MB (float32).
 */
import { countParameters } from './model.js';
import type { Param } from './param.js';

export interface ModuleRow {
  name: string;
  type: string;
  params: Param[];
}

export function modelSummary(rows: readonly ModuleRow[], all: readonly Param[]): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const table = rows.map((r, i) => [String(i), r.name, r.type, n(r.params.reduce((s, p) => s + p.value.size, 0))]);
  const head = ['', 'Name', 'Type', 'Params'];
  const widths = head.map((h, c) => Math.max(h.length, ...table.map((row) => row[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 3 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  const counts = countParameters(all);
  const rule = '-'.repeat(widths.reduce((a, b) => a + b + 2, -2));
  return [
    line(head), rule, ...table.map(line), rule,
    `${n(counts.trainable).padStart(12)}  trainable params`,
    `${n(counts.frozen).padStart(12)}  frozen params`,
    `${n(counts.total).padStart(12)}  total params`,
    `${((counts.total * 4) / 1e6).toFixed(3).padStart(12)}  total size of the weights (MB, float32)`,
  ].join('\n');
}
