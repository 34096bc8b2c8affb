/** Node or a browser? Node-only modules are imported lazily and only under Node, so the rest loads in both. */
export function isNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
}
