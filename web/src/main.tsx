/**
 * rnnlab's dashboard: the pages over `rnnlab serve`'s API, one file each in pages/, chosen by
 * the hash (#/runs, #/train, …) so the server only ever serves index.html and its assets.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, type ServerInfo } from './api';
import { ClassifyPage } from './pages/classify';
import { ComparePage } from './pages/compare';
import { GeneratePage } from './pages/generate';
import { InspectPage } from './pages/inspect';
import { RunsPage } from './pages/runs';
import { TrainPage } from './pages/train';
import './style.css';

const PAGES = [
  { path: 'runs', title: 'Runs', view: RunsPage },
  { path: 'train', title: 'Train', view: TrainPage },
  { path: 'generate', title: 'Generate', view: GeneratePage },
  { path: 'inspect', title: 'Inspect', view: InspectPage },
  { path: 'classify', title: 'Classify', view: ClassifyPage },
  { path: 'compare', title: 'Compare', view: ComparePage },
] as const;

/** `#/runs?id=book` → { page: 'runs', params: { id: 'book' } } */
export function parseHash(hash: string): { page: string; params: URLSearchParams } {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  return { page: path || 'runs', params: new URLSearchParams(query) };
}

function App() {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  const [info, setInfo] = useState<ServerInfo | null>(null);
  const [offline, setOffline] = useState<string | null>(null);
  useEffect(() => {
    const on = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', on);
    api.server().then(setInfo, (e: Error) => setOffline(e.message));
    return () => removeEventListener('hashchange', on);
  }, []);
  const page = PAGES.find((p) => p.path === route.page);
  useEffect(() => {
    document.title = `${page?.title ?? 'Not found'} · rnnlab`;
  }, [page]);
  const View = page?.view;
  return (
    <>
      <header class="top">
        <span class="brand">rnnlab</span>
        <nav aria-label="pages">
          {PAGES.map((p) => (
            <a href={`#/${p.path}`} aria-current={p === page ? 'page' : undefined}>{p.title}</a>
          ))}
        </nav>
        <span class="runs-dir" title="the runs folder this server reads and writes">
          {info ? <>runs: <code data-testid="runs-dir">{info.runs_dir}</code> · v{info.version}</> : offline ? <span class="error-inline">server unreachable: {offline}</span> : '…'}
        </span>
      </header>
      <main>
        {View ? <View params={route.params} /> : <p class="error" role="alert">No page “{route.page}”. The pages are listed above.</p>}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
