/**
 * The decoding layer under every reader (src/text/sources/decode.ts, open.ts, data-file.ts):
 * encodings, the exact offset and line of a bad byte however the file is chunked, UTF-16 told
 * apart from binary, NUL bytes anywhere, CR handling, whitespace-only data, files that are not
 * regular files or too large to hold.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { RnnlabError } from '../../src/errors.js';
import { inspectDataFile, MAX_STRING_CHARS, refuseWholeText } from '../../src/text/sources/data-file.js';
import { ByteDecoder, firstInvalidUtf8, type TextEncoding } from '../../src/text/sources/decode.js';
import { readAllText, readDocuments, type Doc, type SourceOptions } from '../../src/text/sources/index.js';
import { readTextChunks } from '../../src/text/sources/open.js';
import { createTokenizer } from '../../src/text/tokenizers/tokenizer.js';
import { tempFiles } from '../helpers.js';

const { dir, file } = tempFiles('rnnlab-decode-');

async function readAll(path: string, opts: SourceOptions = {}): Promise<Doc[]> {
  const out: Doc[] = [];
  for await (const d of readDocuments(path, opts)) out.push(d);
  return out;
}

function rnnlabError(message: RegExp): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof RnnlabError, `expected RnnlabError, got ${String(err)}`);
    assert.match(err.message, message);
    assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
    return true;
  };
}

/** Decodes `bytes` cut at the given sizes (cycled), as the file stream would deliver them. */
function decodeChunked(bytes: Uint8Array, sizes: number[], encoding: TextEncoding = 'utf8'): string {
  const d = new ByteDecoder('mem.txt', encoding);
  let out = '';
  for (let i = 0, k = 0; i < bytes.length; k++) {
    const size = Math.max(1, sizes[k % sizes.length]);
    out += d.push(bytes.subarray(i, i + size));
    i += size;
  }
  return out + d.end();
}

describe('UTF-8', () => {
  test('a bad byte is located exactly, with its line, however the bytes are chunked', () => {
    fc.assert(fc.property(
      fc.string({ unit: 'grapheme', maxLength: 60 }).map((s) => s.replace(/\0/g, ' ')),
      fc.nat(), fc.constantFrom(0xe9, 0xff, 0x80, 0xc0), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }),
      (text, at, bad, sizes) => {
        const good = Buffer.from(text, 'utf8');
        // cut only at a character boundary, so the bytes before `bad` are valid
        let cut = at % (good.length + 1);
        while (cut < good.length && (good[cut] & 0xc0) === 0x80) cut++;
        const bytes = Buffer.concat([good.subarray(0, cut), Buffer.from([bad, 0x20]), good.subarray(cut)]);
        const line = good.subarray(0, cut).toString('utf8').split('\n').length;
        assert.throws(() => decodeChunked(bytes, sizes), rnnlabError(new RegExp(`not UTF-8 at byte ${cut.toLocaleString('en-US')} \\(line ${line.toLocaleString('en-US')}\\): 0x${bad.toString(16).toUpperCase()};`)));
      },
    ), { numRuns: 150 });
  });

  test('valid text decodes to itself for every chunking; one BOM at the start is dropped', () => {
    fc.assert(fc.property(
      fc.string({ unit: 'grapheme', maxLength: 80 }).map((s) => s.replace(/\0/g, ' ')), fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 4 }), fc.boolean(),
      (text, sizes, bom) => {
        const bytes = Buffer.from((bom ? '\uFEFF' : '') + text, 'utf8');
        assert.equal(decodeChunked(bytes, sizes), text);
      },
    ), { numRuns: 150 });
  });

  test('firstInvalidUtf8 agrees with TextDecoder on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
      const bad = firstInvalidUtf8(bytes, 0, bytes.length);
      let ok = true;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, bad));
      } catch {
        ok = false;
      }
      assert.ok(ok, 'everything before the reported byte is valid');
      if (bad < bytes.length) assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, bytes.length)));
    }), { numRuns: 300 });
  });

  test('overlong forms, surrogates and code points past U+10FFFF are invalid', () => {
    for (const seq of [[0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80]]) {
      assert.equal(firstInvalidUtf8(Uint8Array.from([0x61, ...seq]), 0, seq.length + 1), 1, seq.join(' '));
    }
  });

  test('bad bytes far into a file, and in gzipped files, get their exact offset and line', async () => {
    const lines = 'hello world\n'.repeat(10_000);
    const bytes = Buffer.concat([Buffer.from(lines), Buffer.from('bad \xe9 here\n', 'latin1')]);
    await assert.rejects(readAll(file('late.txt', bytes)), rnnlabError(/late\.txt: not UTF-8 at byte 120,004 \(line 10,001\): 0xE9; if the file is Latin-1 \(or Windows-1252\), add --encoding latin1$/));
    await assert.rejects(readAll(file('late.txt.gz', bytes, true)), rnnlabError(/not UTF-8 at byte 120,004 \(line 10,001, decompressed\): 0xE9/));
  });
});

describe('NUL bytes, UTF-16 and binary files', () => {
  test('a NUL byte anywhere is refused with its offset, also past the first 64 KiB', async () => {
    const bytes = Buffer.concat([Buffer.from('hello world\n'.repeat(10_000)), Buffer.from('bad \0 here\n')]);
    await assert.rejects(readAll(file('nul.txt', bytes)), rnnlabError(/: a NUL byte at byte 120,004 \(line 10,001\): this is a binary file, not text$/));
    await assert.rejects(readAll(file('nul.txt', bytes), { encoding: 'latin1' }), /a NUL byte at byte 120,004/);
    await assert.rejects(readAll(file('nul.jsonl', '{"text":"a\0b"}\n')), /a NUL byte at byte 10 \(line 1\)/);
  });

  test('UTF-16 is recognised by its byte-order mark or its zero bytes, and read with --encoding utf16le', async () => {
    const text = 'Hello, wörld — 🙂\nline two\n';
    const le = Buffer.from(text, 'utf16le');
    const withBom = Buffer.concat([Buffer.from([0xff, 0xfe]), le]);
    await assert.rejects(readAll(file('bom16.txt', withBom)), rnnlabError(/is UTF-16 text \(it starts with a UTF-16LE byte-order mark\): add --encoding utf16le$/));
    await assert.rejects(readAll(file('nobom16.txt', le)), rnnlabError(/looks like UTF-16LE text \(every other byte is zero\): add --encoding utf16le$/));
    await assert.rejects(readAll(file('be.txt', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(le).swap16()]))), /big-endian UTF-16.*iconv -f UTF-16BE -t UTF-8/);
    assert.deepEqual(await readAll(file('bom16.txt', withBom), { encoding: 'utf16le' }), [{ text }]);
    assert.deepEqual(await readAll(file('nobom16.txt', le), { encoding: 'utf16le' }), [{ text }]);
    // every chunking, a surrogate pair split too
    for (const sizes of [[1], [3], [5, 2], [7]]) assert.equal(decodeChunked(withBom, sizes, 'utf16le'), text);
  });

  test('bad UTF-16LE: an unpaired surrogate, an odd byte at the end, ASCII or a UTF-8 BOM', async () => {
    const lone = Buffer.concat([Buffer.from('ab\n', 'utf16le'), Buffer.from([0x00, 0xdc]), Buffer.from('c', 'utf16le')]);
    assert.throws(() => decodeChunked(lone, [3], 'utf16le'), rnnlabError(/not UTF-16LE at byte 6 \(line 2\): an unpaired surrogate 0x00 0xDC/));
    assert.throws(() => decodeChunked(Buffer.from([0xff, 0xfe, 0x61, 0x00, 0x62]), [2], 'utf16le'), rnnlabError(/ends with an odd byte/));
    await assert.rejects(readAll(file('ascii.txt', 'plain ascii text\n'), { encoding: 'utf16le' }), /is not UTF-16LE: it has no byte-order mark and its first 16 bytes are plain ASCII; leave out --encoding utf16le$/);
    await assert.rejects(readAll(file('u8bom.txt', '\uFEFFtext'), { encoding: 'utf16le' }), /UTF-8 byte-order mark, so it is UTF-8/);
    assert.throws(() => decodeChunked(Buffer.from([0xff, 0xfe, 0x61, 0, 0, 0, 0x62, 0]), [3], 'utf16le'), rnnlabError(/a NUL byte at byte 4 \(line 1\): this is a binary file/));
  });

  test('Latin-1: every byte is a character, 0x80–0x9F as Windows-1252', async () => {
    const bytes = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x93, 0x71, 0x94, 0x20, 0x80, 0x0a]);
    await assert.rejects(readAll(file('l1.txt', bytes)), /not UTF-8 at byte 3 \(line 1\): 0xE9/);
    assert.deepEqual(await readAll(file('l1.txt', bytes), { encoding: 'latin1' }), [{ text: 'café “q” €\n' }]);
    assert.equal(await readAllText(file('l1.txt', bytes), 'latin1'), 'café “q” €\n');
    await assert.rejects(readAll(file('x.txt', 'a'), { encoding: 'ebcdic' as never }), /unknown --encoding "ebcdic" \(expected one of: utf8, latin1, utf16le\)/);
  });
});

describe('line ends, whitespace, what a path is', () => {
  test('CRLF and a lone CR become LF in every format, so a char model never sees CR', async () => {
    const path = file('cr.txt', 'one\r\ntwo\rthree\r\n\r\nfour\r');
    assert.deepEqual(await readAll(path), [{ text: 'one\ntwo\nthree\n\nfour\n' }]);
    assert.deepEqual((await readAll(path, { unit: 'line' })).map((d) => d.text), ['one', 'two', 'three', 'four']);
    // a CRLF split across two chunks is one line end
    const big = 'x'.repeat(64 * 1024 - 1) + '\r\ny';
    assert.equal(await readAllText(file('split.txt', big)), 'x'.repeat(64 * 1024 - 1) + '\ny');
    assert.deepEqual(await readAll(file('cr.csv', 'text,label\r\n"a\r\nb",1\r\n')), [{ text: 'a\nb', label: '1' }]);
  });

  test('--eos-per-line on a CRLF file: one [EOS] per line, no CR token', async () => {
    const [doc] = await readAll(file('ptb.txt', ' a b <unk>\r\n c\r\n'));
    const ws = createTokenizer({ kind: 'whitespace', lowercase: false, unkToken: '<unk>', eosPerLine: true });
    assert.deepEqual(ws.tokenize(doc.text), ['a', 'b', '[UNK]', '[EOS]', 'c', '[EOS]']);
  });

  test('whitespace-only data is refused, in every format', async () => {
    await assert.rejects(readAll(file('ws.txt', '   \n\t\n  \r\n')), rnnlabError(/ws\.txt holds only whitespace: there is no text to learn from or score$/));
    await assert.rejects(readAll(file('bom-only.txt', '\uFEFF')), /holds only whitespace/);
    await assert.rejects(readAll(file('ws.jsonl', '{"text":"  "}\n{"text":""}\n')), /has 2 documents, and every text is empty or only whitespace/);
    await assert.rejects(readAll(file('ws.csv', 'text\n" "\n')), /has one document, and its text is only whitespace/);
    // one document with text is enough
    assert.equal((await readAll(file('some.jsonl', '{"text":" "}\n{"text":"a"}\n'))).length, 2);
  });

  test('a directory, a named pipe and a device are refused at once (no read, no hang)', async () => {
    await assert.rejects(readAll(dir), rnnlabError(/^cannot read .*: it is a directory$/));
    const fifo = join(dir, 'pipe.txt');
    const made = spawnSync('mkfifo', [fifo]);
    assert.equal(made.status, 0, 'mkfifo works on this machine');
    await assert.rejects(readAll(fifo), rnnlabError(/pipe\.txt: it is a named pipe \(FIFO\), not a regular file; save the data to a file first$/));
    await assert.rejects(readAll('/dev/zero'), /it is a device, not a regular file/);
  });

  test('too large to hold: refused before reading (whole text) or when the memory is used up (records)', async () => {
    const path = file('t.txt', 'some text\n');
    const info = await inspectDataFile(path);
    assert.deepEqual(info, { size: 10, gzip: false, textBytes: 10 });
    assert.throws(() => refuseWholeText(path, info, 29), rnnlabError(/t\.txt is 1 kB: reading it whole needs about 1 kB of memory and 1 kB is free \(raise node's heap with NODE_OPTIONS=--max-old-space-size=MB, or use a smaller file\)$/));
    refuseWholeText(path, info, 30);
    assert.throws(() => refuseWholeText(path, { ...info, textBytes: 4 * MAX_STRING_CHARS + 1 }, Infinity), /more than one JavaScript string can hold \(536,870,888 characters\)/);
    const gz = await inspectDataFile(file('t.txt.gz', 'x'.repeat(100_000), true));
    assert.equal(gz.gzip, true);
    assert.equal(gz.textBytes, 100_000, 'the gzip trailer gives the text size');
    const records = file('r.jsonl', '{"text":"abc"}\n'.repeat(10_000));
    const chunks = readTextChunks(records, { maxBytes: 100_000 });
    await assert.rejects((async () => { for await (const _ of chunks) { /* drain */ } })(), rnnlabError(/r\.jsonl: more text than this process can hold in memory \(over 100 kB read of 150 kB\); read only the first documents with --max-docs N, or use a smaller file$/));
  });
});
