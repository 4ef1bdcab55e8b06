/**
 * The only module that imports onnxruntime-web: one InferenceSession per manifest model, created once and
 * reused; runs of one session are serialised (onnxruntime-web refuses concurrent runs of a session).
 * Platform-neutral: the caller says how model bytes are loaded (fs in Node, fetch in the extension), where the
 * runtime files are, and how many wasm threads the page allows. onnxruntime-web's settings (`ort.env`) are
 * global and read when its wasm runtime starts, i.e. at the first session: set them here, never elsewhere.
 *
 * The module is imported on demand: where WebGPU is not among the providers, the extension loads
 * onnxruntime-web's wasm-only build, whose runtime is 14 MB of wasm instead of the WebGPU build's 28 MB: the
 * cold start's "runtime and first model" step went from 5.2 s to 1.6 s (npm run bench:e2e, 2-core machine).
 */
import type * as Ort from 'onnxruntime-web';
import type { InferenceBackend, TensorData } from '../ml/backend.ts';
import type { ModelEntry } from '../ml/manifest.ts';
import { traced } from './load-trace.ts';
import type { GpuDeviceLike } from './webgpu-probe.ts';

export type ExecutionProvider = 'webgpu' | 'wasm';

export interface OrtBackendOptions {
  /** Loads a model file named in the manifest (e.g. "blazeface-short.onnx"). */
  loadModel: (file: string) => Promise<Uint8Array>;
  /** Tried in order; onnxruntime-web falls back to the next one. Default ['wasm']. */
  executionProviders?: ExecutionProvider[];
  /** wasm threads; default 1 (predictable on small machines, and required where SharedArrayBuffer is missing). */
  numThreads?: number;
  /**
   * Where onnxruntime-web loads its runtime (.mjs + .wasm) from: the extension's own /ort/ folder (no CDN).
   * Default: next to the onnxruntime-web module (Node).
   */
  wasmPaths?: string;
  /** Create every session up front instead of on first use. */
  preload?: boolean;
  /**
   * Load onnxruntime-web's wasm-only build when 'webgpu' is not among the providers (browsers; default
   * false). Node resolves onnxruntime-web to its own build, which has no such variant.
   */
  wasmOnlyBuild?: boolean;
}

type OrtModule = typeof Ort;

/** The onnxruntime-web build for these providers (each build keeps its own `env`). */
async function importOrt(
  providers: readonly ExecutionProvider[],
  wasmOnlyBuild: boolean,
): Promise<OrtModule> {
  if (wasmOnlyBuild && !providers.includes('webgpu')) return import('onnxruntime-web/wasm');
  return import('onnxruntime-web');
}

interface ModelSession {
  session: Ort.InferenceSession;
  /** Tail of the queue of runs on this session. */
  queue: Promise<unknown>;
}

export interface OrtBackend extends InferenceBackend {
  /** Creates the session of a model now (and checks the file against the manifest's byte count). */
  load(modelId: string): Promise<void>;
  isLoaded(modelId: string): boolean;
  /**
   * The GPUDevice onnxruntime-web created for the WebGPU sessions (it picks the limits it needs), for watching
   * device loss; undefined when this backend does not run on WebGPU.
   */
  webGpuDevice(): Promise<GpuDeviceLike | undefined>;
}

/** What the backend needs of a model: its id, file and size (a manifest model, or a temporal model). */
export type BackendModel = Pick<ModelEntry, 'id' | 'file' | 'bytes'>;

export async function createOrtBackend(
  manifest: { readonly models: readonly BackendModel[] },
  options: OrtBackendOptions,
): Promise<OrtBackend> {
  const providers = options.executionProviders ?? ['wasm'];
  const ort = await traced('import onnxruntime-web', () =>
    importOrt(providers, options.wasmOnlyBuild ?? false),
  );
  ort.env.wasm.numThreads = options.numThreads ?? 1;
  if (options.wasmPaths !== undefined) ort.env.wasm.wasmPaths = options.wasmPaths;
  const sessions = new Map<string, Promise<ModelSession>>();

  const entryOf = (modelId: string): BackendModel => {
    const entry = manifest.models.find((m) => m.id === modelId);
    if (!entry) {
      const known = manifest.models.map((m) => m.id).join(', ');
      throw new Error(`Unknown model "${modelId}". The manifest has: ${known}.`);
    }
    return entry;
  };

  /** Tail of the session creations: one at a time (the first also starts the runtime). */
  let creating: Promise<unknown> = Promise.resolve();
  const loaded = new Set<string>();

  // A model's file is read as soon as it is asked for, in parallel with the runtime starting and the other
  // models' sessions being created; the sessions themselves are created one after another, in order.
  const open = async (entry: BackendModel): Promise<ModelSession> => {
    const reading = traced(`read ${entry.file}`, () => options.loadModel(entry.file));
    reading.catch(() => undefined); // handled below, once its turn comes
    const turn = creating;
    const mine = (async () => {
      await turn.catch(() => undefined);
      return create(entry, await reading);
    })();
    creating = mine.catch(() => undefined);
    const model = await mine;
    loaded.add(entry.id);
    return model;
  };

  const create = async (entry: BackendModel, bytes: Uint8Array): Promise<ModelSession> => {
    if (bytes.length !== entry.bytes) {
      throw new Error(
        `Model file ${entry.file} has ${bytes.length} bytes, the manifest says ${entry.bytes}: ` +
          'the models folder and manifest.json disagree (run `npm run models`).',
      );
    }
    // The first creation also starts the runtime (fetching and compiling its WebAssembly).
    const session = await traced(`session ${entry.id}`, () =>
      ort.InferenceSession.create(bytes, { executionProviders: providers, graphOptimizationLevel: 'all' }),
    );
    return { session, queue: Promise.resolve() };
  };

  const sessionOf = (modelId: string): Promise<ModelSession> => {
    let pending = sessions.get(modelId);
    if (!pending) {
      pending = open(entryOf(modelId));
      // A failed load is not cached, so a later call can retry (e.g. after the file is restored).
      pending.catch(() => sessions.delete(modelId));
      sessions.set(modelId, pending);
    }
    return pending;
  };

  if (options.preload) await Promise.all(manifest.models.map((m) => sessionOf(m.id)));

  return {
    name: `onnxruntime-web ${providers.join('+')}`,
    async load(modelId) {
      await sessionOf(modelId);
    },
    isLoaded: (modelId) => loaded.has(modelId),
    async webGpuDevice() {
      // Reading ort.env.webgpu.device creates a device when none exists: only ask once WebGPU is in use.
      if (!providers.includes('webgpu')) return undefined;
      // A GPUDevice, typed loosely (TypeScript's DOM lib has no WebGPU types).
      return await ort.env.webgpu.device;
    },
    async run(modelId, inputs) {
      const model = await sessionOf(modelId);
      const feeds: Record<string, Ort.Tensor> = {};
      for (const [name, t] of Object.entries(inputs)) feeds[name] = new ort.Tensor('float32', t.data, t.dims);
      const result = model.queue.then(() => model.session.run(feeds));
      model.queue = result.catch(() => undefined);
      const outputs = await result;
      const converted: Record<string, TensorData> = {};
      for (const [name, tensor] of Object.entries(outputs)) {
        if (tensor.type !== 'float32')
          throw new Error(`Model ${modelId} output ${name} is ${tensor.type}, expected float32`);
        converted[name] = { data: tensor.data as Float32Array, dims: tensor.dims };
        tensor.dispose();
      }
      return converted;
    },
    async dispose() {
      const all = [...sessions.values()];
      sessions.clear();
      loaded.clear();
      for (const pending of all) {
        const model = await pending.catch(() => undefined);
        await model?.session.release();
      }
    },
  };
}
