// Shared SIMD helpers: fused multiply-add (relaxed FMA when the module is built with
// relaxed-simd, else mul + add), rational tanh / sigmoid and a vectorised exp.
// Every function here is inlined; none allocates.

/** a·b + c. `ASC_FEATURE_RELAXED_SIMD` is a compile-time constant, so the other branch is dropped. */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

// Eigen's 13/6 rational approximation of tanh (generic_fast_tanh_float) with |x| clamped to 9:
// the rational function stays below 1 up to 9 (r(9) = 1 − 8e-9, which rounds to 1 in float32),
// so saturation is exact; max error vs tanh ≈ 3.5e-8 in exact arithmetic, ≈ 3e-7 measured in
// float32 (a few ulp). (Eigen's own clamp 7.905 would leave 1 − 2.5e-7 for large |x|.)
const TANH_CLAMP: f32 = 9;
const A1: f32 = 4.89352455891786e-3;
const A3: f32 = 6.37261928875436e-4;
const A5: f32 = 1.48572235717979e-5;
const A7: f32 = 5.12229709037114e-8;
const A9: f32 = -8.60467152213735e-11;
const A11: f32 = 2.00018790482477e-13;
const A13: f32 = -2.76076847742355e-16;
const B0: f32 = 4.89352518554385e-3;
const B2: f32 = 2.268434632439e-3;
const B4: f32 = 1.18534705686654e-4;
const B6: f32 = 1.19825839466702e-6;

// @ts-ignore: decorator
@inline export function vtanh(x0: v128): v128 {
  const x = f32x4.min(f32x4.max(x0, f32x4.splat(-TANH_CLAMP)), f32x4.splat(TANH_CLAMP));
  const x2 = f32x4.mul(x, x);
  let p = madd(x2, f32x4.splat(A13), f32x4.splat(A11));
  p = madd(x2, p, f32x4.splat(A9));
  p = madd(x2, p, f32x4.splat(A7));
  p = madd(x2, p, f32x4.splat(A5));
  p = madd(x2, p, f32x4.splat(A3));
  p = madd(x2, p, f32x4.splat(A1));
  p = f32x4.mul(p, x);
  let q = madd(x2, f32x4.splat(B6), f32x4.splat(B4));
  q = madd(x2, q, f32x4.splat(B2));
  q = madd(x2, q, f32x4.splat(B0));
  return f32x4.div(p, q);
}

/** σ(x) = ½·tanh(½x) + ½ */
// @ts-ignore: decorator
@inline export function vsigmoid(x: v128): v128 {
  const h = f32x4.splat(0.5);
  return madd(vtanh(f32x4.mul(x, h)), h, h);
}

// @ts-ignore: decorator
@inline export function stanh(x0: f32): f32 {
  const x = min(max(x0, -TANH_CLAMP), TANH_CLAMP);
  const x2 = x * x;
  let p = x2 * A13 + A11;
  p = x2 * p + A9;
  p = x2 * p + A7;
  p = x2 * p + A5;
  p = x2 * p + A3;
  p = x2 * p + A1;
  p = p * x;
  let q = x2 * B6 + B4;
  q = x2 * q + B2;
  q = x2 * q + B0;
  return p / q;
}

// @ts-ignore: decorator
@inline export function ssigmoid(x: f32): f32 {
  return stanh(x * 0.5) * 0.5 + 0.5;
}

// Cephes expf: e^x = 2^n · e^r, n = round(x·log2 e), |r| ≤ ½ln 2, degree-5 polynomial.
// Inputs are clamped to [-87.33, 88.37] (the callers only pass x ≤ 0). Error ≈ 1–2 ulp.
const EXP_LO: f32 = -87.33654;
const EXP_HI: f32 = 88.3762626647949;
const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const P0: f32 = 1.9875691500e-4;
const P1: f32 = 1.3981999507e-3;
const P2: f32 = 8.3334519073e-3;
const P3: f32 = 4.1665795894e-2;
const P4: f32 = 1.6666665459e-1;
const P5: f32 = 5.0000001201e-1;

// @ts-ignore: decorator
@inline export function vexp(x0: v128): v128 {
  let x = f32x4.min(f32x4.max(x0, f32x4.splat(EXP_LO)), f32x4.splat(EXP_HI));
  const fx = f32x4.nearest(f32x4.mul(x, f32x4.splat(LOG2E)));
  x = f32x4.sub(x, f32x4.mul(fx, f32x4.splat(LN2_HI)));
  x = f32x4.sub(x, f32x4.mul(fx, f32x4.splat(LN2_LO)));
  const z = f32x4.mul(x, x);
  let y = madd(f32x4.splat(P0), x, f32x4.splat(P1));
  y = madd(y, x, f32x4.splat(P2));
  y = madd(y, x, f32x4.splat(P3));
  y = madd(y, x, f32x4.splat(P4));
  y = madd(y, x, f32x4.splat(P5));
  y = madd(y, z, f32x4.add(x, f32x4.splat(1)));
  const n = i32x4.trunc_sat_f32x4_s(fx);
  const scale = i32x4.shl(i32x4.add(n, i32x4.splat(127)), 23);
  return f32x4.mul(y, scale);
}

// @ts-ignore: decorator
@inline export function sexp(x: f32): f32 {
  return f32x4.extract_lane(vexp(f32x4.splat(x)), 0);
}
