/**
 * Face detection with the strategies of engine-api.ts DetectOptions, over an InferenceBackend.
 *
 * One pass = letterbox a source region into the model's preallocated input, run it, decode, map to source
 * pixels. Every pass of a call feeds one weighted NMS in source pixels (weighted-nms.ts explains why that
 * equals MediaPipe's per-image NMS).
 * - plain: short-range on the whole frame (../shared/MODELS.md section 1).
 * - 'full-range': the 192 px full-range model on the whole frame too, merged by NMS.
 * - 'tiling': short-range also on overlapping square tiles (tileLayout), so faces far below 1/8 of the
 *   frame become large enough in a tile. A tile detection touching an inner tile edge is a cut face and is
 *   dropped: a face smaller than the overlap lies whole inside a neighbouring tile, a larger one is found by
 *   the whole-frame pass.
 * - largeFaces: BlazeFace misses faces that fill the frame (tight portraits, FER2013's 48x48 crops). When
 *   nothing is found, the frame is retried zero-padded to LARGE_FACE_PADDING times its size, centred (the
 *   letterbox of a larger region: no padded copy is made), and boxes map back through the same letterbox.
 * Input tensors are allocated once per model; passes reuse them one after another (the engine serialises
 * calls, so a buffer is never rewritten while a run holds it).
 */
import { deriveAnchorsPerLayer, generateAnchors } from './anchors.ts';
import { assertDetectOptions } from './analyze-options.ts';
import type { InferenceBackend, TensorData } from './backend.ts';
import { decodeBlazeFace } from './blazeface-decode.ts';
import { allocateInput, assertPreprocessSpec } from './classifier-preprocess.ts';
import type { DetectOptions } from './engine-api.ts';
import { computeLetterbox, letterboxDetectionToSource, letterboxToTensor } from './letterbox.ts';
import type { DetectorEntry } from './manifest.ts';
import type { TensorTarget } from './resize.ts';
import type { StageTimer } from './stage-timer.ts';
import type { PxBox, PxDetection, RgbaImage } from './types.ts';
import { type DetectOutcome, type DetectPlan, FULL_PLAN } from './video-passes.ts';
import { iou, overlapOfSmaller, suppressNested, weightedNms } from './weighted-nms.ts';

/** A detection this much inside a better one (by the smaller box's area) is the same face: see suppressNested. */
export const NESTED_OVERLAP = 0.6;

/**
 * Large-face retry: the frame is zero-padded to this multiple of its size (a frame-filling face then spans
 * half the input). Measured with blazeface-short on 599 FER2013 PublicTest crops (48x48): found without
 * retry 90.5%; plain then retry padded 1.25x 97.0%, 1.5x 98.0%, 2x 97.8%, 3x 96.3%, 4x 92.0%.
 */
export const LARGE_FACE_PADDING = 2;
/** Tiling: square tiles with this fraction of the frame's short side. */
export const TILE_FRACTION = 0.6;
/** Tiling: neighbouring tiles overlap by at least this fraction of a tile. */
export const TILE_MIN_OVERLAP = 1 / 3;
/** Tiling: a tile detection within this fraction of a tile of an inner tile edge counts as cut off. */
export const TILE_EDGE_MARGIN = 0.02;

export interface DetectorModel {
  readonly entry: DetectorEntry;
  /** Interleaved anchor centres (anchors.ts). */
  readonly anchors: Float64Array;
  /** The preallocated input tensor and how to fill it. */
  readonly target: TensorTarget;
  readonly dims: readonly number[];
}

/** Validates a detector entry and allocates its input tensor and anchors (once per model). */
export function createDetectorModel(entry: DetectorEntry): DetectorModel {
  const where = `detector '${entry.id}'`;
  if (entry.kind !== 'detector')
    throw new Error(`${where}: expected kind 'detector', got '${String(entry.kind)}'`);
  assertPreprocessSpec(entry);
  if (entry.preprocessing.fit !== 'letterbox') {
    throw new Error(
      `${where}: preprocessing.fit must be 'letterbox' (MediaPipe keep_aspect_ratio: true), got '${entry.preprocessing.fit}'`,
    );
  }
  const { width, height } = entry.input;
  const size = entry.anchors?.inputSize;
  if (width !== height || size !== width) {
    throw new Error(
      `${where}: expected a square input equal to anchors.inputSize, got ${width}x${height} and ${size}`,
    );
  }
  if (!Number.isInteger(entry.numKeypoints) || entry.numKeypoints < 0) {
    throw new Error(`${where}: numKeypoints must be a non-negative integer, got ${entry.numKeypoints}`);
  }
  if (entry.numCoords !== 4 + 2 * entry.numKeypoints) {
    throw new Error(
      `${where}: numCoords must be 4 + 2 * numKeypoints = ${4 + 2 * entry.numKeypoints}, got ${entry.numCoords}`,
    );
  }
  const anchorsPerLayer = deriveAnchorsPerLayer(entry.anchors, entry.numAnchors);
  return {
    entry,
    anchors: generateAnchors({ ...entry.anchors, anchorsPerLayer }),
    target: {
      data: allocateInput(entry),
      width,
      height,
      layout: entry.input.layout,
      pixels: entry.preprocessing,
    },
    dims: [...entry.input.shape],
  };
}

/** The output tensor `name` of a run, or an error naming what came back instead. */
export function requireOutput(
  outputs: Record<string, TensorData>,
  name: string,
  modelId: string,
): TensorData {
  const out = outputs[name];
  if (!out) {
    throw new Error(
      `model '${modelId}': the backend returned no output '${name}' (got: ${Object.keys(outputs).join(', ') || 'none'})`,
    );
  }
  return out;
}

/** Raw detections (thresholded, not merged) of one model on one source region, in source pixels. */
export async function detectInRegion(
  backend: InferenceBackend,
  model: DetectorModel,
  image: RgbaImage,
  region: PxBox,
  minScore: number,
  timer: StageTimer,
): Promise<PxDetection[]> {
  const { entry } = model;
  let t = timer.now();
  const lb = computeLetterbox(region, model.target.width, model.target.height);
  letterboxToTensor(image, lb, model.target, entry.preprocessing);
  timer.add('preprocess', t);

  t = timer.now();
  const outputs = await backend.run(entry.id, {
    [entry.input.name]: { data: model.target.data, dims: model.dims },
  });
  timer.add('detector', t);

  t = timer.now();
  const regressors = requireOutput(outputs, entry.regressorsOutput, entry.id).data;
  const scores = requireOutput(outputs, entry.scoresOutput, entry.id).data;
  const decoded = decodeBlazeFace(regressors, scores, model.anchors, {
    inputSize: entry.anchors.inputSize,
    numKeypoints: entry.numKeypoints,
    numCoords: entry.numCoords,
    minScore,
  });
  const mapped = decoded.map((d) => letterboxDetectionToSource(d, lb));
  timer.add('nms', t);
  return mapped;
}

/** Positions of `count` tiles of `tile` px spread evenly over `length` px (first at 0, last at the end). */
function tileStarts(length: number, tile: number): number[] {
  if (length <= tile) return [0];
  // The epsilon keeps an exact fit (e.g. 1080 px, tile 648, step 432) from tipping into an extra tile.
  const count = Math.ceil((length - tile) / (tile * (1 - TILE_MIN_OVERLAP)) - 1e-9) + 1;
  return Array.from({ length: count }, (_, i) => Math.round((i * (length - tile)) / (count - 1)));
}

/**
 * Square tiles of TILE_FRACTION of the short side, overlapping by at least TILE_MIN_OVERLAP, covering the
 * frame row by row. Empty when a tile would be smaller than the model input (tiling would only upscale).
 * 1920x1080 -> 8 tiles of 648 px (2 rows x 4); 640x480 -> 6 tiles of 288 px; 1000x1000 -> 4 of 600 px.
 */
export function tileLayout(width: number, height: number, inputSize: number): PxBox[] {
  const tile = Math.round(Math.min(width, height) * TILE_FRACTION);
  if (tile < inputSize) return [];
  const tiles: PxBox[] = [];
  for (const y of tileStarts(height, tile)) {
    for (const x of tileStarts(width, tile)) tiles.push({ x, y, width: tile, height: tile });
  }
  return tiles;
}

/** True when the box reaches within the margin of a tile edge that is not also a frame edge. */
export function touchesInnerTileEdge(
  box: PxBox,
  tile: PxBox,
  frameWidth: number,
  frameHeight: number,
): boolean {
  const m = TILE_EDGE_MARGIN * Math.max(tile.width, tile.height);
  const left = tile.x > 0 && box.x < tile.x + m;
  const top = tile.y > 0 && box.y < tile.y + m;
  const right = tile.x + tile.width < frameWidth && box.x + box.width > tile.x + tile.width - m;
  const bottom = tile.y + tile.height < frameHeight && box.y + box.height > tile.y + tile.height - m;
  return left || top || right || bottom;
}

/** The frame zero-padded to `factor` times its size, centred, as a source region. */
export function paddedRegion(width: number, height: number, factor = LARGE_FACE_PADDING): PxBox {
  return {
    x: (-(factor - 1) * width) / 2,
    y: (-(factor - 1) * height) / 2,
    width: factor * width,
    height: factor * height,
  };
}

export interface DetectorModels {
  shortRange: DetectorModel;
  fullRange?: DetectorModel;
}

/** Every strategy of DetectOptions; result best score first, at most maxFaces. */
export async function detectFaces(
  backend: InferenceBackend,
  models: DetectorModels,
  image: RgbaImage,
  options: DetectOptions,
  timer: StageTimer,
): Promise<PxDetection[]> {
  return (await detectFacesPlanned(backend, models, image, options, FULL_PLAN, timer)).faces;
}

/**
 * detectFaces with only the extra passes `plan` allows (video-passes.ts decides them per stream), and what
 * each pass contributed, for the next frame's plan.
 */
export async function detectFacesPlanned(
  backend: InferenceBackend,
  models: DetectorModels,
  image: RgbaImage,
  options: DetectOptions,
  plan: DetectPlan,
  timer: StageTimer,
): Promise<{ faces: PxDetection[]; outcome: DetectOutcome }> {
  assertDetectOptions(options);
  const { width, height } = image;
  const whole: PxBox = { x: 0, y: 0, width, height };
  const { shortRange } = models;
  const shortRaw = await detectInRegion(backend, shortRange, image, whole, options.minScore, timer);
  const raw = [...shortRaw];

  const wantsFullRange = options.smallFaces === 'full-range' || options.smallFaces === 'full-range+tiling';
  const wantsTiling = options.smallFaces === 'tiling' || options.smallFaces === 'full-range+tiling';
  if (wantsFullRange && !models.fullRange) {
    throw new Error(
      `smallFaces '${options.smallFaces}' needs a full-range detector, but the manifest has none (expected id 'blazeface-full')`,
    );
  }
  const smallFacesRan = plan.smallFaces && options.smallFaces !== 'off';
  if (smallFacesRan && wantsFullRange && models.fullRange) {
    raw.push(...(await detectInRegion(backend, models.fullRange, image, whole, options.minScore, timer)));
  }
  if (smallFacesRan && wantsTiling) {
    for (const tile of tileLayout(width, height, shortRange.target.width)) {
      const found = await detectInRegion(backend, shortRange, image, tile, options.minScore, timer);
      for (const d of found) if (!touchesInnerTileEdge(d.box, tile, width, height)) raw.push(d);
    }
  }

  let t = timer.now();
  let faces = weightedNms(raw, options.nmsIoU);
  // Several passes (models or tiles) see one face at different scales: merge what NMS's IoU misses.
  if (options.smallFaces !== 'off') faces = suppressNested(faces, NESTED_OVERLAP);
  const seenByShortRange = (face: PxDetection) =>
    shortRaw.some(
      (d) => iou(d.box, face.box) >= options.nmsIoU || overlapOfSmaller(d.box, face.box) >= NESTED_OVERLAP,
    );
  const smallOnly = smallFacesRan ? faces.filter((f) => !seenByShortRange(f)).length : 0;
  timer.add('nms', t);

  const largeFacesRan = faces.length === 0 && options.largeFaces && plan.largeFaces;
  let fromLargeRetry = 0;
  if (largeFacesRan) {
    const padded = paddedRegion(width, height);
    const retry = await detectInRegion(backend, shortRange, image, padded, options.minScore, timer);
    t = timer.now();
    faces = weightedNms(retry, options.nmsIoU);
    fromLargeRetry = faces.length;
    timer.add('nms', t);
  }
  return {
    faces: faces.slice(0, options.maxFaces),
    outcome: { smallFacesRan, smallOnly, largeFacesRan, fromLargeRetry },
  };
}
