/**
 * Golden tests of the bundled emotion classifiers: the committed models/*.onnx, run in onnxruntime-web (wasm, the
 * engine the extension ships), against TensorFlow.js running the original models on the same seeded inputs.
 * - mini-Xception: tfjs-converter's loadGraphModel on tfjs-core/backend-cpu 4.9.0, in this process.
 * - face-api expression net: face-api's own FaceExpressionNet on its bundled tfjs 4.22 CPU backend, in a child
 *   process (see face-api-expression-reference.ts for why).
 * Converting again must give the committed bytes.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertFaceApiExpression } from '../../scripts/models/convert-face-api-expression.ts';
import { convertMiniXception } from '../../scripts/models/convert-mini-xception.ts';
import type { ConvertedModel } from '../../scripts/models/converted-model.ts';

/**
 * Largest allowed |ONNX - TFJS| per output probability. Both runtimes compute in float32 but sum convolutions in
 * different orders, so a correct conversion is close, not bit-exact: measured max 1.2e-7 (mini-Xception) and
 * 7.2e-7 (face-api, 16 convolutions deep) on these inputs. A wrong padding, layout or weight is off by 1e-2 or
 * more (TF SAME padding placed top/left instead of bottom/right: 0.94 on face-api).
 */
const PROBABILITY_TOLERANCE = 2e-6;

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const execFileAsync = promisify(execFile);

/** mulberry32: a small seeded PRNG, so every run feeds the same inputs. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` NHWC images of 0..255 integer values: even indices uniform noise, odd ones smooth random waves with a
 * bright blob (closer to a photo, and they exercise the non-saturated part of the softmax).
 */
function seededImages(seed: number, count: number, size: number, channels: number): Float32Array {
  const random = seededRandom(seed);
  const per = size * size * channels;
  const out = new Float32Array(count * per);
  for (let n = 0; n < count; n++) {
    const [fx, fy, phase, cx, cy] = [random() * 0.3, random() * 0.3, random() * 6.3, random(), random()];
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        for (let c = 0; c < channels; c++) {
          let v: number;
          if (n % 2 === 0) {
            v = random() * 256;
          } else {
            const wave = Math.sin(fx * x + phase + c) * Math.cos(fy * y - c);
            const blob = Math.exp(-(((x / size - cx) ** 2 + (y / size - cy) ** 2) * 12));
            v = 128 + 70 * wave + 60 * blob - 30;
          }
          out[n * per + (y * size + x) * channels + c] = Math.min(255, Math.max(0, Math.floor(v)));
        }
      }
    }
  }
  return out;
}

/** Every element within tolerance, or one error listing the worst mismatches with their place and labels. */
function expectClose(
  model: string,
  output: string,
  labels: readonly string[],
  expected: ArrayLike<number>,
  actual: ArrayLike<number>,
): number {
  expect(actual.length, `${model}: output ${output} length`).toBe(expected.length);
  let maxDiff = 0;
  const failures: string[] = [];
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    const diff = Math.abs(e - a);
    if (!(diff <= PROBABILITY_TOLERANCE)) {
      const sample = Math.floor(i / labels.length);
      const k = i % labels.length;
      failures.push(
        `${model}: ${output}[${sample}][${k}] (${labels[k]}): expected ${e} (TFJS), actual ${a} (ONNX), |diff| ${diff.toExponential(2)}`,
      );
    }
    if (Number.isNaN(diff)) maxDiff = Number.NaN;
    else maxDiff = Math.max(maxDiff, diff);
  }
  if (failures.length > 0) {
    throw new Error(
      `${failures.length} values beyond PROBABILITY_TOLERANCE ${PROBABILITY_TOLERANCE}:\n${failures.slice(0, 10).join('\n')}`,
    );
  }
  return maxDiff;
}

async function runOnnx(
  file: string,
  input: string,
  output: string,
  data: Float32Array,
  dims: number[],
): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(await readFile(path.join(ROOT, 'models', file)));
  try {
    expect(session.inputNames, `models/${file}: input names`).toEqual([input]);
    expect(session.outputNames, `models/${file}: output names`).toEqual([output]);
    const result = await session.run({ [input]: new ort.Tensor('float32', data, dims) });
    const tensor = result[output];
    if (!tensor) throw new Error(`models/${file}: no output ${output}`);
    expect(tensor.dims, `models/${file}: output ${output} dims`).toEqual([dims[0], 7]);
    return tensor.data as Float32Array;
  } finally {
    await session.release();
  }
}

async function expectSameBytes(convert: () => Promise<ConvertedModel>): Promise<void> {
  const model = await convert();
  const file = `models/${model.id}.onnx`;
  const committed = new Uint8Array(await readFile(path.join(ROOT, file)));
  const digest = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex').slice(0, 16);
  expect(
    Buffer.compare(Buffer.from(model.onnx), Buffer.from(committed)) === 0,
    `${file} (${committed.length} bytes, sha256 ${digest(committed)}) differs from a fresh conversion ` +
      `(${model.onnx.length} bytes, sha256 ${digest(model.onnx)}): run npm run models and commit the result`,
  ).toBe(true);
}

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
});

describe('mini-xception.onnx vs TensorFlow.js (tfjs-converter 4.9, CPU)', () => {
  const COUNT = 4;
  const SIZE = 64;
  let model: Awaited<ReturnType<typeof loadGraphModel>>;
  let entry: ConvertedModel['entry'];

  beforeAll(async () => {
    tf.env().set('PROD', true); // silences the "install tfjs-node" banner
    await tf.setBackend('cpu');
    const dir = path.join(ROOT, 'node_modules/@vladmandic/human/models');
    const json = JSON.parse(await readFile(path.join(dir, 'emotion.json'), 'utf8')) as {
      modelTopology: object;
      weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
    };
    const bin = await readFile(path.join(dir, 'emotion.bin'));
    model = await loadGraphModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
      }),
    );
    entry = (await convertMiniXception()).entry;
  });

  afterAll(() => model?.dispose());

  it('matches on seeded inputs within PROBABILITY_TOLERANCE', async () => {
    if (entry.kind !== 'classifier') throw new Error('mini-xception should be a classifier');
    // The model's own input domain: grey (g/255 - 0.5) / 0.5 in [-1, 1], as the manifest's preprocessing says.
    const { scale, mean, std } = entry.preprocessing;
    const input = seededImages(1234, COUNT, SIZE, 1).map((g) =>
      Math.fround((g * scale - mean[0]!) / std[0]!),
    );
    const reference = model.execute(tf.tensor4d(input, [COUNT, SIZE, SIZE, 1])) as tf.Tensor;
    const expected = reference.dataSync();
    reference.dispose();
    const actual = await runOnnx('mini-xception.onnx', entry.input.name, entry.output, input, [
      COUNT,
      SIZE,
      SIZE,
      1,
    ]);
    const maxDiff = expectClose('mini-xception', entry.output, entry.sourceLabels, expected, actual);
    console.log(`mini-xception: max |ONNX - TFJS| = ${maxDiff.toExponential(2)}`);
  });

  it('converts again to the committed bytes', async () => {
    await expectSameBytes(convertMiniXception);
  });
});

describe('face-api-expression.onnx vs face-api FaceExpressionNet (tfjs 4.22, CPU)', () => {
  const COUNT = 4;
  const SIZE = 112;
  let workDir: string;

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'face-api-golden-'));
  });

  afterAll(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('matches on seeded inputs within PROBABILITY_TOLERANCE', async () => {
    const { entry } = await convertFaceApiExpression();
    if (entry.kind !== 'classifier') throw new Error('face-api-expression should be a classifier');
    const pixels = seededImages(5678, COUNT, SIZE, 3);
    const pixelsPath = path.join(workDir, 'pixels.f32');
    const outPath = path.join(workDir, 'probabilities.f32');
    await writeFile(pixelsPath, new Uint8Array(pixels.buffer));
    const script = path.join(ROOT, 'tests/golden/face-api-expression-reference.ts');
    await execFileAsync(process.execPath, ['--import', 'tsx', script, pixelsPath, String(COUNT), outPath], {
      cwd: ROOT,
      timeout: 120_000,
    });
    const raw = await readFile(outPath);
    const expected = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));

    // face-api's normalisation in float32, the same two roundings: (x - mean) then / 255.
    const { mean, std, scale } = entry.preprocessing;
    const input = pixels.map((v, i) => Math.fround(Math.fround(v * scale - mean[i % 3]!) / std[i % 3]!));
    const actual = await runOnnx('face-api-expression.onnx', entry.input.name, entry.output, input, [
      COUNT,
      SIZE,
      SIZE,
      3,
    ]);
    const maxDiff = expectClose('face-api-expression', entry.output, entry.sourceLabels, expected, actual);
    console.log(`face-api-expression: max |ONNX - TFJS| = ${maxDiff.toExponential(2)}`);
  });

  it('converts again to the committed bytes', async () => {
    await expectSameBytes(convertFaceApiExpression);
  });
});
