/** The `rnnlab` command tree (main.ts parses the command line with it; tests walk it). */
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { action } from './run.js';
import { trainAction, trainCommand } from './train.js';
import { evalAction, evalCommand } from './eval.js';
import { sampleAction, sampleCommand } from './sample.js';
import { demoAction, demoCommand } from './demo.js';
import { infoAction, infoCommand } from './info.js';
import { compareAction, compareCommand } from './compare.js';
import { sweepAction, sweepCommand } from './sweep.js';
import { plotAction, plotCommand } from './plot.js';
import { reportAction, reportCommand } from './report.js';
import { exportAction, exportCommand } from './export.js';
import { importAction, importCommand } from './import.js';
import { serveAction, serveCommand } from './serve.js';
import { classifyCommand, classifyEvalAction, classifyPredictAction, classifyTrainAction } from './classify.js';

export function buildProgram(): Command {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  const program = new Command('rnnlab')
    .description('recurrent neural networks over text: train, measure and sample character- and word-level language models')
    .version(pkg.version)
    .showSuggestionAfterError(true)
    .configureHelp({ sortOptions: false });

  program.addCommand(trainCommand().action(action(trainAction)));
  program.addCommand(sweepCommand().action(action(sweepAction)));
  program.addCommand(evalCommand().action(action(evalAction)));
  program.addCommand(sampleCommand().action(action(sampleAction)));
  program.addCommand(demoCommand().action(action(demoAction)));
  program.addCommand(compareCommand().action(action(compareAction)));
  program.addCommand(infoCommand().action(action(infoAction)));
  program.addCommand(plotCommand().action(action(plotAction)));
  program.addCommand(reportCommand().action(action(reportAction)));
  program.addCommand(exportCommand().action(action(exportAction)));
  program.addCommand(importCommand().action(action(importAction)));
  const classify = classifyCommand();
  for (const [name, fn] of [['train', classifyTrainAction], ['eval', classifyEvalAction], ['predict', classifyPredictAction]] as const) {
    classify.commands.find((c) => c.name() === name)!.action(action(fn as (...a: unknown[]) => Promise<void>));
  }
  program.addCommand(classify);
  program.addCommand(serveCommand().action(action(serveAction)));
  return program;
}
