/**
 * Argument parsers for commander: each either returns a value or throws
 * InvalidArgumentError, which commander prints as one line ("error: option '--lr <f>'
 * argument 'abc' is invalid. …") with exit code 1.
 */
import { InvalidArgumentError, Option } from 'commander';

export function int(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    if (!/^-?\d+$/.test(v.trim())) throw new InvalidArgumentError(`expected an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'}.`);
    const n = Number(v);
    if (n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'}.`);
    return n;
  };
}

/** A finite number in [min, max] (open at either end with exclusiveMin / exclusiveMax). */
export function num(min: number, max: number, exclusiveMin = false, exclusiveMax = false) {
  const range = `${exclusiveMin ? '(' : '['}${min}, ${max === Infinity ? '∞)' : `${max}${exclusiveMax ? ')' : ']'}`}`;
  return (v: string): number => {
    const n = Number(v);
    // Decimal notation only: Number() would also take '0x10' or '' silently.
    if (!/^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(v) || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number in ${range}.`);
    if (n < min || n > max || (exclusiveMin && n === min) || (exclusiveMax && n === max)) throw new InvalidArgumentError(`expected a number in ${range}.`);
    return n;
  };
}

export function oneOf<T extends string>(...values: T[]) {
  return (v: string): T => {
    if (!(values as string[]).includes(v)) throw new InvalidArgumentError(`expected one of: ${values.join(', ')}.`);
    return v as T;
  };
}

export function text(v: string): string {
  return v;
}

/** Each use adds one value (`--ban a --ban b` → ['a', 'b']). */
export function collect(v: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), v];
}

/**
 * An option that takes a value although its name starts with `--no-` (`--no-repeat-ngram 3`).
 * Commander reads every `--no-x` as the negation of `--x`: the value would land in `x` and
 * the option's own key would never be set. This one is an ordinary option named `noRepeatNgram`.
 */
export function valueOption(flags: string, description: string): Option {
  const opt = new Option(flags, description);
  if (!opt.required && !opt.optional) throw new Error(`valueOption: ${flags} takes no value`);
  opt.negate = false;
  return opt;
}
