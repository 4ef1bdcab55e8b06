import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { EMOTIONS, type EmotionScores } from '../ml/emotions.ts';
import type { Face } from '../ml/engine-api.ts';
import { annotatePng, faceLabel, overlaySvg } from './annotate.ts';

function face(x: number, y: number, size: number, probability = 0.87): Face {
  const emotions = Object.fromEntries(
    EMOTIONS.map((e) => [e, e === 'happiness' ? probability : (1 - probability) / 6]),
  ) as EmotionScores;
  return {
    box: { x, y, width: size, height: size },
    score: 0.95,
    keypoints: Array.from({ length: 6 }, (_, k) => ({ x: x + (k + 1) * (size / 7), y: y + size / 2 })),
    emotions,
    top: { emotion: 'happiness', probability },
  };
}

describe('overlaySvg', () => {
  it('one box, 6 keypoints and one label per face', () => {
    const svg = overlaySvg(400, 300, [face(10, 100, 80), face(200, 50, 60, 0.5)]);
    expect(svg.match(/<rect [^>]*fill="none"/g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(12);
    expect(svg).toContain('>happiness 0.87</text>');
    expect(svg).toContain('>happiness 0.50</text>');
  });
  it('labels stay inside the image (face at the top-right corner)', () => {
    const svg = overlaySvg(200, 200, [face(170, 0, 30)]);
    const [x, y, w, h] = [
      ...(svg.match(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="(\d+)" fill="#/) ?? []),
    ]
      .slice(1)
      .map(Number);
    // No room above: the label goes below the box, right-aligned to the image edge.
    expect(y).toBe(30);
    expect(x).toBeGreaterThanOrEqual(0);
    expect((x ?? 0) + (w ?? 0)).toBeCloseTo(200, 5);
    expect((y ?? 0) + (h ?? 0)).toBeLessThanOrEqual(200);
  });
  it('a label that would cover an earlier one moves below its box', () => {
    const svg = overlaySvg(400, 300, [face(100, 100, 50), face(110, 110, 50)]);
    const ys = [...svg.matchAll(/<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="\d+" fill="#/g)].map(
      (m) => Number(m[1]),
    );
    expect(ys).toEqual([84, 160]); // label height 16: 12 px font + 2 x 2 px padding
  });
  it('a label that would cover another face moves below its own box', () => {
    const svg = overlaySvg(400, 300, [face(100, 100, 50), face(100, 160, 50)]);
    const ys = [...svg.matchAll(/<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="\d+" fill="#/g)].map(
      (m) => Number(m[1]),
    );
    expect(ys).toEqual([84, 210]);
  });
  it('says "no face" on images without faces', () => {
    expect(overlaySvg(100, 100, [])).toContain('>no face</text>');
  });
  it('faceLabel', () => {
    expect(faceLabel(face(0, 0, 10, 0.8749))).toBe('happiness 0.87');
  });
});

describe('annotatePng', () => {
  it('returns a PNG of the same size, with the box drawn and the source untouched', async () => {
    const width = 120;
    const height = 90;
    const data = new Uint8Array(width * height * 4).fill(40);
    const before = data.slice();
    const png = await annotatePng({ width, height, data }, [face(30, 30, 40)]);
    const { data: out, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([width, height]);
    // The box's left edge at x=30 is drawn in the first face colour (#00e5ff).
    const at = (x: number, y: number) => [
      ...out.subarray((y * width + x) * info.channels, (y * width + x) * info.channels + 3),
    ];
    expect(at(30, 60)).toEqual([0, 229, 255]);
    expect(at(5, 85)).toEqual([40, 40, 40]);
    expect(data).toEqual(before);
  });
});
