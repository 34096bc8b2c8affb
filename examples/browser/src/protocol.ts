/**
 * The messages between the page and the training worker. The worker owns the model: it trains,
 * samples and encodes the checkpoint, so nothing heavy ever runs on the page's thread.
 */
import type { StepEvent, ValEvent } from 'rnnlab/browser';

export interface TrainSettings {
  cell: 'lstm' | 'gru' | 'rnn';
  layers: number;
  hidden: number;
  embed: number;
  batch: number;
  seq: number;
  lr: number;
  /** Steps to train (the page's Stop ends it sooner). */
  maxSteps: number;
  seed: number;
}

/** Every decoding strategy of the library's `generate`, with every setting it takes. */
export type Strategy = 'greedy' | 'sample' | 'beam' | 'beam-sample';

export interface SampleRequest {
  strategy: Strategy;
  prime: string;
  maxTokens: number;
  numSamples: number;
  seed: number;
  /** camelCase keys of the library's BeamOptions (temperature, topK, topP, beams, …); unset ones are absent. */
  options: Record<string, number>;
  /** Characters that may never be generated (the library's bannedIds). */
  ban: string[];
}

export type ToWorker =
  | { type: 'train'; text: string; settings: TrainSettings }
  | { type: 'stop' }
  | { type: 'sample'; request: SampleRequest }
  | { type: 'download' };

export interface BackendInfo {
  backend: string;
  /** The wasm module variant ('relaxed' or 'simd128'), '' on another backend. */
  variant: string;
  threads: number;
  crossOriginIsolated: boolean;
  reason: string;
  /** The backend's own line (SIMD level, threads, or why it fell back to one thread). */
  describe: string;
}

export interface GeneratedText {
  text: string;
  logProb: number;
  score?: number;
  finishedBy: string;
}

export type FromWorker =
  | ({ type: 'ready' } & BackendInfo)
  | { type: 'start'; totalSteps: number; params: number; vocab: number; trainTokens: number; valTokens: number }
  | { type: 'step'; step: StepEvent }
  | { type: 'val'; val: ValEvent }
  | { type: 'end'; stoppedBy: string; steps: number; tokensPerSec: number; seconds: number }
  | { type: 'samples'; texts: GeneratedText[]; seconds: number }
  | { type: 'model'; bytes: ArrayBuffer; name: string }
  | { type: 'error'; message: string };
