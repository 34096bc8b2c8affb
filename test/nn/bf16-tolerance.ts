/**
 * The tolerances of bf16 mode (--precision bf16) against PyTorch, shared by the language-model
 * and classifier parity tests (their reasons: pytorch-parity.test.ts).
 */

/** Against the fixtures' "bf16" entries (PyTorch's own bf16-operand emulation, float64). Measured: ≤ 3e-7. */
export const BF16_TOL = 1e-4;
/** Against the fp32 references (bf16's own rounding error, through a few products). Measured: ≤ 1e-2. */
export const BF16_VS_FP32 = 2e-2;
