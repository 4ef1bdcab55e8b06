/**
 * A tabs.captureVisibleTab result (a data: URL) opened once so that a part of it can be cut out as a PNG.
 * Runs in the background (service worker in Chrome, where OffscreenCanvas and createImageBitmap exist; the
 * background page in Firefox). PNG: the crop is not compressed a second time before the engine decodes it.
 */
import type { PxBox } from '../ml/types.ts';

export interface CaptureImage {
  width: number;
  height: number;
  /** The PNG bytes of `rect` (whole pixels of the capture). */
  crop(rect: PxBox): Promise<ArrayBuffer>;
  close(): void;
}

export async function openCapture(dataUrl: string): Promise<CaptureImage> {
  if (!dataUrl.startsWith('data:image/')) {
    throw new Error(`Expected the capture as a data:image/ URL, got "${dataUrl.slice(0, 30)}…"`);
  }
  const bitmap = await createImageBitmap(dataUrlBlob(dataUrl));
  return {
    width: bitmap.width,
    height: bitmap.height,
    async crop({ x, y, width, height }) {
      const canvas = new OffscreenCanvas(width, height);
      const context = canvas.getContext('2d', { alpha: false });
      if (!context) throw new Error('No 2D canvas context for cropping the capture.');
      context.drawImage(bitmap, x, y, width, height, 0, 0, width, height);
      return (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer();
    },
    close: () => bitmap.close(),
  };
}

/**
 * A base64 data: URL as a Blob, decoded here rather than with fetch(): the extension's CSP allows connections
 * only to the extension itself (and the model host), and data: is not one of them.
 */
export function dataUrlBlob(dataUrl: string): Blob {
  const comma = dataUrl.indexOf(',');
  const header = dataUrl.slice(5, comma);
  if (comma < 0 || !header.endsWith(';base64')) throw new Error('Expected a base64 data: URL.');
  const binary = atob(dataUrl.slice(comma + 1));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Blob([bytes], { type: header.slice(0, -';base64'.length) });
}
