/**
 * `rnnlab report` behind the command line (Node): gathers a run's or a sweep's page — its
 * facts, its curves drawn as SVG beside the report, the model summary, samples or the latest
 * confusion matrix — and writes the Markdown atomically. Every link in it is relative to the
 * report's folder, so the folder can be moved, zipped or pushed as it is.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative, sep } from 'node:path';
import type { Backend } from '../backend/backend.js';
import { RnnlabError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { LanguageModel } from '../nn/language-model.js';
import { modelSummary, type ModuleRow } from '../nn/summary.js';
import { loadCheckpoint } from '../train/checkpoint.js';
import type { LoadedModel } from '../train/checkpoint-format.js';
import { curvesSpec, hasCurves } from './curves.js';
import { runMarkdown, sweepMarkdown, type Figure, type RunPage } from './markdown.js';
import { writePlot } from './plot-file.js';
import { isSweepDir, readRun, readSweep, runNames, type RunRecord, type SweepRecord } from './run-data.js';
import { REPORT_SAMPLING, reportSamples, samplingFlags, type ReportSampling } from './samples.js';
import { writeSweepPlots } from './sweep-plots.js';

export interface ReportOptions {
  /** Runs the model for the samples. */
  backend: Backend;
  /** null: no samples (faster; classifiers never have any). */
  sampling?: ReportSampling | null;
}

/** A link from the report's folder to `file`: relative, '/'-separated, URL-encoded. */
export function relativeLink(fromDir: string, file: string): string {
  const rel = relative(fromDir, file).split(sep).join('/');
  return (rel === '' ? '.' : rel).split('/').map((s) => encodeURIComponent(s).replace(/\(/g, '%28').replace(/\)/g, '%29')).join('/');
}

/** A path as one shell word, quoted only when it needs to be. */
function shellWord(s: string): string {
  return /^[\w./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A name fit for a file name. */
function slug(name: string): string {
  return name.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'run';
}

/** The run's model: the best weights, or before the first validation the last checkpoint. */
function loadRunModel(dir: string, backend: Backend): { m: LoadedModel; source: string } | null {
  for (const [file, why] of [['model.safetensors', 'the best validation'], ['last.safetensors', 'the last checkpoint; no model.safetensors yet']] as const) {
    if (existsSync(join(dir, file))) return { m: loadCheckpoint(join(dir, file), backend), source: `${file} (${why})` };
  }
  return null;
}

/** The newest `eval-*.confusion_matrix.svg` that `rnnlab classify eval` left in the run directory. */
function latestConfusion(dir: string): string | null {
  const files = readdirSync(dir).filter((f) => /^eval-.*\.confusion_matrix\.svg$/.test(f)).map((f) => join(dir, f));
  files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return files[0] ?? null;
}

export async function runPage(run: RunRecord, reportDir: string, prefix: string, o: ReportOptions): Promise<RunPage> {
  const page: RunPage = { name: run.name, facts: run, level: run.level, figures: [], summary: null, samples: null, notes: [] };
  if (hasCurves(run)) {
    const file = join(reportDir, `${prefix}-curves.svg`);
    await writePlot(file, curvesSpec([run], { y: run.classifier ? 'loss' : 'perplexity', title: `${run.name}: training and validation` }));
    page.figures.push({ title: `training and validation curves of ${run.name}`, link: relativeLink(reportDir, file) });
  }
  const loaded = loadRunModel(run.dir, o.backend);
  if (!loaded) page.notes.push('No checkpoint yet: the model summary and samples come with the first saved model.');
  else {
    const model = loaded.m.model as Partial<{ modules(): ModuleRow[] }> & LoadedModel['model'];
    if (typeof model.modules === 'function') page.summary = { text: modelSummary(model.modules(), model.params()), source: loaded.source };
    const sampling = o.sampling === undefined ? REPORT_SAMPLING : o.sampling;
    if (loaded.m.model instanceof LanguageModel && sampling) {
      try {
        page.samples = {
          command: `rnnlab sample --model ${shellWord(relative(reportDir, run.dir).split(sep).join('/') || '.')} ${samplingFlags(sampling)}`,
          texts: reportSamples(loaded.m as LoadedModel<LanguageModel>, sampling),
        };
      } catch (e) {
        if (!(e instanceof RnnlabError)) throw e;
        page.notes.push(`No samples: ${e.message.replace(/\.$/, '')}.`);
      }
    }
  }
  if (run.classifier) {
    const confusion = latestConfusion(run.dir);
    if (confusion) page.figures.push({ title: `confusion matrix (${basename(confusion)})`, link: relativeLink(reportDir, confusion) });
    else page.notes.push(`No confusion matrix yet: \`rnnlab classify eval --model ${basename(run.dir)} --data FILE\` draws one beside the model.`);
  }
  return page;
}

/** What a report is about: a run, or a sweep with its runs. */
export type ReportSubject = { run: RunRecord; sweep?: undefined } | { run?: undefined; sweep: SweepRecord };

/** The Markdown of one run or sweep; its figures are written beside `reportPath`. */
export async function reportPage(subject: ReportSubject, reportPath: string, o: ReportOptions): Promise<string> {
  const reportDir = dirname(reportPath);
  const stem = basename(reportPath, extname(reportPath));
  if (subject.run) return runMarkdown(await runPage(subject.run, reportDir, `${stem}-${slug(subject.run.name)}`, o));
  const { sweep } = subject;
  const prefix = `${stem}-${slug(sweep.name)}`;
  const files = await writeSweepPlots(sweep, { outDir: reportDir, prefix, y: 'perplexity' });
  const figures: Figure[] = [];
  if (files.summary) figures.push({ title: `validation perplexity over the ${sweep.name} sweep`, link: relativeLink(reportDir, files.summary) });
  if (files.curves) figures.push({ title: `curves of every run of ${sweep.name}`, link: relativeLink(reportDir, files.curves) });
  const ranked = [...sweep.results].filter((r) => r.val_perplexity !== undefined).sort((a, b) => a.val_perplexity! - b.val_perplexity!);
  const bestRun = ranked.map((r) => sweep.runs.find((x) => x.name === r.run)).find((r) => r !== undefined);
  const best = bestRun ? await runPage(bestRun, reportDir, `${prefix}-${slug(bestRun.name)}`, o) : null;
  return sweepMarkdown({ name: sweep.name, results: sweep.results, figures, best });
}

/** Refuses a report path that is not a .md file in an existing folder. */
export function checkReportPath(reportPath: string): void {
  if (extname(reportPath).toLowerCase() !== '.md') throw new RnnlabError(`--out must name a .md file, got ${JSON.stringify(reportPath)}`);
  const reportDir = dirname(reportPath);
  if (!existsSync(reportDir) || !statSync(reportDir).isDirectory()) throw new RnnlabError(`cannot write ${reportPath}: no such directory ${reportDir}`);
}

/**
 * Reads every directory (run or sweep) before anything is written, so a bad one leaves no
 * files behind. Names tell apart same-named folders (runNames).
 */
export function readReportSubjects(dirs: readonly string[]): ReportSubject[] {
  const names = runNames(dirs);
  return dirs.map((d, i) => (isSweepDir(d) ? { sweep: { ...readSweep(d), name: names[i] } } : { run: readRun(d, names[i]) }));
}

/** One Markdown file with a page per subject, written atomically, its figures beside it. */
export async function writeReport(subjects: readonly ReportSubject[], reportPath: string, o: ReportOptions): Promise<void> {
  checkReportPath(reportPath);
  const pages: string[] = [];
  for (const s of subjects) pages.push(await reportPage(s, reportPath, o));
  writeFileAtomic(reportPath, pages.join('\n---\n\n'));
}
