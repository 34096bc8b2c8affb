/**
 * The sweep heat-map and the confusion matrix, drawn as SVG from the same data and with the same
 * colour scales as rnnlab's Vega-Lite specs (src/report/sweep-spec.ts, confusion-svg.ts), which
 * `rnnlab plot` renders. Drawing them here keeps vega (about a megabyte of script) out of the
 * page; the pictures read the same: darkest = best perplexity, a confusion cell's colour = its
 * share of the true class's row, labelled with its count.
 */
import type { HeatCell } from './api';

/** sweep-spec.ts's RANGE: dark for the lowest perplexity (log scale). */
const SWEEP_RANGE = ['#08306b', '#2171b5', '#6baed6', '#c6dbef', '#f7fbff'];
/** confusion-svg.ts's BLUES, from white. */
const BLUES = ['#f7fbff', '#deebf7', '#c6dbef', '#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#08519c', '#08306b'];

function rgb(hex: string): number[] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

/** The colour at t in [0, 1] along the stops, interpolated linearly in RGB (as Vega does). */
export function ramp(stops: readonly string[], t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const a = rgb(stops[i]!), b = rgb(stops[i + 1]!), f = x - i;
  return `rgb(${a.map((v, k) => Math.round(v + (b[k]! - v) * f)).join(',')})`;
}

function uniq(xs: string[]): string[] {
  return [...new Set(xs)];
}

const numericOrder = (vs: string[]) => (vs.every((v) => v !== '' && Number.isFinite(Number(v))) ? [...vs].sort((a, b) => Number(a) - Number(b)) : vs);

export function SweepHeatmap({ x, y, cells, onPick }: { x: string; y: string; cells: HeatCell[]; onPick?: (run: string) => void }) {
  const facets = uniq(cells.map((c) => c.facet));
  const xs = numericOrder(uniq(cells.map((c) => c.x)));
  const ys = numericOrder(uniq(cells.map((c) => c.y)));
  const values = cells.map((c) => c.value).filter((v): v is number => v !== null && v > 0);
  const lo = Math.min(...values), hi = Math.max(...values);
  const share = (v: number) => (hi > lo ? Math.log(v / lo) / Math.log(hi / lo) : 0);
  const cw = 72, ch = 40, left = 90, top = 28;
  return (
    <div class="heatmaps">
      {facets.map((facet) => {
        const w = Math.max(left + xs.length * cw + 10, 330), h = top + ys.length * ch + 40;
        return (
          <figure class="heatmap">
            {facet && <figcaption>{facet}</figcaption>}
            <svg width={w} height={h} viewBox={`0 0 ${w} ${h}`} role="img" aria-label={`sweep heat-map: validation perplexity by ${x} and ${y}`}>
              <text x={left + (xs.length * cw) / 2} y={h - 6} text-anchor="middle" class="axis-title">{x}</text>
              <text x={12} y={top + (ys.length * ch) / 2} text-anchor="middle" class="axis-title" transform={`rotate(-90 12 ${top + (ys.length * ch) / 2})`}>{y}</text>
              <text x={4} y={16} class="axis-title">validation perplexity (darker is better)</text>
              {xs.map((v, i) => <text x={left + i * cw + cw / 2} y={top + ys.length * ch + 16} text-anchor="middle" class="tick">{v}</text>)}
              {ys.map((v, j) => <text x={left - 6} y={top + j * ch + ch / 2 + 4} text-anchor="end" class="tick">{v}</text>)}
              {cells.filter((c) => c.facet === facet).map((c) => {
                const i = xs.indexOf(c.x), j = ys.indexOf(c.y);
                const t = c.value === null ? null : share(c.value);
                const fill = t === null ? '#f3f4f6' : ramp(SWEEP_RANGE, t);
                const dark = t !== null && t < 0.45;
                return (
                  <g class="cell" data-run={c.run} onClick={() => onPick?.(c.run)} style={onPick ? 'cursor:pointer' : undefined}>
                    <title>{`${c.run}: ${x}=${c.x}, ${y}=${c.y}: ${c.value === null ? c.label : `perplexity ${c.label}`}`}</title>
                    <rect x={left + i * cw} y={top + j * ch} width={cw - 2} height={ch - 2} fill={fill} stroke="#e5e7eb" />
                    <text x={left + i * cw + cw / 2 - 1} y={top + j * ch + ch / 2 + 3} text-anchor="middle" class="cell-label" fill={dark ? 'white' : 'black'}>{c.label}</text>
                  </g>
                );
              })}
            </svg>
          </figure>
        );
      })}
    </div>
  );
}

export function ConfusionMatrix({ classes, confusion }: { classes: string[]; confusion: number[][] }) {
  const n = classes.length;
  const cell = Math.max(30, Math.min(64, Math.floor(480 / Math.max(1, n))));
  const labelW = Math.min(160, 12 + 7 * Math.max(...classes.map((c) => c.length)));
  const left = labelW + 24, top = 6;
  const w = left + n * cell + 10, h = top + n * cell + labelW + 24;
  return (
    <figure class="confusion">
    <figcaption class="small muted">rows: true class · columns: predicted · colour: share of the row</figcaption>
    <svg width={w} height={h} viewBox={`0 0 ${w} ${h}`} role="img" aria-label={`confusion matrix of ${n} classes`}>
      <text x={12} y={top + (n * cell) / 2} text-anchor="middle" class="axis-title" transform={`rotate(-90 12 ${top + (n * cell) / 2})`}>true class</text>
      <text x={left + (n * cell) / 2} y={h - 6} text-anchor="middle" class="axis-title">predicted class</text>
      {classes.map((c, i) => (
        <>
          <text x={left - 6} y={top + i * cell + cell / 2 + 4} text-anchor="end" class="tick">{c}</text>
          <text x={left + i * cell + cell / 2} y={top + n * cell + 8} class="tick" text-anchor="end" transform={`rotate(-45 ${left + i * cell + cell / 2} ${top + n * cell + 8})`}>{c}</text>
        </>
      ))}
      {confusion.map((row, t) => {
        const total = row.reduce((a, b) => a + b, 0);
        return row.map((count, p) => {
          const share = total > 0 ? count / total : 0;
          return (
            <g class="cell" data-true={classes[t]} data-predicted={classes[p]}>
              <title>{`true ${classes[t]}, predicted ${classes[p]}: ${count} (${(share * 100).toFixed(1)}% of the row)`}</title>
              <rect x={left + p * cell} y={top + t * cell} width={cell - 1} height={cell - 1} fill={ramp(BLUES, share)} stroke={t === p ? '#111827' : '#e5e7eb'} />
              <text x={left + p * cell + cell / 2} y={top + t * cell + cell / 2 + 4} text-anchor="middle" class="cell-label" fill={share > 0.6 ? 'white' : 'black'}>{count}</text>
            </g>
          );
        });
      })}
    </svg>
    </figure>
  );
}
