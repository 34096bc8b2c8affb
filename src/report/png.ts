/**
 * SVG → PNG with resvg (a Rust renderer shipped as a prebuilt binary on npm: no browser, no
 * canvas, no system packages). Text is drawn with the machine's fonts; where the SVG names a
 * font that is missing (Vega asks for sans-serif) resvg falls back to the first font it finds.
 * Loaded on the first conversion only, like vega.
 */
export interface PngOptions {
  /** Pixels per SVG unit (2: sharp on high-density screens and in slides). */
  scale?: number;
  /** Fill behind the drawing ('white'); Vega's SVG is transparent where nothing is drawn. */
  background?: string;
}

export async function svgToPng(svg: string, options: PngOptions = {}): Promise<Uint8Array> {
  const { Resvg } = await import('@resvg/resvg-js');
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: options.scale ?? 2 },
    background: options.background ?? 'white',
    logLevel: 'off',
  });
  return resvg.render().asPng();
}
