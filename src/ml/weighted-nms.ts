/**
 * MediaPipe's weighted non-max suppression (NonMaxSuppressionCalculator, algorithm: WEIGHTED,
 * overlap_type: INTERSECTION_OVER_UNION, min_suppression_threshold 0.3 in face_detection.pbtxt).
 * ../shared/MODELS.md section 1: "sort by score; the best detection and all remaining ones with
 * IoU > 0.3 form a group; output box and keypoints = score-weighted mean of the group, output score = the
 * best score; repeat."
 * https://github.com/google-ai-edge/mediapipe/blob/master/mediapipe/calculators/util/non_max_suppression_calculator.cc
 *
 * Works in any one space shared by all inputs (the pipeline uses source pixels): IoU is invariant under the
 * uniform scale + shift of a letterbox, and weighted means commute with it, so merging in source pixels
 * gives MediaPipe's result mapped back. Differences, on purpose: ties keep input order (stable sort); the
 * best detection always joins its own group (MediaPipe would stall on a zero-area box, which decode drops).
 */
import type { PxBox, PxDetection, PxPoint } from './types.ts';

/** Intersection over union; 0 when the boxes do not overlap or the union is empty. */
export function iou(a: PxBox, b: PxBox): number {
  const ix = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const iy = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (ix <= 0 || iy <= 0) return 0;
  const inter = ix * iy;
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

/** Merged detections, best score first. */
export function weightedNms(detections: readonly PxDetection[], iouThreshold: number): PxDetection[] {
  if (!(iouThreshold >= 0 && iouThreshold <= 1)) {
    throw new Error(`weightedNms: iouThreshold must be within 0..1, got ${iouThreshold}`);
  }
  let remaining = [...detections].sort((a, b) => b.score - a.score);
  const out: PxDetection[] = [];
  while (remaining.length > 0) {
    const best = remaining[0];
    if (!best) break;
    const group: PxDetection[] = [best];
    const rest: PxDetection[] = [];
    for (let i = 1; i < remaining.length; i++) {
      const d = remaining[i];
      if (!d) continue;
      if (iou(d.box, best.box) > iouThreshold) group.push(d);
      else rest.push(d);
    }
    out.push(group.length === 1 ? cloneDetection(best) : weightedMean(group, best.score));
    remaining = rest;
  }
  return out;
}

/** Intersection area over the smaller box's area; 0 when they do not overlap. */
export function overlapOfSmaller(a: PxBox, b: PxBox): number {
  const ix = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const iy = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (ix <= 0 || iy <= 0) return 0;
  const smaller = Math.min(a.width * a.height, b.width * b.height);
  return smaller > 0 ? (ix * iy) / smaller : 0;
}

/**
 * Drops a detection when most of it (or of the better one) lies inside a better-scoring one. Weighted NMS
 * merges by IoU, which is right within one model but misses the same face seen by two models at different
 * scales: short-range's loose 73 px box around a face that full-range boxes at 38 px has IoU 0.27 (measured
 * on the dlib photo 2008_007676). Two real faces never cover each other that much. Input best score first.
 */
export function suppressNested(detections: readonly PxDetection[], maxOverlap: number): PxDetection[] {
  const kept: PxDetection[] = [];
  for (const d of detections) {
    if (kept.every((k) => overlapOfSmaller(k.box, d.box) <= maxOverlap)) kept.push(d);
  }
  return kept;
}

function cloneDetection(d: PxDetection): PxDetection {
  return { box: { ...d.box }, score: d.score, keypoints: d.keypoints.map((k) => ({ ...k })) };
}

/** Score-weighted mean of corners (as MediaPipe: xmin, ymin, xmax, ymax) and keypoints. */
function weightedMean(group: readonly PxDetection[], bestScore: number): PxDetection {
  let total = 0;
  let xMin = 0;
  let yMin = 0;
  let xMax = 0;
  let yMax = 0;
  const numKeypoints = group[0]?.keypoints.length ?? 0;
  const keypoints: PxPoint[] = Array.from({ length: numKeypoints }, () => ({ x: 0, y: 0 }));
  for (const d of group) {
    const s = d.score;
    total += s;
    xMin += d.box.x * s;
    yMin += d.box.y * s;
    xMax += (d.box.x + d.box.width) * s;
    yMax += (d.box.y + d.box.height) * s;
    for (let k = 0; k < numKeypoints; k++) {
      const p = d.keypoints[k];
      const acc = keypoints[k];
      if (!p || !acc) continue;
      acc.x += p.x * s;
      acc.y += p.y * s;
    }
  }
  for (const k of keypoints) {
    k.x /= total;
    k.y /= total;
  }
  return {
    box: { x: xMin / total, y: yMin / total, width: (xMax - xMin) / total, height: (yMax - yMin) / total },
    score: bestScore,
    keypoints,
  };
}
