/** `rnnlab export --format pytorch` (the PyTorch helper builds this file). */
import { RnnlabError } from '../errors.js';

export async function exportPytorchAction(_o: Record<string, any>): Promise<void> {
  throw new RnnlabError('export --format pytorch is being built');
}
