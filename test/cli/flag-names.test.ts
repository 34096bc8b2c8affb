/**
 * Commander reads every `--no-x` flag as the negation of `--x`: a value given to it lands in
 * `x`, and the option the command reads stays unset (`--no-repeat-ngram 3` once did nothing).
 * This walks every option of every command and checks each `--no-` flag is either a plain
 * switch or a value option stored under its own name, and that the values arrive.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/program.js';

function* commands(c: Command, path: string[] = []): Generator<[string, Command]> {
  for (const sub of c.commands) {
    const p = [...path, sub.name()];
    yield [p.join(' '), sub];
    yield* commands(sub, p);
  }
}

test('every --no- flag is a switch or a value option under its own name', () => {
  const found: string[] = [];
  for (const [name, cmd] of commands(buildProgram())) {
    for (const opt of cmd.options) {
      if (!opt.long?.startsWith('--no-')) continue;
      found.push(`${name} ${opt.long}`);
      const takesValue = opt.required || opt.optional;
      if (takesValue) {
        assert.equal(opt.negate, false, `${name} ${opt.flags}: commander would read it as the negation of --${opt.long.slice(5)}`);
        assert.equal(opt.attributeName(), opt.long.slice(2).replace(/-([a-z])/g, (_, ch: string) => ch.toUpperCase()));
      } else {
        assert.equal(opt.negate, true, `${name} ${opt.flags}`);
      }
    }
  }
  // the ones there are today (a new one is checked above just the same)
  for (const f of ['sample --no-repeat-ngram', 'train --no-header', 'sweep --no-header', 'eval --no-header', 'classify train --no-clean']) {
    assert.ok(found.includes(f), `${f} in ${found.join(', ')}`);
  }
});

test('--no-repeat-ngram 3 is parsed as noRepeatNgram = 3; --no-header switches header off', async () => {
  const program = buildProgram();
  const sample = program.commands.find((c) => c.name() === 'sample')!;
  let seen: Record<string, unknown> = {};
  sample.action((o: Record<string, unknown>) => { seen = o; });
  await program.parseAsync(['node', 'rnnlab', 'sample', '--model', 'm', '--no-repeat-ngram', '3']);
  assert.equal(seen.noRepeatNgram, 3);
  assert.equal(seen.repeatNgram, undefined);

  const p2 = buildProgram();
  const train = p2.commands.find((c) => c.name() === 'train')!;
  train.action((o: Record<string, unknown>) => { seen = o; });
  await p2.parseAsync(['node', 'rnnlab', 'train', '--data', 'x.csv', '--no-header']);
  assert.equal(seen.header, false);
});
