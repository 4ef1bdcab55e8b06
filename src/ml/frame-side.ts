/**
 * How large a video frame the engine needs, so a page sends no more pixels than the analysis uses.
 *
 * The detectors see the whole frame letterboxed to 128 or 192 px (../shared/MODELS.md section 1), so for
 * detection a frame needs little more than that. The classifier needs its crop of each face at about its own
 * input size (64-224 px): a face must span enough frame pixels that its crop is not upscaled. So the frame's
 * longer side is the one at which the smallest face's crop reaches the classifier's input side, within
 * bounds, rounded up to FRAME_SIDE_STEP so the size does not change with every small move of a face.
 * Fewer pixels cost less everywhere on the way: reading them in the page, messaging, letterboxing.
 */
import type { PxBox } from './types.ts';

/** Never smaller: above the 192 px full-range detector input, so detection sees all it can. */
export const MIN_FRAME_SIDE = 256;
/** Never larger: beyond it only classifier crops of small faces gain, at a steep transport cost. */
export const MAX_FRAME_SIDE = 640;
export const FRAME_SIDE_STEP = 64;

export interface FrameSideRequest {
  /** The faces found in the last frame, in that frame's pixels. */
  faces: readonly { box: PxBox }[];
  /** That frame's size, px. */
  width: number;
  height: number;
  /** The longer side of the classifier's input, px. */
  classifierInputSide: number;
  /** The crop margin of ClassifyOptions (fraction of the box added per side). */
  cropMargin: number;
  /** Tiling looks at parts of the frame at more than the detector's input size: it needs the full frame. */
  tiling: boolean;
  minSide?: number;
  maxSide?: number;
}

/** The longer side, px, the next frame of the stream should have (the sender also caps it at the source's own). */
export function frameSideFor(request: FrameSideRequest): number {
  const { faces, width, height, classifierInputSide, cropMargin, tiling } = request;
  const minSide = request.minSide ?? MIN_FRAME_SIDE;
  const maxSide = request.maxSide ?? MAX_FRAME_SIDE;
  if (!(width > 0 && height > 0)) throw new Error(`frame size must be positive, got ${width}x${height}`);
  if (!(classifierInputSide > 0)) {
    throw new Error(`classifierInputSide must be positive, got ${classifierInputSide}`);
  }
  if (!(minSide > 0 && minSide <= maxSide)) {
    throw new Error(`expected 0 < minSide <= maxSide, got ${minSide} and ${maxSide}`);
  }
  if (tiling) return maxSide;
  if (faces.length === 0) return minSide;
  const longSide = Math.max(width, height);
  const smallestFace = Math.min(...faces.map((f) => Math.max(f.box.width, f.box.height)));
  const cropFraction = (smallestFace * (1 + 2 * cropMargin)) / longSide;
  if (!(cropFraction > 0)) return maxSide;
  const needed = Math.ceil(classifierInputSide / cropFraction / FRAME_SIDE_STEP) * FRAME_SIDE_STEP;
  return Math.min(maxSide, Math.max(minSide, needed));
}
