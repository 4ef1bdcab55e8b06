import { describe, expect, it } from 'vitest';
import { FlatTable } from './flatbuffer-table.ts';
import { readTflite } from './tflite-reader.ts';
import { FIELDS } from './tflite-schema.ts';
import { readMediapipeFile, type MediapipeFile } from './tflite-test-files.ts';
import { tfliteToOnnx } from './tflite-to-onnx.ts';

const META = { producerName: 'test', producerVersion: '0' };

function convert(file: MediapipeFile | Uint8Array) {
  return tfliteToOnnx(readTflite(typeof file === 'string' ? readMediapipeFile(file) : file), META);
}

/** A copy of the short-range file with one option byte of op `opIndex` changed. */
function patchOption(opIndex: number, field: number, value: number): Uint8Array {
  const copy = readMediapipeFile('face_detection_short_range.tflite').slice();
  const op = FlatTable.root(copy, 'Model')
    .tables(FIELDS.model.subgraphs, 'SubGraph')[0]!
    .tables(FIELDS.subgraph.operators, 'Operator')[opIndex]!;
  const at = op.table(FIELDS.operator.builtinOptions, 'options')?.fieldPosition(field);
  if (at === undefined) throw new Error('test setup: option field is absent');
  copy[at] = value;
  return copy;
}

describe('tfliteToOnnx', () => {
  it('converts short-range to a clean graph: weights cast from float16, one input Transpose, one per Reshape', () => {
    const { nodeCounts, inputs, outputs } = convert('face_detection_short_range.tflite');
    expect(nodeCounts).toEqual({
      Transpose: 1 + 4,
      Cast: 74, // one per DEQUANTIZE: every weight and bias stays float16
      Conv: 21 + 16,
      Relu: 17,
      Add: 16,
      Pad: 11,
      MaxPool: 3,
      Reshape: 4,
      Concat: 2,
    });
    expect(inputs).toEqual([{ name: 'input', shape: [1, 128, 128, 3] }]);
    expect(outputs).toEqual([
      { name: 'regressors', shape: [1, 896, 16] },
      { name: 'classificators', shape: [1, 896, 1] },
    ]);
  });

  it('converts full-range, with its three bilinear upsamplings as Resize', () => {
    const { nodeCounts, outputs } = convert('face_detection_full_range.tflite');
    expect(nodeCounts).toEqual({
      Transpose: 1 + 2,
      Cast: 178,
      Conv: 49 + 40,
      Relu: 47,
      Add: 23,
      Pad: 8,
      MaxPool: 4,
      Resize: 3,
      Reshape: 2,
    });
    expect(outputs.map((o) => o.shape)).toEqual([
      [1, 2304, 16],
      [1, 2304, 1],
    ]);
  });

  it('is deterministic and keeps the file float16-sized', () => {
    const tflite = readMediapipeFile('face_detection_short_range.tflite');
    const a = convert(tflite).onnx;
    const b = convert(tflite).onnx;
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(a.length).toBeLessThan(tflite.length * 1.05);
  });

  it('checks every computed shape against the file, naming the op and tensor', () => {
    // op #2 is the 5x5 stride-2 stem conv; stride_w (field 1) 2 -> 1 makes its declared output shape wrong.
    const bad = patchOption(2, FIELDS.conv2d.strideW, 1);
    expect(() => convert(bad)).toThrow(
      "op #2 CONV_2D (output tensor 'conv2d'): tensor 'conv2d' is [1,64,64,24], the op computes [1,64,128,24]",
    );
  });

  it('rejects options it does not convert, naming the op and tensor', () => {
    // op #6 is the first depthwise conv; a depth multiplier of 2 contradicts its [1,3,3,24] kernel.
    const bad = patchOption(6, FIELDS.depthwiseConv2d.depthMultiplier, 2);
    expect(() => convert(bad)).toThrow(
      "op #6 DEPTHWISE_CONV_2D (output tensor 'depthwise_conv2d'): depth_multiplier 2, kernel says 1",
    );
  });
});
