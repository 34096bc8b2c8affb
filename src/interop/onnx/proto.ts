/**
 * ONNX protobuf bytes, written by protobufjs from the ONNX project's own schema
 * (data/onnx/onnx.proto3, loaded once at run time), so no byte of the wire format is
 * hand-made here and the field numbers are exactly ONNX's.
 */
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/** dist/src/interop/onnx/proto.js → data/onnx/onnx.proto3 (shipped with the package). */
const SCHEMA = fileURLToPath(new URL('../../../../data/onnx/onnx.proto3', import.meta.url));

let modelType: protobuf.Type | null = null;

function onnxModelType(): protobuf.Type {
  if (!modelType) modelType = protobuf.loadSync(SCHEMA).lookupType('onnx.ModelProto');
  return modelType;
}

/** ModelProto as a plain object with protobufjs's camelCase field names (irVersion, graph, …). */
export type ModelObject = Record<string, unknown>;

/** The bytes of a ModelProto; a field the schema does not know is a bug here, so it throws. */
export function encodeOnnxModel(model: ModelObject): Uint8Array {
  const type = onnxModelType();
  const err = type.verify(model);
  if (err) throw new Error(`ONNX model does not fit onnx.proto3: ${err}`);
  return type.encode(type.fromObject(model)).finish();
}

/** The plain object of ModelProto bytes (for tests and tools reading an exported file). */
export function decodeOnnxModel(bytes: Uint8Array): ModelObject {
  const type = onnxModelType();
  return type.toObject(type.decode(bytes), { longs: Number, bytes: Array, defaults: false }) as ModelObject;
}
