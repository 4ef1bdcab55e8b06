/**
 * Core value types of the pure pipeline. Coordinate spaces live in the names:
 * `Norm*` is 0..1 relative to an image's width/height, `Px*` is pixels of the source image.
 */

/** An RGBA image, row-major, 4 bytes per pixel (the layout of the DOM's ImageData). */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

export interface NormPoint {
  x: number;
  y: number;
}
export interface PxPoint {
  x: number;
  y: number;
}

/** Axis-aligned box, 0..1 relative to the image it was detected in. */
export interface NormBox {
  xMin: number;
  yMin: number;
  width: number;
  height: number;
}

/** Axis-aligned box in source-image pixels. */
export interface PxBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One detector output after decoding (and NMS): box and the 6 BlazeFace keypoints, normalised. */
export interface NormDetection {
  box: NormBox;
  score: number;
  /** 0 right eye, 1 left eye, 2 nose tip, 3 mouth centre, 4 right ear tragion, 5 left ear tragion (subject's view). */
  keypoints: NormPoint[];
}

/** One detector output mapped back to source pixels. */
export interface PxDetection {
  box: PxBox;
  score: number;
  keypoints: PxPoint[];
}
