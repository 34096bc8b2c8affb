/**
 * Input files as a user meets them, through the CLI: other encodings (--encoding), bytes that
 * are not text located exactly, whitespace-only data, paths that are not files or are too large,
 * a CSV quote left open, CR line ends, and eval on text the model's vocabulary mostly lacks.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { assertOk, assertOneLineError, inParallel, PANGRAM, readSafetensorsHeader, rnnlabAsync, tempDir, TINY, writePangrams } from './helpers.js';

const dir = tempDir('input');
const QUICK = [...TINY, '--epochs', '1', '--batch', '4', '--seq', '16', '--quiet'];

before(async () => {
  writePangrams(dir);
  // Latin-1: "café" and Windows-1252 quotes
  writeFileSync(join(dir, 'latin1.txt'), Buffer.from(PANGRAM.repeat(30) + 'Un caf\xe9 \x93noir\x94.\n', 'latin1'));
  writeFileSync(join(dir, 'utf16.txt'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(PANGRAM.repeat(30), 'utf16le')]));
  writeFileSync(join(dir, 'blank.txt'), '  \n\t \r\n\n');
  writeFileSync(join(dir, 'late-nul.txt'), Buffer.concat([Buffer.from(PANGRAM.repeat(1000)), Buffer.from('x\0y\n')]));
  writeFileSync(join(dir, 'crlf.txt'), PANGRAM.replace('\n', '\r\n').repeat(30) + 'lone\rcarriage\r');
  writeFileSync(join(dir, 'cyrillic.txt'), 'Съешь же ещё этих мягких французских булок. The fox.\n');
  writeFileSync(join(dir, 'open-quote.csv'), 'text,label\n"fine",a\n"never closed,b\nsecond,a\n"third",b\n');
  writeFileSync(join(dir, 'latin1.csv'), Buffer.from('text,label\n' + Array.from({ length: 20 }, (_, i) => `caf\xe9 number ${i},${i % 2 ? 'x' : 'y'}`).join('\n') + '\n', 'latin1'));
  const made = spawnSync('mkfifo', [join(dir, 'pipe.txt')]);
  assert.equal(made.status, 0, 'mkfifo works');
  // a sparse file: 40 GB on paper, nothing on disk
  const big = spawnSync('truncate', ['-s', '40G', join(dir, 'huge.txt')]);
  assert.equal(big.status, 0, 'truncate works');
  assertOk(await rnnlabAsync(['train', '--data', 'crlf.txt', '--out', 'crlf', ...QUICK], { cwd: dir }), 'train on CRLF text');
});

test('bad bytes: the exact byte and line, and the --encoding that reads the file', async () => {
  const [latin, utf16, nul, blank] = await inParallel([
    () => rnnlabAsync(['train', '--data', 'latin1.txt', '--out', 'x1', ...QUICK], { cwd: dir }),
    () => rnnlabAsync(['train', '--data', 'utf16.txt', '--out', 'x2', ...QUICK], { cwd: dir }),
    () => rnnlabAsync(['train', '--data', 'late-nul.txt', '--out', 'x3', ...QUICK], { cwd: dir }),
    () => rnnlabAsync(['train', '--data', 'blank.txt', '--out', 'x4', ...QUICK], { cwd: dir }),
  ]);
  const offset = (PANGRAM.length * 30 + 'Un caf'.length).toLocaleString('en-US');
  assertOneLineError(latin, new RegExp(`latin1\\.txt: not UTF-8 at byte ${offset} \\(line 31\\): 0xE9; if the file is Latin-1 \\(or Windows-1252\\), add --encoding latin1$`), 'Latin-1 data');
  assertOneLineError(utf16, /utf16\.txt is UTF-16 text \(it starts with a UTF-16LE byte-order mark\): add --encoding utf16le$/, 'UTF-16 data');
  assertOneLineError(nul, new RegExp(`late-nul\\.txt: a NUL byte at byte ${(PANGRAM.length * 1000 + 1).toLocaleString('en-US')} \\(line 1,001\\): this is a binary file, not text$`), 'a NUL byte past 64 KiB');
  assertOneLineError(blank, /blank\.txt holds only whitespace: there is no text to learn from or score$/, 'whitespace only');
});

test('--encoding latin1 and utf16le read the files; eval takes --encoding too', async () => {
  const [latin, utf16] = await inParallel([
    () => rnnlabAsync(['train', '--data', 'latin1.txt', '--encoding', 'latin1', '--out', 'latin1', ...QUICK, '--json'], { cwd: dir }),
    () => rnnlabAsync(['train', '--data', 'utf16.txt', '--encoding', 'utf16le', '--out', 'utf16', ...QUICK], { cwd: dir }),
  ]);
  assertOk(latin, 'train --encoding latin1');
  assertOk(utf16, 'train --encoding utf16le');
  const [ok, wrong, resume] = await inParallel([
    () => rnnlabAsync(['eval', '--model', 'latin1', '--data', 'latin1.txt', '--encoding', 'latin1', '--backend', 'js', '--strict-vocab', '--json'], { cwd: dir }),
    () => rnnlabAsync(['eval', '--model', 'latin1', '--data', 'latin1.txt', '--backend', 'js'], { cwd: dir }),
    () => rnnlabAsync(['train', '--out', 'latin1', '--resume', '--encoding', 'utf8', '--epochs', '2', '--backend', 'js', '--quiet'], { cwd: dir }),
  ]);
  assertOk(ok, 'eval --encoding latin1: é, “ and ” are in the vocabulary');
  assert.equal(JSON.parse(ok.stdout).oov, 0);
  assertOneLineError(wrong, /not UTF-8 at byte .*add --encoding latin1$/, 'eval without --encoding');
  assertOneLineError(resume, /cannot change --encoding when resuming \(the run used latin1\)/, 'resume with another encoding');
});

test('classify reads --encoding too; a CSV quote left open is reported where it opens', async () => {
  const [open, latin, bad] = await inParallel([
    () => rnnlabAsync(['classify', 'train', '--data', 'open-quote.csv', '--out', 'c1', '--backend', 'js', '--quiet'], { cwd: dir }),
    () => rnnlabAsync(['classify', 'train', '--data', 'latin1.csv', '--encoding', 'latin1', '--out', 'c2', '--backend', 'js', '--hidden', '4', '--embed', '4', '--max-steps', '1', '--quiet'], { cwd: dir }),
    () => rnnlabAsync(['classify', 'train', '--data', 'latin1.csv', '--out', 'c3', '--backend', 'js', '--quiet'], { cwd: dir }),
  ]);
  assertOneLineError(open, /open-quote\.csv line 3: the quoted field 1 that opens here runs on to line 5, where "t" follows its closing quote: an unbalanced quote\?/, 'an open quote');
  assertOk(latin, 'classify train --encoding latin1');
  assertOneLineError(bad, /latin1\.csv: not UTF-8 at byte 14 \(line 2\): 0xE9; .*--encoding latin1$/, 'classify train on Latin-1 without --encoding');
});

test('a directory, a named pipe, a device and a file larger than memory are refused at once', async () => {
  // each its own --out: runs side by side on one --out would meet its lock (src/run/lock.ts)
  const runs = await inParallel(['.', 'pipe.txt', '/dev/zero', 'huge.txt'].map((data, i) =>
    () => rnnlabAsync(['train', '--data', data, '--out', `never${i}`, ...QUICK], { cwd: dir, timeoutMs: 20_000 })));
  assertOneLineError(runs[0], /cannot read .*: it is a directory$/, 'a directory');
  assertOneLineError(runs[1], /pipe\.txt: it is a named pipe \(FIFO\), not a regular file; save the data to a file first$/, 'a FIFO (no hang)');
  assertOneLineError(runs[2], /\/dev\/zero: it is a device, not a regular file/, 'a device');
  // a language model streams plain text, so what limits it is the memory its token ids need
  assertOneLineError(runs[3], /huge\.txt is 42\.9 GB: its token ids alone need up to 85\.9 GB \(2 bytes a character at char level\) and this machine has .*; use a part of it$/, 'a 40 GiB file');
});

test('CR: CRLF and a lone CR are read as LF, so a char model never has CR in its vocabulary', async () => {
  const r = await rnnlabAsync(['eval', '--model', 'crlf', '--data', 'crlf.txt', '--backend', 'js', '--strict-vocab', '--json'], { cwd: dir });
  assertOk(r, 'eval --strict-vocab of the CRLF text');
  const vocab = JSON.parse(readSafetensorsHeader(join(dir, 'crlf', 'model.safetensors')).metadata.vocab) as string[];
  assert.ok(vocab.includes('\n') && !vocab.includes('\r'), `no CR in the vocabulary: ${JSON.stringify(vocab)}`);
});

test('eval: characters outside the vocabulary are skipped, counted in the output and --json, and warned about', async () => {
  const [text, json, clean] = await inParallel([
    () => rnnlabAsync(['eval', '--model', 'crlf', '--data', 'cyrillic.txt', '--backend', 'js'], { cwd: dir }),
    () => rnnlabAsync(['eval', '--model', 'crlf', '--data', 'cyrillic.txt', '--backend', 'js', '--json'], { cwd: dir }),
    () => rnnlabAsync(['eval', '--model', 'crlf', '--data', 'crlf.txt', '--backend', 'js'], { cwd: dir }),
  ]);
  assertOk(text, 'eval of mostly unknown characters');
  const total = [...'Съешь же ещё этих мягких французских булок. The fox.\n'].length;
  const j = JSON.parse(json.stdout) as { skipped: number; skipped_rate: number; oov: number; oov_rate: number; tokens: number };
  assert.ok(j.skipped > 30, `most Cyrillic letters are unknown: ${j.skipped}`);
  assert.equal(j.skipped, j.oov);
  assert.equal(j.skipped_rate, j.skipped / total);
  const share = `${j.skipped} of ${total} chars \\(${(100 * j.skipped_rate).toFixed(2)}%\\)`;
  assert.match(text.stdout, new RegExp(`^out of vocabulary skipped ${share}: "С", `, 'm'));
  for (const r of [text, json]) {
    assert.match(r.stderr, new RegExp(`^warning: cyrillic\\.txt: ${share} are not in the model's vocabulary and were skipped \\(a character vocabulary has no \\[UNK\\]\\): the perplexity is over the rest of the text only$`, 'm'));
  }
  assertOk(clean);
  assert.match(clean.stdout, /^out of vocabulary 0$/m, 'the single-corpus output always says it');
  assert.equal(clean.stderr, '', 'no warning when every character is known');
});
