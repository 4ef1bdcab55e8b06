import { describe, expect, it } from 'vitest';
import { type LabelSpec, assertLabels, toEmotionScores, topEmotion, zeroScores } from './emotion-scores.ts';
import type { Emotion } from './emotions.ts';

// Output orders from MODELS.md section 3, mapped to canonical names as the manifest lists them.
const FACE_API: LabelSpec = {
  id: 'face-api-expression',
  labels: ['neutral', 'happiness', 'sadness', 'anger', 'fear', 'disgust', 'surprise'],
  outputIsProbability: true,
};
const MINI_XCEPTION: LabelSpec = {
  id: 'mini-xception',
  labels: ['anger', 'disgust', 'fear', 'happiness', 'sadness', 'surprise', 'neutral'],
  outputIsProbability: true,
};

describe('toEmotionScores', () => {
  const probs = [0.1, 0.2, 0.3, 0.05, 0.15, 0.12, 0.08];
  it.each([
    [
      'face-api order',
      FACE_API,
      { neutral: 0.1, happiness: 0.2, sadness: 0.3, anger: 0.05, fear: 0.15, disgust: 0.12, surprise: 0.08 },
    ],
    [
      'mini-Xception order',
      MINI_XCEPTION,
      { anger: 0.1, disgust: 0.2, fear: 0.3, happiness: 0.05, sadness: 0.15, surprise: 0.12, neutral: 0.08 },
    ],
  ])('maps outputs by the manifest labels: %s', (_name, spec, want) => {
    expect(toEmotionScores(new Float32Array(probs), spec)).toEqual(
      Object.fromEntries(Object.entries(want).map(([k, v]) => [k, Math.fround(v)])),
    );
  });

  it('applies softmax to logits (outputIsProbability false); emotions the model lacks get 0', () => {
    const spec: LabelSpec = { id: 'two', labels: ['happiness', 'anger'], outputIsProbability: false };
    const scores = toEmotionScores([0, Math.log(3)], spec);
    expect(scores.happiness).toBeCloseTo(0.25, 15);
    expect(scores.anger).toBeCloseTo(0.75, 15);
    expect({ ...scores, happiness: 0, anger: 0 }).toEqual(zeroScores());
  });

  it.each([
    [
      'an output of the wrong length',
      [0.5, 0.5],
      FACE_API,
      'output has 2 values but the manifest lists 7 labels',
    ],
    [
      'a NaN probability',
      [Number.NaN, 1],
      { id: 'x', labels: ['anger', 'fear'], outputIsProbability: true },
      'output 0 (anger) is NaN',
    ],
  ] as const)('throws on %s', (_name, output, spec, message) => {
    expect(() => toEmotionScores(output, spec as LabelSpec)).toThrow(message);
  });
});

describe('assertLabels', () => {
  it.each([
    ['a duplicate label', ['anger', 'anger'], "label 'anger' appears twice"],
    ['a non-canonical label', ['contempt'], "label 'contempt' is not one of"],
    ['no labels', [], 'labels must list'],
  ])('throws on %s', (_name, labels, message) => {
    expect(() => assertLabels({ id: 'x', labels: labels as Emotion[], outputIsProbability: true })).toThrow(
      message,
    );
  });
  it('accepts both bundled orders', () => {
    expect(() => assertLabels(FACE_API)).not.toThrow();
    expect(() => assertLabels(MINI_XCEPTION)).not.toThrow();
  });
});

describe('topEmotion', () => {
  it.each([
    ['a clear winner', { ...zeroScores(), fear: 0.6, anger: 0.4 }, 'fear', 0.6],
    [
      'a tie goes to the first in canonical order',
      { ...zeroScores(), anger: 0.5, happiness: 0.5 },
      'happiness',
      0.5,
    ],
    ['all zero -> neutral', zeroScores(), 'neutral', 0],
  ] as const)('%s', (_name, scores, emotion, probability) => {
    expect(topEmotion(scores)).toEqual({ emotion, probability });
  });
});
