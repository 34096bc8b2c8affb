/**
 * The fast backends the suite tests besides the reference. Each is imported lazily so a
 * missing build shows up as a failing test, never as a silently skipped one.
 */
import type { Backend } from '../src/backend/backend.js';

export interface TestBackend {
  name: string;
  make: () => Promise<Backend>;
}

export function testBackends(): TestBackend[] {
  return [
    { name: 'wasm', make: async () => (await import('../src/backend/wasm/index.js')).createWasmBackend() },
    { name: 'wasm-baseline', make: async () => (await import('../src/backend/wasm/index.js')).createWasmBackend({ relaxed: false }) },
    // threaded, every op split that can be (the suites' shapes are small): workers on one shared memory
    { name: 'wasm-2t', make: async () => (await import('../src/backend/wasm/index.js')).createWasmBackend({ threads: 2, splitSmall: true }) },
    { name: 'native-1t', make: async () => (await import('../src/backend/native/index.js')).createNativeBackend({ threads: 1 }) },
    { name: 'native-2t', make: async () => (await import('../src/backend/native/index.js')).createNativeBackend({ threads: 2 }) },
    { name: 'native-avx2', make: async () => (await import('../src/backend/native/index.js')).createNativeBackend({ threads: 2, simd: 'avx2' }) },
    { name: 'native-scalar', make: async () => (await import('../src/backend/native/index.js')).createNativeBackend({ threads: 1, simd: 'scalar' }) },
  ];
}
