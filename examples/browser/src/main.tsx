/**
 * rnnlab's browser-only example: paste a text, train a char language model in a Web Worker
 * (the page stays responsive), watch the loss, sample with any decoding strategy, and
 * download the model as the .safetensors checkpoint `rnnlab sample --model` reads.
 */
import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { LossChart, type LossSeries } from './loss-chart';
import type { BackendInfo, FromWorker, GeneratedText, Strategy, ToWorker, TrainSettings } from './protocol';
import { optionsOf, STRATEGY_NOTES, StrategyFields } from './strategy-controls';
import { SAMPLE_TEXT } from './sample-text';
import './style.css';

type Phase = 'idle' | 'training' | 'trained';

const SETTINGS: { key: keyof TrainSettings; label: string; step: string }[] = [
  { key: 'layers', label: 'layers', step: '1' },
  { key: 'hidden', label: 'hidden', step: '1' },
  { key: 'embed', label: 'embedding', step: '1' },
  { key: 'batch', label: 'batch', step: '1' },
  { key: 'seq', label: 'seq', step: '1' },
  { key: 'lr', label: 'learning rate', step: '0.0005' },
  { key: 'maxSteps', label: 'steps', step: '50' },
  { key: 'seed', label: 'seed', step: '1' },
];

function saveBytes(bytes: ArrayBuffer, name: string): void {
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function App() {
  const worker = useMemo(() => new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' }), []);
  const [info, setInfo] = useState<BackendInfo | null>(null);
  const [phase, setPhase] = useState<Phase>('idle');
  const [text, setText] = useState(SAMPLE_TEXT);
  const [settings, setSettings] = useState<TrainSettings>({ cell: 'lstm', layers: 1, hidden: 128, embed: 32, batch: 16, seq: 32, lr: 3e-3, maxSteps: 1000, seed: 1 });
  const [status, setStatus] = useState('');
  const [error, setError] = useState('');
  const series = useRef<LossSeries>({ steps: [], loss: [], val: [] });
  const [version, setVersion] = useState(0);
  const [log, setLog] = useState(false);
  const [strategy, setStrategy] = useState<Strategy>('sample');
  const [values, setValues] = useState<Record<string, string>>({ temperature: '0.8', topK: '10' });
  const [prime, setPrime] = useState('The ');
  const [maxTokens, setMaxTokens] = useState('200');
  const [numSamples, setNumSamples] = useState('1');
  const [sampleSeed, setSampleSeed] = useState('0');
  const [ban, setBan] = useState('');
  const [outputs, setOutputs] = useState<GeneratedText[]>([]);
  const [busy, setBusy] = useState(false);

  const send = (m: ToWorker) => worker.postMessage(m);

  useEffect(() => {
    worker.onmessage = (ev: MessageEvent<FromWorker>) => {
      const m = ev.data;
      switch (m.type) {
        case 'ready':
          setInfo(m);
          break;
        case 'start':
          setStatus(`training ${m.params.toLocaleString()} parameters on ${m.trainTokens.toLocaleString()} characters (vocabulary ${m.vocab}, ${m.valTokens.toLocaleString()} held out)`);
          break;
        case 'step': {
          const s = series.current, e = m.step;
          s.steps.push(e.step);
          s.loss.push(e.loss);
          s.val.push(null);
          setVersion((v) => v + 1);
          setStatus(`step ${e.step} · loss ${e.loss.toFixed(3)} · ${Math.round(e.tokens_per_sec).toLocaleString()} chars/s`);
          break;
        }
        case 'val': {
          const s = series.current;
          if (m.val.untrained || s.steps.length === 0) break;
          s.val[s.val.length - 1] = m.val.loss;
          setVersion((v) => v + 1);
          break;
        }
        case 'end':
          setPhase('trained');
          setStatus(`stopped by ${m.stoppedBy} after ${m.steps} steps, ${m.seconds.toFixed(1)} s, ${Math.round(m.tokensPerSec).toLocaleString()} chars/s`);
          break;
        case 'samples':
          setBusy(false);
          setOutputs(m.texts);
          break;
        case 'model':
          saveBytes(m.bytes, m.name);
          break;
        case 'error':
          setBusy(false);
          setError(m.message);
          setPhase((p) => (p === 'training' ? (series.current.steps.length ? 'trained' : 'idle') : p));
          break;
      }
    };
    return () => worker.terminate();
  }, [worker]);

  const train = () => {
    setError('');
    series.current = { steps: [], loss: [], val: [] };
    setVersion((v) => v + 1);
    setOutputs([]);
    setPhase('training');
    setStatus('starting…');
    send({ type: 'train', text, settings });
  };

  const generate = () => {
    setError('');
    try {
      const int = (v: string, name: string) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number ≥ 0, got "${v}"`);
        return n;
      };
      setBusy(true);
      send({
        type: 'sample',
        request: {
          strategy, prime, maxTokens: int(maxTokens, 'characters'), numSamples: Math.max(1, int(numSamples, 'outputs')),
          seed: int(sampleSeed, 'seed'), options: optionsOf(strategy, values), ban: [...ban],
        },
      });
    } catch (e) {
      setBusy(false);
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  const num = (key: keyof TrainSettings) => (e: Event) => {
    const v = Number((e.currentTarget as HTMLInputElement).value);
    if (Number.isFinite(v)) setSettings((s) => ({ ...s, [key]: v }));
  };

  return (
    <main>
      <h1>rnnlab in the browser</h1>
      <p class="backend" id="backend" data-backend={info?.backend ?? ''} data-threads={info?.threads ?? ''} data-isolated={info ? String(info.crossOriginIsolated) : ''}>
        {info
          ? <>backend <b>{info.backend}</b>{info.variant && <> ({info.variant})</>} · <b>{info.threads}</b> thread{info.threads === 1 ? '' : 's'} · crossOriginIsolated <b>{String(info.crossOriginIsolated)}</b>
            <span class="muted"> — {info.describe}; {info.reason}</span></>
          : 'loading the backend…'}
      </p>

      <section>
        <h2>1. Text</h2>
        <textarea id="text" rows={8} value={text} onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
          placeholder="Paste a text to learn from (a few kilobytes or more)" />
        <p class="muted">{text.length.toLocaleString()} characters</p>
      </section>

      <section>
        <h2>2. Train</h2>
        <div class="fields">
          <label>cell
            <select name="cell" value={settings.cell} onChange={(e) => setSettings((s) => ({ ...s, cell: (e.currentTarget as HTMLSelectElement).value as TrainSettings['cell'] }))}>
              <option value="lstm">LSTM</option><option value="gru">GRU</option><option value="rnn">tanh RNN</option>
            </select>
          </label>
          {SETTINGS.map((f) => (
            <label key={f.key}>{f.label}<input type="number" name={f.key} step={f.step} value={settings[f.key]} onInput={num(f.key)} /></label>
          ))}
        </div>
        <p>
          <button id="train" onClick={train} disabled={phase === 'training' || !info}>Train</button>{' '}
          <button id="stop" onClick={() => send({ type: 'stop' })} disabled={phase !== 'training'}>Stop</button>{' '}
          <label class="inline"><input id="log-scale" type="checkbox" checked={log} onChange={() => setLog((l) => !l)} /> log scale</label>
        </p>
        <p id="status" data-phase={phase}>{status}</p>
        <LossChart series={series.current} version={version} log={log} />
      </section>

      <section>
        <h2>3. Sample</h2>
        <div class="fields">
          <label>strategy
            <select id="strategy" name="strategy" value={strategy} onChange={(e) => setStrategy((e.currentTarget as HTMLSelectElement).value as Strategy)}>
              {(Object.keys(STRATEGY_NOTES) as Strategy[]).map((s) => <option key={s} value={s}>{s}</option>)}
            </select>
          </label>
          <label>prime<input id="prime" value={prime} onInput={(e) => setPrime((e.currentTarget as HTMLInputElement).value)} /></label>
          <label>characters<input type="number" name="maxTokens" value={maxTokens} onInput={(e) => setMaxTokens((e.currentTarget as HTMLInputElement).value)} /></label>
          <label>outputs<input type="number" name="numSamples" min="1" value={numSamples} onInput={(e) => setNumSamples((e.currentTarget as HTMLInputElement).value)} /></label>
          <label>seed<input type="number" name="sampleSeed" value={sampleSeed} onInput={(e) => setSampleSeed((e.currentTarget as HTMLInputElement).value)} /></label>
          <label title="rnnlab sample --ban">banned characters<input name="ban" value={ban} onInput={(e) => setBan((e.currentTarget as HTMLInputElement).value)} /></label>
        </div>
        <p class="muted">{STRATEGY_NOTES[strategy]}</p>
        <StrategyFields strategy={strategy} values={values} onInput={(k, v) => setValues((o) => ({ ...o, [k]: v }))} />
        <p>
          <button id="generate" onClick={generate} disabled={phase !== 'trained' || busy}>Generate</button>{' '}
          <button id="download" onClick={() => send({ type: 'download' })} disabled={phase !== 'trained'}>Download model (.safetensors)</button>
        </p>
        <div id="outputs">
          {outputs.map((o, i) => (
            <figure key={i} class="output">
              <pre>{o.text}</pre>
              <figcaption class="muted">log p {o.logProb.toFixed(2)}{o.score !== undefined && <> · score {o.score.toFixed(3)}</>} · ended by {o.finishedBy}</figcaption>
            </figure>
          ))}
        </div>
        <p class="muted">The downloaded file is the checkpoint <code>rnnlab train</code> writes: <code>rnnlab sample --model model.safetensors</code> reads it.</p>
      </section>
      {error && <p id="error" class="error" role="alert">{error}</p>}
    </main>
  );
}

render(<App />, document.getElementById('app')!);
