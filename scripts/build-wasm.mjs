#!/usr/bin/env node
// Compiles the AssemblyScript kernels in assembly/ to two WebAssembly modules:
//   dist/wasm/rnnlab.wasm          SIMD128
//   dist/wasm/rnnlab-relaxed.wasm  SIMD128 + relaxed SIMD (f32x4.relaxed_madd → FMA)
// Both: -O3, stub runtime (the kernels never allocate; the TS side owns the heap),
// exported growable memory. The loader (src/backend/wasm/) picks one at run time.
//
//   node scripts/build-wasm.mjs [--wat] [--force]
//     --wat    also write .wat text next to each .wasm
//     --force  rebuild even when the outputs are newer than every input
import { mkdir, readFile, readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'assembly', 'index.ts');
const outDir = join(root, 'dist', 'wasm');
const wantWat = process.argv.includes('--wat');
const force = process.argv.includes('--force') || wantWat;

const targets = [
  { file: 'rnnlab.wasm', extra: [] },
  { file: 'rnnlab-relaxed.wasm', extra: ['--enable', 'relaxed-simd'] },
];

/** Skip the (few seconds of) compilation when both outputs are newer than every input. */
async function upToDate() {
  const mtime = async (p) => (await stat(p)).mtimeMs;
  try {
    const srcDir = join(root, 'assembly');
    const inputs = (await readdir(srcDir)).filter((f) => f.endsWith('.ts')).map((f) => join(srcDir, f));
    inputs.push(fileURLToPath(import.meta.url), join(root, 'node_modules', 'assemblyscript', 'package.json'));
    const newestInput = Math.max(...(await Promise.all(inputs.map(mtime))));
    const outputs = await Promise.all(targets.map((t) => mtime(join(outDir, t.file))));
    return Math.min(...outputs) > newestInput;
  } catch {
    return false;
  }
}

if (!force && (await upToDate())) {
  console.log('build-wasm: dist/wasm is up to date');
  process.exit(0);
}

let asc;
try {
  asc = (await import('assemblyscript/asc')).default;
} catch (e) {
  console.error('build-wasm: the devDependency "assemblyscript" is missing (npm install).');
  throw e;
}

const common = [
  entry,
  '-O3',
  '--noAssert',
  '--runtime', 'stub',
  '--enable', 'simd',
  '--initialMemory', '16',
  '--use', 'abort=', // no env.abort import: the module needs no imports at all
];

await mkdir(outDir, { recursive: true });
for (const t of targets) {
  const out = join(outDir, t.file);
  const args = [...common, ...t.extra, '--outFile', out];
  if (wantWat) args.push('--textFile', out.replace(/\.wasm$/, '.wat'));
  const stderr = [];
  const { error } = await asc.main(args, {
    stdout: process.stdout,
    stderr: { write: (s) => { stderr.push(String(s)); return true; } },
  });
  if (error) {
    process.stderr.write(stderr.join(''));
    console.error(`build-wasm: ${t.file} failed: ${error.message}`);
    process.exit(1);
  }
  const warnings = stderr.join('');
  if (warnings.trim()) process.stderr.write(warnings);
  const bytes = await readFile(out);
  if (!WebAssembly.validate(bytes) && t.extra.length === 0) {
    console.error(`build-wasm: ${t.file} does not validate`);
    process.exit(1);
  }
  console.log(`build-wasm: ${t.file} (${(await stat(out)).size} bytes)`);
}
