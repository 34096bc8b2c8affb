// Entry point of the shared-memory build (scripts/build-wasm.mjs): every kernel of index.ts,
// plus the threaded ones (threads.ts) that split work across instances on one shared memory.
export * from './index';
export { threadInit, gemmMT, recurrentForwardMT, recurrentBackwardMT } from './threads';
