/**
 * A model as a self-contained PyTorch folder (the layout of docs in README "PyTorch"):
 * model.py (the nn.Module, rnnlab's tokenizer and eval/sample/classify), weights.safetensors (the
 * model's tensors under their PyTorch names, with rnnlab's metadata, so it is an rnnlab model
 * file too), config.json, vocab.json, tokenizer.json, charclasses.json (the Unicode classes
 * the tokenizers need), train_ddp.py (torchrun training) and README.md; with `withData`,
 * data.bin and data.json (the corpus as token ids).
 */
import { writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { createBackend } from '../../backend/select.js';
import { preprocessingOf } from '../../classify/predict.js';
import { RnnlabError } from '../../errors.js';
import type { SourceOptions } from '../../text/sources/index.js';
import { levelOf } from '../../text/tokenizers/tokenizer.js';
import { TRAINING_METADATA } from '../../train/checkpoint-format.js';
import { encodeCheckpoint, loadCheckpoint, recordedPrecision, resolveModelPath, type LoadedModel } from '../../train/checkpoint.js';
import { tokenizeData, type DataInfo } from './data.js';
import { stageFolder } from './folder.js';
import { MODEL_PY } from './model-py.js';
import { folderReadme } from './readme.js';
import { TRAIN_DDP_PY } from './train-ddp-py.js';
import { unicodeTables } from './unicode-tables.js';

export interface PytorchExportOptions {
  /** A run folder (its model.safetensors) or a .safetensors file. */
  model: string;
  /** The folder to write. */
  out: string;
  /** Replace an existing non-empty `out`. */
  force?: boolean;
  /** A corpus to tokenize into data.bin (language models only). */
  withData?: string;
  /** How to read `withData`. */
  source?: SourceOptions;
  /** Only the first N documents of `withData` (0: all). */
  maxDocs?: number;
}

export interface PytorchExportResult {
  out: string;
  /** The files written, in the folder's order. */
  files: string[];
  arch: string;
  level: 'char' | 'word' | 'bpe';
  data: DataInfo | null;
}

/** Metadata a training checkpoint has and an exported model file does not (it holds no training state). */
/** Metadata encodeCheckpoint writes itself. */
const OWN = new Set(['format', 'arch', 'config', 'vocab', 'tokenizer', 'frozen', 'batching', 'precision']);

/** The model file of the export: the model's tensors only, and the metadata that makes it an rnnlab model. */
function weightsFile(m: LoadedModel): Uint8Array {
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.metadata)) if (!TRAINING_METADATA.has(k) && !OWN.has(k)) meta[k] = v;
  if (m.model.arch === 'classifier') {
    // the cut and cleaning may live only in run_config (older runs): spell them out here
    const prep = preprocessingOf(m);
    meta.max_len = String(prep.maxLen);
    meta.clean = String(prep.clean);
  }
  const batching = m.metadata.batching ?? (m.documents ? 'pad' : 'stream');
  return encodeCheckpoint({ model: m.model, vocab: m.vocab, tokenizer: m.tokenizer, batching, meta });
}

const json = (v: unknown): string => JSON.stringify(v, null, 2) + '\n';

/**
 * config.json: the checkpoint's config plus what `rnnlab import` needs to rebuild the model from
 * the weights alone (train_ddp.py's checkpoints carry nothing else): arch, level, how a language
 * model read its data (batching: a document model scores [SOS] … [EOS]), and a classifier's class
 * names and text preprocessing.
 */
function exportedConfig(m: LoadedModel, arch: string, level: string): Record<string, unknown> {
  const c: Record<string, unknown> = { ...JSON.parse(m.metadata.config), arch, level };
  if (arch === 'classifier') {
    const prep = preprocessingOf(m);
    Object.assign(c, { labels: JSON.parse(m.metadata.classes) as string[], maxLen: prep.maxLen, clean: prep.clean });
  } else {
    c.batching = m.metadata.batching ?? (m.documents ? 'pad' : 'stream');
  }
  return c;
}

/** True when `path` is `folder` or lies inside it. */
function within(path: string, folder: string): boolean {
  const r = relative(resolve(folder), resolve(path));
  return r === '' || (!r.startsWith('..') && !r.startsWith('/'));
}

/** --out replaces a folder: never the one holding the model or the corpus being read. */
function refuseOverlap(o: PytorchExportOptions, file: string): void {
  if (within(file, o.out)) throw new RnnlabError(`--out ${o.out} holds the model ${file} itself: export to another folder`);
  if (o.withData !== undefined && within(o.withData, o.out)) throw new RnnlabError(`--out ${o.out} holds the --with-data file ${o.withData}: export to another folder`);
}

export async function exportPytorch(o: PytorchExportOptions): Promise<PytorchExportResult> {
  const file = resolveModelPath(o.model);
  refuseOverlap(o, file);
  // the model on a backend of the precision it records, so weights.safetensors records it too
  const { backend } = await createBackend({ name: 'js', precision: recordedPrecision(file) });
  const m = loadCheckpoint(file, backend);
  const arch = m.model.arch;
  if (o.withData !== undefined && arch !== 'lm') {
    throw new RnnlabError(`--with-data prepares data for train_ddp.py, which trains language models; ${o.model} is a text classifier (export it without --with-data)`);
  }
  const level = levelOf(m.tokenizer.kind);
  const staged = stageFolder(o.out, !!o.force);
  try {
    const put = (name: string, data: string | Uint8Array): string => {
      writeFileSync(join(staged.dir, name), data);
      return name;
    };
    const files = [
      put('model.py', MODEL_PY),
      put('weights.safetensors', weightsFile(m)),
      put('config.json', json(exportedConfig(m, arch, level))),
      put('vocab.json', json(m.vocab.toJSON())),
      put('tokenizer.json', json(JSON.parse(m.metadata.tokenizer))),
      put('charclasses.json', JSON.stringify(unicodeTables()) + '\n'),
      put('train_ddp.py', TRAIN_DDP_PY),
    ];
    let data: DataInfo | null = null;
    if (o.withData !== undefined) {
      data = await tokenizeData(o.withData, join(staged.dir, 'data.bin'), {
        tokenizer: m.tokenizer, vocab: m.vocab, documents: m.documents, source: o.source ?? {}, maxDocs: o.maxDocs ?? 0,
      });
      files.push('data.bin', put('data.json', json(data)));
    }
    files.push(put('README.md', folderReadme({ arch, level, config: m.model.config as unknown as Record<string, unknown>, tokenizer: m.tokenizer.kind, data })));
    staged.commit();
    return { out: o.out, files, arch, level, data };
  } catch (e) {
    staged.discard();
    throw e;
  }
}
