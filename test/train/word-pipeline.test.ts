// The course's word-level pipeline, end to end, on a small slice of the arXiv abstracts:
// JSONL.gz source → lower-cased word tokens → vocabulary with specials → [SOS] … [EOS]
// documents, 90/10 seeded split → padded batches of 4 → 2-layer LSTM → perplexity → prettified samples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsBackend } from '../../src/backend/js/index.js';
import { LanguageModel } from '../../src/nn/language-model.js';
import { prepareCorpus } from '../../src/train/corpus.js';
import { TrainingRun } from '../../src/run/session.js';
import { loadLanguageModel } from '../../src/train/checkpoint.js';
import { LmStepModel } from '../../src/generate/lm-step-model.js';
import { generate } from '../../src/generate/decode.js';
import { prettify } from '../../src/generate/prettify.js';
import { RnnlabError } from '../../src/errors.js';
import { sharedData } from '../helpers.js';


test('word-level arXiv pipeline: train, perplexity, prettified samples', async () => {
  const path = sharedData('arxiv/arxiv_abstracts.jsonl.gz');
  const be = new JsBackend('float32');
  const corpus = await prepareCorpus(path, {
    level: 'word', lowercase: true, bpeMerges: 0, minFreq: 1, maxVocab: 0, batching: 'pad',
    valFraction: 0.1, seed: 42, source: { textField: 'summary' }, maxDocs: 30,
  });
  assert.equal(corpus.stats.documents, 30);
  assert.deepEqual(corpus.vocab.tokens.slice(0, 4), ['[PAD]', '[SOS]', '[EOS]', '[UNK]']);
  assert.equal(corpus.data.kind, 'docs');
  if (corpus.data.kind !== 'docs') return;
  assert.equal(corpus.data.train.length, 27);
  assert.equal(corpus.data.val.length, 3);
  for (const d of corpus.data.train) {
    assert.equal(d[0], corpus.vocab.sos);
    assert.equal(d[d.length - 1], corpus.vocab.eos);
  }
  assert.ok(corpus.vocab.has('state-of-the-art') || corpus.vocab.tokens.some((t) => /^[a-z]+-[a-z]+/.test(t)), 'hyphenated compounds stay whole');
  assert.throws(() => new LanguageModel(be, { vocabSize: corpus.vocab.size, cell: 'lstm', activation: 'tanh', layers: 2, hidden: 32, embed: 16, dropout: 0, tieWeights: true, init: 'pytorch' }), RnnlabError);
  // The same corpus through the library-level run (its defaults for everything not given).
  const out = join(mkdtempSync(join(tmpdir(), 'rnnlab-word-')), 'run');
  const run = await TrainingRun.create({
    data: path, textField: 'summary', maxDocs: 30, level: 'word', lowercase: true, batching: 'pad', batch: 4,
    layers: 2, hidden: 32, embed: 32, tieWeights: true, lr: 1e-2, epochs: 3, out,
  }, { backend: be });
  assert.deepEqual(run.corpus.vocab.tokens, corpus.vocab.tokens, 'the run builds the same vocabulary');
  const vals: number[] = [];
  const s = await run.run([{ event: (e) => { if (e.type === 'val') vals.push(e.perplexity); } }]);
  assert.ok(vals.length === 4, 'untrained + 3 epochs');
  assert.ok(vals[0] > corpus.vocab.size * 0.5, `untrained perplexity ${vals[0]} ≈ vocabulary size ${corpus.vocab.size}`);
  assert.ok(s.best!.perplexity < vals[0] / 1.5, `trained perplexity ${s.best!.perplexity} well below untrained ${vals[0]}`);

  const m = loadLanguageModel(out, be);
  assert.equal(m.model.config.tieWeights, true);
  assert.equal(m.tokenizer.kind, 'word');
  const prime = m.vocab.encode(['[SOS]', ...m.tokenizer.tokenize('We propose')], 'unk').ids;
  const gens = generate(new LmStepModel(m.model), 'sample', {
    prime, maxTokens: 40, temperature: 0.8, seed: 1, numSamples: 3, eosId: m.vocab.eos, bannedIds: [m.vocab.pad, m.vocab.sos, m.vocab.unk],
  });
  for (const g of gens) {
    const toks = m.vocab.decode(g.ids);
    assert.ok(!toks.includes('[PAD]') && !toks.includes('[SOS]') && !toks.includes('[UNK]'));
    const text = prettify(['we', 'propose', ...toks]);
    assert.match(text, /^We propose/);
    assert.doesNotMatch(text, / [,.;:!?)]/, 'no space before punctuation');
    assert.doesNotMatch(text, /\w - \w/, 'no spaced hyphens');
  }
  // evaluation of unseen text maps unknown words to [UNK] and reports them
  const ev = await prepareCorpus(path, {
    level: 'word', lowercase: true, bpeMerges: 0, minFreq: 1, maxVocab: 0, batching: 'pad', valFraction: 0, seed: 0,
    source: { textField: 'summary' }, maxDocs: 60,
  }, { tokenizer: m.tokenizer, vocab: m.vocab });
  assert.ok(ev.oov > 0, 'abstracts 31–60 contain words the 30-abstract vocabulary lacks');
  await assert.rejects(prepareCorpus(path, {
    level: 'word', lowercase: true, bpeMerges: 0, minFreq: 1, maxVocab: 0, batching: 'pad', valFraction: 0, seed: 0,
    source: { textField: 'summary' }, maxDocs: 60, strictVocab: true,
  }, { tokenizer: m.tokenizer, vocab: m.vocab }), /not in the vocabulary/);
});
