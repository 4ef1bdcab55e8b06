import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  attrBool,
  attrInts,
  attrString,
  attrStrings,
  opCensus,
  parseGraphModel,
  parseTensorRef,
  readGraphModel,
} from './tfjs-graph.ts';
import { tfjsGraphToOnnx } from './tfjs-graph-to-onnx.ts';

const EMOTION_JSON = fileURLToPath(
  new URL('../../../node_modules/@vladmandic/human/models/emotion.json', import.meta.url),
);
const P = 'StatefulPartitionedCall/model_1/';

function node(graph: ReturnType<typeof parseGraphModel>, name: string) {
  const n = graph.nodes.find((x) => x.name === name);
  if (!n) throw new Error(`no node ${name}`);
  return n;
}

describe('readGraphModel on human 3.3.6 models/emotion.json (mini-Xception)', () => {
  it('counts the ops the converter must map', async () => {
    const { graph } = await readGraphModel(EMOTION_JSON);
    expect(opCensus(graph)).toEqual({
      AddV2: 2,
      Const: 23,
      DepthwiseConv2dNative: 4,
      Identity: 1,
      MaxPool: 2,
      Mean: 1,
      Placeholder: 1,
      Relu: 1,
      Softmax: 1,
      _FusedConv2D: 9,
    });
  });

  it('takes inputs and outputs from the signature', async () => {
    const { graph } = await readGraphModel(EMOTION_JSON);
    expect(graph.inputs).toEqual(['input_1']);
    expect(graph.outputs).toEqual([{ node: 'Identity', index: 0 }]);
    expect(graph.generatedBy).toBe('https://github.com/oarriaga/face_classification');
  });

  it('decodes base64 strings, int lists and bools', async () => {
    const { graph } = await readGraphModel(EMOTION_JSON);
    const first = node(graph, `${P}block1_conv1_act/Relu`);
    expect(attrString(first, 'padding')).toBe('VALID');
    expect(attrString(first, 'data_format')).toBe('NHWC');
    expect(attrStrings(first, 'fused_ops')).toEqual(['BiasAdd', 'Relu']);
    expect(attrInts(first, 'strides')).toEqual([1, 2, 2, 1]);
    expect(first.inputs.map((r) => r.node)).toEqual([
      'input_1',
      `${P}conv2d_1/Conv2D_weights`,
      `${P}conv2d_1/Conv2D_bn_offset`,
    ]);
    expect(attrString(node(graph, `${P}max_pooling2d_1/MaxPool`), 'padding')).toBe('SAME');
    expect(attrInts(node(graph, `${P}max_pooling2d_1/MaxPool`), 'ksize')).toEqual([1, 3, 3, 1]);
    expect(attrBool(node(graph, `${P}global_average_pooling2d_1/Mean`), 'keep_dims')).toBe(false);
  });

  it('reads every weight the Const nodes name', async () => {
    const { graph, weights } = await readGraphModel(EMOTION_JSON);
    const consts = graph.nodes.filter((n) => n.op === 'Const').map((n) => n.name);
    expect([...weights.keys()].sort()).toEqual([...consts].sort());
    const axes = weights.get(`${P}global_average_pooling2d_1/Mean/reduction_indices`);
    expect(axes?.dtype).toBe('int32');
    expect(Array.from(axes?.data ?? [])).toEqual([1, 2]);
    expect(weights.get(`${P}conv2d_1/Conv2D_weights`)?.shape).toEqual([3, 3, 1, 32]);
  });
});

describe('parseTensorRef', () => {
  it.each([
    ['a/b', { node: 'a/b', index: 0 }],
    ['a/b:2', { node: 'a/b', index: 2 }],
    ['a:b', { node: 'a:b', index: 0 }],
  ])('%s', (ref, expected) => {
    expect(parseTensorRef(ref)).toEqual(expected);
  });
});

describe('parseGraphModel errors', () => {
  it('rejects a layers model', () => {
    expect(() => parseGraphModel({ format: 'layers-model', modelTopology: {} })).toThrow(
      /layers models are not supported/,
    );
  });

  it('names a node that reads a missing node', () => {
    const json = { modelTopology: { node: [{ name: 'x', op: 'Relu', input: ['ghost'] }] } };
    expect(() => parseGraphModel(json)).toThrow(/node "x" reads "ghost"/);
  });
});

describe('tfjsGraphToOnnx', () => {
  it('throws on an unsupported op, naming the node and the op', async () => {
    const json = JSON.parse(await readFile(EMOTION_JSON, 'utf8')) as {
      modelTopology: { node: { name: string; op: string }[] };
    };
    const relu = json.modelTopology.node.find((n) => n.op === 'Relu');
    if (!relu) throw new Error('emotion.json has no Relu');
    relu.op = 'Erf';
    const { weights } = await readGraphModel(EMOTION_JSON);
    expect(() => tfjsGraphToOnnx(parseGraphModel(json), weights, 'g')).toThrow(
      `node "${P}block3_sepconv1_act/Relu" has op Erf, which is not supported`,
    );
  });

  it('throws on an unsupported fused activation, naming the node', async () => {
    const json = JSON.parse(await readFile(EMOTION_JSON, 'utf8')) as {
      modelTopology: { node: { name: string; attr?: Record<string, { list?: { s?: string[] } }> }[] };
    };
    const conv = json.modelTopology.node.find((n) => n.name === `${P}block1_conv1_act/Relu`);
    const list = conv?.attr?.fused_ops?.list;
    if (!list) throw new Error('emotion.json: the first conv has no fused_ops');
    list.s = [btoa('BiasAdd'), btoa('Gelu')];
    const { weights } = await readGraphModel(EMOTION_JSON);
    expect(() => tfjsGraphToOnnx(parseGraphModel(json), weights, 'g')).toThrow(
      `node "${P}block1_conv1_act/Relu" (_FusedConv2D): fused activation Gelu is not supported`,
    );
  });

  it('maps emotion.json with an NHWC interface', async () => {
    const { graph, weights } = await readGraphModel(EMOTION_JSON);
    const { inputs, outputs } = tfjsGraphToOnnx(graph, weights, 'g');
    expect(inputs).toEqual([{ name: 'input_1', shape: [-1, 64, 64, 1] }]);
    expect(outputs).toEqual([{ name: 'Identity', shape: [-1, 7] }]);
  });
});
