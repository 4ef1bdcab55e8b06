import { describe, expect, it } from 'vitest';
import type { CssRect } from '../protocol/geometry.ts';
import { fittedRect, mapSourceBox, parseObjectFit, type ObjectFit } from './object-fit.ts';

const box: CssRect = { x: 10, y: 20, width: 400, height: 200 };

describe('fittedRect', () => {
  it.each<[ObjectFit, number, number, CssRect]>([
    ['fill', 100, 100, { x: 10, y: 20, width: 400, height: 200 }],
    // 100x100 into 400x200: contain scales by 2 -> 200x200, centred horizontally.
    ['contain', 100, 100, { x: 110, y: 20, width: 200, height: 200 }],
    // cover scales by 4 -> 400x400, centred vertically (overflows).
    ['cover', 100, 100, { x: 10, y: -80, width: 400, height: 400 }],
    ['none', 100, 100, { x: 160, y: 70, width: 100, height: 100 }],
    ['scale-down', 100, 100, { x: 160, y: 70, width: 100, height: 100 }],
    ['scale-down', 800, 800, { x: 110, y: 20, width: 200, height: 200 }],
    // A 16:9 video in a 400x200 box: letterboxed left and right.
    [
      'contain',
      640,
      360,
      { x: 10 + (400 - 355.5555555555556) / 2, y: 20, width: 355.5555555555556, height: 200 },
    ],
  ])('%s of %ix%i', (fit, w, h, expected) => {
    const r = fittedRect(box, w, h, fit);
    expect(r.x).toBeCloseTo(expected.x, 6);
    expect(r.y).toBeCloseTo(expected.y, 6);
    expect(r.width).toBeCloseTo(expected.width, 6);
    expect(r.height).toBeCloseTo(expected.height, 6);
  });

  it('returns the box itself while the source size is unknown (0x0 before metadata)', () => {
    expect(fittedRect(box, 0, 0, 'contain')).toEqual(box);
  });
});

describe('mapSourceBox', () => {
  it('maps source pixels into the fitted rectangle', () => {
    const fitted = { x: 110, y: 20, width: 200, height: 200 };
    expect(mapSourceBox({ x: 50, y: 25, width: 10, height: 20 }, 100, 100, fitted)).toEqual({
      x: 210,
      y: 70,
      width: 20,
      height: 40,
    });
  });
});

describe('parseObjectFit', () => {
  it.each([
    ['contain', 'contain'],
    ['cover', 'cover'],
    ['fill', 'fill'],
    ['', 'fill'],
    ['inherit', 'fill'],
  ])('%j -> %s', (value, expected) => {
    expect(parseObjectFit(value)).toBe(expected);
  });
});
