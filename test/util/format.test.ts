import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fmtLoss } from '../../src/util/format.js';

test('fmtLoss: 4 decimals; a diverged run\'s huge losses in exponent form, never 20 digits; NaN and Infinity as words', () => {
  assert.equal(fmtLoss(3.84914), '3.8491');
  assert.equal(fmtLoss(0), '0.0000');
  assert.equal(fmtLoss(999999.5), '999999.5000');
  assert.equal(fmtLoss(6.057947550500839e29), '6.058e+29');
  assert.equal(fmtLoss(1234567), '1.235e+6');
  assert.equal(fmtLoss(NaN), 'NaN');
  assert.equal(fmtLoss(Infinity), 'Infinity');
  assert.equal(fmtLoss(-Infinity), '-Infinity');
});
