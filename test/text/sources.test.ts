import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { RnnlabError } from '../../src/errors.js';
import { parseCsv } from '../../src/text/sources/csv-parse.js';
import { detectFormat, readAllText, readDocuments, type Doc, type SourceOptions, type SourceStats } from '../../src/text/sources/index.js';
import { splitJsonArray } from '../../src/text/sources/json-array.js';
import { sharedData, tempFiles } from '../helpers.js';

const { dir, file } = tempFiles('rnnlab-sources-');

async function readAll(path: string, opts: SourceOptions = {}, stats?: SourceStats): Promise<Doc[]> {
  const out: Doc[] = [];
  for await (const d of readDocuments(path, opts, stats)) out.push(d);
  return out;
}

/** Asserts an RnnlabError whose one-line message matches. */
async function rejects(p: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof RnnlabError, `expected RnnlabError, got ${err}`);
    assert.match(err.message, message);
    assert.ok(!err.message.includes('\n'), `message must be one line: ${JSON.stringify(err.message)}`);
    return true;
  });
}

async function* chunked(text: string, size: number): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

describe('plain text', () => {
  test('whole file is one document; code points counted; NFC; CRLF and BOM normalised', async () => {
    const text = 'Привет, мир!\r\n你好世界 🙂👍🏽\r\ncafe\u0301\n';
    const path = file('mixed.txt', '\uFEFF' + text);
    const stats = { documents: 0, characters: 0 };
    const docs = await readAll(path, {}, stats);
    const expected = 'Привет, мир!\n你好世界 🙂👍🏽\ncafé\n';
    assert.deepEqual(docs, [{ text: expected }]);
    assert.equal(stats.documents, 1);
    assert.equal(stats.characters, [...expected].length);
    assert.equal(stats.characters, 13 + 9 + 5); // 👍🏽 is two code points (thumb + skin tone)
  });

  test('readAllText returns the same text, also from gzip', async () => {
    const text = 'Ёжик 🦔 в тумане\nline two\n';
    assert.equal(await readAllText(file('a.txt', text)), text);
    assert.equal(await readAllText(file('a.txt.gz', text, true)), text);
  });

  test('gzip is detected by magic bytes, not by name', async () => {
    const path = file('not-compressed-name.txt', 'hello gzip\n', true);
    assert.deepEqual(await readAll(path), [{ text: 'hello gzip\n' }]);
  });

  test('a large file streams through several chunks intact (CRLF across chunk edges)', async () => {
    const line = 'строка с эмодзи 😀 and ascii text\r\n';
    const text = line.repeat(10_000); // several 64 KiB chunks; CRLF pairs fall on chunk edges
    const stats = { documents: 0, characters: 0 };
    const got = await readAll(file('big.txt.gz', text, true), {}, stats);
    const want = text.replace(/\r\n/g, '\n');
    assert.equal(got[0].text, want);
    assert.equal(stats.characters, [...want].length);
  });

  test("unit 'line' gives one document per non-blank line", async () => {
    const docs = await readAll(file('lines.txt', 'one\n\n  \ntwo 2\r\nthree'), { unit: 'line' });
    assert.deepEqual(docs.map((d) => d.text), ['one', 'two 2', 'three']);
  });

  test('missing, empty, binary and invalid files give one-line errors', async () => {
    const missing = join(dir, 'nope.txt');
    await rejects(readAll(missing), new RegExp(`^cannot read ${escape(missing)}: no such file$`));
    await rejects(readAllText(missing), /no such file$/);
    const empty = file('empty.txt', '');
    await rejects(readAll(empty), new RegExp(`^${escape(empty)} is empty$`));
    await rejects(readAll(file('empty.txt.gz', '', true)), /is empty$/);
    const nul = file('nul.txt', Buffer.from([0x68, 0x69, 0x00, 0x01]));
    await rejects(readAll(nul), new RegExp(`^${escape(nul)}: a NUL byte at byte 2 \\(line 1\\): this is a binary file, not text$`));
    await rejects(readAll(file('latin1.txt', Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]))), /: not UTF-8 at byte 3 \(line 1\): 0xE9; if the file is Latin-1 \(or Windows-1252\), add --encoding latin1$/);
    await rejects(readAll(file('png.bin', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]))), /not UTF-8 at byte 0 \(line 1\): 0x89/);
    await rejects(readAll(file('truncated.txt', Buffer.from([0x61, 0xd0]))), /ends inside a multi-byte UTF-8 character \(byte 1, line 1\): 0xD0/);
    const late = Buffer.concat([Buffer.alloc(70_000, 0x61), Buffer.from([0xff, 0x0a])]);
    await rejects(readAll(file('late.txt', late)), /: not UTF-8 at byte 70,000 \(line 1\): 0xFF/);
    const sub = join(dir, 'subdir.txt');
    mkdirSync(sub);
    await rejects(readAll(sub), /^cannot read .*: it is a directory$/);
    const corrupt = gzipSync(Buffer.from('some text that will be cut off '.repeat(50))).subarray(0, 40);
    await rejects(readAll(file('corrupt.txt.gz', corrupt)), /corrupt gzip data/);
  });
});

describe('JSON Lines', () => {
  test('records with a text field and label; blank lines skipped', async () => {
    const content = [
      JSON.stringify({ summary: 'Первый 🙂', cls: 2 }),
      '',
      '   ',
      JSON.stringify({ summary: '第二个', cls: 'b' }),
    ].join('\n');
    const stats = { documents: 0, characters: 0 };
    const docs = await readAll(file('a.jsonl', content), { textField: 'summary', labelField: 'cls' }, stats);
    assert.deepEqual(docs, [
      { text: 'Первый 🙂', label: '2' },
      { text: '第二个', label: 'b' },
    ]);
    assert.deepEqual(stats, { documents: 2, characters: 8 + 3 });
  });

  test('default text field is "text"; .ndjson.gz and CRLF work', async () => {
    const content = '{"text":"a"}\r\n{"text":"b"}\r\n';
    assert.deepEqual(await readAll(file('x.ndjson.gz', content, true)), [{ text: 'a' }, { text: 'b' }]);
  });

  test('malformed line and missing field name the line number and existing fields', async () => {
    const bad = file('bad.jsonl', '{"t":"ok"}\n\n{"t": oops}\n');
    await rejects(readAll(bad, { textField: 't' }), new RegExp(`^${escape(bad)} line 3: invalid JSON \\(`));
    const missing = file('missing.jsonl', '{"title":"x","summary":"y"}\n{"title":"z","abstract":"w"}\n');
    await rejects(
      readAll(missing, { textField: 'summary' }),
      /line 2: record has no field "summary" \(fields: "title", "abstract"\)$/,
    );
    await rejects(readAll(file('nofield.jsonl', '{"body":"x"}\n')), /line 1: record has no field "text" \(fields: "body"\); choose the text field with --text-field$/);
    await rejects(readAll(file('notobj.jsonl', '{"text":"a"}\n[1,2]\n')), /line 2: expected a JSON object \(a record\), found an array$/);
    await rejects(readAll(file('num.jsonl', '{"text":5}\n')), /line 1: field "text" is a number \(5\), not a string$/);
    await rejects(readAll(file('blank.jsonl', '\n\n')), /contains no documents$/);
  });

  test('the real arXiv file: first records of the gzipped JSON Lines', async () => {
    const path = sharedData('arxiv/arxiv_abstracts.jsonl.gz');
    assert.equal(detectFormat(path), 'jsonl');
    const stats = { documents: 0, characters: 0 };
    const docs: Doc[] = [];
    for await (const d of readDocuments(path, { textField: 'summary', labelField: 'source' }, stats)) {
      docs.push(d);
      if (docs.length === 3) break; // stop early: the generator must clean up the stream
    }
    assert.equal(docs.length, 3);
    assert.match(docs[0].text, /^A fully differential calculation in perturbative quantum chromodynamics/);
    assert.equal(docs[0].label, 'cornell_kaggle_snapshot_head2000');
    assert.match(docs[1].text, /^We describe a new algorithm, the \$\(k,\\ell\)\$-pebble game/);
    assert.equal(stats.documents, 3);
    assert.equal(stats.characters, docs.reduce((s, d) => s + [...d.text].length, 0));
  });
});

describe('JSON array (streamed)', () => {
  const records = [
    { id: 1, summary: 'braces { } [ ] and "quotes" \\ backslash', tags: ['a', { deep: [1, 2] }] },
    { id: 2, summary: 'Кириллица, 中文, emoji 🎉', tags: [] },
    { id: 3, summary: 'escaped \\" quote then } brace', tags: null },
  ];

  test('splitter yields each element whatever the chunk size', async () => {
    const text = '  [\n' + records.map((r) => JSON.stringify(r, null, 1)).join(' ,\n') + '\n]  \n';
    for (const size of [1, 2, 3, 7, 64, 100_000]) {
      const got: unknown[] = [];
      for await (const el of splitJsonArray(chunked(text, size), 'mem.json')) got.push(JSON.parse(el.json));
      assert.deepEqual(got, records, `chunk size ${size}`);
    }
  });

  test('reads records, also gzipped, and a large array across many chunks', async () => {
    const opts = { textField: 'summary' };
    const want = records.map((r) => ({ text: r.summary }));
    assert.deepEqual(await readAll(file('a.json', JSON.stringify(records, null, 2)), opts), want);
    assert.deepEqual(await readAll(file('a.json.gz', JSON.stringify(records), true), opts), want);
    const many = Array.from({ length: 3000 }, (_, i) => ({ summary: `запись ${i} {"x": [${i}]}`, n: i }));
    const stats = { documents: 0, characters: 0 };
    const docs = await readAll(file('many.json', JSON.stringify(many)), opts, stats);
    assert.equal(docs.length, 3000);
    assert.equal(docs[2999].text, 'запись 2999 {"x": [2999]}');
    assert.equal(stats.documents, 3000);
  });

  test('a .json file holding objects one per line (JSON Lines) is read as a sequence', async () => {
    const docs = await readAll(file('lines.json', '{"text":"a"}\n{"text":"b"}\n'));
    assert.deepEqual(docs, [{ text: 'a' }, { text: 'b' }]);
  });

  test('malformed arrays give the element index and line', async () => {
    const missing = file('missing.json', '[\n  {"summary": "a"},\n  {"title": "b",\n   "year": 2020}\n]');
    await rejects(
      readAll(missing, { textField: 'summary' }),
      new RegExp(`^${escape(missing)} element \\[1\\] \\(line 3\\): record has no field "summary" \\(fields: "title", "year"\\)$`),
    );
    await rejects(readAll(file('c1.json', '[{"text":"a"} {"text":"b"}]')), /line 1: expected "," or "\]", found "\{"$/);
    await rejects(readAll(file('c2.json', '[{"text":"a"},\n]')), /line 2: trailing comma before "\]"$/);
    await rejects(readAll(file('c3.json', '[{"text":"a"},\n{"text":"b"')), /the file ends inside element \[1\] \(which starts on line 2\)$/);
    await rejects(readAll(file('c4.json', '[{"text":"a"}\n')), /the file ends before the JSON array is closed with "\]"$/);
    await rejects(readAll(file('c5.json', '[{"text":"a"},\n"str"]')), /element \[1\] \(line 2\): expected a JSON object \(a record\)/);
    await rejects(readAll(file('c6.json', '[\n{"text": tru}]')), /element \[0\] \(line 2\): invalid JSON \(/);
    await rejects(readAll(file('c7.json', '[{"text":"a"}] x')), /line 1: unexpected "x" after the end of the JSON array$/);
    await rejects(readAll(file('c8.json', '"just a string"')), /line 1: expected a JSON array of records \("\["\) but found/);
    await rejects(readAll(file('c9.json', '[]')), /contains no documents$/);
  });
});

describe('CSV', () => {
  test('RFC 4180: quotes, doubled quotes, embedded commas and newlines, CRLF', async () => {
    const content =
      'label,text,source\r\n' +
      '1,"He said ""hi"", then left",x\r\n' +
      '2,"multi\r\nline, with comma",y\r\n' +
      '\r\n' + // blank line skipped
      '3,plain text,"z"\r\n' +
      '4,"",w';
    const docs = await readAll(file('a.csv', content));
    assert.deepEqual(docs, [
      { text: 'He said "hi", then left', label: '1' },
      { text: 'multi\nline, with comma', label: '2' },
      { text: 'plain text', label: '3' },
      { text: '', label: '4' },
    ]);
  });

  test('the parser gives the same records for every chunking', async () => {
    const text = 'a,"b ""q"" \n c",d\n"",x,"y,z"\n\ne,f,"g\n"\n';
    const want = [
      { fields: ['a', 'b "q" \n c', 'd'], line: 1, endLine: 2, multilineQuote: 1 },
      { fields: ['', 'x', 'y,z'], line: 3, endLine: 3, multilineQuote: 0 },
      { fields: ['e', 'f', 'g\n'], line: 5, endLine: 6, multilineQuote: 5 },
    ];
    for (const size of [1, 2, 3, 5, 1000]) {
      const got = [];
      for await (const r of parseCsv(chunked(text, size), 'mem.csv', ',')) got.push(r);
      assert.deepEqual(got, want, `chunk size ${size}`);
    }
  });

  test('columns by name, index, comma-separated list; header false; TSV', async () => {
    const content = 'cls,title,desc\n"3","Title A","Описание 🙂"\n"4","Title B","Desc B"\n';
    const path = file('b.csv', content);
    assert.deepEqual(await readAll(path, { textColumn: 'title,desc', labelColumn: 'cls' }), [
      { text: 'Title A Описание 🙂', label: '3' },
      { text: 'Title B Desc B', label: '4' },
    ]);
    assert.deepEqual(await readAll(path, { textColumn: 2 }), [{ text: 'Описание 🙂' }, { text: 'Desc B' }]);
    assert.deepEqual(await readAll(path, { textColumn: 'Title' }), [{ text: 'Title A' }, { text: 'Title B' }]);
    const noHeader = await readAll(path, { header: false, textColumn: '1, 2', labelColumn: 0 });
    assert.deepEqual(noHeader[0], { text: 'title desc', label: 'cls' });
    assert.equal(noHeader.length, 3);
    const tsv = file('c.tsv.gz', 'label\ttext\nA\t"tab\tinside"\n', true);
    assert.deepEqual(await readAll(tsv), [{ text: 'tab\tinside', label: 'A' }]);
    assert.equal(detectFormat(tsv), 'csv');
  });

  test('column errors list the columns', async () => {
    const path = file('d.csv', 'cls,title,desc\n1,a,b\n');
    await rejects(readAll(path), /: choose the text column with --text-column \(columns: "cls", "title", "desc"\)$/);
    await rejects(readAll(path, { textColumn: 'body' }), /no column named "body" \(columns: "cls", "title", "desc"\); if the file has no header row/);
    await rejects(readAll(path, { textColumn: 5 }), /column index 5 is out of range \(rows have 3 fields, indices 0–2\)$/);
    await rejects(readAll(path, { header: false, textColumn: 'title' }), /column "title" must be a 0-based index because the file has no header row/);
    await rejects(readAll(file('e.csv', 'text\n')), /contains no documents$/);
  });

  test('malformed CSV errors carry the line number', async () => {
    const unterminated = file('u.csv', 'text\nok\n"fine\nstill fine"\n"never closed\nmore\n');
    await rejects(readAll(unterminated), new RegExp(`^${escape(unterminated)} line 5: the quoted field 1 that opens here is never closed \\(the file ends inside it\\): an unbalanced quote\\?$`));
    await rejects(readAll(file('q.csv', 'a,text\n1,"x"y\n')), /line 2: unexpected "y" after the closing quote of field 2/);
    await rejects(readAll(file('n.csv', 'label,text\n1,"two\nlines"\n2,a,extra\n'), {}), /line 4: expected 2 fields, found 3$/);
  });

  test('the real AG News files', async () => {
    const first: Doc[] = [];
    for await (const d of readDocuments(sharedData('ag_news/test_5600.csv'), { header: false, textColumn: '1,2', labelColumn: 0 })) {
      first.push(d);
      if (first.length === 2) break;
    }
    assert.deepEqual(first[0], {
      label: '4',
      text: 'Ky. Company Wins Grant to Study Peptides (AP) AP - A company founded by a chemistry researcher at the University of Louisville won a grant to develop a method of producing better peptides, which are short chains of amino acids, the building blocks of proteins.',
    });
    const train: Doc[] = [];
    for await (const d of readDocuments(sharedData('ag_news/train_subset.csv'))) {
      train.push(d);
      if (train.length === 5) break;
    }
    assert.equal(train[0].label, '3');
    assert.match(train[0].text, /^Wall St\. Bears Claw Back Into the Black \(Reuters\)/);
    assert.ok(train.every((d) => ['1', '2', '3', '4'].includes(d.label!)));
  });
});

test('detectFormat and unknown options', async () => {
  assert.equal(detectFormat('a/b/data.JSON'), 'json');
  assert.equal(detectFormat('x.jsonl.gz'), 'jsonl');
  assert.equal(detectFormat('x.csv.gz'), 'csv');
  assert.equal(detectFormat('book.txt'), 'text');
  assert.equal(detectFormat('README'), 'text');
  assert.equal(detectFormat('dir.json/file'), 'text');
  const path = file('f.txt', 'x');
  await rejects(readAll(path, { format: 'xml' as never }), /unknown source format "xml"/);
  await rejects(readAll(path, { format: 'csv', delimiter: '::' }), /delimiter must be one character/);
  // An explicit format overrides the extension.
  assert.deepEqual(await readAll(file('g.txt', '{"text":"j"}\n'), { format: 'jsonl' }), [{ text: 'j' }]);
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
