/**
 * Starts reading onnxruntime-web's WebAssembly file (14 MB, 28 MB with WebGPU) as soon as the engine's page
 * opens, while the page boots and waits for its configuration: a `<link rel="preload">` whose response the
 * runtime's own fetch of the same URL then takes, so the bytes are read once and nothing stays in memory.
 * Measured in an extension page (one fresh browser, compileStreaming of the file): 157-184 ms without, 78 ms
 * after a preload; in `npm run bench:e2e`'s fresh-browser cold runs the gain is below their run-to-run spread. Which file: the one the default preference ('auto') will load; a user who chose another
 * backend gets the runtime's own fetch, as before (Chrome then warns in the console that a preload went unused).
 */
import type { Provider } from '../protocol/engine-status.ts';
import { chooseProvider } from './provider-choice.ts';
import type { WebGpuProbe } from './webgpu-probe.ts';

/** The runtime file each provider's onnxruntime-web build loads (ort-backend.ts: wasm-only build without WebGPU). */
export const RUNTIME_WASM: Readonly<Record<Provider, string>> = Object.freeze({
  wasm: 'ort-wasm-simd-threaded.wasm',
  webgpu: 'ort-wasm-simd-threaded.jsep.wasm',
});

/** The runtime file the engine will most likely load, from what WebGPU offers. */
export function likelyRuntimeFile(probe: WebGpuProbe): string {
  return RUNTIME_WASM[chooseProvider('auto', probe).provider];
}

/** Adds the preload of `${wasmPaths}${file}` to `doc`; `wasmPaths` as given to onnxruntime-web. */
export function preloadRuntime(doc: Document, wasmPaths: string, file: string): void {
  const link = doc.createElement('link');
  link.rel = 'preload';
  link.as = 'fetch';
  // The runtime fetches with credentials 'same-origin' in cors mode: what "anonymous" means for a preload.
  link.crossOrigin = 'anonymous';
  link.href = `${wasmPaths}${file}`;
  doc.head.append(link);
}
