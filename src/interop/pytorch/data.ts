/**
 * `--with-data`: a corpus tokenized with a model's own tokenizer into OUT/data.bin, the token
 * stream train_ddp.py trains on. data.bin is the ids as int32 little-endian, nothing else (numpy
 * and torch read it with one call); data.json says so and counts what is in it.
 *
 * The layout is the stream rnnlab itself trains on (src/train/corpus.ts): documents in file
 * order, a newline (char models) or [EOS] (word and BPE models) between them; for a model
 * trained on documents, each document as [SOS] … [EOS]. The file is written while it is read
 * (ids go out in blocks), so a corpus is never held twice, nor even once, in memory.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { RnnlabError } from '../../errors.js';
import type { SourceOptions } from '../../text/sources/index.js';
import type { Tokenizer } from '../../text/tokenizers/tokenizer.js';
import { EOS, SOS, UNK, type Vocab } from '../../text/vocab.js';
import { visitDocuments, type DocumentVisitor } from '../../train/corpus-read.js';

/** data.json: what data.bin holds. */
export interface DataInfo {
  format: 'rnnlab-token-ids/1';
  dtype: 'int32';
  byteorder: 'little';
  tokens: number;
  documents: number;
  vocab_size: number;
  /** Tokens outside the vocabulary, written as [UNK]. */
  unknown: number;
  /** How documents are laid out in the stream. */
  layout: 'stream' | 'documents';
  /** The token between two documents of a stream (null: none). */
  separator: string | null;
  source: string;
  tokenizer: string;
}

const BLOCK = 1 << 16;

/** Tokenizes documents into an open file descriptor, a block of ids at a time. */
class IdWriter implements DocumentVisitor {
  tokens = 0;
  documents = 0;
  unknown = 0;
  private readonly buf = new Int32Array(BLOCK);
  private n = 0;
  private docTokens = 0;
  private readonly unk: number;

  constructor(
    private readonly fd: number,
    private readonly tokenizer: Tokenizer,
    private readonly vocab: Vocab,
    private readonly sep: number | null,
    private readonly wrap: { sos: number; eos: number } | null,
    private readonly where: string,
  ) {
    this.unk = vocab.id(UNK);
  }

  piece(text: string): void {
    for (const t of this.tokenizer.tokenize(text)) {
      let id = this.vocab.id(t);
      if (id < 0) {
        if (this.unk < 0) {
          throw new RnnlabError(`${this.where} holds ${JSON.stringify(t)} (document ${this.documents + 1}), which the model's vocabulary lacks, and the vocabulary has no ${UNK} to write instead (a char model knows only the characters it was trained on)`);
        }
        id = this.unk;
        this.unknown++;
      }
      if (this.docTokens === 0) this.begin();
      this.push(id);
      this.docTokens++;
    }
  }

  end(): void {
    if (this.docTokens > 0) {
      if (this.wrap) this.push(this.wrap.eos);
      this.documents++;
    }
    this.docTokens = 0;
  }

  finish(): void {
    if (this.n > 0) this.flush();
  }

  // A document's first token: the separator after the previous document, or [SOS].
  private begin(): void {
    if (this.wrap) this.push(this.wrap.sos);
    else if (this.documents > 0 && this.sep !== null) this.push(this.sep);
  }

  private push(id: number): void {
    if (this.n === BLOCK) this.flush();
    this.buf[this.n++] = id;
    this.tokens++;
  }

  private flush(): void {
    // little-endian on every platform Node runs on, so the array's bytes are the file's
    const bytes = new Uint8Array(this.buf.buffer, 0, this.n * 4);
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
    this.n = 0;
  }
}

export interface TokenizeDataOptions {
  tokenizer: Tokenizer;
  vocab: Vocab;
  /** The model was trained on [SOS] … [EOS] documents. */
  documents: boolean;
  source: SourceOptions;
  maxDocs: number;
}

/** Writes the ids of `path` to `binPath` (a file in the export's temporary folder) and returns data.json. */
export async function tokenizeData(path: string, binPath: string, o: TokenizeDataOptions): Promise<DataInfo> {
  const { vocab, tokenizer } = o;
  const level = tokenizer.kind === 'char' ? 'char' : 'other';
  const sepToken = level === 'char' ? (vocab.has('\n') ? '\n' : null) : vocab.has(EOS) ? EOS : null;
  const wrap = o.documents && vocab.has(SOS) && vocab.has(EOS) ? { sos: vocab.id(SOS), eos: vocab.id(EOS) } : null;
  const fd = openSync(binPath, 'w');
  let w: IdWriter;
  try {
    w = new IdWriter(fd, tokenizer, vocab, sepToken === null ? null : vocab.id(sepToken), wrap, `--with-data ${path}`);
    await visitDocuments(path, o.source, o.maxDocs, { documents: 0, characters: 0 }, w);
    w.finish();
  } finally {
    closeSync(fd);
  }
  if (w.tokens < 2) throw new RnnlabError(`--with-data ${path} holds ${w.tokens} token(s): too few to train on`);
  return {
    format: 'rnnlab-token-ids/1', dtype: 'int32', byteorder: 'little',
    tokens: w.tokens, documents: w.documents, vocab_size: vocab.size, unknown: w.unknown,
    layout: wrap ? 'documents' : 'stream', separator: wrap ? null : sepToken,
    source: basename(path), tokenizer: tokenizer.kind,
  };
}
