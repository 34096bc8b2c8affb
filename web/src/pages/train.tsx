/**
 * Train: start a run from a form generated from the CLI's option tables (a corpus of the runs
 * folder or an uploaded one), watch its curve live, stop it (as Ctrl-C: it saves
 * last.safetensors) and resume it with a new budget. Jobs come over the jobs event stream.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, events, type Job, type OptionSpec } from '../api';
import { Curves, useCurves } from '../curves';
import { collect, ErrorBox, Field, initialValues, type FieldValue, type Values } from '../form';
import { useLoad } from '../hooks';
import { Status } from '../widgets';

type Kind = 'lm' | 'classifier';
const GROUPS: { group: string; title: string; open: boolean }[] = [
  { group: 'model', title: 'Model', open: true },
  { group: 'training', title: 'Training', open: true },
  { group: 'data', title: 'Data', open: false },
  { group: 'tokens', title: 'Tokens and validation', open: false },
  { group: 'output', title: 'Output', open: false },
];
const ACTIVE = new Set(['queued', 'running']);

function useJobs(): Map<string, Job> {
  const [jobs, setJobs] = useState(() => new Map<string, Job>());
  useEffect(() => events<Job>('/api/train/jobs/events', (j) => setJobs((m) => new Map(m).set(j.id, j))), []);
  return jobs;
}

function OptionGroups({ options, values, set, errors, files, skip }: { options: OptionSpec[]; values: Values; set: (k: string, v: FieldValue) => void; errors: Record<string, string>; files: string[]; skip: Set<string> }) {
  const known = new Set(GROUPS.map((g) => g.group));
  const groups = [...GROUPS, ...[...new Set(options.map((o) => o.group))].filter((g) => !known.has(g)).map((g) => ({ group: g, title: g, open: false }))];
  return (
    <>
      {groups.map((g) => {
        const list = options.filter((o) => o.group === g.group && !skip.has(o.key));
        if (!list.length) return null;
        const bad = list.some((o) => errors[o.key]);
        return (
          <details class="group" open={g.open || bad}>
            <summary>{g.title} <span class="muted small">({list.length})</span></summary>
            <div class="fields">
              {list.map((o) => <Field o={o} prefix="train" values={values} set={set} error={errors[o.key]} files={files} />)}
            </div>
          </details>
        );
      })}
    </>
  );
}

function Watch({ job, jobs, budgetOptions, onJob }: { job: Job; jobs: Map<string, Job>; budgetOptions: OptionSpec[]; onJob: (j: Job) => void }) {
  const { curves, version } = useCurves([job.run], job.id);
  const [error, setError] = useState<string | null>(null);
  const [budget, setBudget] = useState<Values>(() => initialValues(budgetOptions));
  const [budgetErrors, setBudgetErrors] = useState<Record<string, string>>({});
  const busy = [...jobs.values()].some((j) => j.run === job.run && ACTIVE.has(j.status));
  const stop = () => api.stop(job.id).then(() => setError(null), (e: Error) => setError(e.message));
  const resume = (e: Event) => {
    e.preventDefault();
    const { settings, errors } = collect(budgetOptions, budget);
    setBudgetErrors(errors);
    if (Object.keys(errors).length) return;
    api.resume(job.run, settings).then((j) => { setError(null); onJob(j); }, (err: Error) => setError(err.message));
  };
  const points = curves[0]?.steps.length ?? 0;
  return (
    <section class="panel" aria-label="current run">
      <h2>Run {job.run} <Status status={job.status} /></h2>
      <p class="small">
        {job.id} · {job.action} · {points} steps so far{job.exit_code !== null ? ` · exit code ${job.exit_code}` : ''}
      </p>
      <Curves curves={curves} version={version} />
      {ACTIVE.has(job.status) && <button type="button" class="danger" onClick={stop}>Stop</button>}
      {job.status === 'stopped' && <p class="small">Stopped as Ctrl-C would: the run saved <code>last.safetensors</code> and can be resumed.</p>}
      {!busy && (job.status === 'stopped' || job.status === 'done' || job.status === 'failed') && (
        <form class="resume" onSubmit={resume} aria-label="resume">
          <div class="fields">
            {budgetOptions.map((o) => <Field o={o} prefix="resume" values={budget} set={(k, v) => setBudget((b) => ({ ...b, [k]: v }))} error={budgetErrors[o.key]} />)}
          </div>
          <button type="submit">Resume</button>
          <span class="small muted"> from last.safetensors; a budget left empty keeps the run's own</span>
        </form>
      )}
      {job.log.length > 0 && !ACTIVE.has(job.status) && <pre class="log" aria-label="job log">{job.log.join('\n')}</pre>}
      <ErrorBox error={error} />
    </section>
  );
}

export function TrainPage({ params }: { params: URLSearchParams }) {
  const opts = useLoad(() => api.trainOptions());
  const corpora = useLoad(() => api.corpora());
  const jobs = useJobs();
  const [kind, setKind] = useState<Kind>(params.get('kind') === 'classifier' ? 'classifier' : 'lm');
  const [name, setName] = useState('');
  const [values, setValues] = useState<Values>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [watched, setWatched] = useState<string | null>(params.get('job'));
  const [uploading, setUploading] = useState(false);

  const options = opts.data?.[kind].options ?? [];
  useEffect(() => {
    if (opts.data) setValues(initialValues(opts.data[kind].options));
    setErrors({});
  }, [opts.data, kind]);
  // follow the newest active job when none is chosen
  useEffect(() => {
    if (watched) return;
    const active = [...jobs.values()].filter((j) => ACTIVE.has(j.status));
    if (active.length) setWatched(active[active.length - 1]!.id);
  }, [jobs]);

  const files = (corpora.data?.corpora ?? []).map((c) => c.path);
  const set = (k: string, v: FieldValue) => setValues((s) => ({ ...s, [k]: v }));
  // a budget left empty is the run's own (not the CLI's default for a new run): no placeholder
  const budgetOptions = useMemo(() => (opts.data ? opts.data.lm.options.filter((o) => opts.data!.resume.includes(o.key)).map((o) => ({ ...o, default: null })) : []), [opts.data]);

  const start = (e: Event) => {
    e.preventDefault();
    const { settings, errors: bad } = collect(options, values);
    if (!settings.data) bad.data = '--data is missing: choose a corpus of the runs folder or upload one';
    setErrors(bad);
    if (Object.keys(bad).length) {
      setError(Object.values(bad)[0]!);
      return;
    }
    if (name.trim() && !/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(name.trim())) {
      setError('the run name is a folder of the runs folder: letters, digits, . _ - and /');
      return;
    }
    setError(null);
    api.train(kind, name.trim() || undefined, settings).then((j) => setWatched(j.id), (err: Error) => setError(err.message));
  };

  const upload = async (e: Event) => {
    const input = e.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    setUploading(true);
    try {
      const c = await api.upload(file);
      corpora.reload();
      set('data', c.path);
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setUploading(false);
      input.value = '';
    }
  };

  const job = watched ? jobs.get(watched) : undefined;
  const dataOption = options.find((o) => o.key === 'data');
  const list = [...jobs.values()].reverse();
  return (
    <section>
      <h1>Train</h1>
      <ErrorBox error={opts.error ?? corpora.error} />
      {opts.data && (
        <form class="panel" onSubmit={start} aria-label="new run" noValidate>
          <fieldset class="kind">
            <legend>what to train</legend>
            <label class="inline"><input type="radio" name="kind" value="lm" checked={kind === 'lm'} onChange={() => setKind('lm')} /> language model <code>rnnlab train</code></label>
            <label class="inline"><input type="radio" name="kind" value="classifier" checked={kind === 'classifier'} onChange={() => setKind('classifier')} /> classifier <code>rnnlab classify train</code></label>
          </fieldset>
          <div class="fields">
            <div class="field">
              <label for="train-name">run name</label>
              <input id="train-name" type="text" placeholder={kind === 'lm' ? '<level>-<cell>-<time>' : 'classify-<model>-<time>'} value={name} onInput={(e) => setName(e.currentTarget.value)} />
            </div>
            {dataOption && <Field o={dataOption} prefix="train" values={values} set={set} error={errors.data} files={files} />}
            <div class="field">
              <label for="train-upload">or upload a corpus</label>
              <input id="train-upload" type="file" accept=".txt,.text,.json,.jsonl,.csv,.tsv,.gz" onChange={upload} disabled={uploading} />
            </div>
          </div>
          <OptionGroups options={options} values={values} set={set} errors={errors} files={files} skip={new Set(['data'])} />
          <button type="submit">Start training</button>
          <span class="small muted"> Empty fields take the CLI's defaults (shown greyed). {opts.data.concurrency} run{opts.data.concurrency > 1 ? 's' : ''} at once; others wait.</span>
        </form>
      )}
      <ErrorBox error={error} />
      {job && <Watch key={job.id} job={job} jobs={jobs} budgetOptions={budgetOptions} onJob={(j) => setWatched(j.id)} />}
      <h2>Jobs</h2>
      {list.length === 0 ? <p class="muted">No jobs started by this server yet.</p> : (
        <table aria-label="jobs">
          <thead><tr><th>job</th><th>run</th><th>action</th><th>status</th><th>started</th><th></th></tr></thead>
          <tbody>
            {list.map((j) => (
              <tr data-job={j.id}>
                <td>{j.id}</td><td>{j.run}</td><td>{j.action}</td><td><Status status={j.status} /></td>
                <td class="small">{j.started ? new Date(j.started).toLocaleTimeString() : '–'}</td>
                <td>{j.id !== watched && <button type="button" class="link" onClick={() => setWatched(j.id)}>watch</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
