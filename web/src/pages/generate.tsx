/**
 * Generate: every control of `rnnlab sample` (from GET /api/generate/options), the tokens
 * streaming in as the model produces them; beam search's n-best list with scores at the end.
 * Stop (or leaving the page) closes the stream, which ends the generation on the server.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, fmt, generate, type GenerateEvent, type OptionSpec, type Sample } from '../api';
import { collect, ErrorBox, Field, initialValues, type FieldValue, type Values } from '../form';
import { useLoad, useModels } from '../hooks';
import { ModelPicker, Stats } from '../widgets';

/** strategy-check.ts: what each strategy takes. */
const SAMPLING_ONLY = new Set(['topK', 'topP', 'minP', 'typical', 'epsilonCutoff', 'etaCutoff', 'minTokensToKeep', 'alpha']);
const BEAM_ONLY = new Set(['beams', 'lengthPenalty']);
/** Shown on their own at the top of the form. */
const TOP = new Set(['prime', 'strategy', 'length', 'seed', 'numSamples']);

export function shownFor(strategy: string, options: OptionSpec[]): Set<string> {
  const beam = strategy === 'beam' || strategy === 'beam-sample';
  return new Set(options.map((o) => o.key).filter((k) => (beam || !BEAM_ONLY.has(k)) && (strategy !== 'greedy' || !SAMPLING_ONLY.has(k))));
}

/** Characters of each output laid out while it streams (more makes each frame slower to lay out). */
const STREAM_TAIL = 4_000;

interface Done { samples: Sample[]; ms_per_token: number; strategy: string; backend: string; seed: number }

export function GeneratePage({ params }: { params: URLSearchParams }) {
  const opts = useLoad(() => api.generateOptions());
  const m = useModels('lm', params.get('model'));
  const [values, setValues] = useState<Values>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [prime, setPrime] = useState('');
  const [rows, setRows] = useState<string[]>([]);
  const [done, setDone] = useState<Done | null>(null);
  const [running, setRunning] = useState(false);
  /** What the page says when Stop ended the generation (null: not stopped). */
  const [stopped, setStopped] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);
  const output = useRef<HTMLElement>(null);
  // while tokens stream in, keep the newest in view (unless the reader scrolled up)
  useEffect(() => {
    for (const pre of output.current?.querySelectorAll('pre') ?? []) {
      if (pre.scrollHeight - pre.scrollTop - pre.clientHeight < 80) pre.scrollTop = pre.scrollHeight;
    }
  }, [rows]);
  const options = opts.data?.options ?? [];
  useEffect(() => {
    if (opts.data) setValues(initialValues(opts.data.options));
  }, [opts.data]);
  useEffect(() => () => abort.current?.abort(), []);
  const set = (k: string, v: FieldValue) => setValues((s) => ({ ...s, [k]: v }));
  const strategy = String(values.strategy || (options.find((o) => o.key === 'strategy')?.default ?? 'sample'));
  const shown = shownFor(strategy, options);
  const beam = strategy === 'beam' || strategy === 'beam-sample';

  const run = async (e: Event) => {
    e.preventDefault();
    const { settings, errors: bad } = collect(options, values, shown);
    setErrors(bad);
    if (Object.keys(bad).length) {
      setError(Object.values(bad)[0]!);
      return;
    }
    if (!m.model) {
      setError('choose a model');
      return;
    }
    setError(null);
    setRows([]);
    setPrime('');
    setDone(null);
    setStopped(null);
    setRunning(true);
    const ctrl = new AbortController();
    abort.current = ctrl;
    const texts: string[] = [];
    let frame = 0, tokens = 0;
    const flush = () => { frame = 0; setRows([...texts]); };
    try {
      await generate({ model: m.model, ...settings }, (ev: GenerateEvent) => {
        if (ev.type === 'prime') setPrime(ev.text);
        else if (ev.type === 'token') {
          tokens++;
          texts[ev.row] = (texts[ev.row] ?? '') + ev.text;
          // tokens come faster than frames: one render per frame
          if (!frame) frame = requestAnimationFrame(flush);
        } else if (ev.type === 'done') {
          cancelAnimationFrame(frame);
          flush();
          setDone(ev);
        } else if (ev.type === 'error') setError(ev.error);
      }, ctrl.signal);
    } catch (err) {
      if ((err as Error).name !== 'AbortError') setError((err as Error).message);
      else {
        cancelAnimationFrame(frame);
        flush();
        // beam search streams nothing: its list comes only when it ends
        const n = tokens.toLocaleString('en-US'), outputs = texts.length;
        setStopped(beam ? 'Stopped: beam search shows its n-best list only when it ends.'
          : `Stopped after ${n} token${tokens === 1 ? '' : 's'}${outputs > 1 ? ` in all, over ${outputs} outputs` : ''}.`);
      }
    } finally {
      setRunning(false);
      abort.current = null;
    }
  };

  const top = options.filter((o) => TOP.has(o.key) && shown.has(o.key));
  const rest = options.filter((o) => !TOP.has(o.key) && shown.has(o.key));
  return (
    <section>
      <h1>Generate</h1>
      <ErrorBox error={opts.error ?? m.error} />
      <form class="panel" onSubmit={run} aria-label="generate" noValidate>
        <div class="fields">
          <ModelPicker models={m.models} model={m.model} setModel={m.setModel} kind="lm" loaded={m.loaded} />
          {top.map((o) => <Field o={o} prefix="gen" values={values} set={set} error={errors[o.key]} />)}
        </div>
        <details class="group" open>
          <summary>Decoding settings for {strategy} <span class="muted small">({rest.length})</span></summary>
          <div class="fields">{rest.map((o) => <Field o={o} prefix="gen" values={values} set={set} error={errors[o.key]} />)}</div>
        </details>
        <button type="submit" disabled={running || !m.model}>Generate</button>
        {running && <button type="button" class="danger" onClick={() => abort.current?.abort()}>Stop</button>}
        {running && <span class="small muted" role="status"> generating…</span>}
      </form>
      <ErrorBox error={error} />
      {stopped !== null && <p class="small muted" role="note">{stopped}</p>}
      {(rows.length > 0 || prime) && !beam && (
        <section class="panel output" aria-label="output" ref={output}>
          {(rows.length ? rows : ['']).map((t, i) => {
            // while a long text streams, only its tail is laid out each frame (the whole of it
            // every frame would keep the page from answering a click on Stop)
            const cut = running && t.length > STREAM_TAIL;
            return (
              <>
                {cut && <p class="small muted">{`… ${t.length - STREAM_TAIL} characters so far above; the whole text shows when the generation ends`}</p>}
                <pre class="generated" data-row={i} data-length={prime.length + t.length}>{!cut && <span class="prime">{prime}</span>}{cut ? t.slice(-STREAM_TAIL) : t}</pre>
              </>
            );
          })}
        </section>
      )}
      {done && (
        <section class="panel" aria-label="result">
          <Stats items={[['strategy', done.strategy], ['backend', done.backend], ['seed', done.seed], ['ms per token', fmt(done.ms_per_token)]]} />
          {beam && (
            <table class="nbest" aria-label="n-best list">
              <thead><tr><th class="num">rank</th><th class="num">score</th><th class="num">log p</th><th class="num">tokens</th><th>ended by</th><th>text</th></tr></thead>
              <tbody>
                {done.samples.map((s) => (
                  <tr>
                    <td class="num">{s.rank !== undefined ? s.rank + 1 : ''}</td><td class="num">{fmt(s.score, 5)}</td><td class="num">{fmt(s.log_prob, 5)}</td>
                    <td class="num">{s.tokens.length}</td><td>{s.finished_by}</td><td><pre class="generated">{s.text}</pre></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {!beam && (
            <p class="small muted">{done.samples.map((s, i) => `sample ${i + 1}: ${s.tokens.length} tokens, log p ${fmt(s.log_prob, 5)}, ended by ${s.finished_by}`).join(' · ')}</p>
          )}
        </section>
      )}
    </section>
  );
}
