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
  // `npx vite web` (hot reload) in front of a running `rnnlab serve` (RNNLAB_SERVE, default
  // http://127.0.0.1:7878): the API is proxied under the server's own Host, and without the dev
  // server's Origin (the browser's Sec-Fetch-Site still says same-origin), so its checks pass
  server: {
    headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
    proxy: {
      '/api': {
        target: process.env.RNNLAB_SERVE ?? 'http://127.0.0.1:7878',
        changeOrigin: true,
        configure: (proxy) => proxy.on('proxyReq', (req) => req.removeHeader('origin')),
      },
    },
  },
  build: {
    outDir: here('../dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: true,
  },
});
