/**
 * Renders a Vega-Lite spec to an SVG string without a browser or a canvas: Vega-Lite compiles
 * the spec to Vega, Vega lays it out headless (renderer 'none') and serialises the scene.
 *
 * vega and vega-lite are imported on the first render, not when this module loads: together
 * they take ~0.2 s to load and every CLI command imports the library, most without drawing.
 *
 * The output is a pure function of the spec. Vega names the gradients and clip paths of a
 * drawing from process-wide counters (gradient_0, gradient_1, … across every drawing made), so
 * the same spec drawn twice would differ in those ids; they are renumbered per drawing, in
 * order of appearance. Text is measured by Vega's built-in estimate (no canvas package is a
 * dependency), which also makes the layout the same on every machine.
 */
import type { TopLevelSpec } from 'vega-lite';

export async function renderVegaLiteSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return stableIds(await view.toSVG());
  } finally {
    view.finalize(); // releases the view's timers and listeners
  }
}

/**
 * Renames Vega's generated ids (`gradient_N`, `clipN`) to `gradient_0…`, `clip0…` in order of
 * first appearance. Only attribute values inside tags are touched: in Vega's markup text
 * content never holds a raw `<` or `>`, and attribute values never hold a raw `"`, so a class
 * name that happens to read `url(#clip3)` is left alone.
 */
export function stableIds(svg: string): string {
  const renamed = new Map<string, string>();
  const counts = { gradient_: 0, clip: 0 };
  const rename = (id: string, prefix: 'gradient_' | 'clip') => {
    let to = renamed.get(id);
    if (to === undefined) {
      to = `${prefix}${counts[prefix]++}`;
      renamed.set(id, to);
    }
    return to;
  };
  return svg.replace(/<[^>]*>/g, (tag) =>
    tag.replace(/ (id|fill|stroke|clip-path)="(url\(#)?(gradient_|clip)(\d+)(\)?)"/g, (_m, attr: string, url: string | undefined, prefix: 'gradient_' | 'clip', n: string, close: string) =>
      ` ${attr}="${url ?? ''}${rename(prefix + n, prefix)}${close}"`),
  );
}
