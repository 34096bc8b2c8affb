/**
 * Classify: a classifier's confusion matrix and per-class metrics on labelled data (the run's
 * own validation data unless another file is chosen: `rnnlab classify eval`), and the class
 * probabilities of a typed text.
 */
import { useState } from 'preact/hooks';
import { api, fileUrl, fmt, type ClassEval, type Prediction } from '../api';
import { ErrorBox } from '../form';
import { useLoad, useModels } from '../hooks';
import { ModelPicker, Stats } from '../widgets';

function Probabilities({ p }: { p: Prediction }) {
  return (
    <table class="probabilities" aria-label="class probabilities">
      <thead><tr><th>class</th><th class="num">p</th><th></th></tr></thead>
      <tbody>
        {p.ranked.map((r) => (
          <tr data-label={r.label} class={r.label === p.label ? 'selected' : undefined}>
            <td>{r.label}</td><td class="num">{fmt(r.p, 4)}</td>
            <td><span class="bar" style={{ width: `${Math.round(r.p * 240)}px` }} /></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** `version`: when this evaluation came; the next one rewrites the same SVG file, which must then load anew. */
function Evaluation({ e, version }: { e: ClassEval; version: number }) {
  const matrix = e.files.find((f) => f.endsWith('.confusion_matrix.svg'));
  return (
    <section class="panel" aria-label="evaluation">
      <h2>On {e.data}</h2>
      <Stats items={[['documents', e.documents], ['accuracy', fmt(e.accuracy, 4)], ['macro F1', fmt(e.macro_f1, 4)], ['weighted F1', fmt(e.weighted_f1, 4)], ['loss', fmt(e.loss, 4)], ['unknown words', e.oov]]} />
      <div class="side-by-side">
        {/* rnnlab plot's confusion matrix (its Vega-Lite spec), which classify eval writes beside the model */}
        {matrix && <figure class="plot"><img src={fileUrl(matrix, version)} alt={`confusion matrix of ${e.classes.length} classes`} /></figure>}
        <table aria-label="per-class metrics">
          <thead><tr><th>class</th><th class="num">precision</th><th class="num">recall</th><th class="num">F1</th><th class="num">support</th><th class="num">predicted</th></tr></thead>
          <tbody>
            {e.classes.map((c) => (
              <tr><td>{c.name}</td><td class="num">{fmt(c.precision, 3)}</td><td class="num">{fmt(c.recall, 3)}</td><td class="num">{fmt(c.f1, 3)}</td><td class="num">{c.support}</td><td class="num">{c.predicted}</td></tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="small muted">Also written beside the model: {e.files.map((f) => <><a href={fileUrl(f)} target="_blank" rel="noopener">{f.split('/').pop()}</a>{' '}</>)}</p>
    </section>
  );
}

export function ClassifyPage({ params }: { params: URLSearchParams }) {
  const m = useModels('classifier', params.get('model'));
  const corpora = useLoad(() => api.corpora());
  const [data, setData] = useState('');
  const [text, setText] = useState('');
  const [evaluation, setEvaluation] = useState<{ e: ClassEval; at: number } | null>(null);
  const [prediction, setPrediction] = useState<Prediction | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<'eval' | 'predict' | null>(null);

  const evaluate = (e: Event) => {
    e.preventDefault();
    setError(null);
    setBusy('eval');
    api.classEval(m.model, data || undefined).then((e) => setEvaluation({ e, at: Date.now() }), (err: Error) => setError(err.message)).finally(() => setBusy(null));
  };
  const predict = (e: Event) => {
    e.preventDefault();
    if (!text.trim()) return setError('type a text to classify');
    setError(null);
    setBusy('predict');
    api.predict(m.model, text).then(setPrediction, (err: Error) => setError(err.message)).finally(() => setBusy(null));
  };
  return (
    <section>
      <h1>Classify</h1>
      <ErrorBox error={m.error ?? corpora.error} />
      <div class="panel fields">
        <ModelPicker models={m.models} model={m.model} setModel={(x) => { m.setModel(x); setEvaluation(null); setPrediction(null); }} kind="classifier" loaded={m.loaded} />
      </div>
      <form class="panel" onSubmit={predict} aria-label="classify a text" noValidate>
        <div class="field wide">
          <label for="classify-text">text to classify</label>
          <textarea id="classify-text" rows={3} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </div>
        <button type="submit" disabled={!m.model || busy !== null}>Classify</button>
        {prediction && <p>predicted class: <strong data-testid="predicted">{prediction.label}</strong></p>}
        {prediction && <Probabilities p={prediction} />}
      </form>
      <form class="panel" onSubmit={evaluate} aria-label="evaluate" noValidate>
        <div class="fields">
          <div class="field">
            <label for="classify-data">labelled data</label>
            <select id="classify-data" value={data} onChange={(e) => setData(e.currentTarget.value)}>
              <option value="">the run's own validation data</option>
              {(corpora.data?.corpora ?? []).map((c) => <option value={c.path}>{c.path}</option>)}
            </select>
          </div>
        </div>
        <button type="submit" disabled={!m.model || busy !== null}>Evaluate</button>
        {busy === 'eval' && <span class="small muted" role="status"> evaluating…</span>}
      </form>
      <ErrorBox error={error} />
      {evaluation && <Evaluation e={evaluation.e} version={evaluation.at} />}
    </section>
  );
}
