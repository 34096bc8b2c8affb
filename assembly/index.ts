// Entry point of the rnnlab wasm kernels (built by scripts/build-wasm.mjs into dist/wasm/).
// Every export takes byte addresses into the module's own memory; the TS side
// (src/backend/wasm/) owns the heap above heapBase() and passes scratch buffers in.
export { gemmCore, packBFull, packedSize, KC, MC, NC, DIRECT_M } from './gemm';
export { lstmForward, lstmBackward, gruForward, gruBackward, rnnForward, rnnBackward, sumRows } from './recurrent';
export {
  checkTargets, crossEntropy, dropout, dropoutHash, adam, sgd,
  embeddingForward, embeddingBackward, onehotForward, onehotBackward,
  addBias, fill, copy, scale, sumSquares, roundBf16,
} from './elementwise';

/** First byte after the module's static data: the TS heap starts here (rounded up). */
export function heapBase(): usize {
  return __heap_base;
}
