/** `rnnlab compare-strategies`: every decoding strategy side by side, as Markdown and CSV. */
import { Command } from 'commander';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { RnnlabError } from '../errors.js';
import { compareStrategies, toCsv, toMarkdown } from '../generate/compare.js';
import { DEFAULT_GRID, parseGrid } from '../generate/grid.js';
import { LmStepModel } from '../generate/lm-step-model.js';
import { checkGenerationSize } from '../generate/limits.js';
import { bannedIds, encodePrime, encodeText, renderTokens } from '../generate/model-text.js';
import { writeFileAtomic } from '../io/atomic.js';
import { probeWritable } from '../io/out-dir.js';
import { loadLanguageModel } from '../train/checkpoint.js';
import { backendOptions, pickModelBackend, precisionOption } from './common.js';
import { int, text } from './parse.js';
import { printJson } from './run.js';

export function compareCommand(): Command {
  const c = new Command('compare-strategies').description('compare decoding strategies on one model: length, distinct-1/2, repetition, self-perplexity, speed');
  c.option('--model <path>', '(required) a run directory or a .safetensors file')
    .option('--prime <text>', 'text every strategy starts from', text)
    .option('--samples <n>', 'outputs per stochastic strategy', int(1, 10000), 10)
    .option('--length <n>', 'tokens per output', int(1, 100000), 100)
    .option('--grid <file>', 'JSON array of strategies instead of the default grid, e.g. [{"name":"t0.8+k40","strategy":"sample","temperature":0.8,"topK":40}] (keys: the library\'s option names, "ban": ["text", …]; checked like sample\'s flags)')
    .option('--seed <n>', 'random seed', int(0, 2 ** 32 - 1), 0)
    .option('--out <prefix>', 'write <prefix>.md and <prefix>.csv (default: compare-strategies in the model directory)')
    .option('--json', 'print the rows as JSON instead of Markdown', false);
  precisionOption(c);
  backendOptions(c);
  return c;
}

export async function compareAction(o: Record<string, any>): Promise<void> {
  if (!o.model) throw new RnnlabError('compare-strategies needs --model DIR|FILE');
  let grid;
  if (o.grid) {
    let src: string;
    try {
      src = readFileSync(o.grid, 'utf8');
    } catch {
      throw new RnnlabError(`cannot read the strategy grid ${o.grid}`);
    }
    grid = parseGrid(src);
  }
  const { backend } = await pickModelBackend(o);
  const m = loadLanguageModel(o.model, backend);
  const prefix = o.out ?? join(statSync(o.model).isDirectory() ? o.model : dirname(o.model), 'compare-strategies');
  // Where the tables go is checked before the sampling, which can take minutes.
  const folder = dirname(prefix);
  const st = statSync(folder, { throwIfNoEntry: false });
  if (!st) throw new RnnlabError(`cannot use --out ${prefix}: the folder ${folder} does not exist`);
  if (!st.isDirectory()) throw new RnnlabError(`cannot use --out ${prefix}: ${folder} is a file, not a folder`);
  probeWritable(folder, '--out');
  const prime = encodePrime(m, o.prime, false);
  const banned = bannedIds(m.vocab);
  const specs = grid ?? DEFAULT_GRID;
  // named as the user wrote them (the grid key, --length), and before any entry samples
  specs.forEach((g, i) => {
    if (g.minLength !== undefined && g.minLength > o.length) {
      throw new RnnlabError(`grid entry ${i + 1} ("${g.name}"): "minLength" ${g.minLength} is more than --length ${o.length}, the most tokens an output holds`);
    }
  });
  // rows each strategy decodes at once, as compareStrategies runs it (deterministic ones once)
  const rowsOf = specs.map((g) => {
    const deterministic = g.strategy === 'greedy' || g.strategy === 'beam' || g.temperature === 0;
    const beams = g.strategy === 'beam' || g.strategy === 'beam-sample' ? g.beams ?? 5 : 1;
    return (deterministic ? 1 : o.samples) * beams;
  });
  checkGenerationSize(
    { tokens: rowsOf.reduce((a, r) => a + r, 0) * o.length, rows: Math.max(...rowsOf), vocabSize: m.vocab.size },
    `--samples ${o.samples} × --length ${o.length} over the ${specs.length} strategies of the grid`,
  );
  const rows = compareStrategies(new LmStepModel(m.model), {
    prime: prime.ids, samples: o.samples, maxTokens: o.length, seed: o.seed, eosId: m.vocab.eos,
    // The example column shows the prime and its continuation, as a reader would see them.
    detokenize: (ids) => renderTokens(m, [...prime.tokens, ...m.vocab.decode(ids)], false).replace(/\s+/g, ' '),
    grid: specs.map((g) => ({ ...g, bannedIds: [...(g.bannedIds ?? []), ...banned] })),
    encodeText: (t) => encodeText(m, t, 'the grid\'s "ban" text'),
  });
  const md = `# Decoding strategies\n\nmodel \`${o.model}\` · prime ${JSON.stringify(o.prime ?? '')} · ${o.samples} samples of ${o.length} tokens · seed ${o.seed}\n\n${toMarkdown(rows)}\n`;
  writeFileAtomic(`${prefix}.md`, md);
  writeFileAtomic(`${prefix}.csv`, toCsv(rows));
  if (o.json) printJson(rows);
  else process.stdout.write(toMarkdown(rows) + '\n');
  process.stderr.write(`saved ${prefix}.md and ${prefix}.csv\n`);
}
