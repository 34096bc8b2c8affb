/**
 * Training and validation loss curves with uPlot: one or several runs overlaid (each run a
 * training series and a validation series in its colour, validation dashed with points; one run:
 * training blue, validation red). The steps of all runs are merged into one x axis (uPlot's
 * data model) with gaps where a run has no point. Points arrive over SSE faster than frames: redraws happen at most once a frame.
 * The container's data-points (x values) and data-series (series) are what the e2e test reads.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { runEvents, type RunEvent } from './api';

export interface Curve {
  id: string;
  steps: number[];
  loss: number[];
  valSteps: number[];
  val: number[];
  /** The stream ended (the run is not training). */
  closed: boolean;
  status?: string;
}

const COLORS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];

function emptyCurve(id: string): Curve {
  return { id, steps: [], loss: [], valSteps: [], val: [], closed: false };
}

function apply(c: Curve, e: RunEvent): void {
  if (e.type === 'reset') {
    c.steps = []; c.loss = []; c.valSteps = []; c.val = [];
  } else if (e.type === 'step' && typeof e.loss === 'number' && typeof e.step === 'number') {
    c.steps.push(e.step);
    c.loss.push(e.loss);
  } else if (e.type === 'val' && typeof e.loss === 'number' && typeof e.step === 'number') {
    c.valSteps.push(e.step);
    c.val.push(e.loss);
  } else if (e.type === 'closed') {
    c.closed = true;
    c.status = String(e.status ?? '');
  }
}

/**
 * Live curves of the given runs: one event stream per run (every metrics.jsonl line so far,
 * then each new one); `version` changes whenever a point arrives. `key` restarts the streams
 * (a resumed run, say).
 */
export function useCurves(ids: string[], key = ''): { curves: Curve[]; version: number } {
  const [version, setVersion] = useState(0);
  const curves = useRef<Curve[]>([]);
  const joined = ids.join('\n');
  useEffect(() => {
    const list = ids.map(emptyCurve);
    curves.current = list;
    setVersion((v) => v + 1);
    const closers = list.map((c) => runEvents(c.id, (e) => {
      apply(c, e);
      if (e.type === 'closed') closers.forEach((close, i) => list[i] === c && close());
      setVersion((v) => v + 1);
    }));
    return () => closers.forEach((close) => close());
  }, [joined, key]);
  return { curves: curves.current, version };
}

function align(curves: Curve[]): uPlot.AlignedData {
  const xs = new Set<number>();
  for (const c of curves) {
    c.steps.forEach((s) => xs.add(s));
    c.valSteps.forEach((s) => xs.add(s));
  }
  const x = [...xs].sort((a, b) => a - b);
  const at = new Map(x.map((s, i) => [s, i]));
  const out: (number | null)[][] = [];
  for (const c of curves) {
    const train: (number | null)[] = new Array(x.length).fill(null);
    const val: (number | null)[] = new Array(x.length).fill(null);
    c.steps.forEach((s, i) => { train[at.get(s)!] = c.loss[i]!; });
    c.valSteps.forEach((s, i) => { val[at.get(s)!] = c.val[i]!; });
    out.push(train, val);
  }
  return [x, ...out] as uPlot.AlignedData;
}

export function Curves({ curves, version, height = 280, log = false }: { curves: Curve[]; version: number; height?: number; log?: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const frame = useRef(0);
  const names = curves.map((c) => c.id).join('\n');

  useEffect(() => {
    const el = box.current!;
    const many = curves.length > 1;
    const series: uPlot.Series[] = [{ label: 'step' }];
    curves.forEach((c, i) => {
      // one run: training blue, validation red; several: a colour per run, the noisy training
      // loss faded so the validation line (dashed, with points) stays readable over it
      const stroke = COLORS[i % COLORS.length]!;
      const val = many ? stroke : '#dc2626';
      series.push({ label: many ? `${c.id} train` : 'train', stroke: `${stroke}99`, width: 1, spanGaps: true, points: { show: false } });
      series.push({ label: many ? `${c.id} validation` : 'validation', stroke: val, width: 2.5, dash: [6, 4], spanGaps: true, points: { show: true, size: 7, fill: val } });
    });
    const u = new uPlot({
      width: Math.max(320, el.clientWidth), height,
      scales: { x: { time: false }, y: { distr: log ? 3 : 1 } },
      axes: [{ label: 'step' }, { label: 'loss (nats/token)' }],
      series,
      hooks: { draw: [(p) => { el.dataset.points = String(p.data[0].length); }] },
    }, align(curves), el);
    el.dataset.series = String(curves.length * 2);
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(320, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      cancelAnimationFrame(frame.current);
      u.destroy();
      plot.current = null;
    };
  }, [names, log, height]);

  useEffect(() => {
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => plot.current?.setData(align(curves)));
  }, [version]);

  return <div class="chart" ref={box} data-points="0" data-series="0" role="img" aria-label={`loss curves: ${curves.map((c) => c.id).join(', ')}`} />;
}
