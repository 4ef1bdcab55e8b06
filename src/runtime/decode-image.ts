/**
 * Encoded image bytes -> RGBA pixels, in the engine host (which has no page to draw in). Large images are
 * scaled down to `maxSide` first: the detector sees 128 or 192 pixels anyway, and a 24-megapixel photo would
 * cost ~100 MB of RGBA. The caller maps boxes back with `scale`.
 */
import type { RgbaImage } from '../ml/types.ts';

export interface DecodedImage {
  image: RgbaImage;
  naturalWidth: number;
  naturalHeight: number;
  /** image pixels per natural pixel (<= 1). */
  scale: number;
}

export const DEFAULT_MAX_IMAGE_SIDE = 2048;
/** As the CLI's limit (src/cli/image-io.ts): larger images are refused, not scaled. */
export const MAX_IMAGE_PIXELS = 100e6;

export async function decodeImage(
  bytes: ArrayBuffer,
  type: string,
  maxSide = DEFAULT_MAX_IMAGE_SIDE,
): Promise<DecodedImage> {
  let bitmap: ImageBitmap;
  try {
    // EXIF orientation is applied, as <img> does by default (image-orientation: from-image).
    bitmap = await createImageBitmap(new Blob([bytes], { type }), { imageOrientation: 'from-image' });
  } catch (error) {
    throw new Error(
      `The image (${type || 'unknown type'}, ${bytes.byteLength} bytes) could not be decoded: ${String(error)}`,
    );
  }
  try {
    const naturalWidth = bitmap.width;
    const naturalHeight = bitmap.height;
    if (naturalWidth === 0 || naturalHeight === 0)
      throw new Error('The image has no pixels (0 width or height).');
    if (naturalWidth * naturalHeight > MAX_IMAGE_PIXELS)
      throw new Error(
        `The image is ${naturalWidth}x${naturalHeight} (${((naturalWidth * naturalHeight) / 1e6).toFixed(0)} megapixels); images up to ${MAX_IMAGE_PIXELS / 1e6} megapixels are analysed.`,
      );
    const scale = Math.min(1, maxSide / Math.max(naturalWidth, naturalHeight));
    const width = Math.max(1, Math.round(naturalWidth * scale));
    const height = Math.max(1, Math.round(naturalHeight * scale));
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('No 2D context for decoding images.');
    ctx.drawImage(bitmap, 0, 0, width, height);
    const { data } = ctx.getImageData(0, 0, width, height);
    return { image: { width, height, data }, naturalWidth, naturalHeight, scale };
  } finally {
    bitmap.close();
  }
}

/**
 * Decodes encoded video frames (JPEG from the content script) with one canvas reused across frames.
 * createImageBitmap decodes off the main thread; drawing and reading back are synchronous, so concurrent
 * calls cannot interleave on the shared canvas.
 */
export function createFrameDecoder(type = 'image/jpeg'): (bytes: ArrayBuffer) => Promise<RgbaImage> {
  let canvas: OffscreenCanvas | null = null;
  let context: OffscreenCanvasRenderingContext2D | null = null;
  return async (bytes) => {
    const bitmap = await createImageBitmap(new Blob([bytes], { type }));
    try {
      const { width, height } = bitmap;
      if (!canvas || !context || canvas.width !== width || canvas.height !== height) {
        canvas = new OffscreenCanvas(width, height);
        context = canvas.getContext('2d', { willReadFrequently: true });
        if (!context) throw new Error('No 2D context for decoding frames.');
      }
      context.drawImage(bitmap, 0, 0);
      return { width, height, data: context.getImageData(0, 0, width, height).data };
    } finally {
      bitmap.close();
    }
  };
}
