/**
 * `rnnlab sweep`: a grid of training runs from flags with comma-separated values (or a JSON
 * file), run by the library's Sweep as `rnnlab train` child processes; progress on stderr, the
 * results table on stdout, exit non-zero when a run failed (1) or the sweep was interrupted
 * (130/143, as train).
 *
 * Which flags sweep: those whose values are numbers or names from a fixed list (`--hidden
 * 128,256`, `--cell rnn,lstm`); a comma there cannot be part of one value. Files, field names,
 * CSV columns (`--text-column 1,2` is one setting: two columns joined) and switches take one
 * value on the command line; a --grid file sweeps any setting, as JSON lists are unambiguous.
 */
import { Command, InvalidArgumentError } from 'commander';
import { availableParallelism } from 'node:os';
import { flagOf } from '../run/config.js';
import { RUN_OPTIONS, type OptionSpec } from '../run/options.js';
import { Sweep, type SweepEvent } from '../sweep/runner.js';
import { parseSweepFile, type SweepSpec, type SweepValue } from '../sweep/grid.js';
import { resultsTable } from '../sweep/results.js';
import { int, oneOf } from './parse.js';
import { fmtTime } from './progress.js';
import { printJson } from './run.js';
import { addRunOptions, optionParser, typedRunOptions } from './run-options.js';
import { handleSignals, quoteArg, SIGNAL_EXIT } from './signals.js';
import { RnnlabError } from '../errors.js';

/** Kinds of value a comma cannot belong to, so `a,b` is a list to sweep. */
const LIST_KINDS = new Set(['int', 'num', 'choice']);

export function sweepableFromFlags(spec: OptionSpec): boolean {
  return LIST_KINDS.has(spec.value.kind);
}

/** train's parser for each value of a comma-separated list; one value stays a value. */
function listParser(spec: OptionSpec): ((v: string) => unknown) | null {
  const one = optionParser(spec);
  if (!one || !sweepableFromFlags(spec)) return one;
  return (text: string) => {
    const values = text.split(',').map((v) => one(v.trim()));
    const twice = values.find((v, i) => values.indexOf(v) !== i);
    if (twice !== undefined) throw new InvalidArgumentError(`${String(twice)} is listed twice.`);
    return values.length === 1 ? values[0] : values;
  };
}

export function sweepCommand(): Command {
  const c = new Command('sweep')
    .description('train a grid of runs (comma-separated values: --cell rnn,lstm --hidden 128,256) and tabulate them by validation perplexity')
    .option('--grid <file>', 'JSON: {"base": {settings}, "grid": {"hidden": [128, 256], …}, "runs": [{settings}, …]} (flags given too override it)')
    .option('--out <dir>', 'the sweep directory: sweep.json, results.json/.csv/.md and one folder per run (required)')
    .option('--resume', 'continue the sweep in --out (finished runs are kept, interrupted ones continue, the rest start)', false)
    .option('--parallel <n>', 'runs at once, each a child process (default: 1)', int(1, 256))
    .option('--threads <n>', 'threads per run (default: the cores divided among the parallel runs)', int(1, 256))
    .option('--backend <name>', 'compute backend of every run: auto, native, wasm or js', oneOf('auto', 'native', 'wasm', 'js'))
    .option('--json', 'print results.json on stdout instead of the table', false)
    .option('--quiet', 'no progress lines', false)
    .option('--debug', 'print stack traces on errors');
  // Every train setting but --out (each run's is the sweep's to choose).
  addRunOptions(c, RUN_OPTIONS.map((o) => o.key).filter((k) => k !== 'out'), undefined, listParser);
  const lists = RUN_OPTIONS.filter(sweepableFromFlags).map((o) => flagOf(o.key)).join(' ');
  c.addHelpText('after', `\nComma-separated values sweep: ${lists}.\nThe other settings take one value here; a --grid file sweeps any of them.`);
  return c;
}

/** The spec the flags describe: lists go to the grid, single values to the base (both over a --grid file's). */
export function specFromFlags(o: Record<string, unknown>, cmd: Command): SweepSpec | undefined {
  const typed = typedRunOptions(o, cmd);
  delete typed.out; // the sweep's own directory, not a run setting
  if (!o.grid && Object.keys(typed).length === 0) return undefined;
  const spec: SweepSpec = o.grid ? parseSweepFile(String(o.grid)) : { base: {}, grid: {}, runs: [] };
  for (const [k, v] of Object.entries(typed)) {
    const base = spec.base as Record<string, unknown>;
    if (Array.isArray(v)) {
      spec.grid[k] = v as SweepValue[];
      delete base[k];
    } else {
      base[k] = v;
      delete spec.grid[k];
    }
  }
  return spec;
}

export async function sweepAction(o: Record<string, any>, cmd: Command): Promise<void> {
  if (!o.out) throw new RnnlabError('sweep needs --out DIR (where the runs and results go; --resume continues it)');
  const spec = specFromFlags(o, cmd);
  if (o.resume && spec) throw new RnnlabError('--resume continues the sweep with its own settings (sweep.json): give only --out and, if you like, --parallel, --threads, --backend');
  const say = (s: string) => {
    if (!o.quiet) process.stderr.write(s + '\n');
  };
  const sweep = await Sweep.create(spec, {
    out: o.out, resume: o.resume, parallel: o.parallel, threads: o.threads, backend: o.backend, onEvent: (e) => report(e, say),
  });
  const signal = handleSignals(sweep, { line: say, stop() {}, event() {} }, sweep.dir, 'rnnlab sweep');
  let results;
  try {
    results = await sweep.run();
  } finally {
    signal.remove();
  }
  if (o.json) printJson(results);
  else process.stdout.write(resultsTable(results));
  const failed = results.filter((r) => r.status === 'failed').length;
  const unfinished = results.filter((r) => r.status !== 'done' && r.status !== 'failed').length;
  if (signal.received) {
    process.stderr.write(`interrupted; continue with: rnnlab sweep --out ${quoteArg(o.out)} --resume\n`);
    process.exitCode = SIGNAL_EXIT[signal.received] ?? 1;
    return;
  }
  if (failed) process.stderr.write(`${failed} of ${results.length} runs failed (the error of each is in results.md; --resume tries them again)\n`);
  // a run stopped by a signal sent to it, not to the sweep
  if (unfinished) process.stderr.write(`${unfinished} of ${results.length} runs were interrupted; continue them with: rnnlab sweep --out ${quoteArg(o.out)} --resume\n`);
  if (failed || unfinished) process.exitCode = 1;
}

function report(e: SweepEvent, say: (s: string) => void): void {
  switch (e.type) {
    case 'warning':
      process.stderr.write(`warning: ${e.message}\n`);
      return;
    case 'start':
      say(`sweep: ${e.total} run${e.total === 1 ? '' : 's'}${e.done ? ` (${e.done} done before)` : ''} · ${e.parallel} at once · ${e.threads} thread${e.threads === 1 ? '' : 's'} each (${availableParallelism()} cores)`);
      return;
    case 'run-start':
      say(`[${e.index + 1}/${e.total}] ${e.resumed ? 'resume' : 'start'} ${e.run.run}`);
      return;
    case 'run-end': {
      const r = e.run;
      const time = r.wall_seconds !== undefined ? ` · ${fmtTime(r.wall_seconds)}` : '';
      if (r.status === 'done') {
        const ppl = r.val_perplexity !== undefined ? ` · val perplexity ${r.val_perplexity.toFixed(3)} · rank ${e.rank} of ${e.ranked}` : ' · no validation';
        say(`[${e.index + 1}/${e.total}] done ${r.run}${ppl}${time}`);
      } else say(`[${e.index + 1}/${e.total}] ${r.status} ${r.run}${r.error ? ` · ${r.error}` : ''}${time}`);
      if (r.status !== 'interrupted') say(`${e.finished} of ${e.total} finished${e.failed ? ` (${e.failed} failed)` : ''}${Number.isFinite(e.eta) && e.finished < e.total ? ` · ETA ${fmtTime(e.eta)}` : ''}`);
      return;
    }
    case 'end':
      say(`saved ${e.files.join(', ')}`);
  }
}
