import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { RnnlabError } from '../../../src/errors.js';

export type Rows = readonly (readonly [string, readonly number[]])[];

/** A temporary directory for one test file, removed by the returned cleanup. */
export function tempFiles(prefix: string): { file: (name: string, content: string | Uint8Array, gzip?: boolean) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `rnnlab-${prefix}-`));
  let n = 0;
  return {
    file(name, content, gzip = false) {
      const path = join(dir, `${n++}-${name}`);
      const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
      writeFileSync(path, gzip ? gzipSync(bytes) : bytes);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function gloveText(rows: Rows): string {
  return rows.map(([w, v]) => `${w} ${v.join(' ')}\n`).join('');
}

/** As the word2vec C tool writes text: a "count dim" line, and a space after every value. */
export function word2vecText(rows: Rows): string {
  return `${rows.length} ${rows[0][1].length}\n` + rows.map(([w, v]) => `${w} ${v.map((x) => `${x} `).join('')}\n`).join('');
}

/** word2vec binary; `newline` adds the "\n" the C tool writes after each vector (gensim does not). */
export function word2vecBinary(rows: Rows, newline: boolean, header = `${rows.length} ${rows[0][1].length}\n`): Buffer {
  const parts: Buffer[] = [Buffer.from(header, 'latin1')];
  for (const [w, v] of rows) {
    parts.push(Buffer.from(`${w} `, 'utf8'), float32le(v));
    if (newline) parts.push(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

export function float32le(values: readonly number[]): Buffer {
  const out = Buffer.alloc(4 * values.length);
  values.forEach((x, k) => out.writeFloatLE(x, 4 * k));
  return out;
}

/** Asserts a rejection with one RnnlabError line matching `message`. */
export async function rejects(p: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof RnnlabError, `expected RnnlabError, got ${String(err)}`);
    assert.match(err.message, message);
    assert.ok(!err.message.includes('\n'), `message must be one line: ${JSON.stringify(err.message)}`);
    return true;
  });
}

/** Float32 rounding of a row, for exact comparisons with what a reader stores. */
export function f32(values: readonly number[]): number[] {
  return Array.from(Float32Array.from(values));
}
