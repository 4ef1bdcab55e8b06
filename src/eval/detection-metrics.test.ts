import { describe, expect, it } from 'vitest';
import {
  centreInside,
  iou,
  matchDetections,
  summarizeDetection,
  summarizeNegatives,
} from './detection-metrics.ts';

const box = (x: number, y: number, width: number, height: number) => ({ x, y, width, height });
const gt = (x: number, y: number, w: number, h: number, ignore = false) => ({ box: box(x, y, w, h), ignore });
const det = (x: number, y: number, w: number, h: number, score = 0.9) => ({ box: box(x, y, w, h), score });

describe('iou', () => {
  it.each([
    { a: box(0, 0, 10, 10), b: box(0, 0, 10, 10), expected: 1 },
    { a: box(0, 0, 10, 10), b: box(10, 0, 10, 10), expected: 0 }, // touching edges
    { a: box(0, 0, 10, 10), b: box(5, 0, 10, 10), expected: 50 / 150 },
    { a: box(0, 0, 10, 10), b: box(2, 2, 5, 5), expected: 25 / 100 }, // contained
    { a: box(0, 0, 0, 0), b: box(0, 0, 0, 0), expected: 0 }, // degenerate
  ])('$a vs $b = $expected', ({ a, b, expected }) => {
    expect(iou(a, b)).toBeCloseTo(expected, 12);
    expect(iou(b, a)).toBeCloseTo(expected, 12);
  });
});

describe('centreInside', () => {
  it.each([
    { inner: box(4, 4, 2, 2), outer: box(0, 0, 10, 10), expected: true },
    { inner: box(8, 8, 4, 4), outer: box(0, 0, 10, 10), expected: true }, // centre on the edge
    { inner: box(9, 9, 4, 4), outer: box(0, 0, 10, 10), expected: false },
  ])('$inner in $outer: $expected', ({ inner, outer, expected }) => {
    expect(centreInside(inner, outer)).toBe(expected);
  });
});

describe('matchDetections', () => {
  it.each([
    {
      name: 'tight GT inside a larger detection: found by centre, IoU only 0.16',
      truth: [gt(40, 40, 20, 20)],
      dets: [det(25, 25, 50, 50)],
      foundBy: [0],
      fp: [],
    },
    {
      name: 'IoU >= 0.3 without the centre inside',
      truth: [gt(0, 0, 10, 10)],
      dets: [det(5.5, 0, 10, 10)], // IoU 45/155 < 0.3
      foundBy: [null],
      fp: [0],
    },
    {
      name: 'IoU 0.33 with the centre on the edge',
      truth: [gt(0, 0, 10, 10)],
      dets: [det(5, 0, 10, 10)],
      foundBy: [0],
      fp: [],
    },
    {
      name: 'one detection covering two faces finds only one; the better-overlapping one',
      truth: [gt(0, 0, 10, 10), gt(12, 0, 18, 18)],
      dets: [det(0, 0, 30, 20)],
      foundBy: [null, 0],
      fp: [],
    },
    {
      name: 'greedy by score: the best detection takes the face, the duplicate is a false positive',
      truth: [gt(0, 0, 10, 10)],
      dets: [det(1, 1, 10, 10, 0.6), det(0, 0, 10, 10, 0.95)],
      foundBy: [1],
      fp: [0],
    },
    {
      name: 'detection far from every face is a false positive',
      truth: [gt(0, 0, 10, 10)],
      dets: [det(100, 100, 10, 10)],
      foundBy: [null],
      fp: [0],
    },
    {
      name: 'detection of an ignored face is neither a find nor a false positive',
      truth: [gt(0, 0, 10, 10), gt(50, 50, 10, 10, true)],
      dets: [det(50, 50, 10, 10)],
      foundBy: [null, 0],
      fp: [],
    },
    {
      name: 'no detections',
      truth: [gt(0, 0, 10, 10)],
      dets: [],
      foundBy: [null],
      fp: [],
    },
  ])('$name', ({ truth, dets, foundBy, fp }) => {
    const match = matchDetections(truth, dets);
    expect(match.foundBy).toEqual(foundBy);
    expect(match.falsePositives).toEqual(fp);
  });

  it('throws on a non-finite detection', () => {
    expect(() => matchDetections([gt(0, 0, 1, 1)], [det(Number.NaN, 0, 1, 1)])).toThrow(
      /detection 0 has a non-finite box or score/,
    );
  });
});

describe('summarizeDetection', () => {
  it('recall over non-ignored faces, false positives per image', () => {
    const summary = summarizeDetection([
      { truth: [gt(0, 0, 10, 10), gt(50, 50, 10, 10)], detections: [det(0, 0, 10, 10), det(200, 200, 5, 5)] },
      {
        truth: [gt(0, 0, 10, 10, true), gt(30, 30, 10, 10)],
        detections: [det(0, 0, 10, 10), det(30, 30, 10, 10)],
      },
      { truth: [gt(0, 0, 10, 10)], detections: [det(80, 80, 5, 5), det(90, 90, 5, 5)] },
    ]);
    expect(summary).toEqual({
      images: 3,
      faces: 4,
      found: 2,
      recall: 0.5,
      falsePositives: 3,
      falsePositivesPerImage: 1,
      detections: 6,
    });
  });
  it.each([
    { name: 'no images', images: [], message: /no images/ },
    {
      name: 'only ignored faces',
      images: [{ truth: [gt(0, 0, 1, 1, true)], detections: [] }],
      message: /every ground-truth face is marked ignore/,
    },
  ])('$name throws', ({ images, message }) => {
    expect(() => summarizeDetection(images)).toThrow(message);
  });
});

describe('summarizeNegatives', () => {
  it.each([
    {
      counts: [0, 0, 0],
      expected: { images: 3, detections: 0, detectionsPerImage: 0, imagesWithDetections: 0 },
    },
    {
      counts: [0, 2, 1, 0],
      expected: { images: 4, detections: 3, detectionsPerImage: 0.75, imagesWithDetections: 2 },
    },
  ])('$counts', ({ counts, expected }) => {
    expect(summarizeNegatives(counts)).toEqual(expected);
  });
  it('throws on no images', () => {
    expect(() => summarizeNegatives([])).toThrow(/no images/);
  });
});
