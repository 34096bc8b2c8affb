/**
 * Runs: every run and sweep under the runs folder with its settings, status and best metrics;
 * the loss curves of the ticked runs overlaid (live over SSE while a run trains); a sweep's
 * heat-map of validation perplexity and its results table.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, fileUrl, fmt, type RunSummary } from '../api';
import { Curves, useCurves } from '../curves';
import { ErrorBox } from '../form';
import { useLoad } from '../hooks';
import { Status } from '../widgets';

const POLL_MS = 3000;

function configLine(c: Record<string, unknown>): string {
  const keys = ['level', 'model', 'cell', 'layers', 'hidden', 'embed', 'batch', 'seq', 'lr', 'epochs'];
  return keys.filter((k) => c[k] !== undefined && c[k] !== null).map((k) => `${k} ${String(c[k])}`).join(' · ');
}

function RunTable({ runs, selected, toggle }: { runs: RunSummary[]; selected: string[]; toggle: (id: string, only: boolean) => void }) {
  return (
    <table class="runs" aria-label="runs">
      <thead>
        <tr><th>show</th><th>run</th><th>kind</th><th>status</th><th>settings</th><th class="num">step</th><th class="num">epoch</th><th class="num">best ppl</th><th class="num">bits/token</th><th class="num">accuracy</th><th>updated</th></tr>
      </thead>
      <tbody>
        {runs.map((r) => (
          <tr data-run={r.id} class={selected.includes(r.id) ? 'selected' : undefined}>
            <td><input type="checkbox" aria-label={`show ${r.id}`} checked={selected.includes(r.id)} onChange={() => toggle(r.id, false)} /></td>
            <td><button class="link" onClick={() => toggle(r.id, true)}>{r.id}</button></td>
            <td>{r.kind === 'lm' ? 'language model' : 'classifier'}</td>
            <td><Status status={r.status} /></td>
            <td class="muted small">{configLine(r.config)}</td>
            <td class="num">{r.step}</td>
            <td class="num">{r.epoch}</td>
            <td class="num">{fmt(r.best?.perplexity)}</td>
            <td class="num">{fmt(r.best?.bits_per_token)}</td>
            <td class="num">{r.best?.accuracy != null ? fmt(r.best.accuracy) : '–'}</td>
            <td class="small">{new Date(r.updated).toLocaleString()}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RunDetail({ run }: { run: RunSummary }) {
  const entries = Object.entries(run.config).filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object');
  const [error, setError] = useState<string | null>(null);
  // a run stopped earlier (by this server or at the command line) continues from last.safetensors
  const resume = () => api.resume(run.id, {}).then((j) => { location.hash = `#/train?job=${encodeURIComponent(j.id)}`; }, (e: Error) => setError(e.message));
  return (
    <section class="panel" aria-label={`run ${run.id}`}>
      <h3>{run.id} <Status status={run.status} /></h3>
      <p class="small">
        {run.best ? <>best at step {run.best.step}: loss {fmt(run.best.loss, 4)}{run.best.perplexity != null && <> · perplexity {fmt(run.best.perplexity, 4)} · {fmt(run.best.bits_per_token, 4)} bits/token</>}{run.best.accuracy != null && <> · accuracy {fmt(run.best.accuracy, 4)}</>}</> : 'no validation yet'}
        {run.end && <> · ended by {run.end.stopped_by} after {fmt(run.end.elapsed)} s</>}
        {' · '}{run.files.model ? 'model.safetensors' : 'no model yet'}{run.files.last ? ', last.safetensors (resumable)' : ''}
      </p>
      <div class="links small">
        {run.kind === 'lm' && run.files.model && <><a href={`#/generate?model=${encodeURIComponent(run.id)}`}>generate</a> · <a href={`#/inspect?model=${encodeURIComponent(run.id)}`}>inspect</a> · <a href={`#/compare?model=${encodeURIComponent(run.id)}`}>compare strategies</a></>}
        {run.kind === 'classifier' && run.files.model && <a href={`#/classify?model=${encodeURIComponent(run.id)}`}>classify</a>}
      </div>
      {run.files.last && run.status !== 'running' && run.status !== 'done' && (
        <p><button type="button" onClick={resume}>Resume training</button><span class="small muted"> from last.safetensors, with the run's own budget (a new one: the Train page)</span></p>
      )}
      <ErrorBox error={error} />
      <details>
        <summary>configuration ({entries.length} settings)</summary>
        <dl class="config">{entries.map(([k, v]) => <><dt>{k}</dt><dd>{String(v)}</dd></>)}</dl>
      </details>
    </section>
  );
}

function SweepView({ id, onPick }: { id: string; onPick: (run: string) => void }) {
  const { data, error } = useLoad(() => api.sweep(id), [id]);
  if (error) return <ErrorBox error={error} />;
  if (!data) return <p class="muted">loading {id}…</p>;
  const base = data.id;
  return (
    <section class="panel" aria-label={`sweep ${data.id}`}>
      <h3>sweep {data.id}</h3>
      <p class="small">{data.results.length} runs · varied: {data.varied.join(', ') || 'nothing'}</p>
      {/* rnnlab plot's own figures (the same Vega-Lite specs), drawn by the sweep into its folder */}
      <div class="figures">
        {data.figures.map((f) => (
          <figure class="plot">
            <img src={fileUrl(f.path, f.updated)} alt={`sweep ${data.id}: ${f.title}`} />
            <figcaption class="small muted">{f.path.split('/').pop()}</figcaption>
          </figure>
        ))}
      </div>
      {!data.figures.length && <p class="muted">No figures yet: the sweep draws them as its runs finish.</p>}
      <table class="results" aria-label="sweep results">
        <thead><tr><th>run</th>{data.varied.map((k) => <th>{k}</th>)}<th>status</th><th class="num">val ppl</th><th class="num">val bits</th><th class="num">test ppl</th><th class="num">parameters</th><th class="num">tok/s</th><th class="num">seconds</th></tr></thead>
        <tbody>
          {data.results.map((r) => (
            <tr>
              <td><button type="button" class="link" onClick={() => onPick(`${base}/${r.run}`)} title="show this run's curves">{r.run}</button></td>{data.varied.map((k) => <td>{String(r.params[k] ?? '')}</td>)}
              <td><Status status={r.status} /></td>
              <td class="num">{fmt(r.val_perplexity)}</td><td class="num">{fmt(r.val_bits)}</td><td class="num">{fmt(r.test_perplexity)}</td>
              <td class="num">{r.parameters ?? '–'}</td><td class="num">{fmt(r.tokens_per_sec)}</td><td class="num">{fmt(r.wall_seconds)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function RunsPage({ params }: { params: URLSearchParams }) {
  const { data, error, reload } = useLoad(() => api.runs());
  const [selected, setSelected] = useState<string[]>(() => (params.get('id') ? [params.get('id')!] : []));
  const [sweep, setSweep] = useState<string | null>(params.get('sweep'));
  const [log, setLog] = useState(false);
  // statuses change while runs train: a light poll of the list
  useEffect(() => {
    const t = setInterval(reload, POLL_MS);
    return () => clearInterval(t);
  }, []);
  useEffect(() => {
    if (!data || selected.length) return;
    const first = data.runs.find((r) => r.status === 'running') ?? data.runs[0];
    if (first) setSelected([first.id]);
  }, [data]);
  const { curves, version } = useCurves(selected);
  const toggle = (id: string, only: boolean) => setSelected((s) => (only ? [id] : s.includes(id) ? s.filter((x) => x !== id) : [...s, id]));
  const runs = data?.runs ?? [];
  const shown = runs.filter((r) => selected.includes(r.id));
  return (
    <section>
      <h1>Runs</h1>
      <ErrorBox error={error} />
      {data && runs.length === 0 && <p class="muted">No runs in this folder yet. Start one on the <a href="#/train">Train</a> page, or point <code>rnnlab serve --runs</code> at a folder of runs.</p>}
      {runs.length > 0 && <RunTable runs={runs} selected={selected} toggle={toggle} />}
      {selected.length > 0 && (
        <section class="panel" aria-label="loss curves">
          <h2>Loss {selected.length > 1 ? `of ${selected.length} runs` : `of ${selected[0]}`}</h2>
          <label class="inline"><input type="checkbox" checked={log} onChange={(e) => setLog(e.currentTarget.checked)} /> log scale</label>
          <Curves curves={curves} version={version} log={log} />
          <p class="small muted">Solid: training loss per step; dashed with points: validation loss. Tick runs in the table to overlay them.</p>
        </section>
      )}
      {shown.map((r) => <RunDetail run={r} />)}
      <h2>Sweeps</h2>
      {data && data.sweeps.length === 0 && <p class="muted">No sweeps (a folder with a sweep's results.json).</p>}
      {data && data.sweeps.length > 0 && (
        <ul class="sweeps">
          {data.sweeps.map((s) => (
            <li><button class={`link${s.id === sweep ? ' current' : ''}`} onClick={() => setSweep(s.id)}>{s.id}</button> <span class="small muted">{s.runs} runs · varied: {s.varied.join(', ')}</span></li>
          ))}
        </ul>
      )}
      {sweep && <SweepView id={sweep} onPick={(run) => { if (runs.some((r) => r.id === run)) setSelected([run]); }} />}
    </section>
  );
}
