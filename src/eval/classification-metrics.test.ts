import { describe, expect, it } from 'vitest';
import {
  computeClassificationMetrics,
  formatConfusionMatrix,
  formatPerClassRecall,
  formatTable,
} from './classification-metrics.ts';

const LABELS = ['a', 'b', 'c'] as const;
const s = (truth: string, predicted: string | null) => ({ truth, predicted });

describe('computeClassificationMetrics', () => {
  it.each([
    {
      name: 'all correct',
      samples: [s('a', 'a'), s('b', 'b'), s('c', 'c')],
      accuracy: 1,
      macroRecall: 1,
      recall: [1, 1, 1],
    },
    {
      // a: 2/3, b: 1/1, c: 0/2 -> accuracy 3/6, macro (2/3 + 1 + 0) / 3
      name: 'imbalanced',
      samples: [s('a', 'a'), s('a', 'a'), s('a', 'b'), s('b', 'b'), s('c', 'a'), s('c', 'b')],
      accuracy: 0.5,
      macroRecall: (2 / 3 + 1 + 0) / 3,
      recall: [2 / 3, 1, 0],
    },
    {
      name: 'absent class left out of the macro mean',
      samples: [s('a', 'a'), s('b', 'a')],
      accuracy: 0.5,
      macroRecall: 0.5,
      recall: [1, 0, null],
    },
    {
      name: 'no prediction counts as wrong',
      samples: [s('a', null), s('a', 'a'), s('b', null), s('b', 'b')],
      accuracy: 0.5,
      macroRecall: 0.5,
      recall: [0.5, 0.5, null],
    },
  ])('$name', ({ samples, accuracy, macroRecall, recall }) => {
    const m = computeClassificationMetrics(LABELS, samples);
    expect(m.accuracy).toBeCloseTo(accuracy, 12);
    expect(m.macroRecall).toBeCloseTo(macroRecall, 12);
    m.perClass.forEach((c, i) => {
      const expected = recall[i];
      if (expected === null || expected === undefined) expect(c.recall).toBeNull();
      else expect(c.recall).toBeCloseTo(expected, 12);
    });
    expect(m.total).toBe(samples.length);
  });

  it('confusion matrix: rows true, columns predicted, last column no prediction', () => {
    const m = computeClassificationMetrics(LABELS, [
      s('a', 'b'),
      s('a', 'b'),
      s('b', 'a'),
      s('c', null),
      s('c', 'c'),
    ]);
    expect(m.confusion).toEqual([
      [0, 2, 0, 0],
      [1, 0, 0, 0],
      [0, 0, 1, 1],
    ]);
    expect(m.unpredicted).toBe(1);
    expect(m.perClass[2]).toEqual({ label: 'c', support: 2, correct: 1, recall: 0.5 });
  });

  it.each([
    { name: 'no samples', labels: LABELS, samples: [], message: /no samples/ },
    { name: 'no labels', labels: [], samples: [s('a', 'a')], message: /labels is empty/ },
    { name: 'duplicate labels', labels: ['a', 'a'], samples: [s('a', 'a')], message: /duplicate labels/ },
    {
      name: 'unknown truth',
      labels: LABELS,
      samples: [s('z', 'a')],
      message: /true label "z" is not one of a, b, c/,
    },
    { name: 'unknown prediction', labels: LABELS, samples: [s('a', 'z')], message: /predicted label "z"/ },
  ])('$name throws', ({ labels, samples, message }) => {
    expect(() => computeClassificationMetrics(labels, samples)).toThrow(message);
  });
});

describe('formatting', () => {
  const m = computeClassificationMetrics(LABELS, [s('a', 'a'), s('a', 'b'), s('b', 'b'), s('c', null)]);
  it('confusion matrix table', () => {
    expect(formatConfusionMatrix(m, 'no face')).toBe(
      [
        'true \\ predicted  a  b  c  no face  recall',
        'a                 1  1  0        0   50.0%',
        'b                 0  1  0        0  100.0%',
        'c                 0  0  0        1    0.0%',
      ].join('\n'),
    );
  });
  it('no "none" column when everything had a prediction', () => {
    const full = computeClassificationMetrics(LABELS, [s('a', 'a')]);
    expect(formatConfusionMatrix(full).split('\n')[0]).toBe('true \\ predicted  a  b  c  recall');
    expect(formatConfusionMatrix(full).split('\n')[2]).toBe('b                 0  0  0       -');
  });
  it('per-class recall table', () => {
    expect(formatPerClassRecall(m)).toBe(
      [
        'class  support  correct  recall',
        'a            2        1   50.0%',
        'b            1        1  100.0%',
        'c            1        0    0.0%',
      ].join('\n'),
    );
  });
  it('formatTable aligns names left and numbers right', () => {
    expect(
      formatTable(
        [
          ['name', 'n'],
          ['a', '100'],
          ['long name', '2'],
        ],
        1,
      ),
    ).toBe('name         n\na          100\nlong name    2');
  });
});
