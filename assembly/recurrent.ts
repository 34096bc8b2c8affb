// Recurrent layers over a whole sequence, arranged as the reference (src/backend/js/{lstm,gru,rnn}.ts,
// recurrent-common.ts): xw = x·W_ihᵀ + b_ih is precomputed for all steps; per step one GEMM
// h_{t-1}·W_hhᵀ (W_hh packed once per call by the caller with packBFull) plus fused gate math;
// the backward runs the time loop with one GEMM dgates_t·W_hh per step, and after it adds
// dW_hh += Σ dhwᵀ·h_{t-1} as two big TN GEMMs and db_hh += Σ dhw.
//
// Pointers are byte addresses in this memory; 0 means "absent" for optional tensors (the TS
// allocator never hands out address 0). Scratch (pre-activations, dh/dc carries, packing buffers)
// is allocated by the TS side and passed in.
//
// `whhP` is W_hh packed by packBFull (as the doc of each function says) when `packed` ≠ 0, or
// W_hh itself ([G,H] row-major) when packed = 0: the TS side passes it raw for B ≤ DIRECT_M,
// where gemmCore reads it in place instead of packing (sampling with batch 1).
//
// bf16 mode (src/backend/bf16.ts) rounds every GEMM operand to bfloat16 and sums in float32.
// The caller rounds W_hh (before packing) and passes scratch for the rest: forward `hb` (B·H
// floats) takes h_{t-1} rounded before each step's GEMM; backward `rdg` ([T,B,G]) takes each
// step's gate gradients rounded, read by the per-step GEMM and by dW_hh, whose other operand is
// `rh0`/`rhs`, h0 and hs rounded by the caller. In fp32 mode hb = rdg = 0 and rh0/rhs are h0/hs.
import { madd, vtanh, vsigmoid, stanh, ssigmoid } from './simd';
import { gemmCore } from './gemm';
import { roundBf16 } from './elementwise';

// @ts-ignore: decorator
@inline function f4(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

// ---------------------------------------------------------------- LSTM

/**
 * whhP: W_hhᵀ packed (packBFull(1, H, 4H, whh, H)). pre: B·4H floats, cbuf: B·H floats.
 * cache [T,B,5H] = i,f,g,o,c (0 = none). c0, cT optional.
 */
export function lstmForward(
  T: i32, B: i32, H: i32, xw: usize, whhP: usize, bhh: usize, h0: usize, c0: usize,
  hs: usize, cache: usize, cT: usize, pre: usize, cbuf: usize, packA: usize, packB: usize, packed: i32, hb: usize,
): void {
  const G = 4 * H;
  const BH = <usize>B * <usize>H;
  if (c0) memory.copy(cbuf, c0, BH << 2);
  else memory.fill(cbuf, 0, BH << 2);
  for (let t = 0; t < T; t++) {
    const hprev = t == 0 ? h0 : hs + (<usize>(t - 1) * BH << 2);
    gemmCore(0, 1, B, G, H, 1, bf16Operand(hb, hprev, <i32>BH), H, whhP, H, 0, pre, G, packA, packB, packed);
    for (let b = 0; b < B; b++) {
      const row = <usize>t * <usize>B + <usize>b;
      const pr = pre + (<usize>b * <usize>G << 2);
      const xr = xw + (row * <usize>G << 2);
      const hr = hs + (row * <usize>H << 2);
      const cr = cbuf + (<usize>b * <usize>H << 2);
      const kr = cache ? cache + (row * <usize>(5 * H) << 2) : 0;
      lstmFwdUnits(H, 0, H, pr, xr, bhh, cr, hr, kr);
    }
  }
  if (cT) memory.copy(cT, cbuf, BH << 2);
}

/**
 * whhP: W_hh packed as the B operand of dgates·W_hh (packBFull(0, 4H, H, whh, H)).
 * dhNext, dcNext: B·H floats of scratch. packA/packB: GEMM scratch (packB sized for N = H).
 */
export function lstmBackward(
  T: i32, B: i32, H: i32, whhP: usize, h0: usize, c0: usize, hs: usize, cache: usize,
  dhs: usize, dxw: usize, dwhh: usize, dbhh: usize, dh0: usize, dc0: usize,
  dhNext: usize, dcNext: usize, packA: usize, packB: usize, packed: i32, rdg: usize, rh0: usize, rhs: usize,
): void {
  const G = 4 * H;
  const BH = <usize>B * <usize>H;
  memory.fill(dhNext, 0, BH << 2);
  memory.fill(dcNext, 0, BH << 2);
  for (let t = T - 1; t >= 0; t--) {
    for (let b = 0; b < B; b++) {
      const row = <usize>t * <usize>B + <usize>b;
      const kr = cache + (row * <usize>(5 * H) << 2);
      const dr = dxw + (row * <usize>G << 2);
      const dhr = dhs + (row * <usize>H << 2);
      const cpr = t > 0 ? kr - (BH * 5 << 2) + (<usize>(4 * H) << 2) : c0 ? c0 + (<usize>b * <usize>H << 2) : 0;
      const nh = dhNext + (<usize>b * <usize>H << 2);
      const nc = dcNext + (<usize>b * <usize>H << 2);
      lstmBwdUnits(H, 0, H, kr, dr, dhr, cpr, nh, nc);
    }
    const dg = stepGrads(rdg, dxw, t, B, G);
    if (t > 0 || dh0) gemmCore(0, 0, B, H, G, 1, dg, G, whhP, H, 0, dhNext, H, packA, packB, packed);
  }
  hiddenWeightGrads(T, B, H, G, rdg ? rdg : dxw, dxw, rh0, rhs, dwhh, dbhh, packA, packB);
  if (dh0) memory.copy(dh0, dhNext, BH << 2);
  if (dc0) memory.copy(dc0, dcNext, BH << 2);
}

// ---------------------------------------------------------------- GRU

/** whhP: packBFull(1, H, 3H, whh, H). hw: B·3H scratch. cache [T,B,4H] = r,z,n,hn (0 = none). */
export function gruForward(
  T: i32, B: i32, H: i32, xw: usize, whhP: usize, bhh: usize, h0: usize,
  hs: usize, cache: usize, hw: usize, packA: usize, packB: usize, packed: i32, hb: usize,
): void {
  const G = 3 * H;
  const BH = <usize>B * <usize>H;
  for (let t = 0; t < T; t++) {
    const hprev = t == 0 ? h0 : hs + (<usize>(t - 1) * BH << 2);
    gemmCore(0, 1, B, G, H, 1, bf16Operand(hb, hprev, <i32>BH), H, whhP, H, 0, hw, G, packA, packB, packed);
    for (let b = 0; b < B; b++) {
      const row = <usize>t * <usize>B + <usize>b;
      const pr = hw + (<usize>b * <usize>G << 2);
      const xr = xw + (row * <usize>G << 2);
      const hr = hs + (row * <usize>H << 2);
      const hp = hprev + (<usize>b * <usize>H << 2);
      const kr = cache ? cache + (row * <usize>(4 * H) << 2) : 0;
      gruFwdUnits(H, 0, H, pr, xr, bhh, hp, hr, kr);
    }
  }
}

/** whhP: packBFull(0, 3H, H, whh, H). dhNext: B·H scratch. */
export function gruBackward(
  T: i32, B: i32, H: i32, whhP: usize, h0: usize, hs: usize, cache: usize,
  dhs: usize, dxw: usize, dhw: usize, dwhh: usize, dbhh: usize, dh0: usize,
  dhNext: usize, packA: usize, packB: usize, packed: i32, rdg: usize, rh0: usize, rhs: usize,
): void {
  const G = 3 * H;
  const BH = <usize>B * <usize>H;
  memory.fill(dhNext, 0, BH << 2);
  for (let t = T - 1; t >= 0; t--) {
    for (let b = 0; b < B; b++) {
      const row = <usize>t * <usize>B + <usize>b;
      const kr = cache + (row * <usize>(4 * H) << 2);
      const dxr = dxw + (row * <usize>G << 2);
      const dwr = dhw + (row * <usize>G << 2);
      const dhr = dhs + (row * <usize>H << 2);
      const hpr = t > 0 ? hs + ((row - <usize>B) * <usize>H << 2) : h0 + (<usize>b * <usize>H << 2);
      const nh = dhNext + (<usize>b * <usize>H << 2);
      gruBwdUnits(H, 0, H, kr, dxr, dwr, dhr, hpr, nh);
    }
    const dg = stepGrads(rdg, dhw, t, B, G);
    // dh_{t-1} = dh·z (already in dhNext) + dhw_t·W_hh
    if (t > 0 || dh0) gemmCore(0, 0, B, H, G, 1, dg, G, whhP, H, 1, dhNext, H, packA, packB, packed);
  }
  hiddenWeightGrads(T, B, H, G, rdg ? rdg : dhw, dhw, rh0, rhs, dwhh, dbhh, packA, packB);
  if (dh0) memory.copy(dh0, dhNext, BH << 2);
}

// ---------------------------------------------------------------- Elman RNN

/** whhP: packBFull(1, H, H, whh, H). hs[t] doubles as the pre-activation buffer. */
export function rnnForward(
  relu: i32, T: i32, B: i32, H: i32, xw: usize, whhP: usize, bhh: usize, h0: usize, hs: usize,
  packA: usize, packB: usize, packed: i32, hb: usize,
): void {
  const BH = <usize>B * <usize>H;
  for (let t = 0; t < T; t++) {
    const out = hs + (<usize>t * BH << 2);
    const hprev = t == 0 ? h0 : out - (BH << 2);
    gemmCore(0, 1, B, H, H, 1, bf16Operand(hb, hprev, <i32>BH), H, whhP, H, 0, out, H, packA, packB, packed);
    for (let b = 0; b < B; b++) {
      const hr = out + (<usize>b * <usize>H << 2);
      const xr = xw + ((<usize>t * BH + <usize>b * <usize>H) << 2);
      rnnFwdUnits(relu, 0, H, xr, bhh, hr);
    }
  }
}

/** whhP: packBFull(0, H, H, whh, H). dhNext: B·H scratch. */
export function rnnBackward(
  relu: i32, T: i32, B: i32, H: i32, whhP: usize, h0: usize, hs: usize,
  dhs: usize, dxw: usize, dwhh: usize, dbhh: usize, dh0: usize,
  dhNext: usize, packA: usize, packB: usize, packed: i32, rdg: usize, rh0: usize, rhs: usize,
): void {
  const BH = <usize>B * <usize>H;
  const n = <i32>BH;
  memory.fill(dhNext, 0, BH << 2);
  const one = f32x4.splat(1);
  const zero = f32x4.splat(0);
  for (let t = T - 1; t >= 0; t--) {
    const o = <usize>t * BH << 2;
    const hr = hs + o, dhr = dhs + o, dr = dxw + o;
    let q = 0;
    for (; q + 4 <= n; q += 4) {
      const o4 = <usize>q << 2;
      const h = v128.load(hr + o4);
      const dh = f32x4.add(v128.load(dhr + o4), v128.load(dhNext + o4));
      v128.store(dr + o4, relu ? v128.and(dh, f32x4.gt(h, zero)) : f32x4.mul(dh, f32x4.sub(one, f32x4.mul(h, h))));
    }
    for (; q < n; q++) {
      const o4 = <usize>q << 2;
      const h = load<f32>(hr + o4);
      const dh = load<f32>(dhr + o4) + load<f32>(dhNext + o4);
      store<f32>(dr + o4, relu ? (h > 0 ? dh : 0) : dh * (1 - h * h));
    }
    const dg = stepGrads(rdg, dxw, t, B, H);
    if (t > 0 || dh0) gemmCore(0, 0, B, H, H, 1, dg, H, whhP, H, 0, dhNext, H, packA, packB, packed);
  }
  hiddenWeightGrads(T, B, H, H, rdg ? rdg : dxw, dxw, rh0, rhs, dwhh, dbhh, packA, packB);
  if (dh0) memory.copy(dh0, dhNext, BH << 2);
}

// ---------------------------------------------------------------- shared

/**
 * dW_hh += dg[0]ᵀ·h0 + dg[1..]ᵀ·hs[0..T-2]; db_hh += Σ_rows dhw. dg is dhw, or in bf16 mode
 * dhw rounded (the bias gradient, a sum, stays float32: it reads dhw).
 */
function hiddenWeightGrads(
  T: i32, B: i32, H: i32, G: i32, dg: usize, dhw: usize, h0: usize, hs: usize, dwhh: usize, dbhh: usize,
  packA: usize, packB: usize,
): void {
  if (T <= 0) return;
  gemmCore(1, 0, G, H, B, 1, dg, G, h0, H, 1, dwhh, H, packA, packB, 0);
  if (T > 1) {
    gemmCore(1, 0, G, H, (T - 1) * B, 1, dg + (<usize>B * <usize>G << 2), G, hs, H, 1, dwhh, H, packA, packB, 0);
  }
  sumRows(dbhh, dhw, T * B, G);
}

/** The GEMM operand x (n floats): x itself, or in bf16 mode (scratch ≠ 0) x rounded into scratch. */
// @ts-ignore: decorator
@inline function bf16Operand(scratch: usize, x: usize, n: i32): usize {
  if (!scratch) return x;
  roundBf16(scratch, x, n);
  return scratch;
}

/** Step t's gate gradients ([B,G] of grads) as a GEMM operand: in bf16 mode rounded into rdg's row block t. */
// @ts-ignore: decorator
@inline function stepGrads(rdg: usize, grads: usize, t: i32, B: i32, G: i32): usize {
  const off = <usize>t * <usize>B * <usize>G << 2;
  return bf16Operand(rdg ? rdg + off : 0, grads + off, B * G);
}

/** db[c] += Σ_r dY[r, c] (rows × cols). */
export function sumRows(db: usize, dY: usize, rows: i32, cols: i32): void {
  sumRowsStrided(db, dY, rows, cols, cols);
}

/** db[c] += Σ_r dY[r·ld + c] for c < cols: each column's rows summed in order. */
export function sumRowsStrided(db: usize, dY: usize, rows: i32, cols: i32, ld: i32): void {
  for (let r = 0; r < rows; r++) {
    const yr = dY + (<usize>r * <usize>ld << 2);
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const o4 = <usize>c << 2;
      v128.store(db + o4, f32x4.add(v128.load(db + o4), v128.load(yr + o4)));
    }
    for (; c < cols; c++) {
      const o4 = <usize>c << 2;
      store<f32>(db + o4, load<f32>(db + o4) + load<f32>(yr + o4));
    }
  }
}

// ---------------------------------------------------------------- per-row gate math over units [j0, j1)
// (j0 a multiple of 4, so a unit takes the vector or the scalar path whatever the range: the
// threaded kernels, which call these per hidden-unit chunk, compute bit-identical values)

// @ts-ignore: decorator
@inline export function lstmFwdUnits(H: i32, j0: i32, j1: i32, pr: usize, xr: usize, bhh: usize, cr: usize, hr: usize, kr: usize): void {
  const pi = pr, pf = f4(pr, H), pg = f4(pr, 2 * H), po = f4(pr, 3 * H);
  const xi = xr, xf = f4(xr, H), xg = f4(xr, 2 * H), xo = f4(xr, 3 * H);
  const bi = bhh, bf = f4(bhh, H), bg = f4(bhh, 2 * H), bo = f4(bhh, 3 * H);
  let j = j0;
  for (; j + 4 <= j1; j += 4) {
    const o4 = <usize>j << 2;
    const i = vsigmoid(f32x4.add(f32x4.add(v128.load(xi + o4), v128.load(bi + o4)), v128.load(pi + o4)));
    const f = vsigmoid(f32x4.add(f32x4.add(v128.load(xf + o4), v128.load(bf + o4)), v128.load(pf + o4)));
    const g = vtanh(f32x4.add(f32x4.add(v128.load(xg + o4), v128.load(bg + o4)), v128.load(pg + o4)));
    const o = vsigmoid(f32x4.add(f32x4.add(v128.load(xo + o4), v128.load(bo + o4)), v128.load(po + o4)));
    const c = madd(f, v128.load(cr + o4), f32x4.mul(i, g));
    v128.store(cr + o4, c);
    v128.store(hr + o4, f32x4.mul(o, vtanh(c)));
    if (kr) {
      v128.store(kr + o4, i);
      v128.store(f4(kr, H) + o4, f);
      v128.store(f4(kr, 2 * H) + o4, g);
      v128.store(f4(kr, 3 * H) + o4, o);
      v128.store(f4(kr, 4 * H) + o4, c);
    }
  }
  for (; j < j1; j++) {
    const o4 = <usize>j << 2;
    const i = ssigmoid(load<f32>(xi + o4) + load<f32>(bi + o4) + load<f32>(pi + o4));
    const f = ssigmoid(load<f32>(xf + o4) + load<f32>(bf + o4) + load<f32>(pf + o4));
    const g = stanh(load<f32>(xg + o4) + load<f32>(bg + o4) + load<f32>(pg + o4));
    const o = ssigmoid(load<f32>(xo + o4) + load<f32>(bo + o4) + load<f32>(po + o4));
    const c = f * load<f32>(cr + o4) + i * g;
    store<f32>(cr + o4, c);
    store<f32>(hr + o4, o * stanh(c));
    if (kr) {
      store<f32>(kr + o4, i);
      store<f32>(f4(kr, H) + o4, f);
      store<f32>(f4(kr, 2 * H) + o4, g);
      store<f32>(f4(kr, 3 * H) + o4, o);
      store<f32>(f4(kr, 4 * H) + o4, c);
    }
  }
}

// @ts-ignore: decorator
@inline export function lstmBwdUnits(H: i32, j0: i32, j1: i32, kr: usize, dr: usize, dhr: usize, cpr: usize, nh: usize, nc: usize): void {
  const one = f32x4.splat(1);
  const ki = kr, kf = f4(kr, H), kg = f4(kr, 2 * H), ko = f4(kr, 3 * H), kc = f4(kr, 4 * H);
  const di = dr, df = f4(dr, H), dg = f4(dr, 2 * H), dO = f4(dr, 3 * H);
  let j = j0;
  for (; j + 4 <= j1; j += 4) {
    const o4 = <usize>j << 2;
    const i = v128.load(ki + o4), f = v128.load(kf + o4), g = v128.load(kg + o4), o = v128.load(ko + o4);
    const tc = vtanh(v128.load(kc + o4));
    const cp = cpr ? v128.load(cpr + o4) : f32x4.splat(0);
    const dh = f32x4.add(v128.load(dhr + o4), v128.load(nh + o4));
    const dc = madd(f32x4.mul(dh, o), f32x4.sub(one, f32x4.mul(tc, tc)), v128.load(nc + o4));
    v128.store(di + o4, f32x4.mul(f32x4.mul(dc, g), f32x4.mul(i, f32x4.sub(one, i))));
    v128.store(df + o4, f32x4.mul(f32x4.mul(dc, cp), f32x4.mul(f, f32x4.sub(one, f))));
    v128.store(dg + o4, f32x4.mul(f32x4.mul(dc, i), f32x4.sub(one, f32x4.mul(g, g))));
    v128.store(dO + o4, f32x4.mul(f32x4.mul(dh, tc), f32x4.mul(o, f32x4.sub(one, o))));
    v128.store(nc + o4, f32x4.mul(dc, f));
  }
  for (; j < j1; j++) {
    const o4 = <usize>j << 2;
    const i = load<f32>(ki + o4), f = load<f32>(kf + o4), g = load<f32>(kg + o4), o = load<f32>(ko + o4);
    const tc = stanh(load<f32>(kc + o4));
    const cp: f32 = cpr ? load<f32>(cpr + o4) : 0;
    const dh = load<f32>(dhr + o4) + load<f32>(nh + o4);
    const dc = load<f32>(nc + o4) + dh * o * (1 - tc * tc);
    store<f32>(di + o4, dc * g * (i * (1 - i)));
    store<f32>(df + o4, dc * cp * (f * (1 - f)));
    store<f32>(dg + o4, dc * i * (1 - g * g));
    store<f32>(dO + o4, dh * tc * (o * (1 - o)));
    store<f32>(nc + o4, dc * f);
  }
}

// @ts-ignore: decorator
@inline export function gruFwdUnits(H: i32, j0: i32, j1: i32, pr: usize, xr: usize, bhh: usize, hp: usize, hr: usize, kr: usize): void {
  const one = f32x4.splat(1);
  const pR = pr, pZ = f4(pr, H), pN = f4(pr, 2 * H);
  const xR = xr, xZ = f4(xr, H), xN = f4(xr, 2 * H);
  const bR = bhh, bZ = f4(bhh, H), bN = f4(bhh, 2 * H);
  let j = j0;
  for (; j + 4 <= j1; j += 4) {
    const o4 = <usize>j << 2;
    const r = vsigmoid(f32x4.add(v128.load(xR + o4), f32x4.add(v128.load(pR + o4), v128.load(bR + o4))));
    const z = vsigmoid(f32x4.add(v128.load(xZ + o4), f32x4.add(v128.load(pZ + o4), v128.load(bZ + o4))));
    const hn = f32x4.add(v128.load(pN + o4), v128.load(bN + o4));
    const n = vtanh(madd(r, hn, v128.load(xN + o4)));
    const h = madd(z, v128.load(hp + o4), f32x4.mul(f32x4.sub(one, z), n));
    v128.store(hr + o4, h);
    if (kr) {
      v128.store(kr + o4, r);
      v128.store(f4(kr, H) + o4, z);
      v128.store(f4(kr, 2 * H) + o4, n);
      v128.store(f4(kr, 3 * H) + o4, hn);
    }
  }
  for (; j < j1; j++) {
    const o4 = <usize>j << 2;
    const r = ssigmoid(load<f32>(xR + o4) + (load<f32>(pR + o4) + load<f32>(bR + o4)));
    const z = ssigmoid(load<f32>(xZ + o4) + (load<f32>(pZ + o4) + load<f32>(bZ + o4)));
    const hn = load<f32>(pN + o4) + load<f32>(bN + o4);
    const n = stanh(load<f32>(xN + o4) + r * hn);
    store<f32>(hr + o4, (1 - z) * n + z * load<f32>(hp + o4));
    if (kr) {
      store<f32>(kr + o4, r);
      store<f32>(f4(kr, H) + o4, z);
      store<f32>(f4(kr, 2 * H) + o4, n);
      store<f32>(f4(kr, 3 * H) + o4, hn);
    }
  }
}

// @ts-ignore: decorator
@inline export function gruBwdUnits(H: i32, j0: i32, j1: i32, kr: usize, dxr: usize, dwr: usize, dhr: usize, hpr: usize, nh: usize): void {
  const one = f32x4.splat(1);
  const kR = kr, kZ = f4(kr, H), kN = f4(kr, 2 * H), kH = f4(kr, 3 * H);
  let j = j0;
  for (; j + 4 <= j1; j += 4) {
    const o4 = <usize>j << 2;
    const r = v128.load(kR + o4), z = v128.load(kZ + o4), n = v128.load(kN + o4), hn = v128.load(kH + o4);
    const hp = v128.load(hpr + o4);
    const dh = f32x4.add(v128.load(dhr + o4), v128.load(nh + o4));
    const dnPre = f32x4.mul(f32x4.mul(dh, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(n, n)));
    const drPre = f32x4.mul(f32x4.mul(dnPre, hn), f32x4.mul(r, f32x4.sub(one, r)));
    const dzPre = f32x4.mul(f32x4.mul(dh, f32x4.sub(hp, n)), f32x4.mul(z, f32x4.sub(one, z)));
    v128.store(dxr + o4, drPre);
    v128.store(f4(dxr, H) + o4, dzPre);
    v128.store(f4(dxr, 2 * H) + o4, dnPre);
    v128.store(dwr + o4, drPre);
    v128.store(f4(dwr, H) + o4, dzPre);
    v128.store(f4(dwr, 2 * H) + o4, f32x4.mul(dnPre, r));
    v128.store(nh + o4, f32x4.mul(dh, z));
  }
  for (; j < j1; j++) {
    const o4 = <usize>j << 2;
    const r = load<f32>(kR + o4), z = load<f32>(kZ + o4), n = load<f32>(kN + o4), hn = load<f32>(kH + o4);
    const hp = load<f32>(hpr + o4);
    const dh = load<f32>(dhr + o4) + load<f32>(nh + o4);
    const dnPre = dh * (1 - z) * (1 - n * n);
    const drPre = dnPre * hn * (r * (1 - r));
    const dzPre = dh * (hp - n) * (z * (1 - z));
    store<f32>(dxr + o4, drPre);
    store<f32>(f4(dxr, H) + o4, dzPre);
    store<f32>(f4(dxr, 2 * H) + o4, dnPre);
    store<f32>(dwr + o4, drPre);
    store<f32>(f4(dwr, H) + o4, dzPre);
    store<f32>(f4(dwr, 2 * H) + o4, dnPre * r);
    store<f32>(nh + o4, dh * z);
  }
}

// @ts-ignore: decorator
@inline export function rnnFwdUnits(relu: i32, j0: i32, j1: i32, xr: usize, bhh: usize, hr: usize): void {
  const zero = f32x4.splat(0);
  let j = j0;
  for (; j + 4 <= j1; j += 4) {
    const o4 = <usize>j << 2;
    const s = f32x4.add(f32x4.add(v128.load(xr + o4), v128.load(bhh + o4)), v128.load(hr + o4));
    v128.store(hr + o4, relu ? f32x4.max(s, zero) : vtanh(s));
  }
  for (; j < j1; j++) {
    const o4 = <usize>j << 2;
    const s = load<f32>(xr + o4) + load<f32>(bhh + o4) + load<f32>(hr + o4);
    store<f32>(hr + o4, relu ? (s > 0 ? s : 0) : stanh(s));
  }
}
