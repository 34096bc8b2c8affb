/**
 * wasm backend specifics the conformance suite does not reach: memory growth keeping tensors
 * valid, allocator reuse/coalescing, module selection, bit-exact dropout hash, and GEMM /
 * recurrent shapes large enough to cross the kernel's KC/MC/NC blocking.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createWasmBackend, type WasmBackend } from '../../src/backend/wasm/index.js';
import { JsBackend } from '../../src/backend/js/index.js';
import { cacheWidth, gates, type CellKind } from '../../src/backend/backend.js';
import { dropoutHash } from '../../src/util/rng.js';
import { Rng } from '../../src/util/rng.js';
import type { Tensor } from '../../src/tensor.js';

const ref = new JsBackend('float32');
const rng = new Rng(99);
const randn = (n: number, s = 1) => Float32Array.from({ length: n }, () => rng.normal() * s);

function relErr(want: ArrayLike<number>, got: ArrayLike<number>): number {
  assert.equal(got.length, want.length);
  let num = 0, den = 1e-30;
  for (let i = 0; i < want.length; i++) {
    num = Math.max(num, Math.abs(want[i] - got[i]));
    den = Math.max(den, Math.abs(want[i]));
  }
  return num / den;
}
function both(be: WasmBackend, n: number, init: Float32Array | null): [Tensor, Tensor] {
  const a = ref.alloc([n]), b = be.alloc([n]);
  if (init) {
    a.data.set(init);
    b.data.set(init);
  }
  return [a, b];
}

for (const relaxed of [true, false]) {
  const tag = relaxed ? 'wasm' : 'wasm-baseline';
  let be: WasmBackend | undefined;
  const get = async () => (be ??= await createWasmBackend({ relaxed }));

  test(`${tag}: identity and module choice`, async () => {
    const b = await get();
    assert.equal(b.name, 'wasm');
    assert.equal(b.dtype, 'float32');
    assert.equal(b.threads, 1);
    if (relaxed) {
      // Node 20+: relaxed SIMD is switched on at run time
      assert.equal(b.variant, 'relaxed');
      assert.equal(b.describe(), 'wasm (SIMD128 + relaxed FMA, 1 thread)');
    } else {
      assert.equal(b.variant, 'simd128');
      assert.match(b.describe(), /^wasm \(SIMD128, 1 thread/);
    }
  });

  test(`${tag}: memory growth keeps every tensor valid`, async () => {
    const b = await get();
    const small = b.alloc([1000]);
    const data = randn(1000);
    small.data.set(data);
    const ids = b.allocInt(17);
    ids.data.set(Array.from({ length: 17 }, (_, i) => i * 3));
    const before = b.memoryBytes;
    const big = b.alloc([(before / 4) * 2 + 12345]); // forces memory.grow (detaches old views)
    assert.ok(b.memoryBytes > before);
    assert.deepEqual(Array.from(small.data), Array.from(data));
    assert.equal(ids.data[16], 48);
    assert.equal(big.data.length, (before / 4) * 2 + 12345);
    assert.ok(big.data.every((v) => v === 0));
    // kernels still see the same numbers
    assert.ok(Math.abs(b.sumSquares(small, 1000) - data.reduce((s, v) => s + v * v, 0)) < 1e-6 * 1000);
    b.free(big);
    b.free(small);
    b.free(ids);
  });

  test(`${tag}: allocator reuses freed memory, blocks never overlap, alloc is zeroed`, async () => {
    const b = await get();
    const ts: Tensor[] = [];
    for (let i = 0; i < 200; i++) {
      const t = b.alloc([1 + ((i * 37) % 300)]);
      assert.equal(t.ptr % 64, 0);
      assert.ok(t.data.every((v) => v === 0));
      t.data.fill(i);
      ts.push(t);
    }
    for (let i = 0; i < 200; i += 2) b.free(ts[i]);
    b.free(ts[0]); // double free is ignored
    const mem = b.memoryBytes;
    for (let i = 0; i < 200; i += 2) {
      ts[i] = b.alloc([1 + ((i * 37) % 300)]);
      assert.ok(ts[i].data.every((v) => v === 0), 'reused block not zeroed');
      ts[i].data.fill(i);
    }
    assert.equal(b.memoryBytes, mem, 'reallocation after free should not grow');
    for (let i = 0; i < 200; i++) assert.ok(ts[i].data.every((v) => v === i), `tensor ${i} overwritten`);
    const live = b.heap.usedBytes;
    for (const t of ts) b.free(t);
    assert.ok(b.heap.usedBytes < live);
    // after freeing everything, one block as large as all of them together fits without growing
    const all = b.alloc([Math.floor(live / 4) - 64]);
    assert.equal(b.memoryBytes, mem);
    b.free(all);
  });

  test(`${tag}: dropout hash is bit-exact`, async () => {
    const b = await get();
    for (const seed of [0, 1, 987654321, 0xffffffff, 0x80000000]) {
      for (const i of [0, 1, 2, 3, 4, 1000, 65535, 1 << 20, 2147483647]) {
        assert.equal(b.dropoutHash(seed, i), dropoutHash(seed, i), `seed ${seed} i ${i}`);
      }
    }
    // p = 0 keeps all, p = 1 drops all
    const [x1, x2] = both(b, 37, randn(37));
    const y = b.alloc([37]);
    b.dropoutForward(y, x2, 37, 0, 5);
    assert.deepEqual(Array.from(y.data), Array.from(x1.data));
    b.dropoutForward(y, x2, 37, 1, 5);
    assert.ok(y.data.every((v) => v === 0));
  });

  test(`${tag}: GEMM across the KC/MC/NC blocking, all layouts, alpha/beta`, async () => {
    const b = await get();
    const shapes: [number, number, number][] = [
      [131, 37, 601], // M > MC, K > 2·KC
      [3, 4113, 300], // N > NC
      [70, 33, 1000], // big K (weight-gradient-like)
      [1, 2048, 512], // one row (sampling step): B used in place, no packing
      [4, 37, 9000], // few rows, op(A) too long to gather: packed path
      [64, 83, 512],
    ];
    let trial = 0;
    for (const [M, N, K] of shapes) {
      for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]]) {
        const alpha = [1, -0.5, 2][trial % 3], beta = [0, 1, 0.5][(trial + 1) % 3];
        trial++;
        const [a1, a2] = both(b, M * K, randn(M * K));
        const [b1, b2] = both(b, K * N, randn(K * N));
        const [c1, c2] = both(b, M * N, randn(M * N));
        ref.gemm(tA, tB, M, N, K, alpha, a1, 0, b1, 0, beta, c1, 0);
        b.gemm(tA, tB, M, N, K, alpha, a2, 0, b2, 0, beta, c2, 0);
        const e = relErr(c1.data, c2.data);
        assert.ok(e < 2e-5, `${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} ${M}x${N}x${K}: rel err ${e}`);
        for (const t of [a2, b2, c2]) b.free(t);
      }
    }
  });

  test(`${tag}: recurrent layers with H > KC, W_hh pre-packed (B = 5) and in place (B = 2)`, async () => {
    const b = await get();
    for (const [cell, B] of (['lstm', 'gru', 'rnn_tanh', 'rnn_relu'] as CellKind[]).flatMap((c) => [[c, 5], [c, 2]] as const)) {
      const T = 3, H = 263;
      const G = gates(cell) * H, W = cacheWidth(cell, H), lstm = cell === 'lstm';
      const [xw1, xw2] = both(b, T * B * G, randn(T * B * G));
      const [w1, w2] = both(b, G * H, randn(G * H, 1 / Math.sqrt(H)));
      const [bh1, bh2] = both(b, G, randn(G, 0.1));
      const [h01, h02] = both(b, B * H, randn(B * H, 0.5));
      const [c01, c02] = lstm ? both(b, B * H, randn(B * H, 0.5)) : [null, null];
      const [hs1, hs2] = both(b, T * B * H, null);
      const [ca1, ca2] = both(b, Math.max(1, T * B * W), null);
      ref.recurrentForward({ cell, T, B, H, xw: xw1, whh: w1, bhh: bh1, h0: h01, c0: c01, hs: hs1, cache: ca1, cT: null });
      b.recurrentForward({ cell, T, B, H, xw: xw2, whh: w2, bhh: bh2, h0: h02, c0: c02, hs: hs2, cache: ca2, cT: null });
      assert.ok(relErr(hs1.data, hs2.data) < 1e-4, `${cell} B${B} hs`);
      const [d1, d2] = both(b, T * B * H, randn(T * B * H));
      const [dx1, dx2] = both(b, T * B * G, null);
      const [dh1, dh2] = both(b, T * B * G, null);
      const [dw1, dw2] = both(b, G * H, null);
      const [db1, db2] = both(b, G, null);
      const [g01, g02] = both(b, B * H, null);
      ref.recurrentBackward({ cell, T, B, H, whh: w1, h0: h01, c0: c01, hs: hs1, cache: ca1, dhs: d1, dxw: dx1, dhw: dh1, dwhh: dw1, dbhh: db1, dh0: g01, dc0: null });
      b.recurrentBackward({ cell, T, B, H, whh: w2, h0: h02, c0: c02, hs: hs2, cache: ca2, dhs: d2, dxw: dx2, dhw: dh2, dwhh: dw2, dbhh: db2, dh0: g02, dc0: null });
      assert.ok(relErr(dx1.data, dx2.data) < 2e-4, `${cell} B${B} dxw`);
      assert.ok(relErr(dw1.data, dw2.data) < 2e-4, `${cell} B${B} dW_hh`);
      assert.ok(relErr(db1.data, db2.data) < 2e-4, `${cell} B${B} db_hh`);
      assert.ok(relErr(g01.data, g02.data) < 2e-4, `${cell} B${B} dh0`);
    }
  });

  test(`${tag}: cross-entropy over a large vocabulary; bad targets throw`, async () => {
    const b = await get();
    const n = 7, V = 5003;
    const targets = [5, 0, 5002, 17, 0, 1, 4000];
    const t1 = ref.allocInt(n), t2 = b.allocInt(n);
    t1.data.set(targets);
    t2.data.set(targets);
    const [l1, l2] = both(b, n * V, randn(n * V, 4));
    const [g1, g2] = both(b, n * V, null);
    const r1 = ref.crossEntropy(l1, t1, n, V, 0, g1, 1 / 5);
    const r2 = b.crossEntropy(l2, t2, n, V, 0, g2, 1 / 5);
    assert.equal(r2.count, 5);
    assert.ok(Math.abs(r1.loss - r2.loss) < 1e-5 * r1.loss, `loss ${r2.loss} vs ${r1.loss}`);
    assert.ok(relErr(g1.data, g2.data) < 2e-5);
    const r3 = b.crossEntropy(l2, t2, n, V, 0, null, 1);
    assert.ok(Math.abs(r1.loss - r3.loss) < 1e-5 * r1.loss);
    t2.data[3] = V;
    assert.throws(() => b.crossEntropy(l2, t2, n, V, 0, null, 1), RangeError);
    t2.data[3] = -1;
    assert.throws(() => b.crossEntropy(l2, t2, n, V, -100, null, 1), RangeError);
  });

  test(`${tag}: Adam matches PyTorch (test/fixtures/adam.json)`, async () => {
    const b = await get();
    const fx = JSON.parse(readFileSync(new URL('../../../test/fixtures/adam.json', import.meta.url), 'utf8')) as {
      lr: number; beta1: number; beta2: number; eps: number; weight_decay: number;
      param: number[]; grads: number[][]; params: number[][];
    };
    const n = fx.param.length;
    const p = b.alloc([n]), g = b.alloc([n]), m = b.alloc([n]), v = b.alloc([n]);
    p.data.set(fx.param);
    for (let s = 0; s < fx.grads.length; s++) {
      g.data.set(fx.grads[s]);
      b.adam(p, g, m, v, n, { lr: fx.lr, beta1: fx.beta1, beta2: fx.beta2, eps: fx.eps, step: s + 1, weightDecay: fx.weight_decay });
      assert.ok(relErr(fx.params[s], p.data) < 1e-6, `step ${s + 1}`);
    }
  });
}
