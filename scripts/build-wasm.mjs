#!/usr/bin/env node
// Compiles the AssemblyScript kernels in assembly/ to four WebAssembly modules:
//   dist/wasm/rnnlab.wasm                 SIMD128
//   dist/wasm/rnnlab-relaxed.wasm         SIMD128 + relaxed SIMD (f32x4.relaxed_madd → FMA)
//   dist/wasm/rnnlab-shared.wasm          SIMD128 + threads (atomics), imported shared memory
//   dist/wasm/rnnlab-relaxed-shared.wasm  the same with relaxed SIMD
// All: -O3, stub runtime (the kernels never allocate; the TS side owns the heap). The first two
// export a growable memory of their own; the shared builds (entry assembly/index-threads.ts:
// the same kernels plus the threaded ones) import one shared memory with a fixed maximum
// (4 GiB), which every worker instantiates the module on. The loader (src/backend/wasm/)
// picks one at run time.
//
// It also writes src/backend/wasm/kernels.gen.ts, the TypeScript type of the module's exports,
// from the declarations `asc --bindings raw` emits: the adapter's kernel signatures are the
// AssemblyScript ones, never retyped by hand. (Committed, so the sources typecheck before a
// wasm build; rewritten by every build, so it cannot fall behind assembly/.)
//
//   node scripts/build-wasm.mjs [--wat] [--force]
//     --wat    also write .wat text next to each .wasm
//     --force  rebuild even when the outputs are newer than every input
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'assembly', 'index.ts');
const outDir = join(root, 'dist', 'wasm');
const typesFile = join(root, 'src', 'backend', 'wasm', 'kernels.gen.ts');
const wantWat = process.argv.includes('--wat');
const force = process.argv.includes('--force') || wantWat;

const entryThreads = join(root, 'assembly', 'index-threads.ts');
const shared = ['--enable', 'threads', '--importMemory', '--sharedMemory', '--maximumMemory', '65536'];
// `types`: the namespace of kernels.gen.ts written from this build's declarations
const targets = [
  { file: 'rnnlab.wasm', entry, extra: [], types: 'WasmExports' },
  { file: 'rnnlab-relaxed.wasm', entry, extra: ['--enable', 'relaxed-simd'] },
  { file: 'rnnlab-shared.wasm', entry: entryThreads, extra: shared, types: 'WasmThreadExports' },
  { file: 'rnnlab-relaxed-shared.wasm', entry: entryThreads, extra: [...shared, '--enable', 'relaxed-simd'] },
];

/** Skip the (few seconds of) compilation when both outputs are newer than every input. */
async function upToDate() {
  const mtime = async (p) => (await stat(p)).mtimeMs;
  try {
    const srcDir = join(root, 'assembly');
    const inputs = (await readdir(srcDir)).filter((f) => f.endsWith('.ts')).map((f) => join(srcDir, f));
    inputs.push(fileURLToPath(import.meta.url), join(root, 'node_modules', 'assemblyscript', 'package.json'));
    const newestInput = Math.max(...(await Promise.all(inputs.map(mtime))));
    const outputs = await Promise.all([...targets.map((t) => mtime(join(outDir, t.file))), mtime(typesFile)]);
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
  '-O3',
  '--noAssert',
  '--runtime', 'stub',
  '--enable', 'simd',
  '--initialMemory', '16',
  '--use', 'abort=', // no env.abort import: the module needs no imports at all
];

await mkdir(outDir, { recursive: true });
const typeBlocks = [];
for (const t of targets) {
  const out = join(outDir, t.file);
  const args = [t.entry, ...common, ...t.extra, '--outFile', out];
  // the module's declarations (the same exports in both builds of an entry): from the first one
  if (t.types) args.push('--bindings', 'raw');
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
  if (t.types) typeBlocks.push(await kernelTypes(out, t.types));
}
await writeKernelTypes(typeBlocks);

/** One namespace of kernels.gen.ts from the bindings' .d.ts (whose glue .js we do not use: the adapter calls the raw exports). */
async function kernelTypes(wasmFile, name) {
  const dts = wasmFile.replace(/\.wasm$/, '.d.ts');
  const glue = wasmFile.replace(/\.wasm$/, '.js');
  const text = await readFile(dts, 'utf8');
  await Promise.all([rm(dts, { force: true }), rm(glue, { force: true })]);
  const m = /declare namespace __AdaptedExports \{\n([\s\S]*?)\n\}\n/.exec(text);
  if (!m) {
    console.error(`build-wasm: unexpected declarations in ${dts}`);
    process.exit(1);
  }
  return [`declare namespace ${name} {`, m[1], '}'].join('\n');
}

async function writeKernelTypes(blocks) {
  const body = [
    '// GENERATED by scripts/build-wasm.mjs from `asc --bindings raw` (assembly/index.ts and',
    '// assembly/index-threads.ts): do not edit. The kernel modules\' exports. usize parameters are',
    '// byte addresses into `memory`; 0 means "absent" for optional tensors (the heap never hands',
    '// out address 0).',
    ...blocks,
    'export type WasmKernels = typeof WasmExports;',
    '/** The shared-memory build: the same kernels plus the threaded ones. */',
    'export type WasmThreadKernels = typeof WasmThreadExports;',
    '',
  ].join('\n');
  const old = await readFile(typesFile, 'utf8').catch(() => '');
  if (old !== body) await writeFile(typesFile, body);
}
