/**
 * bench's classifier rows, measured on the backend directly (no detector): per-face latency at batch 1 and
 * at batch n (several faces in one call, as the engine sends the faces of a frame).
 */
import type { InferenceBackend } from '../ml/backend.ts';
import { classifierBatch } from '../ml/engine.ts';
import { allocateInput } from '../ml/classifier-preprocess.ts';
import type { ClassifierEntry } from '../ml/manifest.ts';
import { formatTable } from '../eval/classification-metrics.ts';
import type { CliIo } from './cli-io.ts';
import type { EngineHandle } from './open-engine.ts';
import { formatMs, median } from './stats.ts';

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

/**
 * The rows of the classifiers with these ids (in manifest order), at batch 1 and `batch`, with at most 10
 * calls per batch size; none, said on stderr, when the engine exposes no backend.
 */
export async function benchClassifierRows(
  handle: EngineHandle,
  ids: readonly string[],
  batch: number,
  limits: BatchLimits,
  io: CliIo,
): Promise<BatchRow[]> {
  if (handle.backend === undefined) {
    io.err('bench: this engine exposes no backend: no per-face batch rows\n');
    return [];
  }
  const entries = (handle.manifest?.models ?? []).filter(
    (m): m is ClassifierEntry => m.kind === 'classifier' && ids.includes(m.id),
  );
  return benchBatches(
    handle.backend,
    entries,
    batch,
    { runs: Math.min(limits.runs, 10), seconds: limits.seconds, maxSeconds: limits.maxSeconds },
    (entry) => io.err(`bench: ${entry.id} alone, batch 1 and ${batch}...\n`),
  );
}

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
        formatMs(r.perFaceMs1),
        String(r.batch),
        r.batch > 1 ? formatMs(r.perFaceMsBatch) : '- (batch fixed at 1)',
        r.batch > 1 ? `x${(r.perFaceMs1 / r.perFaceMsBatch).toFixed(2)}` : '-',
      ]),
    ],
    2,
  );
}
