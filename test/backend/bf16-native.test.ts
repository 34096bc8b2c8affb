/**
 * The native backend's bf16 kernels (AVX-512 BF16 where the CPU has it, else the same numerics
 * from rounded float32 operands) against the reference emulation: bf16-suite.ts.
 */
import { createNativeBackend } from '../../src/backend/native/index.js';
import { bf16Suite } from './bf16-suite.js';

bf16Suite('native-1t', (precision) => createNativeBackend({ threads: 1, precision }));
bf16Suite('native-2t', (precision) => createNativeBackend({ threads: 2, precision }));
