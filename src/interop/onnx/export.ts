/**
 * rnnlab models as ONNX files: a language model or a classifier → ModelProto bytes, with the
 * rnnlab model file's metadata (vocabulary, tokenizer settings, config, …) in metadata_props
 * so the .onnx file is self-describing. The graphs: lm-graph.ts and classifier-graph.ts.
 */
import { RnnlabError } from '../../errors.js';
import { TRAINING_METADATA } from '../../train/checkpoint-format.js';
import { Classifier } from '../../nn/classifier.js';
import { LanguageModel } from '../../nn/language-model.js';
import type { Model } from '../../nn/model.js';
import { VERSION } from '../../run/session.js';
import { classifierGraph } from './classifier-graph.js';
import { GraphBuilder } from './graph.js';
import { languageModelGraph } from './lm-graph.js';
import { encodeOnnxModel } from './proto.js';

/** The IR version each supported opset came with (onnx.helper's VERSION_TABLE). */
const IR_VERSION: Record<number, number> = { 14: 7, 15: 8, 16: 8, 17: 8, 18: 8, 19: 9, 20: 9, 21: 10 };
export const ONNX_OPSETS = { min: 14, max: 21, default: 17 } as const;

/** Checkpoint metadata that describes training or the checkpoint file, not the model: left out of the .onnx file. */
const TRAINING_ONLY = new Set([...TRAINING_METADATA, 'frozen']);

export interface OnnxExportOptions {
  /** Default 17. */
  opset?: number;
  /** Language models: h0/c0 as inputs the caller must feed (instead of inputs with zero defaults). */
  stateInputs?: boolean;
}

export interface OnnxModelSource {
  model: Model;
  /** The rnnlab model file's metadata (format, arch, config, vocab, tokenizer, …). */
  metadata: Record<string, string>;
}

function describe(m: Model, stateInputs: boolean): string {
  if (m instanceof Classifier) {
    return 'rnnlab text classifier. Inputs: input_ids int64 [batch,time], lengths int64 [batch] (real tokens per row). '
      + 'Outputs: logits float32 [batch,classes], probabilities float32 [batch,classes]. Vocabulary, tokenizer and class names: metadata_props.';
  }
  const lstm = (m as LanguageModel).config.cell === 'lstm', states = lstm ? 'h0, c0' : 'h0';
  return `rnnlab language model. Inputs: input_ids int64 [batch,time]; ${states} float32 [layers,batch,hidden] `
    + `${stateInputs ? '(required)' : '(optional: default zeros)'}. Outputs: logits float32 [batch,time,vocab], ${lstm ? 'h_n, c_n' : 'h_n'} float32 [layers,batch,hidden]. `
    + 'Vocabulary and tokenizer: metadata_props.';
}

/** The .onnx bytes of a loaded rnnlab model (loadCheckpoint's result fits). */
export function exportOnnx(source: OnnxModelSource, o: OnnxExportOptions = {}): Uint8Array {
  const opset = o.opset ?? ONNX_OPSETS.default;
  if (!Number.isInteger(opset) || opset < ONNX_OPSETS.min) throw new RnnlabError(`ONNX export needs --opset ${ONNX_OPSETS.min} or later (got ${opset})`);
  if (opset > ONNX_OPSETS.max) throw new RnnlabError(`--opset ${opset} is newer than this exporter knows (${ONNX_OPSETS.min} to ${ONNX_OPSETS.max})`);
  const m = source.model, g = new GraphBuilder(opset);
  if (m instanceof LanguageModel) languageModelGraph(g, m, { stateInputs: o.stateInputs ?? false });
  else if (m instanceof Classifier) classifierGraph(g, m);
  else throw new RnnlabError(`ONNX export knows language models and classifiers, not a model of kind "${m.arch}"`);
  // arch and config as the model has them: files from before the architecture registry lack
  // `arch`, and older configs lack keys that now have defaults
  const metadataProps = Object.entries({ ...source.metadata, arch: m.arch, config: JSON.stringify(m.config) }).filter(([k]) => !TRAINING_ONLY.has(k)).map(([key, value]) => ({ key, value }));
  return encodeOnnxModel({
    irVersion: IR_VERSION[opset],
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'rnnlab',
    producerVersion: VERSION,
    domain: 'rnnlab',
    modelVersion: 1,
    docString: describe(m, o.stateInputs ?? false),
    graph: g.graph(m instanceof Classifier ? 'rnnlab_classifier' : 'rnnlab_language_model', describe(m, o.stateInputs ?? false)),
    metadataProps,
  });
}
