/**
 * The type of NativeBackend's `precision` (Backend.precision), for an addon build that
 * predates bf16 kernels: such a NativeBackend carries no value, and createBackend (select.ts)
 * reads a missing one as fp32 and refuses it for bf16. Once NativeBackend declares the field
 * itself this declaration merges with it (same type) and can go.
 */
import type { Precision } from './backend.js';

declare module './native/index.js' {
  interface NativeBackend {
    readonly precision: Precision;
  }
}
