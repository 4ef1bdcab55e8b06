import { describe, expect, it } from 'vitest';
import { createDetectorModel, paddedRegion, tileLayout, touchesInnerTileEdge } from './detector.ts';
import type { DetectorEntry } from './manifest.ts';

describe('tileLayout: square tiles of 0.6 x the short side, overlapping by >= 1/3', () => {
  it.each([
    ['1920x1080', 1920, 1080, 648, [0, 424, 848, 1272], [0, 432]],
    ['1280x720', 1280, 720, 432, [0, 283, 565, 848], [0, 288]],
    ['640x480', 640, 480, 288, [0, 176, 352], [0, 192]],
    ['1000x1000', 1000, 1000, 600, [0, 400], [0, 400]],
  ])('%s -> tiles of %i px', (_name, w, h, side, xs, ys) => {
    const tiles = tileLayout(w, h, 128);
    expect(tiles).toEqual(ys.flatMap((y) => xs.map((x) => ({ x, y, width: side, height: side }))));
    // Every tile lies inside the frame and the last one reaches the far corner.
    const last = tiles[tiles.length - 1];
    expect(last && last.x + last.width).toBe(w);
    expect(last && last.y + last.height).toBe(h);
  });

  it('is empty when a tile would be smaller than the model input (200x200: 120 px < 128)', () => {
    expect(tileLayout(200, 200, 128)).toEqual([]);
  });
});

describe('touchesInnerTileEdge (a cut face in a tile)', () => {
  const tile = { x: 176, y: 0, width: 288, height: 288 }; // 640x480 frame; margin 0.02 * 288 = 5.76 px
  it.each([
    ['well inside', { x: 300, y: 100, width: 16, height: 16 }, false],
    ['near the inner left edge', { x: 178, y: 100, width: 16, height: 16 }, true],
    ['over the inner right edge', { x: 455, y: 100, width: 16, height: 16 }, true],
    ['at the top, which is the frame edge', { x: 300, y: 1, width: 16, height: 16 }, false],
    ['near the inner bottom edge', { x: 300, y: 268, width: 16, height: 16 }, true],
  ])('%s -> %s', (_name, box, touches) => {
    expect(touchesInnerTileEdge(box, tile, 640, 480)).toBe(touches);
  });
});

describe('paddedRegion (large-face retry)', () => {
  it.each([
    ['2x (default)', undefined, { x: -32, y: -24, width: 128, height: 96 }],
    ['3x', 3, { x: -64, y: -48, width: 192, height: 144 }],
  ])('%s of 64x48, centred', (_name, factor, want) => {
    expect(paddedRegion(64, 48, factor)).toEqual(want);
  });
});

function shortRange(overrides: Partial<DetectorEntry> = {}): DetectorEntry {
  return {
    kind: 'detector',
    id: 'blazeface-short',
    file: 'x.onnx',
    sha256: '',
    bytes: 0,
    input: { name: 'input', shape: [1, 128, 128, 3], layout: 'NHWC', width: 128, height: 128, channels: 3 },
    outputs: [],
    preprocessing: {
      color: 'rgb',
      fit: 'letterbox',
      resize: 'bilinear',
      scale: 1 / 127.5,
      mean: [1, 1, 1],
      std: [1, 1, 1],
    },
    weights: 'float16',
    source: { package: 'test', path: 'x', licence: 'Apache-2.0' },
    description: '',
    anchors: { inputSize: 128, strides: [8, 16, 16, 16], anchorOffset: 0.5 },
    numAnchors: 896,
    numCoords: 16,
    numKeypoints: 6,
    regressorsOutput: 'regressors',
    scoresOutput: 'classificators',
    ...overrides,
  };
}

describe('createDetectorModel', () => {
  it('allocates the input once and builds the 896 anchors', () => {
    const model = createDetectorModel(shortRange());
    expect(model.target.data.length).toBe(128 * 128 * 3);
    expect(model.anchors.length).toBe(896 * 2);
    expect(model.dims).toEqual([1, 128, 128, 3]);
  });

  const base = shortRange();
  it.each([
    [
      'a stretch fit',
      { preprocessing: { ...base.preprocessing, fit: 'stretch' as const } },
      "fit must be 'letterbox'",
    ],
    [
      'anchors for another input size',
      { anchors: { ...base.anchors, inputSize: 192 } },
      'square input equal to anchors.inputSize',
    ],
    [
      'numCoords that do not fit the keypoints',
      { numCoords: 18 },
      'numCoords must be 4 + 2 * numKeypoints = 16',
    ],
    ['a wrong anchor count', { numAnchors: 900 }, 'numAnchors 900 is not a whole multiple'],
    [
      'a classifier entry',
      { kind: 'classifier' } as unknown as Partial<DetectorEntry>,
      "expected kind 'detector'",
    ],
  ])('throws on %s', (_name, overrides, message) => {
    expect(() => createDetectorModel(shortRange(overrides))).toThrow(message);
  });
});
