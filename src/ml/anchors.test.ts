import { describe, expect, it } from 'vitest';
import { type AnchorSpec, countAnchors, deriveAnchorsPerLayer, generateAnchors } from './anchors.ts';

// MediaPipe face_detection_short_range.pbtxt / face_detection_full_range.pbtxt (MODELS.md section 1).
const SHORT: AnchorSpec = { inputSize: 128, strides: [8, 16, 16, 16], anchorOffset: 0.5, anchorsPerLayer: 2 };
const FULL: AnchorSpec = { inputSize: 192, strides: [4], anchorOffset: 0.5, anchorsPerLayer: 1 };

const centre = (a: Float64Array, i: number) => [a[2 * i], a[2 * i + 1]];

describe('generateAnchors', () => {
  it.each([
    ['short-range: 16x16x2 + 8x8x6', SHORT, 896],
    ['full-range: 48x48x1', FULL, 2304],
    [
      'input not a multiple of the stride: ceil(100 / 16) = 7 -> 7x7x2',
      { ...SHORT, inputSize: 100, strides: [16] },
      98,
    ],
  ])('%s = %i anchors', (_name, spec, count) => {
    expect(countAnchors(spec)).toBe(count);
    expect(generateAnchors(spec).length).toBe(2 * count);
  });

  const short = generateAnchors(SHORT);
  const full = generateAnchors(FULL);
  it.each([
    ['short: first anchor, cell (0,0) of the 16x16 grid', short, 0, [0.5 / 16, 0.5 / 16]],
    ['short: second anchor shares the cell', short, 1, [0.03125, 0.03125]],
    ['short: anchor 2 is cell (1,0)', short, 2, [1.5 / 16, 0.5 / 16]],
    ['short: anchor 32 starts row 1', short, 32, [0.5 / 16, 1.5 / 16]],
    ['short: last of the 16x16 grid', short, 511, [15.5 / 16, 15.5 / 16]],
    ['short: first of the 8x8 grid (3 merged layers)', short, 512, [0.0625, 0.0625]],
    ['short: 6 anchors per 8x8 cell', short, 517, [0.0625, 0.0625]],
    ['short: anchor 518 is cell (1,0) of the 8x8 grid', short, 518, [0.1875, 0.0625]],
    ['short: last anchor', short, 895, [7.5 / 8, 7.5 / 8]],
    ['full: first anchor', full, 0, [0.5 / 48, 0.5 / 48]],
    ['full: anchor 48 starts row 1', full, 48, [0.5 / 48, 1.5 / 48]],
    ['full: last anchor', full, 2303, [47.5 / 48, 47.5 / 48]],
  ])('%s', (_name, anchors, i, want) => {
    expect(centre(anchors, i)).toEqual(want);
  });

  it.each([
    ['no strides', { ...SHORT, strides: [] }, 'non-empty list of positive integers'],
    ['a zero stride', { ...SHORT, strides: [8, 0] }, 'non-empty list of positive integers'],
    ['a fractional input size', { ...SHORT, inputSize: 127.5 }, 'inputSize must be a positive integer'],
    [
      'zero anchors per layer',
      { ...SHORT, anchorsPerLayer: 0 },
      'anchorsPerLayer must be a positive integer',
    ],
  ])('throws on %s', (_name, spec, message) => {
    expect(() => generateAnchors(spec)).toThrow(message);
  });
});

describe('deriveAnchorsPerLayer (the manifest gives numAnchors only)', () => {
  it.each([
    ['short-range', SHORT, 896, 2],
    ['full-range', FULL, 2304, 1],
  ])('%s', (_name, spec, numAnchors, perLayer) => {
    expect(deriveAnchorsPerLayer(spec, numAnchors)).toBe(perLayer);
  });
  it('throws when numAnchors does not fit the layout', () => {
    expect(() => deriveAnchorsPerLayer(SHORT, 900)).toThrow('not a whole multiple of the 448 cell-layers');
  });
});
