/**
 * `rnnlab demo` (what `npm start` runs), shortened: it trains, reports perplexity and bits/char,
 * samples, and a second demo into the same folder starts clean instead of mixing runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { assertOk, assertOneLineError, assertSameFiles, listFiles, readMetrics, rnnlab, snapshot, tempDir, TINY, writePangrams } from './helpers.js';

test('demo: trains, measures and samples; run again into the same folder it starts clean', () => {
  const cwd = tempDir('demo');
  for (let k = 0; k < 2; k++) {
    const r = rnnlab(['demo', '--seconds', '1', '--out', 'demo'], { cwd, timeoutMs: 120_000 });
    assertOk(r, `demo run ${k + 1}`);
    assert.match(r.stdout, /^trained \d+ steps in /m);
    assert.match(r.stdout, /validation: perplexity [\d.]+ · [\d.]+ bits\/char over [\d,]+ held-out characters/);
    assert.equal(r.stdout.match(/--- sample at temperature/g)?.length, 3);
    assert.deepEqual(listFiles(join(cwd, 'demo')), ['config.json', 'last.safetensors', 'metrics.jsonl', 'model.safetensors']);
    const ms = readMetrics(join(cwd, 'demo', 'metrics.jsonl'));
    assert.deepEqual(ms.filter((m) => m.type === 'start' || m.type === 'end').map((m) => m.type), ['start', 'end'], `demo run ${k + 1}: one session in metrics.jsonl`);
    assert.equal(ms.filter((m) => m.type === 'val' && m.untrained).length, 1);
  }
});

test('demo never replaces a run that is not a demo', () => {
  const cwd = tempDir('demo-other');
  writePangrams(cwd);
  assertOk(rnnlab(['train', '--data', 'pangrams.txt', '--out', 'mine', ...TINY, '--batch', '4', '--seq', '16', '--max-steps', '2', '--quiet'], { cwd }));
  const before = snapshot(join(cwd, 'mine'));
  assertOneLineError(rnnlab(['demo', '--seconds', '1', '--out', 'mine'], { cwd }), /mine already holds a model that is not from this version's demo: remove it, or choose another --out/, 'demo into a training run');
  assertSameFiles(before, join(cwd, 'mine'), 'demo into a training run');
});
