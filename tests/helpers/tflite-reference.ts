/**
 * Google's TFLite interpreter (npm @tensorflow/tfjs-tflite, compiled to wasm) as the reference runtime for golden
 * tests, run in plain Node. The package only supports browsers and workers, so for the time it loads we pretend
 * to be a worker (../../shared/ENVIRONMENT.md, "Reference runtimes"):
 * - `self` and a minimal `location`, which the loader reads to build the script URL;
 * - `importScripts`, which evaluates the single-threaded SIMD build (`wasm/tflite_web_api_cc_simd.js`) whatever
 *   build the loader asks for (it detects SharedArrayBuffer and would pick the threaded one, which needs workers);
 * - the .wasm bytes given to the module factory as `wasmBinary`, since there is nothing to fetch them from.
 * The globals are removed again once the interpreter is up, so onnxruntime-web in the same process still sees
 * plain Node.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

export interface TfliteReference {
  /** Runs the model on one float32 input; returns every output by tensor name, with its shape. */
  run(input: Float32Array, shape: number[]): Record<string, { data: Float32Array; shape: number[] }>;
  dispose(): void;
}

const FACTORY = 'tflite_web_api_ModuleFactory';
const LOADER = 'tflite_web_api_cc_simd.js';

type TfliteModule = typeof import('@tensorflow/tfjs-tflite');
type TfCore = typeof import('@tensorflow/tfjs-core');

interface Runtime {
  tflite: TfliteModule;
  tf: TfCore;
}
type TfliteModel = Awaited<ReturnType<TfliteModule['loadTFLiteModel']>>;

/** numThreads set: the default reads `navigator`, which Node 20 lacks; 1 thread keeps results deterministic. */
const OPTIONS = { numThreads: 1 };

let runtime: Promise<Runtime> | undefined;

export async function loadTfliteReference(model: Uint8Array): Promise<TfliteReference> {
  const buffer = model.buffer.slice(model.byteOffset, model.byteOffset + model.byteLength) as ArrayBuffer;
  let tf: TfCore;
  let tfliteModel: TfliteModel;
  if (runtime === undefined) {
    // Importing the package starts loading the wasm module and loading a model waits for it: the shim stays up
    // across both, and later loads need no shim.
    const first = withWorkerShim(async () => {
      const rt = await loadRuntime();
      return { rt, model: await rt.tflite.loadTFLiteModel(buffer, OPTIONS) };
    });
    runtime = first.then(({ rt }) => rt);
    const loaded = await first;
    tf = loaded.rt.tf;
    tfliteModel = loaded.model;
  } else {
    const rt = await runtime;
    tf = rt.tf;
    tfliteModel = await rt.tflite.loadTFLiteModel(buffer, OPTIONS);
  }
  return {
    run(input, shape) {
      const x = tf.tensor(input, shape, 'float32');
      try {
        const result = tfliteModel.predict(x);
        const named =
          result instanceof tf.Tensor ? { [tfliteModel.outputs[0]?.name ?? 'output']: result } : result;
        const out: Record<string, { data: Float32Array; shape: number[] }> = {};
        for (const [name, t] of Object.entries(
          named as Record<string, import('@tensorflow/tfjs-core').Tensor>,
        )) {
          out[name] = { data: Float32Array.from(t.dataSync()), shape: [...t.shape] };
          t.dispose();
        }
        return out;
      } finally {
        x.dispose();
      }
    },
    dispose() {
      // TFLiteModel has no dispose; the wasm heap lives as long as the process (tests only).
    },
  };
}

async function loadRuntime(): Promise<Runtime> {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  const tflite = await import('@tensorflow/tfjs-tflite');
  return { tflite, tf };
}

/** Installs the worker globals around `load` (the loader and the emscripten module read them while starting). */
async function withWorkerShim<T>(load: () => Promise<T>): Promise<T> {
  const require = createRequire(import.meta.url);
  const wasmDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-tflite/package.json')), 'wasm');
  const [loaderSource, wasmBinary] = await Promise.all([
    readFile(path.join(wasmDir, LOADER), 'utf8'),
    readFile(path.join(wasmDir, LOADER.replace(/\.js$/, '.wasm'))),
  ]);
  const g = globalThis as Record<string, unknown>;
  // The factory itself is a `var` of the loader script (a non-configurable global) and is left in place.
  const saved = new Map(
    ['self', 'location', 'importScripts'].map((k) => [k, Object.getOwnPropertyDescriptor(g, k)]),
  );
  g.self = globalThis;
  g.location = { href: 'file:///tflite/', origin: 'file://', protocol: 'file:' };
  g.importScripts = (url: string) => {
    if (!String(url).includes('tflite_web_api_cc'))
      throw new Error(`tflite-reference: unexpected importScripts(${url})`);
    vm.runInThisContext(loaderSource, { filename: path.join(wasmDir, LOADER) });
    const factory = g[FACTORY] as (options: Record<string, unknown>) => Promise<unknown>;
    g[FACTORY] = (options: Record<string, unknown>) => factory({ ...options, wasmBinary });
  };
  try {
    return await load();
  } finally {
    for (const [key, descriptor] of saved) {
      if (descriptor) Object.defineProperty(g, key, descriptor);
      else delete g[key];
    }
  }
}
