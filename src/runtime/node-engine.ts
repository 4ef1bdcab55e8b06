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
import { composeModels } from './model-composition.ts';
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
  const inMemory = <E extends ModelEntry | TemporalEntry>(m: { entry: E; onnx: Uint8Array }) => ({
    entry: m.entry,
    bytes: () => Promise.resolve(m.onnx),
  });
  const { manifest, backendModels, loadModel } = composeModels({
    bundled: await readManifest(modelsDir),
    readBundled: async (file) => new Uint8Array(await readFile(path.join(modelsDir, file))),
    extra: (options.extraModels ?? []).map(inMemory),
    temporal: (options.temporalModels ?? []).map(inMemory),
  });
  const backend = await createOrtBackend(backendModels, {
    loadModel,
    numThreads: options.numThreads ?? 1,
    preload: options.preload ?? false,
  });
  const engine = createEngine(backend, manifest, {
    defaults: options.defaults,
    now: () => performance.now(),
  });
  return { engine, manifest, backend };
}
