/**
 * The dashboard's front end (`rnnlab serve` serves dist/web). Every asset is bundled: the page
 * makes no request beyond the server it came from. Absolute asset paths (`base: '/'`) because
 * the single-page app's routes are hash routes under `/`.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: here('../dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: true,
  },
});
