/** `rnnlab export --format pytorch`: a model as a self-contained PyTorch folder (src/interop/pytorch/). */
import { exportPytorch } from '../interop/pytorch/export.js';
import { RnnlabError } from '../errors.js';
import { SIGNAL_EXIT } from './signals.js';

export async function exportPytorchAction(o: Record<string, any>): Promise<void> {
  if (o.withData === undefined) {
    for (const [key, flag] of [['textField', '--text-field'], ['textColumn', '--text-column']] as const) {
      if (o[key] !== undefined) throw new RnnlabError(`${flag} describes the --with-data corpus: give --with-data FILE too`);
    }
  }
  // Ctrl-C while a large corpus is tokenized: exit at once (the half-built folder is removed on exit)
  const onSignal = (sig: NodeJS.Signals): never => process.exit(SIGNAL_EXIT[sig] ?? 1);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let r;
  try {
    r = await exportPytorch({
      model: o.model, out: o.out, force: !!o.force, withData: o.withData, maxDocs: o.maxDocs,
      source: { format: o.dataFormat, encoding: o.encoding, textField: o.textField, textColumn: o.textColumn, header: o.header },
    });
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  const lines = [`exported ${r.arch === 'lm' ? `a ${r.level}-level language model` : 'a text classifier'} to ${r.out}: ${r.files.join(', ')}`];
  if (r.data) lines.push(`data.bin: ${r.data.tokens.toLocaleString('en-US')} tokens of ${r.data.documents.toLocaleString('en-US')} document(s)${r.data.unknown ? `, ${r.data.unknown.toLocaleString('en-US')} outside the vocabulary written as [UNK]` : ''}`);
  if (r.arch === 'lm') {
    lines.push(`try: python ${r.out}/model.py --eval TEXT_OR_FILE   ·   python ${r.out}/model.py --sample --prime TEXT`);
    if (r.data) lines.push(`train: torchrun --nproc_per_node 2 ${r.out}/train_ddp.py --steps 500`);
  } else {
    lines.push(`try: python ${r.out}/model.py --classify TEXT`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}
