/**
 * Converts a TFLite graph (as read by tflite-reader.ts) to ONNX, op by op, for the ops MediaPipe's BlazeFace uses
 * (../../../../shared/MODELS.md, section 1). The ONNX model keeps the TFLite interface exactly (same input and
 * output names, NHWC input, same output shapes and order); inside, 4-D activations are NCHW, with one Transpose
 * after the input and one before each Reshape, so flattening keeps TFLite's (y, x, anchor) order.
 * Folded at conversion time: weight layouts (OHWI -> OIHW, [1,kh,kw,C] -> [C,1,kh,kw]), TF SAME padding (explicit
 * asymmetric pads), PAD/RESHAPE/RESIZE constants. float16 weights stay float16 initializers followed by a Cast, so
 * the file stays half the size and the runtime sees exactly the TFLite weights.
 */
import { attr, OnnxGraphBuilder, type OnnxAttr } from '../../../src/onnx/onnx-builder.ts';
import { permute } from './permute.ts';
import { tfAxisPadding } from './tf-padding.ts';
import type { TfliteActivation } from './tflite-schema.ts';
import type { TfliteModel, TfliteOperator, TfliteSubgraph, TfliteTensor } from './tflite-reader.ts';

export const ONNX_OPSET = 17;

/** Where NHWC axis i ends up in NCHW: NCHW axis j holds NHWC axis NHWC_TO_NCHW[j]. */
const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];
/** OHWI (CONV_2D) -> OIHW. */
const CONV_KERNEL_PERM = [0, 3, 1, 2];
/** [1, kh, kw, C] (DEPTHWISE_CONV_2D) -> [C, 1, kh, kw]. */
const DEPTHWISE_KERNEL_PERM = [3, 0, 1, 2];
/** TensorProto.DataType FLOAT, the `to` of Cast. */
const ONNX_FLOAT = 1;

export interface TfliteToOnnxOptions {
  producerName: string;
  producerVersion: string;
  docString?: string;
  metadata?: Record<string, string>;
}

export interface TfliteToOnnxResult {
  onnx: Uint8Array;
  inputs: { name: string; shape: number[] }[];
  outputs: { name: string; shape: number[] }[];
  /** ONNX nodes per op type, e.g. { Conv: 37, Cast: 74, ... }. */
  nodeCounts: Record<string, number>;
}

export function tfliteToOnnx(model: TfliteModel, options: TfliteToOnnxOptions): TfliteToOnnxResult {
  if (model.subgraphs.length !== 1)
    throw new Error(`TFLite->ONNX: expected 1 subgraph, the model has ${model.subgraphs.length}`);
  const sg = model.subgraphs[0] as TfliteSubgraph;
  const converter = new Converter(sg);
  converter.run();
  const onnx = converter.graph.serialize({ ...options, opset: ONNX_OPSET });
  const spec = (i: number) => ({ name: converter.tensor(i).name, shape: [...converter.tensor(i).shape] });
  return {
    onnx,
    inputs: sg.inputs.map(spec),
    outputs: sg.outputs.map(spec),
    nodeCounts: converter.nodeCounts,
  };
}

type Layout = 'nchw' | 'plain';
interface Value {
  name: string;
  /** 'nchw': a 4-D TFLite NHWC tensor held transposed; 'plain': same layout as in TFLite. */
  layout: Layout;
}

class Converter {
  readonly graph: OnnxGraphBuilder;
  readonly nodeCounts: Record<string, number> = {};
  private readonly values = new Map<number, Value>();
  /** DEQUANTIZE output tensor -> its constant float16 source. */
  private readonly dequantized = new Map<number, TfliteTensor>();
  private readonly constants = new Map<string, string>();
  private readonly usedSources = new Set<number>();
  private readonly nhwcViews = new Map<number, string>();
  private readonly tfliteNames = new Set<string>();
  private readonly graphOutputs: Set<number>;

  constructor(private readonly sg: TfliteSubgraph) {
    this.graph = new OnnxGraphBuilder(sg.name || 'tflite');
    for (const t of sg.tensors) {
      if (this.tfliteNames.has(t.name)) throw new Error(`TFLite->ONNX: two tensors are named '${t.name}'`);
      this.tfliteNames.add(t.name);
    }
    this.graphOutputs = new Set(sg.outputs);
  }

  tensor(index: number | undefined): TfliteTensor {
    const t = index === undefined ? undefined : this.sg.tensors[index];
    if (t === undefined) throw new Error(`TFLite->ONNX: no tensor ${index}`);
    return t;
  }

  run(): void {
    for (const i of this.sg.inputs) this.addInput(this.tensor(i));
    for (const op of this.sg.operators) this.convert(op);
    for (const i of this.sg.outputs) this.addOutput(this.tensor(i));
  }

  private addInput(t: TfliteTensor): void {
    if (t.type !== 'float32')
      throw new Error(`TFLite->ONNX: input '${t.name}' is ${t.type}, only float32 inputs are supported`);
    this.graph.input(t.name, 'float32', t.shape);
    if (t.shape.length !== 4) {
      this.values.set(t.index, { name: t.name, layout: 'plain' });
      return;
    }
    const nchw = this.fresh(`${t.name}_nchw`);
    this.emit('Transpose', [t.name], [nchw], { perm: attr.ints(NHWC_TO_NCHW) }, nchw);
    this.values.set(t.index, { name: nchw, layout: 'nchw' });
  }

  private addOutput(t: TfliteTensor): void {
    const v = this.values.get(t.index);
    if (v === undefined) throw new Error(`TFLite->ONNX: graph output '${t.name}' is never computed`);
    if (v.layout === 'nchw')
      this.emit('Transpose', [v.name], [t.name], { perm: attr.ints(NCHW_TO_NHWC) }, t.name);
    this.graph.output(t.name, 'float32', t.shape);
  }

  private convert(op: TfliteOperator): void {
    const out = this.tensor(op.outputs[0]);
    const where = `op #${op.index} ${op.kind} (output tensor '${out.name}')`;
    const fail = (what: string): never => {
      throw new Error(`TFLite->ONNX: ${where}: ${what}`);
    };
    if (op.outputs.length !== 1) fail(`has ${op.outputs.length} outputs, expected 1`);
    if (out.type !== 'float32') fail(`output is ${out.type}, expected float32`);
    const input = (k: number): Value => {
      const idx = op.inputs[k];
      const v = idx === undefined ? undefined : this.values.get(idx);
      if (v === undefined) {
        fail(
          `input ${k} ('${idx === undefined || idx < 0 ? 'missing' : this.tensor(idx).name}') is not an activation computed earlier (constant activations are not supported)`,
        );
      }
      return v as Value;
    };
    const inShape = (k: number): number[] => this.tensor(op.inputs[k]).shape;

    switch (op.kind) {
      case 'DEQUANTIZE': {
        const src = this.tensor(op.inputs[0]);
        if (src.type !== 'float16' || src.data === undefined)
          fail(
            `input '${src.name}' is ${src.type}${src.data ? '' : ' (not constant)'}; only constant float16 weights are supported`,
          );
        this.checkShape(out, src.shape, fail);
        this.dequantized.set(out.index, src);
        return; // emitted lazily by the consumer, in the layout that consumer needs
      }
      case 'CONV_2D':
      case 'DEPTHWISE_CONV_2D': {
        const x = input(0);
        if (x.layout !== 'nchw') fail('input is not a 4-D NHWC activation');
        const [, h, w, cin] = inShape(0) as [number, number, number, number];
        const kShape = this.tensor(op.inputs[1]).shape;
        if (kShape.length !== 4) fail(`kernel shape [${kShape.join()}] is not 4-D`);
        const o = op.options;
        if (o.dilationW !== 1 || o.dilationH !== 1)
          fail(`dilation ${o.dilationH}x${o.dilationW} is not supported (BlazeFace uses 1)`);
        const depthwise = op.kind === 'DEPTHWISE_CONV_2D';
        const [k0, kh, kw, k3] = kShape as [number, number, number, number];
        const cout = depthwise ? k3 : k0;
        if (depthwise) {
          const mult = cout / cin;
          if (k0 !== 1 || !Number.isInteger(mult))
            fail(`depthwise kernel [${kShape.join()}] does not fit ${cin} input channels`);
          if (op.options.depthMultiplier !== mult)
            fail(`depth_multiplier ${op.options.depthMultiplier}, kernel says ${mult}`);
        } else if (k3 !== cin)
          fail(`kernel [${kShape.join()}] expects ${k3} input channels, the input has ${cin}`);
        const ph = tfAxisPadding(o.padding, h, kh, o.strideH);
        const pw = tfAxisPadding(o.padding, w, kw, o.strideW);
        this.checkShape(out, [1, ph.out, pw.out, cout], fail);
        const inputs = [
          x.name,
          this.constant(op.inputs[1], depthwise ? DEPTHWISE_KERNEL_PERM : CONV_KERNEL_PERM, fail),
        ];
        const bias = op.inputs[2];
        if (bias !== undefined && bias >= 0) {
          this.checkShape(this.tensor(bias), [cout], fail);
          inputs.push(this.constant(bias, undefined, fail));
        }
        const attrs: Record<string, OnnxAttr> = {
          dilations: attr.ints([1, 1]),
          group: attr.int(depthwise ? cin : 1),
          kernel_shape: attr.ints([kh, kw]),
          pads: attr.ints([ph.begin, pw.begin, ph.end, pw.end]),
          strides: attr.ints([o.strideH, o.strideW]),
        };
        this.emitActivated('Conv', inputs, out, attrs, o.activation, fail);
        return;
      }
      case 'MAX_POOL_2D': {
        const x = input(0);
        if (x.layout !== 'nchw') fail('input is not a 4-D NHWC activation');
        const [, h, w, c] = inShape(0) as [number, number, number, number];
        const o = op.options;
        const ph = tfAxisPadding(o.padding, h, o.filterH, o.strideH);
        const pw = tfAxisPadding(o.padding, w, o.filterW, o.strideW);
        this.checkShape(out, [1, ph.out, pw.out, c], fail);
        // Padded cells never win a max in either runtime, so explicit pads match TF SAME exactly.
        const attrs = {
          kernel_shape: attr.ints([o.filterH, o.filterW]),
          pads: attr.ints([ph.begin, pw.begin, ph.end, pw.end]),
          strides: attr.ints([o.strideH, o.strideW]),
        };
        this.emitActivated('MaxPool', [x.name], out, attrs, o.activation, fail);
        return;
      }
      case 'RELU': {
        const x = input(0);
        this.emit('Relu', [x.name], [this.define(out, x.layout)], {}, out.name);
        return;
      }
      case 'ADD': {
        const a = input(0);
        const b = input(1);
        if (a.layout !== b.layout || inShape(0).join() !== inShape(1).join()) {
          fail(
            `inputs [${inShape(0).join()}] and [${inShape(1).join()}] differ; broadcasting ADD is not supported`,
          );
        }
        this.emitActivated('Add', [a.name, b.name], out, {}, op.options.activation, fail, a.layout);
        return;
      }
      case 'PAD': {
        const x = input(0);
        const rank = inShape(0).length;
        const p = this.int32Constant(op.inputs[1], fail);
        if (p.length !== 2 * rank) fail(`paddings hold ${p.length} values, expected ${rank}x2`);
        if (p.some((v) => v < 0)) fail(`negative paddings [${p.join()}] are not supported`);
        const axes = x.layout === 'nchw' ? NHWC_TO_NCHW : [...Array(rank).keys()];
        const pads = [...axes.map((a) => p[2 * a] ?? 0), ...axes.map((a) => p[2 * a + 1] ?? 0)];
        this.checkShape(
          out,
          inShape(0).map((d, a) => d + (p[2 * a] ?? 0) + (p[2 * a + 1] ?? 0)),
          fail,
        );
        // ONNX Pad's default mode is 'constant' with value 0, which is what TFLite PAD does for float tensors.
        const padsName = this.graph.constInt64(this.fresh(`${out.name}/pads`), pads);
        this.emit('Pad', [x.name, padsName], [this.define(out, x.layout)], {}, out.name);
        return;
      }
      case 'RESHAPE': {
        const x = input(0);
        const shape = out.shape;
        const count = (s: number[]) => s.reduce((m, d) => m * d, 1);
        if (count(shape) !== count(inShape(0)))
          fail(`cannot reshape [${inShape(0).join()}] to [${shape.join()}]`);
        const declared =
          op.options.newShape ??
          (op.inputs[1] === undefined ? undefined : this.int32Constant(op.inputs[1], fail));
        if (
          declared &&
          (declared.length !== shape.length || declared.some((d, i) => d !== -1 && d !== shape[i]))
        ) {
          fail(`new_shape [${declared.join()}] disagrees with the output shape [${shape.join()}]`);
        }
        // Flatten in TFLite's NHWC order ((y, x, anchor) for the detector heads): transpose back first.
        const flatIn = x.layout === 'nchw' ? this.nhwcView(op.inputs[0] as number, x) : x.name;
        const shapeName = this.graph.constInt64(this.fresh(`${out.name}/shape`), shape);
        if (shape.length === 4) {
          const nhwc = this.fresh(`${out.name}_nhwc`);
          this.emit('Reshape', [flatIn, shapeName], [nhwc], {}, nhwc);
          this.emit(
            'Transpose',
            [nhwc],
            [this.define(out, 'nchw')],
            { perm: attr.ints(NHWC_TO_NCHW) },
            out.name,
          );
        } else {
          this.emit('Reshape', [flatIn, shapeName], [this.define(out, 'plain')], {}, out.name);
        }
        return;
      }
      case 'CONCATENATION': {
        const xs = op.inputs.map((_, k) => input(k));
        const layout = xs[0]?.layout ?? fail('has no inputs');
        if (xs.some((v) => v.layout !== layout)) fail('inputs mix layouts');
        const rank = inShape(0).length;
        const axis = op.options.axis < 0 ? op.options.axis + rank : op.options.axis;
        if (axis < 0 || axis >= rank) fail(`axis ${op.options.axis} is out of range for rank ${rank}`);
        const onnxAxis = layout === 'nchw' ? NHWC_TO_NCHW.indexOf(axis) : axis;
        this.emitActivated(
          'Concat',
          xs.map((v) => v.name),
          out,
          { axis: attr.int(onnxAxis) },
          op.options.activation,
          fail,
          layout,
        );
        return;
      }
      case 'RESIZE_BILINEAR': {
        const x = input(0);
        if (x.layout !== 'nchw') fail('input is not a 4-D NHWC activation');
        const [n, , , c] = inShape(0) as [number, number, number, number];
        const size = this.int32Constant(op.inputs[1], fail);
        const [newH, newW] = size as [number, number];
        if (size.length !== 2) fail(`size holds ${size.length} values, expected 2`);
        this.checkShape(out, [n, newH, newW, c], fail);
        const { alignCorners, halfPixelCenters } = op.options;
        if (alignCorners && halfPixelCenters)
          fail('align_corners and half_pixel_centers are both set (TFLite rejects this too)');
        // TF's half_pixel_centers is ONNX 'half_pixel' (both clamp the source coordinate at the border);
        // align_corners is 'align_corners'; neither flag is TF's legacy mapping, ONNX 'asymmetric'.
        const mode = alignCorners ? 'align_corners' : halfPixelCenters ? 'half_pixel' : 'asymmetric';
        const sizes = this.graph.constInt64(this.fresh(`${out.name}/sizes`), [n, c, newH, newW]);
        const attrs = { coordinate_transformation_mode: attr.string(mode), mode: attr.string('linear') };
        this.emit('Resize', [x.name, '', '', sizes], [this.define(out, 'nchw')], attrs, out.name);
        return;
      }
    }
  }

  /** Emits an op and, for a fused activation, the Relu after it. */
  private emitActivated(
    opType: string,
    inputs: string[],
    out: TfliteTensor,
    attrs: Record<string, OnnxAttr>,
    activation: TfliteActivation,
    fail: (what: string) => never,
    layout: Layout = 'nchw',
  ): void {
    if (activation === 'NONE') {
      this.emit(opType, inputs, [this.define(out, layout)], attrs, out.name);
      return;
    }
    if (activation !== 'RELU') fail(`fused activation ${activation} is not supported`);
    const pre = this.fresh(`${out.name}_preact`);
    this.emit(opType, inputs, [pre], attrs, pre);
    this.emit('Relu', [pre], [this.define(out, layout)], {}, out.name);
  }

  private emit(
    opType: string,
    inputs: string[],
    outputs: string[],
    attrs: Record<string, OnnxAttr>,
    name: string,
  ): void {
    this.graph.node(opType, inputs, outputs, attrs, name);
    this.nodeCounts[opType] = (this.nodeCounts[opType] ?? 0) + 1;
  }

  /** Registers the ONNX value holding a TFLite tensor and returns its name. */
  private define(t: TfliteTensor, layout: Layout): string {
    // A graph output held as NCHW gets a Transpose back to its own name at the end.
    const name = layout === 'nchw' && this.graphOutputs.has(t.index) ? this.fresh(`${t.name}_nchw`) : t.name;
    this.values.set(t.index, { name, layout });
    return name;
  }

  /** The NHWC version of an NCHW activation, transposed once however many ops read it. */
  private nhwcView(index: number, v: Value): string {
    const cached = this.nhwcViews.get(index);
    if (cached !== undefined) return cached;
    const name = this.fresh(`${this.tensor(index).name}_nhwc`);
    this.emit('Transpose', [v.name], [name], { perm: attr.ints(NCHW_TO_NHWC) }, name);
    this.nhwcViews.set(index, name);
    return name;
  }

  /**
   * A constant weight as an initializer, permuted into the layout its consumer needs. float16 sources (behind a
   * DEQUANTIZE) stay float16 and get a Cast to float32 named like the TFLite DEQUANTIZE output.
   */
  private constant(
    index: number | undefined,
    perm: number[] | undefined,
    fail: (what: string) => never,
  ): string {
    const t = this.tensor(index);
    const src = this.dequantized.get(t.index) ?? t;
    const key = `${src.index}:${perm?.join() ?? ''}`;
    const cached = this.constants.get(key);
    if (cached !== undefined) return cached;
    if (src.data === undefined) fail(`weight '${t.name}' is not a constant`);
    const dims = perm ? perm.map((p) => src.shape[p] ?? 0) : [...src.shape];
    const bytes = src.data.slice(); // aligned copy; TFLite data is little-endian like ONNX raw_data
    // The first use keeps the TFLite names; a second layout of the same weight (not in BlazeFace) gets new ones.
    const firstUse = !this.usedSources.has(src.index);
    this.usedSources.add(src.index);
    const initName = firstUse ? src.name : this.fresh(`${src.name}_${perm?.join('') ?? 'same'}`);
    let name: string;
    if (src.type === 'float16') {
      const bits = new Uint16Array(bytes.buffer, 0, bytes.length / 2);
      const data = perm ? permute(bits, src.shape, perm) : bits;
      const init = this.graph.initializer({ name: initName, type: 'float16', dims, data });
      name = firstUse && t !== src ? t.name : this.fresh(`${initName}_float32`);
      this.emit('Cast', [init], [name], { to: attr.int(ONNX_FLOAT) }, name);
    } else if (src.type === 'float32') {
      const values = new Float32Array(bytes.buffer, 0, bytes.length / 4);
      const data = perm ? permute(values, src.shape, perm) : values;
      name = this.graph.initializer({ name: initName, type: 'float32', dims, data });
    } else {
      return fail(`weight '${src.name}' is ${src.type}; only float32 and float16 weights are supported`);
    }
    this.constants.set(key, name);
    return name;
  }

  private int32Constant(index: number | undefined, fail: (what: string) => never): number[] {
    const t = this.tensor(index);
    if (t.type !== 'int32' || t.data === undefined)
      fail(`'${t.name}' must be a constant int32 tensor, it is ${t.type}${t.data ? '' : ' (not constant)'}`);
    const data = t.data;
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    return Array.from({ length: data.length / 4 }, (_, i) => view.getInt32(4 * i, true));
  }

  private checkShape(t: TfliteTensor, expected: number[], fail: (what: string) => never): void {
    if (t.shape.join() !== expected.join())
      fail(`tensor '${t.name}' is [${t.shape.join()}], the op computes [${expected.join()}]`);
  }

  /** A name for a value the TFLite file does not have, colliding with none it does. */
  private fresh(prefix: string): string {
    for (;;) {
      const candidate = this.graph.uniqueName(prefix);
      if (!this.tfliteNames.has(candidate)) return candidate;
    }
  }
}
