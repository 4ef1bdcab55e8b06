/**
 * Boundary check for the one image type the pipeline accepts (../shared/STYLE.md: "Validate at the
 * boundaries"): a wrong size or stride silently shifts every pixel, so it must fail loudly instead.
 */
import type { RgbaImage } from './types.ts';

export function assertRgbaImage(image: RgbaImage, what = 'image'): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(
      `${what}: expected positive integer width and height, got ${width}x${height} (empty image?)`,
    );
  }
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray)) {
    throw new Error(`${what}: expected data to be a Uint8Array or Uint8ClampedArray of RGBA bytes`);
  }
  const expected = width * height * 4;
  if (data.length !== expected) {
    throw new Error(
      `${what}: expected ${expected} bytes of RGBA data for ${width}x${height} (4 per pixel), got ${data.length}`,
    );
  }
}
