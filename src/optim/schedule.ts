/**
 * Learning-rate schedules: the rate of the next step as a pure function of where the run is,
 * so a resumed run computes exactly the rates the uninterrupted one would have. The only state
 * is the plateau factor (the decays taken after epochs without improvement), which the
 * checkpoint keeps.
 *
 * With base rate L, decay F, decay start E (epochs), S steps per epoch, t steps done, e the
 * current epoch (0-based), N = S · --epochs (not --max-steps or --max-time, so a run stopped by
 * one and resumed with another keeps its curve), W warm-up steps and floor m:
 *   constant     L
 *   step         L · F^max(0, e − E + 1)      the first E epochs (at least 1) at L, then × F at
 *                                             each further epoch (Zaremba et al.: E = 4, F = 0.5)
 *   exponential  L · F^max(0, t/S − E)        the same decay per epoch, spread over its steps
 *   cosine       m + (L − m)·(1 + cos(π·p))/2 with p = (t − T0)/(N − T0) from T0 = max(W, E·S)
 *   plateau      L · (F per epoch-end validation without improvement)
 * then never below m, and during the first W steps × (t + 1)/W (linear warm-up).
 */
export type LrSchedule = 'constant' | 'step' | 'exponential' | 'cosine' | 'plateau';

export const LR_SCHEDULES: readonly LrSchedule[] = ['constant', 'step', 'exponential', 'cosine', 'plateau'];

export interface ScheduleSettings {
  lr: number;
  /** Unset (checkpoints from before schedules): plateau when lrDecay < 1, else constant. */
  lrSchedule?: LrSchedule;
  lrDecay: number;
  lrDecayStart?: number;
  warmupSteps?: number;
  minLr?: number;
}

export interface SchedulePosition {
  /** Optimizer steps done before the next one. */
  step: number;
  /** The current epoch, 0-based. */
  epoch: number;
  stepsPerEpoch: number;
  /** Steps in --epochs epochs (cosine ends there). */
  totalSteps: number;
  /** The product of the plateau decays taken so far. */
  plateauFactor: number;
}

export function scheduleOf(s: Pick<ScheduleSettings, 'lrSchedule' | 'lrDecay'>): LrSchedule {
  return s.lrSchedule ?? (s.lrDecay < 1 ? 'plateau' : 'constant');
}

export function scheduledLr(s: ScheduleSettings, p: SchedulePosition): number {
  const L = s.lr, F = s.lrDecay, E = s.lrDecayStart ?? 0, W = s.warmupSteps ?? 0, m = s.minLr ?? 0;
  let lr: number;
  switch (scheduleOf(s)) {
    case 'constant':
      lr = L;
      break;
    case 'step':
      // at least the first epoch at the full rate (E = 0 would never use --lr)
      lr = L * F ** Math.max(0, p.epoch - Math.max(1, E) + 1);
      break;
    case 'exponential':
      lr = L * F ** Math.max(0, p.step / Math.max(1, p.stepsPerEpoch) - E);
      break;
    case 'cosine': {
      const t0 = Math.max(W, E * p.stepsPerEpoch);
      const span = p.totalSteps - t0;
      const progress = span > 0 ? Math.min(1, Math.max(0, (p.step - t0) / span)) : p.step >= t0 ? 1 : 0;
      lr = m + ((L - m) * (1 + Math.cos(Math.PI * progress))) / 2;
      break;
    }
    case 'plateau':
      lr = L * p.plateauFactor;
      break;
  }
  lr = Math.max(m, lr);
  if (W > 0 && p.step < W) lr *= (p.step + 1) / W;
  return lr;
}
