/**
 * The one event schema of a training run. The loop emits these objects to its sinks; the run
 * directory writes each as one line of metrics.jsonl, the CLI draws its progress bar from them,
 * and a dashboard would stream them as they are. Field names are snake_case because the
 * objects are the file format. `elapsed` is training time in seconds over every session of
 * the run (validation and checkpoint writing excluded), so the budgets and tokens/s mean the
 * same thing in a resumed run.
 */
import type { Precision } from '../backend/backend.js';

export interface StartEvent {
  type: 'start';
  /** ISO time the session started. */
  time: string;
  /** 0 for a new run; the step a resumed session continues from. */
  step: number;
  epoch: number;
  resumed: boolean;
  total_steps: number;
  steps_per_epoch: number;
  params: number;
  trainable_params: number;
  train_tokens: number;
  val_tokens: number;
  /** The run's time budget in seconds (0: none) and its training time so far. */
  max_time: number;
  elapsed: number;
  /** This session's arithmetic (--precision): fp32, or bf16 mixed precision; a resume may switch it. */
  precision: Precision;
}

export interface StepEvent {
  type: 'step';
  step: number;
  /** 0-based. */
  epoch: number;
  /** 1-based batch within the epoch, and the epoch's batch count. */
  batch: number;
  batches: number;
  /** Mean loss of the step (nats per counted token). */
  loss: number;
  /** Global gradient norm before clipping. */
  grad_norm: number;
  lr: number;
  /** Tokens counted in the loss. */
  tokens: number;
  /** Training throughput over the last second or so. */
  tokens_per_sec: number;
  elapsed: number;
  /** Classifiers: the share of rows classified right so far in this epoch (running accuracy). */
  accuracy?: number;
}

export interface ValEvent {
  type: 'val';
  step: number;
  epoch: number;
  loss: number;
  perplexity: number;
  bits_per_token: number;
  tokens: number;
  /** These weights became model.safetensors (the best validation so far). */
  best: boolean;
  /** Classifiers: the share of validation rows classified right. */
  accuracy?: number;
  /** The validation of the untrained model, before step 1 (≈ vocabulary size perplexity). */
  untrained?: true;
  /** A validation at a stop inside an epoch (--max-steps, --max-time): it may become the saved model but does not count for --lr-decay and --patience. */
  final?: true;
}

/**
 * A batch whose loss or gradient norm was not finite (src/train/step-guard.ts), written instead
 * of its step line: skipped (--on-nonfinite skip; the step counts but changed nothing) or the
 * end of the run.
 */
export interface NonFiniteEvent {
  type: 'nonfinite';
  /** The step this batch was (a skipped step counts; a stop leaves the run at step − 1). */
  step: number;
  epoch: number;
  batch: number;
  batches: number;
  /** The step's mean loss and gradient norm; a non-finite one as the text "NaN", "Infinity" or "-Infinity". */
  loss: number | string;
  grad_norm: number | string;
  action: 'skip' | 'stop';
  /** Batches skipped so far in the run, and in a row up to this one. */
  skipped: number;
  consecutive: number;
}

/**
 * Why a run ended. `nonfinite` (a NaN or infinite loss or gradient) and `diverged` (a loss far
 * above the untrained one) end it with an error; the run's checkpoints are the last good ones.
 */
export type StopReason = 'epochs' | 'max-steps' | 'time' | 'interrupt' | 'early-stopping' | 'nonfinite' | 'diverged';

export interface EndEvent {
  type: 'end';
  step: number;
  /** Epochs completed (unlike step and val lines, whose epoch is the 0-based epoch in progress). */
  epoch: number;
  stopped_by: StopReason;
  elapsed: number;
  /** Tokens per second of training time in this session. */
  tokens_per_sec: number;
  /** Validation loss of model.safetensors (null: no validation data). */
  best_loss: number | null;
  /** Batches skipped so far in the run for a non-finite loss or gradient (--on-nonfinite skip); absent in older files. */
  skipped?: number;
}

/** The test file's score (--test-data), with the weights of model.safetensors, once the run has ended (not after an interrupt). */
export interface TestEvent {
  type: 'test';
  step: number;
  loss: number;
  perplexity: number;
  bits_per_token: number;
  /** Predicted tokens, the count papers' perplexities are over. */
  tokens: number;
  /** Tokens of the test file outside the vocabulary (scored as [UNK]). */
  oov: number;
}

export type RunEvent = StartEvent | StepEvent | NonFiniteEvent | ValEvent | EndEvent | TestEvent;

export type CheckpointKind = 'best' | 'last';

/** Where a run's events and checkpoints go: a directory (run-dir.ts), a server stream, a browser store, a test. */
export interface RunSink {
  /** Called synchronously; a sink that needs async work queues it. */
  event?(e: RunEvent): void;
  /** `bytes()` encodes the checkpoint on first call (shared between sinks). */
  checkpoint?(kind: CheckpointKind, bytes: () => Uint8Array, step: number): void;
}
