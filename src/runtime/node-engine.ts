/**
 * The engine for Node (CLI, eval, bench, tests): models/manifest.json and the .onnx files from disk,
 * onnxruntime-web's wasm backend (the same engine the extension ships).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../ml/engine.ts';
import type { AnalyzeOptions, Engine } from '../ml/engine-api.ts';
import type { Manifest, ModelEntry, TemporalEntry } from '../ml/manifest.ts';
import { createOrtBackend, type OrtBackend } from './ort-backend.ts';

export const DEFAULT_MODELS_DIR = fileURLToPath(new URL('../../models/', import.meta.url));

/** A model that is not in models/ (the user's EMO-AffectNet import): its entry and ONNX bytes, in memory. */
export interface InMemoryModel {
  entry: ModelEntry;
  onnx: Uint8Array;
}

export interface NodeEngineOptions {
  modelsDir?: string;
  /** Added to the manifest after the bundled models; their bytes are served from memory. */
  extraModels?: readonly InMemoryModel[];
  /** Temporal models (EMO-AffectNet's LSTM), from memory: run through the same backend, not the engine. */
  temporalModels?: readonly { entry: TemporalEntry; onnx: Uint8Array }[];
  defaults?: Partial<AnalyzeOptions>;
  numThreads?: number;
  preload?: boolean;
}

export async function readManifest(modelsDir = DEFAULT_MODELS_DIR): Promise<Manifest> {
  const file = path.join(modelsDir, 'manifest.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new Error(`No model manifest at ${file}. Run \`npm run models\` to build the models.`);
  }
  return JSON.parse(text) as Manifest;
}

export async function createNodeEngine(
  options: NodeEngineOptions = {},
): Promise<{ engine: Engine; manifest: Manifest; backend: OrtBackend }> {
  const modelsDir = options.modelsDir ?? DEFAULT_MODELS_DIR;
  const bundled = await readManifest(modelsDir);
  const extra = options.extraModels ?? [];
  const manifest: Manifest = { ...bundled, models: [...bundled.models, ...extra.map((m) => m.entry)] };
  const temporal = options.temporalModels ?? [];
  const inMemory = new Map([...extra, ...temporal].map((m) => [m.entry.file, m.onnx]));
  const backend = await createOrtBackend(
    { models: [...manifest.models, ...temporal.map((m) => m.entry)] },
    {
      loadModel: async (file) =>
        inMemory.get(file) ?? new Uint8Array(await readFile(path.join(modelsDir, file))),
      numThreads: options.numThreads ?? 1,
      preload: options.preload ?? false,
    },
  );
  const engine = createEngine(backend, manifest, {
    defaults: options.defaults,
    now: () => performance.now(),
  });
  return { engine, manifest, backend };
}
