#!/usr/bin/env node
// The browser tests drive Debian's Chromium (never a downloaded one). `npm test` runs this first:
// when Chromium is missing and we are root on Debian, it installs the `chromium` package;
// otherwise it says in one line what to do.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const path = process.env.RNNLAB_CHROMIUM ?? '/usr/bin/chromium';
if (existsSync(path)) process.exit(0);
if (process.env.RNNLAB_CHROMIUM) fail(`RNNLAB_CHROMIUM=${path} does not exist`);

const root = typeof process.getuid === 'function' && process.getuid() === 0;
// Debian's package is a real browser; Ubuntu's `chromium` is a transitional snap, unusable here.
const debian = existsSync('/etc/os-release') && /^ID=debian$/m.test(readFileSync('/etc/os-release', 'utf8'));
if (!root || !debian) fail(`the browser tests need Chromium at ${path}: install Debian's chromium (apt-get install chromium) or set RNNLAB_CHROMIUM`);

console.error("browser tests: installing Debian's chromium (apt-get) …");
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [['update', '-qq'], ['install', '-y', '-qq', 'chromium']]) {
  const r = spawnSync('apt-get', args, { env, encoding: 'utf8' });
  if (r.status !== 0) fail(`apt-get ${args.join(' ')} failed: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
}
if (!existsSync(path)) fail(`apt-get installed chromium but ${path} is still missing`);
console.error(`browser tests: ${spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout.trim()}`);

function fail(msg) {
  console.error(`error: ${msg}`);
  process.exit(1);
}
