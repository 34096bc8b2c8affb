/** `rnnlab report`: a Markdown page per run or sweep, with its curves, metrics, model summary and samples. */
import { Command } from 'commander';
import { join } from 'node:path';
import { REPORT_SAMPLING } from '../report/samples.js';
import { checkReportPath, readReportSubjects, writeReport, type ReportSubject } from '../report/run-report.js';
import { backendOptions, pickBackend } from './common.js';
import { int } from './parse.js';

export function reportCommand(): Command {
  const c = new Command('report')
    .description('a Markdown page per run or sweep: configuration, curves (SVG beside it), final and best metrics, model summary, samples or confusion matrix')
    .argument('<dirs...>', 'run directories or sweep directories')
    .option('--out <file.md>', 'one report holding every page, figures beside it (default: report.md inside each directory given)')
    .option('--samples <n>', 'language models: samples to show (0: none)', int(0, 100), REPORT_SAMPLING.count);
  backendOptions(c);
  return c;
}

export async function reportAction(dirs: string[], o: { out?: string; samples: number; backend?: string; threads?: number }): Promise<void> {
  if (o.out) checkReportPath(o.out);
  const subjects = readReportSubjects(dirs);
  const { backend } = await pickBackend(o);
  const sampling = o.samples > 0 ? { ...REPORT_SAMPLING, count: o.samples } : null;
  const jobs: [ReportSubject[], string][] = o.out ? [[subjects, o.out]] : subjects.map((s, i) => [[s], join(dirs[i], 'report.md')]);
  for (const [group, file] of jobs) {
    await writeReport(group, file, { backend, sampling });
    process.stdout.write(`saved ${file}\n`);
  }
}
