import { describe, expect, it } from 'vitest';
import { FRAME_SIDE_STEP, MAX_FRAME_SIDE, MIN_FRAME_SIDE, frameSideFor } from './frame-side.ts';

const face = (side: number) => ({ box: { x: 10, y: 10, width: side, height: side } });
const base = { width: 640, height: 360, classifierInputSide: 112, cropMargin: 0.1, tiling: false };

describe('frameSideFor', () => {
  it.each([
    // A talking head: a 200 px face in 640 px -> crop 240 px = 0.375 of the frame -> 112 / 0.375 = 299 -> 320.
    ['one large face', [face(200)], 112, 320],
    // The smallest face decides: 100 px -> crop 120 = 0.1875 -> 597 -> 640.
    ['a large and a small face', [face(200), face(100)], 112, 640],
    // A face that fills the frame needs no more than the minimum.
    ['a frame-filling face', [face(360)], 112, MIN_FRAME_SIDE],
    // A 64 px classifier needs half of what a 112 px one needs: 64 / 0.375 = 171 -> min.
    ['small classifier input', [face(200)], 64, MIN_FRAME_SIDE],
    // ResNet-50 (224): 224 / 0.375 = 597 -> 640.
    ['large classifier input', [face(200)], 224, 640],
    // Tiny faces cannot get more than the maximum.
    ['tiny face', [face(10)], 112, MAX_FRAME_SIDE],
    // No face: detection sees at most 192 px anyway.
    ['no face', [], 112, MIN_FRAME_SIDE],
  ])('%s -> %i px classifier gives %i', (_name, faces, classifierInputSide, expected) => {
    expect(frameSideFor({ ...base, faces, classifierInputSide })).toBe(expected);
  });

  it('is relative to the frame: the same face at half the frame size needs the same frame side', () => {
    const full = frameSideFor({ ...base, faces: [face(200)] });
    const half = frameSideFor({ ...base, width: 320, height: 180, faces: [face(100)] });
    expect(half).toBe(full);
  });

  it('rounds up to whole steps, so small face moves do not resize the frame', () => {
    const sizes = [190, 195, 200, 205].map((s) => frameSideFor({ ...base, faces: [face(s)] }));
    for (const s of sizes) expect(s % FRAME_SIDE_STEP).toBe(0);
    expect(new Set(sizes).size).toBe(1);
  });

  it('asks for the full frame when tiling (tiles look at the frame above detector resolution)', () => {
    expect(frameSideFor({ ...base, faces: [], tiling: true })).toBe(MAX_FRAME_SIDE);
  });

  it('counts the crop margin: a wider crop makes the face a larger fraction', () => {
    const tight = frameSideFor({ ...base, cropMargin: 0, faces: [face(150)] });
    const wide = frameSideFor({ ...base, cropMargin: 0.3, faces: [face(150)] });
    expect(wide).toBeLessThan(tight);
  });

  it('honours custom bounds', () => {
    expect(frameSideFor({ ...base, faces: [], minSide: 192, maxSide: 480 })).toBe(192);
    expect(frameSideFor({ ...base, faces: [face(10)], minSide: 192, maxSide: 480 })).toBe(480);
  });

  it.each([
    [{ width: 0 }, /frame size must be positive/],
    [{ classifierInputSide: 0 }, /classifierInputSide must be positive/],
    [{ minSide: 700 }, /minSide <= maxSide/],
  ])('throws on %o', (override, message) => {
    expect(() => frameSideFor({ ...base, faces: [], ...override })).toThrow(message);
  });
});
