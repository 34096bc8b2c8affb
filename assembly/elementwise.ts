// Losses, optimizers, embeddings, dropout and vector utilities (see src/backend/js/ for the
// reference semantics). Byte pointers; 0 = absent for optional tensors.
import { madd, vexp, sexp } from './simd';

// @ts-ignore: decorator
@inline function f4(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** Horizontal max of row[0..n). */
function rowMax(row: usize, n: i32): f32 {
  let m: f32 = -Infinity;
  let j = 0;
  if (n >= 4) {
    let mv = v128.load(row);
    for (j = 4; j + 4 <= n; j += 4) mv = f32x4.max(mv, v128.load(f4(row, j)));
    m = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
  }
  for (; j < n; j++) m = max(m, load<f32>(f4(row, j)));
  return m;
}

/** dst[j] = exp((src[j] − mx)·scale), returns Σ dst in float64. dst may be src; dst 0 = don't store. */
function expRow(dst: usize, src: usize, n: i32, mx: f32, scale: f32): f64 {
  const mv = f32x4.splat(mx);
  const sv = f32x4.splat(scale);
  let lo = f64x2.splat(0), hi = f64x2.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const e = vexp(f32x4.mul(f32x4.sub(v128.load(f4(src, j)), mv), sv));
    if (dst) v128.store(f4(dst, j), e);
    lo = f64x2.add(lo, f64x2.promote_low_f32x4(e));
    hi = f64x2.add(hi, f64x2.promote_low_f32x4(v128.shuffle<f32>(e, e, 2, 3, 0, 1)));
  }
  let s = f64x2.add(lo, hi);
  let sum = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; j < n; j++) {
    const e = sexp((load<f32>(f4(src, j)) - mx) * scale);
    if (dst) store<f32>(f4(dst, j), e);
    sum += <f64>e;
  }
  return sum;
}

/** Index of the first row whose target is outside [0, V) and not ignoreIndex, or −1. */
export function checkTargets(targets: usize, n: i32, V: i32, ignoreIndex: i32): i32 {
  for (let r = 0; r < n; r++) {
    const y = load<i32>(f4(targets, r));
    if (y != ignoreIndex && (y < 0 || y >= V)) return r;
  }
  return -1;
}

/**
 * Fused log-softmax + NLL over logits [n,V]; returns Σ loss (f64) and writes the count to
 * countOut (i32). If dl ≠ 0 (may equal logits) writes gradScale·(softmax − onehot) there.
 */
export function crossEntropy(
  logits: usize, targets: usize, n: i32, V: i32, ignoreIndex: i32, dl: usize, gradScale: f32, countOut: usize,
): f64 {
  let loss: f64 = 0;
  let count = 0;
  const rowBytes = <usize>V << 2;
  for (let r = 0; r < n; r++) {
    const x = logits + <usize>r * rowBytes;
    const d = dl ? dl + <usize>r * rowBytes : 0;
    const y = load<i32>(f4(targets, r));
    if (y == ignoreIndex) {
      if (d) memory.fill(d, 0, rowBytes);
      continue;
    }
    const xy = load<f32>(f4(x, y));
    const mx = rowMax(x, V);
    const sum = expRow(d, x, V, mx, 1);
    const logZ = <f64>mx + Math.log(sum);
    loss += logZ - <f64>xy;
    count++;
    if (d) {
      scaleInPlace(d, V, <f32>(<f64>gradScale / sum));
      store<f32>(f4(d, y), load<f32>(f4(d, y)) - gradScale);
    }
  }
  store<i32>(countOut, count);
  return loss;
}

function scaleInPlace(p: usize, n: i32, s: f32): void {
  const sv = f32x4.splat(s);
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(f4(p, j), f32x4.mul(v128.load(f4(p, j)), sv));
  for (; j < n; j++) store<f32>(f4(p, j), load<f32>(f4(p, j)) * s);
}

// ---------------------------------------------------------------- dropout

// @ts-ignore: decorator
@inline function hash(seed: u32, i: u32): u32 {
  let x = seed ^ (i * 0x9e3779b9);
  x ^= x >>> 16;
  x *= 0x21f0aaad;
  x ^= x >>> 15;
  x *= 0x735a2d97;
  x ^= x >>> 15;
  return x;
}

/** Exported for tests: must equal dropoutHash in src/util/rng.ts. */
export function dropoutHash(seed: u32, i: u32): u32 {
  return hash(seed, i);
}

/**
 * y[i] = x[i]·s if hash(seed, i) ≥ thr else 0 (thr = ⌈p·2³²⌉ as u32); keepNone: all zeros.
 * y may be x.
 */
export function dropout(y: usize, x: usize, n: i32, thr: u32, keepNone: i32, s: f32, seed: u32): void {
  if (keepNone) {
    memory.fill(y, 0, <usize>n << 2);
    return;
  }
  const sv = f32x4.splat(s);
  const seedv = i32x4.splat(seed);
  const thrv = i32x4.splat(thr);
  const phi = i32x4.splat(0x9e3779b9);
  const m1 = i32x4.splat(0x21f0aaad);
  const m2 = i32x4.splat(0x735a2d97);
  let iv = i32x4(0, 1, 2, 3);
  const four = i32x4.splat(4);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    let h = v128.xor(seedv, i32x4.mul(iv, phi));
    h = v128.xor(h, i32x4.shr_u(h, 16));
    h = i32x4.mul(h, m1);
    h = v128.xor(h, i32x4.shr_u(h, 15));
    h = i32x4.mul(h, m2);
    h = v128.xor(h, i32x4.shr_u(h, 15));
    const keep = i32x4.ge_u(h, thrv);
    v128.store(f4(y, i), v128.and(f32x4.mul(v128.load(f4(x, i)), sv), keep));
    iv = i32x4.add(iv, four);
  }
  for (; i < n; i++) {
    store<f32>(f4(y, i), hash(seed, <u32>i) >= thr ? load<f32>(f4(x, i)) * s : 0);
  }
}

// ---------------------------------------------------------------- optimizers

/** PyTorch Adam (L2 weight decay on the gradient); stepSize = lr/(1−β1ᵗ), bc2Sqrt = √(1−β2ᵗ). */
export function adam(
  p: usize, g: usize, m: usize, v: usize, n: i32,
  beta1: f32, beta2: f32, omb1: f32, omb2: f32, eps: f32, stepSize: f32, bc2Sqrt: f32, wd: f32,
): void {
  const b1 = f32x4.splat(beta1), b2 = f32x4.splat(beta2), o1 = f32x4.splat(omb1), o2 = f32x4.splat(omb2);
  const ev = f32x4.splat(eps), sv = f32x4.splat(stepSize), bv = f32x4.splat(bc2Sqrt), wv = f32x4.splat(wd);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const pp = f4(p, i), mp = f4(m, i), vp = f4(v, i);
    const pv = v128.load(pp);
    let gi = v128.load(f4(g, i));
    if (wd != 0) gi = madd(wv, pv, gi);
    const mv = madd(b1, v128.load(mp), f32x4.mul(o1, gi));
    const vv = madd(b2, v128.load(vp), f32x4.mul(f32x4.mul(o2, gi), gi));
    v128.store(mp, mv);
    v128.store(vp, vv);
    const den = f32x4.add(f32x4.div(f32x4.sqrt(vv), bv), ev);
    v128.store(pp, f32x4.sub(pv, f32x4.div(f32x4.mul(sv, mv), den)));
  }
  for (; i < n; i++) {
    const pp = f4(p, i), mp = f4(m, i), vp = f4(v, i);
    const pv = load<f32>(pp);
    let gi = load<f32>(f4(g, i));
    if (wd != 0) gi += wd * pv;
    const mv = beta1 * load<f32>(mp) + omb1 * gi;
    const vv = beta2 * load<f32>(vp) + omb2 * gi * gi;
    store<f32>(mp, mv);
    store<f32>(vp, vv);
    store<f32>(pp, pv - (stepSize * mv) / (Mathf.sqrt(vv) / bc2Sqrt + eps));
  }
}

/** PyTorch SGD: d = g + wd·p; buf = μ·buf + d (if buf ≠ 0 and μ ≠ 0), d = buf; p −= lr·d. */
export function sgd(p: usize, g: usize, buf: usize, n: i32, lr: f32, momentum: f32, wd: f32): void {
  const useBuf = buf != 0 && momentum != 0;
  const lv = f32x4.splat(lr), mu = f32x4.splat(momentum), wv = f32x4.splat(wd);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const pp = f4(p, i);
    const pv = v128.load(pp);
    let d = v128.load(f4(g, i));
    if (wd != 0) d = madd(wv, pv, d);
    if (useBuf) {
      d = madd(mu, v128.load(f4(buf, i)), d);
      v128.store(f4(buf, i), d);
    }
    v128.store(pp, f32x4.sub(pv, f32x4.mul(lv, d)));
  }
  for (; i < n; i++) {
    const pp = f4(p, i);
    const pv = load<f32>(pp);
    let d = load<f32>(f4(g, i));
    if (wd != 0) d += wd * pv;
    if (useBuf) {
      d = momentum * load<f32>(f4(buf, i)) + d;
      store<f32>(f4(buf, i), d);
    }
    store<f32>(pp, pv - lr * d);
  }
}

// ---------------------------------------------------------------- embeddings

export function embeddingForward(out: usize, ids: usize, W: usize, n: i32, E: i32): void {
  const rowBytes = <usize>E << 2;
  for (let i = 0; i < n; i++) {
    const id = load<i32>(f4(ids, i));
    const o = out + <usize>i * rowBytes;
    if (id < 0) memory.fill(o, 0, rowBytes);
    else memory.copy(o, W + <usize>id * rowBytes, rowBytes);
  }
}

export function embeddingBackward(dW: usize, ids: usize, dOut: usize, n: i32, E: i32): void {
  const rowBytes = <usize>E << 2;
  for (let i = 0; i < n; i++) {
    const id = load<i32>(f4(ids, i));
    if (id < 0) continue;
    addTo(dW + <usize>id * rowBytes, dOut + <usize>i * rowBytes, E);
  }
}

export function onehotForward(out: usize, ids: usize, W: usize, n: i32, G: i32, V: i32): void {
  const rowBytes = <usize>G << 2;
  const colStride = <usize>V << 2;
  for (let i = 0; i < n; i++) {
    const id = load<i32>(f4(ids, i));
    const o = out + <usize>i * rowBytes;
    if (id < 0) {
      memory.fill(o, 0, rowBytes);
      continue;
    }
    let w = f4(W, id);
    for (let g = 0; g < G; g++) {
      store<f32>(f4(o, g), load<f32>(w));
      w += colStride;
    }
  }
}

export function onehotBackward(dW: usize, ids: usize, dOut: usize, n: i32, G: i32, V: i32): void {
  const rowBytes = <usize>G << 2;
  const colStride = <usize>V << 2;
  for (let i = 0; i < n; i++) {
    const id = load<i32>(f4(ids, i));
    if (id < 0) continue;
    const d = dOut + <usize>i * rowBytes;
    let w = f4(dW, id);
    for (let g = 0; g < G; g++) {
      store<f32>(w, load<f32>(w) + load<f32>(f4(d, g)));
      w += colStride;
    }
  }
}

// ---------------------------------------------------------------- vectors

/** y[i] += x[i]. */
function addTo(y: usize, x: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(f4(y, i), f32x4.add(v128.load(f4(y, i)), v128.load(f4(x, i))));
  for (; i < n; i++) store<f32>(f4(y, i), load<f32>(f4(y, i)) + load<f32>(f4(x, i)));
}

/** Y[r,:] += b for r < rows. */
export function addBias(Y: usize, b: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) addTo(Y + (<usize>r * <usize>cols << 2), b, cols);
}

export function fill(p: usize, value: f32, n: i32): void {
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(f4(p, i), v);
  for (; i < n; i++) store<f32>(f4(p, i), value);
}

export function copy(dst: usize, src: usize, n: i32): void {
  memory.copy(dst, src, <usize>n << 2);
}

export function scale(p: usize, alpha: f32, n: i32): void {
  scaleInPlace(p, n, alpha);
}

/** Σ p[i]², squares and sum in float64 (a float32 square is exact in float64). */
export function sumSquares(p: usize, n: i32): f64 {
  let a = f64x2.splat(0), b = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(f4(p, i));
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
    a = f64x2.add(a, f64x2.mul(lo, lo));
    b = f64x2.add(b, f64x2.mul(hi, hi));
  }
  const s = f64x2.add(a, b);
  let sum = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; i < n; i++) {
    const x = <f64>load<f32>(f4(p, i));
    sum += x * x;
  }
  return sum;
}

/**
 * dst[i] = src[i] rounded to bfloat16 (kept as float32 with the low 16 bits zero), i < n;
 * dst may be src. Round to nearest, ties to even: add 0x7FFF plus the bit that becomes the
 * last one, drop the low half (a carry steps the exponent, to Inf past the largest bf16).
 * NaN stays NaN (quieted), which the addition could turn into Inf. The definition is
 * src/backend/bf16.ts; bf16 mode rounds GEMM operands with this (src/backend/wasm/index.ts).
 */
export function roundBf16(dst: usize, src: usize, n: i32): void {
  const absMask = i32x4.splat(0x7fffffff);
  const inf = i32x4.splat(0x7f800000);
  const bias = i32x4.splat(0x7fff);
  const one = i32x4.splat(1);
  const quiet = i32x4.splat(0x00400000);
  const high = i32x4.splat(<i32>0xffff0000);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o4 = <usize>i << 2;
    const u = v128.load(src + o4);
    const isNan = i32x4.gt_s(v128.and(u, absMask), inf);
    const rne = v128.and(i32x4.add(i32x4.add(u, bias), v128.and(i32x4.shr_u(u, 16), one)), high);
    v128.store(dst + o4, v128.bitselect(v128.and(v128.or(u, quiet), high), rne, isNan));
  }
  for (; i < n; i++) {
    const o4 = <usize>i << 2;
    const u = load<u32>(src + o4);
    store<u32>(dst + o4, (u & 0x7fffffff) > 0x7f800000 ? (u | 0x00400000) & 0xffff0000 : (u + 0x7fff + ((u >> 16) & 1)) & 0xffff0000);
  }
}
