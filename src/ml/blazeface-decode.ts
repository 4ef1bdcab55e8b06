/**
 * BlazeFace raw outputs -> detections in letterboxed-input space, as MediaPipe's
 * TensorsToDetectionsCalculator does with the face_detection.pbtxt options (num_coords 16, x/y/w/h_scale =
 * input size, reverse_output_order: true, sigmoid_score: true, score_clipping_thresh: 100).
 * ../shared/MODELS.md section 1: cx = r0/128 + ax, cy = r1/128 + ay, w = r2/128, h = r3/128, keypoints
 * likewise; score = sigmoid(clamp(logit, -100, 100)); keep score > minScore; drop xmin >= xmax or
 * ymin >= ymax. Anchors are 1x1 (fixed_anchor_size), so no anchor width/height factor appears.
 */
import type { NormDetection, NormPoint } from './types.ts';

export interface DecodeOptions {
  /** Square model input size (the x/y/w/h scale). */
  inputSize: number;
  numKeypoints: number;
  /** Values per anchor in the regressors: 4 + 2 * numKeypoints. */
  numCoords: number;
  /** Keep detections scoring strictly above this. */
  minScore: number;
}

/** MediaPipe's score_clipping_thresh for BlazeFace. */
export const SCORE_CLIPPING_THRESHOLD = 100;

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** score = sigmoid(clamp(logit, -100, 100)). */
export function blazeFaceScore(logit: number): number {
  const t = SCORE_CLIPPING_THRESHOLD;
  return sigmoid(logit < -t ? -t : logit > t ? t : logit);
}

/**
 * Decodes every anchor whose score passes. regressors: [numAnchors * numCoords], logits: [numAnchors],
 * anchors: interleaved centres from generateAnchors. Allocates only the detections it returns.
 */
export function decodeBlazeFace(
  regressors: Float32Array,
  logits: Float32Array,
  anchors: Float64Array,
  options: DecodeOptions,
): NormDetection[] {
  const { inputSize, numKeypoints, numCoords, minScore } = options;
  const numAnchors = anchors.length / 2;
  if (numCoords < 4 + 2 * numKeypoints) {
    throw new Error(
      `decodeBlazeFace: numCoords ${numCoords} cannot hold a box and ${numKeypoints} keypoints`,
    );
  }
  if (logits.length !== numAnchors) {
    throw new Error(`decodeBlazeFace: expected ${numAnchors} scores (one per anchor), got ${logits.length}`);
  }
  if (regressors.length !== numAnchors * numCoords) {
    throw new Error(
      `decodeBlazeFace: expected ${numAnchors}x${numCoords} = ${numAnchors * numCoords} regressor values, got ${regressors.length}`,
    );
  }
  const out: NormDetection[] = [];
  for (let i = 0; i < numAnchors; i++) {
    const score = blazeFaceScore(logits[i] ?? Number.NaN);
    if (!(score > minScore)) continue;
    const r = i * numCoords;
    const ax = anchors[2 * i] ?? 0;
    const ay = anchors[2 * i + 1] ?? 0;
    const cx = (regressors[r] ?? 0) / inputSize + ax;
    const cy = (regressors[r + 1] ?? 0) / inputSize + ay;
    const w = (regressors[r + 2] ?? 0) / inputSize;
    const h = (regressors[r + 3] ?? 0) / inputSize;
    const xMin = cx - w / 2;
    const yMin = cy - h / 2;
    // Degenerate (or NaN) boxes: xmin >= xmax or ymin >= ymax.
    if (!(xMin < cx + w / 2) || !(yMin < cy + h / 2)) continue;
    const keypoints: NormPoint[] = [];
    for (let k = 0; k < numKeypoints; k++) {
      keypoints.push({
        x: (regressors[r + 4 + 2 * k] ?? 0) / inputSize + ax,
        y: (regressors[r + 5 + 2 * k] ?? 0) / inputSize + ay,
      });
    }
    out.push({ box: { xMin, yMin, width: w, height: h }, score, keypoints });
  }
  return out;
}
