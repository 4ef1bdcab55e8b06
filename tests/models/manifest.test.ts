/**
 * Convention test: models/manifest.json, the files beside it, their checksums, shapes and label counts agree,
 * and every model's real input/output names are the ones the manifest declares.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { EMOTIONS } from '../../src/ml/emotions.ts';
import type { Manifest } from '../../src/ml/manifest.ts';
import { DEFAULT_MODELS_DIR, readManifest } from '../../src/runtime/node-engine.ts';

let manifest: Manifest;
beforeAll(async () => {
  ort.env.wasm.numThreads = 1;
  manifest = await readManifest();
});

const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

describe('models/manifest.json', () => {
  it('lists every .onnx file in models/ exactly once, with unique ids', async () => {
    const files = (await readdir(DEFAULT_MODELS_DIR)).filter((f) => f.endsWith('.onnx')).sort();
    expect(manifest.models.map((m) => m.file).sort()).toEqual(files);
    expect(new Set(manifest.models.map((m) => m.id)).size).toBe(manifest.models.length);
  });

  it('has at least one detector and one classifier', () => {
    expect(manifest.models.some((m) => m.kind === 'detector')).toBe(true);
    expect(manifest.models.some((m) => m.kind === 'classifier')).toBe(true);
  });

  it('records the true size and SHA-256 of every file', async () => {
    for (const m of manifest.models) {
      const bytes = await readFile(path.join(DEFAULT_MODELS_DIR, m.file));
      expect(bytes.length, `${m.file}: bytes`).toBe(m.bytes);
      expect(createHash('sha256').update(bytes).digest('hex'), `${m.file}: sha256`).toBe(m.sha256);
    }
  });

  it('names a source package with a version and a licence for every model', () => {
    for (const m of manifest.models) {
      expect(m.source.package, `${m.id}: source.package`).toMatch(/^@?[\w./-]+@\d[\w.-]*$/);
      expect(m.source.licence, `${m.id}: source.licence`).not.toBe('');
    }
  });

  it('keeps input dimensions, layout and normalisation consistent', () => {
    for (const m of manifest.models) {
      const { shape, layout, width, height, channels } = m.input;
      const expected = layout === 'NHWC' ? [1, height, width, channels] : [1, channels, height, width];
      expect(shape, `${m.id}: input.shape vs ${layout} ${width}x${height}x${channels}`).toEqual(expected);
      const colorChannels = m.preprocessing.color === 'gray' ? 1 : 3;
      expect(channels, `${m.id}: channels vs preprocessing.color`).toBe(colorChannels);
      expect(m.preprocessing.mean.length, `${m.id}: preprocessing.mean`).toBe(channels);
      expect(m.preprocessing.std.length, `${m.id}: preprocessing.std`).toBe(channels);
    }
  });

  it('gives every classifier one canonical label per output, covering all 7 emotions', () => {
    for (const m of manifest.models) {
      if (m.kind !== 'classifier') continue;
      const output = m.outputs.find((o) => o.name === m.output);
      expect(output, `${m.id}: output "${m.output}" is listed in outputs`).toBeDefined();
      expect(output!.shape.at(-1), `${m.id}: output width vs labels`).toBe(m.labels.length);
      expect(m.sourceLabels.length, `${m.id}: sourceLabels`).toBe(m.labels.length);
      expect([...m.labels].sort(), `${m.id}: labels`).toEqual([...EMOTIONS].sort());
    }
  });

  it('gives every detector an anchor count that matches its outputs', () => {
    for (const m of manifest.models) {
      if (m.kind !== 'detector') continue;
      const regressors = m.outputs.find((o) => o.name === m.regressorsOutput);
      const scores = m.outputs.find((o) => o.name === m.scoresOutput);
      expect(regressors?.shape, `${m.id}: regressors`).toEqual([1, m.numAnchors, m.numCoords]);
      expect(scores?.shape, `${m.id}: scores`).toEqual([1, m.numAnchors, 1]);
      expect(m.numCoords, `${m.id}: numCoords`).toBe(4 + 2 * m.numKeypoints);
    }
  });

  it('matches what each model really takes and gives (onnxruntime-web)', async () => {
    for (const m of manifest.models) {
      const session = await ort.InferenceSession.create(
        await readFile(path.join(DEFAULT_MODELS_DIR, m.file)),
      );
      try {
        expect(session.inputNames, `${m.id}: inputs`).toEqual([m.input.name]);
        expect([...session.outputNames].sort(), `${m.id}: outputs`).toEqual(
          m.outputs.map((o) => o.name).sort(),
        );
        const input = new ort.Tensor('float32', new Float32Array(product(m.input.shape)), m.input.shape);
        const result = await session.run({ [m.input.name]: input });
        for (const o of m.outputs) expect(result[o.name]?.dims, `${m.id}: ${o.name} dims`).toEqual(o.shape);
        if (m.kind === 'classifier' && (m.maxBatch ?? 1) > 1) {
          // maxBatch > 1 promises a symbolic batch dimension: two different faces in one call give what
          // each gives alone.
          const size = product(m.input.shape);
          const two = Float32Array.from({ length: 2 * size }, (_, i) => Math.sin(i * 0.37));
          const dims = [2, ...m.input.shape.slice(1)];
          const batched = await session.run({ [m.input.name]: new ort.Tensor('float32', two, dims) });
          const second = await session.run({
            [m.input.name]: new ort.Tensor('float32', two.slice(size), m.input.shape),
          });
          const out = batched[m.output]!;
          expect(out.dims, `${m.id}: ${m.output} dims at batch 2`).toEqual([2, m.labels.length]);
          const alone = Array.from(second[m.output]!.data as Float32Array);
          Array.from((out.data as Float32Array).subarray(m.labels.length)).forEach((v, i) =>
            expect(v, `${m.id}: face 2 of a batch vs alone, output ${i}`).toBeCloseTo(alone[i]!, 5),
          );
        }
      } finally {
        await session.release();
      }
    }
  });
});
