/**
 * Detector metrics against hand-drawn face boxes. dlib's boxes are tight brows-to-chin and smaller than
 * BlazeFace's, so a ground-truth face counts as found when its centre lies inside a detection OR their IoU is
 * at least 0.3 (../shared/data/README.md, face-boxes). Each detection matches at most one face, greedily in
 * order of detection score; unmatched detections are false positives unless they cover an `ignore` face.
 */
import type { PxBox } from '../ml/types.ts';

export const MATCH_MIN_IOU = 0.3;

export interface GroundTruthFace {
  box: PxBox;
  /** Faces marked ignore count neither as misses nor, when detected, as false positives. */
  ignore: boolean;
}

export interface ScoredBox {
  box: PxBox;
  score: number;
}

export function iou(a: PxBox, b: PxBox): number {
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const inter = ix * iy;
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

/** Whether the centre of `inner` lies inside `outer` (edges included). */
export function centreInside(inner: PxBox, outer: PxBox): boolean {
  const cx = inner.x + inner.width / 2;
  const cy = inner.y + inner.height / 2;
  return cx >= outer.x && cx <= outer.x + outer.width && cy >= outer.y && cy <= outer.y + outer.height;
}

export function isMatch(truth: PxBox, detection: PxBox, minIoU = MATCH_MIN_IOU): boolean {
  return centreInside(truth, detection) || iou(truth, detection) >= minIoU;
}

export interface ImageMatch {
  /** For each ground-truth face, the index of the detection that found it, or null. */
  foundBy: (number | null)[];
  /** Indices of detections that matched no face (ignored faces excepted). */
  falsePositives: number[];
  /** Indices of detections that only matched an ignored face. */
  ignoredDetections: number[];
}

/**
 * Matches one image's detections to its ground truth: detections in descending score order each take the
 * unmatched face they match with the highest IoU (ties: the nearer centre), non-ignored faces first.
 */
export function matchDetections(
  truth: readonly GroundTruthFace[],
  detections: readonly ScoredBox[],
  minIoU = MATCH_MIN_IOU,
): ImageMatch {
  for (const [i, d] of detections.entries()) {
    if (!Number.isFinite(d.score) || ![d.box.x, d.box.y, d.box.width, d.box.height].every(Number.isFinite)) {
      throw new Error(`matchDetections: detection ${i} has a non-finite box or score: ${JSON.stringify(d)}`);
    }
  }
  const foundBy: (number | null)[] = truth.map(() => null);
  const falsePositives: number[] = [];
  const ignoredDetections: number[] = [];
  const order = detections
    .map((_, i) => i)
    .sort((a, b) => (detections[b]?.score ?? 0) - (detections[a]?.score ?? 0));
  const centreDistance = (a: PxBox, b: PxBox): number =>
    Math.hypot(a.x + a.width / 2 - (b.x + b.width / 2), a.y + a.height / 2 - (b.y + b.height / 2));
  for (const d of order) {
    const det = detections[d];
    if (det === undefined) continue;
    let best = -1;
    let bestIoU = -1;
    let bestDistance = Infinity;
    for (const pass of [false, true]) {
      truth.forEach((face, t) => {
        if (face.ignore !== pass || foundBy[t] !== null || !isMatch(face.box, det.box, minIoU)) return;
        const overlap = iou(face.box, det.box);
        const distance = centreDistance(face.box, det.box);
        if (overlap > bestIoU || (overlap === bestIoU && distance < bestDistance)) {
          best = t;
          bestIoU = overlap;
          bestDistance = distance;
        }
      });
      if (best >= 0) break;
    }
    if (best < 0) falsePositives.push(d);
    else {
      foundBy[best] = d;
      if (truth[best]?.ignore === true) ignoredDetections.push(d);
    }
  }
  return { foundBy, falsePositives, ignoredDetections };
}

export interface DetectionImage {
  truth: readonly GroundTruthFace[];
  detections: readonly ScoredBox[];
}

export interface DetectionSummary {
  images: number;
  /** Non-ignored ground-truth faces. */
  faces: number;
  found: number;
  recall: number;
  falsePositives: number;
  falsePositivesPerImage: number;
  detections: number;
}

export function summarizeDetection(
  images: readonly DetectionImage[],
  minIoU = MATCH_MIN_IOU,
): DetectionSummary {
  if (images.length === 0) throw new Error('summarizeDetection: no images; check the boxes CSV');
  let faces = 0;
  let found = 0;
  let falsePositives = 0;
  let detections = 0;
  for (const image of images) {
    const match = matchDetections(image.truth, image.detections, minIoU);
    image.truth.forEach((face, t) => {
      if (face.ignore) return;
      faces++;
      if (match.foundBy[t] !== null) found++;
    });
    falsePositives += match.falsePositives.length;
    detections += image.detections.length;
  }
  if (faces === 0)
    throw new Error(
      'summarizeDetection: every ground-truth face is marked ignore; nothing to measure recall on',
    );
  return {
    images: images.length,
    faces,
    found,
    recall: found / faces,
    falsePositives,
    falsePositivesPerImage: falsePositives / images.length,
    detections,
  };
}

export interface NegativesSummary {
  images: number;
  detections: number;
  detectionsPerImage: number;
  /** Images with at least one detection. */
  imagesWithDetections: number;
}

/** For images with no face: every detection is a false positive. */
export function summarizeNegatives(detectionCounts: readonly number[]): NegativesSummary {
  if (detectionCounts.length === 0) throw new Error('summarizeNegatives: no images; check the negatives CSV');
  const detections = detectionCounts.reduce((a, b) => a + b, 0);
  return {
    images: detectionCounts.length,
    detections,
    detectionsPerImage: detections / detectionCounts.length,
    imagesWithDetections: detectionCounts.filter((n) => n > 0).length,
  };
}
