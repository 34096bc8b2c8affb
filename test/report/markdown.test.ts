import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fenced, mdTable, runMarkdown } from '../../src/report/markdown.js';
import { relativeLink } from '../../src/report/run-report.js';
import { settingRows, settingText, trainingLine, validationRows } from '../../src/report/run-facts.js';
import { syntheticEvents } from './runs.js';

describe('report Markdown', () => {
  it('tables escape pipes and flatten line breaks; a fence outlasts any backticks in the text', () => {
    assert.equal(mdTable(['a', 'b'], [['x|y', 'one\ntwo']], [false, true]), '| a | b |\n| --- | ---: |\n| x\\|y | one two |');
    assert.equal(fenced('plain'), '```text\nplain\n```');
    assert.equal(fenced('a ```` b'), '`````text\na ```` b\n`````');
  });

  it('settings: the key ones and every one off its default, paths by file name only, the output folder never', () => {
    const config = { config: { data: join(tmpdir(), 'books', 'time machine.txt'), level: 'word', cell: 'lstm', hidden: 256, clip: 0, seed: 42, out: join(tmpdir(), 'runs', 'x'), tokenizer: 'wordpunct' } };
    const rows = settingRows({ config, events: [] });
    assert.deepEqual(rows, [
      { flag: '--data', value: 'time machine.txt', default: '' },
      { flag: '--level', value: 'word', default: 'char' },
      { flag: '--cell', value: 'lstm', default: '' },
      { flag: '--hidden', value: '256', default: '' },
      { flag: '--clip', value: '0', default: '1' },
      { flag: '--tokenizer', value: 'wordpunct', default: '' },
    ]);
    assert.equal(settingText('C:\\data\\ag news.csv'), 'ag news.csv');
    const cls = settingRows({ config: { command: 'classify', config: { model: 'cnn', hidden: 64, lr: 0.01 } }, events: [], classifier: true });
    assert.deepEqual(cls.map((r) => [r.flag, r.default]), [['--model', 'gru'], ['--hidden', ''], ['--lr', '0.001']]);
  });

  it('validations: untrained, best, and the last when it is not the best; the training line', () => {
    const events = syntheticEvents({ steps: 100, epoch: 25 });
    const rows = validationRows(events);
    assert.deepEqual(rows.map((r) => [r.what, r.val.step]), [['untrained', 0], ['best', 100]]);
    const worse = [...events.slice(0, -1), { ...rows[1].val, step: 101, best: false, loss: 9 }, events[events.length - 1]];
    assert.deepEqual(validationRows(worse).map((r) => [r.what, r.val.step]), [['untrained', 0], ['best', 100], ['last', 101]]);
    assert.equal(trainingLine({ config: { parameters: { total: 12345, frozen: 0 } }, events }), '100 steps (4 epochs, stopped by epochs) · 1s of training · 6.4k tokens/s in the last session · 12,345 parameters');
    assert.match(trainingLine({ config: null, events: events.filter((e) => e.type !== 'end') }), /^100 steps so far \(running, or stopped without an end line\)/);
  });

  it('links are relative, slash-separated and URL-encoded', () => {
    assert.equal(relativeLink('/r/reports', '/r/runs/my run (2)/eval-a.svg'), '../runs/my%20run%20%282%29/eval-a.svg');
    const md = runMarkdown({ name: 'x', facts: { config: null, events: [] }, figures: [{ title: 'a|b', link: 'x-curves.svg' }], summary: null, samples: null, notes: ['No checkpoint yet.'] });
    assert.match(md, /^!\[a\\\|b\]\(x-curves\.svg\)$/m);
    assert.match(md, /^> No checkpoint yet\.$/m);
    assert.match(md, /_No validation yet\._/);
  });
});
