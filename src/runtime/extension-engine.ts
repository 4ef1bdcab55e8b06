/**
 * The engine inside the extension (offscreen document in Chrome, background page in Firefox): models and the
 * onnxruntime-web runtime files come from the extension package itself (wxt.config.ts copies them to
 * /models/ and /ort/), never from a CDN; models the user installed (EMO-AffectNet, options page) come from
 * the extension's IndexedDB (./user-models.ts) and join the manifest as optional models.
 */
import { browser } from 'wxt/browser';
import { createEngine } from '../ml/engine.ts';
import type { Manifest, ModelEntry, TemporalEntry } from '../ml/manifest.ts';
import type { WasmThreads } from '../protocol/engine-status.ts';
import { createFrameDecoder, decodeImage } from './decode-image.ts';
import { createVp8Decoders } from '../transport/vp8-decoders.ts';
import { createEngineHost, type EngineHost, type EngineHostDeps } from './engine-host.ts';
import { loadEngine, type LoadedEngine, type LoadOptions } from './engine-loader.ts';
import { createOrtBackend } from './ort-backend.ts';
import { composeModels } from './model-composition.ts';
import { listUserModels, loadUserModel, withTemporal } from './user-models.ts';
import { probeWebGpu } from './webgpu-probe.ts';
import { traced } from './load-trace.ts';
import { likelyRuntimeFile, preloadRuntime } from './runtime-preload.ts';
import { wasmThreadsFor } from './wasm-threads.ts';

/** A file of the extension package by absolute path ("/models/manifest.json"). */
export function packageUrl(path: string): string {
  return (browser.runtime.getURL as (path: string) => string)(path);
}

async function fetchPackaged(path: string): Promise<Response> {
  const response = await fetch(packageUrl(path));
  if (!response.ok) {
    throw new Error(
      `${path} is missing from the extension package (HTTP ${response.status}); rebuild with \`npm run build\`.`,
    );
  }
  return response;
}

/**
 * onnxruntime-web reads its thread count once, when its WebAssembly runtime starts in this page: the first
 * load's setting holds for the page's life (a later load reuses the started runtime).
 */
let runtimeThreads: WasmThreads | null = null;

export function loadExtensionEngine(options: LoadOptions): Promise<LoadedEngine> {
  return traced('load engine', () => load(options));
}

async function load(options: LoadOptions): Promise<LoadedEngine> {
  // Asked now, answered while the manifest and the user's models are read.
  const probe = traced('probe WebGPU', () => probeWebGpu());
  const bundled = await traced(
    'read manifest',
    async () => (await (await fetchPackaged('/models/manifest.json')).json()) as Manifest,
  );
  const user = await traced('list user models', () => listUserModels());
  const bundledIds = new Set(bundled.models.map((m) => m.id));
  const paired = withTemporal(
    user.entries.filter((e) => !bundledIds.has(e.id)),
    user.temporal,
  );
  const stored = <E extends ModelEntry | TemporalEntry>(entry: E) => ({
    entry,
    bytes: () => loadUserModel(entry),
  });
  const { manifest, backendModels, extraIds, loadModel } = composeModels({
    bundled,
    readBundled: async (file) => new Uint8Array(await (await fetchPackaged(`/models/${file}`)).arrayBuffer()),
    extra: paired.classifiers.map(stored),
    temporal: paired.temporal ? [stored(paired.temporal)] : [],
  });
  runtimeThreads ??= {
    setting: options.wasmThreads,
    inUse: wasmThreadsFor(
      options.wasmThreads,
      globalThis.crossOriginIsolated,
      globalThis.navigator?.hardwareConcurrency ?? 1,
    ),
  };
  const numThreads = runtimeThreads.inUse;
  return loadEngine(
    {
      manifest,
      optionalModelIds: extraIds,
      modelNotes: user.notes,
      temporal: paired.temporal,
      temporalNote: paired.note,
      wasmThreads: runtimeThreads,
      createBackend: (providers) =>
        createOrtBackend(backendModels, {
          loadModel,
          executionProviders: providers,
          numThreads,
          wasmPaths: packageUrl('/ort/'),
          wasmOnlyBuild: true,
        }),
      createEngine: (backend, m) => createEngine(backend, m, { now: () => performance.now() }),
      probeWebGpu: () => probe,
    },
    options,
  );
}

/**
 * Starts reading the runtime's WebAssembly file now (runtime-preload.ts): for the offscreen document, which
 * is created when the popup opens and configured a few hundred ms later.
 */
export async function preloadExtensionRuntime(doc: Document): Promise<void> {
  preloadRuntime(doc, packageUrl('/ort/'), likelyRuntimeFile(await probeWebGpu()));
}

/** The engine host of this extension page (offscreen document, or Firefox's background page). */
export function createExtensionEngineHost(): EngineHost {
  return createEngineHost(extensionEngineHostDeps());
}

/** Everything the engine host needs, from this extension page. */
export function extensionEngineHostDeps(): EngineHostDeps {
  return {
    load: loadExtensionEngine,
    decodeImage: (bytes, type) => decodeImage(bytes, type),
    decodeFrame: createFrameDecoder(),
    videoDecoders: createVp8Decoders(),
    nowMs: () => performance.now(),
    epochMs: () => performance.timeOrigin + performance.now(),
  };
}
