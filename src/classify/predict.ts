/**
 * A trained classifier as a function from text to class probabilities (browser-safe). The
 * checkpoint carries what that needs besides the weights: the class names and the labels they
 * were read from, and how a text became ids in training (the news-escape cleaning, the cut),
 * so a prediction sees a text exactly as training saw its documents.
 */
import { RnnlabError } from '../errors.js';
import type { Classifier } from '../nn/classifier.js';
import { cleanNewsEscapes } from '../text/sources/clean.js';
import { requireClassifier, type LoadedModel } from '../train/checkpoint-format.js';
import type { LabelScheme } from './labels.js';

/** What a checkpoint keeps besides the weights: the classes, and how a text becomes ids (eval and predict do the same). */
export function classifierMeta(s: LabelScheme, c: { maxLen: number; clean: boolean }): Record<string, string> {
  return { classes: JSON.stringify(s.names), labels: JSON.stringify(s.labels), max_len: String(c.maxLen), clean: String(c.clean) };
}

/** The cut and the cleaning a classifier was trained with (checkpoints without them: no cut, cleaned). */
export function preprocessingOf(m: LoadedModel): { maxLen: number; clean: boolean } {
  const saved = (m.runConfig ?? {}) as { maxLen?: number; clean?: boolean };
  const maxLen = Number(m.metadata.max_len ?? saved.maxLen ?? 0);
  const clean = (m.metadata.clean ?? String(saved.clean ?? true)) !== 'false';
  return { maxLen: Number.isInteger(maxLen) && maxLen > 0 ? maxLen : 0, clean };
}

/** The class names (and the labels of the training data they stand for) a classifier checkpoint holds. */
export function schemeOf(m: LoadedModel, file: string): LabelScheme {
  try {
    const names = JSON.parse(m.metadata.classes) as string[], labels = JSON.parse(m.metadata.labels) as string[];
    if (Array.isArray(names) && Array.isArray(labels) && names.length === labels.length) return { names, labels };
  } catch {
    // reported below
  }
  throw new RnnlabError(`${file} has no valid class list in its metadata`);
}

export interface Prediction {
  text: string;
  /** The most likely class. */
  label: string;
  /** Every class's probability, in the model's class order. */
  probabilities: Record<string, number>;
  /** The classes from the most to the least likely. */
  ranked: { label: string; p: number }[];
}

export class TextClassifier {
  readonly model: Classifier;
  readonly scheme: LabelScheme;
  private readonly prep: { maxLen: number; clean: boolean };

  /** `loaded`: a decoded or loaded checkpoint (refused unless it holds a classifier). */
  constructor(private readonly loaded: LoadedModel, file = 'the checkpoint') {
    this.model = requireClassifier(loaded, file).model;
    this.scheme = schemeOf(loaded, file);
    this.prep = preprocessingOf(loaded);
  }

  predict(text: string): Prediction {
    const { tokenizer, vocab } = this.loaded;
    const tokens = tokenizer.tokenize(this.prep.clean ? cleanNewsEscapes(text) : text);
    if (tokens.length === 0) throw new RnnlabError('the text is empty: nothing to classify');
    const ids = vocab.encode(this.prep.maxLen > 0 ? tokens.slice(0, this.prep.maxLen) : tokens, 'unk').ids;
    this.model.forward(ids, Int32Array.of(ids.length), 1, ids.length, null, false, null);
    // softmax in float64 from the shifted logits
    const logits = this.model.logits(), mx = Math.max(...logits);
    const e = Array.from(logits, (v) => Math.exp(v - mx)), z = e.reduce((a, b) => a + b, 0);
    const names = this.scheme.names, p = e.map((v) => v / z);
    const ranked = names.map((label, i) => ({ label, p: p[i] })).sort((a, b) => b.p - a.p);
    return { text, label: ranked[0].label, probabilities: Object.fromEntries(names.map((n, i) => [n, p[i]])), ranked };
  }
}
