/**
 * Maps a TensorFlow.js graph model onto ONNX (opset 17). Covers the ops of the CNN classifiers we bundle
 * (mini-Xception's _FusedConv2D, DepthwiseConv2dNative, MaxPool, AddV2, Relu, Mean, Softmax...) and stops with an
 * error naming the node for anything else, never guessing.
 *
 * Layout: TF runs NHWC, ONNX's Conv/Pool run NCHW. Every value is tracked with its layout; a 4-D input is
 * transposed once after the Placeholder, spatial ops stay in NCHW, and a value goes back to NHWC only where an op
 * depends on the axis order (Reshape, Softmax on a 4-D value, a 4-D graph output). The model's external
 * interface stays NHWC like the source.
 */
import { attr, OnnxGraphBuilder } from '../../../src/onnx/onnx-builder.ts';
import {
  attrBool,
  attrFloat,
  attrInts,
  attrShape,
  attrString,
  attrStrings,
  attrTensor,
  type TfjsGraph,
  type TfjsNode,
  type TfjsTensorRef,
} from './tfjs-graph.ts';
import type { TfjsWeight, TfjsWeightMap } from './tfjs-weights.ts';
import {
  depthwiseToOnnx,
  emitConv,
  emitPool,
  hwioToOihw,
  NCHW_TO_NHWC,
  NHWC_TO_NCHW,
  type NchwValue,
  type TfPadding,
} from './nchw-layers.ts';

/** A graph value: NCHW (transposed from TF's NHWC), plain (TF's own layout) or a Const not yet written. */
type Value =
  | { kind: 'nchw'; v: NchwValue }
  | { kind: 'plain'; name: string; shape: number[] }
  | { kind: 'const'; node: string; weight: TfjsWeight };

export interface TensorInterface {
  name: string;
  /** TF's own (NHWC) layout; -1 for the batch or another unknown dimension. */
  shape: number[];
}

export interface TfjsToOnnxResult {
  builder: OnnxGraphBuilder;
  inputs: TensorInterface[];
  outputs: TensorInterface[];
}

/** NHWC axis -> NCHW axis. */
const NHWC_AXIS_TO_NCHW = [0, 2, 3, 1];

const CONV_OPS = new Set(['Conv2D', '_FusedConv2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2dNative']);
const ALIAS_OPS = new Set(['Identity', 'StopGradient', 'Snapshot']);
const BINARY_OPS: Record<string, 'Add' | 'Sub' | 'Mul'> = {
  Add: 'Add',
  AddV2: 'Add',
  BiasAdd: 'Add',
  Sub: 'Sub',
  Mul: 'Mul',
};
const UNARY_OPS: Record<string, 'Relu' | 'Sigmoid' | 'Tanh'> = {
  Relu: 'Relu',
  Sigmoid: 'Sigmoid',
  Tanh: 'Tanh',
};
const OTHER_OPS = ['Placeholder', 'Const', 'MaxPool', 'AvgPool', 'Relu6', 'Mean', 'Softmax', 'Reshape'];

export const SUPPORTED_TFJS_OPS: readonly string[] = [
  ...CONV_OPS,
  ...ALIAS_OPS,
  ...Object.keys(BINARY_OPS),
  ...Object.keys(UNARY_OPS),
  ...OTHER_OPS,
].sort();

/** Nodes the outputs depend on, inputs before consumers; ties keep file order, so the result is deterministic. */
function topologicalOrder(graph: TfjsGraph): TfjsNode[] {
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  const state = new Map<string, 'visiting' | 'done'>();
  const order: TfjsNode[] = [];
  const visit = (name: string): void => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error(`TFJS graph: cycle through node "${name}"`);
    state.set(name, 'visiting');
    const node = byName.get(name);
    if (!node) throw new Error(`TFJS graph: node "${name}" does not exist`);
    // An explicit stack would avoid deep recursion, but these graphs are a few hundred nodes deep at most.
    for (const ref of node.inputs) visit(ref.node);
    state.set(name, 'done');
    order.push(node);
  };
  for (const out of graph.outputs) visit(out.node);
  return order;
}

function isSupported(op: string): boolean {
  return (
    CONV_OPS.has(op) || ALIAS_OPS.has(op) || op in BINARY_OPS || op in UNARY_OPS || OTHER_OPS.includes(op)
  );
}

function nhwcPadding(node: TfjsNode): TfPadding {
  const padding = attrString(node, 'padding');
  if (padding === 'SAME' || padding === 'VALID') return padding;
  if (padding === 'EXPLICIT') {
    const p = attrInts(node, 'explicit_paddings');
    if (p.length !== 8)
      throw new Error(`node "${node.name}": explicit_paddings needs 8 values, got ${p.length}`);
    return { top: p[2]!, bottom: p[3]!, left: p[4]!, right: p[5]! };
  }
  throw new Error(`node "${node.name}": unknown padding "${padding}"`);
}

/** [1, a, b, 1] NHWC window attribute -> [a, b]. */
function spatialPair(node: TfjsNode, key: string, fallback?: number[]): [number, number] {
  const v = attrInts(node, key, fallback);
  if (v.length !== 4 || v[0] !== 1 || v[3] !== 1) {
    throw new Error(
      `node "${node.name}": ${key} [${v.join(', ')}] must be [1, h, w, 1] (NHWC, no batch/channel stride)`,
    );
  }
  return [v[1]!, v[2]!];
}

function checkNhwc(node: TfjsNode): void {
  const format = attrString(node, 'data_format', 'NHWC');
  if (format !== 'NHWC')
    throw new Error(`node "${node.name}" (${node.op}): data_format ${format} is not supported, only NHWC`);
}

class Mapper {
  readonly b: OnnxGraphBuilder;
  private readonly values = new Map<string, Value>();
  /** Derived tensors (transposes, folded weights) by key, so each is written once. */
  private readonly derived = new Map<string, string>();

  constructor(
    graphName: string,
    private readonly weights: TfjsWeightMap,
  ) {
    this.b = new OnnxGraphBuilder(graphName);
  }

  value(ref: TfjsTensorRef, consumer: TfjsNode): Value {
    if (ref.index !== 0) {
      throw new Error(
        `node "${consumer.name}" reads output ${ref.index} of "${ref.node}"; only single-output ops are mapped`,
      );
    }
    const v = this.values.get(ref.node);
    if (!v) throw new Error(`node "${consumer.name}" reads "${ref.node}" before it was mapped`);
    return v;
  }

  set(node: TfjsNode, v: Value): void {
    this.values.set(node.name, v);
  }

  input(node: TfjsNode, i: number): Value {
    const ref = node.inputs[i];
    if (!ref) throw new Error(`node "${node.name}" (${node.op}) needs an input #${i}`);
    return this.value(ref, node);
  }

  constWeight(node: TfjsNode, i: number): TfjsWeight {
    const v = this.input(node, i);
    if (v.kind !== 'const')
      throw new Error(`node "${node.name}" (${node.op}): input #${i} must be a Const (weights)`);
    return v.weight;
  }

  private once(key: string, make: () => string): string {
    const known = this.derived.get(key);
    if (known) return known;
    const name = make();
    this.derived.set(key, name);
    return name;
  }

  /** A Const as an initializer in TF's layout. */
  materialize(v: Value & { kind: 'const' }): { name: string; shape: number[] } {
    const w = v.weight;
    const name = this.once(`const:${v.node}`, () =>
      this.b.initializer({ name: v.node, type: w.dtype, dims: w.shape, data: w.data }),
    );
    return { name, shape: w.shape };
  }

  asPlain(v: Value): { name: string; shape: number[] } {
    if (v.kind === 'plain') return v;
    if (v.kind === 'const') return this.materialize(v);
    const [n, c, h, w] = v.v.shape;
    const name = this.once(`nhwc:${v.v.name}`, () => {
      const out = this.b.uniqueName(`${v.v.name}/nhwc`);
      this.b.node('Transpose', [v.v.name], [out], { perm: attr.ints(NCHW_TO_NHWC) }, out);
      return out;
    });
    return { name, shape: [n, h, w, c] };
  }

  asNchw(v: Value, consumer: TfjsNode): NchwValue {
    if (v.kind === 'nchw') return v.v;
    const plain = this.asPlain(v);
    if (plain.shape.length !== 4) {
      throw new Error(
        `node "${consumer.name}" (${consumer.op}) needs a 4-D NHWC input, got [${plain.shape.join(', ')}]`,
      );
    }
    const [n, h, w, c] = plain.shape as [number, number, number, number];
    const name = this.once(`nchw:${plain.name}`, () => {
      const out = this.b.uniqueName(`${plain.name}/nchw`);
      this.b.node('Transpose', [plain.name], [out], { perm: attr.ints(NHWC_TO_NCHW) }, out);
      return out;
    });
    return { name, shape: [n, c, h, w] };
  }

  floatInitializer(key: string, name: string, data: Float32Array, dims: number[]): string {
    return this.once(key, () =>
      this.b.initializer({ name: this.b.uniqueName(name), type: 'float32', dims, data }),
    );
  }

  // ---- ops ----

  placeholder(node: TfjsNode): TensorInterface {
    const dtype = node.attrs.dtype?.kind === 'type' ? node.attrs.dtype.value : 'DT_FLOAT';
    if (dtype !== 'DT_FLOAT')
      throw new Error(`input "${node.name}": dtype ${dtype} is not supported, only DT_FLOAT`);
    const shape = attrShape(node, 'shape');
    if (!shape) throw new Error(`input "${node.name}": unknown rank; the ONNX model needs a fixed rank`);
    this.b.input(
      node.name,
      'float32',
      shape.map((d, i) => (d >= 0 ? d : i === 0 ? 'batch' : `${node.name}_dim${i}`)),
    );
    const plain: Value = { kind: 'plain', name: node.name, shape };
    // Transpose once at the input: everything spatial downstream runs in NCHW.
    this.set(node, shape.length === 4 ? { kind: 'nchw', v: this.asNchw(plain, node) } : plain);
    return { name: node.name, shape };
  }

  constant(node: TfjsNode): void {
    let weight = this.weights.get(node.name);
    if (!weight) {
      const t = attrTensor(node, 'value');
      if (!t.content)
        throw new Error(`Const "${node.name}" has no values: not in the weights and no inline tensorContent`);
      const bytes = t.content.slice();
      if (t.dtype === 'DT_FLOAT') {
        weight = {
          name: node.name,
          shape: t.shape,
          dtype: 'float32',
          data: new Float32Array(bytes.buffer),
          quantization: null,
        };
      } else if (t.dtype === 'DT_INT32') {
        weight = {
          name: node.name,
          shape: t.shape,
          dtype: 'int32',
          data: new Int32Array(bytes.buffer),
          quantization: null,
        };
      } else {
        throw new Error(`Const "${node.name}": inline dtype ${t.dtype} is not supported`);
      }
    }
    this.set(node, { kind: 'const', node: node.name, weight });
  }

  conv(node: TfjsNode): void {
    checkNhwc(node);
    const x = this.asNchw(this.input(node, 0), node);
    const filter = this.constWeight(node, 1);
    if (filter.dtype !== 'float32' || filter.shape.length !== 4) {
      throw new Error(`node "${node.name}": filter "${filter.name}" must be a 4-D float32 Const`);
    }
    const depthwise = node.op.includes('Depthwise');
    const fused = node.op.startsWith('_Fused') || node.op.startsWith('Fused');
    const ops = fused ? attrStrings(node, 'fused_ops') : [];
    const [biasOp, activation, ...rest] = ops;
    if ((ops.length > 0 && biasOp !== 'BiasAdd') || rest.length > 0) {
      throw new Error(
        `node "${node.name}" (${node.op}): fused_ops [${ops.join(', ')}] not supported (BiasAdd + one activation)`,
      );
    }
    const folded = depthwise
      ? depthwiseToOnnx(filter.data, filter.shape)
      : hwioToOihw(filter.data, filter.shape);
    const weight = this.floatInitializer(
      `w:${filter.name}:${depthwise}`,
      `${filter.name}/${depthwise ? 'dw' : 'oihw'}`,
      folded.data,
      folded.dims,
    );
    let bias: string | undefined;
    if (biasOp === 'BiasAdd') {
      const b = this.constWeight(node, 2);
      if (b.dtype !== 'float32' || b.shape.length !== 1 || b.shape[0] !== folded.dims[0]) {
        throw new Error(
          `node "${node.name}": bias "${b.name}" must be float32 [${folded.dims[0]}], is [${b.shape.join(', ')}]`,
        );
      }
      bias = this.materialize({ kind: 'const', node: b.name, weight: b }).name;
    }
    const conv = emitConv(this.b, x, {
      output: activation ? `${node.name}/conv` : node.name,
      weight,
      weightDims: folded.dims,
      ...(bias ? { bias } : {}),
      strides: spatialPair(node, 'strides'),
      dilations: spatialPair(node, 'dilations', [1, 1, 1, 1]),
      padding: nhwcPadding(node),
      group: depthwise ? filter.shape[2]! : 1,
    });
    this.set(node, { kind: 'nchw', v: activation ? this.activation(node, activation, conv) : conv });
  }

  private activation(node: TfjsNode, op: string, x: NchwValue): NchwValue {
    if (op === 'Relu') {
      this.b.node('Relu', [x.name], [node.name], {}, node.name);
    } else if (op === 'Relu6') {
      const lo = this.floatInitializer('scalar:0', 'zero', new Float32Array([0]), []);
      const hi = this.floatInitializer('scalar:6', 'six', new Float32Array([6]), []);
      this.b.node('Clip', [x.name, lo, hi], [node.name], {}, node.name);
    } else if (op === 'LeakyRelu') {
      this.b.node(
        'LeakyRelu',
        [x.name],
        [node.name],
        { alpha: attr.float(attrFloat(node, 'leakyrelu_alpha', 0.2)) },
        node.name,
      );
    } else {
      throw new Error(
        `node "${node.name}" (${node.op}): fused activation ${op} is not supported (Relu, Relu6, LeakyRelu)`,
      );
    }
    return { name: node.name, shape: x.shape };
  }

  pool(node: TfjsNode): void {
    checkNhwc(node);
    const x = this.asNchw(this.input(node, 0), node);
    const v = emitPool(this.b, node.op === 'MaxPool' ? 'MaxPool' : 'AveragePool', x, {
      output: node.name,
      kernel: spatialPair(node, 'ksize'),
      strides: spatialPair(node, 'strides'),
      padding: nhwcPadding(node),
    });
    this.set(node, { kind: 'nchw', v });
  }

  binary(node: TfjsNode, op: 'Add' | 'Sub' | 'Mul'): void {
    if (node.op === 'BiasAdd') checkNhwc(node);
    const a = this.input(node, 0);
    const c = this.input(node, 1);
    const spatial = a.kind === 'nchw' ? a.v : c.kind === 'nchw' ? c.v : null;
    if (spatial) {
      const operand = (v: Value): string => {
        if (v.kind === 'nchw') return v.v.name;
        // A per-channel or scalar Const broadcasts over NHWC's last axis: reshape it to [C, 1, 1] for NCHW.
        if (v.kind === 'const' && v.weight.shape.length <= 1 && v.weight.dtype === 'float32') {
          const w = v.weight;
          const dims = w.shape.length === 0 ? [] : [w.shape[0]!, 1, 1];
          return this.floatInitializer(`chw:${v.node}`, `${v.node}/chw`, w.data, dims);
        }
        return this.asNchw(v, node).name;
      };
      const [left, right] = [operand(a), operand(c)];
      this.b.node(op, [left, right], [node.name], {}, node.name);
      this.set(node, { kind: 'nchw', v: { name: node.name, shape: spatial.shape } });
      return;
    }
    const [pa, pc] = [this.asPlain(a), this.asPlain(c)];
    this.b.node(op, [pa.name, pc.name], [node.name], {}, node.name);
    this.set(node, { kind: 'plain', name: node.name, shape: broadcastShape(pa.shape, pc.shape) });
  }

  unary(node: TfjsNode, op: 'Relu' | 'Sigmoid' | 'Tanh'): void {
    const x = this.input(node, 0);
    this.b.node(op, [this.nameOf(x)], [node.name], {}, node.name);
    this.set(node, this.sameLayout(x, node.name));
  }

  relu6(node: TfjsNode): void {
    const x = this.input(node, 0);
    const lo = this.floatInitializer('scalar:0', 'zero', new Float32Array([0]), []);
    const hi = this.floatInitializer('scalar:6', 'six', new Float32Array([6]), []);
    this.b.node('Clip', [this.nameOf(x), lo, hi], [node.name], {}, node.name);
    this.set(node, this.sameLayout(x, node.name));
  }

  private nameOf(v: Value): string {
    return v.kind === 'nchw' ? v.v.name : this.asPlain(v).name;
  }

  private sameLayout(x: Value, name: string): Value {
    if (x.kind === 'nchw') return { kind: 'nchw', v: { name, shape: x.v.shape } };
    return { kind: 'plain', name, shape: this.asPlain(x).shape };
  }

  mean(node: TfjsNode): void {
    const x = this.input(node, 0);
    const axesWeight = this.constWeight(node, 1);
    const keepDims = attrBool(node, 'keep_dims', false);
    const rank = x.kind === 'nchw' ? 4 : this.asPlain(x).shape.length;
    const axes = [...axesWeight.data].map((a) => (a < 0 ? a + rank : a));
    // Reducing in NCHW is only order-preserving when the kept axes read the same in both layouts.
    const kept = [0, 1, 2, 3].filter((a) => !axes.includes(a));
    const nchwSafe = keepDims || !(kept.includes(3) && (kept.includes(1) || kept.includes(2)));
    if (x.kind === 'nchw' && nchwSafe) {
      const nchwAxes = axes.map((a) => NHWC_AXIS_TO_NCHW[a]!).sort((p, q) => p - q);
      this.b.node(
        'ReduceMean',
        [x.v.name],
        [node.name],
        { axes: attr.ints(nchwAxes), keepdims: attr.int(keepDims ? 1 : 0) },
        node.name,
      );
      const shape = x.v.shape.map((d, i) => (nchwAxes.includes(i) ? 1 : d));
      if (keepDims) {
        this.set(node, { kind: 'nchw', v: { name: node.name, shape: shape as NchwValue['shape'] } });
      } else {
        // The kept NCHW axes are in NHWC order here (checked above), so the result is plain.
        this.set(node, {
          kind: 'plain',
          name: node.name,
          shape: shape.filter((_, i) => !nchwAxes.includes(i)),
        });
      }
      return;
    }
    const p = this.asPlain(x);
    this.b.node(
      'ReduceMean',
      [p.name],
      [node.name],
      { axes: attr.ints([...axes].sort((a, b) => a - b)), keepdims: attr.int(keepDims ? 1 : 0) },
      node.name,
    );
    const shape = p.shape.flatMap((d, i) => (axes.includes(i) ? (keepDims ? [1] : []) : [d]));
    this.set(node, { kind: 'plain', name: node.name, shape });
  }

  softmax(node: TfjsNode): void {
    // TF's Softmax runs over the last axis of TF's layout.
    const x = this.asPlain(this.input(node, 0));
    this.b.node('Softmax', [x.name], [node.name], { axis: attr.int(-1) }, node.name);
    this.set(node, { kind: 'plain', name: node.name, shape: x.shape });
  }

  reshape(node: TfjsNode): void {
    const x = this.asPlain(this.input(node, 0));
    const target = this.constWeight(node, 1);
    if (target.dtype !== 'int32') throw new Error(`node "${node.name}": Reshape's shape must be int32`);
    const dims = [...target.data];
    const shapeName = this.once(`shape:${target.name}`, () =>
      this.b.constInt64(this.b.uniqueName(`${target.name}/i64`), dims),
    );
    this.b.node('Reshape', [x.name, shapeName], [node.name], {}, node.name);
    const known = x.shape.every((d) => d >= 0) ? x.shape.reduce((a, b) => a * b, 1) : -1;
    const rest = dims.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    this.set(node, {
      kind: 'plain',
      name: node.name,
      shape: dims.map((d) => (d === -1 && known >= 0 ? known / rest : d)),
    });
  }

  alias(node: TfjsNode): void {
    this.set(node, this.input(node, 0));
  }

  output(ref: TfjsTensorRef): TensorInterface {
    const v = this.values.get(ref.node);
    if (!v) throw new Error(`output "${ref.node}" was never mapped`);
    const p = this.asPlain(v);
    const dims = p.shape.map((d, i) => (d >= 0 ? d : i === 0 ? 'batch' : `${ref.node}_dim${i}`));
    // Outputs carry TF's node name; when an NCHW value already holds that name, the NHWC output gets a suffix.
    const name = p.name === ref.node ? ref.node : this.b.uniqueName(ref.node);
    if (name !== p.name) this.b.node('Identity', [p.name], [name], {}, name);
    this.b.output(name, 'float32', dims);
    return { name, shape: p.shape };
  }
}

function broadcastShape(a: number[], b: number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Builds the ONNX graph of `graph`; the caller serialises it (opset 17). */
export function tfjsGraphToOnnx(
  graph: TfjsGraph,
  weights: TfjsWeightMap,
  graphName: string,
): TfjsToOnnxResult {
  const order = topologicalOrder(graph);
  const unsupported = order.find((n) => !isSupported(n.op));
  if (unsupported) {
    throw new Error(
      `TFJS graph -> ONNX: node "${unsupported.name}" has op ${unsupported.op}, which is not supported ` +
        `(supported: ${SUPPORTED_TFJS_OPS.join(', ')})`,
    );
  }
  const m = new Mapper(graphName, weights);
  const inputs: TensorInterface[] = [];
  for (const node of order) {
    try {
      if (node.op === 'Placeholder') inputs.push(m.placeholder(node));
      else if (node.op === 'Const') m.constant(node);
      else if (CONV_OPS.has(node.op)) m.conv(node);
      else if (node.op === 'MaxPool' || node.op === 'AvgPool') m.pool(node);
      else if (node.op in BINARY_OPS) m.binary(node, BINARY_OPS[node.op]!);
      else if (node.op in UNARY_OPS) m.unary(node, UNARY_OPS[node.op]!);
      else if (node.op === 'Relu6') m.relu6(node);
      else if (node.op === 'Mean') m.mean(node);
      else if (node.op === 'Softmax') m.softmax(node);
      else if (node.op === 'Reshape') m.reshape(node);
      else if (ALIAS_OPS.has(node.op)) m.alias(node);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`TFJS graph -> ONNX: ${message}`, { cause: error });
    }
  }
  const outputs = graph.outputs.map((ref) => m.output(ref));
  return { builder: m.b, inputs, outputs };
}
