/**
 * `rnnlab info` says which GEMM kernel --precision bf16 runs and why: vdpbf16ps on a CPU with
 * AVX-512 BF16 at the AVX-512 level, else the emulation (and on js/wasm always the emulation).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nativeAvailability } from '../../src/backend/native/index.js';
import { assertOk, inParallel, rnnlabAsync, tempDir } from './helpers.js';

interface Info { backend: string; bf16: { kernel: string; detail: string } }

test('rnnlab info: a bf16 line and JSON field naming the bf16 kernel and why', async (t) => {
  const cwd = tempDir('info-bf16');
  const [text, json, avx2, js] = await inParallel([
    () => rnnlabAsync(['info', '--backend', 'native'], { cwd }),
    () => rnnlabAsync(['info', '--backend', 'native', '--json'], { cwd }),
    () => rnnlabAsync(['info', '--backend', 'native', '--json'], { cwd, env: { RNNLAB_NATIVE_SIMD: 'avx2' } }),
    () => rnnlabAsync(['info', '--backend', 'js', '--json'], { cwd }),
  ]);
  assertOk(text, 'info --backend native');
  const line = /^bf16\s+(.+)$/m.exec(text.stdout);
  assert.ok(line, text.stdout);
  t.diagnostic(`this machine: bf16 ${line[1]}`);
  assertOk(json, 'info --backend native --json');
  const info = JSON.parse(json.stdout) as Info;
  assert.equal(info.bf16.detail, line[1]);
  if (info.bf16.kernel === 'avx512bf16') {
    assert.match(line[1], /^AVX-512 BF16 \(vdpbf16ps\); (no AMX on this CPU|AMX-BF16 present but rnnlab has no AMX kernel)$/);
  } else {
    assert.equal(info.bf16.kernel, 'emulated');
    assert.match(line[1], /^emulated \(operands rounded to bf16 while packing, .* fp32 kernels\): /);
  }
  // a lowered level runs the emulation, and says why
  assertOk(avx2, 'RNNLAB_NATIVE_SIMD=avx2 info');
  const a = JSON.parse(avx2.stdout) as Info;
  assert.equal(a.bf16.kernel, 'emulated');
  if (nativeAvailability().simd === 'avx512') assert.match(a.bf16.detail, /AVX2 fp32 kernels/);
  assertOk(js, 'info --backend js --json');
  assert.match((JSON.parse(js.stdout) as Info).bf16.detail, /^emulated by the js backend/);
});
