/** The engine as the tools hold it (engine, manifest, backend, close), and how the real one is opened. */
import type { Engine } from '../ml/engine-api.ts';
import type { InferenceBackend } from '../ml/backend.ts';
import type { ClassifierEntry, Manifest, TemporalEntry } from '../ml/manifest.ts';

/** What the tools need from an engine: the engine, the manifest (to list and check ids), and a way to free it. */
export interface EngineHandle {
  engine: Engine;
  manifest?: Manifest;
  /** What runs the models, e.g. "onnxruntime-web wasm". */
  backendName?: string;
  /** The backend under the engine, for bench's raw classifier timings (absent in fakes). */
  backend?: InferenceBackend;
  close?: () => Promise<void>;
}

export interface OpenEngineOptions {
  numThreads?: number;
  /** Classifiers that are not in models/ (the user's EMO-AffectNet import, see emo-weights.ts). */
  extraModels?: readonly { entry: ClassifierEntry; onnx: Uint8Array }[];
  /** Temporal models (EMO-AffectNet's LSTM, see emo-weights.ts), run through the engine's backend. */
  temporalModels?: readonly { entry: TemporalEntry; onnx: Uint8Array }[];
}
export type OpenEngine = (options?: OpenEngineOptions) => Promise<EngineHandle>;

/** Opens the real engine: models/manifest.json and the ONNX files from disk (plus extraModels), wasm. */
export async function openNodeEngine(options: OpenEngineOptions = {}): Promise<EngineHandle> {
  const { createNodeEngine } = await import('../runtime/node-engine.ts');
  const { engine, manifest, backend } = await createNodeEngine(options);
  return { engine, manifest, backend, backendName: backend.name, close: async () => backend.dispose?.() };
}
