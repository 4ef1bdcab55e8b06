/**
 * Golden test of EMO-AffectNet checkpoint import (../../../shared/MODELS.md section 2). A full-size
 * checkpoint written by PyTorch itself (scripts/emo-affectnet/make-test-checkpoint.py, seeded random
 * weights, run with Debian's python3-torch) goes through the project's own import in Node, and the ONNX it
 * builds runs in onnxruntime-web (wasm, the engine the extension ships) against PyTorch's outputs.
 * The PyTorch part is skipped, with a message, where /usr/bin/python3 cannot import torch; the generated
 * files are cached in node_modules/.cache/affect-lens/emo-affectnet/ and rebuilt when the generator changes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { readStateDict } from '../../src/checkpoint/state-dict.ts';
import { type TestTensor, writeStateDictCheckpoint } from '../../src/checkpoint/test-checkpoint-writer.ts';
import { readZip } from '../../src/checkpoint/zip-reader.ts';
import { expectedParams } from '../../src/emo-affectnet/architecture.ts';
import { importEmoAffectNet, type ImportedModel } from '../../src/emo-affectnet/import.ts';
import { allocateInput, preprocessImage, preprocessRect } from '../../src/ml/classifier-preprocess.ts';
import { attr, OnnxGraphBuilder } from '../../src/onnx/onnx-builder.ts';
import {
  CACHE_DIR,
  ENABLE,
  HAVE_TORCH,
  IMAGE,
  IMAGES_DIR,
  PYTHON,
  type Reference,
  ensureFixtures,
  log,
  readF32,
  seconds,
} from './pytorch-fixtures.ts';
import { catchError, random, rezip } from './checkpoint-tampering.ts';

/** fp32 weights: folding BatchNorm only changes float32 rounding (measured ~3e-5 on logits of 2-9). */
const FP32_TOLERANCE = 1e-3;
/** fp16 weights: half-precision rounding of 23.5 M weights (measured ~0.02-0.03 on logits of 2-9). */
const FP16_TOLERANCE = 0.1;
/** Preprocessing of identical pixels: float32 rounding of (v - mean) only. */
const PREPROCESS_TOLERANCE = 1e-4;
/** sharp (libvips) vs Pillow JPEG decoding: libjpeg builds may differ by a few levels (measured 0 here). */
const JPEG_DECODE_TOLERANCE = { max: 8, mean: 0.5 };

const GET_IT =
  "Use the authors' FER_static_ResNet50_AffectNet.pt " +
  '(https://huggingface.co/ElenaRyumina/face_emotion_recognition/resolve/main/FER_static_ResNet50_AffectNet.pt) or an ONNX export of it.';

if (!HAVE_TORCH) {
  console.warn(
    `[emo-affectnet golden] SKIPPED the PyTorch comparison: ${PYTHON} cannot import torch and PIL. To enable: ${ENABLE}`,
  );
}

interface Outputs {
  logits: Float32Array;
  features: Float32Array;
}

async function runOnnx(
  onnx: Uint8Array,
  input: Float32Array,
  runs = 1,
): Promise<Outputs & { msPerRun: number[] }> {
  const session = await ort.InferenceSession.create(onnx, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
  try {
    const batch = input.length / (3 * 224 * 224);
    const feeds = { input: new ort.Tensor('float32', input, [batch, 3, 224, 224]) };
    const msPerRun: number[] = [];
    let out: ort.InferenceSession.OnnxValueMapType = {};
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      out = await session.run(feeds);
      msPerRun.push(performance.now() - started);
    }
    expect(out.logits!.dims).toEqual([batch, 7]);
    expect(out.features!.dims).toEqual([batch, 512]);
    return {
      logits: out.logits!.data as Float32Array,
      features: out.features!.data as Float32Array,
      msPerRun,
    };
  } finally {
    await session.release();
  }
}

/** Largest |actual - expected| with where it happened, for path-aware failure messages. */
function maxDiff(
  actual: Float32Array,
  expected: readonly (readonly number[])[],
  what: string,
): { max: number; where: string } {
  let max = 0;
  let where = 'nowhere';
  expected.forEach((row, i) => {
    expect(actual.length, `${what}: output size`).toBe(expected.length * row.length);
    row.forEach((value, j) => {
      const d = Math.abs(actual[i * row.length + j]! - value);
      if (d > max || Number.isNaN(d)) {
        max = Number.isNaN(d) ? Infinity : d;
        where = `${what}[${i}][${j}]: ours ${actual[i * row.length + j]}, PyTorch ${value}`;
      }
    });
  });
  return { max, where };
}

const argmax = (values: ArrayLike<number>, from: number, count: number): number => {
  let best = 0;
  for (let i = 1; i < count; i++) if (values[from + i]! > values[from + best]!) best = i;
  return best;
};

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
});

describe('EMO-AffectNet import without PyTorch at run time', () => {
  it('imports a full-size checkpoint from the TypeScript test writer and runs several faces in one call', async () => {
    const rand = random(7);
    const tensors = new Map<string, TestTensor>();
    for (const p of expectedParams()) {
      const count = p.shape.reduce((a, b) => a * b, 1);
      if (p.dtype === 'int64') {
        tensors.set(p.key, { dtype: 'int64', shape: p.shape, data: BigInt64Array.from([100n]) });
        continue;
      }
      const data = new Float32Array(count);
      const variance = p.key.endsWith('running_var');
      const fanIn = count / (p.shape[0] ?? 1);
      for (let i = 0; i < count; i++)
        data[i] = variance
          ? 0.5 + rand()
          : (rand() - 0.5) * (p.shape.length > 1 ? 2 / Math.sqrt(fanIn) : 0.2);
      tensors.set(p.key, { dtype: 'float32', shape: p.shape, data });
    }
    const imported = importEmoAffectNet(writeStateDictCheckpoint(tensors, 'FER_static_ResNet50_AffectNet'));
    const input = new Float32Array(3 * 3 * 224 * 224);
    for (let i = 0; i < input.length; i++) input[i] = rand() * 255 - 110;
    const batch = await runOnnx(imported.onnx, input);
    const single = await runOnnx(imported.onnx, input.subarray(2 * 3 * 224 * 224));
    expect(Array.from(batch.logits).every(Number.isFinite)).toBe(true);
    // The third face of the batch gives what it gives alone: faces do not interact.
    Array.from(single.logits).forEach((v, j) => expect(batch.logits[14 + j]).toBeCloseTo(v, 4));
  }, 120_000);
});

describe.skipIf(!HAVE_TORCH)(`EMO-AffectNet import vs PyTorch (needs python3-torch: ${ENABLE})`, () => {
  let reference: Reference;
  let pt: Uint8Array;
  let fp32: ImportedModel;
  let fp16: ImportedModel;
  /** The fixed inputs, plus the authors' tensor of the real image when there is one: one batch. */
  let batch: Float32Array;
  let expectedLogits: number[][];
  let expectedFeatures: number[][];

  beforeAll(() => {
    reference = ensureFixtures();
    pt = new Uint8Array(readFileSync(path.join(CACHE_DIR, reference.checkpoint)));
    let started = performance.now();
    fp32 = importEmoAffectNet(pt);
    const fp32Ms = performance.now() - started;
    started = performance.now();
    fp16 = importEmoAffectNet(pt, { weights: 'float16' });
    log(
      `import of the ${(pt.length / 1e6).toFixed(1)} MB checkpoint (torch ${reference.torch}): fp32 ${seconds(fp32Ms)} -> ` +
        `${(fp32.onnx.length / 1e6).toFixed(1)} MB ONNX; fp16 ${seconds(performance.now() - started)} -> ${(fp16.onnx.length / 1e6).toFixed(1)} MB`,
    );
    const inputs = readF32(path.join(CACHE_DIR, reference.inputs.file));
    const image = reference.image
      ? readF32(path.join(CACHE_DIR, reference.image.tensor))
      : new Float32Array(0);
    batch = new Float32Array(inputs.length + image.length);
    batch.set(inputs);
    batch.set(image, inputs.length);
    expectedLogits = [...reference.logits, ...(reference.image ? [reference.image.logits] : [])];
    expectedFeatures = [...reference.features, ...(reference.image ? [reference.image.features] : [])];
  }, 900_000);

  it("reads the checkpoint PyTorch wrote: 322 keys in PyTorch's order, in a folder named after the file", () => {
    const stateDict = readStateDict(pt);
    expect([...stateDict.keys()]).toEqual(expectedParams().map((p) => p.key));
    expect(readZip(pt, { verifyCrc: false }).names[0]).toBe('emo-affectnet-test/data.pkl');
    expect(fp32.entry.weights).toBe('float32');
    expect(fp16.entry.weights).toBe('float16');
    expect(fp32.batchSize).toBeNull();
  });

  it(`fp32: logits and features match PyTorch within ${FP32_TOLERANCE}, several faces in one run`, async () => {
    const out = await runOnnx(fp32.onnx, batch);
    const logits = maxDiff(out.logits, expectedLogits, 'logits');
    const features = maxDiff(out.features, expectedFeatures, 'features');
    log(
      `fp32, batch of ${expectedLogits.length}: max |logits diff| ${logits.max.toExponential(2)}, max |features diff| ` +
        `${features.max.toExponential(2)} (tolerance ${FP32_TOLERANCE}; in ${seconds(out.msPerRun[0]!)})`,
    );
    expect(logits.max, logits.where).toBeLessThanOrEqual(FP32_TOLERANCE);
    expect(features.max, features.where).toBeLessThanOrEqual(FP32_TOLERANCE);

    // Latency of one face, after a warm-up run.
    const one = await runOnnx(fp32.onnx, batch.subarray(0, 3 * 224 * 224), 4);
    const sorted = one.msPerRun.slice(1).sort((a, b) => a - b);
    log(
      `fp32 wasm (1 thread) per face: median ${sorted[1]!.toFixed(0)} ms (runs ${one.msPerRun.map((m) => m.toFixed(0)).join(', ')} ms)`,
    );
  }, 300_000);

  it(`fp16 weights: within ${FP16_TOLERANCE} of PyTorch, same top class, half the size`, async () => {
    const out = await runOnnx(fp16.onnx, batch);
    const logits = maxDiff(out.logits, expectedLogits, 'logits');
    const features = maxDiff(out.features, expectedFeatures, 'features');
    log(
      `fp16, batch of ${expectedLogits.length}: max |logits diff| ${logits.max.toExponential(2)}, max |features diff| ` +
        `${features.max.toExponential(2)} (tolerance ${FP16_TOLERANCE})`,
    );
    expect(logits.max, logits.where).toBeLessThanOrEqual(FP16_TOLERANCE);
    expect(features.max, features.where).toBeLessThanOrEqual(FP16_TOLERANCE);
    expectedLogits.forEach((row, i) =>
      expect(argmax(out.logits, i * 7, 7), `top class of input ${i}`).toBe(argmax(row, 0, 7)),
    );
    expect(fp16.onnx.length / fp32.onnx.length).toBeCloseTo(0.5, 2);
  }, 300_000);

  describe.skipIf(!IMAGE)(
    `preprocessing of a real image (${IMAGE ? path.basename(IMAGE) : `no images in ${IMAGES_DIR}`})`,
    () => {
      const tensorOf = (rgb: Uint8Array, width: number, height: number): Float32Array => {
        const rgba = new Uint8Array(width * height * 4);
        for (let i = 0; i < width * height; i++)
          rgba.set([rgb[i * 3]!, rgb[i * 3 + 1]!, rgb[i * 3 + 2]!, 255], i * 4);
        const out = allocateInput(fp32.entry);
        preprocessImage({ width, height, data: rgba }, fp32.entry, out);
        return out;
      };
      const largest = (a: Float32Array, b: Float32Array): number =>
        a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

      it("src/ml preprocessing with the manifest entry gives the authors' tensor, and our model PyTorch's logits", async () => {
        const image = reference.image!;
        const pixels = new Uint8Array(readFileSync(path.join(CACHE_DIR, image.rgb)));
        const ours = tensorOf(pixels, image.width, image.height);
        const authors = readF32(path.join(CACHE_DIR, image.tensor));
        const diff = largest(ours, authors);
        log(
          `preprocessing of ${path.basename(image.path)} (${image.width}x${image.height}) vs the authors' recipe: max |diff| ${diff.toExponential(2)}`,
        );
        expect(diff).toBeLessThanOrEqual(PREPROCESS_TOLERANCE);

        const out = await runOnnx(fp32.onnx, ours);
        const logits = maxDiff(out.logits, [image.logits], 'image logits');
        expect(logits.max, logits.where).toBeLessThanOrEqual(FP32_TOLERANCE);
      }, 120_000);

      /**
       * Pillow's NEAREST (ImagingScaleAffine in libImaging/Geometry.c) accumulates xo = 0.5 * a; index = (int) xo;
       * xo += a, which differs from floor((u + 0.5) * in / out) where that is an integer (sides that are multiples
       * of 64 at 224): a 256-pixel crop is where a plain formula goes wrong.
       */
      it('a 256x256 crop matches Pillow NEAREST exactly (its accumulated sampling positions)', () => {
        const image = reference.image!;
        const crop = image.crop;
        if (!crop) throw new Error(`${image.path} is smaller than 256x256: no crop to compare`);
        const pixels = new Uint8Array(readFileSync(path.join(CACHE_DIR, image.rgb)));
        const rgba = new Uint8Array(image.width * image.height * 4);
        for (let i = 0; i < image.width * image.height; i++) {
          rgba.set([pixels[i * 3]!, pixels[i * 3 + 1]!, pixels[i * 3 + 2]!, 255], i * 4);
        }
        const ours = allocateInput(fp32.entry);
        preprocessRect({ width: image.width, height: image.height, data: rgba }, crop, fp32.entry, ours);
        const authors = readF32(path.join(CACHE_DIR, crop.tensor));
        let differing = 0;
        ours.forEach((v, i) => {
          if (Math.abs(v - authors[i]!) > PREPROCESS_TOLERANCE) differing += 1;
        });
        log(
          `preprocessing of a ${crop.width}x${crop.height} crop vs the authors' recipe: ${differing} of ${ours.length} values ` +
            `differ (max |diff| ${largest(ours, authors).toFixed(1)})`,
        );
        expect(differing).toBe(0);
      });

      it('the same image decoded by sharp instead of Pillow', async () => {
        const image = reference.image!;
        const decoded = await sharp(image.path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
        expect([decoded.info.width, decoded.info.height]).toEqual([image.width, image.height]);
        const pil = new Uint8Array(readFileSync(path.join(CACHE_DIR, image.rgb)));
        let max = 0;
        let sum = 0;
        decoded.data.forEach((v, i) => {
          const d = Math.abs(v - pil[i]!);
          max = Math.max(max, d);
          sum += d;
        });
        const tensorDiff = largest(
          tensorOf(new Uint8Array(decoded.data), image.width, image.height),
          readF32(path.join(CACHE_DIR, image.tensor)),
        );
        log(
          `sharp vs Pillow decoding: max |pixel diff| ${max}, mean ${(sum / pil.length).toFixed(4)}; preprocessed max |diff| ${tensorDiff.toExponential(2)}`,
        );
        expect(max).toBeLessThanOrEqual(JPEG_DECODE_TOLERANCE.max);
        expect(sum / pil.length).toBeLessThanOrEqual(JPEG_DECODE_TOLERANCE.mean);
      });
    },
  );

  describe('refuses damaged, foreign and malicious files with a clear message', () => {
    it('a checkpoint with a wrong key', () => {
      const renamed = rezip(pt, (name, data) => {
        if (!name.endsWith('/data.pkl')) return data;
        const text = new TextDecoder('latin1').decode(data);
        expect(text).toContain('layer3.2.conv2.weight');
        return Uint8Array.from(text.replace('layer3.2.conv2.weight', 'layer3.2.conv9.weight'), (c) =>
          c.charCodeAt(0),
        );
      });
      const e = catchError(() => importEmoAffectNet(renamed));
      expect(e.kind).toBe('mismatch');
      expect(e.message).toBe(
        "This checkpoint does not match EMO-AffectNet's ResNet-50 (322 keys found, 322 expected); 2 problem(s):\n" +
          '- missing 1 key(s): layer3.2.conv2.weight [256, 256, 3, 3]\n' +
          '- unexpected 1 key(s): layer3.2.conv9.weight [256, 256, 3, 3]\n' +
          GET_IT,
      );
    });

    it('a checkpoint with a wrong shape (8 classes)', () => {
      const tensors = new Map<string, TestTensor>(readStateDict(pt));
      tensors.set('fc2.weight', { dtype: 'float32', shape: [8, 512], data: new Float32Array(8 * 512) });
      tensors.set('fc2.bias', { dtype: 'float32', shape: [8], data: new Float32Array(8) });
      const e = catchError(() => importEmoAffectNet(writeStateDictCheckpoint(tensors)));
      expect(e.kind).toBe('mismatch');
      expect(e.message).toBe(
        "This checkpoint does not match EMO-AffectNet's ResNet-50 (322 keys found, 322 expected); 2 problem(s):\n" +
          '- fc2.weight: expected shape [7, 512], found [8, 512]\n' +
          '- fc2.bias: expected shape [7], found [8]\n' +
          GET_IT,
      );
    });

    it('a truncated file', () => {
      const cut = pt.subarray(0, Math.floor(pt.length * 0.6));
      const e = catchError(() => importEmoAffectNet(cut));
      expect(e.kind).toBe('format');
      expect(e.message).toBe(
        `ZIP: no end-of-central-directory record at the end of the file (${cut.length} bytes). The file is truncated or damaged: download or copy it again.`,
      );
    });

    it('a file with damaged tensor data', () => {
      const damaged = pt.slice();
      const entry = readZip(damaged, { verifyCrc: false }).entry('emo-affectnet-test/data/5')!;
      damaged[entry.dataOffset + 3]! ^= 0x40;
      expect(catchError(() => importEmoAffectNet(damaged)).message).toMatch(
        /^ZIP: entry "emo-affectnet-test\/data\/5" is damaged \(CRC-32 0x[0-9a-f]{8}, the directory says 0x[0-9a-f]{8}\)\. The file is truncated or damaged: download or copy it again\.$/,
      );
    });

    it.each([
      // pickle.dumps(obj, protocol=2) where obj.__reduce__ returns (os.system, ('echo pwned',)): CPython writes posix.system.
      [
        'os.system',
        'posix.system',
        '\x80\x02cposix\nsystem\nq\x00X\n\x00\x00\x00echo pwnedq\x01\x85q\x02Rq\x03.',
      ],
      [
        'builtins.eval',
        '__builtin__.eval',
        '\x80\x02c__builtin__\neval\nq\x00X\x03\x00\x00\x001+1q\x01\x85q\x02Rq\x03.',
      ],
    ])('a checkpoint whose pickle calls %s', (_what, global, pickle) => {
      const evil = rezip(pt, (name, data) =>
        name.endsWith('/data.pkl') ? Uint8Array.from(pickle, (c) => c.charCodeAt(0)) : data,
      );
      const e = catchError(() => importEmoAffectNet(evil));
      expect(e.kind).toBe('refused');
      expect(e.message).toBe(
        `Refused for safety: the pickle asks for the global "${global}" (GLOBAL at byte 2 of emo-affectnet-test/data.pkl). ` +
          'A PyTorch state_dict needs only collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch.FloatStorage, torch.LongStorage. ' +
          'Loading a pickle can run any code, so this importer never executes one and refuses files that ask for anything else. ' +
          'Export the weights as a plain state_dict with torch.save(model.state_dict(), path), or as ONNX.',
      );
    });

    it('random bytes', () => {
      const rand = random(42);
      const bytes = Uint8Array.from({ length: 1 << 20 }, () => Math.floor(rand() * 256));
      const e = catchError(() => importEmoAffectNet(bytes));
      expect(e.kind).toBe('format');
      expect(e.message).toMatch(
        /^The file is neither a PyTorch checkpoint \(\.pt, a ZIP\) nor an ONNX model \(.+\)\. Use the authors' FER_static/,
      );
    });

    it('an ONNX model with the wrong output shape', () => {
      const b = new OnnxGraphBuilder('not_emo_affectnet');
      b.input('input', 'float32', ['batch', 3, 224, 224]);
      b.node('GlobalAveragePool', ['input'], ['pooled']);
      b.node('Flatten', ['pooled'], ['flat'], { axis: attr.int(1) });
      b.constFloat('w', new Float32Array(8 * 3), [8, 3]);
      b.node('Gemm', ['flat', 'w'], ['logits'], { transB: attr.int(1) });
      b.output('logits', 'float32', ['batch', 8]);
      const e = catchError(() =>
        importEmoAffectNet(b.serialize({ producerName: 'test', producerVersion: '0', opset: 17 })),
      );
      expect(e.kind).toBe('mismatch');
      expect(e.message).toBe(
        'This ONNX model is not EMO-AffectNet\'s ResNet-50: expected an output float32 [batch, 7] (the logits; named "logits" when there are several), ' +
          `found "logits" float32 [batch, 8]. ${GET_IT}`,
      );
    });

    it('accepts its own ONNX export back (the "ready ONNX" path)', () => {
      const again = importEmoAffectNet(fp32.onnx);
      expect(again.from).toBe('onnx');
      expect(again.entry).toEqual(fp32.entry);
    });
  });
});
