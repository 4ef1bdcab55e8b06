/**
 * Golden test of the converted BlazeFace detectors: the committed models/blazeface-*.onnx, run in onnxruntime-web
 * (wasm, the engine the extension ships), against Google's TFLite interpreter (tfjs-tflite's wasm build, see
 * ../helpers/tflite-reference.ts) running the original .tflite on the same inputs. Raw outputs are compared
 * (regressors and score logits), before any decoding. Converting again must give the committed bytes.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blazeFaceSourcePath,
  convertBlazeFace,
  type BlazeFaceVariant,
} from '../../scripts/models/convert-blazeface.ts';
import { loadTfliteReference, type TfliteReference } from '../helpers/tflite-reference.ts';

/**
 * Largest allowed |ONNX - TFLite| per raw output value (regressor coordinates in input pixels, up to ~130;
 * score logits up to ~40). The runtimes sum convolutions in different orders in float32; MODELS.md (section 1)
 * expects about 2e-4; this conversion measured at most 7.7e-5 (short-range) and 1.1e-4 (full-range). A wrong
 * padding or interpolation mode is off by 1 to 30 (tried: mirrored SAME pads, asymmetric Resize).
 */
const RAW_OUTPUT_TOLERANCE = 2e-4;

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

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

/** Uniform noise in [-1, 1], the model's whole input range. */
function noiseInput(seed: number, size: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: size * size * 3 }, () => random() * 2 - 1);
}

/**
 * A smooth synthetic picture, preprocessed like the product does (0..255 -> x / 127.5 - 1): a lit gradient
 * background, a skin-toned ellipse with two dark eyes and a mouth. It keeps activations in the range real
 * frames produce (noise mostly saturates them).
 */
function syntheticFace(size: number): Float32Array {
  const out = new Float32Array(size * size * 3);
  const blob = (x: number, y: number, cx: number, cy: number, rx: number, ry: number) =>
    Math.exp(-(((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2) * 2);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = x / size;
      const v = y / size;
      const face = blob(u, v, 0.5, 0.5, 0.22, 0.3);
      const eyes = blob(u, v, 0.41, 0.43, 0.04, 0.025) + blob(u, v, 0.59, 0.43, 0.04, 0.025);
      const mouth = blob(u, v, 0.5, 0.64, 0.08, 0.02);
      const background = 60 + 80 * u + 30 * Math.sin(6 * v);
      const rgb = [
        background * (1 - face) + 225 * face - 150 * eyes - 90 * mouth,
        background * (1 - face) + 180 * face - 130 * eyes - 110 * mouth,
        (background + 40) * (1 - face) + 150 * face - 110 * eyes - 100 * mouth,
      ];
      rgb.forEach((value, c) => {
        out[(y * size + x) * 3 + c] = Math.min(255, Math.max(0, Math.round(value))) / 127.5 - 1;
      });
    }
  }
  return out;
}

interface Worst {
  index: number;
  expected: number;
  actual: number;
  diff: number;
}

/** The largest |expected - actual| (NaN counts as infinitely bad). */
function worstDifference(expected: Float32Array, actual: Float32Array): Worst {
  let worst: Worst = { index: -1, expected: 0, actual: 0, diff: 0 };
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    const diff = Number.isNaN(e - a) ? Infinity : Math.abs(e - a);
    if (diff > worst.diff) worst = { index: i, expected: e, actual: a, diff };
  }
  return worst;
}

const VARIANTS: { variant: BlazeFaceVariant; file: string; size: number }[] = [
  { variant: 'short', file: 'blazeface-short.onnx', size: 128 },
  { variant: 'full', file: 'blazeface-full.onnx', size: 192 },
];

/** Largest difference per input and output, printed once at the end for the record. */
const measured: string[] = [];

for (const { variant, file, size } of VARIANTS) {
  describe(`BlazeFace ${variant}-range: models/${file} vs the TFLite interpreter`, () => {
    let session: ort.InferenceSession;
    let reference: TfliteReference;

    beforeAll(async () => {
      ort.env.wasm.numThreads = 1;
      session = await ort.InferenceSession.create(await readFile(path.join(ROOT, 'models', file)));
      reference = await loadTfliteReference(new Uint8Array(await readFile(blazeFaceSourcePath(variant))));
      return async () => {
        await session.release();
        reference.dispose();
      };
    });

    const inputs: [string, () => Float32Array][] = [
      ['noise seed 1', () => noiseInput(1, size)],
      ['noise seed 2', () => noiseInput(2, size)],
      ['noise seed 3', () => noiseInput(3, size)],
      ['synthetic face', () => syntheticFace(size)],
    ];

    it.each(inputs)('matches raw outputs on %s', async (label, makeInput) => {
      const input = makeInput();
      const shape = [1, size, size, 3];
      const expected = reference.run(input, shape);
      const actual = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', input, shape) });

      expect(session.outputNames, `models/${file}: output names vs the .tflite`).toEqual(
        Object.keys(expected),
      );
      for (const [name, want] of Object.entries(expected)) {
        const got = actual[name];
        expect(got?.dims, `models/${file}: output '${name}' shape`).toEqual(want.shape);
        const worst = worstDifference(want.data, got!.data as Float32Array);
        const coords = want.shape[2]!;
        const where = `anchor ${Math.floor(worst.index / coords)}, value ${worst.index % coords}`;
        measured.push(`${variant} ${name} (${label}): max |diff| ${worst.diff.toExponential(2)}`);
        expect(
          worst.diff,
          `models/${file}, input '${label}': output '${name}'[${worst.index}] (${where}): expected ${worst.expected} ` +
            `(TFLite), actual ${worst.actual} (ONNX), |diff| ${worst.diff.toExponential(2)} > RAW_OUTPUT_TOLERANCE ${RAW_OUTPUT_TOLERANCE}`,
        ).toBeLessThanOrEqual(RAW_OUTPUT_TOLERANCE);
      }
    });

    it(`converting again gives the bytes of models/${file}`, async () => {
      const committed = new Uint8Array(await readFile(path.join(ROOT, 'models', file)));
      const fresh = (await convertBlazeFace(variant)).onnx;
      const firstDiff = fresh.findIndex((b, i) => b !== committed[i]);
      expect(
        {
          length: fresh.length,
          firstDifferentByte: firstDiff === -1 && fresh.length === committed.length ? null : firstDiff,
        },
        `models/${file} is not what the converter writes now: run \`npm run models\` and commit the result`,
      ).toEqual({ length: committed.length, firstDifferentByte: null });
    });
  });
}

afterAll(() => {
  if (measured.length > 0) {
    console.log(`BlazeFace ONNX vs TFLite (tolerance ${RAW_OUTPUT_TOLERANCE}):\n  ${measured.join('\n  ')}`);
  }
});
