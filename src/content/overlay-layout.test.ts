import { describe, expect, it } from 'vitest';
import type { CssRect } from '../protocol/geometry.ts';
import { type BarsSizes, type LayoutFace, layoutFaces } from './overlay-layout.ts';

const picture: CssRect = { x: 0, y: 0, width: 640, height: 360 };
const LABEL = { width: 96, height: 19 };
const BARS: BarsSizes = { full: { width: 150, height: 106 }, compact: { width: 110, height: 74 } };
const face = (id: number, x: number, y: number, width: number, height = width): LayoutFace => ({
  id,
  box: { x, y, width, height },
  label: LABEL,
});

const inside = (r: CssRect, p: CssRect) =>
  r.x >= p.x - 1e-6 &&
  r.y >= p.y - 1e-6 &&
  r.x + r.width <= p.x + p.width + 1e-6 &&
  r.y + r.height <= p.y + p.height + 1e-6;
const overlaps = (a: CssRect, b: CssRect) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('layoutFaces: everything inside the picture', () => {
  const cases: { name: string; faces: LayoutFace[]; picture?: CssRect; placement?: string[] }[] = [
    { name: 'a face in the middle: label above', faces: [face(1, 200, 100, 120)], placement: ['above'] },
    { name: 'a face at the top edge: label inside', faces: [face(1, 200, 0, 120)], placement: ['inside'] },
    { name: 'a face at the left edge, cut off', faces: [face(1, -40, 100, 120)] },
    { name: 'a face at the right edge', faces: [face(1, 580, 100, 120)] },
    { name: 'a face at the bottom edge', faces: [face(1, 200, 300, 120)] },
    { name: 'a face filling the frame', faces: [face(1, -20, -30, 700, 420)], placement: ['inside'] },
    { name: 'a tiny face', faces: [face(1, 300, 150, 8)] },
    { name: 'a face off the picture entirely', faces: [face(1, 700, 400, 50)] },
    {
      name: 'three overlapping faces',
      faces: [face(1, 100, 100, 120), face(2, 130, 110, 120), face(3, 160, 95, 120)],
    },
    {
      name: 'a small call tile',
      picture: { x: 10, y: 20, width: 160, height: 90 },
      faces: [face(1, 40, 25, 70)],
    },
  ];
  it.each(cases)('$name', ({ faces, picture: pic = picture, placement }) => {
    const out = layoutFaces(faces, pic, BARS);
    expect(out.map((f) => f.id)).toEqual(faces.map((f) => f.id));
    for (const f of out) {
      expect(inside(f.label, pic), `label ${f.id} ${JSON.stringify(f.label)}`).toBe(true);
      expect(inside(f.bars!, pic), `bars ${f.id} ${JSON.stringify(f.bars)}`).toBe(true);
      if (f.box) expect(inside(f.box, pic), `box ${f.id}`).toBe(true);
    }
    for (let i = 0; i < out.length; i++)
      for (let j = i + 1; j < out.length; j++)
        expect(overlaps(out[i]!.label, out[j]!.label), `labels ${i + 1} and ${j + 1}`).toBe(false);
    if (placement) expect(out.map((f) => f.label.placement)).toEqual(placement);
  });

  it('clips a box that runs past the picture to a closed rectangle', () => {
    const [f] = layoutFaces([face(1, -40, 300, 120)], picture, null);
    expect(f!.box).toEqual({ x: 0, y: 300, width: 80, height: 60 });
    expect(f!.bars).toBeNull();
  });

  it('a face off the picture has no box, and its label stays at the nearest edge', () => {
    const [f] = layoutFaces([face(1, 700, 100, 50)], picture, null);
    expect(f!.box).toBeNull();
    expect(f!.label.x + f!.label.width).toBeLessThanOrEqual(640);
  });

  it('the bars go below the box when there is room, above it near the bottom', () => {
    const [low] = layoutFaces([face(1, 200, 20, 100)], picture, BARS);
    expect(low!.bars!.y).toBeGreaterThanOrEqual(120);
    const [high] = layoutFaces([face(1, 200, 200, 100)], picture, BARS);
    expect(high!.bars!.y + high!.bars!.height).toBeLessThanOrEqual(high!.label.y);
  });

  it('compact bars on a picture too small for the full panel', () => {
    const [f] = layoutFaces([face(1, 30, 20, 60)], { x: 0, y: 0, width: 140, height: 100 }, BARS);
    expect(f!.bars!.compact).toBe(true);
    const [big] = layoutFaces([face(1, 30, 20, 60)], picture, BARS);
    expect(big!.bars!.compact).toBe(false);
  });

  it('the bars stay clear of the label where any spot is free', () => {
    const layouts = layoutFaces(
      [face(1, 200, 100, 120), face(2, 20, 240, 60), face(3, 560, 30, 70)],
      picture,
      BARS,
    );
    const clear = (a: CssRect, b: CssRect) => !overlaps(a, b);
    for (const f of layouts) expect(clear(f.bars!, f.label), `face ${f.id}`).toBe(true);
  });

  it('refuses a picture without a size', () => {
    expect(() => layoutFaces([], { x: 0, y: 0, width: 0, height: 10 }, null)).toThrow(/positive size/);
  });
});
