/**
 * SSD anchors as MediaPipe's SsdAnchorsCalculator builds them for BlazeFace (fixed_anchor_size: true, so
 * every anchor is 1x1 and only its centre matters). ../shared/MODELS.md section 1: "strides 8,16,16,16
 * with equal consecutive strides merged: a 16x16 grid with 2 anchors per cell (512) and an 8x8 grid with 6
 * per cell (384). Centre ((x+0.5)/W, (y+0.5)/H), row-major".
 * Calculator: https://github.com/google-ai-edge/mediapipe/blob/master/mediapipe/calculators/tflite/ssd_anchors_calculator.cc
 * Options: mediapipe/modules/face_detection/face_detection_short_range.pbtxt (4 layers, strides 8,16,16,16,
 * interpolated_scale_aspect_ratio 1.0 -> 2 anchors per layer) and face_detection_full_range.pbtxt
 * (1 layer, stride 4, interpolated_scale_aspect_ratio 0 -> 1 anchor per layer).
 */

export interface AnchorSpec {
  /** Square model input size in pixels (128 short-range, 192 full-range). */
  inputSize: number;
  /** One stride per layer; consecutive equal strides share one feature map. */
  strides: readonly number[];
  /** Anchor centre offset within a cell (MediaPipe anchor_offset_x/y: 0.5). */
  anchorOffset: number;
  /** Anchors per cell contributed by each layer (2 short-range: aspect 1 + interpolated scale; 1 full-range). */
  anchorsPerLayer: number;
}

function assertSpecShape(spec: Omit<AnchorSpec, 'anchorsPerLayer'>): void {
  if (!Number.isInteger(spec.inputSize) || spec.inputSize <= 0) {
    throw new Error(`anchors: inputSize must be a positive integer, got ${spec.inputSize}`);
  }
  if (spec.strides.length === 0 || !spec.strides.every((s) => Number.isInteger(s) && s > 0)) {
    throw new Error(
      `anchors: strides must be a non-empty list of positive integers, got [${spec.strides.join(', ')}]`,
    );
  }
  if (!Number.isFinite(spec.anchorOffset)) {
    throw new Error(`anchors: anchorOffset must be a finite number, got ${spec.anchorOffset}`);
  }
}

/** Feature maps after merging equal consecutive strides: side length and number of layers merged. */
function featureMaps(spec: Omit<AnchorSpec, 'anchorsPerLayer'>): { side: number; layers: number }[] {
  const maps: { side: number; layers: number }[] = [];
  let layer = 0;
  while (layer < spec.strides.length) {
    const stride = spec.strides[layer] ?? 1;
    let last = layer;
    while (last < spec.strides.length && spec.strides[last] === stride) last++;
    // MediaPipe: feature_map_height = ceil(input_size_height / stride).
    maps.push({ side: Math.ceil(spec.inputSize / stride), layers: last - layer });
    layer = last;
  }
  return maps;
}

/** Number of anchors the spec yields. */
export function countAnchors(spec: AnchorSpec): number {
  return featureMaps(spec).reduce((n, m) => n + m.side * m.side * m.layers * spec.anchorsPerLayer, 0);
}

/**
 * The manifest gives the total anchor count, not anchors per layer; it is the one integer that makes the
 * layout add up (896 / 448 cells*layers = 2 for short-range, 2304 / 2304 = 1 for full-range).
 */
export function deriveAnchorsPerLayer(spec: Omit<AnchorSpec, 'anchorsPerLayer'>, numAnchors: number): number {
  assertSpecShape(spec);
  const slots = featureMaps(spec).reduce((n, m) => n + m.side * m.side * m.layers, 0);
  const perLayer = numAnchors / slots;
  if (!Number.isInteger(perLayer) || perLayer <= 0) {
    throw new Error(
      `anchors: numAnchors ${numAnchors} is not a whole multiple of the ${slots} cell-layers that strides [${spec.strides.join(', ')}] give at ${spec.inputSize} px`,
    );
  }
  return perLayer;
}

/**
 * Anchor centres, normalised to the input, interleaved [cx0, cy0, cx1, cy1, ...] in the order the model's
 * outputs use (feature map by feature map, then row-major y, x, then anchor within the cell).
 */
export function generateAnchors(spec: AnchorSpec): Float64Array {
  assertSpecShape(spec);
  if (!Number.isInteger(spec.anchorsPerLayer) || spec.anchorsPerLayer <= 0) {
    throw new Error(`anchors: anchorsPerLayer must be a positive integer, got ${spec.anchorsPerLayer}`);
  }
  const centres = new Float64Array(countAnchors(spec) * 2);
  let i = 0;
  for (const { side, layers } of featureMaps(spec)) {
    const perCell = layers * spec.anchorsPerLayer;
    for (let y = 0; y < side; y++) {
      const cy = (y + spec.anchorOffset) / side;
      for (let x = 0; x < side; x++) {
        const cx = (x + spec.anchorOffset) / side;
        for (let a = 0; a < perCell; a++) {
          centres[i++] = cx;
          centres[i++] = cy;
        }
      }
    }
  }
  return centres;
}
