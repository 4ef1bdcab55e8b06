import { describe, expect, it } from 'vitest';
import { blazeFaceScore, decodeBlazeFace, sigmoid } from './blazeface-decode.ts';

// Two anchors, one keypoint (numCoords 6), input 128. Regressor values are multiples of 128 / 2^k so every
// expected coordinate is exact in binary.
const ANCHORS = new Float64Array([0.25, 0.25, 0.75, 0.5]);
const OPTS = { inputSize: 128, numKeypoints: 1, numCoords: 6, minScore: 0.5 };

function decode(anchor0: number[], anchor1: number[], logits: number[], minScore = 0.5) {
  return decodeBlazeFace(new Float32Array([...anchor0, ...anchor1]), new Float32Array(logits), ANCHORS, {
    ...OPTS,
    minScore,
  });
}
const NONE = [0, 0, 16, 16, 0, 0];

describe('decodeBlazeFace', () => {
  it('cx = r0/128 + ax, cy = r1/128 + ay, w = r2/128, h = r3/128, keypoints likewise', () => {
    // cx = 0.125 + 0.25, cy = -0.0625 + 0.25, w 0.25, h 0.5 -> xMin 0.25, yMin -0.0625.
    const [det, ...rest] = decode([16, -8, 32, 64, 0, 16], NONE, [2, -5]);
    expect(rest).toEqual([]);
    expect(det).toEqual({
      box: { xMin: 0.25, yMin: -0.0625, width: 0.25, height: 0.5 },
      score: sigmoid(2),
      keypoints: [{ x: 0.25, y: 0.375 }],
    });
    expect(det?.score).toBeCloseTo(0.8807970779778823, 15);
  });

  it('uses each anchor of its own row', () => {
    const dets = decode(NONE, [-32, 0, 64, 64, 32, 0], [-5, 3]);
    expect(dets).toEqual([
      {
        box: { xMin: 0.25, yMin: 0.25, width: 0.5, height: 0.5 },
        score: sigmoid(3),
        keypoints: [{ x: 1, y: 0.5 }],
      },
    ]);
  });

  it.each([
    ['score exactly 0.5 (logit 0) is not above minScore 0.5', [0, -10], 0.5, 0],
    ['both pass a low threshold', [0, -1], 0.2, 2],
    ['NaN logits never pass', [Number.NaN, 1], 0.5, 1],
  ])('threshold: %s', (_name, logits, minScore, count) => {
    expect(decode(NONE, NONE, logits, minScore)).toHaveLength(count);
  });

  it.each([
    ['zero width', [0, 0, 0, 16, 0, 0]],
    ['negative height', [0, 0, 16, -16, 0, 0]],
    ['NaN width', [0, 0, Number.NaN, 16, 0, 0]],
  ])('drops a degenerate box: %s', (_name, anchor0) => {
    expect(decode(anchor0, NONE, [5, -5])).toEqual([]);
  });

  it.each([
    ['logit 1000 clamps to 100', 1000, sigmoid(100)],
    ['logit -1000 clamps to -100 (still > 0, finite)', -1000, sigmoid(-100)],
    ['logit 3 is unclamped', 3, sigmoid(3)],
  ])('score: %s', (_name, logit, want) => {
    expect(blazeFaceScore(logit)).toBe(want);
  });

  it('keeps a clamped -1000 logit above minScore 0 (unclamped exp would give exactly 0)', () => {
    const [det] = decode(NONE, NONE, [-1000, Number.NaN], 0);
    expect(det?.score).toBe(sigmoid(-100));
    expect(det?.score).toBeGreaterThan(0);
  });

  it.each([
    ['too few scores', new Float32Array(12), new Float32Array(1), 'expected 2 scores'],
    ['too few regressors', new Float32Array(11), new Float32Array(2), 'expected 2x6 = 12 regressor values'],
  ])('throws on %s', (_name, regressors, logits, message) => {
    expect(() => decodeBlazeFace(regressors, logits, ANCHORS, OPTS)).toThrow(message);
  });

  it('throws when numCoords cannot hold the keypoints', () => {
    expect(() =>
      decodeBlazeFace(new Float32Array(10), new Float32Array(2), ANCHORS, { ...OPTS, numCoords: 5 }),
    ).toThrow('numCoords 5 cannot hold');
  });
});
