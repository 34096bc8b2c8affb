/**
 * Learning-rate schedules against their formulas (src/optim/schedule.ts), step by step.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scheduledLr, scheduleOf, type ScheduleSettings } from '../../src/optim/schedule.js';

const S = 10; // steps per epoch
const at = (step: number, plateauFactor = 1, totalSteps = 100) => ({ step, epoch: Math.floor(step / S), stepsPerEpoch: S, totalSteps, plateauFactor });
const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('constant, and the default schedule of old settings (plateau only with a decay below 1)', () => {
  assert.equal(scheduleOf({ lrDecay: 1 }), 'constant');
  assert.equal(scheduleOf({ lrDecay: 0.5 }), 'plateau');
  for (const t of [0, 5, 99]) assert.equal(scheduledLr({ lr: 0.3, lrDecay: 1 }, at(t)), 0.3);
});

test('step: Zaremba et al.\'s rate 1 for 4 epochs, then halved every epoch', () => {
  const s: ScheduleSettings = { lr: 1, lrSchedule: 'step', lrDecay: 0.5, lrDecayStart: 4 };
  const perEpoch = Array.from({ length: 13 }, (_, e) => scheduledLr(s, at(e * S + 3)));
  assert.deepEqual(perEpoch, [1, 1, 1, 1, 0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125, 0.00390625, 0.001953125]);
  // without --lr-decay-start the first epoch still runs at the rate
  assert.deepEqual([0, 1, 2].map((e) => scheduledLr({ lr: 1, lrSchedule: 'step', lrDecay: 0.5 }, at(e * S))), [1, 0.5, 0.25]);
  // constant within an epoch
  assert.equal(scheduledLr(s, at(40)), scheduledLr(s, at(49)));
});

test('exponential: the same decay per epoch, spread over the steps', () => {
  const s: ScheduleSettings = { lr: 2, lrSchedule: 'exponential', lrDecay: 0.5, lrDecayStart: 1 };
  close(scheduledLr(s, at(0)), 2, 'before the start');
  close(scheduledLr(s, at(10)), 2, 'at the start');
  close(scheduledLr(s, at(15)), 2 * 0.5 ** 0.5, 'half an epoch later');
  close(scheduledLr(s, at(30)), 2 * 0.25, 'two epochs later');
});

test('cosine: from the rate to --min-lr over the budget, after warm-up', () => {
  const s: ScheduleSettings = { lr: 1, lrSchedule: 'cosine', lrDecay: 1, minLr: 0.1, warmupSteps: 10 };
  close(scheduledLr(s, at(0)), 0.1, 'warm-up step 1 of 10');
  close(scheduledLr(s, at(9)), 1, 'warm-up step 10 of 10');
  close(scheduledLr(s, at(10)), 1, 'cosine start');
  close(scheduledLr(s, at(55)), 0.1 + 0.9 * 0.5, 'half way');
  close(scheduledLr(s, at(100)), 0.1, 'the end');
  close(scheduledLr(s, at(120)), 0.1, 'past the end (a longer resumed budget keeps the floor)');
});

test('plateau: the factor the loop keeps, floored at --min-lr', () => {
  const s: ScheduleSettings = { lr: 0.01, lrSchedule: 'plateau', lrDecay: 0.5, minLr: 0.003 };
  close(scheduledLr(s, at(7, 0.5)), 0.005, 'one decay');
  close(scheduledLr(s, at(7, 0.25)), 0.003, 'floored');
});

test('warm-up multiplies any schedule linearly over its first steps', () => {
  const s: ScheduleSettings = { lr: 0.4, lrSchedule: 'constant', lrDecay: 1, warmupSteps: 4 };
  assert.deepEqual([0, 1, 2, 3, 4].map((t) => scheduledLr(s, at(t))), [0.1, 0.2, 0.30000000000000004, 0.4, 0.4]);
});
