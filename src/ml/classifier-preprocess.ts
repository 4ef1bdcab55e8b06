/**
 * Manifest-driven classifier input: a source rect of whole pixels -> the model's input tensor, reproducing
 * each model's own preprocessing (../shared/MODELS.md sections 2 and 3):
 * - 'stretch': the rect is resized to the input ignoring aspect; neighbours clamp to the rect's edge, as
 *   tf.image.resizeBilinear clamps to its input (mini-Xception via human; EMO-AffectNet via Pillow NEAREST).
 * - 'pad-center': face-api's padToSquare(x, isCenterImage=true): zeros appended after the short side get
 *   round(diff / 2) pixels and zeros before it the rest, then resizeBilinear of the padded square
 *   (@vladmandic/face-api src/ops/padToSquare.ts, src/dom/NetInput.ts toBatchTensor). Zeros are raw 0 (black),
 *   normalised afterwards like every other pixel.
 * - 'letterbox': uniform scale, centred, fractional offsets, zero border (as the detector; see letterbox.ts).
 * The pixel-centre convention comes from preprocessing.coordinateTransform (manifest.ts).
 * Only the rect's pixels are read (pixels outside it, or outside the image, read 0), so a rect of a frame
 * gives exactly what the same pixels cut out as an image give. Writes into the caller's preallocated tensor.
 */
import { computeLetterbox, letterboxGrid } from './letterbox.ts';
import type { Layout, ModelEntry } from './manifest.ts';
import {
  type PixelRect,
  type SampleGrid,
  assertPixelNormalization,
  channelCount,
  rectGrid,
  resampleToTensor,
} from './resize.ts';
import type { PxBox, RgbaImage } from './types.ts';

/** What preprocessing needs of a manifest entry. */
export type PreprocessSpec = Pick<ModelEntry, 'id' | 'input' | 'preprocessing'>;

/** Throws unless the entry's input and preprocessing are consistent (call once per model). */
export function assertPreprocessSpec(spec: PreprocessSpec): void {
  const where = `model '${spec.id}'`;
  const { input, preprocessing: p } = spec;
  assertPixelNormalization(p, where);
  if (!['stretch', 'pad-center', 'letterbox'].includes(p.fit)) {
    throw new Error(
      `${where}: preprocessing.fit must be 'stretch', 'pad-center' or 'letterbox', got '${p.fit}'`,
    );
  }
  if (p.resize !== 'bilinear' && p.resize !== 'nearest') {
    throw new Error(
      `${where}: preprocessing.resize must be 'bilinear' or 'nearest', got '${String(p.resize)}'`,
    );
  }
  if (p.antialias !== undefined && (typeof p.antialias !== 'boolean' || p.resize !== 'bilinear')) {
    throw new Error(
      `${where}: preprocessing.antialias must be true or false, and only with resize 'bilinear' (got ${String(p.antialias)} with '${p.resize}')`,
    );
  }
  const ct = p.coordinateTransform;
  if (ct !== undefined && ct !== 'half_pixel' && ct !== 'asymmetric') {
    throw new Error(
      `${where}: preprocessing.coordinateTransform must be 'half_pixel' or 'asymmetric', got '${String(ct)}'`,
    );
  }
  const channels = channelCount(p.color);
  if (input.channels !== channels) {
    throw new Error(`${where}: input.channels is ${input.channels} but color '${p.color}' gives ${channels}`);
  }
  if (
    !Number.isInteger(input.width) ||
    !Number.isInteger(input.height) ||
    input.width <= 0 ||
    input.height <= 0
  ) {
    throw new Error(
      `${where}: input width/height must be positive integers, got ${input.width}x${input.height}`,
    );
  }
  const expected = expectedShape(input.layout, input.width, input.height, channels);
  if (input.shape.length !== 4 || input.shape.some((d, i) => d !== expected[i])) {
    throw new Error(
      `${where}: input.shape [${input.shape.join(', ')}] does not match layout ${input.layout} ${input.width}x${input.height}x${channels}; expected [${expected.join(', ')}]`,
    );
  }
}

function expectedShape(layout: Layout, width: number, height: number, channels: number): number[] {
  if (layout === 'NHWC') return [1, height, width, channels];
  if (layout === 'NCHW') return [1, channels, height, width];
  throw new Error(`input.layout must be 'NHWC' or 'NCHW', got '${String(layout)}'`);
}

/** A preallocated input buffer for the model (allocate once, reuse per call). */
export function allocateInput(spec: PreprocessSpec): Float32Array {
  return new Float32Array(spec.input.width * spec.input.height * spec.input.channels);
}

/** The sampling grid for `rect` under the spec's fit (exported for crop.ts and tests). */
export function fitGrid(rect: PxBox, spec: PreprocessSpec): SampleGrid {
  const grid = fitGridOf(rect, spec);
  if (spec.preprocessing.antialias === true) grid.antialias = true;
  return grid;
}

function fitGridOf(rect: PxBox, spec: PreprocessSpec): SampleGrid {
  const { width: outW, height: outH } = spec.input;
  const { fit, resize } = spec.preprocessing;
  const transform = spec.preprocessing.coordinateTransform ?? 'half_pixel';
  // Nothing outside the rect is read: the rect is the model's whole input image.
  const inside: PixelRect = {
    x0: rect.x,
    y0: rect.y,
    x1: rect.x + rect.width - 1,
    y1: rect.y + rect.height - 1,
  };
  if (fit === 'letterbox') {
    return { ...letterboxGrid(computeLetterbox(rect, outW, outH), resize, transform), window: inside };
  }
  if (fit === 'stretch') return rectGrid(rect, outW, outH, resize, transform, inside, inside);
  // pad-center: face-api's integer padding, the extra pixel of an odd difference going after.
  const side = Math.max(rect.width, rect.height);
  const diff = side - Math.min(rect.width, rect.height);
  const after = Math.round(diff * 0.5);
  const before = diff - after;
  const square =
    rect.width < rect.height
      ? { x: rect.x - before, y: rect.y, width: side, height: side }
      : { x: rect.x, y: rect.y - before, width: side, height: side };
  const canvas: PixelRect = {
    x0: square.x,
    y0: square.y,
    x1: square.x + side - 1,
    y1: square.y + side - 1,
  };
  return rectGrid(square, outW, outH, resize, transform, canvas, inside);
}

function assertWholePixelRect(rect: PxBox, where: string): void {
  const ok =
    Number.isInteger(rect.x) &&
    Number.isInteger(rect.y) &&
    Number.isInteger(rect.width) &&
    Number.isInteger(rect.height) &&
    rect.width > 0 &&
    rect.height > 0;
  if (!ok) {
    throw new Error(
      `${where}: expected a rect of whole pixels with positive size, got x=${rect.x} y=${rect.y} ${rect.width}x${rect.height}`,
    );
  }
}

/** Preprocesses the source rect (whole pixels) of `image` into `out`. */
export function preprocessRect(image: RgbaImage, rect: PxBox, spec: PreprocessSpec, out: Float32Array): void {
  assertWholePixelRect(rect, `preprocess for '${spec.id}'`);
  resampleToTensor(image, fitGrid(rect, spec), {
    data: out,
    width: spec.input.width,
    height: spec.input.height,
    layout: spec.input.layout,
    pixels: spec.preprocessing,
  });
}

/** The whole image is the face (eval's crop mode): preprocess all of it. */
export function preprocessImage(image: RgbaImage, spec: PreprocessSpec, out: Float32Array): void {
  preprocessRect(image, { x: 0, y: 0, width: image.width, height: image.height }, spec, out);
}
