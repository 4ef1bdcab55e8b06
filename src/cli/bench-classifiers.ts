/**
 * bench's classifier rows, measured on the backend directly (no detector): per-face latency at batch 1 and
 * at batch n (several faces in one call, as the engine sends the faces of a frame), and how far two builds
 * of one model (EMO-AffectNet float16 weights vs float32) disagree on the logits of the same crops.
 */
import type { InferenceBackend } from '../ml/backend.ts';
import { classifierBatch } from '../ml/engine.ts';
import { allocateInput, preprocessImage } from '../ml/classifier-preprocess.ts';
import type { Emotion } from '../ml/emotions.ts';
import type { ClassifierEntry } from '../ml/manifest.ts';
import type { RgbaImage } from '../ml/types.ts';
import { formatTable } from '../eval/classification-metrics.ts';
import { median } from './bench.ts';

export interface BatchLimits {
  /** Measured calls per batch size, at least. */
  runs: number;
  /** Stop after this long per batch size once `runs` is reached... */
  seconds: number;
  /** ...and after this long in any case (at least one call). */
  maxSeconds: number;
}

export interface BatchRow {
  classifierId: string;
  weights: ClassifierEntry['weights'];
  maxBatch: number;
  /** Median ms per face over the calls at batch 1. */
  perFaceMs1: number;
  /** The batch size actually measured (min(asked, maxBatch)); 1 when the model takes one face per call. */
  batch: number;
  perFaceMsBatch: number;
  calls: { batch1: number; batchN: number };
}

/** One face of the model's input: a fixed smooth pattern (latency does not depend on the pixels). */
function syntheticFaces(entry: ClassifierEntry, faces: number): Float32Array {
  const size = allocateInput(entry).length;
  const data = new Float32Array(size * faces);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.001) * 50;
  return data;
}

async function timeCalls(
  backend: InferenceBackend,
  entry: ClassifierEntry,
  faces: number,
  limits: BatchLimits,
): Promise<{ perFaceMs: number; calls: number }> {
  const data = syntheticFaces(entry, faces);
  const feeds = { [entry.input.name]: { data, dims: [faces, ...entry.input.shape.slice(1)] } };
  await backend.run(entry.id, feeds); // warm-up: creates the session, sizes the arena
  const ms: number[] = [];
  const started = performance.now();
  const elapsed = (): number => (performance.now() - started) / 1000;
  while (
    (ms.length < limits.runs || elapsed() < limits.seconds) &&
    (ms.length === 0 || elapsed() < limits.maxSeconds)
  ) {
    const t = performance.now();
    await backend.run(entry.id, feeds);
    ms.push(performance.now() - t);
  }
  return { perFaceMs: median(ms) / faces, calls: ms.length };
}

/** Per-face latency of each classifier at batch 1 and at batch `batch` (capped by its maxBatch). */
export async function benchBatches(
  backend: InferenceBackend,
  entries: readonly ClassifierEntry[],
  batch: number,
  limits: BatchLimits,
  progress: (entry: ClassifierEntry) => void = () => undefined,
): Promise<BatchRow[]> {
  const rows: BatchRow[] = [];
  for (const entry of entries) {
    progress(entry);
    const maxBatch = classifierBatch(entry);
    const n = Math.min(batch, maxBatch);
    const one = await timeCalls(backend, entry, 1, limits);
    const many = n > 1 ? await timeCalls(backend, entry, n, limits) : one;
    rows.push({
      classifierId: entry.id,
      weights: entry.weights,
      maxBatch,
      perFaceMs1: one.perFaceMs,
      batch: n,
      perFaceMsBatch: many.perFaceMs,
      calls: { batch1: one.calls, batchN: n > 1 ? many.calls : 0 },
    });
  }
  return rows;
}

const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

export function formatBatchTable(rows: readonly BatchRow[]): string {
  const header = [
    'classifier',
    'weights',
    'maxBatch',
    'ms/face batch 1',
    'batch n',
    'ms/face batch n',
    'speed-up',
  ];
  return formatTable(
    [
      header,
      ...rows.map((r) => [
        r.classifierId,
        r.weights,
        String(r.maxBatch),
        ms(r.perFaceMs1),
        String(r.batch),
        r.batch > 1 ? ms(r.perFaceMsBatch) : '- (batch fixed at 1)',
        r.batch > 1 ? `x${(r.perFaceMs1 / r.perFaceMsBatch).toFixed(2)}` : '-',
      ]),
    ],
    2,
  );
}

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
