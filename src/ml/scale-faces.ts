/**
 * Faces found in a scaled copy of an image, mapped to the image's own pixels (a downscaled still, a video
 * frame sent at the size the engine asked for). Horizontal and vertical factors may differ slightly: a
 * scaled copy's sides are rounded separately.
 */
import type { Face } from './engine-api.ts';

/** `faces` with boxes and keypoints multiplied by (scaleX, scaleY); the same array when both are 1. */
export function scaleFaces<F extends Pick<Face, 'box' | 'keypoints'>>(
  faces: F[],
  scaleX: number,
  scaleY = scaleX,
): F[] {
  if (!(scaleX > 0 && scaleY > 0))
    throw new Error(`scale factors must be positive, got ${scaleX}, ${scaleY}`);
  if (scaleX === 1 && scaleY === 1) return faces;
  return faces.map((f) => ({
    ...f,
    box: {
      x: f.box.x * scaleX,
      y: f.box.y * scaleY,
      width: f.box.width * scaleX,
      height: f.box.height * scaleY,
    },
    keypoints: f.keypoints.map((k) => ({ x: k.x * scaleX, y: k.y * scaleY })),
  }));
}
