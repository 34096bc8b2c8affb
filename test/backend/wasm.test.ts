// The wasm backend (both builds) against the reference on random shapes, every op.
import { conformanceSuite } from './conformance-suite.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';

conformanceSuite('wasm', () => createWasmBackend());
conformanceSuite('wasm-baseline', () => createWasmBackend({ relaxed: false }));
