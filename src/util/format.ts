/** Numbers for people, as the progress lines and reports print them. */

/** Tokens (or documents) per second: 950, 34.1k. */
export function fmtRate(tps: number): string {
  return tps >= 1000 ? `${(tps / 1000).toFixed(1)}k` : tps.toFixed(0);
}

/** A duration in seconds: 42s, 3m05s, 2h10m. */
export function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** A loss in nats: 4 decimals; a diverged run's huge ones in exponent form (6.916e+29); NaN and Infinity as words. */
export function fmtLoss(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) < 1e6 ? x.toFixed(4) : x.toExponential(3);
}

/** A metric in a plot label or a report table: four significant digits, whole numbers from 1000 up. */
export function formatMetric(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1000) return String(Math.round(v));
  return String(Number(v.toPrecision(4)));
}
