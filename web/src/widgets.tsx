/** Pieces several pages share: the model picker, a metric line, a status badge. */
import type { ModelInfo } from './api';
import { fmt } from './api';

export function ModelPicker({ models, model, setModel, kind, loaded }: { models: ModelInfo[]; model: string; setModel: (m: string) => void; kind: 'lm' | 'classifier'; loaded: boolean }) {
  if (loaded && models.length === 0) {
    return <p class="muted">No {kind === 'lm' ? 'language model' : 'classifier'} in the runs folder yet: train one on the <a href="#/train">Train</a> page.</p>;
  }
  return (
    <div class="field">
      <label for={`model-${kind}`}>model</label>
      <select id={`model-${kind}`} value={model} onChange={(e) => setModel(e.currentTarget.value)}>
        {models.map((m) => (
          <option value={m.id}>
            {m.id}{m.level ? ` (${m.level})` : ''}{m.kind === 'lm' && m.best?.perplexity ? ` · ppl ${fmt(m.best.perplexity)}` : ''}{m.best?.accuracy != null ? ` · acc ${fmt(m.best.accuracy)}` : ''}
          </option>
        ))}
      </select>
    </div>
  );
}

export function Status({ status }: { status: string }) {
  return <span class={`status status-${status}`} data-status={status}>{status}</span>;
}

export function Stats({ items }: { items: [string, string | number][] }) {
  return (
    <dl class="stats">
      {items.map(([k, v]) => (
        <div>
          <dt>{k}</dt>
          <dd data-stat={k}>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
