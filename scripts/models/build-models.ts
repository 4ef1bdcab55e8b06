/**
 * `npm run models`: converts every bundled model from its pinned npm package into models/*.onnx and writes
 * models/manifest.json. TypeScript only; the same inputs always give byte-identical files (checked by
 * tests/models/manifest.test.ts and the golden tests).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { ClassifierEntry, Manifest, ModelEntry } from '../../src/ml/manifest.ts';
import { convertBlazeFace } from './convert-blazeface.ts';
import { convertFaceApiExpression } from './convert-face-api-expression.ts';
import { convertMiniXception } from './convert-mini-xception.ts';
import type { ConvertedModel } from './converted-model.ts';

export const MODELS_DIR = fileURLToPath(new URL('../../models/', import.meta.url));

/**
 * Every model converted from an npm package, in manifest order: detectors first, then classifiers. The
 * classifiers the project trains itself (`npm run train`, training/) come before these converted ones: the
 * first classifier is the engine's default. Among the converted ones face-api's expression net comes first,
 * chosen on FER2013 PublicTest (crop mode: 55.6% accuracy, 55.8% macro recall against mini-Xception's 55.0% /
 * 48.1%; full mode at margin 0.1: 53.4% against 49.4%).
 */
export const CONVERTERS: readonly (() => Promise<ConvertedModel>)[] = [
  () => convertBlazeFace('short'),
  () => convertBlazeFace('full'),
  convertFaceApiExpression,
  convertMiniXception,
];

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function toManifestEntry(model: ConvertedModel): ModelEntry {
  const file = `${model.id}.onnx`;
  return { ...model.entry, file, sha256: sha256(model.onnx), bytes: model.onnx.length };
}

/**
 * The trained classifiers of an existing manifest (entries with `training`), whose ONNX files `npm run train`
 * wrote and which no npm package can rebuild: kept as they are, with their files checked.
 */
async function trainedEntries(dir: string): Promise<ClassifierEntry[]> {
  let text: string;
  try {
    text = await readFile(path.join(dir, 'manifest.json'), 'utf8');
  } catch {
    return [];
  }
  const trained = (JSON.parse(text) as Manifest).models.filter(
    (m): m is ClassifierEntry => m.kind === 'classifier' && m.training !== undefined,
  );
  for (const entry of trained) {
    const bytes = await readFile(path.join(dir, entry.file)).catch(() => {
      throw new Error(
        `${entry.file} (trained classifier '${entry.id}') is missing: run npm run train, or git checkout models/`,
      );
    });
    if (sha256(bytes) !== entry.sha256) {
      throw new Error(
        `${entry.file}: its SHA-256 differs from the manifest's; run npm run train again, or git checkout models/`,
      );
    }
  }
  return trained;
}

export async function buildModels(outDir = MODELS_DIR): Promise<Manifest> {
  await mkdir(outDir, { recursive: true });
  const trained = await trainedEntries(outDir);
  const models: ModelEntry[] = [];
  for (const convert of CONVERTERS) {
    const model = await convert();
    const entry = toManifestEntry(model);
    await writeFile(path.join(outDir, entry.file), model.onnx);
    if (entry.kind === 'classifier' && !models.some((m) => m.kind === 'classifier')) models.push(...trained);
    models.push(entry);
    console.log(
      `${entry.id.padEnd(22)} ${(entry.bytes / 1024).toFixed(0).padStart(6)} KiB  ${entry.sha256.slice(0, 16)}…`,
    );
  }
  const manifest: Manifest = { version: 1, models };
  await writeFile(path.join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const outDir = process.argv[2] ? path.resolve(process.argv[2]) : MODELS_DIR;
  buildModels(outDir).then(
    () => console.log(`wrote ${outDir}manifest.json`),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
