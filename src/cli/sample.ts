/** `rnnlab sample`: generate text from a prime with any decoding strategy. */
import { Command, Option } from 'commander';
import { RnnlabError } from '../errors.js';
import { generate, type Strategy } from '../generate/decode.js';
import type { BeamOptions, Generation } from '../generate/decoders/options.js';
import { checkGenerationSize } from '../generate/limits.js';
import { LmStepModel } from '../generate/lm-step-model.js';
import { bannedIds, encodePrime, encodeText, renderTokens, TextStream } from '../generate/model-text.js';
import { SAMPLE_DECODING_SETTINGS, SAMPLE_OUTPUT_SETTINGS, type SampleSetting } from '../generate/sample-settings.js';
import { checkStrategyOptions, flagName } from '../generate/strategy-check.js';
import { loadLanguageModel, type LoadedModel } from '../train/checkpoint.js';
import { backendOptions, pickModelBackend, precisionOption } from './common.js';
import { collect, int, num, oneOf, text, valueOption } from './parse.js';
import { printJson } from './run.js';
import { outputClosed } from './stdout.js';

/** A commander option from a row of the sample settings table (sample-settings.ts). */
function settingOption(s: SampleSetting): Option {
  const flags = `${s.flag}${s.arg ? ` ${s.arg}` : ''}`;
  // --no-repeat-ngram takes a value: not the negation commander would read it as
  const opt = s.flag.startsWith('--no-') ? valueOption(flags, s.help) : new Option(flags, s.help);
  const v = s.value;
  switch (v.kind) {
    case 'int': opt.argParser(int(v.min, v.max)); break;
    case 'num': opt.argParser(num(v.min, v.max, v.exclusiveMin, v.exclusiveMax)); break;
    case 'choice': opt.argParser(oneOf(...v.values)); break;
    case 'text': opt.argParser(text); break;
    case 'texts': opt.argParser(collect); break;
    case 'flag': break;
  }
  if (s.default !== undefined) opt.default(s.default);
  return opt;
}

export function samplingOptions(c: Command): Command {
  for (const s of SAMPLE_DECODING_SETTINGS) c.addOption(settingOption(s));
  return c;
}

export function sampleCommand(): Command {
  const c = new Command('sample').description('generate text from a trained model');
  c.option('--model <path>', 'a run directory (its model.safetensors) or a .safetensors file');
  for (const s of SAMPLE_OUTPUT_SETTINGS) c.addOption(settingOption(s));
  c.option('--stream', 'print the text as it is generated (one output, greedy or sample)', false)
    .option('--json', 'machine-readable output', false);
  samplingOptions(c);
  precisionOption(c);
  backendOptions(c);
  return c;
}

export function decodeOptions(o: Record<string, any>, m: LoadedModel, prime: Int32Array): { strategy: Strategy; opts: BeamOptions } {
  let strategy = o.strategy as Strategy;
  const beamish = strategy === 'beam' || strategy === 'beam-sample';
  checkStrategyOptions(strategy, o, flagName);
  if (o.temperature === 0 && strategy === 'sample') strategy = 'greedy';
  if (o.minLength !== undefined && o.minLength > o.length) {
    throw new RnnlabError(`--min-length ${o.minLength} is more than --length ${o.length}, the most tokens an output holds`);
  }
  const v = m.vocab;
  const beams: number = o.beams ?? 5;
  if (beamish && o.numSamples > beams) {
    throw new RnnlabError(`--num-samples ${o.numSamples} is more than the beam width ${beams}: a beam search returns at most --beams hypotheses (raise --beams)`);
  }
  const rows = beamish ? beams : o.numSamples;
  checkGenerationSize(
    { tokens: rows * o.length, rows, vocabSize: v.size },
    beamish ? `--beams ${beams} × --length ${o.length}` : `--num-samples ${o.numSamples} × --length ${o.length}`,
  );
  const opts: BeamOptions = {
    prime, maxTokens: o.length, eosId: v.eos, seed: o.seed,
    // a beam search's n best; more searches with the same settings would only repeat it
    numSamples: beamish ? 1 : o.numSamples,
    ...(beamish && { beams, nBest: o.numSamples }),
    temperature: o.temperature === 0 ? undefined : o.temperature, topK: o.topK, topP: o.topP, minP: o.minP, typical: o.typical,
    epsilonCutoff: o.epsilonCutoff, etaCutoff: o.etaCutoff, minTokensToKeep: o.minTokensToKeep,
    alpha: o.alpha, repetitionPenalty: o.repetitionPenalty, noRepeatNgram: o.noRepeatNgram, bannedIds: bannedIds(v),
    banSequences: o.ban?.map((t: string) => encodeText(m, t)), minLength: o.minLength,
    lengthPenalty: o.lengthPenalty,
  };
  if (o.stop !== undefined) {
    opts.stop = o.stop;
    opts.detokenize = (ids) => renderTokens(m, v.decode(ids), true);
  }
  return { strategy, opts };
}

export async function sampleAction(o: Record<string, any>): Promise<void> {
  if (!o.model) throw new RnnlabError('sample needs --model DIR|FILE');
  const { backend } = await pickModelBackend(o);
  const m = loadLanguageModel(o.model, backend);
  const prime = encodePrime(m, o.prime, o.strictVocab);
  const { strategy, opts } = decodeOptions(o, m, prime.ids);
  if (o.stream) {
    if (strategy === 'beam' || strategy === 'beam-sample') throw new RnnlabError('--stream works with greedy and sample strategies (beams are only known at the end)');
    if (o.numSamples !== 1) throw new RnnlabError('--stream prints one output; drop --num-samples');
    if (o.json) throw new RnnlabError('--stream and --json do not mix');
    // the same text the batch output prints, as it becomes final
    const out = new TextStream(m, o.raw);
    const write = (s: string) => {
      if (outputClosed()) process.exit(0); // the reader went away (| head): stop generating
      if (s !== '') process.stdout.write(s);
    };
    for (const t of prime.tokens) write(out.push(t));
    opts.onToken = (_row, id) => write(out.push(m.vocab.tokens[id]));
    generate(new LmStepModel(m.model), strategy, opts);
    write(out.end() + '\n');
    return;
  }
  const t0 = performance.now();
  const gens: Generation[] = generate(new LmStepModel(m.model), strategy, opts);
  const ms = performance.now() - t0;
  const texts = gens.map((g) => renderTokens(m, [...prime.tokens, ...m.vocab.decode(g.ids)], o.raw));
  const tokens = gens.reduce((s, g) => s + g.ids.length, 0);
  if (o.json) {
    printJson({
      model: o.model, prime: o.prime ?? null, strategy, seed: o.seed, backend: backend.name,
      samples: gens.map((g, i) => ({
        text: texts[i], tokens: m.vocab.decode(g.ids), ids: g.ids, log_prob: g.logProb, finished_by: g.finishedBy,
        ...(g.score !== undefined ? { score: g.score, rank: g.rank } : {}),
      })),
      ms_per_token: tokens > 0 ? ms / tokens : null,
    });
    return;
  }
  texts.forEach((t, i) => {
    if (texts.length > 1) {
      const g = gens[i];
      const head = g.score !== undefined ? `rank ${g.rank! + 1} · score ${g.score.toFixed(3)}` : `sample ${i + 1}`;
      process.stdout.write(`--- ${head} · log p ${g.logProb.toFixed(2)}\n`);
    }
    process.stdout.write(t + '\n');
  });
}
