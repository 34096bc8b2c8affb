/**
 * Inspect: how surprised a model is by each token of a text (−log p, coloured from white to
 * red), the most likely alternatives at that position on hover or focus, and the text's
 * perplexity and bits per token (`rnnlab eval --batch 1`'s numbers on the same text).
 */
import { useState } from 'preact/hooks';
import { api, fmt, type InspectItem, type InspectResult } from '../api';
import { ErrorBox } from '../form';
import { useModels } from '../hooks';
import { ModelPicker, Stats } from '../widgets';

/** Surprise in bits at which a token is fully red: 8 bits = a 1-in-256 token. */
const MAX_BITS = 8;

export function surpriseColor(bits: number | null): string {
  if (bits === null) return 'transparent';
  const t = Math.min(1, Math.max(0, bits / MAX_BITS));
  // white → amber → red, light enough at the top for dark text
  const hue = 50 - 50 * t, light = 97 - 35 * t;
  return `hsl(${hue.toFixed(0)} 95% ${light.toFixed(0)}%)`;
}

function shown(token: string): string {
  return token.replace(/\n/g, '⏎\n').replace(/\t/g, '⇥');
}

function Token({ item, onHover }: { item: InspectItem; onHover: (i: InspectItem | null) => void }) {
  const label = item.nll === null ? `${JSON.stringify(item.token)}: context` : `${JSON.stringify(item.token)}: p ${fmt(item.p)}, ${fmt(item.bits)} bits`;
  return (
    <span class="tok" tabIndex={0} data-index={item.index} data-nll={item.nll ?? ''} style={{ background: surpriseColor(item.bits) }}
      aria-label={label} onMouseEnter={() => onHover(item)} onFocus={() => onHover(item)}>{shown(item.token)}</span>
  );
}

function Alternatives({ item }: { item: InspectItem | null }) {
  if (!item) return <aside class="alternatives muted small" aria-label="alternatives" aria-live="polite">Hover over (or tab to) a token to see what the model expected there.</aside>;
  return (
    <aside class="alternatives" aria-label="alternatives" aria-live="polite">
      <p><strong>{JSON.stringify(item.token)}</strong> {item.nll === null ? '(context: the first token is not predicted)' : <>p {fmt(item.p, 4)} · −log p {fmt(item.nll, 4)} nats · {fmt(item.bits, 4)} bits</>}</p>
      {item.top.length > 0 && (
        <table aria-label="top alternatives">
          <thead><tr><th>expected</th><th class="num">p</th><th></th></tr></thead>
          <tbody>
            {item.top.map((t) => (
              <tr class={t.token === item.token ? 'selected' : undefined}>
                <td><code>{JSON.stringify(t.token)}</code></td><td class="num">{fmt(t.p, 3)}</td>
                <td><span class="bar" style={{ width: `${Math.round(t.p * 120)}px` }} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </aside>
  );
}

export function InspectPage({ params }: { params: URLSearchParams }) {
  const m = useModels('lm', params.get('model'));
  const [text, setText] = useState(params.get('text') ?? '');
  const [top, setTop] = useState('5');
  const [result, setResult] = useState<InspectResult | null>(null);
  const [hover, setHover] = useState<InspectItem | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = (e: Event) => {
    e.preventDefault();
    const n = Number(top);
    if (!Number.isInteger(n) || n < 1 || n > 50) return setError(`top must be an integer from 1 to 50, got ${top}`);
    if (!text) return setError('paste a text to inspect');
    if (text.length > 200_000) return setError(`the text is ${text.length} characters; at most 200000`);
    setError(null);
    setBusy(true);
    api.inspect(m.model, text, n).then((r) => { setResult(r); setHover(null); }, (err: Error) => setError(err.message)).finally(() => setBusy(false));
  };

  return (
    <section>
      <h1>Inspect</h1>
      <ErrorBox error={m.error} />
      <form class="panel" onSubmit={run} aria-label="inspect" noValidate>
        <div class="fields">
          <ModelPicker models={m.models} model={m.model} setModel={m.setModel} kind="lm" loaded={m.loaded} />
          <div class="field">
            <label for="inspect-top">top alternatives</label>
            <input id="inspect-top" type="number" min={1} max={50} step={1} value={top} onInput={(e) => setTop(e.currentTarget.value)} />
          </div>
        </div>
        <div class="field wide">
          <label for="inspect-text">text</label>
          <textarea id="inspect-text" rows={5} value={text} onInput={(e) => setText(e.currentTarget.value)} placeholder="It was a dark and stormy night" />
        </div>
        <button type="submit" disabled={busy || !m.model}>Inspect</button>
        {busy && <span class="small muted" role="status"> reading…</span>}
      </form>
      <ErrorBox error={error} />
      {result && (
        <section class="panel" aria-label="surprise">
          <Stats items={[
            ['perplexity', fmt(result.perplexity, 6)], ['bits per token', fmt(result.bits_per_token, 6)], ['loss (nats)', fmt(result.loss, 6)],
            ['tokens', result.tokens], ['level', result.level], ...(result.oov ? [['unknown words', result.oov] as [string, number]] : []),
            ...(result.skipped.length ? [['skipped', result.skipped.map((s) => JSON.stringify(s)).join(' ')] as [string, string]] : []),
          ]} />
          <div class="legend small">surprise: <span class="swatch" style={{ background: surpriseColor(0) }}>0 bits</span><span class="swatch" style={{ background: surpriseColor(2) }}>2</span><span class="swatch" style={{ background: surpriseColor(4) }}>4</span><span class="swatch" style={{ background: surpriseColor(6) }}>6</span><span class="swatch" style={{ background: surpriseColor(8) }}>≥ 8</span></div>
          <div class="inspect">
            <div class={`tokens level-${result.level}`} data-testid="tokens">
              {result.items.map((it) => <>{result.level === 'word' && it.index > 0 ? ' ' : ''}<Token item={it} onHover={setHover} /></>)}
            </div>
            <Alternatives item={hover} />
          </div>
        </section>
      )}
    </section>
  );
}
