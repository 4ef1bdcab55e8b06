/**
 * Glue tests of createEngine over a FAKE BACKEND: the fake stands in for the models, never for the
 * pipeline's math. Its "detector" finds bright squares in the input tensor it is given (as a real model
 * sees pixels) and answers in BlazeFace's raw output format; its "classifiers" return fixed outputs.
 */
import { describe, expect, it } from 'vitest';
import type { InferenceBackend, TensorData } from './backend.ts';
import { allocateInput, preprocessImage, preprocessRect } from './classifier-preprocess.ts';
import { DEFAULT_ANALYZE_OPTIONS, MAX_STREAMS, createEngine } from './engine.ts';
import type { StageTrace } from './engine-api.ts';
import type {
  ClassifierEntry,
  DetectorEntry,
  Emotion,
  Manifest,
  ModelEntry,
  Preprocessing,
} from './index.ts';
import type { RgbaImage } from './types.ts';

/** The short-range model alone (the default also runs full-range): the base path these tests pin down. */
const SHORT_RANGE_ONLY = { defaults: { smallFaces: 'off' as const } };

// ---------------------------------------------------------------- small manifest (no models/ needed)

const BLAZEFACE_PREPROCESSING: Preprocessing = {
  color: 'rgb',
  fit: 'letterbox',
  resize: 'bilinear',
  scale: 1 / 127.5,
  mean: [1, 1, 1],
  std: [1, 1, 1],
};
const common = {
  file: 'x.onnx',
  sha256: '',
  bytes: 0,
  outputs: [],
  weights: 'float32' as const,
  source: { package: 'test', path: 'x', licence: 'MIT' },
  description: '',
};

function detector(id: string, size: number, strides: number[], numAnchors: number): DetectorEntry {
  return {
    ...common,
    kind: 'detector',
    id,
    input: {
      name: 'input',
      shape: [1, size, size, 3],
      layout: 'NHWC',
      width: size,
      height: size,
      channels: 3,
    },
    preprocessing: BLAZEFACE_PREPROCESSING,
    anchors: { inputSize: size, strides, anchorOffset: 0.5 },
    numAnchors,
    numCoords: 16,
    numKeypoints: 6,
    regressorsOutput: 'regressors',
    scoresOutput: 'classificators',
  };
}
const SHORT = detector('blazeface-short', 128, [8, 16, 16, 16], 896);
const FULL = detector('blazeface-full', 192, [4], 2304);

function classifier(id: string, labels: Emotion[], outputIsProbability: boolean): ClassifierEntry {
  return {
    ...common,
    kind: 'classifier',
    id,
    input: { name: 'x', shape: [1, 8, 8, 1], layout: 'NHWC', width: 8, height: 8, channels: 1 },
    preprocessing: {
      color: 'gray',
      grayWeights: [0.2989, 0.587, 0.114],
      fit: 'stretch',
      resize: 'bilinear',
      coordinateTransform: 'asymmetric',
      scale: 1 / 255,
      mean: [0.5],
      std: [0.5],
    },
    sourceLabels: labels,
    labels,
    outputIsProbability,
    output: 'scores',
  };
}
/** face-api's output order (MODELS.md section 3), probabilities. */
const FACE_API = classifier(
  'face-api-expression',
  ['neutral', 'happiness', 'sadness', 'anger', 'fear', 'disgust', 'surprise'],
  true,
);
/** A logits model in EMO-AffectNet's order (MODELS.md section 2). */
const LOGITS = classifier(
  'emo-logits',
  ['neutral', 'happiness', 'sadness', 'surprise', 'fear', 'disgust', 'anger'],
  false,
);
const manifestOf = (...models: ModelEntry[]): Manifest => ({ version: 1, models });
const MANIFEST = manifestOf(SHORT, FULL, FACE_API, LOGITS);

const FACE_API_OUTPUT = [0.1, 0.2, 0.3, 0.05, 0.15, 0.12, 0.08];
const LOGITS_OUTPUT = [0, 0, 0, 0, 0, 0, Math.log(3)];

// ---------------------------------------------------------------- the fake backend

/** Per detector: side of its first anchor grid, anchors per cell there, smallest square it finds (tensor px). */
const FAKE_DETECTORS: Record<string, { grid: number; perCell: number; minSide: number }> = {
  'blazeface-short': { grid: 16, perCell: 2, minSide: 6 },
  'blazeface-full': { grid: 48, perCell: 1, minSide: 1 },
};

/** Bright (> 0.5 in [-1, 1]) 4-connected components of channel 0: their bounding boxes in tensor px. */
function brightSquares(
  data: Float32Array,
  size: number,
): { x0: number; y0: number; x1: number; y1: number }[] {
  const seen = new Uint8Array(size * size);
  const boxes = [];
  for (let start = 0; start < size * size; start++) {
    if (seen[start] || !((data[start * 3] ?? 0) > 0.5)) continue;
    const box = { x0: size, y0: size, x1: 0, y1: 0 };
    const stack = [start];
    seen[start] = 1;
    while (stack.length > 0) {
      const p = stack.pop() ?? 0;
      const x = p % size;
      const y = Math.floor(p / size);
      box.x0 = Math.min(box.x0, x);
      box.y0 = Math.min(box.y0, y);
      box.x1 = Math.max(box.x1, x + 1);
      box.y1 = Math.max(box.y1, y + 1);
      for (const [nx, ny] of [
        [x - 1, y],
        [x + 1, y],
        [x, y - 1],
        [x, y + 1],
      ] as const) {
        const q = ny * size + nx;
        if (nx >= 0 && ny >= 0 && nx < size && ny < size && !seen[q] && (data[q * 3] ?? 0) > 0.5) {
          seen[q] = 1;
          stack.push(q);
        }
      }
    }
    boxes.push(box);
  }
  return boxes;
}

/** BlazeFace raw outputs placing square k at anchor k; faces filling >= 90% of the input are missed. */
function fakeDetect(entry: DetectorEntry, data: Float32Array): Record<string, TensorData> {
  const S = entry.input.width;
  const layout = FAKE_DETECTORS[entry.id];
  if (!layout) throw new Error(`fake: no layout for ${entry.id}`);
  const regressors = new Float32Array(entry.numAnchors * 16);
  const logits = new Float32Array(entry.numAnchors).fill(-20);
  const found = brightSquares(data, S).filter((b) => {
    const w = b.x1 - b.x0;
    const h = b.y1 - b.y0;
    return Math.min(w, h) >= layout.minSide && w < 0.9 * S && h < 0.9 * S;
  });
  found.forEach((b, k) => {
    const cell = Math.floor(k / layout.perCell);
    const ax = ((cell % layout.grid) + 0.5) / layout.grid;
    const ay = (Math.floor(cell / layout.grid) + 0.5) / layout.grid;
    const w = b.x1 - b.x0;
    const h = b.y1 - b.y0;
    // [cx, cy, w, h] then 6 keypoints: eyes level at 40% height, the rest at the centre.
    const points = [
      [(b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2],
      [w, h],
      [b.x0 + 0.3 * w, b.y0 + 0.4 * h],
      [b.x0 + 0.7 * w, b.y0 + 0.4 * h],
      ...Array.from({ length: 4 }, () => [(b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2]),
    ];
    points.forEach(([x = 0, y = 0], i) => {
      const isSize = i === 1;
      regressors[k * 16 + 2 * i] = isSize ? x : x - ax * S;
      regressors[k * 16 + 2 * i + 1] = isSize ? y : y - ay * S;
    });
    logits[k] = 1 + w / 4; // bigger squares score higher
  });
  return {
    regressors: { data: regressors, dims: [1, entry.numAnchors, 16] },
    classificators: { data: logits, dims: [1, entry.numAnchors, 1] },
  };
}

interface Call {
  modelId: string;
  input: Float32Array;
  dims: readonly number[];
}

class FakeBackend implements InferenceBackend {
  readonly name = 'fake';
  readonly calls: Call[] = [];
  inFlight = 0;
  maxInFlight = 0;
  constructor(
    private readonly manifest: Manifest,
    private readonly outputs: Record<string, number[]> = {
      [FACE_API.id]: FACE_API_OUTPUT,
      [LOGITS.id]: LOGITS_OUTPUT,
    },
    private readonly drop: string[] = [],
  ) {}

  async run(modelId: string, inputs: Record<string, TensorData>): Promise<Record<string, TensorData>> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await Promise.resolve(); // let other callers interleave if they could
      const entry = this.manifest.models.find((m) => m.id === modelId);
      if (!entry) throw new Error(`fake: unknown model ${modelId}`);
      const input = inputs[entry.input.name];
      if (!input) throw new Error(`fake: ${modelId} got no input '${entry.input.name}'`);
      this.calls.push({ modelId, input: input.data.slice(), dims: [...input.dims] });
      const out = entry.kind === 'detector' ? fakeDetect(entry, input.data) : this.classify(entry, input);
      for (const name of this.drop) delete out[name];
      return out;
    } finally {
      this.inFlight--;
    }
  }
  /** The configured output for each face of the batch (override to vary it by face). */
  protected classify(entry: ClassifierEntry, input: TensorData): Record<string, TensorData> {
    const n = input.dims[0] ?? 1;
    const one = this.outputs[entry.id] ?? [];
    const data = new Float32Array(n * one.length);
    for (let i = 0; i < n; i++) data.set(one, i * one.length);
    return { [entry.output]: { data, dims: [n, one.length] } };
  }
  runsOf(modelId: string): number {
    return this.calls.filter((c) => c.modelId === modelId).length;
  }
}

// ---------------------------------------------------------------- images

function canvas(width: number, height: number): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  return { width, height, data };
}
function square(img: RgbaImage, x: number, y: number, size: number): RgbaImage {
  for (let j = y; j < y + size; j++)
    for (let i = x; i < x + size; i++) img.data.set([255, 255, 255], (j * img.width + i) * 4);
  return img;
}

// ---------------------------------------------------------------- tests

describe('analyze', () => {
  it('finds the face, maps box and keypoints back through the letterbox, and maps labels by the manifest', async () => {
    // 320x240 letterboxed to 128: scale 0.4, top border 16 px; the 40 px square covers tensor px 40..56.
    const backend = new FakeBackend(MANIFEST);
    const engine = createEngine(backend, MANIFEST, SHORT_RANGE_ONLY);
    const faces = await engine.analyze(square(canvas(320, 240), 100, 60, 40));

    expect(faces).toHaveLength(1);
    const [face] = faces;
    expect(face?.box).toEqual({ x: 100, y: 60, width: 40, height: 40 });
    expect(face?.score).toBeCloseTo(1 / (1 + Math.exp(-(1 + 16 / 4))), 6);
    // Eyes at 30% / 70% of the width, 40% of the height (float32 regressors: 1e-4 px).
    expect(face?.keypoints[0]?.x).toBeCloseTo(112, 4);
    expect(face?.keypoints[0]?.y).toBeCloseTo(76, 4);
    expect(face?.keypoints[1]?.x).toBeCloseTo(128, 4);
    expect(face?.keypoints).toHaveLength(6);
    // face-api order: neutral, happy, sad, angry, fearful, disgusted, surprised.
    const f = Math.fround;
    expect(face?.emotions).toEqual({
      neutral: f(0.1),
      happiness: f(0.2),
      sadness: f(0.3),
      anger: f(0.05),
      fear: f(0.15),
      disgust: f(0.12),
      surprise: f(0.08),
    });
    expect(face?.top).toEqual({ emotion: 'sadness', probability: f(0.3) });

    // The classifier saw the square crop: side 40 * 1.2 = 48 around the centre (120, 80).
    const classifierCall = backend.calls.find((c) => c.modelId === FACE_API.id);
    const expected = allocateInput(FACE_API);
    preprocessRect(
      square(canvas(320, 240), 100, 60, 40),
      { x: 96, y: 56, width: 48, height: 48 },
      FACE_API,
      expected,
    );
    expect(classifierCall?.input).toEqual(expected);
    expect(classifierCall?.dims).toEqual([1, 8, 8, 1]);
    expect(backend.calls.map((c) => c.modelId)).toEqual(['blazeface-short', 'face-api-expression']);
  });

  it("crops with the classifier's own margin (manifest cropMargin) unless the engine or the call sets one", async () => {
    const marginOf = async (
      entryMargin: number | undefined,
      engineMargin: number | undefined,
      callMargin: number | undefined,
    ): Promise<Float32Array | undefined> => {
      const entry = { ...FACE_API, ...(entryMargin === undefined ? {} : { cropMargin: entryMargin }) };
      const manifest: Manifest = { version: 1, models: [SHORT, entry] };
      const backend = new FakeBackend(manifest);
      const engine = createEngine(backend, manifest, {
        defaults: { smallFaces: 'off', ...(engineMargin === undefined ? {} : { cropMargin: engineMargin }) },
      });
      await engine.analyze(
        square(canvas(320, 240), 100, 60, 40),
        callMargin === undefined ? {} : { cropMargin: callMargin },
      );
      return backend.calls.find((c) => c.modelId === FACE_API.id)?.input;
    };
    /** What the classifier sees for margin m around the 40 px square at (100, 60). */
    const cropOf = (m: number): Float32Array => {
      const side = 40 * (1 + 2 * m);
      const expected = allocateInput(FACE_API);
      preprocessRect(
        square(canvas(320, 240), 100, 60, 40),
        { x: 120 - side / 2, y: 80 - side / 2, width: side, height: side },
        FACE_API,
        expected,
      );
      return expected;
    };
    expect(await marginOf(0.25, undefined, undefined), 'the manifest margin').toEqual(cropOf(0.25));
    expect(await marginOf(undefined, undefined, undefined), 'no manifest margin: the default 0.1').toEqual(
      cropOf(0.1),
    );
    expect(await marginOf(0.25, 0, undefined), "the engine's default wins").toEqual(cropOf(0));
    expect(await marginOf(0.25, 0, 0.2), 'the call wins').toEqual(cropOf(0.2));
    const withMargin: Manifest = { version: 1, models: [SHORT, { ...FACE_API, cropMargin: 0.25 }] };
    const engine = createEngine(new FakeBackend(withMargin), withMargin);
    expect(engine.classifierCropMargin()).toBe(0.25);
    expect(
      createEngine(new FakeBackend(withMargin), withMargin, {
        defaults: { cropMargin: 0 },
      }).classifierCropMargin(),
    ).toBe(0);
  });

  it('softmaxes a logits classifier chosen by classifierId', async () => {
    const engine = createEngine(new FakeBackend(MANIFEST), MANIFEST, SHORT_RANGE_ONLY);
    const [face] = await engine.analyze(square(canvas(320, 240), 100, 60, 40), { classifierId: LOGITS.id });
    // logits 0 x 6 and ln 3 for anger: 1/9 each, anger 3/9.
    expect(face?.emotions.anger).toBeCloseTo(1 / 3, 6);
    expect(face?.emotions.neutral).toBeCloseTo(1 / 9, 6);
    expect(face?.top.emotion).toBe('anger');
  });

  it('keeps the maxFaces best faces, best first', async () => {
    const img = canvas(320, 240);
    square(img, 10, 10, 30);
    square(img, 120, 100, 50);
    square(img, 250, 150, 40);
    const engine = createEngine(new FakeBackend(MANIFEST), MANIFEST, SHORT_RANGE_ONLY);
    const all = await engine.analyze(img);
    expect(all.map((f) => f.box.width)).toEqual([50, 40, 30]);
    const two = await engine.analyze(img, { maxFaces: 2 });
    expect(two.map((f) => f.box.x)).toEqual([120, 250]);
  });

  it('fills the trace with summed per-stage times from the injected clock', async () => {
    let tick = 0;
    const engine = createEngine(new FakeBackend(MANIFEST), MANIFEST, {
      ...SHORT_RANGE_ONLY,
      now: () => tick++,
    });
    const img = square(square(canvas(320, 240), 10, 10, 30), 200, 100, 50);
    const trace: StageTrace = {};
    await engine.analyze(img, {}, trace);
    // Each interval reads the clock twice (1 tick); nms = decode + merge; crop and classifier once per face.
    expect(trace).toEqual({ preprocess: 1, detector: 1, nms: 2, crop: 2, classifier: 2 });
  });

  it('runs calls one at a time (shared preallocated tensors)', async () => {
    const backend = new FakeBackend(MANIFEST);
    const engine = createEngine(backend, MANIFEST);
    const img = square(canvas(320, 240), 100, 60, 40);
    const results = await Promise.all([engine.analyze(img), engine.detect(img), engine.classifyCrop(img)]);
    expect(backend.maxInFlight).toBe(1);
    expect(results[0]).toHaveLength(1);
    expect(results[1]).toHaveLength(1);
  });
});

describe('analyzeVideoFrame', () => {
  const frame = (streamId: string, timestampMs: number) => ({ streamId, timestampMs });

  it('runs the full-range pass on the first frame only while the short-range pass finds the face', async () => {
    const img = square(canvas(320, 240), 100, 60, 40);
    const backend = new FakeBackend(MANIFEST);
    const engine = createEngine(backend, MANIFEST);
    const results = [];
    for (const t of [0, 40, 80]) results.push(await engine.analyzeVideoFrame(img, frame('a', t)));
    expect(backend.runsOf('blazeface-short')).toBe(3);
    expect(backend.runsOf('blazeface-full')).toBe(1);
    // The first frame is a still analysis; later ones see the same face through one model instead of
    // the weighted average of two.
    const still = await createEngine(new FakeBackend(MANIFEST), MANIFEST).analyze(img);
    expect(results[0]).toEqual(still);
    for (const faces of results.slice(1)) {
      expect(faces).toHaveLength(1);
      for (const key of ['x', 'y', 'width', 'height'] as const) {
        expect(faces[0]?.box[key]).toBeCloseTo(still[0]?.box[key] ?? NaN, 6);
      }
    }
    // A second stream starts with every pass.
    await engine.analyzeVideoFrame(img, frame('b', 80));
    expect(backend.runsOf('blazeface-full')).toBe(2);
  });

  it('keeps the full-range pass on every frame while it finds a face the short-range pass misses', async () => {
    const img = square(canvas(640, 480), 300, 100, 16); // only the 192 px model sees it
    const backend = new FakeBackend(MANIFEST);
    const engine = createEngine(backend, MANIFEST, { defaults: { largeFaces: false } });
    for (const t of [0, 40, 80]) expect(await engine.analyzeVideoFrame(img, frame('a', t))).toHaveLength(1);
    expect(backend.runsOf('blazeface-full')).toBe(3);
  });

  it('goes without the full-range pass while its model is still loading, and runs it on the first frame after', async () => {
    const img = square(canvas(640, 480), 300, 100, 16); // only the 192 px model sees it
    const loaded = new Set(['blazeface-short', FACE_API.id]);
    const backend = Object.assign(new FakeBackend(MANIFEST), { isLoaded: (id: string) => loaded.has(id) });
    const engine = createEngine(backend, MANIFEST, { defaults: { largeFaces: false } });
    expect(await engine.analyzeVideoFrame(img, frame('a', 0))).toHaveLength(0);
    expect(await engine.analyzeVideoFrame(img, frame('a', 40))).toHaveLength(0);
    expect(backend.runsOf('blazeface-full')).toBe(0);
    loaded.add('blazeface-full');
    // Not 1 s later (EXTRA_PASS_REFRESH_MS): a pass that never ran is due at once.
    expect(await engine.analyzeVideoFrame(img, frame('a', 80))).toHaveLength(1);
    expect(backend.runsOf('blazeface-full')).toBe(1);
    // Still images always wait for every pass.
    loaded.delete('blazeface-full');
    expect(await engine.analyze(img)).toHaveLength(1);
  });

  it('forgets a stream on endStream: its next frame runs every pass again', async () => {
    const img = square(canvas(320, 240), 100, 60, 40);
    const backend = new FakeBackend(MANIFEST);
    const engine = createEngine(backend, MANIFEST);
    await engine.analyzeVideoFrame(img, frame('a', 0));
    await engine.analyzeVideoFrame(img, frame('a', 40));
    engine.endStream('a');
    await engine.analyzeVideoFrame(img, frame('a', 80));
    expect(backend.runsOf('blazeface-full')).toBe(2);
  });

  it("runs a refresh of the full-range pass after the frame's result is out, before the next frame", async () => {
    const img = square(canvas(320, 240), 100, 60, 40);
    const backend = new FakeBackend(MANIFEST);
    const engine = createEngine(backend, MANIFEST);
    await engine.analyzeVideoFrame(img, frame('a', 0));
    await engine.analyzeVideoFrame(img, frame('a', 40));
    expect(backend.runsOf('blazeface-full')).toBe(1);
    // 1 s on (EXTRA_PASS_REFRESH_MS) the pass is due again; it found nothing last time: it waits.
    const refreshed = engine.analyzeVideoFrame(img, frame('a', 1100)).then((faces) => ({
      faces,
      fullRuns: backend.runsOf('blazeface-full'),
    }));
    const next = engine.analyzeVideoFrame(img, frame('a', 1140));
    expect((await refreshed).fullRuns).toBe(1);
    expect((await refreshed).faces).toHaveLength(1);
    await next;
    // It ran between the two frames, and counts as run: the next frame needs no refresh.
    expect(backend.runsOf('blazeface-full')).toBe(2);
    expect(backend.maxInFlight).toBe(1);
  });

  it('shows what a deferred refresh finds from the next frame on, and then runs the pass on every frame', async () => {
    const oneFace = () => square(canvas(640, 480), 100, 100, 120);
    const withSmall = () => square(oneFace(), 500, 40, 16); // the small one: only the 192 px model sees it
    const backend = new FakeBackend(MANIFEST);
    const engine = createEngine(backend, MANIFEST, { defaults: { largeFaces: false } });
    expect(await engine.analyzeVideoFrame(oneFace(), frame('a', 0))).toHaveLength(1);
    expect(await engine.analyzeVideoFrame(withSmall(), frame('a', 40))).toHaveLength(1); // not due yet
    expect(await engine.analyzeVideoFrame(withSmall(), frame('a', 1100))).toHaveLength(1); // refresh after
    expect(await engine.analyzeVideoFrame(withSmall(), frame('a', 1140))).toHaveLength(2);
    const runs = backend.runsOf('blazeface-full');
    expect(await engine.analyzeVideoFrame(withSmall(), frame('a', 1180))).toHaveLength(2);
    expect(backend.runsOf('blazeface-full')).toBe(runs + 1);
  });

  it('rejects a failed frame and goes on with the next', async () => {
    const img = square(canvas(320, 240), 100, 60, 40);
    const backend = new FakeBackend(MANIFEST);
    const engine = createEngine(backend, MANIFEST);
    await expect(
      engine.analyzeVideoFrame({ width: 2, height: 2, data: new Uint8ClampedArray(3) }, frame('a', 0)),
    ).rejects.toThrow();
    expect(await engine.analyzeVideoFrame(img, frame('a', 40))).toHaveLength(1);
  });

  it('rejects a frame with options it cannot take', async () => {
    const img = square(canvas(320, 240), 100, 60, 40);
    const engine = createEngine(new FakeBackend(MANIFEST), MANIFEST);
    await expect(engine.analyzeVideoFrame(img, frame('a', 0), { classifierId: 'nope' })).rejects.toThrow(
      /unknown classifier id 'nope'/,
    );
    expect(await engine.analyzeVideoFrame(img, frame('a', 40))).toHaveLength(1);
  });

  it(`keeps at most ${MAX_STREAMS} streams, forgetting the least recently seen`, async () => {
    const img = square(canvas(320, 240), 100, 60, 40);
    const backend = new FakeBackend(MANIFEST);
    const engine = createEngine(backend, MANIFEST);
    for (let i = 0; i <= MAX_STREAMS; i++) await engine.analyzeVideoFrame(img, frame(`s${i}`, 0));
    const before = backend.runsOf('blazeface-full');
    await engine.analyzeVideoFrame(img, frame(`s${MAX_STREAMS}`, 40)); // still known: short-range only
    expect(backend.runsOf('blazeface-full')).toBe(before);
    await engine.analyzeVideoFrame(img, frame('s0', 40)); // forgotten: every pass again
    expect(backend.runsOf('blazeface-full')).toBe(before + 1);
  });

  it("reports the classifier's input side", () => {
    const engine = createEngine(new FakeBackend(MANIFEST), MANIFEST);
    expect(engine.classifierInputSide()).toBe(Math.max(FACE_API.input.width, FACE_API.input.height));
    expect(() => engine.classifierInputSide('nope')).toThrow(/unknown classifier id 'nope'/);
  });
});

describe('detect: strategies', () => {
  it('largeFaces: a face filling the frame is missed, then found on the frame padded 2x', async () => {
    const full = square(canvas(64, 64), 0, 0, 64);
    const backend = new FakeBackend(MANIFEST);
    const engine = createEngine(backend, MANIFEST);
    const found = await engine.detect(full);
    expect(backend.runsOf('blazeface-short')).toBe(2);
    expect(found).toHaveLength(1);
    // Padded region (-32, -32, 128, 128) at scale 1: the face covers tensor px 32..96 -> source 0..64.
    expect(found[0]?.box).toEqual({ x: 0, y: 0, width: 64, height: 64 });

    const off = new FakeBackend(MANIFEST);
    expect(await createEngine(off, MANIFEST).detect(full, { largeFaces: false })).toEqual([]);
    expect(off.runsOf('blazeface-short')).toBe(1);
  });

  it("smallFaces 'full-range': the 192 px model finds a face short-range misses, merged by NMS", async () => {
    const img = square(canvas(640, 480), 300, 100, 16); // 3.2 px at 128, 4.8 px at 192
    const opts = { largeFaces: false, smallFaces: 'off' as const };
    expect(await createEngine(new FakeBackend(MANIFEST), MANIFEST).detect(img, opts)).toEqual([]);
    const backend = new FakeBackend(MANIFEST);
    const [face, ...rest] = await createEngine(backend, MANIFEST).detect(img, {
      ...opts,
      smallFaces: 'full-range',
    });
    expect(rest).toEqual([]);
    expect(backend.calls.map((c) => c.modelId)).toEqual(['blazeface-short', 'blazeface-full']);
    expect(backend.calls[1]?.dims).toEqual([1, 192, 192, 3]);
    // Within one tensor pixel of 192 (3.33 source px).
    expect(Math.abs((face?.box.x ?? 0) - 300)).toBeLessThan(3.4);
    expect(Math.abs((face?.box.y ?? 0) - 100)).toBeLessThan(3.4);
  });

  it("smallFaces 'tiling': the face is found in the one 288 px tile that holds it whole", async () => {
    const img = square(canvas(640, 480), 300, 100, 16); // 7.1 px in a 288 px tile at 128
    const backend = new FakeBackend(MANIFEST);
    const faces = await createEngine(backend, MANIFEST).detect(img, {
      largeFaces: false,
      smallFaces: 'tiling',
    });
    expect(backend.runsOf('blazeface-short')).toBe(1 + 6);
    expect(faces).toHaveLength(1);
    expect(Math.abs((faces[0]?.box.x ?? 0) - 300)).toBeLessThan(2.3);
    expect(Math.abs((faces[0]?.box.width ?? 0) - 16)).toBeLessThan(4.6);
  });

  it('full-range+tiling runs both and merges the duplicates into one face', async () => {
    const img = square(canvas(640, 480), 300, 100, 16);
    const backend = new FakeBackend(MANIFEST);
    const faces = await createEngine(backend, MANIFEST).detect(img, {
      largeFaces: false,
      smallFaces: 'full-range+tiling',
    });
    expect(backend.runsOf('blazeface-full')).toBe(1);
    expect(backend.runsOf('blazeface-short')).toBe(7);
    expect(faces).toHaveLength(1);
  });
});

describe('classifyCrop', () => {
  it('preprocesses the whole image as the face and maps the labels', async () => {
    const backend = new FakeBackend(MANIFEST);
    const img = square(canvas(48, 48), 10, 10, 20);
    const scores = await createEngine(backend, MANIFEST).classifyCrop(img);
    expect(scores.sadness).toBe(Math.fround(0.3));
    expect(backend.calls.map((c) => c.modelId)).toEqual([FACE_API.id]);
    const expected = allocateInput(FACE_API);
    preprocessImage(img, FACE_API, expected);
    expect(backend.calls[0]?.input).toEqual(expected);
  });

  it('uses the classifier it is given', async () => {
    const scores = await createEngine(new FakeBackend(MANIFEST), MANIFEST).classifyCrop(
      canvas(8, 8),
      LOGITS.id,
    );
    expect(scores.anger).toBeCloseTo(1 / 3, 6);
  });
});

describe('defaults', () => {
  it('are the documented ones, with the first classifier of the manifest', () => {
    const engine = createEngine(new FakeBackend(MANIFEST), MANIFEST);
    expect(engine.defaults).toEqual({
      minScore: 0.5,
      nmsIoU: 0.3,
      smallFaces: 'full-range',
      largeFaces: true,
      maxFaces: 20,
      classifierId: 'face-api-expression',
      cropMargin: 0.1,
      uprightCrop: false,
    });
    expect(engine.defaults).toEqual({ ...DEFAULT_ANALYZE_OPTIONS, classifierId: FACE_API.id });
  });

  it('take overrides from createEngine, and undefined never erases one', () => {
    const engine = createEngine(new FakeBackend(MANIFEST), MANIFEST, {
      defaults: { classifierId: LOGITS.id, maxFaces: 3, minScore: undefined },
    });
    expect(engine.defaults.classifierId).toBe(LOGITS.id);
    expect(engine.defaults.maxFaces).toBe(3);
    expect(engine.defaults.minScore).toBe(0.5);
  });
});

/** An options object as untyped callers (CLI flags, messages) might send it. */
const MISSPELT: object = { maxfaces: 3 };

describe('errors at the boundary', () => {
  const engine = createEngine(new FakeBackend(MANIFEST), MANIFEST);
  const img = canvas(32, 32);

  it.each([
    [
      'an empty image',
      { width: 0, height: 0, data: new Uint8ClampedArray(0) },
      'expected positive integer width and height',
    ],
    [
      'data of the wrong length',
      { width: 4, height: 4, data: new Uint8ClampedArray(60) },
      'expected 64 bytes of RGBA data for 4x4',
    ],
  ])('analyze rejects %s', async (_name, image, message) => {
    await expect(engine.analyze(image)).rejects.toThrow(message);
    await expect(engine.detect(image)).rejects.toThrow(message);
    await expect(engine.classifyCrop(image)).rejects.toThrow(message);
  });

  it.each([
    [
      'an unknown classifier',
      { classifierId: 'nope' },
      "unknown classifier id 'nope'; the manifest's classifiers: face-api-expression, emo-logits",
    ],
    ['a detector as classifier', { classifierId: 'blazeface-short' }, '(it is a detector)'],
    ['maxFaces 0', { maxFaces: 0 }, 'maxFaces must be a positive integer'],
    ['minScore 1.5', { minScore: 1.5 }, 'minScore must be within [0, 1)'],
    ['an unknown smallFaces', { smallFaces: 'huge' as 'off' }, 'smallFaces must be one of'],
    ['a misspelt option', MISSPELT, "unknown option 'maxfaces'"],
  ])('analyze rejects %s', async (_name, options, message) => {
    await expect(engine.analyze(img, options)).rejects.toThrow(message);
  });

  it('rejects full-range when the manifest has no full-range detector', async () => {
    const noFull = manifestOf(SHORT, FACE_API);
    const e = createEngine(new FakeBackend(noFull), noFull);
    await expect(e.detect(img, { smallFaces: 'full-range' })).rejects.toThrow(
      "smallFaces 'full-range' needs a full-range detector",
    );
  });

  it('rejects a backend that omits an output, naming what came back', async () => {
    const e = createEngine(new FakeBackend(MANIFEST, undefined, ['classificators']), MANIFEST);
    await expect(e.detect(img)).rejects.toThrow(
      "model 'blazeface-short': the backend returned no output 'classificators' (got: regressors)",
    );
  });

  it('rejects a classifier output of the wrong length', async () => {
    const e = createEngine(new FakeBackend(MANIFEST, { [FACE_API.id]: [1, 0] }), MANIFEST);
    await expect(e.classifyCrop(img)).rejects.toThrow(
      "classifier 'face-api-expression': 1 face(s) in one call gave 2 output values, expected 1 x 7",
    );
  });

  it.each([
    ['no detector', manifestOf(FACE_API), 'manifest: has no detector'],
    ['no classifier', manifestOf(SHORT), 'manifest: has no classifier'],
    ['a duplicate id', manifestOf(SHORT, FACE_API, FACE_API), "model id 'face-api-expression' appears twice"],
    ['another version', { version: 2, models: [] } as unknown as Manifest, 'expected version 1'],
    [
      'duplicate labels',
      manifestOf(SHORT, classifier('bad', ['anger', 'anger'], true)),
      "label 'anger' appears twice",
    ],
  ])('createEngine rejects a manifest with %s', (_name, manifest, message) => {
    expect(() => createEngine(new FakeBackend(manifest), manifest)).toThrow(message);
  });

  it('createEngine rejects bad defaults and unknown detector ids', () => {
    expect(() => createEngine(new FakeBackend(MANIFEST), MANIFEST, { defaults: { cropMargin: -1 } })).toThrow(
      'cropMargin must be a finite number above -0.5',
    );
    expect(() =>
      createEngine(new FakeBackend(MANIFEST), MANIFEST, { defaults: { classifierId: 'x' } }),
    ).toThrow("unknown classifier id 'x'");
    expect(() =>
      createEngine(new FakeBackend(MANIFEST), MANIFEST, {
        detectorIds: { fullRange: 'face-api-expression' },
      }),
    ).toThrow("full-range detector 'face-api-expression' is not a detector in the manifest");
  });
});

// ---------------------------------------------------------------- batching

/** Logits that depend on each face's pixels: [mean, 0, ..., 0] per face, so faces can be told apart. */
class PerFaceBackend extends FakeBackend {
  protected override classify(entry: ClassifierEntry, input: TensorData): Record<string, TensorData> {
    const n = input.dims[0] ?? 1;
    const size = input.data.length / n;
    const data = new Float32Array(n * 7);
    for (let i = 0; i < n; i++) {
      data[i * 7] = input.data.subarray(i * size, (i + 1) * size).reduce((a, b) => a + b, 0) / size;
    }
    return { [entry.output]: { data, dims: [n, 7] } };
  }
}

/** Five faces of different brightness (all above the fake detector's threshold). */
function fiveFaces(): RgbaImage {
  const img = canvas(640, 480);
  [200, 215, 230, 245, 255].forEach((v, k) => {
    for (let j = 200; j < 260; j++)
      for (let i = 20 + 120 * k; i < 80 + 120 * k; i++) img.data.set([v, v, v], (j * 640 + i) * 4);
  });
  return img;
}

describe('batching: the faces of a frame go to the classifier together, up to maxBatch per call', () => {
  const withBatch = (maxBatch: number | undefined): { manifest: Manifest; backend: PerFaceBackend } => {
    const manifest = manifestOf(SHORT, FULL, { ...LOGITS, maxBatch });
    return { manifest, backend: new PerFaceBackend(manifest) };
  };
  const run = async (maxBatch: number | undefined) => {
    const { manifest, backend } = withBatch(maxBatch);
    const faces = await createEngine(backend, manifest, SHORT_RANGE_ONLY).analyze(fiveFaces());
    const calls = backend.calls.filter((c) => c.modelId === LOGITS.id);
    return { faces, dims: calls.map((c) => c.dims), inputs: calls.map((c) => Array.from(c.input)).flat() };
  };

  it.each([
    { maxBatch: undefined, batches: [1, 1, 1, 1, 1] },
    { maxBatch: 1, batches: [1, 1, 1, 1, 1] },
    { maxBatch: 2, batches: [2, 2, 1] },
    { maxBatch: 4, batches: [4, 1] },
    { maxBatch: 8, batches: [5] },
  ])('maxBatch $maxBatch: calls of $batches faces, same faces and inputs as one by one', async (c) => {
    const one = await run(1);
    const batched = await run(c.maxBatch);
    expect(one.faces).toHaveLength(5);
    expect(new Set(one.faces.map((f) => f.emotions.neutral)).size).toBe(5);
    expect(batched.dims).toEqual(c.batches.map((n) => [n, 8, 8, 1]));
    expect(batched.inputs).toEqual(one.inputs);
    expect(batched.faces).toEqual(one.faces);
  });

  it('times crop and classifier once per call', async () => {
    const { manifest, backend } = withBatch(4);
    let clock = 0;
    const trace: StageTrace = {};
    await createEngine(backend, manifest, { ...SHORT_RANGE_ONLY, now: () => clock++ }).analyze(
      fiveFaces(),
      {},
      trace,
    );
    // Each add() reads the clock once after its start: 1 tick per interval, 2 calls.
    expect(trace.classifier).toBe(2);
    expect(trace.crop).toBe(2);
  });

  it('fails loudly when a batched call returns values for fewer faces', async () => {
    const manifest = manifestOf(SHORT, FULL, { ...LOGITS, maxBatch: 4 });
    class OneFace extends FakeBackend {
      protected override classify(entry: ClassifierEntry): Record<string, TensorData> {
        return { [entry.output]: { data: new Float32Array(7), dims: [1, 7] } };
      }
    }
    await expect(
      createEngine(new OneFace(manifest), manifest, SHORT_RANGE_ONLY).analyze(fiveFaces()),
    ).rejects.toThrow(
      "classifier 'emo-logits': 4 face(s) in one call gave 7 output values, expected 4 x 7 (does the model really take a batch? see maxBatch in manifest.ts)",
    );
  });

  it.each([0, 1.5, 65, -1])('refuses maxBatch %s at createEngine', (maxBatch) => {
    const manifest = manifestOf(SHORT, { ...LOGITS, maxBatch });
    expect(() => createEngine(new FakeBackend(manifest), manifest)).toThrow(
      `classifier 'emo-logits': maxBatch must be an integer from 1 to 64 (faces per call), got ${maxBatch}`,
    );
  });

  it('classifyCrop runs one face even when the model takes a batch', async () => {
    const { manifest, backend } = withBatch(8);
    await createEngine(backend, manifest).classifyCrop(square(canvas(16, 16), 2, 2, 8), LOGITS.id);
    expect(backend.calls.map((c) => c.dims)).toEqual([[1, 8, 8, 1]]);
  });
});

describe('features: Face.features when the classifier entry names a featuresOutput', () => {
  /** Logits as PerFaceBackend, plus 3 "features" per face: the face's index and its mean input, twice. */
  class FeaturesBackend extends PerFaceBackend {
    protected override classify(entry: ClassifierEntry, input: TensorData): Record<string, TensorData> {
      const out = super.classify(entry, input);
      const n = input.dims[0] ?? 1;
      const data = new Float32Array(n * 3);
      for (let i = 0; i < n; i++) data.set([i, out[entry.output]!.data[i * 7]!, 7], i * 3);
      return { ...out, features: { data, dims: [n, 3] } };
    }
  }

  it('gives each face its own copy of its features, batched or not, and none without featuresOutput', async () => {
    const withFeatures = manifestOf(SHORT, FULL, { ...LOGITS, maxBatch: 4, featuresOutput: 'features' });
    const faces = await createEngine(
      new FeaturesBackend(withFeatures),
      withFeatures,
      SHORT_RANGE_ONLY,
    ).analyze(fiveFaces());
    // Calls of 4 and 1 faces: each face gets the slice at its own place in its call.
    expect(faces.map((f) => [f.features![0], f.features![2], f.features!.length])).toEqual(
      [0, 1, 2, 3, 0].map((i) => [i, 7, 3]),
    );
    expect(new Set(faces.map((f) => f.features![1])).size).toBe(5);
    // Every face has its own buffer (not a view of one output).
    expect(new Set(faces.map((f) => f.features!.buffer)).size).toBe(5);

    const without = manifestOf(SHORT, FULL, { ...LOGITS, maxBatch: 4 });
    const plain = await createEngine(new FeaturesBackend(without), without, SHORT_RANGE_ONLY).analyze(
      fiveFaces(),
    );
    expect(plain.every((f) => !('features' in f))).toBe(true);
  });

  it('names the missing output when the model has no such features', async () => {
    const manifest = manifestOf(SHORT, FULL, { ...LOGITS, featuresOutput: 'fc1' });
    await expect(
      createEngine(new PerFaceBackend(manifest), manifest, SHORT_RANGE_ONLY).analyze(fiveFaces()),
    ).rejects.toThrow(/fc1/);
  });
});
