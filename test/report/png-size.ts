/** The size a PNG file declares, checking its signature and that IHDR comes first. */
import assert from 'node:assert/strict';

export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  assert.deepEqual([...bytes.subarray(0, 8)], PNG_SIGNATURE, 'the PNG signature');
  const b = Buffer.from(bytes);
  assert.equal(b.toString('latin1', 12, 16), 'IHDR');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}
