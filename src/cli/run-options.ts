/**
 * Commander flags from the run-option table (src/run/options.ts): the flag, its help line with
 * the default from DEFAULTS, and a parser that turns a bad value into commander's one-line
 * error. No commander defaults are set, so the options object holds exactly what was typed.
 */
import { Command, Option } from 'commander';
import { flagOf } from '../run/config.js';
import { defaultText, RUN_TABLE, type OptionSpec, type OptionTable } from '../run/options.js';
import { int, num, oneOf } from './parse.js';

/** The parser `train` uses for a setting's value (null for a switch, which takes none). */
export function optionParser(spec: OptionSpec): ((v: string) => unknown) | null {
  const v = spec.value;
  switch (v.kind) {
    case 'int': return int(v.min, v.max);
    case 'num': return num(v.min, v.max, v.exclusiveMin);
    case 'choice': return oneOf(...v.values);
    // a column by 0-based index, or by name
    case 'column': return (s) => (/^\d+$/.test(s.trim()) ? Number(s) : s);
    case 'string': case 'text': return (s) => s;
    // no run option repeats (only `sample --ban` does, with its own parser)
    case 'texts': throw new Error(`${spec.key}: a repeatable run option has no parser`);
    case 'flag': return null;
  }
}

/** `parse` replaces the value parsers (`rnnlab sweep` takes comma-separated lists of values). */
export function addRunOptions(
  c: Command, keys?: readonly string[], table: OptionTable = RUN_TABLE, parse: (spec: OptionSpec) => ((v: string) => unknown) | null = optionParser,
): Command {
  for (const spec of table.options) {
    if (keys && !keys.includes(spec.key)) continue;
    const d = spec.value.kind === 'flag' ? '' : defaultText(spec.key, table);
    const help = d ? `${spec.help} (default: ${d})` : spec.help;
    const opt = new Option(`${flagOf(spec.key)}${spec.arg ? ` ${spec.arg}` : ''}`, help);
    const p = parse(spec);
    if (p) opt.argParser(p);
    c.addOption(opt);
  }
  return c;
}

/** The run options typed on the command line (commander's own defaults, like --no-header's, left out). */
export function typedRunOptions(o: Record<string, unknown>, cmd: Command, table: OptionTable = RUN_TABLE): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of table.options) {
    if (o[spec.key] !== undefined && cmd.getOptionValueSource(spec.key) === 'cli') out[spec.key] = o[spec.key];
  }
  return out;
}
