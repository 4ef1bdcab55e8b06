/**
 * TensorFlow's NHWC layers written as ONNX's NCHW operators. The models keep their NHWC interface: converters
 * transpose once after the input, run every spatial op in NCHW, and fold weight layouts at conversion time.
 *
 * TF "SAME" padding is written as explicit pads rather than auto_pad, because TF puts the odd extra pixel at the
 * bottom/right (https://www.tensorflow.org/api_docs/python/tf/nn#notes_on_padding_2) and explicit numbers make
 * that visible in the graph and independent of how a runtime reads auto_pad.
 */
import { attr, type OnnxGraphBuilder } from '../../../src/onnx/onnx-builder.ts';

/** A 4-D value in NCHW order; the batch may be -1 (unknown), the spatial sizes must be known. */
export interface NchwValue {
  name: string;
  shape: [number, number, number, number];
}

export type TfPadding = 'SAME' | 'VALID' | { top: number; bottom: number; left: number; right: number };

/** Output size and padding of one spatial axis, as TensorFlow computes them. */
export function tfAxisPadding(
  inSize: number,
  kernel: number,
  stride: number,
  dilation: number,
  padding: 'SAME' | 'VALID',
): { before: number; after: number; out: number } {
  const effective = (kernel - 1) * dilation + 1;
  if (padding === 'VALID') return { before: 0, after: 0, out: Math.ceil((inSize - effective + 1) / stride) };
  const out = Math.ceil(inSize / stride);
  const total = Math.max(0, (out - 1) * stride + effective - inSize);
  const before = Math.floor(total / 2);
  return { before, after: total - before, out };
}

interface Window2d {
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
  padding: TfPadding;
}

/** ONNX pads [top, left, bottom, right] and the output height/width of a window over `x`. */
export function windowGeometry(
  x: NchwValue,
  w: Window2d,
  where: string,
): { pads: number[]; outH: number; outW: number } {
  const [, , h, wd] = x.shape;
  if (h < 0 || wd < 0)
    throw new Error(`${where}: needs a known spatial size, input ${x.name} is [${x.shape.join(', ')}]`);
  if (typeof w.padding === 'object') {
    const p = w.padding;
    const outH =
      Math.floor((h + p.top + p.bottom - ((w.kernel[0] - 1) * w.dilations[0] + 1)) / w.strides[0]) + 1;
    const outW =
      Math.floor((wd + p.left + p.right - ((w.kernel[1] - 1) * w.dilations[1] + 1)) / w.strides[1]) + 1;
    return { pads: [p.top, p.left, p.bottom, p.right], outH, outW };
  }
  const rows = tfAxisPadding(h, w.kernel[0], w.strides[0], w.dilations[0], w.padding);
  const cols = tfAxisPadding(wd, w.kernel[1], w.strides[1], w.dilations[1], w.padding);
  if (rows.out <= 0 || cols.out <= 0)
    throw new Error(`${where}: the window is larger than the input ${h}x${wd}`);
  return { pads: [rows.before, cols.before, rows.after, cols.after], outH: rows.out, outW: cols.out };
}

/** TF conv2d filter [kh, kw, in, out] (HWIO) -> ONNX Conv weight [out, in, kh, kw] (OIHW). */
export function hwioToOihw(
  data: Float32Array,
  shape: readonly number[],
): { data: Float32Array; dims: number[] } {
  const [kh, kw, ci, co] = shape as [number, number, number, number];
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++)
          out[((o * ci + i) * kh + y) * kw + x] = data[((y * kw + x) * ci + i) * co + o]!;
  return { data: out, dims: [co, ci, kh, kw] };
}

/**
 * TF depthwise filter [kh, kw, C, M] -> ONNX grouped Conv weight [C*M, 1, kh, kw] (group = C). TF's output
 * channel c*M+m is ONNX's group c, member m: the same index.
 */
export function depthwiseToOnnx(
  data: Float32Array,
  shape: readonly number[],
): { data: Float32Array; dims: number[] } {
  const [kh, kw, c, m] = shape as [number, number, number, number];
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let ch = 0; ch < c; ch++)
        for (let k = 0; k < m; k++)
          out[((ch * m + k) * kh + y) * kw + x] = data[((y * kw + x) * c + ch) * m + k]!;
  return { data: out, dims: [c * m, 1, kh, kw] };
}

export interface ConvSpec {
  /** ONNX output name (also the node name). */
  output: string;
  /** Initializer name of the OIHW weight (already in the builder). */
  weight: string;
  /** OIHW dims of that weight. */
  weightDims: number[];
  /** Initializer name of the bias, if any. */
  bias?: string;
  strides: [number, number];
  dilations?: [number, number];
  padding: TfPadding;
  group?: number;
}

export function emitConv(b: OnnxGraphBuilder, x: NchwValue, spec: ConvSpec): NchwValue {
  const [outC, , kh, kw] = spec.weightDims as [number, number, number, number];
  const dilations = spec.dilations ?? [1, 1];
  const group = spec.group ?? 1;
  const geo = windowGeometry(
    x,
    { kernel: [kh, kw], strides: spec.strides, dilations, padding: spec.padding },
    spec.output,
  );
  const inputs = spec.bias ? [x.name, spec.weight, spec.bias] : [x.name, spec.weight];
  b.node(
    'Conv',
    inputs,
    [spec.output],
    {
      dilations: attr.ints(dilations),
      group: attr.int(group),
      kernel_shape: attr.ints([kh, kw]),
      pads: attr.ints(geo.pads),
      strides: attr.ints(spec.strides),
    },
    spec.output,
  );
  return { name: spec.output, shape: [x.shape[0], outC, geo.outH, geo.outW] };
}

export function emitPool(
  b: OnnxGraphBuilder,
  op: 'MaxPool' | 'AveragePool',
  x: NchwValue,
  spec: { output: string; kernel: [number, number]; strides: [number, number]; padding: TfPadding },
): NchwValue {
  const geo = windowGeometry(x, { ...spec, dilations: [1, 1] }, spec.output);
  // Both TF and ONNX leave padded cells out: MaxPool never picks them, AveragePool's count_include_pad
  // defaults to 0 like TF's SAME average.
  b.node(
    op,
    [x.name],
    [spec.output],
    { kernel_shape: attr.ints(spec.kernel), pads: attr.ints(geo.pads), strides: attr.ints(spec.strides) },
    spec.output,
  );
  return { name: spec.output, shape: [x.shape[0], x.shape[1], geo.outH, geo.outW] };
}

/** Same-shape elementwise op on two NCHW values. */
export function emitBinary(
  b: OnnxGraphBuilder,
  op: 'Add' | 'Sub' | 'Mul',
  a: NchwValue,
  c: NchwValue,
  output: string,
): NchwValue {
  if (a.shape.some((d, i) => d !== c.shape[i])) {
    throw new Error(
      `${output}: ${op} of [${a.shape.join(', ')}] and [${c.shape.join(', ')}] (shapes must match)`,
    );
  }
  b.node(op, [a.name, c.name], [output], {}, output);
  return { name: output, shape: a.shape };
}

export function emitUnary(
  b: OnnxGraphBuilder,
  op: 'Relu' | 'Sigmoid' | 'Tanh',
  x: NchwValue,
  output: string,
): NchwValue {
  b.node(op, [x.name], [output], {}, output);
  return { name: output, shape: x.shape };
}

/** The NHWC -> NCHW transpose after a model's input. */
export const NHWC_TO_NCHW = [0, 3, 1, 2];
/** The NCHW -> NHWC transpose before an NHWC output. */
export const NCHW_TO_NHWC = [0, 2, 3, 1];
