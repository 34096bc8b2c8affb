/**
 * Commander flags from the run-option table (src/run/options.ts): the flag, its help line with
 * the default from DEFAULTS, and a parser that turns a bad value into commander's one-line
 * error. No commander defaults are set, so the options object holds exactly what was typed.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { flagOf } from '../run/config.js';
import { defaultText, describeValue, RUN_OPTIONS, type OptionSpec } from '../run/options.js';

function parser(spec: OptionSpec): ((v: string) => unknown) | null {
  const v = spec.value;
  const fail = (): never => {
    throw new InvalidArgumentError(`expected ${describeValue(v)}.`);
  };
  switch (v.kind) {
    case 'int':
      return (s) => {
        if (!/^\s*-?\d+\s*$/.test(s)) fail();
        const n = Number(s);
        if (n < v.min || (v.max !== undefined && n > v.max)) fail();
        return n;
      };
    case 'num':
      return (s) => {
        // Decimal notation only: Number() would also take '0x10' or '' silently.
        if (!/^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(s)) fail();
        const n = Number(s);
        if (!Number.isFinite(n) || n < v.min || n > v.max || (v.exclusiveMin && n === v.min)) fail();
        return n;
      };
    case 'choice':
      return (s) => (v.values.includes(s) ? s : fail());
    case 'column':
      return (s) => (/^\d+$/.test(s.trim()) ? Number(s) : s);
    case 'string':
      return (s) => s;
    case 'flag':
      return null;
  }
}

export function addRunOptions(c: Command, keys?: readonly string[]): Command {
  for (const spec of RUN_OPTIONS) {
    if (keys && !keys.includes(spec.key)) continue;
    const d = spec.value.kind === 'flag' ? '' : defaultText(spec.key);
    const help = d ? `${spec.help} (default: ${d})` : spec.help;
    const opt = new Option(`${flagOf(spec.key)}${spec.arg ? ` ${spec.arg}` : ''}`, help);
    const p = parser(spec);
    if (p) opt.argParser(p);
    c.addOption(opt);
  }
  return c;
}

/** The run options typed on the command line (commander's own defaults, like --no-header's, left out). */
export function typedRunOptions(o: Record<string, unknown>, cmd: Command): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of RUN_OPTIONS) {
    if (o[spec.key] !== undefined && cmd.getOptionValueSource(spec.key) === 'cli') out[spec.key] = o[spec.key];
  }
  return out;
}
