/**
 * The native backend's bf16 kernels against the reference emulation (bf16-suite.ts) and against
 * PyTorch's bf16 fixtures (the language models and classifiers, as js and wasm are held to them).
 */
import { createNativeBackend } from '../../src/backend/native/index.js';
import { bf16Suite } from './bf16-suite.js';
import { bf16Parity } from '../nn/lm-parity.js';
import { classifierBf16Parity } from '../nn/cls-parity.js';

bf16Suite('native-1t', (precision) => createNativeBackend({ threads: 1, precision }));
bf16Suite('native-2t', (precision) => createNativeBackend({ threads: 2, precision }));
bf16Parity('native-2t', () => createNativeBackend({ threads: 2, precision: 'bf16' }));
bf16Parity('native-avx2', () => createNativeBackend({ threads: 2, simd: 'avx2', precision: 'bf16' }));
classifierBf16Parity('native-2t', () => createNativeBackend({ threads: 2, precision: 'bf16' }));
