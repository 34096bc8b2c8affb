/** `rnnlab export --format onnx` (the ONNX helper builds this file). */
import { RnnlabError } from '../errors.js';

export async function exportOnnxAction(_o: Record<string, any>): Promise<void> {
  throw new RnnlabError('export --format onnx is being built');
}
