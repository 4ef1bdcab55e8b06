/**
 * Classifier metrics: accuracy, per-class recall, macro recall (unweighted mean of the recall of the classes
 * present, the number to read beside accuracy when classes are imbalanced, as FER2013's 55 disgust images
 * are: ../shared/data/README.md), and the confusion matrix (rows = true class, columns = predicted).
 * A sample without a prediction (full mode: no face found) counts as wrong and has its own column.
 */

export interface LabelledPrediction {
  truth: string;
  /** null when nothing was predicted (e.g. no face found). */
  predicted: string | null;
}

export interface ClassRecall {
  label: string;
  /** Samples whose true class is this one. */
  support: number;
  correct: number;
  /** correct / support; null when the class has no samples. */
  recall: number | null;
}

export interface ClassificationMetrics {
  labels: readonly string[];
  total: number;
  correct: number;
  accuracy: number;
  /** Mean recall over the classes with support > 0. */
  macroRecall: number;
  perClass: ClassRecall[];
  /** confusion[t][p]: samples of true class labels[t] predicted as labels[p]; p = labels.length is "no prediction". */
  confusion: number[][];
  /** Samples without a prediction. */
  unpredicted: number;
}

export function computeClassificationMetrics(
  labels: readonly string[],
  samples: readonly LabelledPrediction[],
): ClassificationMetrics {
  if (labels.length === 0)
    throw new Error('computeClassificationMetrics: labels is empty, expected the class names');
  if (new Set(labels).size !== labels.length)
    throw new Error(`computeClassificationMetrics: duplicate labels in ${labels.join(', ')}`);
  if (samples.length === 0)
    throw new Error('computeClassificationMetrics: no samples; check the CSV filter (--usage, --limit)');
  const index = new Map(labels.map((label, i) => [label, i]));
  const confusion = labels.map(() => new Array<number>(labels.length + 1).fill(0));
  let correct = 0;
  let unpredicted = 0;
  for (const { truth, predicted } of samples) {
    const t = index.get(truth);
    if (t === undefined)
      throw new Error(
        `computeClassificationMetrics: true label "${truth}" is not one of ${labels.join(', ')}`,
      );
    let p = labels.length;
    if (predicted === null) {
      unpredicted++;
    } else {
      const found = index.get(predicted);
      if (found === undefined) {
        throw new Error(
          `computeClassificationMetrics: predicted label "${predicted}" is not one of ${labels.join(', ')}`,
        );
      }
      p = found;
    }
    const row = confusion[t];
    if (row !== undefined) row[p] = (row[p] ?? 0) + 1;
    if (p === t) correct++;
  }
  const perClass = labels.map((label, t): ClassRecall => {
    const row = confusion[t] ?? [];
    const support = row.reduce((a, b) => a + b, 0);
    const hits = row[t] ?? 0;
    return { label, support, correct: hits, recall: support === 0 ? null : hits / support };
  });
  const present = perClass.filter((c) => c.recall !== null);
  const macroRecall = present.reduce((sum, c) => sum + (c.recall ?? 0), 0) / present.length;
  return {
    labels,
    total: samples.length,
    correct,
    accuracy: correct / samples.length,
    macroRecall,
    perClass,
    confusion,
    unpredicted,
  };
}

/** Aligned text table: the first `leftColumns` columns left-aligned (names), the rest right-aligned (numbers). */
export function formatTable(rows: readonly (readonly string[])[], leftColumns = 1): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, c) => (widths[c] = Math.max(widths[c] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row
        .map((cell, c) => (c < leftColumns ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function formatPercent(value: number | null): string {
  return value === null ? '-' : `${(value * 100).toFixed(1)}%`;
}

/** Per-class recall as an aligned table: class, support, correct, recall. */
export function formatPerClassRecall(metrics: ClassificationMetrics): string {
  const rows = [['class', 'support', 'correct', 'recall']];
  for (const c of metrics.perClass)
    rows.push([c.label, String(c.support), String(c.correct), formatPercent(c.recall)]);
  return formatTable(rows);
}

/**
 * The confusion matrix as an aligned table: one row per true class, one column per predicted class, a
 * "no face" column when some sample had no prediction, and each row's recall.
 */
export function formatConfusionMatrix(metrics: ClassificationMetrics, noPredictionLabel = 'none'): string {
  const showNone = metrics.unpredicted > 0;
  const header = ['true \\ predicted', ...metrics.labels, ...(showNone ? [noPredictionLabel] : []), 'recall'];
  const rows = [header];
  metrics.labels.forEach((label, t) => {
    const row = metrics.confusion[t] ?? [];
    const cells = row.slice(0, showNone ? row.length : metrics.labels.length).map(String);
    rows.push([label, ...cells, formatPercent(metrics.perClass[t]?.recall ?? null)]);
  });
  return formatTable(rows);
}
