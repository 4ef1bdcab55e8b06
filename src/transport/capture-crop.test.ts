import { describe, expect, it } from 'vitest';
import { fittedRect } from '../content/object-fit.ts';
import type { CssRect } from '../protocol/geometry.ts';
import { captureCrop, cropBoxToSource, visiblePart } from './capture-crop.ts';

const viewport = { width: 1000, height: 800 };

describe('visiblePart', () => {
  it.each<[string, CssRect, CssRect | null]>([
    ['fully inside', { x: 10, y: 20, width: 300, height: 200 }, { x: 10, y: 20, width: 300, height: 200 }],
    // Scrolled half out at the top: getBoundingClientRect gives a negative y.
    ['cut at the top', { x: 10, y: -100, width: 300, height: 200 }, { x: 10, y: 0, width: 300, height: 100 }],
    [
      'cut at the right',
      { x: 900, y: 0, width: 300, height: 200 },
      { x: 900, y: 0, width: 100, height: 200 },
    ],
    ['scrolled away', { x: 10, y: 900, width: 300, height: 200 }, null],
    ['less than a pixel left', { x: 10, y: -199.5, width: 300, height: 200 }, null],
  ])('%s', (_name, picture, expected) => {
    expect(visiblePart(picture, viewport)).toEqual(expected);
  });

  it('refuses an empty viewport', () => {
    expect(() => visiblePart({ x: 0, y: 0, width: 1, height: 1 }, { width: 0, height: 800 })).toThrow(
      /positive size/,
    );
  });
});

describe('captureCrop', () => {
  it.each<[string, CssRect, { width: number; height: number }, CssRect, CssRect]>([
    [
      '1x',
      { x: 10, y: 20, width: 300, height: 200 },
      { width: 1000, height: 800 },
      { x: 10, y: 20, width: 300, height: 200 },
      { x: 10, y: 20, width: 300, height: 200 },
    ],
    // devicePixelRatio 2: every CSS pixel is 2x2 capture pixels.
    [
      '2x',
      { x: 10, y: 20, width: 300, height: 200 },
      { width: 2000, height: 1600 },
      { x: 20, y: 40, width: 600, height: 400 },
      { x: 10, y: 20, width: 300, height: 200 },
    ],
    // Fractional CSS edges (letterboxed picture) round outwards to whole capture pixels: 20.7..70.7 -> 31..107.
    [
      '1.5x, fractional',
      { x: 10.2, y: 20.7, width: 100.1, height: 50 },
      { width: 1500, height: 1200 },
      { x: 15, y: 31, width: 151, height: 76 },
      { x: 10, y: 31 / 1.5, width: 151 / 1.5, height: 76 / 1.5 },
    ],
    // A capture one pixel short of the viewport (a rounding in the browser) is clamped.
    [
      'clamped',
      { x: 900, y: 700, width: 100, height: 100 },
      { width: 999, height: 799 },
      { x: 899, y: 699, width: 100, height: 100 },
      { x: 899 / 0.999, y: 699 / 0.99875, width: 100 / 0.999, height: 100 / 0.99875 },
    ],
  ])('%s', (_name, region, capture, px, css) => {
    const crop = captureCrop(region, viewport, capture);
    expect(crop.capturePx).toEqual(px);
    for (const k of ['x', 'y', 'width', 'height'] as const) expect(crop.css[k]).toBeCloseTo(css[k], 6);
  });

  it("refuses a capture whose shape is not the viewport's (it shows something else)", () => {
    expect(() =>
      captureCrop({ x: 0, y: 0, width: 100, height: 100 }, viewport, { width: 360, height: 513 }),
    ).toThrow("The screen capture (360x513) does not match the page's 1000x800 viewport");
  });

  it('refuses a region outside the viewport and empty sizes, saying what it got', () => {
    expect(() => captureCrop({ x: 2000, y: 0, width: 10, height: 10 }, viewport, viewport)).toThrow(
      /outside/,
    );
    expect(() => captureCrop({ x: 0, y: 0, width: 0, height: 10 }, viewport, viewport)).toThrow(/0x10/);
    expect(() =>
      captureCrop({ x: 0, y: 0, width: 5, height: 10 }, viewport, { width: 0, height: 1 }),
    ).toThrow(/positive sizes/);
  });
});

describe('cropBoxToSource', () => {
  it('maps a face in a 2x crop of a letterboxed, scrolled video back to video pixels', () => {
    // A 640x360 video in a 400x300 element (object-fit: contain) whose content box is at (50, -30) after
    // scrolling: the picture is 400x225, letterboxed 37.5 px top and bottom.
    const picture = fittedRect({ x: 50, y: -30, width: 400, height: 300 }, 640, 360, 'contain');
    expect(picture).toEqual({ x: 50, y: 7.5, width: 400, height: 225 });
    const visible = visiblePart(picture, viewport)!;
    const crop = captureCrop(visible, viewport, { width: 2000, height: 1600 });
    // A face at video pixels (320, 180, 64x64) is at CSS (250, 120, 40x40) and crop pixels (400, 225, 80x80).
    const inCrop = { x: 400, y: 225, width: 80, height: 80 };
    const source = cropBoxToSource(inCrop, crop.capturePx, crop.css, picture, { width: 640, height: 360 });
    expect(source.x).toBeCloseTo(320, 6);
    expect(source.y).toBeCloseTo(180, 6);
    expect(source.width).toBeCloseTo(64, 6);
    expect(source.height).toBeCloseTo(64, 6);
  });

  it('maps a face in a crop of a video cut at the top of the viewport', () => {
    const picture = { x: 0, y: -90, width: 640, height: 360 };
    const crop = captureCrop(visiblePart(picture, viewport)!, viewport, viewport);
    expect(crop.capturePx).toEqual({ x: 0, y: 0, width: 640, height: 270 });
    const source = cropBoxToSource(
      { x: 100, y: 10, width: 50, height: 50 },
      crop.capturePx,
      crop.css,
      picture,
      {
        width: 1280,
        height: 720,
      },
    );
    expect(source).toEqual({ x: 200, y: 200, width: 100, height: 100 });
  });

  it('refuses empty crops', () => {
    const r = { x: 0, y: 0, width: 1, height: 1 };
    expect(() => cropBoxToSource(r, { width: 0, height: 1 }, r, r, { width: 1, height: 1 })).toThrow(
      /positive/,
    );
  });
});
