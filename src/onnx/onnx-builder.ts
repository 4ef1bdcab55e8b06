/**
 * Builds and serialises ONNX models (ModelProto) without any dependency: the converters in
 * scripts/models use it, and so can checkpoint import in the browser later. Pure: no DOM, no Node APIs.
 * Field numbers follow onnx/onnx.proto3 (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto3).
 * Serialisation is deterministic: the same graph gives the same bytes.
 */
import { ProtobufWriter } from './protobuf-writer.ts';

export type OnnxElemType = 'float32' | 'float16' | 'int32' | 'int64' | 'uint8' | 'int8';

/** TensorProto.DataType values. */
const ELEM_TYPE_CODE: Record<OnnxElemType, number> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  float16: 10,
};

const ELEM_ARRAY: Record<OnnxElemType, string> = {
  float32: 'Float32Array',
  float16: 'Uint16Array',
  int32: 'Int32Array',
  int64: 'BigInt64Array',
  uint8: 'Uint8Array',
  int8: 'Int8Array',
};

export interface OnnxTensorInit {
  name: string;
  type: OnnxElemType;
  dims: number[];
  /** float16 tensors carry their IEEE half bits in a Uint16Array. */
  data: Float32Array | Uint16Array | Int32Array | BigInt64Array | Uint8Array | Int8Array;
}

export type OnnxAttr =
  | { type: 'int'; value: number }
  | { type: 'ints'; value: number[] }
  | { type: 'float'; value: number }
  | { type: 'floats'; value: number[] }
  | { type: 'string'; value: string }
  | { type: 'tensor'; value: OnnxTensorInit };

export const attr = {
  int: (value: number): OnnxAttr => ({ type: 'int', value }),
  ints: (value: number[]): OnnxAttr => ({ type: 'ints', value }),
  float: (value: number): OnnxAttr => ({ type: 'float', value }),
  floats: (value: number[]): OnnxAttr => ({ type: 'floats', value }),
  string: (value: string): OnnxAttr => ({ type: 'string', value }),
  tensor: (value: OnnxTensorInit): OnnxAttr => ({ type: 'tensor', value }),
};

/** AttributeProto.AttributeType values. */
const ATTR_TYPE_CODE: Record<OnnxAttr['type'], number> = {
  float: 1,
  int: 2,
  string: 3,
  tensor: 4,
  floats: 6,
  ints: 7,
};

interface ValueInfo {
  name: string;
  type: OnnxElemType;
  dims: (number | string)[];
}

interface NodeSpec {
  opType: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, OnnxAttr>;
  name: string;
}

export interface SerializeOptions {
  producerName: string;
  producerVersion: string;
  opset: number;
  docString?: string;
  metadata?: Record<string, string>;
}

/** ONNX IR version 8 goes with opsets up to 18. */
const IR_VERSION = 8;

export class OnnxGraphBuilder {
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly initializers = new Map<string, OnnxTensorInit>();
  private readonly nodes: NodeSpec[] = [];
  private readonly names = new Set<string>();
  private readonly counters = new Map<string, number>();

  constructor(readonly graphName: string) {}

  private claim(name: string): void {
    if (name === '') throw new Error('ONNX builder: names must not be empty');
    if (this.names.has(name)) throw new Error(`ONNX builder: the name "${name}" is already defined`);
    this.names.add(name);
  }

  input(name: string, type: OnnxElemType, dims: (number | string)[]): void {
    this.claim(name);
    this.inputs.push({ name, type, dims });
  }

  /** Declares a graph output; `name` must be produced by a node (checked in serialize). */
  output(name: string, type: OnnxElemType, dims: (number | string)[]): void {
    this.outputs.push({ name, type, dims });
  }

  initializer(t: OnnxTensorInit): string {
    checkTensor(t);
    this.claim(t.name);
    this.initializers.set(t.name, t);
    return t.name;
  }

  constInt64(name: string, values: number[], dims: number[] = [values.length]): string {
    return this.initializer({
      name,
      type: 'int64',
      dims,
      data: BigInt64Array.from(values, (v) => BigInt(v)),
    });
  }

  constFloat(name: string, values: number[] | Float32Array, dims: number[]): string {
    return this.initializer({ name, type: 'float32', dims, data: Float32Array.from(values) });
  }

  node(
    opType: string,
    inputs: string[],
    outputs: string[],
    attrs: Record<string, OnnxAttr> = {},
    name?: string,
  ): void {
    for (const input of inputs) {
      // '' marks an omitted optional input in ONNX.
      if (input !== '' && !this.names.has(input)) {
        throw new Error(`ONNX builder: ${opType} node reads "${input}", which nothing defines yet`);
      }
    }
    for (const output of outputs) this.claim(output);
    this.nodes.push({ opType, inputs, outputs, attrs, name: name ?? this.uniqueName(opType) });
  }

  /** A fresh name with the given prefix: prefix, prefix_1, prefix_2... */
  uniqueName(prefix: string): string {
    let n = this.counters.get(prefix) ?? 0;
    let candidate = n === 0 ? prefix : `${prefix}_${n}`;
    while (this.names.has(candidate)) {
      n += 1;
      candidate = `${prefix}_${n}`;
    }
    this.counters.set(prefix, n + 1);
    return candidate;
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  serialize(options: SerializeOptions): Uint8Array {
    for (const out of this.outputs) {
      if (!this.names.has(out.name))
        throw new Error(`ONNX builder: graph output "${out.name}" is never produced`);
    }
    const w = new ProtobufWriter();
    w.varint(1, IR_VERSION);
    w.string(2, options.producerName);
    w.string(3, options.producerVersion);
    if (options.docString) w.string(6, options.docString);
    w.message(7, (g) => this.writeGraph(g));
    w.message(8, (o) => o.string(1, '').varint(2, options.opset));
    for (const [key, value] of Object.entries(options.metadata ?? {}).sort(([a], [b]) =>
      a.localeCompare(b),
    )) {
      w.message(14, (m) => m.string(1, key).string(2, value));
    }
    return w.finish();
  }

  private writeGraph(g: ProtobufWriter): void {
    for (const node of this.nodes) g.message(1, (n) => writeNode(n, node));
    g.string(2, this.graphName);
    for (const t of this.initializers.values()) g.message(5, (m) => writeTensor(m, t));
    for (const v of this.inputs) g.message(11, (m) => writeValueInfo(m, v));
    for (const v of this.outputs) g.message(12, (m) => writeValueInfo(m, v));
  }
}

function checkTensor(t: OnnxTensorInit): void {
  const expected = ELEM_ARRAY[t.type];
  if (t.data.constructor.name !== expected) {
    throw new Error(
      `ONNX builder: tensor "${t.name}" of type ${t.type} needs a ${expected}, got ${t.data.constructor.name}`,
    );
  }
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (count !== t.data.length) {
    throw new Error(
      `ONNX builder: tensor "${t.name}" has dims [${t.dims.join(', ')}] (${count} values) but ${t.data.length} values`,
    );
  }
}

function writeTensor(w: ProtobufWriter, t: OnnxTensorInit): void {
  w.packedVarints(1, t.dims);
  w.varint(2, ELEM_TYPE_CODE[t.type]);
  w.string(8, t.name);
  // raw_data is little-endian; typed arrays are little-endian on every platform this runs on
  // (x86, ARM), so their bytes can be used as they are. A view, not a copy: the writer copies it once, in
  // finish(), before serialize returns.
  w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function writeValueInfo(w: ProtobufWriter, v: ValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.varint(1, ELEM_TYPE_CODE[v.type]);
      tensor.message(2, (shape) => {
        for (const d of v.dims) {
          shape.message(1, (dim) => (typeof d === 'number' ? dim.varint(1, d) : dim.string(2, d)));
        }
      });
    }),
  );
}

function writeNode(w: ProtobufWriter, node: NodeSpec): void {
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  w.string(3, node.name);
  w.string(4, node.opType);
  for (const [name, a] of Object.entries(node.attrs)) w.message(5, (m) => writeAttr(m, name, a));
}

function writeAttr(w: ProtobufWriter, name: string, a: OnnxAttr): void {
  w.string(1, name);
  switch (a.type) {
    case 'float':
      w.float(2, a.value);
      break;
    case 'int':
      w.varint(3, a.value);
      break;
    case 'string':
      w.string(4, a.value);
      break;
    case 'tensor':
      checkTensor(a.value);
      w.message(5, (t) => writeTensor(t, a.value));
      break;
    case 'floats':
      w.packedFloats(7, a.value);
      break;
    case 'ints':
      w.packedVarints(8, a.value);
      break;
  }
  w.varint(20, ATTR_TYPE_CODE[a.type]);
}
