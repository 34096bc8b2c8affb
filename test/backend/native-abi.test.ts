/**
 * The native ABI derived from the op table: the committed C++ header (native/src/ops.gen.h)
 * is what the table renders today, the addon built from it reports the table's ABI version,
 * and an addon built from another table is refused with the reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ABI_VERSION, abiSignature, fnv1a } from '../../src/backend/native/abi.js';
import { renderOpsHeader } from '../../src/backend/native/codegen.js';
import { load, loadAddonFrom } from '../../src/backend/native/loader.js';

const header = fileURLToPath(new URL('../../../native/src/ops.gen.h', import.meta.url));

test('native/src/ops.gen.h is up to date with the op table (else: node scripts/gen-native-ops.mjs)', () => {
  assert.equal(readFileSync(header, 'utf8'), renderOpsHeader(), 'stale header: run `node scripts/gen-native-ops.mjs` and rebuild the addon');
});

test('the ABI version is the FNV-1a hash of the table signature, as the header computes it', () => {
  assert.equal(fnv1a(''), 0x811c9dc5);
  assert.equal(fnv1a('a'), 0xe40c292c);
  assert.equal(ABI_VERSION, fnv1a(abiSignature()));
  assert.ok(readFileSync(header, 'utf8').includes(`static_assert(kAbiVersion == 0x${ABI_VERSION.toString(16).padStart(8, '0')}u`));
});

test('the built addon reports the table\'s ABI version', () => {
  const l = load();
  assert.ok(l.addon && l.info, l.reason);
  assert.equal(l.info.abi, ABI_VERSION);
});

test('an addon built from another op table is refused, with the reason', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnnlab-abi-'));
  try {
    // require() loads a .cjs file as readily as a .node one: a stand-in that reports ABI 1
    const fake = join(dir, 'stale-addon.cjs');
    writeFileSync(fake, 'exports.info = () => ({ abi: 1 }); exports.setArgs = () => 0; exports.addressOf = () => 0;\n');
    const l = loadAddonFrom(fake);
    assert.equal(l.addon, null);
    const expected = `is stale (ABI 0x00000001, the op table's is 0x${ABI_VERSION.toString(16).padStart(8, '0')}); rebuild with`;
    assert.ok(l.reason.includes(expected), l.reason);
    // and through the public path: RNNLAB_NATIVE_PATH points at it, so native is unavailable
    const mod = fileURLToPath(new URL('../../src/backend/native/index.js', import.meta.url));
    const r = spawnSync(process.execPath, ['--input-type=module', '-e',
      `const m = await import(${JSON.stringify(mod)}); await m.createNativeBackend().then(() => console.log('loaded'), (e) => console.log(e.message));`],
    { encoding: 'utf8', env: { ...process.env, RNNLAB_NATIVE_PATH: fake } });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.startsWith('native backend unavailable: ') && r.stdout.includes(expected), r.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
