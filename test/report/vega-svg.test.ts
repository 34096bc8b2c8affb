import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderVegaLiteSvg, stableIds } from '../../src/report/vega-svg.js';

describe('Vega-Lite to SVG', () => {
  it('renames generated gradient and clip ids by first appearance, in tags only', () => {
    const svg = '<svg><g clip-path="url(#clip7)"><path fill="url(#gradient_12)"/><path stroke="url(#gradient_3)"/></g>'
      + '<text>url(#clip7) id="gradient_12"</text><text aria-label="fill=&quot;url(#clip9)&quot;">x</text>'
      + '<defs><clipPath id="clip7"/><linearGradient id="gradient_12"/><linearGradient id="gradient_3"/></defs></svg>';
    assert.equal(
      stableIds(svg),
      '<svg><g clip-path="url(#clip0)"><path fill="url(#gradient_0)"/><path stroke="url(#gradient_1)"/></g>'
        + '<text>url(#clip7) id="gradient_12"</text><text aria-label="fill=&quot;url(#clip9)&quot;">x</text>'
        + '<defs><clipPath id="clip0"/><linearGradient id="gradient_0"/><linearGradient id="gradient_1"/></defs></svg>',
    );
  });

  it('renders a spec with a clipped mark and a gradient legend the same way twice', async () => {
    const spec = {
      data: { values: [{ x: 1, y: 2 }, { x: 3, y: 5 }] },
      mark: { type: 'point' as const, clip: true },
      encoding: {
        x: { field: 'x', type: 'quantitative' as const, scale: { domain: [0, 2] } },
        y: { field: 'y', type: 'quantitative' as const },
        color: { field: 'y', type: 'quantitative' as const },
      },
    };
    const a = await renderVegaLiteSvg(spec);
    const b = await renderVegaLiteSvg(spec);
    assert.ok(a.includes('url(#clip0)') && a.includes('url(#gradient_0)'), 'both kinds of generated id are present');
    assert.equal(b, a);
  });
});
