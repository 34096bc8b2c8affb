// Packed, register-blocked SGEMM: C[M,N] = alpha·op(A)·op(B) + beta·C, row-major, byte pointers.
//
// Goto-style blocking: for each NC-wide column block and KC-deep slice, op(B) is packed into
// 16-column panels ([kc][16] floats, zero-padded past N); for each MC-row block op(A) is packed
// into 2-row panels ([kc][2], zero-padded past M); the 2×16 micro-kernel (8 f32x4 accumulators,
// 4 B vectors, 2 A splats = 14 of the 16 xmm registers V8 gives wasm) then runs over the panels
// with the B panel in L1 and the A block in L2. Transposes are absorbed by the packing, so NN, TN
// and NT run the same inner loop.
//
// A B operand can also be packed once up front (packBFull) and reused, which the recurrent
// kernels do for W_hh: block `pc` of the pre-packed layout starts at float pc·Npad, and its
// panel p at p·kc·16 within that block (Npad = N rounded up to 16).
import { madd } from './simd';

export const KC: i32 = 256;
export const MC: i32 = 128;
export const NC: i32 = 4096;
/** Up to this many rows of C, an unpacked B operand is used in place (directNT / directNN). */
export const DIRECT_M: i32 = 4;

/** 2×16 floats for edge tiles: static in a module of its own; each thread's in the threaded build (setEdge). */
let EDGE: usize = memory.data(128, 16);

/** Threaded build: this instance's edge-tile scratch (128 bytes), so threads never share it. */
export function setEdge(p: usize): void {
  EDGE = p;
}

// @ts-ignore: decorator
@inline export function pad16(n: i32): i32 {
  return (n + 15) & ~15;
}

// @ts-ignore: decorator
@inline function storeVec(p: usize, acc: v128, av: v128, beta: f32, bv: v128): void {
  if (beta == 0) {
    v128.store(p, f32x4.mul(acc, av));
  } else if (beta == 1) {
    v128.store(p, madd(acc, av, v128.load(p)));
  } else {
    v128.store(p, madd(acc, av, f32x4.mul(v128.load(p), bv)));
  }
}

/** C[mr, nr] (mr ≤ 2, nr ≤ 16) = alpha·(Apanel·Bpanel) + beta·C; ldcB is C's row stride in bytes. */
function micro2x16(kc: i32, a: usize, b: usize, c: usize, ldcB: usize, alpha: f32, beta: f32, mr: i32, nr: i32): void {
  let c00 = f32x4.splat(0);
  let c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    const b2 = v128.load(b, 32);
    const b3 = v128.load(b, 48);
    const a0 = v128.load32_splat(a);
    c00 = madd(a0, b0, c00);
    c01 = madd(a0, b1, c01);
    c02 = madd(a0, b2, c02);
    c03 = madd(a0, b3, c03);
    const a1 = v128.load32_splat(a, 4);
    c10 = madd(a1, b0, c10);
    c11 = madd(a1, b1, c11);
    c12 = madd(a1, b2, c12);
    c13 = madd(a1, b3, c13);
    a += 8;
    b += 64;
  }
  const av = f32x4.splat(alpha);
  const bv = f32x4.splat(beta);
  if (nr == 16) {
    storeVec(c, c00, av, beta, bv);
    storeVec(c + 16, c01, av, beta, bv);
    storeVec(c + 32, c02, av, beta, bv);
    storeVec(c + 48, c03, av, beta, bv);
    if (mr == 2) {
      const c1 = c + ldcB;
      storeVec(c1, c10, av, beta, bv);
      storeVec(c1 + 16, c11, av, beta, bv);
      storeVec(c1 + 32, c12, av, beta, bv);
      storeVec(c1 + 48, c13, av, beta, bv);
    }
    return;
  }
  v128.store(EDGE, c00);
  v128.store(EDGE, c01, 16);
  v128.store(EDGE, c02, 32);
  v128.store(EDGE, c03, 48);
  v128.store(EDGE, c10, 64);
  v128.store(EDGE, c11, 80);
  v128.store(EDGE, c12, 96);
  v128.store(EDGE, c13, 112);
  for (let r = 0; r < mr; r++) {
    const cr = c + <usize>r * ldcB;
    const er = EDGE + <usize>r * 64;
    for (let j = 0; j < nr; j++) {
      const v = load<f32>(er + (<usize>j << 2)) * alpha;
      const p = cr + (<usize>j << 2);
      if (beta == 0) store<f32>(p, v);
      else store<f32>(p, v + beta * load<f32>(p));
    }
  }
}

/** Packs rows [i0, i0+mc) × cols [pc, pc+kc) of op(A) into 2-row panels [kc][2]. */
function packA(transA: i32, A: usize, lda: i32, i0: i32, mc: i32, pc: i32, kc: i32, dst: usize): void {
  const ldaB = <usize>lda << 2;
  for (let ir = 0; ir < mc; ir += 2) {
    const two = ir + 1 < mc;
    const i = i0 + ir;
    if (!transA) {
      const r0 = A + (<usize>i * <usize>lda + <usize>pc) * 4;
      const r1 = r0 + ldaB;
      let k = 0;
      if (two) {
        for (; k + 4 <= kc; k += 4) {
          const x = v128.load(r0 + (<usize>k << 2));
          const y = v128.load(r1 + (<usize>k << 2));
          v128.store(dst, v128.shuffle<f32>(x, y, 0, 4, 1, 5));
          v128.store(dst, v128.shuffle<f32>(x, y, 2, 6, 3, 7), 16);
          dst += 32;
        }
        for (; k < kc; k++) {
          store<f32>(dst, load<f32>(r0 + (<usize>k << 2)));
          store<f32>(dst, load<f32>(r1 + (<usize>k << 2)), 4);
          dst += 8;
        }
      } else {
        for (; k < kc; k++) {
          store<f32>(dst, load<f32>(r0 + (<usize>k << 2)));
          store<f32>(dst, 0, 4);
          dst += 8;
        }
      }
    } else {
      // A stored [K, M]: op(A)[i, k] = A[k·lda + i]; rows i, i+1 are adjacent.
      let p = A + (<usize>pc * <usize>lda + <usize>i) * 4;
      if (two) {
        for (let k = 0; k < kc; k++) {
          store<u64>(dst, load<u64>(p));
          dst += 8;
          p += ldaB;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          store<f32>(dst, load<f32>(p));
          store<f32>(dst, 0, 4);
          dst += 8;
          p += ldaB;
        }
      }
    }
  }
}

/** Packs rows [pc, pc+kc) × cols [jc, jc+nc) of op(B) (N total columns) into 16-column panels [kc][16]. */
function packB(transB: i32, B: usize, ldb: i32, N: i32, pc: i32, kc: i32, jc: i32, nc: i32, dst: usize): void {
  const ldbB = <usize>ldb << 2;
  for (let jr = 0; jr < nc; jr += 16) {
    const j0 = jc + jr;
    const w = min(16, N - j0);
    if (!transB) {
      let src = B + (<usize>pc * <usize>ldb + <usize>j0) * 4;
      if (w == 16) {
        for (let k = 0; k < kc; k++) {
          v128.store(dst, v128.load(src));
          v128.store(dst, v128.load(src, 16), 16);
          v128.store(dst, v128.load(src, 32), 32);
          v128.store(dst, v128.load(src, 48), 48);
          dst += 64;
          src += ldbB;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          let c = 0;
          for (; c < w; c++) store<f32>(dst + (<usize>c << 2), load<f32>(src + (<usize>c << 2)));
          for (; c < 16; c++) store<f32>(dst + (<usize>c << 2), 0);
          dst += 64;
          src += ldbB;
        }
      }
    } else {
      // B stored [N, K]: op(B)[k, j] = B[j·ldb + k]; transpose 4 rows × 4 k at a time.
      for (let cg = 0; cg < 16; cg += 4) {
        const col = dst + (<usize>cg << 2);
        if (cg + 4 <= w) {
          const r0 = B + (<usize>(j0 + cg) * <usize>ldb + <usize>pc) * 4;
          const r1 = r0 + ldbB;
          const r2 = r1 + ldbB;
          const r3 = r2 + ldbB;
          let k = 0;
          for (; k + 4 <= kc; k += 4) {
            const kb = <usize>k << 2;
            const x0 = v128.load(r0 + kb);
            const x1 = v128.load(r1 + kb);
            const x2 = v128.load(r2 + kb);
            const x3 = v128.load(r3 + kb);
            const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
            const t1 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
            const t2 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
            const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
            const o = col + (<usize>k << 6);
            v128.store(o, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
            v128.store(o, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), 64);
            v128.store(o, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), 128);
            v128.store(o, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), 192);
          }
          for (; k < kc; k++) {
            const kb = <usize>k << 2;
            const o = col + (<usize>k << 6);
            store<f32>(o, load<f32>(r0 + kb));
            store<f32>(o, load<f32>(r1 + kb), 4);
            store<f32>(o, load<f32>(r2 + kb), 8);
            store<f32>(o, load<f32>(r3 + kb), 12);
          }
        } else {
          for (let cc = 0; cc < 4; cc++) {
            const c = cg + cc;
            const o = col + (<usize>cc << 2);
            if (c < w) {
              const r = B + (<usize>(j0 + c) * <usize>ldb + <usize>pc) * 4;
              for (let k = 0; k < kc; k++) store<f32>(o + (<usize>k << 6), load<f32>(r + (<usize>k << 2)));
            } else {
              for (let k = 0; k < kc; k++) store<f32>(o + (<usize>k << 6), 0);
            }
          }
        }
      }
      dst += <usize>kc << 6;
    }
  }
}

/** Floats needed by packBFull for a K×N operand. */
export function packedSize(K: i32, N: i32): i32 {
  return K * pad16(N);
}

/** Packs the whole op(B) (K×N) once, in the layout gemmCore reads when `prepacked` is set. */
export function packBFull(transB: i32, K: i32, N: i32, B: usize, ldb: i32, dst: usize): void {
  const Npad = pad16(N);
  for (let pc = 0; pc < K; pc += KC) {
    const kc = min(KC, K - pc);
    packB(transB, B, ldb, N, pc, kc, 0, N, dst + <usize>pc * <usize>Npad * 4);
  }
}

/** C[M,N] (row stride ldc) = beta·C; beta = 0 writes zeros (NaN in C ignored). */
export function scaleMatrix(C: usize, ldc: i32, M: i32, N: i32, beta: f32): void {
  if (beta == 1) return;
  for (let i = 0; i < M; i++) {
    const row = C + <usize>i * <usize>ldc * 4;
    if (beta == 0) memory.fill(row, 0, <usize>N << 2);
    else scaleVec(row, N, beta);
  }
}

export function scaleVec(p: usize, n: i32, s: f32): void {
  const sv = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const q = p + (<usize>i << 2);
    v128.store(q, f32x4.mul(v128.load(q), sv));
  }
  for (; i < n; i++) {
    const q = p + (<usize>i << 2);
    store<f32>(q, load<f32>(q) * s);
  }
}

/**
 * C = alpha·op(A)·op(B) + beta·C. A is [M,K] (lda) or [K,M] if transA; B is [K,N] (ldb) or [N,K]
 * if transB, or already packed by packBFull if `prepacked` (then transB/ldb are ignored).
 * packAbuf holds MC·KC floats, packBbuf KC·min(NC, pad16(N)) floats (unused when prepacked).
 */
export function gemmCore(
  transA: i32, transB: i32, M: i32, N: i32, K: i32, alpha: f32,
  A: usize, lda: i32, B: usize, ldb: i32, beta: f32, C: usize, ldc: i32,
  packAbuf: usize, packBbuf: usize, prepacked: i32,
): void {
  gemmImpl(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, packAbuf, packBbuf, prepacked, true);
}

/**
 * gemmCore with the few-row path optional: a threaded GEMM split by rows passes false, so a
 * thread's short last block of rows is summed exactly as the whole product would be.
 */
export function gemmImpl(
  transA: i32, transB: i32, M: i32, N: i32, K: i32, alpha: f32,
  A: usize, lda: i32, B: usize, ldb: i32, beta: f32, C: usize, ldc: i32,
  packAbuf: usize, packBbuf: usize, prepacked: i32, allowDirect: bool,
): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0) {
    scaleMatrix(C, ldc, M, N, beta);
    return;
  }
  if (!prepacked && allowDirect && M <= DIRECT_M) {
    // A few rows (sampling with batch 1, small batches): packing B would cost more than the
    // product, which is bound by reading B once. Work on B where it is.
    if (transB) {
      if (!transA || M * K <= MC * KC) {
        directNT(transA, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, packAbuf);
        return;
      }
    } else {
      directNN(transA, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
      return;
    }
  }
  const Npad = pad16(N);
  const ldcB = <usize>ldc << 2;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      let bblk: usize;
      if (prepacked) {
        bblk = B + (<usize>pc * <usize>Npad + <usize>jc * <usize>kc) * 4;
      } else {
        packB(transB, B, ldb, N, pc, kc, jc, nc, packBbuf);
        bblk = packBbuf;
      }
      const be: f32 = pc == 0 ? beta : 1;
      for (let ic = 0; ic < M; ic += MC) {
        const mc = min(MC, M - ic);
        packA(transA, A, lda, ic, mc, pc, kc, packAbuf);
        for (let jr = 0; jr < nc; jr += 16) {
          const nr = min(16, nc - jr);
          const bp = bblk + <usize>jr * <usize>kc * 4;
          let cp = C + (<usize>ic * <usize>ldc + <usize>(jc + jr)) * 4;
          let ap = packAbuf;
          for (let ir = 0; ir < mc; ir += 2) {
            micro2x16(kc, ap, bp, cp, ldcB, alpha, be, min(2, mc - ir), nr);
            cp += ldcB << 1;
            ap += <usize>kc << 3;
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------- few-row products, B unpacked

/** (Σ a0, Σ a1, Σ a2, Σ a3) of four accumulators. */
// @ts-ignore: decorator
@inline function hsum4(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  const s01 = f32x4.add(v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), v128.shuffle<f32>(a0, a1, 2, 6, 3, 7));
  const s23 = f32x4.add(v128.shuffle<f32>(a2, a3, 0, 4, 1, 5), v128.shuffle<f32>(a2, a3, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(s01, s23, 0, 1, 4, 5), v128.shuffle<f32>(s01, s23, 2, 3, 6, 7));
}

// @ts-ignore: decorator
@inline function storeScalar(p: usize, v: f32, alpha: f32, beta: f32): void {
  if (beta == 0) store<f32>(p, alpha * v);
  else store<f32>(p, alpha * v + beta * load<f32>(p));
}

/** Dot product of K floats at a and b (both contiguous). */
function dot(a: usize, b: usize, K: i32): f32 {
  let acc0 = f32x4.splat(0), acc1 = acc0;
  let k = 0;
  for (; k + 8 <= K; k += 8) {
    const o = <usize>k << 2;
    acc0 = madd(v128.load(a + o), v128.load(b + o), acc0);
    acc1 = madd(v128.load(a + o, 16), v128.load(b + o, 16), acc1);
  }
  for (; k + 4 <= K; k += 4) {
    const o = <usize>k << 2;
    acc0 = madd(v128.load(a + o), v128.load(b + o), acc0);
  }
  const acc = f32x4.add(acc0, acc1);
  let s = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  for (; k < K; k++) s += load<f32>(a + (<usize>k << 2)) * load<f32>(b + (<usize>k << 2));
  return s;
}

/** C = alpha·op(A)·Bᵀ + beta·C with B [N,K] read in place: dot products of 4 B rows at a time. */
function directNT(
  transA: i32, M: i32, N: i32, K: i32, alpha: f32, A: usize, lda: i32,
  B: usize, ldb: i32, beta: f32, C: usize, ldc: i32, tmp: usize,
): void {
  let rows = A;
  let rowB = <usize>lda << 2;
  if (transA) {
    // gather the M columns of A into contiguous rows
    for (let i = 0; i < M; i++) {
      let src = A + (<usize>i << 2);
      const dst = tmp + (<usize>i * <usize>K << 2);
      for (let k = 0; k < K; k++) {
        store<f32>(dst + (<usize>k << 2), load<f32>(src));
        src += rowB;
      }
    }
    rows = tmp;
    rowB = <usize>K << 2;
  }
  const ldbB = <usize>ldb << 2;
  const ldcB = <usize>ldc << 2;
  const av = f32x4.splat(alpha), bv = f32x4.splat(beta);
  let j = 0;
  for (; j + 4 <= N; j += 4) {
    const b0 = B + <usize>j * ldbB;
    const b1 = b0 + ldbB, b2 = b1 + ldbB, b3 = b2 + ldbB;
    for (let i = 0; i < M; i++) {
      const a = rows + <usize>i * rowB;
      let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
      let k = 0;
      for (; k + 4 <= K; k += 4) {
        const o = <usize>k << 2;
        const x = v128.load(a + o);
        s0 = madd(x, v128.load(b0 + o), s0);
        s1 = madd(x, v128.load(b1 + o), s1);
        s2 = madd(x, v128.load(b2 + o), s2);
        s3 = madd(x, v128.load(b3 + o), s3);
      }
      let r = hsum4(s0, s1, s2, s3);
      if (k < K) {
        let t0: f32 = 0, t1: f32 = 0, t2: f32 = 0, t3: f32 = 0;
        for (; k < K; k++) {
          const o = <usize>k << 2;
          const x = load<f32>(a + o);
          t0 += x * load<f32>(b0 + o);
          t1 += x * load<f32>(b1 + o);
          t2 += x * load<f32>(b2 + o);
          t3 += x * load<f32>(b3 + o);
        }
        r = f32x4.add(r, f32x4(t0, t1, t2, t3));
      }
      storeVec(C + <usize>i * ldcB + (<usize>j << 2), r, av, beta, bv);
    }
  }
  for (; j < N; j++) {
    const b = B + <usize>j * ldbB;
    for (let i = 0; i < M; i++) {
      storeScalar(C + <usize>i * ldcB + (<usize>j << 2), dot(rows + <usize>i * rowB, b, K), alpha, beta);
    }
  }
}

/** C = alpha·op(A)·B + beta·C with B [K,N] read in place: 16-column strips, 2 rows of C at a time. */
function directNN(
  transA: i32, M: i32, N: i32, K: i32, alpha: f32, A: usize, lda: i32,
  B: usize, ldb: i32, beta: f32, C: usize, ldc: i32,
): void {
  // op(A)[i, k] at A + i·aI + k·aK (bytes)
  const aK: usize = transA ? <usize>lda << 2 : 4;
  const aI: usize = transA ? 4 : <usize>lda << 2;
  const ldbB = <usize>ldb << 2;
  const ldcB = <usize>ldc << 2;
  const av = f32x4.splat(alpha), bv = f32x4.splat(beta);
  let jr = 0;
  for (; jr + 16 <= N; jr += 16) {
    for (let i = 0; i < M; i += 2) {
      let a0 = A + <usize>i * aI;
      let b = B + (<usize>jr << 2);
      const c = C + <usize>i * ldcB + (<usize>jr << 2);
      let c00 = f32x4.splat(0);
      let c01 = c00, c02 = c00, c03 = c00;
      if (i + 1 < M) {
        let a1 = a0 + aI;
        let c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        for (let k = 0; k < K; k++) {
          const b0 = v128.load(b), b1 = v128.load(b, 16), b2 = v128.load(b, 32), b3 = v128.load(b, 48);
          const x0 = v128.load32_splat(a0);
          c00 = madd(x0, b0, c00);
          c01 = madd(x0, b1, c01);
          c02 = madd(x0, b2, c02);
          c03 = madd(x0, b3, c03);
          const x1 = v128.load32_splat(a1);
          c10 = madd(x1, b0, c10);
          c11 = madd(x1, b1, c11);
          c12 = madd(x1, b2, c12);
          c13 = madd(x1, b3, c13);
          a0 += aK;
          a1 += aK;
          b += ldbB;
        }
        const c1 = c + ldcB;
        storeVec(c1, c10, av, beta, bv);
        storeVec(c1 + 16, c11, av, beta, bv);
        storeVec(c1 + 32, c12, av, beta, bv);
        storeVec(c1 + 48, c13, av, beta, bv);
      } else {
        for (let k = 0; k < K; k++) {
          const x0 = v128.load32_splat(a0);
          c00 = madd(x0, v128.load(b), c00);
          c01 = madd(x0, v128.load(b, 16), c01);
          c02 = madd(x0, v128.load(b, 32), c02);
          c03 = madd(x0, v128.load(b, 48), c03);
          a0 += aK;
          b += ldbB;
        }
      }
      storeVec(c, c00, av, beta, bv);
      storeVec(c + 16, c01, av, beta, bv);
      storeVec(c + 32, c02, av, beta, bv);
      storeVec(c + 48, c03, av, beta, bv);
    }
  }
  // remaining < 16 columns
  for (; jr < N; jr++) {
    for (let i = 0; i < M; i++) {
      let a = A + <usize>i * aI;
      let b = B + (<usize>jr << 2);
      let s: f32 = 0;
      for (let k = 0; k < K; k++) {
        s += load<f32>(a) * load<f32>(b);
        a += aK;
        b += ldbB;
      }
      storeScalar(C + <usize>i * ldcB + (<usize>jr << 2), s, alpha, beta);
    }
  }
}
