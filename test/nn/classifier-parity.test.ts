/**
 * The classifiers against PyTorch's fixtures on every backend, in fp32 and in bf16 mode (the
 * checks and the reasons for their tolerances: cls-parity.ts; native bf16: bf16-native.test.ts).
 */
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import type { Backend } from '../../src/backend/backend.js';
import { JsBackend } from '../../src/backend/js/index.js';
import { testBackends } from '../backends.js';
import { cases, classifierBf16Parity, dir, runFixture, type Fixture } from './cls-parity.js';

for (const { name, make } of [{ name: 'js', make: async () => new JsBackend('float32') as Backend }, ...testBackends()]) {
  for (const c of cases) {
    test(`${name}: classifier matches PyTorch (${c})`, async () => {
      runFixture(await make(), JSON.parse(readFileSync(`${dir}cls_${c}.json`, 'utf8')) as Fixture);
    });
  }
}

classifierBf16Parity('js', async () => new JsBackend('float32', 'bf16'));
classifierBf16Parity('wasm', async () => (await import('../../src/backend/wasm/index.js')).createWasmBackend({ precision: 'bf16' }));
