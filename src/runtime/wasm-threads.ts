/**
 * How many WebAssembly threads the engine's runtime gets (Settings.wasmThreads, EngineStatus.wasmThreads).
 * Measured with `npm run bench:e2e` (README "Threads"): on 2 cores one thread analyses as fast as two and
 * leaves the other core to the page's video, so the rule gives threads only from 4 cores up.
 */

/** The engine's rule when Settings.wasmThreads is 0: half the cores, at least 1, at most 4. */
export function defaultWasmThreads(cores: number): number {
  return Math.max(1, Math.min(4, Math.floor(cores / 2)));
}

/**
 * wasm threads need SharedArrayBuffer, i.e. a cross-origin isolated page: Chrome's offscreen document is one
 * (manifest COOP/COEP keys); Firefox's background page is not, so the engine runs single-threaded there.
 */
export function wasmThreadsFor(setting: number, isolated: boolean, cores: number): number {
  if (!isolated) return 1;
  return setting > 0 ? setting : defaultWasmThreads(cores);
}
