import { describe, expect, it } from 'vitest';
import { FlatTable } from './flatbuffer-table.ts';
import { readTflite, type TfliteModel } from './tflite-reader.ts';
import { FIELDS } from './tflite-schema.ts';
import { readMediapipeFile } from './tflite-test-files.ts';

function countKinds(model: TfliteModel): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const op of model.subgraphs[0]?.operators ?? []) counts[op.kind] = (counts[op.kind] ?? 0) + 1;
  return counts;
}

function tensorSpecs(model: TfliteModel, indices: 'inputs' | 'outputs') {
  const sg = model.subgraphs[0]!;
  return sg[indices].map((i) => {
    const t = sg.tensors[i]!;
    return { name: t.name, shape: t.shape, type: t.type };
  });
}

/** A copy of the file with one byte changed, located through the reader's own table access. */
function patched(
  bytes: Uint8Array,
  locate: (model: FlatTable) => number | undefined,
  value: number,
): Uint8Array {
  const copy = bytes.slice();
  const at = locate(FlatTable.root(copy, 'Model'));
  if (at === undefined) throw new Error('test setup: field to patch is absent');
  copy[at] = value;
  return copy;
}

const operator = (model: FlatTable, index: number): FlatTable =>
  model.tables(FIELDS.model.subgraphs, 'SubGraph')[0]!.tables(FIELDS.subgraph.operators, 'Operator')[index]!;

describe('readTflite: BlazeFace short-range', () => {
  const bytes = readMediapipeFile('face_detection_short_range.tflite');
  const model = readTflite(bytes);
  const sg = model.subgraphs[0]!;

  it('reads one subgraph of 164 ops of the 9 kinds MODELS.md lists', () => {
    expect(model.version).toBe(3);
    expect(model.subgraphs).toHaveLength(1);
    expect(sg.operators).toHaveLength(164);
    expect(countKinds(model)).toEqual({
      DEQUANTIZE: 74,
      CONV_2D: 21,
      RELU: 17,
      DEPTHWISE_CONV_2D: 16,
      ADD: 16,
      PAD: 11,
      MAX_POOL_2D: 3,
      RESHAPE: 4,
      CONCATENATION: 2,
    });
    expect([...model.operatorCodes].sort()).toEqual(Object.keys(countKinds(model)).sort());
  });

  it('reads the input and output tensors', () => {
    expect(tensorSpecs(model, 'inputs')).toEqual([
      { name: 'input', shape: [1, 128, 128, 3], type: 'float32' },
    ]);
    expect(tensorSpecs(model, 'outputs')).toEqual([
      { name: 'regressors', shape: [1, 896, 16], type: 'float32' },
      { name: 'classificators', shape: [1, 896, 1], type: 'float32' },
    ]);
  });

  it('reads float16 weights as constant data behind DEQUANTIZE ops', () => {
    const fp16 = sg.tensors.filter((t) => t.type === 'float16');
    expect(fp16).toHaveLength(74);
    const kernel = sg.tensors.find((t) => t.name === 'conv2d/Kernel')!;
    expect(kernel).toMatchObject({ type: 'float16', shape: [24, 5, 5, 3] });
    expect(kernel.data?.length).toBe(24 * 5 * 5 * 3 * 2);
    const activations = sg.tensors.filter((t) => t.data === undefined);
    expect(activations.every((t) => t.type === 'float32')).toBe(true);
  });

  it('decodes builtin options: a stride-2 SAME conv, a 2x2 max pool, reshape and concatenation', () => {
    const first = sg.operators.find((op) => op.kind === 'CONV_2D')!;
    expect(first.options).toEqual({
      padding: 'SAME',
      strideW: 2,
      strideH: 2,
      dilationW: 1,
      dilationH: 1,
      activation: 'NONE',
    });
    const pool = sg.operators.find((op) => op.kind === 'MAX_POOL_2D')!;
    expect(pool.options).toEqual({
      padding: 'SAME',
      strideW: 2,
      strideH: 2,
      filterW: 2,
      filterH: 2,
      activation: 'NONE',
    });
    const reshape = sg.operators.find((op) => op.kind === 'RESHAPE')!;
    expect(reshape.options).toEqual({ newShape: [1, -1, 1] });
    const concat = sg.operators.find((op) => op.kind === 'CONCATENATION')!;
    expect(concat.options).toEqual({ axis: 1, activation: 'NONE' });
  });
});

describe('readTflite: BlazeFace full-range', () => {
  const model = readTflite(readMediapipeFile('face_detection_full_range.tflite'));

  it('reads 354 ops, RESIZE_BILINEAR included, and one 48x48 head with 1 anchor per cell', () => {
    expect(model.subgraphs[0]!.operators).toHaveLength(354);
    expect(countKinds(model)).toEqual({
      DEQUANTIZE: 178,
      CONV_2D: 49,
      RELU: 47,
      DEPTHWISE_CONV_2D: 40,
      ADD: 23,
      PAD: 8,
      MAX_POOL_2D: 4,
      RESIZE_BILINEAR: 3,
      RESHAPE: 2,
    });
    expect(tensorSpecs(model, 'inputs')).toEqual([
      { name: 'input', shape: [1, 192, 192, 3], type: 'float32' },
    ]);
    // Not 'regressors'/'classificators' as in short-range: the manifest records the real names.
    expect(tensorSpecs(model, 'outputs')).toEqual([
      { name: 'reshaped_regressor_face_4', shape: [1, 2304, 16], type: 'float32' },
      { name: 'reshaped_classifier_face_4', shape: [1, 2304, 1], type: 'float32' },
    ]);
    const sg = model.subgraphs[0]!;
    const head = sg.tensors.find((t) => t.name === 'classifier_face_4')!;
    expect(head.shape).toEqual([1, 48, 48, 1]);
  });

  it('reads the upsampling mode (half-pixel centres, no corner alignment)', () => {
    const resizes = model.subgraphs[0]!.operators.filter((op) => op.kind === 'RESIZE_BILINEAR');
    for (const op of resizes) expect(op.options).toEqual({ alignCorners: false, halfPixelCenters: true });
  });
});

describe('readTflite: validation', () => {
  const bytes = readMediapipeFile('face_detection_short_range.tflite');

  it('rejects a file that is not a TFLite FlatBuffer', () => {
    expect(() => readTflite(new TextEncoder().encode('this is not a model at all'))).toThrow(
      /file identifier/,
    );
  });

  it('rejects a truncated file with a bounds error instead of reading garbage', () => {
    expect(() => readTflite(bytes.subarray(0, 4096))).toThrow(/outside the 4096-byte file/);
  });

  it('names the op and its output tensor for an operator it does not know', () => {
    // Turn the RELU operator code into MUL (18): op #3 is the first RELU, writing 'activation'.
    const mul = patched(
      bytes,
      (m) =>
        m
          .tables(FIELDS.model.operatorCodes, 'OperatorCode')
          .find((c) => c.int8(0) === 19)
          ?.fieldPosition(0),
      18,
    );
    expect(() => readTflite(mul)).toThrow(
      "op #3 (output tensor 'activation') is an unsupported operator: builtin code 18",
    );
  });

  it('names the op and its output tensor when the options table is of the wrong type', () => {
    // op #2 is the first CONV_2D; give it Pool2DOptions (5) instead of Conv2DOptions (1).
    const wrong = patched(bytes, (m) => operator(m, 2).fieldPosition(FIELDS.operator.builtinOptionsType), 5);
    expect(() => readTflite(wrong)).toThrow(
      "op #2 (output tensor 'conv2d') CONV_2D: builtin_options_type is 5, expected 1 (Conv2DOptions)",
    );
  });

  it('refuses sparse tensors (the _sparse full-range file) rather than misreading them', () => {
    expect(() => readTflite(readMediapipeFile('face_detection_full_range_sparse.tflite'))).toThrow(
      /is sparse, not supported/,
    );
  });
});
