/**
 * `rnnlab report` on tiny real runs the test trains (a char LSTM, a GRU classifier with its
 * evaluation) and on a sweep folder: the Markdown's sections, that every link is relative and
 * leads to a file that exists, that the samples are the ones `rnnlab sample` gives for the
 * command the report prints, and the bad inputs.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeSyntheticRun } from '../report/runs.js';
import { parseXml } from '../report/xml.js';
import {
  assertOk, assertOneLineError, assertSameFiles, inParallel, listFiles, rnnlab, rnnlabAsync, snapshot, tempDir, TINY, writePangrams,
} from './helpers.js';

let dir = '';

before(async () => {
  dir = tempDir('report');
  writePangrams(dir);
  const topics = [['goal', 'match', 'team'], ['bank', 'market', 'shares'], ['chip', 'code', 'robot']];
  const rows = Array.from({ length: 90 }, (_, i) => `${['sport', 'money', 'tech'][i % 3]},the ${topics[i % 3][i % 2]} of a ${topics[i % 3][(i + 1) % 3]} today`);
  writeFileSync(join(dir, 'news.csv'), 'label,text\n' + rows.join('\n') + '\n');
  const [lm, cls] = await inParallel([
    () => rnnlabAsync(['train', '--data', 'pangrams.txt', '--out', 'tiny', ...TINY, '--batch', '4', '--seq', '16', '--epochs', '2', '--lr', '0.01', '--quiet'], { cwd: dir }),
    () => rnnlabAsync(['classify', 'train', '--data', 'news.csv', '--out', 'news', '--backend', 'js', '--hidden', '8', '--embed', '8', '--epochs', '2', '--batch', '16', '--quiet'], { cwd: dir }),
  ]);
  assertOk(lm, 'training the language model');
  assertOk(cls, 'training the classifier');
  assertOk(rnnlab(['classify', 'eval', '--model', 'news', '--data', 'news.csv', '--backend', 'js'], { cwd: dir }), 'classify eval');
  mkdirSync(join(dir, 'sweep'));
  writeFileSync(join(dir, 'sweep', 'results.json'), JSON.stringify([
    { run: 'h16', params: { hidden: 16 }, status: 'done', val_perplexity: 9.25, parameters: 2439, tokens_per_sec: 30000, wall_seconds: 12 },
    { run: 'h32', params: { hidden: 32 }, status: 'done', val_perplexity: 7.125, parameters: 7000, tokens_per_sec: 20000, wall_seconds: 20 },
    { run: 'h64', params: { hidden: 64 }, status: 'failed', error: 'out of memory\nstack' },
  ]));
  writeSyntheticRun(join(dir, 'sweep', 'h16'), { steps: 150, seed: 1 });
  writeSyntheticRun(join(dir, 'sweep', 'h32'), { steps: 150, seed: 2 });
  mkdirSync(join(dir, 'reports'));
  mkdirSync(join(dir, 'not-a-run'));
});

/** Every Markdown link and image target, resolved against the report's folder; each must exist. */
function checkLinks(md: string, reportPath: string): string[] {
  const links = [...md.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]);
  for (const l of links) {
    assert.doesNotMatch(l, /^(\/|[a-z]:|file:)/i, `${l} should be relative`);
    const target = join(dirname(reportPath), decodeURIComponent(l));
    assert.ok(existsSync(target), `${l} should lead to a file (${target})`);
    if (target.endsWith('.svg')) parseXml(readFileSync(target, 'utf8'));
  }
  return links;
}

function section(md: string, heading: string): string {
  const start = md.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `the report has "${heading}"`);
  const level = heading.split(' ')[0];
  const next = md.slice(start + heading.length + 2).search(new RegExp(`\\n#{1,${level.length}} `));
  return next < 0 ? md.slice(start) : md.slice(start, start + heading.length + 2 + next);
}

test('report on a language model: configuration, results, curves, model summary and samples that rnnlab sample reproduces', () => {
  const r = rnnlab(['report', 'tiny', '--backend', 'js'], { cwd: dir });
  assertOk(r, 'report');
  assert.equal(r.stdout, `saved ${join('tiny', 'report.md')}\n`);
  const path = join(dir, 'tiny', 'report.md');
  const md = readFileSync(path, 'utf8');
  assert.ok(md.startsWith('# tiny\n\nchar-level LSTM language model, 1 × 16 (embedding 8).\n'), md.slice(0, 200));
  assert.ok(!md.includes(dir) && !/\/tmp\//.test(md), 'no absolute path in the report');
  const config = section(md, '## Configuration');
  assert.match(config, /\| `--data` \| pangrams\.txt \| {2}\|/);
  assert.match(config, /\| `--hidden` \| 16 \| 256 \|/, 'a changed setting with its default');
  assert.match(config, /\| `--cell` \| lstm \| {2}\|/, 'a key setting at its default');
  assert.doesNotMatch(config, /--out|--clip/, 'neither the output folder nor a setting left at its default');
  const results = section(md, '## Results');
  assert.match(results, /^\d+ steps \(2 epochs, stopped by epochs\) · .* · 2,439 parameters$/m);
  assert.match(results, /\| untrained \(step 0\) \| 0 \| [\d.]+ \| [\d.]+ \| [\d.]+ \|/);
  assert.match(results, /\| best \(model\.safetensors\) \| \d+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \|/);
  assert.deepEqual(checkLinks(md, path), ['report-tiny-curves.svg']);
  assert.match(section(md, '## Model'), /LSTM\(8, 16, layers 1\)[\s\S]*2,439 +total params/);

  const samples = section(md, '## Samples');
  const command = /`(rnnlab sample --model \. [^`]+)`/.exec(samples);
  assert.ok(command, samples);
  assert.equal(command[1], 'rnnlab sample --model . --temperature 0.8 --top-k 40 --length 200 --num-samples 3 --seed 1');
  const texts = [...samples.matchAll(/```text\n([\s\S]*?)\n```/g)].map((m) => m[1]);
  assert.equal(texts.length, 3);
  const again = rnnlab([...command[1].split(' ').slice(1), '--backend', 'js'], { cwd: join(dir, 'tiny') });
  assertOk(again, 'rnnlab sample with the report’s flags');
  const printed = again.stdout.split(/^--- sample \d+ · log p [-\d.]+\n/m).slice(1).map((t) => t.trim());
  assert.deepEqual(printed, texts, 'the report’s samples are what its command prints');
});

test('report --out: one file for a classifier and a language model, figures beside it, links relative to it', () => {
  const r = rnnlab(['report', 'news', 'tiny', '--out', 'reports/all.md', '--samples', '1', '--backend', 'js'], { cwd: dir });
  assertOk(r, 'report');
  const path = join(dir, 'reports', 'all.md');
  const md = readFileSync(path, 'utf8');
  const [news, tiny] = md.split('\n---\n\n');
  assert.ok(news.startsWith('# news\n\nGRU text classifier, 1 × 8, 3 classes.\n'), news.slice(0, 200));
  assert.ok(tiny.startsWith('# tiny\n'), tiny.slice(0, 100));
  assert.match(news, /\| validation \| step \| loss \| accuracy \|/);
  assert.ok(!news.includes('## Samples'), 'a classifier has no samples');
  assert.match(news, /GRU\(8, 8, layers 1\)/);
  assert.deepEqual(checkLinks(md, path), ['all-news-curves.svg', '../news/eval-news.confusion_matrix.svg', 'all-tiny-curves.svg']);
  assert.equal([...tiny.matchAll(/```text\n/g)].length, 2, 'the model summary and one sample');
  assert.deepEqual(listFiles(join(dir, 'reports')), ['all-news-curves.svg', 'all-tiny-curves.svg', 'all.md']);
});

test('report on a sweep: the results table best first, the bar chart and curves, the best run’s page', () => {
  const r = rnnlab(['report', 'sweep', '--backend', 'js'], { cwd: dir });
  assertOk(r, 'report');
  const path = join(dir, 'sweep', 'report.md');
  const md = readFileSync(path, 'utf8');
  assert.ok(md.startsWith('# Sweep sweep\n\n3 runs: 2 done, 1 failed.\nVaried: hidden (16, 32, 64).\n'), md.slice(0, 200));
  const table = section(md, '## Results');
  const runs = [...table.matchAll(/^\| (h\d+) \|/gm)].map((m) => m[1]);
  assert.deepEqual(runs, ['h32', 'h16', 'h64'], 'sorted by validation perplexity, the failed run last');
  assert.match(table, /\| run \| hidden \| status \| val perplexity \| parameters \| tokens\/s \| wall time \|/, 'columns without values (test perplexity) are left out');
  assert.match(table, /^- h64: out of memory$/m);
  assert.deepEqual(checkLinks(md, path), ['report-sweep-perplexity.svg', 'report-sweep-curves.svg', 'report-sweep-h32-curves.svg']);
  assert.match(md, /^## Best run: h32$/m);
  assert.match(md, /No checkpoint yet/, 'the synthetic runs have no model to summarise');
});

test('report: bad input gets one line, exit 1, and writes nothing', async () => {
  const cases: [string[], RegExp][] = [
    [['report', 'tiny', '--out', 'r.txt'], /--out must name a \.md file, got "r\.txt"/],
    [['report', 'not-a-run', '--out', 'r1.md'], /not-a-run has no metrics\.jsonl: not a run directory/],
    [['report', 'tiny', 'missing', '--out', 'r2.md'], /cannot read missing: no such directory/],
    [['report', 'tiny', '--out', 'nowhere/r3.md'], /cannot write nowhere\/r3\.md: no such directory nowhere/],
    [['report', 'tiny', '--samples', '-1', '--out', 'r4.md'], /--samples/],
    [['report', 'news', 'not-a-run'], /not-a-run has no metrics\.jsonl/],
  ];
  const before = snapshot(dir);
  const results = await inParallel(cases.map(([args]) => () => rnnlabAsync([...args, '--backend', 'js'], { cwd: dir })));
  results.forEach((r, i) => assertOneLineError(r, cases[i][1], cases[i][0].join(' ')));
  assertSameFiles(before, dir, 'a failed report');
});
