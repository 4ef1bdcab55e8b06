/**
 * The engine of engine-api.ts over an InferenceBackend: detect -> per face crop -> classify -> Face.
 * Pure orchestration: the math lives in the modules it calls, the runtime behind `backend`.
 *
 * - Models are validated and their input tensors allocated once, here; a manifest that cannot work fails
 *   at createEngine, not on the first frame.
 * - Calls run one at a time (a small queue): the preallocated tensors are shared, and a second frame must
 *   not rewrite a buffer while a run still reads it.
 * - The faces of a frame are classified together: one classifier call per group of up to the entry's
 *   `maxBatch` faces (manifest.ts), 1 for models whose batch dimension is fixed.
 * - Video streams keep a little state each (which extra detector passes they need: video-passes.ts).
 * Why one file of ~360 lines: the model validation, the shared input tensors and the one queue that
 * guards them belong together; every stage's math already lives in its own module.
 */
import {
  DEFAULT_ANALYZE_OPTIONS,
  assertClassifyOptions,
  assertDetectOptions,
  mergeOptions,
} from './analyze-options.ts';
import type { InferenceBackend } from './backend.ts';
import { allocateInput, assertPreprocessSpec, preprocessImage } from './classifier-preprocess.ts';
import { cropToTensor, faceCrop } from './crop.ts';
import {
  type DetectorModel,
  type DetectorModels,
  createDetectorModel,
  detectFacesPlanned,
  requireOutput,
} from './detector.ts';
import { assertLabels, toEmotionScores, topEmotion } from './emotion-scores.ts';
import type { EmotionScores } from './emotions.ts';
import type { AnalyzeOptions, DetectOptions, Engine, Face, StageTrace } from './engine-api.ts';
import type { ClassifierEntry, DetectorEntry, Manifest } from './manifest.ts';
import { assertRgbaImage } from './rgba-image.ts';
import { type StageTimer, createStageTimer, defaultNow } from './stage-timer.ts';
import type { PxDetection, RgbaImage } from './types.ts';
import {
  type DetectPlan,
  FULL_PLAN,
  type StreamPassState,
  isSmallRefresh,
  nextPassState,
  planVideoPasses,
} from './video-passes.ts';

export { DEFAULT_ANALYZE_OPTIONS };

/** Manifest ids of the two BlazeFace detectors (../shared/MODELS.md section 1). */
export const SHORT_RANGE_DETECTOR_ID = 'blazeface-short';
export const FULL_RANGE_DETECTOR_ID = 'blazeface-full';
/** Video streams whose state the engine keeps at once; beyond it the least recently seen is forgotten. */
export const MAX_STREAMS = 64;

export interface EngineOptions {
  /** Overrides of DEFAULT_ANALYZE_OPTIONS; classifierId defaults to the manifest's first classifier. */
  defaults?: Partial<AnalyzeOptions>;
  /** Clock for StageTrace, in ms (default: performance.now where available). */
  now?: () => number;
  /**
   * Which detectors play which role. Defaults: short-range 'blazeface-short' (else the manifest's first
   * detector), full-range 'blazeface-full' when present.
   */
  detectorIds?: { shortRange?: string; fullRange?: string };
}

/** Upper bound of ClassifierEntry.maxBatch: a typo like 1000 would otherwise allocate gigabytes. */
export const MAX_BATCH_LIMIT = 64;

interface ClassifierModel {
  entry: ClassifierEntry;
  maxBatch: number;
  /** Room for maxBatch faces, allocated once. */
  input: Float32Array;
  /** slots[i]: face i of `input`; views[n - 1]: the first n faces, dims[n - 1] their shape; made once. */
  slots: Float32Array[];
  views: Float32Array[];
  dims: (readonly number[])[];
}

/** The entry's maxBatch, checked: 1 when absent. */
export function classifierBatch(entry: Pick<ClassifierEntry, 'id' | 'maxBatch'>): number {
  const max = entry.maxBatch ?? 1;
  if (!Number.isInteger(max) || max < 1 || max > MAX_BATCH_LIMIT) {
    throw new Error(
      `classifier '${entry.id}': maxBatch must be an integer from 1 to ${MAX_BATCH_LIMIT} (faces per call), got ${String(max)}`,
    );
  }
  return max;
}

function createClassifierModel(entry: ClassifierEntry): ClassifierModel {
  assertPreprocessSpec(entry);
  assertLabels(entry);
  if (typeof entry.output !== 'string' || entry.output === '') {
    throw new Error(`classifier '${entry.id}': 'output' must name the output tensor holding the scores`);
  }
  const maxBatch = classifierBatch(entry);
  const faceSize = allocateInput(entry).length;
  const input = new Float32Array(faceSize * maxBatch);
  const counts = Array.from({ length: maxBatch }, (_, i) => i + 1);
  return {
    entry,
    maxBatch,
    input,
    slots: counts.map((n) => input.subarray((n - 1) * faceSize, n * faceSize)),
    views: counts.map((n) => input.subarray(0, n * faceSize)),
    dims: counts.map((n) => [n, ...entry.input.shape.slice(1)]),
  };
}

function assertManifest(manifest: Manifest): void {
  if (typeof manifest !== 'object' || manifest === null || !Array.isArray(manifest.models)) {
    throw new Error('manifest: expected an object with a models array (models/manifest.json)');
  }
  if (manifest.version !== 1) {
    throw new Error(
      `manifest: expected version 1, got ${String(manifest.version)}; update src/ml for the new format`,
    );
  }
  const ids = new Set<string>();
  for (const m of manifest.models as readonly { id: string; kind: string }[]) {
    if (ids.has(m.id)) throw new Error(`manifest: model id '${m.id}' appears twice`);
    ids.add(m.id);
    if (m.kind !== 'detector' && m.kind !== 'classifier') {
      throw new Error(`manifest: model '${m.id}' has kind '${m.kind}'; expected 'detector' or 'classifier'`);
    }
  }
}

/** A queue that runs async tasks one after another; a failure does not block the next task. */
function createSerialQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
}

export function createEngine(
  backend: InferenceBackend,
  manifest: Manifest,
  options: EngineOptions = {},
): Engine {
  assertManifest(manifest);
  const detectorEntries = manifest.models.filter((m): m is DetectorEntry => m.kind === 'detector');
  const classifierEntries = manifest.models.filter((m): m is ClassifierEntry => m.kind === 'classifier');
  if (detectorEntries.length === 0) {
    throw new Error(`manifest: has no detector; expected at least '${SHORT_RANGE_DETECTOR_ID}'`);
  }
  if (classifierEntries.length === 0) {
    throw new Error('manifest: has no classifier; expected at least one emotion classifier');
  }

  const detectorModels = new Map<string, DetectorModel>(
    detectorEntries.map((e) => [e.id, createDetectorModel(e)]),
  );
  const classifiers = new Map<string, ClassifierModel>(
    classifierEntries.map((e) => [e.id, createClassifierModel(e)]),
  );

  const detectorById = (id: string, role: string): DetectorModel => {
    const model = detectorModels.get(id);
    if (!model) {
      throw new Error(
        `${role} detector '${id}' is not a detector in the manifest (detectors: ${[...detectorModels.keys()].join(', ')})`,
      );
    }
    return model;
  };
  const shortRangeId =
    options.detectorIds?.shortRange ??
    (detectorModels.has(SHORT_RANGE_DETECTOR_ID) ? SHORT_RANGE_DETECTOR_ID : (detectorEntries[0]?.id ?? ''));
  const fullRangeId =
    options.detectorIds?.fullRange ??
    (detectorModels.has(FULL_RANGE_DETECTOR_ID) ? FULL_RANGE_DETECTOR_ID : undefined);
  const detectors: DetectorModels = { shortRange: detectorById(shortRangeId, 'short-range') };
  if (fullRangeId !== undefined) detectors.fullRange = detectorById(fullRangeId, 'full-range');

  const classifierById = (id: string): ClassifierModel => {
    const model = classifiers.get(id);
    if (!model) {
      const kind = detectorModels.has(id) ? ' (it is a detector)' : '';
      throw new Error(
        `unknown classifier id '${id}'${kind}; the manifest's classifiers: ${[...classifiers.keys()].join(', ')}`,
      );
    }
    return model;
  };

  const base: AnalyzeOptions = { ...DEFAULT_ANALYZE_OPTIONS, classifierId: classifierEntries[0]?.id ?? '' };
  const defaults: AnalyzeOptions = Object.freeze(mergeOptions(base, options.defaults));
  assertDetectOptions(defaults);
  assertClassifyOptions(defaults);
  classifierById(defaults.classifierId);

  /**
   * One call's options and classifier. The crop margin is the classifier's own (its manifest cropMargin, the
   * margin it was measured best with) unless the engine's defaults or the call set one.
   */
  const classifyOptionsFor = (
    partial: Partial<AnalyzeOptions> | undefined,
  ): { opts: AnalyzeOptions; classifier: ClassifierModel } => {
    const opts = mergeOptions(defaults, partial);
    const classifier = classifierById(opts.classifierId);
    if (partial?.cropMargin === undefined && options.defaults?.cropMargin === undefined) {
      opts.cropMargin = classifier.entry.cropMargin ?? DEFAULT_ANALYZE_OPTIONS.cropMargin;
    }
    assertClassifyOptions(opts);
    return { opts, classifier };
  };

  const now = options.now ?? defaultNow();
  const serial = createSerialQueue();

  /** Runs the first `count` faces of the model's input buffer in one call. */
  const classify = async (
    model: ClassifierModel,
    count: number,
  ): Promise<{ scores: EmotionScores; features?: Float32Array }[]> => {
    const { entry } = model;
    const outputs = await backend.run(entry.id, {
      [entry.input.name]: { data: model.views[count - 1]!, dims: model.dims[count - 1]! },
    });
    const scores = requireOutput(outputs, entry.output, entry.id).data;
    const perFace = entry.labels.length;
    if (scores.length !== count * perFace) {
      throw new Error(
        `classifier '${entry.id}': ${count} face(s) in one call gave ${scores.length} output values, expected ` +
          `${count} x ${perFace}${count > 1 ? ' (does the model really take a batch? see maxBatch in manifest.ts)' : ''}`,
      );
    }
    const features =
      entry.featuresOutput === undefined
        ? undefined
        : requireOutput(outputs, entry.featuresOutput, entry.id).data;
    const perFaceFeatures = features === undefined ? 0 : features.length / count;
    if (features !== undefined && !(Number.isInteger(perFaceFeatures) && perFaceFeatures > 0)) {
      throw new Error(
        `classifier '${entry.id}': features output '${entry.featuresOutput}' has ${features.length} values for ${count} face(s)`,
      );
    }
    return Array.from({ length: count }, (_, i) => ({
      scores: toEmotionScores(scores.subarray(i * perFace, (i + 1) * perFace), entry),
      // A copy: the face outlives this call's output buffers.
      ...(features === undefined
        ? {}
        : { features: features.slice(i * perFaceFeatures, (i + 1) * perFaceFeatures) }),
    }));
  };

  const detectWith = (image: RgbaImage, opts: DetectOptions, plan: DetectPlan, timer: StageTimer) => {
    assertRgbaImage(image);
    return detectFacesPlanned(backend, detectors, image, opts, plan, timer);
  };

  const classifyAll = async (
    image: RgbaImage,
    detections: readonly PxDetection[],
    opts: AnalyzeOptions,
    classifier: ClassifierModel,
    timer: StageTimer,
  ): Promise<Face[]> => {
    const faces: Face[] = [];
    for (let first = 0; first < detections.length; first += classifier.maxBatch) {
      const group = detections.slice(first, first + classifier.maxBatch);
      let t = timer.now();
      group.forEach((det, i) =>
        cropToTensor(
          image,
          faceCrop(det, opts.cropMargin, opts.uprightCrop),
          classifier.entry,
          classifier.slots[i]!,
        ),
      );
      timer.add('crop', t);
      t = timer.now();
      const results = await classify(classifier, group.length);
      timer.add('classifier', t);
      group.forEach((det, i) => {
        const { scores: emotions, features } = results[i]!;
        faces.push({
          box: det.box,
          score: det.score,
          keypoints: det.keypoints,
          emotions,
          top: topEmotion(emotions),
          ...(features === undefined ? {} : { features }),
        });
      });
    }
    return faces;
  };

  const streams = new Map<string, StreamPassState>();
  /** Stores a stream's pass state, re-inserted so that the map's order is least recently seen first. */
  const remember = (frame: { streamId: string }, state: StreamPassState) => {
    streams.delete(frame.streamId);
    streams.set(frame.streamId, state);
    for (const id of streams.keys()) {
      if (streams.size <= MAX_STREAMS) break;
      streams.delete(id);
    }
  };

  return {
    defaults,

    analyze(image, partial, trace?: StageTrace): Promise<Face[]> {
      return serial(async () => {
        const { opts, classifier } = classifyOptionsFor(partial);
        const timer = createStageTimer(now, trace);
        const { faces } = await detectWith(image, opts, FULL_PLAN, timer);
        return classifyAll(image, faces, opts, classifier, timer);
      });
    },

    analyzeVideoFrame(image, frame, partial, trace?: StageTrace): Promise<Face[]> {
      return new Promise<Face[]>((resolve, reject) => {
        serial(async () => {
          const { opts, classifier } = classifyOptionsFor(partial);
          const timer = createStageTimer(now, trace);
          const state = streams.get(frame.streamId);
          const plan = planVideoPasses(state, frame.timestampMs);
          // Right after a cold start the full-range detector may still be loading (the runtime loads it after
          // the first result): this frame goes without the small-face pass rather than wait for it, and the
          // pass, not having run, stays due for the next frame.
          const fullRange = detectors.fullRange?.entry.id;
          if (fullRange !== undefined && backend.isLoaded?.(fullRange) === false) plan.smallFaces = false;
          // A small-face pass that only refreshes (it ran on this stream and found nothing) runs after the
          // frame's result is out, before the next call: measured (`npm run bench:e2e`), those 1-in-11 frames
          // were the slowest 5% (detector 35 ms instead of 8). What it finds shows from the next frame on.
          const deferSmall = plan.smallFaces && isSmallRefresh(state);
          if (deferSmall) plan.smallFaces = false;
          const detected = await detectWith(image, opts, plan, timer);
          remember(frame, nextPassState(state, detected.outcome, detected.faces.length, frame.timestampMs));
          resolve(await classifyAll(image, detected.faces, opts, classifier, timer));
          if (!deferSmall) return;
          try {
            const later = await detectWith(
              image,
              opts,
              { smallFaces: true, largeFaces: false },
              createStageTimer(now),
            );
            // Not for a stream ended meanwhile; a failed pass stays due for the next frame.
            const current = streams.get(frame.streamId);
            if (current)
              remember(frame, nextPassState(current, later.outcome, later.faces.length, frame.timestampMs));
          } catch {
            // The next frame of the stream runs it again (it is still due).
          }
        }).catch(reject); // anything before the result (options, detection, classification) is the caller's
      });
    },

    endStream(streamId) {
      streams.delete(streamId);
    },

    classifierCropMargin(classifierId) {
      return classifyOptionsFor(classifierId === undefined ? undefined : { classifierId }).opts.cropMargin;
    },

    classifierInputSide(classifierId) {
      const { entry } = classifierById(classifierId ?? defaults.classifierId);
      return Math.max(entry.input.width, entry.input.height);
    },

    detect(image, partial, trace?: StageTrace) {
      return serial(async () => {
        const opts = mergeOptions(defaults, partial);
        return (await detectWith(image, opts, FULL_PLAN, createStageTimer(now, trace))).faces;
      });
    },

    classifyCrop(image, classifierId) {
      return serial(async () => {
        assertRgbaImage(image);
        const classifier = classifierById(classifierId ?? defaults.classifierId);
        preprocessImage(image, classifier.entry, classifier.slots[0]!);
        const [result] = await classify(classifier, 1);
        return result!.scores;
      });
    },
  };
}
