/**
 * The benchmark workloads, shared by the rnnlab runner (bench/rnnlab-runner.ts) and, through
 * the JSON spec passed on its command line, by the PyTorch script (bench/torch_bench.py).
 *
 * Data: random tokens from a 32-bit LCG that torch_bench.py reproduces exactly, so both sides
 * train on the same batches (and their first losses should agree: ≈ ln V for untrained models).
 */

export type WorkloadKind = 'lm' | 'cls' | 'sample';

export interface Workload {
  id: string;
  kind: WorkloadKind;
  /** One line for the README / report. */
  title: string;
  /** Recurrent cell (CLS with model 'cnn': unused). */
  cell: 'lstm' | 'gru' | 'rnn';
  vocab: number;
  /** Embedding width; 0 = one-hot input. */
  embed: number;
  /** Hidden units (CLS-CNN: conv filters). */
  hidden: number;
  /** Recurrent layers (CLS-CNN: conv blocks). */
  layers: number;
  dropout: number;
  /** Batch rows (sampling: 1). */
  B: number;
  /** Timesteps per training step (sampling: characters generated). */
  T: number;
  /**
   * WL: rows of random length in [T/2, T], padded with PAD = 0 and ignored in the loss.
   * CLS-CNN, CLS-GRU: rows of random length in [T/2, T] padded with PAD = 0; the models see
   * only the real positions (packed sequences; masked convs, BatchNorm and max).
   */
  padded: boolean;
  /** CLS: number of classes. */
  classes: number;
  /**
   * CLS: the classifier. 'recurrent': Embedding → `cell` (`layers`, `hidden`) → pool → Linear;
   * 'cnn': Embedding → `layers` × [Conv1d(k3, s2, p1) with `hidden` filters, BatchNorm1d, ReLU] →
   * max over the real positions → Linear (the contract in scripts/agnews_torch.py).
   */
  model: 'recurrent' | 'cnn';
  /** CLS, recurrent: what feeds the Linear: the last real hidden state, or the max / mean over real positions. */
  pool: 'last' | 'max' | 'mean';
  bidirectional: boolean;
  /** Sampling: prime length, temperature, top-k. */
  prime: number;
  temperature: number;
  topK: number;
  /** Default warm-up / timed steps (sampling: generation runs). */
  warmup: number;
  steps: number;
  /** The js backend runs it by default (otherwise only with --js-all: it takes minutes per step). */
  jsDefault: boolean;
  /** Carry the recurrent state between steps (stream TBPTT, as a char-LM trainer does). */
  carryState: boolean;
}

const base = {
  padded: false, classes: 0, model: 'recurrent', pool: 'last', bidirectional: false, prime: 0, temperature: 1, topK: 0, warmup: 2, steps: 5, jsDefault: true, carryState: true,
  dropout: 0, layers: 1,
} as const;

export const WORKLOADS: readonly Workload[] = [
  {
    ...base, id: 'CL-S', kind: 'lm', title: 'char LM, V 65, Embedding 32, 1×LSTM 128, B 16, T 32',
    cell: 'lstm', vocab: 65, embed: 32, hidden: 128, B: 16, T: 32,
  },
  {
    ...base, id: 'CL-M', kind: 'lm', title: 'char LM, V 83, Embedding 128, 2×LSTM 512, B 64, T 128',
    cell: 'lstm', vocab: 83, embed: 128, hidden: 512, layers: 2, B: 64, T: 128, jsDefault: false,
  },
  {
    ...base, id: 'CL-M-GRU', kind: 'lm', title: 'CL-M with GRU cells',
    cell: 'gru', vocab: 83, embed: 128, hidden: 512, layers: 2, B: 64, T: 128, jsDefault: false,
  },
  {
    ...base, id: 'CL-M-RNN', kind: 'lm', title: 'CL-M with tanh RNN cells',
    cell: 'rnn', vocab: 83, embed: 128, hidden: 512, layers: 2, B: 64, T: 128, jsDefault: false,
  },
  {
    ...base, id: 'CL-L', kind: 'lm', title: 'char LM, V 83, one-hot input, 2×LSTM 1024, dropout 0.5, B 128, T 256',
    cell: 'lstm', vocab: 83, embed: 0, hidden: 1024, layers: 2, dropout: 0.5, B: 128, T: 256,
    warmup: 1, steps: 2, jsDefault: false,
  },
  {
    ...base, id: 'WL', kind: 'lm', title: 'word LM, V 14358, Embedding 128, 2×LSTM 128, B 32, T 200, padded rows (PAD 0 ignored)',
    cell: 'lstm', vocab: 14358, embed: 128, hidden: 128, layers: 2, B: 32, T: 200, padded: true,
    jsDefault: false, carryState: false,
  },
  {
    ...base, id: 'CLS', kind: 'cls', title: 'classifier, V 100000, Embedding 50, 1×GRU 50, 4 classes from the last hidden state, B 32, T 64',
    cell: 'gru', vocab: 100000, embed: 50, hidden: 50, B: 32, T: 64, classes: 4, carryState: false,
  },
  {
    ...base, id: 'CLS-CNN', kind: 'cls',
    title: 'CNN classifier, V 100000, Embedding 50, 3×[Conv1d(k3, s2) 64, BatchNorm, ReLU], max over real positions, 4 classes, B 32, T 128, padded rows',
    model: 'cnn', pool: 'max', cell: 'gru', vocab: 100000, embed: 50, hidden: 64, layers: 3, B: 32, T: 128, classes: 4,
    padded: true, carryState: false,
  },
  {
    ...base, id: 'CLS-GRU', kind: 'cls',
    title: 'classifier, V 100000, Embedding 50, 1×GRU 50 (packed), 4 classes from the last real hidden state, B 32, T 128, padded rows',
    cell: 'gru', vocab: 100000, embed: 50, hidden: 50, B: 32, T: 128, classes: 4, padded: true, carryState: false,
  },
  {
    ...base, id: 'SAMPLE', kind: 'sample',
    title: 'sampling with the CL-M LSTM (untrained), batch 1, 10-char prime, 500 chars, T 0.8, top-k 5',
    cell: 'lstm', vocab: 83, embed: 128, hidden: 512, layers: 2, B: 1, T: 500,
    prime: 10, temperature: 0.8, topK: 5, warmup: 1, steps: 3,
  },
];

export function findWorkload(id: string): Workload | undefined {
  return WORKLOADS.find((w) => w.id.toLowerCase() === id.toLowerCase());
}

/** Tokens counted per training step (tokens/s = this / step time); sampling: generated chars. */
export function tokensPerStep(w: Workload): number {
  return w.B * w.T;
}

/**
 * Numerical Recipes LCG, mod 2³². torch_bench.py has the same generator; keep them in sync.
 * next() returns the new 32-bit state.
 */
export class Lcg {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (Math.imul(this.s, 1664525) + 1013904223) >>> 0;
    return this.s;
  }
  /** Integer in [0, n) from the high bits. */
  below(n: number): number {
    return Math.floor((this.next() / 4294967296) * n);
  }
}

export const DATA_SEED = 1234;

export interface LmBatch {
  /** [B,T] batch-first input ids. */
  x: Int32Array;
  /** [B,T] targets (next ids; PAD = 0 where padded). */
  y: Int32Array;
}

/**
 * One LM batch. Unpadded: every row is T+1 uniform ids in [0,V), x = ids[0..T), y = ids[1..T].
 * Padded (WL): ids in [1,V), each row has a length L in [T/2, T] (drawn first); x and y are
 * PAD (0) from position L on, so those positions are ignored in the loss (ignore_index 0).
 */
export function lmBatch(w: Workload, seed = DATA_SEED): LmBatch {
  const { B, T, vocab: V } = w;
  const g = new Lcg(seed);
  const x = new Int32Array(B * T), y = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    const len = w.padded ? T / 2 + g.below(T - T / 2 + 1) : T;
    const lo = w.padded ? 1 : 0;
    let prev = lo + g.below(V - lo);
    for (let t = 0; t < T; t++) {
      const next = lo + g.below(V - lo);
      if (t < len) {
        x[b * T + t] = prev;
        y[b * T + t] = next;
      }
      prev = next;
    }
  }
  return { x, y };
}

export interface ClsBatch {
  /** [B,T] ids in [0,V) (padded: ids in [1,V) at t < lengths[b], PAD = 0 after). */
  x: Int32Array;
  /** [B] labels in [0,classes). */
  labels: Int32Array;
  /** [B] real lengths (all T unless padded). */
  lengths: Int32Array;
}

/**
 * One classifier batch. Unpadded (CLS): B·T uniform ids in [0,V), then B labels. Padded
 * (CLS-CNN, CLS-GRU): per row, its length L in [T/2, T] first, then T ids in [1,V) of which
 * positions ≥ L become PAD (0); then B labels.
 */
export function clsBatch(w: Workload, seed = DATA_SEED): ClsBatch {
  const { B, T, vocab: V } = w;
  const g = new Lcg(seed);
  const x = new Int32Array(B * T), labels = new Int32Array(B), lengths = new Int32Array(B).fill(T);
  if (w.padded) {
    for (let b = 0; b < B; b++) {
      const half = Math.floor(T / 2);
      const len = half + g.below(T - half + 1);
      lengths[b] = len;
      for (let t = 0; t < T; t++) {
        const id = 1 + g.below(V - 1);
        if (t < len) x[b * T + t] = id;
      }
    }
  } else {
    for (let i = 0; i < x.length; i++) x[i] = g.below(V);
  }
  for (let b = 0; b < B; b++) labels[b] = g.below(w.classes);
  return { x, labels, lengths };
}

/** The sampling prime: `prime` ids in [0,V). */
export function primeIds(w: Workload, seed = DATA_SEED): Int32Array {
  const g = new Lcg(seed);
  const p = new Int32Array(w.prime);
  for (let i = 0; i < p.length; i++) p[i] = g.below(w.vocab);
  return p;
}
