#!/usr/bin/env node
/**
 * Writes native/src/ops.gen.h — the C++ side of the native argument block (one struct per op,
 * its unpacking, the ABI version) — from the op table in src/backend/ops.ts, through the
 * compiled renderer (dist/src/backend/native/codegen.js: run `npm run build` first).
 *
 *   node scripts/gen-native-ops.mjs          regenerate after changing the op table
 *   node scripts/gen-native-ops.mjs --check  exit 1 when the committed header is stale
 *
 * The header is committed because `npm install` builds the addon before any TypeScript is
 * compiled; test/backend/native-abi.test.ts fails when it is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const header = join(root, 'native', 'src', 'ops.gen.h');
const codegen = join(root, 'dist', 'src', 'backend', 'native', 'codegen.js');

let renderOpsHeader;
try {
  ({ renderOpsHeader } = await import(pathToFileURL(codegen).href));
} catch (e) {
  console.error(`gen-native-ops: cannot load ${codegen} (run \`npm run build\` first): ${e instanceof Error ? e.message : e}`);
  process.exit(1);
}
const text = renderOpsHeader();
let old = '';
try {
  old = readFileSync(header, 'utf8');
} catch {
  // first generation
}
if (process.argv.includes('--check')) {
  if (old !== text) {
    console.error('gen-native-ops: native/src/ops.gen.h is stale; run `node scripts/gen-native-ops.mjs` and rebuild the addon');
    process.exit(1);
  }
  console.log('gen-native-ops: native/src/ops.gen.h is up to date');
} else if (old === text) {
  console.log('gen-native-ops: native/src/ops.gen.h is up to date');
} else {
  writeFileSync(header, text);
  console.log('gen-native-ops: wrote native/src/ops.gen.h (rebuild the addon: node scripts/build-native.mjs)');
}
