/**
 * Forms generated from the server's option tables (GET /api/train/options, GET
 * /api/generate/options): each field is labelled with the CLI's flag, shows its default as a
 * placeholder and its rule as help, and is checked here with the same limits before anything
 * is sent. The server checks again and has the last word; its message is shown as it is.
 */
import type { OptionSpec } from './api';

export type FieldValue = string | boolean;
export type Values = Record<string, FieldValue>;

/** The form's starting values: flags at their default, everything else empty (= the default). */
export function initialValues(options: OptionSpec[]): Values {
  const v: Values = {};
  for (const o of options) v[o.key] = o.value.kind === 'flag' ? o.default === true : '';
  return v;
}

function checkNumber(o: OptionSpec, raw: string): number | string {
  const x = Number(raw);
  const bad = `${o.flag} must be ${o.rule}, got ${raw}`;
  if (raw.trim() === '' || !Number.isFinite(x)) return bad;
  const s = o.value;
  if (s.kind === 'int') {
    if (!Number.isInteger(x) || x < s.min || (s.max != null && x > s.max)) return bad;
  } else if (s.kind === 'num') {
    if (s.exclusiveMin ? x <= s.min : x < s.min) return bad;
    if (s.max != null && (s.exclusiveMax ? x >= s.max : x > s.max)) return bad;
  }
  return x;
}

/**
 * The settings to send (only what differs from the defaults) and one message per bad field.
 * `keys` limits which options count (the ones shown for a strategy, say).
 */
export function collect(options: OptionSpec[], values: Values, keys?: ReadonlySet<string>): { settings: Record<string, unknown>; errors: Record<string, string> } {
  const settings: Record<string, unknown> = {}, errors: Record<string, string> = {};
  for (const o of options) {
    if (keys && !keys.has(o.key)) continue;
    const v = values[o.key];
    if (o.value.kind === 'flag') {
      if (v !== (o.default === true)) settings[o.key] = v;
      continue;
    }
    const raw = typeof v === 'string' ? v : '';
    if (raw.trim() === '' && o.value.kind !== 'text') continue;
    if (raw === '') continue;
    switch (o.value.kind) {
      case 'int': case 'num': {
        const x = checkNumber(o, raw);
        if (typeof x === 'string') errors[o.key] = x;
        else if (x !== o.default) settings[o.key] = x;
        break;
      }
      case 'texts': {
        const list = raw.split('\n').filter((l) => l !== '');
        if (list.length) settings[o.key] = list;
        break;
      }
      case 'column':
        settings[o.key] = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw.trim();
        break;
      case 'choice':
        if (raw !== o.default) settings[o.key] = raw;
        break;
      default:
        settings[o.key] = raw;
    }
  }
  return { settings, errors };
}

const fieldId = (prefix: string, key: string) => `${prefix}-${key}`;

function placeholderOf(o: OptionSpec): string {
  if (o.default === null || o.default === undefined) return '';
  return String(o.default);
}

export function Field({ o, prefix, values, set, error, files }: {
  o: OptionSpec; prefix: string; values: Values; set: (k: string, v: FieldValue) => void; error?: string;
  /** Files of the runs folder, for options that name one. */
  files?: string[];
}) {
  const id = fieldId(prefix, o.key);
  const v = values[o.key];
  const help = `${o.help} (${o.rule}${o.default !== null && o.default !== undefined ? `; default ${String(o.default)}` : ''})`;
  const common = { id, name: o.key, title: help, 'aria-invalid': error ? (true as const) : undefined, 'aria-describedby': error ? `${id}-error` : undefined };
  let input;
  const s = o.value;
  if (s.kind === 'flag') {
    // a flag on by default shows as its --no- form, checked when turned off, as on the command line
    const negated = o.flag.startsWith('--no-');
    input = <input type="checkbox" {...common} checked={negated ? v === false : v === true} onChange={(e) => set(o.key, negated ? !e.currentTarget.checked : e.currentTarget.checked)} />;
  } else if (s.kind === 'choice') {
    input = (
      <select {...common} value={String(v)} onChange={(e) => set(o.key, e.currentTarget.value)}>
        <option value="" selected={v === ''}>{o.default != null ? `${String(o.default)} (default)` : '(default)'}</option>
        {s.values.filter((x) => x !== o.default).map((x) => <option value={x} selected={v === x}>{x}</option>)}
      </select>
    );
  } else if (o.file && files) {
    input = (
      <select {...common} value={String(v)} onChange={(e) => set(o.key, e.currentTarget.value)}>
        <option value="" selected={v === ''}>(none)</option>
        {files.map((f) => <option value={f} selected={v === f}>{f}</option>)}
      </select>
    );
  } else if (s.kind === 'texts') {
    input = <textarea {...common} rows={2} placeholder="one per line" value={String(v)} onInput={(e) => set(o.key, e.currentTarget.value)} />;
  } else {
    const numeric = s.kind === 'int' || s.kind === 'num';
    const onInput = (e: { currentTarget: HTMLInputElement }) => set(o.key, e.currentTarget.value);
    input = numeric
      ? <input {...common} type="number" step={s.kind === 'int' ? 1 : 'any'} min={(s as { min: number }).min}
          max={(s as { max?: number | null }).max ?? undefined} placeholder={placeholderOf(o)} value={String(v)} onInput={onInput} />
      : <input {...common} type="text" placeholder={placeholderOf(o)} value={String(v)} onInput={onInput} />;
  }
  const label = o.flag;
  return (
    <div class={`field${s.kind === 'flag' ? ' flag' : ''}${error ? ' bad' : ''}`}>
      <label for={id} title={help}>{label}</label>
      {input}
      {error && <span class="field-error" id={`${id}-error`}>{error}</span>}
    </div>
  );
}

export function ErrorBox({ error }: { error: string | null }) {
  return error ? <p class="error" role="alert">{error}</p> : null;
}
