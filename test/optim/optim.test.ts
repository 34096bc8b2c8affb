/**
 * Optimizers and gradient clipping against PyTorch: Adam (with L2 weight decay) against
 * test/fixtures/adam.json, SGD (plain and with momentum, PyTorch semantics) against
 * hand-computed steps, clip_grad_norm_ against test/fixtures/clip.json.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { JsBackend } from '../../src/backend/js/index.js';
import type { Backend } from '../../src/backend/backend.js';
import type { DType } from '../../src/tensor.js';
import { makeParam, type Param } from '../../src/nn/param.js';
import { Optimizer } from '../../src/optim/optimizer.js';
import { clipGradNorm, gradNorm } from '../../src/optim/clip.js';
import { assertClose } from '../helpers.js';

const dir = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));

interface AdamFixture {
  lr: number; beta1: number; beta2: number; eps: number; weight_decay: number; amsgrad: boolean;
  param: number[]; grads: number[][]; params: number[][];
}
interface ClipFixture {
  max_norm: number; norm_type: number; shapes: number[][];
  grads: number[][]; total_norm: number; clipped: number[][];
}

const adamFx = JSON.parse(readFileSync(dir + 'adam.json', 'utf8')) as AdamFixture;
const clipFx = JSON.parse(readFileSync(dir + 'clip.json', 'utf8')) as ClipFixture;

function param(be: Backend, name: string, values: readonly number[], shape: number[] = [values.length]): Param {
  const p = makeParam(be, name, shape);
  p.value.data.set(values);
  return p;
}

for (const [dtype, tol] of [['float64', 1e-12], ['float32', 1e-6]] as [DType, number][]) {
  test(`Adam matches torch.optim.Adam over 3 steps with weight decay (${dtype})`, () => {
    assert.equal(adamFx.amsgrad, false);
    const be = new JsBackend(dtype);
    const p = param(be, 'w', adamFx.param);
    const opt = new Optimizer(be, [p], {
      name: 'adam', lr: adamFx.lr, beta1: adamFx.beta1, beta2: adamFx.beta2, eps: adamFx.eps, weightDecay: adamFx.weight_decay,
    });
    assert.deepEqual([...opt.stateTensors().keys()], ['w.exp_avg', 'w.exp_avg_sq']);
    for (let k = 0; k < adamFx.grads.length; k++) {
      p.grad.data.set(adamFx.grads[k]);
      opt.apply();
      assert.equal(opt.step, k + 1);
      assertClose(`${dtype} Adam step ${k + 1}`, p.value.data, adamFx.params[k], tol);
    }
  });
}

test('Adam state: exp_avg and exp_avg_sq after 3 steps equal the recurrences on the L2-decayed gradient', () => {
  const be = new JsBackend('float64');
  const p = param(be, 'w', adamFx.param);
  const opt = new Optimizer(be, [p], {
    name: 'adam', lr: adamFx.lr, beta1: adamFx.beta1, beta2: adamFx.beta2, eps: adamFx.eps, weightDecay: adamFx.weight_decay,
  });
  const n = adamFx.param.length;
  const m = new Float64Array(n), v = new Float64Array(n);
  let w = Float64Array.from(adamFx.param);
  for (let k = 0; k < 3; k++) {
    p.grad.data.set(adamFx.grads[k]);
    for (let i = 0; i < n; i++) {
      const g = adamFx.grads[k][i] + adamFx.weight_decay * w[i];
      m[i] = adamFx.beta1 * m[i] + (1 - adamFx.beta1) * g;
      v[i] = adamFx.beta2 * v[i] + (1 - adamFx.beta2) * g * g;
    }
    opt.apply();
    w = Float64Array.from(adamFx.params[k]);
  }
  assertClose('exp_avg', opt.stateTensors().get('w.exp_avg')!.data, m, 1e-12);
  assertClose('exp_avg_sq', opt.stateTensors().get('w.exp_avg_sq')!.data, v, 1e-12);
});

test('Adam: defaults (0.9, 0.999, 1e-8, no decay); first step moves every coordinate by ≈ lr', () => {
  const be = new JsBackend('float64');
  const p = param(be, 'w', [1, -2, 3]);
  p.grad.data.set([0.5, -4, 1e-3]);
  new Optimizer(be, [p], { name: 'adam', lr: 0.1 }).apply();
  // step 1: m̂ = g, v̂ = g² ⇒ Δ = −lr·g/(|g| + eps)
  assertClose('w', p.value.data, [1 - 0.1 * 0.5 / (0.5 + 1e-8), -2 + 0.1 * 4 / (4 + 1e-8), 3 - 0.1 * 1e-3 / (1e-3 + 1e-8)], 1e-14);
});

test('SGD with momentum matches PyTorch over 3 steps (first step buf = g, dampening 0)', () => {
  const be = new JsBackend('float64');
  const p = param(be, 'w', [1, -2]);
  const opt = new Optimizer(be, [p], { name: 'sgd', lr: 0.1, momentum: 0.9 });
  assert.deepEqual([...opt.stateTensors().keys()], ['w.momentum_buffer']);
  const grads = [[1, 0.5], [-1, 2], [0.5, 0.5]];
  // buf1 = g1 = [1, 0.5]                                   p1 = [0.9, −2.05]
  // buf2 = 0.9·[1, 0.5] + [−1, 2] = [−0.1, 2.45]           p2 = [0.91, −2.295]
  // buf3 = 0.9·[−0.1, 2.45] + [0.5, 0.5] = [0.41, 2.705]   p3 = [0.869, −2.5655]
  const want = [[0.9, -2.05], [0.91, -2.295], [0.869, -2.5655]];
  const bufs = [[1, 0.5], [-0.1, 2.45], [0.41, 2.705]];
  for (let k = 0; k < 3; k++) {
    p.grad.data.set(grads[k]);
    opt.apply();
    assertClose(`SGD momentum step ${k + 1}`, p.value.data, want[k], 1e-14);
    assertClose(`SGD momentum buffer step ${k + 1}`, opt.stateTensors().get('w.momentum_buffer')!.data, bufs[k], 1e-14);
  }
});

test('SGD with momentum and weight decay matches PyTorch over 3 steps (d_p = g + wd·p before the buffer)', () => {
  const be = new JsBackend('float64');
  const p = param(be, 'w', [1, -2]);
  const opt = new Optimizer(be, [p], { name: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0.1 });
  const grads = [[1, 0.5], [-1, 2], [0.5, 0.5]];
  // d1 = [1.1, 0.3]           buf1 = [1.1, 0.3]          p1 = [0.89, −2.03]
  // d2 = [−0.911, 1.797]      buf2 = [0.079, 2.067]      p2 = [0.8821, −2.2367]
  // d3 = [0.58821, 0.27633]   buf3 = [0.65931, 2.13663]  p3 = [0.816169, −2.450363]
  const want = [[0.89, -2.03], [0.8821, -2.2367], [0.816169, -2.450363]];
  for (let k = 0; k < 3; k++) {
    p.grad.data.set(grads[k]);
    opt.apply();
    assertClose(`SGD momentum+wd step ${k + 1}`, p.value.data, want[k], 1e-14);
  }
  assertClose('buffer', opt.stateTensors().get('w.momentum_buffer')!.data, [0.65931, 2.13663], 1e-14);
});

test('plain SGD (no momentum: no state) and a learning rate changed between steps', () => {
  const be = new JsBackend('float64');
  const p = param(be, 'w', [1, -2]);
  const opt = new Optimizer(be, [p], { name: 'sgd', lr: 0.1 });
  assert.equal(opt.stateTensors().size, 0);
  p.grad.data.set([1, 0.5]);
  opt.apply();
  assertClose('step 1', p.value.data, [0.9, -2.05], 1e-15);
  p.grad.data.set([-1, 2]);
  opt.lr = 0.05;
  opt.apply();
  assertClose('step 2', p.value.data, [0.95, -2.15], 1e-15);
});

test('the optimizer steps every param it was given, keeping separate state', () => {
  const be = new JsBackend('float64');
  const a = param(be, 'a', [1, 2]), b = param(be, 'b', [3, 4, 5, 6], [2, 2]);
  const opt = new Optimizer(be, [a, b], { name: 'sgd', lr: 1, momentum: 0.5 });
  a.grad.data.set([1, 1]);
  b.grad.data.set([2, 2, 2, 2]);
  opt.apply();
  opt.apply();
  // buf: g, then 0.5·g + g = 1.5·g; total step 2.5·g
  assertClose('a', a.value.data, [-1.5, -0.5], 1e-15);
  assertClose('b', b.value.data, [-2, -1, 0, 1], 1e-15);
  assert.deepEqual(opt.stateTensors().get('b.momentum_buffer')!.shape, [2, 2]);
});

function clipParams(be: Backend): Param[] {
  return clipFx.shapes.map((shape, k) => {
    const p = makeParam(be, `p${k}`, shape);
    p.grad.data.set(clipFx.grads[k]);
    return p;
  });
}

for (const [dtype, tol] of [['float64', 1e-7], ['float32', 1e-6]] as [DType, number][]) {
  test(`clipGradNorm matches torch.nn.utils.clip_grad_norm_ (${dtype})`, () => {
    assert.equal(clipFx.norm_type, 2);
    const be = new JsBackend(dtype);
    const ps = clipParams(be);
    assert.ok(Math.abs(gradNorm(be, ps) - clipFx.total_norm) <= tol * clipFx.total_norm);
    const norm = clipGradNorm(be, ps, clipFx.max_norm);
    assert.ok(Math.abs(norm - clipFx.total_norm) <= tol * clipFx.total_norm, `norm ${norm} vs ${clipFx.total_norm}`);
    ps.forEach((p, k) => assertClose(`${dtype} clipped ${p.name}`, p.grad.data, clipFx.clipped[k], tol));
  });
}

test('clipGradNorm: PyTorch\'s +1e-6 in the coefficient is visible at 1e-7 in float64', () => {
  const be = new JsBackend('float64');
  const ps = clipParams(be);
  clipGradNorm(be, ps, clipFx.max_norm);
  // without the 1e-6 the clipped grads would differ by ≈ 1e-6/4.18 ≈ 2.4e-7 relative
  const without = clipFx.grads[0].map((g) => (g * clipFx.max_norm) / clipFx.total_norm);
  assert.ok(Math.abs(ps[0].grad.data[0] - without[0]) > 1e-7 * Math.abs(without[0]));
  assertClose('tight', ps[0].grad.data, clipFx.clipped[0], 1e-12);
  // the clipped norm is max_norm·norm/(norm + 1e-6), just under max_norm
  assert.ok(Math.abs(gradNorm(be, ps) - clipFx.max_norm * clipFx.total_norm / (clipFx.total_norm + 1e-6)) < 1e-12);
});

test('clipGradNorm leaves gradients alone below the threshold and when maxNorm is 0', () => {
  const be = new JsBackend('float64');
  for (const maxNorm of [10, 0]) {
    const ps = clipParams(be);
    const norm = clipGradNorm(be, ps, maxNorm);
    assert.ok(Math.abs(norm - clipFx.total_norm) < 1e-12);
    ps.forEach((p, k) => assert.deepEqual(Array.from(p.grad.data), clipFx.grads[k]));
  }
});
