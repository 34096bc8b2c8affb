/**
 * `npm run bench:browser`: CL-S training throughput in headless Chromium, rnnlab (wasm backend)
 * against TensorFlow.js (its pure-JS "cpu" backend, and its wasm backend), in the same tab.
 * Builds the page (bench/browser-tfjs/page) with Vite, serves it cross-origin isolated with
 * `vite preview`, drives Debian's Chromium with playwright-core, prints a Markdown table with
 * the ratios and saves it with the raw numbers in bench/results/ (--no-save to skip).
 *
 *   node dist/bench/browser-tfjs/run.js [--seconds 5] [--sides rnnlab-wasm,tfjs-cpu,tfjs-wasm] [--out DIR] [--no-save]
 *                                       [--workload CL-S] [--threads 1,2]
 *
 * --workload: another LM workload of bench/workloads.ts for the rnnlab side (e.g. CL-M with
 * `--sides rnnlab-wasm`: the TF.js sides model CL-S only); --threads: the wasm backend's thread
 * counts, one rnnlab row each, the threaded rows with their speed-up over the first.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';
import type { PageResult, SideResult } from './result.js';

/** dist/bench/browser-tfjs/ → the package root. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHROMIUM = process.env.RNNLAB_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function table(r: PageResult): string {
  const base = r.results.find((s) => s.side.startsWith('rnnlab-wasm'));
  const vs = (s: SideResult) => {
    if (!base || s === base) return '';
    // a threaded rnnlab row: its speed-up over the first rnnlab row
    if (s.side.startsWith('rnnlab-wasm')) return `${(s.tokensPerSec / base.tokensPerSec).toFixed(2)}× the first rnnlab row`;
    return `${(base.tokensPerSec / s.tokensPerSec).toFixed(1)}×`;
  };
  const rows = r.results.map((s) => `| ${s.side} | ${s.detail} | ${s.steps} | ${s.msPerStep.toFixed(2)} | ${Math.round(s.tokensPerSec).toLocaleString('en-US')} | ${vs(s)} | ${s.firstLoss.toFixed(3)} → ${s.lastLoss.toFixed(3)} |`);
  const errors = Object.entries(r.errors).map(([side, e]) => `| ${side} | failed: ${e} | | | | | |`);
  return [
    `${r.workload} (${r.title}) training in headless Chromium (${r.userAgent.match(/Chrome\/[\d.]+/)?.[0] ?? r.userAgent}), crossOriginIsolated ${r.crossOriginIsolated}`,
    '',
    '| side | runs on | timed steps | ms/step | tokens/s | rnnlab is … faster | loss (first → last) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    ...errors,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values: o } = parseArgs({
    options: {
      seconds: { type: 'string', default: '5' },
      sides: { type: 'string', default: 'rnnlab-wasm,tfjs-cpu,tfjs-wasm' },
      out: { type: 'string', default: join(ROOT, 'bench', 'results') },
      'no-save': { type: 'boolean', default: false },
      workload: { type: 'string', default: 'CL-S' },
      threads: { type: 'string', default: '1' },
    },
  });
  const configFile = join(ROOT, 'bench', 'browser-tfjs', 'page', 'vite.config.ts');
  process.stderr.write('building the page…\n');
  await build({ configFile });
  const server = await preview({ configFile, preview: { port: 0, host: '127.0.0.1' } });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const url = server.resolvedUrls?.local[0];
    if (!url) throw new Error('vite preview gave no URL');
    const page = await browser.newPage();
    page.on('console', (m) => process.stderr.write(`  [page] ${m.text()}\n`));
    page.on('pageerror', (e) => process.stderr.write(`  [page error] ${e.message}\n`));
    const q = new URLSearchParams({ seconds: o.seconds!, sides: o.sides!, workload: o.workload!, threads: o.threads! });
    await page.goto(`${url}?${q}`);
    const log = page.locator('#log');
    let shown = 0;
    const deadline = Date.now() + 15 * 60_000;
    for (;;) {
      if (Date.now() > deadline) throw new Error('no result after 15 minutes');
      const done = await page.evaluate(() => '__result' in window || '__error' in window);
      const text = await log.innerText();
      if (text.length > shown) {
        process.stderr.write(text.slice(shown));
        shown = text.length;
      }
      if (done) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const error = await page.evaluate(() => (window as unknown as { __error?: string }).__error);
    if (error) throw new Error(`the page failed: ${error}`);
    const result = await page.evaluate(() => (window as unknown as { __result: PageResult }).__result);
    const md = table(result);
    process.stdout.write(md + '\n');
    if (!o['no-save']) {
      mkdirSync(o.out!, { recursive: true });
      const stamp = new Date().toISOString().slice(0, 16).replace('T', '_').replace(':', '');
      const file = join(o.out!, `${stamp}_browser-${o.workload === 'CL-S' ? 'tfjs' : o.workload}`);
      writeFileSync(`${file}.md`, md + '\n');
      writeFileSync(`${file}.json`, JSON.stringify(result, null, 2) + '\n');
      process.stderr.write(`saved ${file}.md and .json\n`);
    }
  } finally {
    await browser.close();
    await new Promise<void>((r) => server.httpServer.close(() => r()));
  }
}

main().catch((e) => {
  process.stderr.write(`bench:browser: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
