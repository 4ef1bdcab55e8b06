/**
 * The one resampler of the pipeline: reads an RgbaImage through a sampling grid and writes normalised
 * values straight into a preallocated model input tensor, in one pass (../shared/STYLE.md: hot paths
 * copy pixels at most once). letterbox.ts, classifier-preprocess.ts and crop.ts only build grids.
 *
 * Conventions (../shared/MODELS.md gives each model's preprocessing):
 * - Positions are in source pixels; pixel i covers [i, i+1).
 * - 'half_pixel': output pixel u samples the source at its centre, origin + (u + 0.5) * step
 *   (MediaPipe ImageToTensorCalculator, Pillow, OpenCV INTER_LINEAR).
 * - 'asymmetric': output pixel u samples source index origin + u * step, as
 *   tf.image.resizeBilinear(x, size, alignCorners=false) does in face-api and human (tfjs-backend-cpu
 *   ResizeBilinear: sourceFrac = ratio * r, lerp TL->TR by colFrac, then top->bottom by rowFrac).
 * - Bilinear interpolates at index position (pos - phase); nearest takes floor(pos) (Pillow's NEAREST for
 *   half_pixel, tf's resizeNearestNeighbor / OpenCV INTER_NEAREST for asymmetric).
 * - Neighbours are clamped into `clamp` when given (tf clamps to its input tensor, i.e. replicate); any
 *   pixel outside the image (and outside `window`, when given) then reads 0 (MediaPipe BORDER_ZERO,
 *   face-api's zero padding).
 * - Values are normalised as manifest.ts documents: (v * scale - mean[c]) / std[c], channels in `color`
 *   order; 'gray' is grayWeights · (R, G, B) on 0..255 values. Alpha is ignored.
 * - Antialiased bilinear (grid.antialias) averages n x n bilinear taps spread evenly over the output pixel's
 *   footprint, n = ceil(step / 2) (each tap already averages the 2x2 pixels around it, so taps 2 px apart cover
 *   the footprint: the exact box mean where they land between pixels), at most MAX_ANTIALIAS_TAPS. A step of 2
 *   or less gives n = 1, plain bilinear.
 * Why one file of ~330 lines: the hot loops (nearest, bilinear, antialiased bilinear) are written out per
 * case for speed and share one set of conventions, stated once above them.
 */
import type { Layout, Preprocessing } from './manifest.ts';
import type { PxBox, RgbaImage } from './types.ts';

export type CoordinateTransform = NonNullable<Preprocessing['coordinateTransform']>;
export type ResizeMode = Preprocessing['resize'];

/** Inclusive rectangle of integer source pixel indices; may extend beyond the image. */
export interface PixelRect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Output pixel (u, v) samples the source at
 *   pos = origin + (u + phase) * uStep + (v + phase) * vStep,   phase = 0.5 (half_pixel) or 0 (asymmetric).
 * uStep/vStep are source-pixel vectors per output column/row; a rotation makes them non-axis-aligned.
 */
export interface SampleGrid {
  originX: number;
  originY: number;
  uStepX: number;
  uStepY: number;
  vStepX: number;
  vStepY: number;
  transform: CoordinateTransform;
  mode: ResizeMode;
  /** Neighbour indices are clamped into this rect (replicate); absent: no clamp (zero border). */
  clamp?: PixelRect;
  /**
   * Pixels outside this rect read 0, as if it were the image's edge: cropping a frame through a window
   * gives exactly what the same pixels cut out as their own image give. Absent: the image's bounds.
   */
  window?: PixelRect;
  /** Bilinear only: average each output pixel's footprint when the step exceeds 2 (Preprocessing.antialias). */
  antialias?: boolean;
}

/** Taps per axis of the antialiased resize, at most: a 32x downscale (a 1536 px face into 48 px) still averages fully. */
export const MAX_ANTIALIAS_TAPS = 16;

/** Taps per axis for a grid: 1 unless it is an antialiased bilinear grid that shrinks the picture. */
export function antialiasTaps(grid: SampleGrid): number {
  if (!grid.antialias || grid.mode !== 'bilinear') return 1;
  const step = Math.max(Math.hypot(grid.uStepX, grid.uStepY), Math.hypot(grid.vStepX, grid.vStepY));
  return Math.min(MAX_ANTIALIAS_TAPS, Math.max(1, Math.ceil(step / 2 - 1e-9)));
}

/** The antialiased taps' running sum, r g b: one buffer for every call (resampling is synchronous). */
const TAP_SUM = new Float64Array(3);

export type PixelNormalization = Pick<Preprocessing, 'color' | 'grayWeights' | 'scale' | 'mean' | 'std'>;

/** A preallocated model input: batch 1, `layout`, channels from `pixels.color`. */
export interface TensorTarget {
  data: Float32Array;
  width: number;
  height: number;
  layout: Layout;
  pixels: PixelNormalization;
}

export function channelCount(color: Preprocessing['color']): 1 | 3 {
  return color === 'gray' ? 1 : 3;
}

/** Throws unless the normalisation constants are complete and usable (checked once per model). */
export function assertPixelNormalization(pixels: PixelNormalization, where: string): void {
  const channels = channelCount(pixels.color);
  if (pixels.color !== 'rgb' && pixels.color !== 'bgr' && pixels.color !== 'gray') {
    throw new Error(
      `${where}: preprocessing.color must be 'rgb', 'bgr' or 'gray', got '${String(pixels.color)}'`,
    );
  }
  if (pixels.color === 'gray') {
    const w = pixels.grayWeights;
    if (!w || w.length !== 3 || !w.every(Number.isFinite)) {
      throw new Error(`${where}: color 'gray' needs grayWeights [r, g, b] (e.g. [0.2989, 0.587, 0.114])`);
    }
  }
  if (!Number.isFinite(pixels.scale)) {
    throw new Error(`${where}: preprocessing.scale must be a finite number, got ${pixels.scale}`);
  }
  if (pixels.mean.length !== channels || !pixels.mean.every(Number.isFinite)) {
    throw new Error(
      `${where}: preprocessing.mean must hold ${channels} finite value(s) for color '${pixels.color}', got [${pixels.mean.join(', ')}]`,
    );
  }
  if (pixels.std.length !== channels || !pixels.std.every((s) => Number.isFinite(s) && s !== 0)) {
    throw new Error(
      `${where}: preprocessing.std must hold ${channels} finite non-zero value(s) for color '${pixels.color}', got [${pixels.std.join(', ')}]`,
    );
  }
}

/** Fills target.data from the image through the grid. Allocates nothing per pixel. */
export function resampleToTensor(image: RgbaImage, grid: SampleGrid, target: TensorTarget): void {
  const { width: outW, height: outH, data: out, layout, pixels } = target;
  const channels = channelCount(pixels.color);
  if (!Number.isInteger(outW) || !Number.isInteger(outH) || outW <= 0 || outH <= 0) {
    throw new Error(`resampleToTensor: expected a positive integer tensor size, got ${outW}x${outH}`);
  }
  if (out.length !== outW * outH * channels) {
    throw new Error(
      `resampleToTensor: tensor buffer holds ${out.length} floats, expected ${outW}x${outH}x${channels} = ${outW * outH * channels}`,
    );
  }
  const src = image.data;
  const W = image.width;
  const H = image.height;
  const phase = grid.transform === 'half_pixel' ? 0.5 : 0;
  const bilinear = grid.mode === 'bilinear';
  const clamp = grid.clamp;
  const cx0 = clamp ? clamp.x0 : -Infinity;
  const cy0 = clamp ? clamp.y0 : -Infinity;
  const cx1 = clamp ? clamp.x1 : Infinity;
  const cy1 = clamp ? clamp.y1 : Infinity;
  // Readable pixels: the image, cut down to the window.
  const win = grid.window;
  const bx0 = win ? Math.max(0, win.x0) : 0;
  const by0 = win ? Math.max(0, win.y0) : 0;
  const bx1 = win ? Math.min(W - 1, win.x1) : W - 1;
  const by1 = win ? Math.min(H - 1, win.y1) : H - 1;

  const gray = pixels.color === 'gray';
  const [wr, wg, wb] = pixels.grayWeights ?? [0, 0, 0];
  const bgr = pixels.color === 'bgr';
  const scale = pixels.scale;
  const m0 = pixels.mean[0] ?? 0;
  const m1 = pixels.mean[1] ?? 0;
  const m2 = pixels.mean[2] ?? 0;
  const s0 = pixels.std[0] ?? 1;
  const s1 = pixels.std[1] ?? 1;
  const s2 = pixels.std[2] ?? 1;
  const plane = outW * outH;
  const nchw = layout === 'NCHW';

  const offsetOf = (ix: number, iy: number): number => {
    const x = ix < cx0 ? cx0 : ix > cx1 ? cx1 : ix;
    const y = iy < cy0 ? cy0 : iy > cy1 ? cy1 : iy;
    return x >= bx0 && x <= bx1 && y >= by0 && y <= by1 ? (y * W + x) * 4 : -1;
  };

  // Pillow's NEAREST (EMO-AffectNet's recipe, ../shared/MODELS.md section 2) does not compute
  // floor((u + 0.5) * step): ImagingScaleAffine (libImaging/Geometry.c) accumulates xo = 0.5 * step;
  // index = (int) xo; xo += step in doubles, which falls just short where the exact position is an integer
  // (crops whose side is a multiple of 64 at 224). Checked against Pillow 9.4 on both axes. Axis-aligned
  // half_pixel grids reproduce it exactly, relative to the crop origin (the authors crop, then resize).
  const pillowNearest =
    !bilinear && grid.transform === 'half_pixel' && grid.uStepY === 0 && grid.vStepX === 0;
  const colIndex = pillowNearest ? accumulatedIndices(grid.originX, grid.uStepX, outW) : undefined;
  const rowIndex = pillowNearest ? accumulatedIndices(grid.originY, grid.vStepY, outH) : undefined;

  // Antialiased taps only: bilinear at source position (px, py), weighted, added into the scratch `rgb`.
  // Plain bilinear stays inline below: this is every frame's detector input, and a call per pixel cost
  // 1.75x there (192x192 from 640x360: 2.1 ms against 1.2 ms).
  const rgb = TAP_SUM;
  const addBilinear = (px: number, py: number, weight: number): void => {
    const fx = px - phase;
    const fy = py - phase;
    const x0 = Math.floor(fx);
    const y0 = Math.floor(fy);
    const ax = fx - x0;
    const ay = fy - y0;
    const o00 = offsetOf(x0, y0);
    const o01 = offsetOf(x0 + 1, y0);
    const o10 = offsetOf(x0, y0 + 1);
    const o11 = offsetOf(x0 + 1, y0 + 1);
    for (let c = 0; c < 3; c++) {
      // tf's order: lerp left->right on both rows, then top->bottom.
      const tl = o00 >= 0 ? (src[o00 + c] ?? 0) : 0;
      const tr = o01 >= 0 ? (src[o01 + c] ?? 0) : 0;
      const bl = o10 >= 0 ? (src[o10 + c] ?? 0) : 0;
      const br = o11 >= 0 ? (src[o11 + c] ?? 0) : 0;
      const top = tl + (tr - tl) * ax;
      rgb[c] = (rgb[c] ?? 0) + (top + (bl + (br - bl) * ax - top) * ay) * weight;
    }
  };
  const taps = bilinear ? antialiasTaps(grid) : 1;
  const tapWeight = 1 / (taps * taps);

  for (let v = 0; v < outH; v++) {
    const rowX = grid.originX + (v + phase) * grid.vStepX;
    const rowY = grid.originY + (v + phase) * grid.vStepY;
    for (let u = 0; u < outW; u++) {
      const px = rowX + (u + phase) * grid.uStepX;
      const py = rowY + (u + phase) * grid.uStepY;
      let r: number;
      let g: number;
      let b: number;
      if (bilinear && taps > 1) {
        rgb.fill(0);
        // Taps at the centres of a taps x taps split of the pixel's footprint, centred on (px, py).
        for (let j = 0; j < taps; j++) {
          const dv = (j + 0.5) / taps - 0.5;
          for (let i = 0; i < taps; i++) {
            const du = (i + 0.5) / taps - 0.5;
            addBilinear(
              px + du * grid.uStepX + dv * grid.vStepX,
              py + du * grid.uStepY + dv * grid.vStepY,
              tapWeight,
            );
          }
        }
        r = rgb[0] ?? 0;
        g = rgb[1] ?? 0;
        b = rgb[2] ?? 0;
      } else if (bilinear) {
        const fx = px - phase;
        const fy = py - phase;
        const x0 = Math.floor(fx);
        const y0 = Math.floor(fy);
        const ax = fx - x0;
        const ay = fy - y0;
        const o00 = offsetOf(x0, y0);
        const o01 = offsetOf(x0 + 1, y0);
        const o10 = offsetOf(x0, y0 + 1);
        const o11 = offsetOf(x0 + 1, y0 + 1);
        // tf's order: lerp left->right on both rows, then top->bottom.
        let tl = o00 >= 0 ? (src[o00] ?? 0) : 0;
        let tr = o01 >= 0 ? (src[o01] ?? 0) : 0;
        let bl = o10 >= 0 ? (src[o10] ?? 0) : 0;
        let br = o11 >= 0 ? (src[o11] ?? 0) : 0;
        let top = tl + (tr - tl) * ax;
        r = top + (bl + (br - bl) * ax - top) * ay;
        tl = o00 >= 0 ? (src[o00 + 1] ?? 0) : 0;
        tr = o01 >= 0 ? (src[o01 + 1] ?? 0) : 0;
        bl = o10 >= 0 ? (src[o10 + 1] ?? 0) : 0;
        br = o11 >= 0 ? (src[o11 + 1] ?? 0) : 0;
        top = tl + (tr - tl) * ax;
        g = top + (bl + (br - bl) * ax - top) * ay;
        tl = o00 >= 0 ? (src[o00 + 2] ?? 0) : 0;
        tr = o01 >= 0 ? (src[o01 + 2] ?? 0) : 0;
        bl = o10 >= 0 ? (src[o10 + 2] ?? 0) : 0;
        br = o11 >= 0 ? (src[o11 + 2] ?? 0) : 0;
        top = tl + (tr - tl) * ax;
        b = top + (bl + (br - bl) * ax - top) * ay;
      } else {
        const o =
          colIndex && rowIndex
            ? offsetOf(colIndex[u] ?? -1, rowIndex[v] ?? -1)
            : offsetOf(Math.floor(px), Math.floor(py));
        r = o >= 0 ? (src[o] ?? 0) : 0;
        g = o >= 0 ? (src[o + 1] ?? 0) : 0;
        b = o >= 0 ? (src[o + 2] ?? 0) : 0;
      }

      const pixel = v * outW + u;
      if (gray) {
        out[pixel] = ((wr * r + wg * g + wb * b) * scale - m0) / s0;
      } else {
        const first = bgr ? b : r;
        const last = bgr ? r : b;
        const c0 = (first * scale - m0) / s0;
        const c1 = (g * scale - m1) / s1;
        const c2 = (last * scale - m2) / s2;
        if (nchw) {
          out[pixel] = c0;
          out[plane + pixel] = c1;
          out[2 * plane + pixel] = c2;
        } else {
          const i = pixel * 3;
          out[i] = c0;
          out[i + 1] = c1;
          out[i + 2] = c2;
        }
      }
    }
  }
}

/**
 * Axis-aligned grid sampling the source rect (x, y, width, height) onto outW x outH
 * (origin at the rect's top-left corner, step = size / out size).
 */
export function rectGrid(
  rect: PxBox,
  outW: number,
  outH: number,
  mode: ResizeMode,
  transform: CoordinateTransform,
  clamp?: PixelRect,
  window?: PixelRect,
): SampleGrid {
  const grid: SampleGrid = {
    originX: rect.x,
    originY: rect.y,
    uStepX: rect.width / outW,
    uStepY: 0,
    vStepX: 0,
    vStepY: rect.height / outH,
    transform,
    mode,
  };
  if (clamp) grid.clamp = clamp;
  if (window) grid.window = window;
  return grid;
}

/** Source indices of Pillow's NEAREST along one axis: origin + (int) of a running sum (see resampleToTensor). */
function accumulatedIndices(origin: number, step: number, count: number): Int32Array {
  const out = new Int32Array(count);
  let pos = 0.5 * step;
  for (let i = 0; i < count; i++) {
    out[i] = Math.floor(origin) + (pos < 0 ? -1 : Math.trunc(pos));
    pos += step;
  }
  return out;
}
