/**
 * `rnnlab export --format onnx`: a language model or classifier as one .onnx file for ONNX
 * Runtime (graphs in src/interop/onnx/), written atomically.
 */
import { existsSync, statSync } from 'node:fs';
import { JsBackend } from '../backend/js/index.js';
import { RnnlabError } from '../errors.js';
import { exportOnnx } from '../interop/onnx/export.js';
import { writeFileAtomic } from '../io/atomic.js';
import { Classifier } from '../nn/classifier.js';
import { LanguageModel } from '../nn/language-model.js';
import { loadCheckpoint } from '../train/checkpoint.js';

/** Flags that only mean something for --format pytorch: refused rather than ignored. */
const PYTORCH_ONLY: [string, string][] = [['withData', '--with-data'], ['textField', '--text-field'], ['textColumn', '--text-column']];

function checkOut(out: string, force: boolean): void {
  const folder = /[\\/]$/.test(out) || (existsSync(out) && statSync(out).isDirectory());
  if (!folder && !existsSync(out)) return;
  if (folder) throw new RnnlabError(`--out ${out} names a folder; give the .onnx file to write (e.g. --out ${out.replace(/\/+$/, '')}/model.onnx)`);
  if (!force) throw new RnnlabError(`--out ${out} already exists (add --force to replace it)`);
}

function summary(m: LanguageModel | Classifier, stateInputs: boolean): string {
  if (m instanceof Classifier) {
    const c = m.config;
    return `${c.bidirectional ? 'bidirectional ' : ''}${c.model.toUpperCase()} classifier, ${c.classes} classes; inputs input_ids, lengths; outputs logits, probabilities`;
  }
  const c = m.config, cell = c.cell === 'rnn' ? `RNN (${c.activation})` : c.cell.toUpperCase(), lstm = c.cell === 'lstm';
  const states = lstm ? 'h0, c0' : 'h0';
  return `${cell} language model, ${c.layers} layer${c.layers > 1 ? 's' : ''} of ${c.hidden}, vocabulary ${c.vocabSize}; `
    + `inputs input_ids, ${states} (${stateInputs ? 'required' : 'optional, zeros by default'}); outputs logits, ${lstm ? 'h_n, c_n' : 'h_n'}`;
}

export async function exportOnnxAction(o: Record<string, any>): Promise<void> {
  for (const [key, flag] of PYTORCH_ONLY) if (o[key] !== undefined) throw new RnnlabError(`${flag} applies to --format pytorch only`);
  const out = String(o.out);
  checkOut(out, !!o.force);
  const loaded = loadCheckpoint(o.model, new JsBackend());
  const m = loaded.model;
  if (!(m instanceof LanguageModel || m instanceof Classifier)) throw new RnnlabError(`--format onnx exports language models and classifiers, not a model of kind "${m.arch}"`);
  if (o.stateInputs && m instanceof Classifier) throw new RnnlabError('--state-inputs applies to language models (a classifier starts every row from zero states)');
  const bytes = exportOnnx(loaded, { opset: o.opset, stateInputs: !!o.stateInputs });
  writeFileAtomic(out, bytes);
  const size = bytes.length >= 1 << 20 ? `${(bytes.length / (1 << 20)).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes.length / 1024))} KB`;
  process.stdout.write(`wrote ${out} (opset ${o.opset}, ${size}): ${summary(m, !!o.stateInputs)}\n`);
}
