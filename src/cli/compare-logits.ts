/**
 * How far two builds of one model (EMO-AffectNet float16 weights vs float32) disagree on the logits of the
 * same crops, run on the backend directly; for bench's EMO-AffectNet section.
 */
import type { InferenceBackend } from '../ml/backend.ts';
import { classifierBatch } from '../ml/engine.ts';
import { allocateInput, preprocessImage } from '../ml/classifier-preprocess.ts';
import type { Emotion } from '../ml/emotions.ts';
import type { ClassifierEntry } from '../ml/manifest.ts';
import type { RgbaImage } from '../ml/types.ts';

export interface LabelledCrop {
  image: RgbaImage;
  label: Emotion;
}

export interface LogitsComparison {
  crops: number;
  /** Largest and mean |a - b| over every logit of every crop. */
  maxAbsDiff: number;
  meanAbsDiff: number;
  /** Fraction of crops whose top class is the same under both models. */
  top1Agreement: number;
  /** Accuracy of each model against the labels (meaningless for weights other than the authors'). */
  accuracyA: number;
  accuracyB: number;
}

function argmax(values: Float32Array, from: number, count: number): number {
  let best = 0;
  for (let i = 1; i < count; i++) if (values[from + i]! > values[from + best]!) best = i;
  return best;
}

/**
 * Runs both models on the same crops (preprocessed with each entry's own manifest preprocessing, in
 * batches of up to their maxBatch) and compares the raw outputs (logits for EMO-AffectNet). The two
 * entries must share their labels and output order.
 */
export async function compareLogits(
  backend: InferenceBackend,
  a: ClassifierEntry,
  b: ClassifierEntry,
  crops: readonly LabelledCrop[],
): Promise<LogitsComparison> {
  if (a.labels.join() !== b.labels.join()) {
    throw new Error(`compareLogits: ${a.id} and ${b.id} order their labels differently`);
  }
  if (crops.length === 0) throw new Error('compareLogits: no crops to compare');
  const classes = a.labels.length;
  const run = async (entry: ClassifierEntry): Promise<Float32Array> => {
    const batch = classifierBatch(entry);
    const size = allocateInput(entry).length;
    const input = new Float32Array(size * batch);
    const out = new Float32Array(crops.length * classes);
    for (let first = 0; first < crops.length; first += batch) {
      const group = crops.slice(first, first + batch);
      group.forEach((c, i) => preprocessImage(c.image, entry, input.subarray(i * size, (i + 1) * size)));
      const result = await backend.run(entry.id, {
        [entry.input.name]: {
          data: input.subarray(0, group.length * size),
          dims: [group.length, ...entry.input.shape.slice(1)],
        },
      });
      const logits = result[entry.output];
      if (logits?.data.length !== group.length * classes) {
        throw new Error(
          `compareLogits: ${entry.id} gave no '${entry.output}' of ${group.length} x ${classes}`,
        );
      }
      out.set(logits.data, first * classes);
    }
    return out;
  };
  const la = await run(a);
  const lb = await run(b);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < la.length; i++) {
    const d = Math.abs(la[i]! - lb[i]!);
    max = Math.max(max, d);
    sum += d;
  }
  let agree = 0;
  let correctA = 0;
  let correctB = 0;
  crops.forEach((c, k) => {
    const ta = argmax(la, k * classes, classes);
    const tb = argmax(lb, k * classes, classes);
    if (ta === tb) agree++;
    if (a.labels[ta] === c.label) correctA++;
    if (b.labels[tb] === c.label) correctB++;
  });
  const n = crops.length;
  return {
    crops: n,
    maxAbsDiff: max,
    meanAbsDiff: sum / la.length,
    top1Agreement: agree / n,
    accuracyA: correctA / n,
    accuracyB: correctB / n,
  };
}
