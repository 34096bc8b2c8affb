/**
 * The live loss curve: uPlot over the step losses (and the validation losses as a second
 * series). Points arrive faster than frames, so the chart redraws at most once per frame; the
 * container's data-points says how many points the last redraw drew (the browser test reads it).
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface LossSeries {
  steps: number[];
  loss: number[];
  /** Validation loss at the steps it was measured, null elsewhere. */
  val: (number | null)[];
}

export function LossChart({ series, version, log }: { series: LossSeries; version: number; log: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const frame = useRef(0);

  useEffect(() => {
    const el = box.current!;
    const u = new uPlot({
      width: Math.max(320, el.clientWidth), height: 260,
      scales: { x: { time: false }, y: { distr: log ? 3 : 1 } },
      axes: [{ label: 'step' }, { label: 'loss (nats/char)' }],
      series: [
        { label: 'step' },
        { label: 'train', stroke: '#2563eb', width: 1.5, points: { show: false } },
        { label: 'validation', stroke: '#dc2626', width: 2, spanGaps: true, points: { show: true, size: 6 } },
      ],
      hooks: { draw: [(p) => { el.dataset.points = String(p.data[0].length); }] },
    }, [series.steps, series.loss, series.val], el);
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(320, el.clientWidth), height: 260 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      cancelAnimationFrame(frame.current);
      u.destroy();
      plot.current = null;
    };
  }, [log]);

  useEffect(() => {
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => plot.current?.setData([series.steps, series.loss, series.val]));
  }, [version]);

  return <div class="chart" ref={box} data-points="0" />;
}
