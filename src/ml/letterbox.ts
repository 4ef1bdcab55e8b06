/**
 * Letterboxing: a source region scaled uniformly to fit the model input, centred, the rest a zero border,
 * and the inverse that maps detections back to source pixels (../shared/MODELS.md section 1: "letterboxed
 * (aspect kept, zero border) ... Boxes are mapped back through the letterbox afterwards").
 *
 * Border value: MediaPipe's face_detection.pbtxt runs ImageToTensorCalculator with keep_aspect_ratio: true,
 * output_tensor_float_range [-1, 1] and border_mode: BORDER_ZERO. Both of its converters fill the border
 * with colour 0 *before* the value-range transform: the OpenCV one warps the uint8 image with
 * cv::BORDER_CONSTANT (0) and only then calls convertTo(scale, offset); the GL one samples with
 * GL_CLAMP_TO_BORDER (border colour 0) and then computes alpha * color + beta
 * (https://github.com/google-ai-edge/mediapipe/blob/master/mediapipe/calculators/tensor/image_to_tensor_converter_opencv.cc,
 * .../image_to_tensor_converter_gl_texture.cc). So the border is black: -1 after [-1, 1] scaling, not 0
 * (mid-grey). Here the same falls out of the resampler: pixels outside the image read 0 before
 * normalisation.
 *
 * Offsets are fractional (MediaPipe pads the ROI to the tensor's aspect ratio, it does not round), and pixel
 * centres are sampled (half_pixel, as the GL converter's texture sampling does).
 */
import type { Preprocessing } from './manifest.ts';
import {
  type CoordinateTransform,
  type ResizeMode,
  type SampleGrid,
  type TensorTarget,
  resampleToTensor,
} from './resize.ts';
import type { NormDetection, NormPoint, PxBox, PxDetection, PxPoint, RgbaImage } from './types.ts';

/** Where a source region lands in a model input of width x height tensor pixels. */
export interface Letterbox {
  /** Source region that is letterboxed, in source pixels (may extend beyond the image: zero-filled). */
  region: PxBox;
  /** Tensor pixels per source pixel (same on both axes). */
  scale: number;
  /** Left and top border, in tensor pixels (fractional). */
  offsetX: number;
  offsetY: number;
  width: number;
  height: number;
}

/** The letterbox of `region` into a width x height tensor. */
export function computeLetterbox(region: PxBox, width: number, height: number): Letterbox {
  if (!(region.width > 0) || !(region.height > 0)) {
    throw new Error(
      `computeLetterbox: expected a region with positive size, got ${region.width}x${region.height}`,
    );
  }
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`computeLetterbox: expected a positive integer tensor size, got ${width}x${height}`);
  }
  const scale = Math.min(width / region.width, height / region.height);
  return {
    region: { ...region },
    scale,
    offsetX: (width - region.width * scale) / 2,
    offsetY: (height - region.height * scale) / 2,
    width,
    height,
  };
}

/** Sampling grid of a letterbox: tensor pixel u sees source x = region.x + (u - offsetX) / scale. */
export function letterboxGrid(lb: Letterbox, mode: ResizeMode, transform: CoordinateTransform): SampleGrid {
  const step = 1 / lb.scale;
  return {
    originX: lb.region.x - lb.offsetX * step,
    originY: lb.region.y - lb.offsetY * step,
    uStepX: step,
    uStepY: 0,
    vStepX: 0,
    vStepY: step,
    transform,
    mode,
  };
}

/** Writes the letterboxed region of `image` into target (zero border, no clamp: MediaPipe BORDER_ZERO). */
export function letterboxToTensor(
  image: RgbaImage,
  lb: Letterbox,
  target: TensorTarget,
  sampling: Pick<Preprocessing, 'resize' | 'coordinateTransform'>,
): void {
  if (target.width !== lb.width || target.height !== lb.height) {
    throw new Error(
      `letterboxToTensor: letterbox is ${lb.width}x${lb.height} but the tensor is ${target.width}x${target.height}`,
    );
  }
  resampleToTensor(
    image,
    letterboxGrid(lb, sampling.resize, sampling.coordinateTransform ?? 'half_pixel'),
    target,
  );
}

/** A point in letterboxed-tensor space (0..1 of the tensor) -> source pixels. */
export function letterboxPointToSource(p: NormPoint, lb: Letterbox): PxPoint {
  return {
    x: lb.region.x + (p.x * lb.width - lb.offsetX) / lb.scale,
    y: lb.region.y + (p.y * lb.height - lb.offsetY) / lb.scale,
  };
}

/** A detection in letterboxed-tensor space -> source pixels (box and keypoints). */
export function letterboxDetectionToSource(det: NormDetection, lb: Letterbox): PxDetection {
  const topLeft = letterboxPointToSource({ x: det.box.xMin, y: det.box.yMin }, lb);
  return {
    box: {
      x: topLeft.x,
      y: topLeft.y,
      width: (det.box.width * lb.width) / lb.scale,
      height: (det.box.height * lb.height) / lb.scale,
    },
    score: det.score,
    keypoints: det.keypoints.map((k) => letterboxPointToSource(k, lb)),
  };
}

/** Source pixels -> letterboxed-tensor space (0..1 of the tensor); the forward map, for tests and fakes. */
export function sourcePointToLetterbox(p: PxPoint, lb: Letterbox): NormPoint {
  return {
    x: ((p.x - lb.region.x) * lb.scale + lb.offsetX) / lb.width,
    y: ((p.y - lb.region.y) * lb.scale + lb.offsetY) / lb.height,
  };
}
