/**
 * The browser example as its own Vite project. `rnnlab/browser` is the package's browser entry,
 * built by `npm run build` into dist/src/; its wasm kernels (dist/wasm/*.wasm) are found with
 * `new URL(…, import.meta.url)`, which Vite turns into hashed assets of the build. Relative
 * asset paths (`base: './'`) let the build be served from any folder of any static server.
 * The headers make the page cross-origin isolated (SharedArrayBuffer, for a threaded backend).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: here('.'),
  base: './',
  resolve: { alias: { 'rnnlab/browser': here('../../dist/src/browser.js') } },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  worker: { format: 'es' },
  build: {
    outDir: here('../../dist/examples/browser'),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: true,
    rolldownOptions: {
      onLog(level, log, handler) {
        // rnnlab's Node-only code (the addon's loader, reading the .wasm from disk) is imported
        // lazily and only under Node: its node: imports are never loaded in the browser
        if (/externalized for browser compatibility/.test(log.message) && /[/\\]dist[/\\]src[/\\]/.test(log.message)) return;
        // createBackend() imports the wasm backend lazily, browser.ts statically: one chunk is right
        if (log.code === 'INEFFECTIVE_DYNAMIC_IMPORT') return;
        handler(level, log);
      },
    },
  },
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
});
