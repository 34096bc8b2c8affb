/**
 * Compare: `rnnlab compare-strategies` for a model from the page: the default grid of decoding
 * strategies (or one given as JSON), each row's diversity, repetition and perplexity under the
 * model, and an example. The tables are also saved in the run's folder.
 */
import { useState } from 'preact/hooks';
import { api, fmt, type CompareRow } from '../api';
import { ErrorBox } from '../form';
import { useModels } from '../hooks';
import { ModelPicker } from '../widgets';

const LIMITS = { samples: [1, 10_000], length: [1, 100_000] } as const;

export function ComparePage({ params }: { params: URLSearchParams }) {
  const m = useModels('lm', params.get('model'));
  const [prime, setPrime] = useState('');
  const [samples, setSamples] = useState('10');
  const [length, setLength] = useState('100');
  const [seed, setSeed] = useState('0');
  const [grid, setGrid] = useState('');
  const [rows, setRows] = useState<CompareRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = (e: Event) => {
    e.preventDefault();
    const body: Record<string, unknown> = { model: m.model };
    for (const [k, v] of [['samples', samples], ['length', length]] as const) {
      const n = Number(v);
      const [lo, hi] = LIMITS[k];
      if (!Number.isInteger(n) || n < lo || n > hi) return setError(`${k} must be an integer from ${lo} to ${hi}, got ${v}`);
      body[k] = n;
    }
    const s = Number(seed);
    if (!Number.isInteger(s) || s < 0) return setError(`seed must be an integer ≥ 0, got ${seed}`);
    body.seed = s;
    if (prime) body.prime = prime;
    if (grid.trim()) {
      try {
        body.grid = JSON.parse(grid);
      } catch (err) {
        return setError(`the grid is not JSON: ${(err as Error).message}`);
      }
    }
    setError(null);
    setBusy(true);
    api.compare(body).then((r) => setRows(r.rows), (err: Error) => setError(err.message)).finally(() => setBusy(false));
  };
  const num = (id: string, label: string, v: string, set: (s: string) => void) => (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} type="number" step={1} value={v} onInput={(e) => set(e.currentTarget.value)} />
    </div>
  );
  return (
    <section>
      <h1>Compare strategies</h1>
      <ErrorBox error={m.error} />
      <form class="panel" onSubmit={run} aria-label="compare strategies" noValidate>
        <div class="fields">
          <ModelPicker models={m.models} model={m.model} setModel={m.setModel} kind="lm" loaded={m.loaded} />
          <div class="field">
            <label for="compare-prime">--prime</label>
            <input id="compare-prime" type="text" value={prime} onInput={(e) => setPrime(e.currentTarget.value)} />
          </div>
          {num('compare-samples', '--samples', samples, setSamples)}
          {num('compare-length', '--length', length, setLength)}
          {num('compare-seed', '--seed', seed, setSeed)}
        </div>
        <details class="group">
          <summary>grid (JSON; empty: the default grid)</summary>
          <div class="field wide">
            <label for="compare-grid">--grid</label>
            <textarea id="compare-grid" rows={4} value={grid} onInput={(e) => setGrid(e.currentTarget.value)}
              placeholder={'[{ "name": "t0.8+k40", "strategy": "sample", "temperature": 0.8, "topK": 40 }]'} />
          </div>
        </details>
        <button type="submit" disabled={busy || !m.model}>Compare</button>
        {busy && <span class="small muted" role="status"> sampling every strategy…</span>}
      </form>
      <ErrorBox error={error} />
      {rows && (
        <section class="panel" aria-label="comparison">
          <table class="compare" aria-label="strategies">
            <thead><tr><th>name</th><th>strategy</th><th class="num">outputs</th><th class="num">mean length</th><th class="num">distinct-1</th><th class="num">distinct-2</th><th class="num">repetition-4</th><th class="num">perplexity</th><th class="num">ms/token</th><th>example</th></tr></thead>
            <tbody>
              {rows.map((r) => (
                <tr>
                  <td>{r.name}</td><td>{r.strategy}</td><td class="num">{r.outputs}</td><td class="num">{fmt(r.meanLength)}</td>
                  <td class="num">{fmt(r.distinct1)}</td><td class="num">{fmt(r.distinct2)}</td><td class="num">{fmt(r.repetition4)}</td>
                  <td class="num">{fmt(r.perplexity)}</td><td class="num">{fmt(r.msPerToken)}</td><td><pre class="example">{r.example}</pre></td>
                </tr>
              ))}
            </tbody>
          </table>
          <p class="small muted">Saved as <code>compare-strategies.md</code> and <code>.csv</code> in the run's folder.</p>
        </section>
      )}
    </section>
  );
}
