/**
 * A fake Engine for the CLI tests: no models, deterministic answers derived from the image. Images at
 * least 32 px wide have one face (a box in the middle); `happy` images (red channel of the first pixel
 * above 128) are happiness, others neutral. Calls are recorded.
 */
import { EMOTIONS, type Emotion, type EmotionScores } from '../ml/emotions.ts';
import type { AnalyzeOptions, Engine, Face } from '../ml/engine-api.ts';
import type { Manifest } from '../ml/manifest.ts';
import type { PxDetection, RgbaImage } from '../ml/types.ts';
import { attr, OnnxGraphBuilder } from '../onnx/onnx-builder.ts';
import type { CliIo } from './cli-io.ts';
import type { EngineHandle, OpenEngineOptions } from './open-engine.ts';

export const FAKE_DEFAULTS: AnalyzeOptions = {
  minScore: 0.5,
  nmsIoU: 0.3,
  smallFaces: 'off',
  largeFaces: true,
  maxFaces: 10,
  classifierId: 'fake-a',
  cropMargin: 0.1,
  uprightCrop: false,
};

export const FAKE_MANIFEST = {
  version: 1,
  models: [
    { id: 'fake-detector', kind: 'detector' },
    { id: 'fake-a', kind: 'classifier' },
    { id: 'fake-b', kind: 'classifier' },
  ],
} as unknown as Manifest;

function scoresFor(emotion: Emotion): EmotionScores {
  const scores = Object.fromEntries(EMOTIONS.map((e) => [e, e === emotion ? 0.88 : 0.02])) as EmotionScores;
  return scores;
}

function emotionOf(image: RgbaImage): Emotion {
  return (image.data[0] ?? 0) > 128 ? 'happiness' : 'neutral';
}

export interface FakeEngine extends Engine {
  calls: { method: string; options: unknown }[];
}

export function createFakeEngine(options: { throwOnWidth?: number } = {}): FakeEngine {
  const calls: { method: string; options: unknown }[] = [];
  const detect = (image: RgbaImage): PxDetection[] =>
    image.width < 32
      ? []
      : [
          {
            box: {
              x: image.width / 4,
              y: image.height / 4,
              width: image.width / 2,
              height: image.height / 2,
            },
            score: 0.9,
            keypoints: Array.from({ length: 6 }, (_, k) => ({
              x: image.width / 4 + k * 2,
              y: image.height / 2,
            })),
          },
        ];
  return {
    calls,
    defaults: FAKE_DEFAULTS,
    analyze(image, opts) {
      calls.push({ method: 'analyze', options: opts });
      if (image.width === options.throwOnWidth) return Promise.reject(new Error('fake inference failure'));
      return Promise.resolve(
        detect(image).map((d): Face => {
          const emotion = emotionOf(image);
          return { ...d, emotions: scoresFor(emotion), top: { emotion, probability: 0.88 } };
        }),
      );
    },
    analyzeVideoFrame(image, _frame, opts) {
      return this.analyze(image, opts);
    },
    endStream() {},
    classifierInputSide: () => 64,
    classifierCropMargin: () => 0.1,
    detect(image, opts) {
      calls.push({ method: 'detect', options: opts });
      return Promise.resolve(detect(image));
    },
    classifyCrop(image, classifierId) {
      calls.push({ method: 'classifyCrop', options: classifierId });
      return Promise.resolve(scoresFor(emotionOf(image)));
    },
  };
}

/**
 * An OpenEngine over the fake engine. Classifiers passed as extraModels (the --weights import) join the
 * manifest, as openNodeEngine does; every call's options are recorded in `opened`.
 */
export function fakeHandle(
  engine: Engine = createFakeEngine(),
  opened: OpenEngineOptions[] = [],
): (options?: OpenEngineOptions) => Promise<EngineHandle> {
  return (options = {}) => {
    opened.push(options);
    const extra = (options.extraModels ?? []).map((m) => m.entry);
    const manifest = { ...FAKE_MANIFEST, models: [...FAKE_MANIFEST.models, ...extra] };
    return Promise.resolve({ engine, manifest, backendName: 'fake' });
  };
}

/** A tiny ONNX model with EMO-AffectNet's signature ([batch, 3, 224, 224] -> logits [batch, 7]), for --weights. */
export function tinyEmoOnnx(batch: number | string = 'batch'): Uint8Array {
  const b = new OnnxGraphBuilder('tiny_emo');
  b.input('input', 'float32', [batch, 3, 224, 224]);
  b.node('GlobalAveragePool', ['input'], ['pooled']);
  b.node('Flatten', ['pooled'], ['flat'], { axis: attr.int(1) });
  b.constFloat(
    'w',
    new Float32Array(7 * 3).map((_, i) => (i % 4) * 0.01),
    [7, 3],
  );
  b.node('Gemm', ['flat', 'w'], ['logits'], { transB: attr.int(1) });
  b.output('logits', 'float32', [batch, 7]);
  return b.serialize({ producerName: 'test', producerVersion: '0', opset: 17 });
}

export function captureIo(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (text) => void (out += text),
    err: (text) => void (err += text),
    stdout: () => out,
    stderr: () => err,
  };
}
