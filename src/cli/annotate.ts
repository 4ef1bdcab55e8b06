/**
 * Draws analyze results onto a copy of an image: one box per face, its 6 keypoints, and a label such as
 * "happiness 0.87". The drawing is an SVG overlay composited by sharp, so text rendering needs no canvas.
 */
import sharp from 'sharp';
import type { Face } from '../ml/engine-api.ts';
import type { PxBox, RgbaImage } from '../ml/types.ts';

/** Box colours, one per face in turn; chosen to stay visible on skin, sky and dark backgrounds. */
const FACE_COLOURS = ['#00e5ff', '#ffd600', '#ff4081', '#76ff03', '#ff9100', '#d500f9'] as const;
/** Keypoint colours by index: right eye, left eye, nose tip, mouth centre, right ear, left ear. */
const KEYPOINT_COLOURS = ['#ff1744', '#2979ff', '#00e676', '#ffea00', '#ff6d00', '#e040fb'] as const;
/** DejaVu Sans Mono's advance width is 0.602 em, so a monospace label's width is known without measuring. */
const MONO_ADVANCE_EM = 0.61;

function overlaps(a: PxBox, b: PxBox): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function fmt(n: number): string {
  return Number.isFinite(n) ? n.toFixed(1) : '0';
}

export function faceLabel(face: Face): string {
  return `${face.top.emotion} ${face.top.probability.toFixed(2)}`;
}

/** The SVG overlay (same size as the image) for these faces; exported for tests. */
export function overlaySvg(width: number, height: number, faces: readonly Face[]): string {
  const shortSide = Math.min(width, height);
  const stroke = Math.max(2, Math.round(shortSide / 250));
  const fontSize = Math.max(12, Math.round(shortSide / 32));
  const pad = Math.max(2, Math.round(fontSize / 5));
  const radius = Math.max(2, stroke * 1.2);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<g font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="${fontSize}" font-weight="bold">`,
  );
  if (faces.length === 0) {
    const text = 'no face';
    const w = text.length * fontSize * MONO_ADVANCE_EM + 2 * pad;
    parts.push(
      `<rect x="0" y="0" width="${fmt(w)}" height="${fontSize + 2 * pad}" fill="#000" fill-opacity="0.7"/>`,
      `<text x="${pad}" y="${pad + fontSize * 0.8}" fill="#fff">${text}</text>`,
    );
  }
  // Boxes and keypoints first, labels last, so no box is drawn over a label.
  const labels: string[] = [];
  const placed: PxBox[] = [];
  const faceRects = faces.map((f) => f.box);
  faces.forEach((face, index) => {
    const colour = FACE_COLOURS[index % FACE_COLOURS.length] ?? '#00e5ff';
    const { x, y, width: w, height: h } = face.box;
    parts.push(
      `<rect x="${fmt(x)}" y="${fmt(y)}" width="${fmt(w)}" height="${fmt(h)}" fill="none" stroke="${colour}" stroke-width="${stroke}"/>`,
    );
    face.keypoints.forEach((p, k) => {
      const fill = KEYPOINT_COLOURS[k % KEYPOINT_COLOURS.length] ?? '#fff';
      parts.push(
        `<circle cx="${fmt(p.x)}" cy="${fmt(p.y)}" r="${fmt(radius)}" fill="${fill}" stroke="#000" stroke-width="1"/>`,
      );
    });
    const text = faceLabel(face);
    const labelW = text.length * fontSize * MONO_ADVANCE_EM + 2 * pad;
    const labelH = fontSize + 2 * pad;
    const labelX = Math.max(0, Math.min(x - stroke / 2, width - labelW));
    const clampY = (v: number): number => Math.max(0, Math.min(v, height - labelH));
    // Above the box, else below it, else just inside its top edge: the first spot that covers no earlier
    // label, preferring one that also covers no other face.
    const candidates = [y - labelH, y + h, y].filter((v) => v >= 0 && v + labelH <= height).map(clampY);
    if (candidates.length === 0) candidates.push(clampY(y));
    const otherFaces = faceRects.filter((_, other) => other !== index);
    const cost = (r: PxBox): number =>
      (placed.some((q) => overlaps(r, q)) ? 2 : 0) + (otherFaces.some((q) => overlaps(r, q)) ? 1 : 0);
    let spot: PxBox = { x: labelX, y: candidates[0] ?? 0, width: labelW, height: labelH };
    for (const cy of candidates) {
      const r = { x: labelX, y: cy, width: labelW, height: labelH };
      if (cost(r) < cost(spot)) spot = r;
    }
    placed.push(spot);
    labels.push(
      `<rect x="${fmt(spot.x)}" y="${fmt(spot.y)}" width="${fmt(spot.width)}" height="${spot.height}" fill="${colour}"/>`,
      `<text x="${fmt(spot.x + pad)}" y="${fmt(spot.y + pad + fontSize * 0.8)}" fill="#000">${escapeXml(text)}</text>`,
    );
  });
  parts.push(...labels);
  parts.push('</g></svg>');
  return parts.join('\n');
}

/** Returns a PNG of the image with the faces drawn on it; the input pixels are not modified. */
export async function annotatePng(image: RgbaImage, faces: readonly Face[]): Promise<Buffer> {
  const svg = overlaySvg(image.width, image.height, faces);
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .png()
    .toBuffer();
}
