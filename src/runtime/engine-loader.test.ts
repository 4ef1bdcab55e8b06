import { describe, expect, it, vi } from 'vitest';
import type { Engine, Face } from '../ml/engine-api.ts';
import { emoAffectNetLstmEntry } from '../emo-affectnet/lstm-import.ts';
import type { Manifest, TemporalEntry } from '../ml/manifest.ts';
import type { Provider } from '../protocol/engine-status.ts';
import {
  loadEngine,
  type EngineLoaderDeps,
  type LoadableBackend,
  type LoadProgress,
} from './engine-loader.ts';
import type { GpuDeviceLike, WebGpuProbe } from './webgpu-probe.ts';

const manifest = {
  version: 1,
  models: [
    { id: 'det', kind: 'detector' },
    { id: 'cls-a', kind: 'classifier' },
    { id: 'cls-b', kind: 'classifier' },
  ],
} as unknown as Manifest;

/** The bundled detectors' ids: the full-range one loads after the engine is handed out. */
const withFull = {
  version: 1,
  models: [
    { id: 'blazeface-short', kind: 'detector' },
    { id: 'blazeface-full', kind: 'detector' },
    { id: 'cls-a', kind: 'classifier' },
  ],
} as unknown as Manifest;

/** Holds the full-range detector's load until `release()`. */
function holdFullRange() {
  let release = () => undefined as void;
  const held = new Map([['blazeface-full', new Promise<void>((resolve) => (release = resolve))]]);
  return { held, release: () => release() };
}

const faceFrom = (provider: Provider) => [{ score: provider === 'webgpu' ? 1 : 0.5 } as Face];

interface Script {
  manifest?: Manifest;
  /** Model ids whose load waits until the test releases it. */
  held?: Map<string, Promise<void>>;
  probe?: WebGpuProbe;
  /** Providers whose model loading fails. */
  loadFails?: Provider[];
  /** Providers whose analyze fails. */
  runFails?: Provider[];
  temporal?: TemporalEntry;
  /** EngineLoaderDeps.backgroundLoadDelayMs. */
  backgroundLoadDelayMs?: number;
}

function setup(script: Script = {}) {
  const probe = script.probe ?? { available: true, adapter: 'gpu', software: false };
  let loseDevice: (info: { reason?: string; message: string }) => void = () => undefined;
  const device: GpuDeviceLike = { lost: new Promise((resolve) => (loseDevice = resolve)) };
  const backends: { provider: Provider; loaded: string[]; disposed: boolean }[] = [];
  const warmups: string[] = [];
  const deps: EngineLoaderDeps = {
    manifest: script.manifest ?? manifest,
    temporal: script.temporal ?? null,
    backgroundLoadDelayMs: script.backgroundLoadDelayMs,
    probeWebGpu: () => Promise.resolve(probe),
    createBackend: ([provider]) => {
      const record = { provider: provider!, loaded: [] as string[], disposed: false };
      backends.push(record);
      const backend: LoadableBackend = {
        name: `fake ${provider}`,
        async load(id) {
          if (script.loadFails?.includes(provider!)) throw new Error(`${provider} cannot load ${id}`);
          await script.held?.get(id);
          record.loaded.push(id);
        },
        run(id, inputs) {
          if (id !== script.temporal?.id) return Promise.reject(new Error('not used'));
          if (script.runFails?.includes(provider!))
            return Promise.reject(new Error(`${provider} run failed`));
          const faces = Object.values(inputs)[0]!.dims[0]!;
          // Each face's distribution is all "sadness" on WebGPU and all "neutral" on wasm.
          const data = new Float32Array(faces * 7);
          for (let f = 0; f < faces; f++) data[f * 7 + (provider === 'webgpu' ? 2 : 0)] = 1;
          return Promise.resolve({ [script.temporal.output]: { data, dims: [faces, 7] } });
        },
        webGpuDevice: () => Promise.resolve(provider === 'webgpu' ? device : undefined),
        dispose() {
          record.disposed = true;
          return Promise.resolve();
        },
      };
      return Promise.resolve(backend);
    },
    createEngine: (backend) => {
      const provider = (backend.name.split(' ')[1] ?? 'wasm') as Provider;
      const engine: Engine = {
        defaults: { classifierId: 'cls-a' } as Engine['defaults'],
        analyze() {
          if (script.runFails?.includes(provider)) return Promise.reject(new Error(`${provider} run failed`));
          return Promise.resolve(faceFrom(provider));
        },
        analyzeVideoFrame(image, _frame, options) {
          return this.analyze(image, options);
        },
        endStream: () => undefined,
        classifierInputSide: () => 112,
        classifierCropMargin: () => 0.1,
        detect(_image, options) {
          warmups.push(`${provider}:detect:${options?.smallFaces}`);
          return Promise.resolve([]);
        },
        classifyCrop(_image, id) {
          warmups.push(`${provider}:classify:${id}`);
          return Promise.resolve({} as never);
        },
      };
      return engine;
    },
  };
  const progress: LoadProgress[] = [];
  const fallbacks: string[] = [];
  const options = {
    preference: 'auto' as const,
    classifierId: null,
    wasmThreads: 0,
    onProgress: (p: LoadProgress) => progress.push(p),
    onFallback: (note: string) => fallbacks.push(note),
  };
  return { deps, options, backends, warmups, progress, fallbacks, loseDevice };
}

const image = { width: 2, height: 2, data: new Uint8ClampedArray(16) };

describe('loadEngine', () => {
  it('gives temporal smoothers on the current backend, which follow a switch to wasm', async () => {
    const temporal: TemporalEntry = { ...emoAffectNetLstmEntry(), file: 'lstm', sha256: '', bytes: 0 };
    const face = { box: { x: 0, y: 0, width: 10, height: 10 }, features: new Float32Array(512) } as Face;
    const t = setup({ temporal, runFails: ['webgpu'] });
    const loaded = await loadEngine(t.deps, t.options);
    expect(loaded.temporal).toBe(temporal);
    expect(loaded.provider).toBe('webgpu');
    const [result] = await loaded.createTemporalSmoother().update([face], 0);
    expect(loaded.provider).toBe('wasm');
    expect(result).toMatchObject({ top: { emotion: 'neutral', probability: 1 }, samples: 1, spanMs: 200 });

    const none = await loadEngine(setup().deps, t.options);
    expect(none.temporal).toBeNull();
    expect(() => none.createTemporalSmoother()).toThrow('No temporal model is installed.');
  });

  it('starts on WebGPU with a hardware adapter, loading the models in use and warming up before it is handed out', async () => {
    const t = setup();
    const loaded = await loadEngine(t.deps, t.options);
    expect(loaded.provider).toBe('webgpu');
    expect(loaded.providerNote).toBeNull();
    expect(loaded.adapter).toBe('gpu');
    expect(t.backends).toHaveLength(1);
    // The detector and the classifier in use (the engine's default here); the other one when it is picked.
    expect(t.backends[0]!.loaded).toEqual(['det', 'cls-a']);
    expect(t.warmups).toEqual(['webgpu:detect:off', 'webgpu:classify:cls-a']);
    await loaded.warmClassifier('cls-b');
    expect(t.warmups).toEqual(['webgpu:detect:off', 'webgpu:classify:cls-a', 'webgpu:classify:cls-b']);
    const fractions = t.progress.map((p) => p.fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(t.progress[0]!.detail).toMatch(/runtime/);
  });

  it('hands the engine out before the full-range detector is loaded, then loads and warms it in the background', async () => {
    const { held, release } = holdFullRange();
    const t = setup({ manifest: withFull, held, backgroundLoadDelayMs: 60_000 });
    const loaded = await loadEngine(t.deps, t.options);
    expect(t.backends[0]!.loaded).toEqual(['blazeface-short', 'cls-a']);
    expect(t.warmups).toEqual(['webgpu:detect:off', 'webgpu:classify:cls-a']);
    release();
    // Not before the first analysis has ended: the first frame does not queue behind a session creation.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(t.backends[0]!.loaded).not.toContain('blazeface-full');
    await loaded.engine.analyze(image);
    await vi.waitFor(() => expect(t.backends[0]!.loaded).toContain('blazeface-full'));
    // On WebGPU its first run (shader compilation) happens now, not on a video frame.
    await vi.waitFor(() => expect(t.warmups).toContain('webgpu:detect:full-range'));
    await loaded.dispose();
    expect(t.backends[0]!.disposed).toBe(true);
  });

  it('loads the full-range detector after a while when nothing is analysed', async () => {
    const t = setup({ manifest: withFull, backgroundLoadDelayMs: 30 });
    await loadEngine(t.deps, t.options);
    expect(t.backends[0]!.loaded).not.toContain('blazeface-full');
    await vi.waitFor(() => expect(t.backends[0]!.loaded).toContain('blazeface-full'));
  });

  it('disposes only after a background load settles', async () => {
    const { held, release } = holdFullRange();
    const t = setup({ manifest: withFull, held, probe: { available: false, reason: 'none' } });
    const loaded = await loadEngine(t.deps, t.options);
    const disposing = loaded.dispose();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(t.backends[0]!.disposed).toBe(false);
    release();
    await disposing;
    expect(t.backends[0]!.disposed).toBe(true);
    // wasm compiles nothing on a first run: no extra warm-up there.
    expect(t.warmups).toEqual(['wasm:detect:off', 'wasm:classify:cls-a']);
  });

  it('loads the classifier asked for, not the default, and leaves the others for their first use', async () => {
    const t = setup();
    await loadEngine(t.deps, { ...t.options, classifierId: 'cls-b' });
    expect(t.backends[0]!.loaded).toEqual(['det', 'cls-b']);
    expect(t.warmups).toEqual(['webgpu:detect:off', 'webgpu:classify:cls-b']);
    expect(t.progress.map((p) => p.detail)).toEqual([
      'Loading the webgpu runtime and det (1/2)',
      'Loading cls-b (2/2)',
      'Warming up on webgpu',
    ]);
  });

  it('uses wasm when WebGPU fails to load a model, and says why', async () => {
    const t = setup({ loadFails: ['webgpu'] });
    const loaded = await loadEngine(t.deps, t.options);
    expect(loaded.provider).toBe('wasm');
    expect(loaded.providerNote).toMatch(/WebGPU failed to load the models \(webgpu cannot load det\)/);
    expect(t.backends.map((b) => [b.provider, b.disposed])).toEqual([
      ['webgpu', true],
      ['wasm', false],
    ]);
  });

  it('switches to wasm when the GPU device is lost, and later calls run there', async () => {
    const t = setup();
    const loaded = await loadEngine(t.deps, t.options);
    t.loseDevice({ reason: 'unknown', message: 'driver reset' });
    await vi.waitFor(() => expect(t.fallbacks).toHaveLength(1));
    expect(loaded.provider).toBe('wasm');
    expect(loaded.providerNote).toMatch(/GPU device was lost \(driver reset\)/);
    await expect(loaded.engine.analyze(image)).resolves.toEqual(faceFrom('wasm'));
    expect(t.backends[0]!.disposed).toBe(true);
  });

  it('does not stay broken when the switch to wasm fails: it says so and asks to be loaded afresh', async () => {
    const t = setup({ loadFails: [] });
    const broken: string[] = [];
    const loaded = await loadEngine(t.deps, { ...t.options, onBroken: (reason) => broken.push(reason) });
    t.deps.createBackend = () => Promise.reject(new Error('out of memory'));
    t.loseDevice({ reason: 'unknown', message: 'driver reset' });
    await vi.waitFor(() => expect(broken).toHaveLength(1));
    expect(broken[0]).toMatch(
      /GPU device was lost \(driver reset\).*Then WebAssembly failed to load too \(out of memory\)/,
    );
    // Every later call fails at once with that reason (it does not wait on a promise rejected for good).
    await expect(loaded.engine.analyze(image)).rejects.toThrow(/WebAssembly failed to load too/);
    await expect(loaded.engine.analyze(image)).rejects.toThrow(/WebAssembly failed to load too/);
  });

  it('ignores the device loss of its own dispose', async () => {
    const t = setup();
    await loadEngine(t.deps, t.options);
    t.loseDevice({ reason: 'destroyed', message: '' });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(t.fallbacks).toEqual([]);
  });

  it('retries a failed WebGPU run on wasm', async () => {
    const t = setup({ runFails: ['webgpu'] });
    const loaded = await loadEngine(t.deps, t.options);
    await expect(loaded.engine.analyze(image)).resolves.toEqual(faceFrom('wasm'));
    expect(loaded.provider).toBe('wasm');
    expect(loaded.providerNote).toMatch(/A WebGPU run failed \(webgpu run failed\)/);
  });

  it('does not hide wasm failures', async () => {
    const t = setup({ probe: { available: false, reason: 'none' }, runFails: ['wasm'] });
    const loaded = await loadEngine(t.deps, t.options);
    expect(loaded.provider).toBe('wasm');
    await expect(loaded.engine.analyze(image)).rejects.toThrow('wasm run failed');
    const broken = setup({ probe: { available: false, reason: 'none' }, loadFails: ['wasm'] });
    await expect(loadEngine(broken.deps, broken.options)).rejects.toThrow('wasm cannot load det');
  });

  it('leaves out a user model that fails to load, with a note, and warms the default instead', async () => {
    const t = setup({ probe: { available: false, reason: 'none' } });
    const withUser = {
      ...t.deps,
      manifest: {
        ...manifest,
        models: [...manifest.models, { id: 'user-cls', kind: 'classifier' }],
      } as unknown as Manifest,
      optionalModelIds: new Set(['user-cls']),
      modelNotes: ['an earlier note'],
    };
    const createBackend = withUser.createBackend;
    withUser.createBackend = async (providers) => {
      const backend = await createBackend(providers);
      return {
        ...backend,
        load: (id: string) =>
          id === 'user-cls' ? Promise.reject(new Error('the stored model is damaged')) : backend.load(id),
      };
    };
    const loaded = await loadEngine(withUser, { ...t.options, classifierId: 'user-cls' });
    expect(loaded.manifest.models.map((m) => m.id)).toEqual(['det', 'cls-a', 'cls-b']);
    expect(loaded.modelNotes).toEqual([
      'an earlier note',
      'The installed classifier "user-cls" could not be loaded: the stored model is damaged',
    ]);
    expect(t.warmups).toEqual(['wasm:detect:off', 'wasm:classify:cls-a']);
  });

  it('offers a user model not in use without loading it, as unchecked', async () => {
    const t = setup({ probe: { available: false, reason: 'none' } });
    const loaded = await loadEngine(
      {
        ...t.deps,
        manifest: {
          ...manifest,
          models: [...manifest.models, { id: 'user-cls', kind: 'classifier' }],
        } as unknown as Manifest,
        optionalModelIds: new Set(['user-cls']),
      },
      t.options,
    );
    expect(t.backends[0]!.loaded).toEqual(['det', 'cls-a']);
    expect(loaded.manifest.models.map((m) => m.id)).toContain('user-cls');
    expect([...loaded.unchecked]).toEqual(['user-cls']);
  });
});
