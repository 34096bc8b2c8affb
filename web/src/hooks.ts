/** Small shared hooks: a loaded API value with its error, and the model list of a kind. */
import { useEffect, useState } from 'preact/hooks';
import { api } from './api';

export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []): { data: T | null; error: string | null; reload: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    load().then((d) => { if (live) { setData(d); setError(null); } }, (e: Error) => { if (live) setError(e.message); });
    return () => { live = false; };
  }, [...deps, n]);
  return { data, error, reload: () => setN((x) => x + 1) };
}

/** Models (runs with a model.safetensors) of one kind; `initial` picks one from the hash. */
export function useModels(kind: 'lm' | 'classifier', initial?: string | null) {
  const { data, error } = useLoad(() => api.models());
  const models = (data?.models ?? []).filter((m) => m.kind === kind);
  const [model, setModel] = useState<string>(initial ?? '');
  // effects run after paint: a choice made meanwhile is kept (hence the updater form)
  useEffect(() => {
    if (models.length) setModel((cur) => (models.some((m) => m.id === cur) ? cur : models[0]!.id));
  }, [data]);
  return { models, model, setModel, error, loaded: data !== null };
}

