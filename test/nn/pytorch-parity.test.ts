/**
 * The language model against PyTorch's fixtures on every backend, in fp32 and in bf16 mode (the
 * checks and the reasons for their tolerances: lm-parity.ts; native bf16: bf16-native.test.ts).
 */
import { JsBackend } from '../../src/backend/js/index.js';
import type { Backend } from '../../src/backend/backend.js';
import { testBackends } from '../backends.js';
import { bf16Parity, runFixture, cases, dir, type Fixture } from './lm-parity.js';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';

for (const { name, make } of [{ name: 'js', make: async () => new JsBackend('float32') as Backend }, ...testBackends()]) {
  for (const c of cases) {
    test(`${name}: language model matches PyTorch (${c})`, async () => {
      const f = JSON.parse(readFileSync(dir + `lm_${c}.json`, 'utf8')) as Fixture;
      runFixture(await make(), f);
    });
  }
}

bf16Parity('js', async () => new JsBackend('float32', 'bf16'));
bf16Parity('wasm', async () => (await import('../../src/backend/wasm/index.js')).createWasmBackend({ precision: 'bf16' }));
bf16Parity('wasm-baseline', async () => (await import('../../src/backend/wasm/index.js')).createWasmBackend({ precision: 'bf16', relaxed: false }));
