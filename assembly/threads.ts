// Threaded kernels of the shared-memory build (dist/wasm/rnnlab*-shared.wasm): every thread (the
// caller as thread 0, workers 1..nt-1) runs the same export with its own `tid` on the one shared
// memory. The split follows native/src/gemm_mt.cc and recurrent_mt.cc: each output element is
// computed by one thread with the serial kernels, in the same order, so results are
// bit-identical to one thread.
//
// The control block `ctl` (set per instance by threadInit; src/backend/wasm/pool.ts owns its
// layout) holds the barrier words at +8/+12, the job's work-item counter at +28, and each
// thread's scratch at SLOTS + 8·tid: its GEMM packing buffers (packA: MC·KC floats, packB:
// KC·min(NC, pad16(columns)) floats).
import { gemmImpl, packBFull, packedSize, setEdge } from './gemm';
import { roundBf16 } from './elementwise';
import { lstmFwdUnits, lstmBwdUnits, gruFwdUnits, gruBwdUnits, rnnFwdUnits, sumRowsStrided } from './recurrent';

let ctl: usize = 0;
let canWait = true;
const SLOTS: usize = 512;
/** Spins (atomic loads) before sleeping in a barrier: a step's work is tens of µs, a futex wake-up ~10–50 µs. */
const SPIN = 20000;

/** Per instance: the control block, this thread's edge-tile scratch, whether it may block (a page's main thread may not). */
export function threadInit(control: usize, edge: usize, wait: i32): void {
  ctl = control;
  if (edge) setEdge(edge);
  canWait = wait != 0;
}

// @ts-ignore: decorator
@inline function packAOf(tid: i32): usize {
  return <usize>load<u32>(ctl + SLOTS + (<usize>tid << 3));
}
// @ts-ignore: decorator
@inline function packBOf(tid: i32): usize {
  return <usize>load<u32>(ctl + SLOTS + (<usize>tid << 3), 4);
}

/** All nt threads reach it before any leaves (a count and a generation word, reset by the last to arrive). */
function barrier(nt: i32): void {
  if (nt <= 1) return;
  const cnt = ctl + 8, genP = ctl + 12;
  const gen = atomic.load<i32>(genP);
  if (atomic.add<i32>(cnt, 1) == nt - 1) {
    atomic.store<i32>(cnt, 0);
    atomic.add<i32>(genP, 1);
    atomic.notify(genP, nt);
    return;
  }
  for (let i = 0; i < SPIN; i++) if (atomic.load<i32>(genP) != gen) return;
  while (atomic.load<i32>(genP) == gen) {
    if (canWait) atomic.wait<i32>(genP, gen, -1);
  }
}

/**
 * The next work item of this job below `end`, or -1: items are claimed, not assigned, so a
 * thread that gets less of the CPU (a busy machine) does fewer of them. The counter (ctl+28,
 * zeroed per job) only grows; a phase's items are ids [end − items, end).
 */
function claim(end: i32): i32 {
  const p = ctl + 28;
  let v = atomic.load<i32>(p);
  while (v < end) {
    const seen = atomic.cmpxchg<i32>(p, v, v + 1);
    if (seen == v) return v;
    v = seen;
  }
  return -1;
}

// ---------------------------------------------------------------- GEMM

/**
 * C = alpha·op(A)·op(B) + beta·C in items: blocks of `per` columns when byCols (per a multiple
 * of 16: whole micro-kernel panels, and whole 4-column groups of the few-row path), else of
 * `per` rows (even; M > DIRECT_M, and the few-row path is kept off so a short last block is
 * summed as the whole product is).
 */
export function gemmMT(
  tid: i32, nt: i32, byCols: i32, per: i32, transA: i32, transB: i32, M: i32, N: i32, K: i32, alpha: f32,
  A: usize, lda: i32, B: usize, ldb: i32, beta: f32, C: usize, ldc: i32,
): void {
  const pa = packAOf(tid), pb = packBOf(tid);
  const items = ((byCols ? N : M) + per - 1) / per;
  for (let i = claim(items); i >= 0; i = claim(items)) {
    const lo = i * per;
    if (byCols) {
      const n = min(per, N - lo);
      const b = transB ? B + (<usize>lo * <usize>ldb << 2) : B + (<usize>lo << 2);
      gemmImpl(transA, transB, M, n, K, alpha, A, lda, b, ldb, beta, C + (<usize>lo << 2), ldc, pa, pb, 0, true);
    } else {
      const m = min(per, M - lo);
      const a = transA ? A + (<usize>lo << 2) : A + (<usize>lo * <usize>lda << 2);
      gemmImpl(transA, transB, m, N, K, alpha, a, lda, B, ldb, beta, C + (<usize>lo * <usize>ldc << 2), ldc, pa, pb, 0, false);
    }
  }
}

// ---------------------------------------------------------------- recurrent layers
//
// The hidden units are cut into chunks of cu (a multiple of 16; the last may be shorter). Each
// step is one phase of items, one per chunk, claimed by the threads, and ends at a barrier (h_t
// complete before any step's next GEMM). The forward item of chunk c: its gate columns of
// h_{t-1}·W_hhᵀ (its rows of W_hh, packed gate by gate into its region of `wp` at step 0), the
// gate math of its units and their c state. Backward (as native's recurrent_mt.cc), phase
// r = T..0, item c: for r < T, dh reaching h_r: dhNext[:, c] = dgates_r·W_hh[:, c] (+ dh·z for the
// GRU), then for r > 0 the gate gradients of step r − 1 for chunk c; after phase 0 the chunks'
// rows of dW_hh and db_hh are split again, by gate rows (items of wrows).
// bf16: `hb` holds 2·B·H floats (h rounded, double-buffered by step parity); `rdg` the rounded
// gate gradients; W_hh, rh0 and rhs come rounded from the caller.

// @ts-ignore: decorator
@inline function chunkLen(c: i32, cu: i32, H: i32): i32 {
  return min(cu, H - c * cu);
}

/** Rounds rows [0, B) × units [u0, u0+n) of src (row stride ld) into dst (same layout). */
function roundChunk(dst: usize, src: usize, B: i32, ld: i32, u0: i32, n: i32): void {
  for (let b = 0; b < B; b++) {
    const o = (<usize>b * <usize>ld + <usize>u0) << 2;
    roundBf16(dst + o, src + o, n);
  }
}

/**
 * Forward of any cell. Cells: 0 LSTM, 1 GRU, 2 tanh RNN, 3 ReLU RNN. pre: B·G scratch (unused
 * by the RNN, whose GEMM writes into hs), cbuf: B·H (LSTM), wp: chunks·gates·packedSize(H, cu).
 */
export function recurrentForwardMT(
  tid: i32, nt: i32, cu: i32, cell: i32, T: i32, B: i32, H: i32, xw: usize, whh: usize, bhh: usize, h0: usize, c0: usize,
  hs: usize, cache: usize, cT: usize, pre: usize, cbuf: usize, wp: usize, hb: usize,
): void {
  const ng = cell == 0 ? 4 : cell == 1 ? 3 : 1;
  const G = ng * H;
  const BH = <usize>B * <usize>H;
  const nch = (H + cu - 1) / cu;
  const pa = packAOf(tid);
  const wsz = <usize>packedSize(H, cu) << 2;
  const kw = cell == 0 ? 5 * H : 4 * H;
  if (hb) {
    if (tid == 0) roundBf16(hb, h0, <i32>BH);
    barrier(nt);
  }
  let end = 0;
  for (let t = 0; t < T; t++) {
    end += nch;
    const hprev = t == 0 ? h0 : hs + (<usize>(t - 1) * BH << 2);
    const src = hb ? hb + (<usize>(t & 1) * BH << 2) : hprev;
    for (let id = claim(end); id >= 0; id = claim(end)) {
      const c = id - (end - nch);
      const u0 = c * cu, n = chunkLen(c, cu, H), u1 = u0 + n;
      const w0 = wp + <usize>(c * ng) * wsz;
      if (t == 0) {
        for (let g = 0; g < ng; g++) packBFull(1, H, n, whh + (<usize>(g * H + u0) * <usize>H << 2), H, w0 + <usize>g * wsz);
        if (cell == 0) {
          for (let b = 0; b < B; b++) {
            const o = (<usize>b * <usize>H + <usize>u0) << 2;
            if (c0) memory.copy(cbuf + o, c0 + o, <usize>n << 2);
            else memory.fill(cbuf + o, 0, <usize>n << 2);
          }
        }
      }
      const out = cell >= 2 ? hs + (<usize>t * BH << 2) : pre;
      const ldo = cell >= 2 ? H : G;
      for (let g = 0; g < ng; g++) {
        gemmImpl(0, 1, B, n, H, 1, src, H, w0 + <usize>g * wsz, H, 0, out + (<usize>(g * H + u0) << 2), ldo, pa, 0, 1, true);
      }
      for (let b = 0; b < B; b++) {
        const row = <usize>t * <usize>B + <usize>b;
        const xr = xw + (row * <usize>G << 2);
        const hr = hs + (row * <usize>H << 2);
        const kr = cache ? cache + (row * <usize>kw << 2) : 0;
        if (cell == 0) {
          lstmFwdUnits(H, u0, u1, pre + (<usize>b * <usize>G << 2), xr, bhh, cbuf + (<usize>b * <usize>H << 2), hr, kr);
        } else if (cell == 1) {
          gruFwdUnits(H, u0, u1, pre + (<usize>b * <usize>G << 2), xr, bhh, hprev + (<usize>b * <usize>H << 2), hr, kr);
        } else {
          rnnFwdUnits(cell == 3 ? 1 : 0, u0, u1, xr, bhh, hr);
        }
      }
      if (hb) roundChunk(hb + (<usize>((t + 1) & 1) * BH << 2), hs + (<usize>t * BH << 2), B, H, u0, n);
      if (cell == 0 && cT && t == T - 1) {
        for (let b = 0; b < B; b++) {
          const o = (<usize>b * <usize>H + <usize>u0) << 2;
          memory.copy(cT + o, cbuf + o, <usize>n << 2);
        }
      }
    }
    barrier(nt);
  }
  // T = 0: the final c state is c0 (or zeros)
  if (cell == 0 && cT && T == 0 && tid == 0) {
    if (c0) memory.copy(cT, c0, BH << 2);
    else memory.fill(cT, 0, BH << 2);
  }
}

/**
 * Backward of any cell (cells as recurrentForwardMT). dproj: the gradient w.r.t. the step's
 * h_{t-1}·W_hhᵀ + b_hh (dhw for the GRU, dxw otherwise); wp: chunks·packedSize(G, cu).
 * dhNext, dcNext: B·H scratch (dcNext LSTM only).
 */
export function recurrentBackwardMT(
  tid: i32, nt: i32, cu: i32, cell: i32, T: i32, B: i32, H: i32, whh: usize, h0: usize, c0: usize, hs: usize, cache: usize,
  dhs: usize, dxw: usize, dhw: usize, dwhh: usize, dbhh: usize, dh0: usize, dc0: usize,
  dhNext: usize, dcNext: usize, wp: usize, rdg: usize, rh0: usize, rhs: usize, wrows: i32,
): void {
  const ng = cell == 0 ? 4 : cell == 1 ? 3 : 1;
  const G = ng * H;
  const BH = <usize>B * <usize>H;
  const nch = (H + cu - 1) / cu;
  const pa = packAOf(tid), pb = packBOf(tid);
  const wsz = <usize>packedSize(G, cu) << 2;
  const dproj = cell == 1 ? dhw : dxw;
  const dg = rdg ? rdg : dproj;
  const kw = cell == 0 ? 5 * H : 4 * H;
  let end = 0;
  for (let r = T; r >= 0; r--) {
    end += nch;
    for (let id = claim(end); id >= 0; id = claim(end)) {
      const c = id - (end - nch);
      const u0 = c * cu, n = chunkLen(c, cu, H), u1 = u0 + n;
      const w0 = wp + <usize>c * wsz;
      if (r == T) {
        packBFull(0, G, n, whh + (<usize>u0 << 2), H, w0);
        for (let b = 0; b < B; b++) {
          const o = (<usize>b * <usize>H + <usize>u0) << 2;
          memory.fill(dhNext + o, 0, <usize>n << 2);
          if (cell == 0) memory.fill(dcNext + o, 0, <usize>n << 2);
        }
      } else if (r > 0 || dh0) {
        // GRU: dh_{r} = dh·z (already in dhNext) + dhw_r·W_hh
        const beta: f32 = cell == 1 ? 1 : 0;
        const gOff = <usize>r * <usize>B * <usize>G << 2;
        gemmImpl(0, 0, B, n, G, 1, dg + gOff, G, w0, H, beta, dhNext + (<usize>u0 << 2), H, pa, 0, 1, true);
      }
      if (r == 0) {
        for (let b = 0; b < B; b++) {
          const o = (<usize>b * <usize>H + <usize>u0) << 2;
          if (dh0) memory.copy(dh0 + o, dhNext + o, <usize>n << 2);
          if (cell == 0 && dc0) memory.copy(dc0 + o, dcNext + o, <usize>n << 2);
        }
        continue;
      }
      const t = r - 1; // gate gradients of step t
      for (let b = 0; b < B; b++) {
        const row = <usize>t * <usize>B + <usize>b;
        const dhr = dhs + (row * <usize>H << 2);
        const nh = dhNext + (<usize>b * <usize>H << 2);
        if (cell == 0) {
          const kr = cache + (row * <usize>kw << 2);
          const cpr = t > 0 ? kr - (BH * 5 << 2) + (<usize>(4 * H) << 2) : c0 ? c0 + (<usize>b * <usize>H << 2) : 0;
          lstmBwdUnits(H, u0, u1, kr, dxw + (row * <usize>G << 2), dhr, cpr, nh, dcNext + (<usize>b * <usize>H << 2));
        } else if (cell == 1) {
          const kr = cache + (row * <usize>kw << 2);
          const hpr = t > 0 ? hs + ((row - <usize>B) * <usize>H << 2) : h0 + (<usize>b * <usize>H << 2);
          gruBwdUnits(H, u0, u1, kr, dxw + (row * <usize>G << 2), dhw + (row * <usize>G << 2), dhr, hpr, nh);
        } else {
          rnnBwdUnits(cell == 3 ? 1 : 0, u0, u1, hs + (row * <usize>H << 2), dhr, nh, dxw + (row * <usize>H << 2));
        }
      }
      if (rdg) {
        const gOff = <usize>t * <usize>B * <usize>G << 2;
        for (let g = 0; g < ng; g++) roundChunk(rdg + gOff, dproj + gOff, B, G, g * H + u0, n);
      }
    }
    // every gate gradient of the phase is in place before the next phase's GEMMs read them;
    // phase 0 needs none (what follows reads gradients complete since phase 1's barrier)
    if (r > 0) barrier(nt);
  }
  if (T <= 0) return;
  // dW_hh[g0:g0+m, :] += dg[:, g0:g0+m]ᵀ·h_{t-1} (h0 block, then hs[0..T-2]) and db_hh over the
  // same gate rows, in items of `wrows` rows of dW_hh. Cut by rows, each item packs all of the
  // h operand (T·B·H floats); cut by hidden-unit columns it packed all of dg (T·B·G, four times
  // more for the LSTM).
  const nw = (G + wrows - 1) / wrows;
  end += nw;
  for (let id = claim(end); id >= 0; id = claim(end)) {
    const g0 = (id - (end - nw)) * wrows, m = min(wrows, G - g0);
    const row = <usize>g0 << 2, w = dwhh + (<usize>g0 * <usize>H << 2);
    gemmImpl(1, 0, m, H, B, 1, dg + row, G, rh0, H, 1, w, H, pa, pb, 0, false);
    if (T > 1) gemmImpl(1, 0, m, H, (T - 1) * B, 1, dg + (<usize>B * <usize>G << 2) + row, G, rhs, H, 1, w, H, pa, pb, 0, false);
    sumRowsStrided(dbhh + row, dproj + row, T * B, m, G);
  }
}

/** The Elman cell's gate gradients of one row over units [j0, j1) (as rnnBackward's flat loop: same operations). */
// @ts-ignore: decorator
@inline function rnnBwdUnits(relu: i32, j0: i32, j1: i32, hr: usize, dhr: usize, nh: usize, dr: usize): void {
  const one = f32x4.splat(1);
  const zero = f32x4.splat(0);
  let j = j0;
  for (; j + 4 <= j1; j += 4) {
    const o4 = <usize>j << 2;
    const h = v128.load(hr + o4);
    const dh = f32x4.add(v128.load(dhr + o4), v128.load(nh + o4));
    v128.store(dr + o4, relu ? v128.and(dh, f32x4.gt(h, zero)) : f32x4.mul(dh, f32x4.sub(one, f32x4.mul(h, h))));
  }
  for (; j < j1; j++) {
    const o4 = <usize>j << 2;
    const h = load<f32>(hr + o4);
    const dh = load<f32>(dhr + o4) + load<f32>(nh + o4);
    store<f32>(dr + o4, relu ? (h > 0 ? dh : 0) : dh * (1 - h * h));
  }
}
