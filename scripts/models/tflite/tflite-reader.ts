/**
 * Reads a .tflite FlatBuffer into plain objects: tensors (shape, type, constant data, name), operators (kind,
 * inputs, outputs, decoded builtin options) and operator codes. It only understands the ops MediaPipe's BlazeFace
 * files use (../../../../shared/MODELS.md, section 1) and throws, naming the op and its output tensor, on anything
 * else, so a new model version cannot be converted half-right.
 */
import { FlatTable } from './flatbuffer-table.ts';
import {
  ACTIVATIONS,
  BUILTIN_OPS,
  CUSTOM_OP_CODE,
  FIELDS,
  OPTIONS_TYPE,
  PADDINGS,
  TENSOR_TYPES,
  type TfliteActivation,
  type TfliteOpKind,
  type TflitePadding,
  type TfliteTensorType,
} from './tflite-schema.ts';

export interface TfliteTensor {
  index: number;
  name: string;
  shape: number[];
  type: TfliteTensorType;
  /** Constant contents (little-endian, a view into the file), or undefined for activations. */
  data: Uint8Array | undefined;
}

export interface Conv2dOptions {
  padding: TflitePadding;
  strideW: number;
  strideH: number;
  dilationW: number;
  dilationH: number;
  activation: TfliteActivation;
}

export interface DepthwiseConv2dOptions extends Conv2dOptions {
  depthMultiplier: number;
}

export interface Pool2dOptions {
  padding: TflitePadding;
  strideW: number;
  strideH: number;
  filterW: number;
  filterH: number;
  activation: TfliteActivation;
}

interface OpBase {
  /** Position in the subgraph's execution order. */
  index: number;
  /** Tensor indices; -1 marks an omitted optional input. */
  inputs: number[];
  outputs: number[];
}

export type TfliteOperator = OpBase &
  (
    | { kind: 'ADD'; options: { activation: TfliteActivation } }
    | { kind: 'CONCATENATION'; options: { axis: number; activation: TfliteActivation } }
    | { kind: 'CONV_2D'; options: Conv2dOptions }
    | { kind: 'DEPTHWISE_CONV_2D'; options: DepthwiseConv2dOptions }
    | { kind: 'DEQUANTIZE'; options: Record<string, never> }
    | { kind: 'MAX_POOL_2D'; options: Pool2dOptions }
    | { kind: 'RELU'; options: Record<string, never> }
    | { kind: 'RESHAPE'; options: { newShape: number[] | undefined } }
    | { kind: 'RESIZE_BILINEAR'; options: { alignCorners: boolean; halfPixelCenters: boolean } }
    | { kind: 'PAD'; options: Record<string, never> }
  );

export interface TfliteSubgraph {
  name: string;
  tensors: TfliteTensor[];
  inputs: number[];
  outputs: number[];
  operators: TfliteOperator[];
}

export interface TfliteModel {
  /** Schema version (3 for every file written since 2017). */
  version: number;
  description: string;
  /** Resolved op of each OperatorCode, in file order: a kind, or a description of a code this reader lacks. */
  operatorCodes: string[];
  subgraphs: TfliteSubgraph[];
}

const FILE_IDENTIFIER = 'TFL3';
const SCHEMA_VERSION = 3;

export function readTflite(bytes: Uint8Array): TfliteModel {
  const ident = new TextDecoder().decode(bytes.subarray(4, 8));
  if (ident !== FILE_IDENTIFIER) {
    throw new Error(
      `TFLite: file identifier is '${ident}', expected '${FILE_IDENTIFIER}'; is this a .tflite file?`,
    );
  }
  const F = FIELDS.model;
  const model = FlatTable.root(bytes, 'Model');
  const version = model.uint32(F.version);
  if (version !== SCHEMA_VERSION)
    throw new Error(`TFLite: schema version ${version}, this reader knows ${SCHEMA_VERSION}`);

  const operatorCodes = model.tables(F.operatorCodes, 'OperatorCode').map(readOperatorCode);
  const buffers = model.tables(F.buffers, 'Buffer').map((b, i) => readBuffer(b, i));
  const subgraphs = model
    .tables(F.subgraphs, 'SubGraph')
    .map((sg, i) => readSubgraph(sg, i, operatorCodes, buffers));
  return {
    version,
    description: model.string(F.description) ?? '',
    operatorCodes: operatorCodes.map(describe),
    subgraphs,
  };
}

type OpCode = { kind: TfliteOpKind } | { unknown: string };

function describe(code: OpCode): string {
  return 'kind' in code ? code.kind : code.unknown;
}

function readOperatorCode(t: FlatTable): OpCode {
  const F = FIELDS.operatorCode;
  // Old files only set the byte-sized deprecated_builtin_code, new ones both (127 = "see builtin_code" for codes
  // above 126): TFLite takes the larger (tensorflow/lite/schema/schema_utils.cc, GetBuiltinCode).
  const code = Math.max(t.int8(F.deprecatedBuiltinCode), t.int32(F.builtinCode));
  if (code === CUSTOM_OP_CODE) return { unknown: `CUSTOM '${t.string(F.customCode) ?? '?'}'` };
  const kind = (Object.keys(BUILTIN_OPS) as TfliteOpKind[]).find((k) => BUILTIN_OPS[k] === code);
  return kind === undefined ? { unknown: `builtin code ${code}` } : { kind };
}

function readBuffer(t: FlatTable, index: number): Uint8Array | undefined {
  const F = FIELDS.buffer;
  // Files over 2 GB keep weights after the FlatBuffer (offset > 1, with size); BlazeFace never does.
  if (t.uint64(F.offset) > 1n)
    throw new Error(`TFLite: buffer ${index} is stored outside the FlatBuffer (offset/size), not supported`);
  const data = t.bytes(F.data);
  return data === undefined || data.length === 0 ? undefined : data;
}

function readSubgraph(
  t: FlatTable,
  sgIndex: number,
  codes: OpCode[],
  buffers: (Uint8Array | undefined)[],
): TfliteSubgraph {
  const F = FIELDS.subgraph;
  const tensors = t.tables(F.tensors, 'Tensor').map((tt, i) => readTensor(tt, i, buffers));
  const checkIndices = (list: number[] | undefined, what: string): number[] => {
    for (const i of list ?? []) {
      if (i < -1 || i >= tensors.length)
        throw new Error(`TFLite: subgraph ${sgIndex} ${what} refers to tensor ${i} of ${tensors.length}`);
    }
    return list ?? [];
  };
  const operators = t.tables(F.operators, 'Operator').map((op, i) => {
    const parsed = readOperator(op, i, codes, tensors);
    checkIndices(parsed.inputs, `op ${i} inputs`);
    checkIndices(parsed.outputs, `op ${i} outputs`);
    return parsed;
  });
  return {
    name: t.string(F.name) ?? '',
    tensors,
    inputs: checkIndices(t.int32s(F.inputs), 'inputs'),
    outputs: checkIndices(t.int32s(F.outputs), 'outputs'),
    operators,
  };
}

function readTensor(t: FlatTable, index: number, buffers: (Uint8Array | undefined)[]): TfliteTensor {
  const F = FIELDS.tensor;
  const name = t.string(F.name) ?? `tensor_${index}`;
  const typeCode = t.int8(F.type);
  const type = TENSOR_TYPES[typeCode];
  if (type === undefined) throw new Error(`TFLite: tensor '${name}' has unknown type code ${typeCode}`);
  // Quantised (scale/zero-point) and sparse tensors would need decoding this reader does not do.
  const scales = t.table(F.quantization, 'QuantizationParameters')?.bytes(FIELDS.quantization.scale);
  if (scales !== undefined && scales.length > 0)
    throw new Error(`TFLite: tensor '${name}' is quantised (scale/zero-point), not supported`);
  if (t.has(F.sparsity))
    throw new Error(`TFLite: tensor '${name}' is sparse, not supported (use the dense .tflite)`);
  if (t.bool(F.isVariable)) throw new Error(`TFLite: tensor '${name}' is a variable, not supported`);
  const buffer = t.uint32(F.buffer);
  if (buffer >= buffers.length)
    throw new Error(`TFLite: tensor '${name}' refers to buffer ${buffer} of ${buffers.length}`);
  return { index, name, shape: t.int32s(F.shape) ?? [], type, data: buffers[buffer] };
}

function readOperator(t: FlatTable, index: number, codes: OpCode[], tensors: TfliteTensor[]): TfliteOperator {
  const F = FIELDS.operator;
  const inputs = t.int32s(F.inputs) ?? [];
  const outputs = t.int32s(F.outputs) ?? [];
  const firstOut = outputs[0] === undefined ? undefined : tensors[outputs[0]];
  const where = `op #${index} (output tensor '${firstOut?.name ?? '?'}')`;
  const opcodeIndex = t.uint32(F.opcodeIndex);
  const code = codes[opcodeIndex];
  if (code === undefined)
    throw new Error(`TFLite: ${where} uses operator code ${opcodeIndex} of ${codes.length}`);
  if ('unknown' in code) throw new Error(`TFLite: ${where} is an unsupported operator: ${code.unknown}`);
  const kind = code.kind;
  const fail = (what: string): never => {
    throw new Error(`TFLite: ${where} ${kind}: ${what}`);
  };
  if (t.has(F.customOptions)) fail('has custom_options, not supported');
  if (t.has(F.intermediates)) fail('has intermediates, not supported');
  if (t.uint8(F.builtinOptions2Type) !== 0) fail('has builtin_options_2, not supported');

  const expected = OPTIONS_TYPE[kind];
  const optionsType = t.uint8(F.builtinOptionsType);
  const optionsOk = optionsType === expected.index || (optionsType === 0 && expected.emptyTable);
  if (!optionsOk)
    fail(`builtin_options_type is ${optionsType}, expected ${expected.index} (${expected.name})`);
  const o = t.table(F.builtinOptions, expected.name);
  if (o === undefined && !expected.emptyTable) fail(`has no ${expected.name}`);
  const base = { index, inputs, outputs };
  const padding = (field: number): TflitePadding =>
    PADDINGS[o?.int8(field) ?? 0] ?? fail(`unknown padding ${o?.int8(field)}`);
  const activation = (field: number): TfliteActivation =>
    ACTIVATIONS[o?.int8(field) ?? 0] ?? fail(`unknown fused activation ${o?.int8(field)}`);

  switch (kind) {
    case 'ADD':
      return { ...base, kind, options: { activation: activation(FIELDS.add.activation) } };
    case 'CONCATENATION': {
      const C = FIELDS.concatenation;
      return {
        ...base,
        kind,
        options: { axis: o?.int32(C.axis) ?? 0, activation: activation(C.activation) },
      };
    }
    case 'CONV_2D': {
      const C = FIELDS.conv2d;
      return {
        ...base,
        kind,
        options: {
          padding: padding(C.padding),
          strideW: o?.int32(C.strideW) ?? 0,
          strideH: o?.int32(C.strideH) ?? 0,
          dilationW: o?.int32(C.dilationW, 1) ?? 1,
          dilationH: o?.int32(C.dilationH, 1) ?? 1,
          activation: activation(C.activation),
        },
      };
    }
    case 'DEPTHWISE_CONV_2D': {
      const C = FIELDS.depthwiseConv2d;
      return {
        ...base,
        kind,
        options: {
          padding: padding(C.padding),
          strideW: o?.int32(C.strideW) ?? 0,
          strideH: o?.int32(C.strideH) ?? 0,
          depthMultiplier: o?.int32(C.depthMultiplier) ?? 0,
          dilationW: o?.int32(C.dilationW, 1) ?? 1,
          dilationH: o?.int32(C.dilationH, 1) ?? 1,
          activation: activation(C.activation),
        },
      };
    }
    case 'MAX_POOL_2D': {
      const C = FIELDS.pool2d;
      return {
        ...base,
        kind,
        options: {
          padding: padding(C.padding),
          strideW: o?.int32(C.strideW) ?? 0,
          strideH: o?.int32(C.strideH) ?? 0,
          filterW: o?.int32(C.filterW) ?? 0,
          filterH: o?.int32(C.filterH) ?? 0,
          activation: activation(C.activation),
        },
      };
    }
    case 'RESHAPE':
      return { ...base, kind, options: { newShape: o?.int32s(FIELDS.reshape.newShape) } };
    case 'RESIZE_BILINEAR': {
      const C = FIELDS.resizeBilinear;
      return {
        ...base,
        kind,
        options: {
          alignCorners: o?.bool(C.alignCorners) ?? false,
          halfPixelCenters: o?.bool(C.halfPixelCenters) ?? false,
        },
      };
    }
    case 'DEQUANTIZE':
    case 'RELU':
    case 'PAD':
      return { ...base, kind, options: {} };
  }
}
