/**
 * Shows a right-click result over every <img> of this document that displays the analysed URL: "Analysing…"
 * while pending, a box per face when done (or "No face found"), the error when it failed (with a retry).
 */
import type { ImageResult } from '../protocol/overlay.ts';
import type { NoticeAction } from './media-overlay.ts';
import type { OverlayLayer } from './overlay-layer.ts';

export function imagesShowing(doc: Document, srcUrl: string): HTMLImageElement[] {
  return [...doc.querySelectorAll('img')].filter((img) => img.currentSrc === srcUrl || img.src === srcUrl);
}

/** Returns how many images show `result.srcUrl` in this document. `retry` is offered with a failure. */
export function showImageResult(
  layer: OverlayLayer,
  doc: Document,
  result: ImageResult,
  retry?: NoticeAction,
): number {
  const images = imagesShowing(doc, result.srcUrl);
  for (const img of images) {
    const overlay = layer.attach(img, 'image');
    switch (result.state) {
      case 'pending':
        overlay.setNotice('Analysing emotions…');
        break;
      case 'failed':
        overlay.setFaces([], 0, 0);
        overlay.setNotice(`Affect Lens could not analyse this image: ${result.error}`, retry);
        break;
      case 'done': {
        const { analysis } = result;
        overlay.setFaces(
          analysis.faces.map((f, i) => ({ id: i + 1, box: f.box, top: f.top, emotions: f.emotions })),
          analysis.width,
          analysis.height,
        );
        overlay.setNotice(analysis.faces.length === 0 ? 'No face found in this image.' : null);
        break;
      }
    }
  }
  return images.length;
}
