import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RnnlabError } from '../../src/errors.js';
import { compareStrategies, toCsv, toMarkdown, type CompareRow } from '../../src/generate/compare.js';
import { DEFAULT_GRID, parseGrid } from '../../src/generate/grid.js';
import { letters, MARKOV6, markovModel } from './toy-model.js';

const prime = Int32Array.from([0, 1]);

describe('compareStrategies', () => {
  it('runs the default grid and measures every strategy', () => {
    const rows = compareStrategies(markovModel(MARKOV6), { prime, samples: 8, maxTokens: 20, seed: 1, eosId: 0, detokenize: letters });
    assert.equal(rows.length, DEFAULT_GRID.length);
    for (const r of rows) {
      assert.ok(r.meanLength > 0 && r.meanLength <= 20, r.name);
      for (const x of [r.distinct1, r.distinct2]) assert.ok(Number.isNaN(x) || (x > 0 && x <= 1), `${r.name} ${x}`);
      assert.ok(Number.isNaN(r.repetition4) || (r.repetition4 >= 0 && r.repetition4 < 1));
      assert.ok(r.perplexity >= 1 && r.perplexity < 6 * 10, `${r.name} ppl ${r.perplexity}`);
      assert.ok(r.msPerToken >= 0);
      assert.equal(typeof r.example, 'string');
    }
    const byName = new Map(rows.map((r) => [r.name, r]));
    assert.equal(byName.get('greedy')!.outputs, 1, 'deterministic strategies run once');
    assert.equal(byName.get('sample T=1.0')!.outputs, 8);
    assert.equal(byName.get('beam-sample 5 T=0.8')!.outputs, 8, 'best hypothesis of each search');
    // Sharper strategies produce text the model finds likelier.
    assert.ok(byName.get('greedy')!.perplexity < byName.get('sample T=1.0')!.perplexity);
  });

  it('is reproducible for a seed (apart from timing)', () => {
    const run = () => compareStrategies(markovModel(MARKOV6), { prime, samples: 4, maxTokens: 10, seed: 3, eosId: 0 }).map(({ msPerToken, ...r }) => r);
    assert.deepEqual(run(), run());
  });

  it('names the strategy in decoding errors', () => {
    assert.throws(
      () => compareStrategies(markovModel(MARKOV6), { prime, samples: 2, maxTokens: 5, seed: 1, grid: [{ name: 'no sixes', strategy: 'sample', bannedIds: [6] }] }),
      /strategy "no sixes": banned id 6/,
    );
    assert.throws(() => compareStrategies(markovModel(MARKOV6), { prime, samples: 0, maxTokens: 5, seed: 1 }), /samples/);
  });

  it('runs the new grid options: ban texts through encodeText, minimum length, epsilon and eta', () => {
    const grid = parseGrid(JSON.stringify([
      { name: 'no bc', strategy: 'sample', ban: ['bc'] },
      { name: 'long', strategy: 'greedy', minLength: 6 },
      { name: 'eps', strategy: 'sample', epsilonCutoff: 0.1, minTokensToKeep: 2 },
      { name: 'eta', strategy: 'sample', etaCutoff: 0.3 },
    ]));
    const encodeText = (t: string) => [...t].map((c) => c.charCodeAt(0) - 96); // a=1, b=2, …
    const rows = compareStrategies(markovModel(MARKOV6), { prime, samples: 6, maxTokens: 12, seed: 4, eosId: 0, detokenize: letters, grid, encodeText });
    assert.equal(rows.length, 4);
    assert.equal(rows[1].meanLength >= 6, true, 'greedy made to run at least 6 tokens');
    assert.throws(() => compareStrategies(markovModel(MARKOV6), { prime, samples: 1, maxTokens: 5, seed: 1, grid }), /strategy "no bc": "ban" needs a tokenizer/);
  });
});

describe('grids from JSON', () => {
  it('parses a valid grid', () => {
    const grid = parseGrid('[{"name":"nucleus","strategy":"sample","topP":0.9,"temperature":0.8},{"name":"b3","strategy":"beam","beams":3,"lengthPenalty":0.6}]');
    assert.deepEqual(grid.map((g) => g.name), ['nucleus', 'b3']);
    const rows = compareStrategies(markovModel(MARKOV6), { prime, samples: 3, maxTokens: 6, seed: 2, grid });
    assert.equal(rows.length, 2);
  });

  const bad: [string, RegExp][] = [
    ['{"name":"x"', /not valid JSON/],
    ['[]', /non-empty JSON array/],
    ['{"name":"x","strategy":"sample"}', /non-empty JSON array/],
    ['[42]', /grid entry 1 must be an object/],
    ['[{"strategy":"sample"}]', /grid entry 1 needs a non-empty "name"/],
    ['[{"name":"ok","strategy":"greedy"},{"name":"hot","strategy":"sample","topP":1.5}]', /grid entry 2 \("hot"\): topP must be in \(0, 1\]/],
    ['[{"name":"t","strategy":"sample","temprature":0.7}]', /grid entry 1 \("t"\): unknown option "temprature"/],
    ['[{"name":"t","strategy":"nucleus"}]', /"strategy" must be one of greedy, sample, beam, beam-sample/],
    ['[{"name":"t","strategy":"sample","beams":4}]', /"beams" applies only to the beam and beam-sample strategies/],
    ['[{"name":"b","strategy":"beam","beams":0}]', /"beams" must be an integer from 1 to 1000/],
    // the checks `rnnlab sample` applies hold for every grid entry too
    ['[{"name":"ok","strategy":"greedy"},{"name":"huge","strategy":"beam","beams":100000}]', /grid entry 2 \("huge"\): "beams" must be an integer from 1 to 1000, got 100000/],
    ['[{"name":"g","strategy":"greedy","topP":0.9}]', /grid entry 1 \("g"\): "topP" has no effect with the greedy strategy/],
    ['[{"name":"g","strategy":"greedy","epsilonCutoff":0.01,"minTokensToKeep":2}]', /grid entry 1 \("g"\): "epsilonCutoff", "minTokensToKeep" have no effect with the greedy/],
    ['[{"name":"bs","strategy":"beam-sample","temperature":0}]', /grid entry 1 \("bs"\): "temperature" 0 means greedy/],
    ['[{"name":"e","strategy":"sample","etaCutoff":1}]', /grid entry 1 \("e"\): etaCutoff must be in \(0, 1\)/],
    ['[{"name":"e","strategy":"sample","ban":"the"}]', /grid entry 1 \("e"\): "ban" must be an array of non-empty strings/],
    ['[{"name":"m","strategy":"sample","minLength":-1}]', /grid entry 1 \("m"\): minLength must be an integer ≥ 0/],
    ['[{"name":"b","strategy":"beam","lengthPenalty":"long"}]', /lengthPenalty/],
    ['[{"name":"a","strategy":"greedy"},{"name":"a","strategy":"sample"}]', /grid entry 2 \("a"\): the name is used twice/],
  ];
  for (const [json, re] of bad) {
    it(`rejects ${json}`, () => {
      assert.throws(() => parseGrid(json), (e: unknown) => e instanceof RnnlabError && re.test(e.message) && !e.message.includes('\n'));
    });
  }
});

describe('tables', () => {
  const row = (name: string, example: string, extra: Partial<CompareRow> = {}): CompareRow => ({
    name, strategy: 'sample', outputs: 2, meanLength: 3.5, distinct1: 0.75, distinct2: 1, repetition4: NaN, perplexity: 2.345678, msPerToken: 0.0123, example, ...extra,
  });

  it('CSV quotes fields with commas, quotes and line breaks (RFC 4180)', () => {
    const csv = toCsv([row('top-p 0.9, T=0.7', 'he said "hi"\nthen left'), row('plain', 'abc')]);
    const lines = csv.split('\r\n');
    assert.equal(lines[0], 'name,strategy,outputs,mean_length,distinct_1,distinct_2,repetition_4,perplexity,ms_per_token,example');
    assert.equal(csv.split('\r\n')[1], '"top-p 0.9, T=0.7",sample,2,3.5,0.75,1,,2.345678,0.0123,"he said ""hi""\nthen left"');
    assert.equal(lines[2], 'plain,sample,2,3.5,0.75,1,,2.345678,0.0123,abc');
    assert.ok(csv.endsWith('\r\n'));
  });

  it('Markdown escapes pipes and line breaks and shortens examples', () => {
    const md = toMarkdown([row('a|b', 'x | y\nz' + 'w'.repeat(100))]);
    const lines = md.trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0], /^\| strategy \| length \| distinct-1 \| distinct-2 \| rep-4 \| own ppl \| ms\/token \| example \|$/);
    assert.match(lines[2], /^\| a\\\|b \| 3\.5 \| 0\.750 \| 1\.000 \| n\/a \| 2\.35 \| 0\.012 \| x \\\| y ↵ zw+… \|$/);
  });
});
