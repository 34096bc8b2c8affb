/**
 * The model work of the dashboard, in a worker thread: loading a checkpoint, generating,
 * scoring a text token by token, classifying. A big model or a long generation then never
 * blocks the server's event loop, and a request whose client goes away is ended by terminating
 * its worker. Messages to the parent: `{ type: 'prime', text }` and `{ type: 'tokens', events }`
 * (a batch of `{ type: 'token', … }` events) while generating, then `{ type: 'done', result }` or
 * `{ type: 'error', message, user }` (user: a RnnlabError).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createBackend } from '../backend/select.js';
import { TextClassifier } from '../classify/predict.js';
import { decodeOptions } from '../cli/sample.js';
import { RnnlabError } from '../errors.js';
import { drain } from '../eval/perplexity.js';
import { tokenSurprise } from '../eval/token-surprise.js';
import { generate } from '../generate/decode.js';
import type { Generation } from '../generate/decoders/options.js';
import { LmStepModel } from '../generate/lm-step-model.js';
import { encodePrime, renderTokens, TextStream } from '../generate/model-text.js';
import { loadCheckpoint, loadLanguageModel } from '../train/checkpoint.js';

export type WorkerTask =
  | { op: 'generate'; model: string; settings: Record<string, any> }
  | { op: 'inspect'; model: string; text: string; top: number }
  | { op: 'predict'; model: string; text: string };

const port = parentPort!;
const { task, backend: backendName } = workerData as { task: WorkerTask; backend?: string };

async function main(): Promise<unknown> {
  const { backend } = await createBackend({ name: backendName as never });
  switch (task.op) {
    case 'generate': return generateTask(task.model, task.settings, backend);
    case 'inspect': return inspectTask(task.model, task.text, task.top, backend);
    case 'predict': return new TextClassifier(loadCheckpoint(task.model, backend), task.model).predict(task.text);
  }
}

type Backend = Awaited<ReturnType<typeof createBackend>>['backend'];

/**
 * Token events go to the parent in batches, one message per BATCH_MS at most: a small model
 * makes tens of thousands of tokens a second, and a message (then an SSE write) for each kept the
 * server's event loop so busy that nothing else was answered — not even the request to stop.
 */
const BATCH_MS = 25;
let batch: object[] = [];
let sent = performance.now();
function flush(): void {
  if (batch.length) port.postMessage({ type: 'tokens', events: batch });
  batch = [];
  sent = performance.now();
}

function generateTask(file: string, o: Record<string, any>, backend: Backend): unknown {
  const m = loadLanguageModel(file, backend);
  const prime = encodePrime(m, o.prime, o.strictVocab);
  const { strategy, opts } = decodeOptions(o, m, prime.ids);
  const beamish = strategy === 'beam' || strategy === 'beam-sample';
  if (!beamish) {
    // each row's text as it becomes final (the same pieces `rnnlab sample --stream` prints)
    const streams = Array.from({ length: o.numSamples as number }, () => new TextStream(m, o.raw));
    const primeText = streams.map((s) => prime.tokens.map((t) => s.push(t)).join(''));
    port.postMessage({ type: 'prime', text: primeText[0] });
    opts.onToken = (row, id) => {
      const token = m.vocab.tokens[id];
      batch.push({ type: 'token', row, id, token, text: streams[row].push(token) });
      if (performance.now() - sent >= BATCH_MS) flush();
    };
  }
  const t0 = performance.now();
  let gens: Generation[];
  try {
    gens = generate(new LmStepModel(m.model), strategy, opts);
  } finally {
    flush(); // the tokens made before an error are shown with it
  }
  const ms = performance.now() - t0;
  const tokens = gens.reduce((s, g) => s + g.ids.length, 0);
  return {
    strategy, seed: o.seed, backend: backend.name, prime: o.prime ?? null,
    samples: gens.map((g) => ({
      text: renderTokens(m, [...prime.tokens, ...m.vocab.decode(g.ids)], o.raw), tokens: m.vocab.decode(g.ids), ids: g.ids,
      log_prob: g.logProb, finished_by: g.finishedBy, ...(g.score !== undefined ? { score: g.score, rank: g.rank } : {}),
    })),
    ms_per_token: tokens > 0 ? ms / tokens : null,
  };
}

function inspectTask(file: string, text: string, top: number, backend: Backend): unknown {
  const m = loadLanguageModel(file, backend);
  const v = m.vocab;
  const all = m.tokenizer.tokenize(text);
  // as eval reads a text: unknown tokens are [UNK], or skipped when the vocabulary has none (char models)
  const skipped = v.unk < 0 ? [...new Set(all.filter((t) => !v.has(t)))] : [];
  const tokens = v.unk < 0 ? all.filter((t) => v.has(t)) : all;
  if (tokens.length < 2) throw new RnnlabError('the text needs at least two tokens the model knows: the first is context, the rest are scored');
  const ids = v.encode(tokens, 'unk').ids;
  const r = drain(tokenSurprise(m.model, ids, top));
  return {
    level: m.tokenizer.kind, tokens: r.tokens, nll: r.nll, loss: r.loss, perplexity: r.perplexity, bits_per_token: r.bitsPerToken,
    oov: v.unk < 0 ? all.length - tokens.length : tokens.filter((t) => !v.has(t)).length, skipped,
    items: [
      { index: 0, token: tokens[0], nll: null, bits: null, p: null, top: [] },
      ...r.perToken.map((t) => ({
        index: t.index, token: tokens[t.index], nll: t.nll, bits: t.nll / Math.LN2, p: t.p,
        top: t.top.map((a) => ({ token: v.tokens[a.id], p: a.p })),
      })),
    ],
  };
}

main().then(
  (result) => port.postMessage({ type: 'done', result }),
  (e: unknown) => port.postMessage({ type: 'error', user: e instanceof RnnlabError, message: ((e as Error)?.message ?? String(e)).split('\n')[0] }),
);
