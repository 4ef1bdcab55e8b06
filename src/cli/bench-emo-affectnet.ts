/**
 * bench's EMO-AffectNet section (with --weights): the float32 build and, from a .pt, a float16 build beside
 * it; their import time and size; and how far float16 moves the logits on FER2013 PrivateTest crops.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InferenceBackend } from '../ml/backend.ts';
import { isEmotion } from '../ml/emotions.ts';
import { parseCsv } from '../eval/csv.ts';
import type { CliIo } from './cli-io.ts';
import { type LabelledCrop, type LogitsComparison, compareLogits } from './compare-logits.ts';
import { EMO_AFFECTNET_ID, type LoadedWeights, loadWeightsForTool } from './emo-weights.ts';
import { readImage } from './image-io.ts';
import { evenlySpaced } from './stats.ts';

/** Manifest id of the float16 build bench makes beside the float32 one. */
export const EMO_FP16_ID = `${EMO_AFFECTNET_ID}-fp16`;
/** The FER2013 test crops (../shared/data/README.md), PrivateTest being the split to report on. */
export const FER_LABELS = 'fer2013-test/labels.csv';

/** The ids with the float16 build added after EMO-AffectNet's, for the classifier rows. */
export function withFp16Build(ids: readonly string[]): string[] {
  return ids.includes(EMO_AFFECTNET_ID) ? [...ids, EMO_FP16_ID] : [...ids];
}

/** n evenly spaced FER2013 PrivateTest crops (every class kept: the CSV is sorted by class). */
export async function loadFerCrops(dataDir: string, n: number): Promise<LabelledCrop[]> {
  const csv = join(dataDir, FER_LABELS);
  const table = parseCsv(await readFile(csv, 'utf8'), { source: csv, required: ['path', 'label', 'usage'] });
  const rows = table.rows.filter((r) => r.usage === 'PrivateTest');
  const crops: LabelledCrop[] = [];
  for (const row of evenlySpaced(rows, n)) {
    const label = row.label ?? '';
    if (!isEmotion(label)) throw new Error(`${csv}: label '${label}' is not one of the 7 emotions`);
    crops.push({ image: await readImage(join(dataDir, 'fer2013-test', row.path ?? '')), label });
  }
  return crops;
}

export interface EmoReport {
  file: string;
  fileBytes: number;
  authors: boolean;
  builds: { id: string; weights: string; importMs: number; onnxBytes: number }[];
  consistency?: LogitsComparison & { split: string };
  consistencyNote?: string;
}

export function formatEmoReport(r: EmoReport): string {
  const lines = [
    `EMO-AffectNet (ResNet-50) from ${r.file} (${(r.fileBytes / 1e6).toFixed(1)} MB): ` +
      (r.authors
        ? "the authors' weights"
        : "NOT the authors' weights (a test checkpoint?): any accuracy below is meaningless; these rows are about speed, size and fp16/fp32 consistency"),
  ];
  for (const b of r.builds) {
    lines.push(
      `  import + build ${b.weights.padEnd(7)} ${(b.importMs / 1000).toFixed(2)} s -> ONNX ${(b.onnxBytes / 1e6).toFixed(1)} MB (${b.id})`,
    );
  }
  const c = r.consistency;
  if (c !== undefined) {
    const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
    lines.push(
      `  fp16 vs fp32 logits on ${c.crops} FER2013 ${c.split} crops: max |diff| ${c.maxAbsDiff.toExponential(2)}, ` +
        `mean |diff| ${c.meanAbsDiff.toExponential(2)}, top-1 agreement ${pct(c.top1Agreement)}; accuracy fp32 ` +
        `${pct(c.accuracyA)}, fp16 ${pct(c.accuracyB)}${r.authors ? '' : " (meaningless: not the authors' weights)"}`,
    );
  }
  if (r.consistencyNote !== undefined) lines.push(`  ${r.consistencyNote}`);
  return lines.join('\n');
}

/**
 * The --weights builds bench times: none without it; the float32 build, plus a float16 one when the file is
 * a .pt; null when a file cannot be used (printed; bench exits with 1).
 */
export async function loadEmoBuilds(
  weightsPath: string | undefined,
  io: CliIo,
): Promise<LoadedWeights[] | null> {
  const emo: LoadedWeights[] = [];
  const fp32 = await loadWeightsForTool('bench', weightsPath, io);
  if (fp32 === null) return null;
  if (fp32 !== undefined) {
    emo.push(fp32);
    if (fp32.from === 'pytorch') {
      const fp16 = await loadWeightsForTool('bench', weightsPath, io, {
        storage: 'float16',
        id: EMO_FP16_ID,
      });
      if (fp16 === null) return null;
      if (fp16 !== undefined) emo.push(fp16);
    }
  }
  return emo;
}

/** The section's report: the builds, and the fp16/fp32 comparison when a backend and the crops are there. */
export async function emoReport(
  emo: readonly LoadedWeights[],
  backend: InferenceBackend | undefined,
  dataDir: string,
  cropCount: number,
  io: CliIo,
): Promise<EmoReport | undefined> {
  const [a, b] = emo;
  if (a === undefined) return undefined;
  const report: EmoReport = {
    file: a.path,
    fileBytes: a.fileBytes,
    authors: a.authors,
    builds: emo.map((w) => ({
      id: w.entry.id,
      weights: w.entry.weights,
      importMs: w.importMs,
      onnxBytes: w.entry.bytes,
    })),
  };
  if (b === undefined) {
    report.consistencyNote = 'no fp16 build: it is built from a .pt, and an ONNX file was given';
  } else if (backend === undefined) {
    report.consistencyNote = 'no fp16/fp32 comparison: this engine exposes no backend';
  } else if (!existsSync(join(dataDir, FER_LABELS))) {
    report.consistencyNote = `no fp16/fp32 comparison: ${join(dataDir, FER_LABELS)} is missing`;
  } else {
    io.err(`bench: fp16 vs fp32 logits on ${cropCount} FER2013 PrivateTest crops...\n`);
    const crops = await loadFerCrops(dataDir, cropCount);
    report.consistency = {
      split: 'PrivateTest',
      ...(await compareLogits(backend, a.entry, b.entry, crops)),
    };
  }
  return report;
}
