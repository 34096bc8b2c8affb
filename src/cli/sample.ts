/** `rnnlab sample`: generate text from a prime with any decoding strategy. */
import { Command } from 'commander';
import { RnnlabError } from '../errors.js';
import { generate, type Strategy } from '../generate/decode.js';
import type { BeamOptions, Generation } from '../generate/decoders/options.js';
import { LmStepModel } from '../generate/lm-step-model.js';
import { bannedIds, encodePrime, renderTokens } from '../generate/model-text.js';
import { loadLanguageModel, type LoadedModel } from '../train/checkpoint.js';
import { backendOptions, pickBackend } from './common.js';
import { int, num, oneOf, text } from './parse.js';
import { printJson } from './run.js';

export function samplingOptions(c: Command): Command {
  return c
    .option('--strategy <s>', 'greedy, sample, beam or beam-sample', oneOf('greedy', 'sample', 'beam', 'beam-sample'), 'sample')
    .option('--temperature <f>', 'softmax temperature (0: greedy)', num(0, Infinity), 1)
    .option('--top-k <n>', 'keep the k most likely tokens', int(1))
    .option('--top-p <f>', 'nucleus: keep the smallest set with probability mass ≥ p, p in (0, 1]', num(0, 1, true))
    .option('--min-p <f>', 'keep tokens with p ≥ min-p · p_max, in (0, 1]', num(0, 1, true))
    .option('--typical <f>', 'typical sampling mass, in (0, 1]', num(0, 1, true))
    .option('--alpha <f>', 'power sampling: p^α renormalised (α > 1 sharpens)', num(0, Infinity, true))
    .option('--repetition-penalty <f>', 'CTRL-style penalty for tokens already present (> 1 discourages)', num(0, Infinity, true))
    .option('--no-repeat-ngram <n>', 'never repeat an n-gram', int(1))
    .option('--beams <n>', 'beam width (beam, beam-sample)', int(1, 1000))
    .option('--length-penalty <f>', 'beam length normalisation α (GNMT: score / ((5+len)/6)^α)', num(0, Infinity))
    .option('--num-samples <n>', 'outputs generated together as one batch', int(1, 10000), 1)
    .option('--stop <text>', 'stop once the output contains this text (cut before it)', text)
    .option('--seed <n>', 'random seed', int(0, 2 ** 32 - 1), 0);
}

export function sampleCommand(): Command {
  const c = new Command('sample').description('generate text from a trained model');
  c.option('--model <path>', 'a run directory (its model.safetensors) or a .safetensors file')
    .option('--prime <text>', 'text the model reads first (default: a newline for char models, [SOS] for word models)', text)
    .option('--length <n>', 'tokens to generate per output', int(0, 1_000_000), 200)
    .option('--strict-vocab', 'word/bpe: fail on prime words outside the vocabulary instead of using [UNK]', false)
    .option('--raw', 'word/bpe: print tokens as they are, space-separated (no prettify)', false)
    .option('--stream', 'print tokens as they are generated (one output, sampling strategies)', false)
    .option('--json', 'machine-readable output', false);
  samplingOptions(c);
  backendOptions(c);
  return c;
}

export function decodeOptions(o: Record<string, any>, m: LoadedModel, prime: Int32Array): { strategy: Strategy; opts: BeamOptions } {
  let strategy = o.strategy as Strategy;
  const beamish = strategy === 'beam' || strategy === 'beam-sample';
  if (!beamish && (o.beams !== undefined || o.lengthPenalty !== undefined)) {
    throw new RnnlabError('--beams and --length-penalty apply only to --strategy beam or beam-sample');
  }
  if (strategy === 'greedy' && (o.topK || o.topP || o.minP || o.typical)) {
    throw new RnnlabError('--top-k/--top-p/--min-p/--typical have no effect with --strategy greedy (use --strategy sample)');
  }
  if (o.temperature === 0) {
    if (strategy === 'sample') strategy = 'greedy';
    else if (strategy === 'beam-sample') throw new RnnlabError('--temperature 0 means greedy; beam-sample needs a temperature > 0');
  }
  const v = m.vocab;
  const opts: BeamOptions = {
    prime, maxTokens: o.length, eosId: v.eos, numSamples: o.numSamples, seed: o.seed,
    temperature: o.temperature === 0 ? undefined : o.temperature, topK: o.topK, topP: o.topP, minP: o.minP, typical: o.typical,
    alpha: o.alpha, repetitionPenalty: o.repetitionPenalty, noRepeatNgram: o.noRepeatNgram, bannedIds: bannedIds(v),
    beams: o.beams, lengthPenalty: o.lengthPenalty,
  };
  if (o.stop !== undefined) {
    opts.stop = o.stop;
    opts.detokenize = (ids) => renderTokens(m, v.decode(ids), true);
  }
  return { strategy, opts };
}

export async function sampleAction(o: Record<string, any>): Promise<void> {
  if (!o.model) throw new RnnlabError('sample needs --model DIR|FILE');
  const { backend } = await pickBackend(o);
  const m = loadLanguageModel(o.model, backend);
  const prime = encodePrime(m, o.prime, o.strictVocab);
  const { strategy, opts } = decodeOptions(o, m, prime.ids);
  if (o.stream) {
    if (strategy === 'beam' || strategy === 'beam-sample') throw new RnnlabError('--stream works with greedy and sample strategies (beams are only known at the end)');
    if (o.numSamples !== 1) throw new RnnlabError('--stream prints one output; drop --num-samples');
    if (o.json) throw new RnnlabError('--stream and --json do not mix');
    const sep = m.tokenizer.kind === 'char' || m.tokenizer.kind === 'bpe' ? '' : ' ';
    process.stdout.write(renderTokens(m, prime.tokens.filter((t) => t !== '[SOS]'), true));
    opts.onToken = (_row, id) => process.stdout.write(sep + m.vocab.tokens[id]);
  }
  const t0 = performance.now();
  const gens: Generation[] = generate(new LmStepModel(m.model), strategy, opts);
  const ms = performance.now() - t0;
  if (o.stream) {
    process.stdout.write('\n');
    return;
  }
  const texts = gens.map((g) => renderTokens(m, [...prime.tokens, ...m.vocab.decode(g.ids)], o.raw));
  if (o.json) {
    printJson({
      model: o.model, prime: o.prime ?? null, strategy, seed: o.seed, backend: backend.name,
      samples: gens.map((g, i) => ({
        text: texts[i], tokens: m.vocab.decode(g.ids), ids: g.ids, log_prob: g.logProb, finished_by: g.finishedBy,
        ...(g.score !== undefined ? { score: g.score, rank: g.rank, search: g.sample } : {}),
      })),
      ms_per_token: gens.reduce((s, g) => s + g.ids.length, 0) > 0 ? ms / gens.reduce((s, g) => s + g.ids.length, 0) : null,
    });
    return;
  }
  texts.forEach((t, i) => {
    if (texts.length > 1) {
      const g = gens[i];
      process.stdout.write(`--- ${g.score !== undefined ? `search ${g.sample + 1} rank ${g.rank! + 1} · score ${g.score.toFixed(3)}` : `sample ${i + 1}`} · log p ${g.logProb.toFixed(2)}\n`);
    }
    process.stdout.write(t + '\n');
  });
}
