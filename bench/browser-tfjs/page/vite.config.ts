/**
 * The benchmark page (not part of `npm run build`): built by bench/browser-tfjs/run.ts into
 * dist/bench/browser-tfjs/www and served cross-origin isolated, like the browser example.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: here('.'),
  base: './',
  logLevel: 'warn',
  resolve: { alias: { 'rnnlab/browser': here('../../../dist/src/browser.js') } },
  build: {
    outDir: here('../../../dist/bench/browser-tfjs/www'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    rolldownOptions: {
      onLog(level, log, handler) {
        // rnnlab's Node-only code is imported lazily and only under Node (see examples/browser/vite.config.ts)
        if (/externalized for browser compatibility/.test(log.message)) return;
        if (log.code === 'INEFFECTIVE_DYNAMIC_IMPORT') return;
        handler(level, log);
      },
    },
  },
  preview: { headers },
});
