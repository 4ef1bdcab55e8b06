/**
 * Reads just the signature of an ONNX model (graph inputs and outputs with element types and shapes, and
 * the element types of its initializers) with a minimal protobuf decoder, so a user's ONNX file can be
 * checked before it reaches a runtime. Large fields (weights) are skipped, never copied.
 * Field numbers: https://github.com/onnx/onnx/blob/main/onnx/onnx.proto3 (ModelProto 7 graph; GraphProto
 * 5 initializer, 11 input, 12 output; ValueInfoProto 1 name, 2 type; TypeProto 1 tensor_type;
 * Tensor 1 elem_type, 2 shape; Dimension 1 dim_value, 2 dim_param; TensorProto 2 data_type, 8 name).
 * Protobuf encoding: https://protobuf.dev/programming-guides/encoding/. Pure: no DOM, no Node APIs.
 */

import { CheckpointError } from '../checkpoint/checkpoint-error.ts';

export const ONNX_FLOAT = 1;
export const ONNX_FLOAT16 = 10;

/** A dimension: a number, a symbolic name, or null when the file leaves it unknown. */
export type OnnxDim = number | string | null;

export interface OnnxValueSignature {
  name: string;
  /** TensorProto.DataType (1 float32, 10 float16...). 0 when absent. */
  elemType: number;
  /** null when the file declares no shape. */
  dims: OnnxDim[] | null;
}

export interface OnnxSignature {
  /** Graph inputs that are not initializers (older exporters list weights as inputs too). */
  inputs: OnnxValueSignature[];
  outputs: OnnxValueSignature[];
  /** Element types of the initializers, with counts. */
  initializerTypes: Map<number, number>;
}

export class OnnxParseError extends Error {
  override readonly name = 'OnnxParseError';
}

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

interface Field {
  field: number;
  wire: number;
  /** Varint value (as a number; exact below 2^53), or 0. */
  value: number;
  /** Length-delimited payload, or an empty array. */
  bytes: Uint8Array;
}

/** Iterates the fields of one message; throws OnnxParseError on anything malformed. */
function* fields(bytes: Uint8Array): Generator<Field> {
  let pos = 0;
  const varint = (): number => {
    let value = 0;
    let multiplier = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= bytes.length) throw new OnnxParseError('a varint runs past the end of the data');
      const b = bytes[pos++]!;
      value += (b & 0x7f) * multiplier;
      if ((b & 0x80) === 0) return value;
      multiplier *= 128;
    }
    throw new OnnxParseError('a varint is longer than 10 bytes');
  };
  while (pos < bytes.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 0) throw new OnnxParseError('field number 0');
    if (wire === WIRE_VARINT) {
      yield { field, wire, value: varint(), bytes: new Uint8Array(0) };
    } else if (wire === WIRE_LEN) {
      const length = varint();
      if (pos + length > bytes.length)
        throw new OnnxParseError(`field ${field} (${length} bytes) runs past the end of the data`);
      yield { field, wire, value: 0, bytes: bytes.subarray(pos, pos + length) };
      pos += length;
    } else if (wire === WIRE_I64 || wire === WIRE_I32) {
      pos += wire === WIRE_I64 ? 8 : 4;
      if (pos > bytes.length) throw new OnnxParseError(`field ${field} runs past the end of the data`);
    } else {
      throw new OnnxParseError(`field ${field} has unsupported wire type ${wire}`);
    }
  }
}

const utf8 = new TextDecoder();

/** int64 dim_value as written by varint: negative values would be 2^64 - n, i.e. not a usable size. */
function dimension(bytes: Uint8Array): OnnxDim {
  let dim: OnnxDim = null;
  for (const f of fields(bytes)) {
    if (f.field === 1 && f.wire === WIRE_VARINT) dim = f.value;
    if (f.field === 2 && f.wire === WIRE_LEN) dim = utf8.decode(f.bytes);
  }
  return dim;
}

function valueInfo(bytes: Uint8Array): OnnxValueSignature {
  const result: OnnxValueSignature = { name: '', elemType: 0, dims: null };
  for (const f of fields(bytes)) {
    if (f.field === 1 && f.wire === WIRE_LEN) result.name = utf8.decode(f.bytes);
    if (f.field !== 2 || f.wire !== WIRE_LEN) continue;
    for (const t of fields(f.bytes)) {
      if (t.field !== 1 || t.wire !== WIRE_LEN) continue; // only tensor_type
      for (const tensor of fields(t.bytes)) {
        if (tensor.field === 1 && tensor.wire === WIRE_VARINT) result.elemType = tensor.value;
        if (tensor.field === 2 && tensor.wire === WIRE_LEN) {
          result.dims = [];
          for (const d of fields(tensor.bytes))
            if (d.field === 1 && d.wire === WIRE_LEN) result.dims.push(dimension(d.bytes));
        }
      }
    }
  }
  return result;
}

/** Reads the signature of an ONNX ModelProto. Throws OnnxParseError when the bytes are not one. */
export function readOnnxSignature(bytes: Uint8Array): OnnxSignature {
  let graph: Uint8Array | undefined;
  let irVersion = 0;
  for (const f of fields(bytes)) {
    if (f.field === 1 && f.wire === WIRE_VARINT) irVersion = f.value;
    if (f.field === 7 && f.wire === WIRE_LEN) graph = f.bytes;
  }
  if (irVersion === 0 || !graph)
    throw new OnnxParseError('no ir_version or no graph: not an ONNX ModelProto');

  const inputs: OnnxValueSignature[] = [];
  const outputs: OnnxValueSignature[] = [];
  const initializerNames = new Set<string>();
  const initializerTypes = new Map<number, number>();
  for (const f of fields(graph)) {
    if (f.wire !== WIRE_LEN) continue;
    if (f.field === 11) inputs.push(valueInfo(f.bytes));
    else if (f.field === 12) outputs.push(valueInfo(f.bytes));
    else if (f.field === 5) {
      let type = 0;
      for (const t of fields(f.bytes)) {
        if (t.field === 2 && t.wire === WIRE_VARINT) type = t.value;
        if (t.field === 8 && t.wire === WIRE_LEN) initializerNames.add(utf8.decode(t.bytes));
      }
      initializerTypes.set(type, (initializerTypes.get(type) ?? 0) + 1);
    }
  }
  return { inputs: inputs.filter((i) => !initializerNames.has(i.name)), outputs, initializerTypes };
}

const formatDims = (dims: OnnxDim[] | null): string =>
  dims === null ? 'no shape' : `[${dims.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;

/** For messages: `"input" float32 [?, 3, 224, 224]`. */
export const describeValue = (v: OnnxValueSignature): string =>
  `"${v.name}" ${v.elemType === ONNX_FLOAT ? 'float32' : `elem_type ${v.elemType}`} ${formatDims(v.dims)}`;

/** float32 with any batch dimension (symbolic, unknown or fixed) and every other dimension equal to `rest`. */
export function isFloatBatchOf(v: OnnxValueSignature, rest: readonly number[]): boolean {
  return (
    v.elemType === ONNX_FLOAT &&
    v.dims !== null &&
    v.dims.length === rest.length + 1 &&
    rest.every((n, i) => v.dims![i + 1] === n)
  );
}

/** The signature of a file the user gave as ONNX; a file that is not one is refused, saying what to use. */
export function readUserOnnxSignature(bytes: Uint8Array, getIt: string): OnnxSignature {
  try {
    return readOnnxSignature(bytes);
  } catch (error) {
    throw new CheckpointError(
      'format',
      `The file is neither a PyTorch checkpoint (.pt, a ZIP) nor an ONNX model (${(error as Error).message}). ${getIt}`,
    );
  }
}
