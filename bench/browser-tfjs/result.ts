/** What the benchmark page leaves in window.__result for its driver (run.ts): one shape for both sides. */
export interface SideResult {
  side: string;
  /** What it ran on, in its own words. */
  detail: string;
  warmup: number;
  steps: number;
  seconds: number;
  tokensPerSec: number;
  msPerStep: number;
  firstLoss: number;
  lastLoss: number;
}

export interface PageResult {
  workload: string;
  title: string;
  userAgent: string;
  crossOriginIsolated: boolean;
  results: SideResult[];
  errors: Record<string, string>;
}
