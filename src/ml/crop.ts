/**
 * The face crop handed to the emotion classifier.
 *
 * Shape: a square centred on the detector box, side = max(width, height) * (1 + 2 * margin), i.e. `margin`
 * is the fraction of the box size added on each side (engine-api.ts ClassifyOptions.cropMargin). Square
 * because the classifiers were trained on square face crops (FER2013 48x48, AffectNet, face-api's
 * pad-to-square), so a square crop keeps the face undistorted under 'stretch' and leaves 'pad-center' nothing
 * to pad. The margin is a parameter to measure, not to guess (../shared/MODELS.md section 2: the authors'
 * crop is a tight FaceMesh box, not a BlazeFace box).
 *
 * Placement: the axis-aligned crop is rounded to whole pixels, so that cropping a frame gives exactly what
 * classifyCrop gives for the same pixels cut out (eval's crop mode measures what analyze runs). It is not
 * clamped to the image: pixels outside read 0 (black), so the face stays centred at its true scale instead
 * of being squeezed at the frame's edge.
 *
 * Upright (optional): the crop is rotated about the box centre by the roll angle of the eyes (keypoints 0
 * right eye and 1 left eye, subject's view; MODELS.md section 1), so the eyes come out level, as MediaPipe's
 * face ROI does with rotation_vector_start/end_keypoint_index 0/1 and target_angle 0. Rotated crops are
 * sampled continuously (no whole-pixel rounding), with a zero border outside the image.
 */
import { fitGrid, type PreprocessSpec, preprocessRect } from './classifier-preprocess.ts';
import { type SampleGrid, resampleToTensor } from './resize.ts';
import type { PxBox, PxDetection, PxPoint, RgbaImage } from './types.ts';

export interface FaceCrop {
  /** Centre of the crop in source pixels. */
  centerX: number;
  centerY: number;
  /** Side of the square crop in source pixels. */
  size: number;
  /** Rotation in radians (0: axis-aligned); positive turns the crop's x axis towards +y (clockwise on screen). */
  angle: number;
}

/** Roll of the eye line: atan2 from the right eye (keypoint 0) to the left eye (keypoint 1). */
export function eyeRollAngle(keypoints: readonly PxPoint[]): number {
  const rightEye = keypoints[0];
  const leftEye = keypoints[1];
  if (!rightEye || !leftEye) {
    throw new Error(
      `upright crop: needs keypoints 0 (right eye) and 1 (left eye), got ${keypoints.length} keypoint(s)`,
    );
  }
  return Math.atan2(leftEye.y - rightEye.y, leftEye.x - rightEye.x);
}

/** The crop of a detection. */
export function faceCrop(det: PxDetection, margin: number, upright: boolean): FaceCrop {
  if (!Number.isFinite(margin) || margin <= -0.5) {
    throw new Error(
      `faceCrop: cropMargin must be a finite number above -0.5 (fraction added per side), got ${margin}`,
    );
  }
  const { box } = det;
  if (!(box.width > 0) || !(box.height > 0)) {
    throw new Error(`faceCrop: detection box must have positive size, got ${box.width}x${box.height}`);
  }
  return {
    centerX: box.x + box.width / 2,
    centerY: box.y + box.height / 2,
    size: Math.max(box.width, box.height) * (1 + 2 * margin),
    angle: upright ? eyeRollAngle(det.keypoints) : 0,
  };
}

/** The whole-pixel square of an axis-aligned crop (at least 1x1). */
export function cropRect(crop: FaceCrop): PxBox {
  const size = Math.max(1, Math.round(crop.size));
  return {
    x: Math.round(crop.centerX - size / 2),
    y: Math.round(crop.centerY - size / 2),
    width: size,
    height: size,
  };
}

/**
 * Grid of a rotated crop: the fit grid of the unrotated square (centred on the origin), rotated by `angle`
 * and moved to the crop centre. At angle 0 this is the fit grid of the (unrounded) square.
 */
export function rotatedCropGrid(crop: FaceCrop, spec: PreprocessSpec): SampleGrid {
  const half = crop.size / 2;
  const base = fitGrid({ x: -half, y: -half, width: crop.size, height: crop.size }, spec);
  const cos = Math.cos(crop.angle);
  const sin = Math.sin(crop.angle);
  const rot = (x: number, y: number): [number, number] => [x * cos - y * sin, x * sin + y * cos];
  const [ox, oy] = rot(base.originX, base.originY);
  const [ux, uy] = rot(base.uStepX, base.uStepY);
  const [vx, vy] = rot(base.vStepX, base.vStepY);
  // No clamp: the rotated square is not a pixel rect, so everything outside the image reads 0.
  return {
    originX: crop.centerX + ox,
    originY: crop.centerY + oy,
    uStepX: ux,
    uStepY: uy,
    vStepX: vx,
    vStepY: vy,
    transform: base.transform,
    mode: base.mode,
    ...(base.antialias === undefined ? {} : { antialias: base.antialias }),
  };
}

/** Writes the classifier input of one face crop into `out` (preallocated, allocateInput(spec)). */
export function cropToTensor(
  image: RgbaImage,
  crop: FaceCrop,
  spec: PreprocessSpec,
  out: Float32Array,
): void {
  if (crop.angle === 0) {
    preprocessRect(image, cropRect(crop), spec, out);
    return;
  }
  resampleToTensor(image, rotatedCropGrid(crop, spec), {
    data: out,
    width: spec.input.width,
    height: spec.input.height,
    layout: spec.input.layout,
    pixels: spec.preprocessing,
  });
}
