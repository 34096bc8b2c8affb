/**
 * What the layers without parameters share (dropout, activations, pooling and selection over
 * time): no state_dict entries, and a workspace for their output and gradient buffers.
 */
import type { Backend } from '../../backend/backend.js';
import type { Act, ForwardContext, Layer } from '../layer.js';
import type { Buffer, Param } from '../param.js';
import { Workspace } from '../workspace.js';

export abstract class ParameterFreeLayer implements Layer {
  readonly prefix = '';
  protected readonly ws: Workspace;

  constructor(protected readonly backend: Backend) {
    this.ws = new Workspace(backend);
  }

  params(): Param[] {
    return [];
  }

  buffers(): Buffer[] {
    return [];
  }

  abstract forward(x: Act, ctx: ForwardContext): Act;
  abstract backward(dy: Act, needInput: boolean): Act | null;
}
