#!/usr/bin/env node
/**
 * Builds the optional native backend (C++ N-API addon in native/) at install time.
 *
 *   node scripts/build-native.mjs            (run by `npm install` / `npm ci` as the "install" script)
 *   node scripts/build-native.mjs --verbose  (echo node-gyp's output)
 *
 * Runs `node-gyp rebuild` in native/ and copies the result to build/Release/rnnlab_native.node,
 * where src/backend/native/index.ts looks for it. Never fails the install: if anything goes wrong
 * (no compiler, no Node headers, no node-gyp, ...) it prints one line and exits 0, and rnnlab
 * uses the wasm backend. The full log is kept in build/native-build.log.
 *
 * Environment: RNNLAB_SKIP_NATIVE=1 skips the build; RNNLAB_NATIVE_STRICT=1 makes a failed build
 * exit 1 (for CI, which must test the native backend).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');
const outDir = join(root, 'build', 'Release');
const outFile = join(outDir, 'rnnlab_native.node');
const logFile = join(root, 'build', 'native-build.log');
const verbose = process.argv.includes('--verbose');
const strict = process.env.RNNLAB_NATIVE_STRICT === '1';

function unavailable(why) {
  // Never leave an older addon behind: it could be stale against the current sources.
  try {
    rmSync(outFile, { force: true });
  } catch {
    // nothing to remove
  }
  console.log(`rnnlab: native backend unavailable (${why}); rnnlab will use the wasm backend.`);
  process.exit(strict ? 1 : 0);
}

function main() {
  if (process.env.RNNLAB_SKIP_NATIVE === '1') unavailable('RNNLAB_SKIP_NATIVE=1');
  if (!existsSync(join(nativeDir, 'binding.gyp'))) unavailable('native/binding.gyp not in this package');

  let gypBin;
  try {
    gypBin = createRequire(join(root, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    unavailable('node-gyp is not installed');
  }

  const args = [gypBin, 'rebuild', '--release', `--jobs=${process.env.JOBS ?? 2}`];
  // node-gyp needs Node's headers. npm passes its `nodedir` config as npm_config_nodedir; when this
  // script runs by hand, fall back to the headers installed next to the node binary (offline-safe).
  if (!process.env.npm_config_nodedir) {
    const prefix = resolve(dirname(process.execPath), '..');
    if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
  }

  const r = spawnSync(process.execPath, args, {
    cwd: nativeDir,
    encoding: 'utf8',
    stdio: verbose ? 'inherit' : 'pipe',
    env: process.env,
  });
  try {
    mkdirSync(dirname(logFile), { recursive: true });
    writeFileSync(logFile, `${r.stdout ?? ''}\n${r.stderr ?? ''}\n${r.error ? String(r.error) : ''}\n`);
  } catch {
    // the log is a convenience only
  }
  const built = join(nativeDir, 'build', 'Release', 'rnnlab_native.node');
  if (r.status !== 0 || !existsSync(built)) {
    const why = r.error ? r.error.message : `node-gyp exited with ${r.status}`;
    unavailable(`${why}; see build/native-build.log`);
  }
  try {
    mkdirSync(outDir, { recursive: true });
    // Copy beside, then rename: overwriting a shared object in place crashes processes that have it loaded.
    const tmp = `${outFile}.${process.pid}.tmp`;
    copyFileSync(built, tmp);
    renameSync(tmp, outFile);
  } catch (e) {
    unavailable(`cannot copy the addon: ${e instanceof Error ? e.message : String(e)}`);
  }
  // Smoke test in a child process: a binary that does not load is as good as none.
  const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(outFile)}).info()`], { encoding: 'utf8' });
  if (probe.status !== 0) unavailable(`the built addon does not load: ${(probe.stderr || '').trim().split('\n')[0]}`);
  console.log('rnnlab: native backend built (build/Release/rnnlab_native.node).');
}

main();
