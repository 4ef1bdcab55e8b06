import { DEFAULT_ANALYZE_OPTIONS } from '../ml/analyze-options.ts';
import { MIN_FRAME_SIDE } from '../ml/frame-side.ts';
import { describe, expect, it, vi } from 'vitest';
import type { Engine, Face } from '../ml/engine-api.ts';
import type { Manifest, TemporalEntry } from '../ml/manifest.ts';
import type { SmoothedFace, TemporalSmoother } from '../ml/temporal-smoother.ts';
import type { RgbaImage } from '../ml/types.ts';
import type { FrameRequest } from '../protocol/frames.ts';
import { DEFAULT_SETTINGS, engineConfigOf } from '../settings/schema.ts';
import { KeyFrameNeededError, type VideoStreamDecoders } from '../transport/vp8-decoders.ts';
import { FAIR_SHARE_SLACK } from './fair-scheduler.ts';
import { ACTIVE_SOURCE_MS, createEngineHost, type EngineHostDeps, frameFaceOf } from './engine-host.ts';
import type { LoadedEngine, LoadOptions } from './engine-loader.ts';

const manifest = {
  version: 1,
  models: [
    { id: 'det', kind: 'detector', description: 'detector' },
    { id: 'cls-a', kind: 'classifier', description: 'A' },
    { id: 'cls-b', kind: 'classifier', description: 'B' },
  ],
} as unknown as Manifest;

const face = (x: number): Face => ({
  box: { x, y: 10, width: 20, height: 20 },
  score: 0.9,
  keypoints: [{ x: x + 5, y: 15 }],
  emotions: { neutral: 1, happiness: 0, sadness: 0, surprise: 0, fear: 0, disgust: 0, anger: 0 },
  top: { emotion: 'neutral', probability: 1 },
  features: new Float32Array(512).fill(0.5),
});

/** A fake temporal model reading cls-b's features: the smoothers record their updates. */
const LSTM = { id: 'lstm', kind: 'temporal', featuresOf: 'cls-b' } as TemporalEntry;
const SMOOTHED: SmoothedFace = {
  trackId: 1,
  samples: 3,
  spanMs: 600,
  fresh: true,
  emotions: { neutral: 0.1, happiness: 0.8, sadness: 0.1, surprise: 0, fear: 0, disgust: 0, anger: 0 },
  top: { emotion: 'happiness', probability: 0.8 },
};

function setup(
  options: {
    temporal?: TemporalEntry | null;
    temporalNote?: string;
    failSmoother?: boolean;
    runTimeoutMs?: number;
  } = {},
) {
  let clock = 0;
  const calls: { image: RgbaImage; options: unknown }[] = [];
  let release: (() => void) | null = null;
  let holdNext = false;
  const loads: LoadOptions[] = [];
  const videoFrames: { streamId: string; timestampMs: number }[] = [];
  const endedStreams: string[] = [];
  const engine: Engine = {
    defaults: { ...DEFAULT_ANALYZE_OPTIONS, classifierId: 'cls-a' },
    async analyze(image, options) {
      calls.push({ image, options });
      if (holdNext) {
        holdNext = false;
        await new Promise<void>((resolve) => (release = resolve));
      }
      clock += 25;
      return [face(40)];
    },
    analyzeVideoFrame(image, frame, options) {
      videoFrames.push(frame);
      return this.analyze(image, options);
    },
    endStream: (streamId) => endedStreams.push(streamId),
    classifierInputSide: () => 112,
    classifierCropMargin: () => 0.1,
    detect: () => Promise.resolve([]),
    classifyCrop: () => Promise.resolve({} as never),
  };
  const dispose = vi.fn(() => Promise.resolve());
  const warmClassifier = vi.fn((_id: string) => Promise.resolve());
  const unchecked = new Set<string>();
  const smootherUpdates: { smoother: number; faces: Face[]; timestampMs: number }[] = [];
  let smoothersCreated = 0;
  const createTemporalSmoother = (): TemporalSmoother => {
    const id = ++smoothersCreated;
    return {
      entry: LSTM,
      update(faces, timestampMs) {
        smootherUpdates.push({ smoother: id, faces: [...faces], timestampMs });
        if (options.failSmoother) return Promise.reject(new Error('LSTM session lost'));
        return Promise.resolve(faces.map(() => SMOOTHED));
      },
      reset: () => undefined,
    };
  };
  const loaded: LoadedEngine = {
    temporal: options.temporal ?? null,
    temporalNote: options.temporalNote ?? null,
    createTemporalSmoother,
    warmClassifier,
    engine,
    manifest,
    modelNotes: [],
    unchecked,
    provider: 'wasm',
    providerNote: 'No WebGPU: test.',
    adapter: null,
    wasmThreads: { setting: 0, inUse: 1 },
    dispose,
  };
  // A fake VP8 side: streams exist from their key frame until ended; a delta frame needs one.
  const decodedStreams = new Set<string>();
  const decodedChunks: { streamId: string; key: boolean }[] = [];
  const videoDecoders: VideoStreamDecoders = {
    decode(streamId, payload, width, height) {
      if (payload.key) decodedStreams.add(streamId);
      else if (!decodedStreams.has(streamId)) throw new KeyFrameNeededError(`no state for ${streamId}`);
      decodedChunks.push({ streamId, key: payload.key });
      clock += 2;
      return Promise.resolve({ width, height, data: new Uint8ClampedArray(width * height * 4) });
    },
    end(matches) {
      for (const id of [...decodedStreams]) if (matches(id)) decodedStreams.delete(id);
    },
    clear: () => decodedStreams.clear(),
  };
  const load = vi.fn((options: LoadOptions) => {
    loads.push(options);
    options.onProgress({ fraction: 0.5, detail: 'Loading det (1/3)' });
    return Promise.resolve(loaded);
  });
  const deps: EngineHostDeps = {
    load,
    decodeImage: () =>
      Promise.resolve({
        image: { width: 50, height: 40, data: new Uint8ClampedArray(50 * 40 * 4) },
        naturalWidth: 100,
        naturalHeight: 80,
        scale: 0.5,
      }),
    decodeFrame: () => {
      clock += 3;
      return Promise.resolve({ width: 4, height: 2, data: new Uint8ClampedArray(32) });
    },
    videoDecoders,
    nowMs: () => clock,
    epochMs: () => 1000 + clock,
    ...(options.runTimeoutMs === undefined ? {} : { runTimeoutMs: options.runTimeoutMs }),
  };
  const host = createEngineHost(deps);
  return {
    host,
    load,
    dispose,
    warmClassifier,
    unchecked,
    calls,
    loads,
    videoFrames,
    endedStreams,
    smootherUpdates,
    decodedStreams,
    decodedChunks,
    smoothersCreated: () => smoothersCreated,
    hold: () => (holdNext = true),
    release: () => release?.(),
    advance: (ms: number) => (clock += ms),
  };
}

const frame = (overrides: Partial<FrameRequest> = {}): FrameRequest =>
  ({
    encoding: 'rgba',
    pixels: new Uint8ClampedArray(4 * 2 * 4),
    sourceId: 'v1',
    width: 4,
    height: 2,
    sourceWidth: 4,
    sourceHeight: 2,
    encodeMs: 2,
    sentAtEpochMs: 995,
    ...overrides,
  }) as FrameRequest;

const sender = (tab: number, documentId = 'doc') => ({ tab: { id: tab } as never, frameId: 0, documentId });

describe('engine host', () => {
  it('is "absent" until configured, then loads with the configured backend and reports progress and readiness', async () => {
    const t = setup();
    expect(t.host.status().state).toBe('absent');
    const status = t.host.handlers.engineConfigure(
      { ...engineConfigOf(DEFAULT_SETTINGS), backend: 'wasm' },
      {},
    );
    expect(status).toMatchObject({ state: 'loading' });
    expect(t.loads[0]!.preference).toBe('wasm');
    await vi.waitFor(() => expect(t.host.status().state).toBe('ready'));
    expect(t.host.status()).toMatchObject({
      provider: 'wasm',
      providerNote: 'No WebGPU: test.',
      classifierId: 'cls-a',
      classifiers: [
        { id: 'cls-a', description: 'A' },
        { id: 'cls-b', description: 'B' },
      ],
    });
  });

  it('analyses frames with the configured threshold and classifier, and measures them', async () => {
    const t = setup();
    void t.host.handlers.engineConfigure(
      { classifierId: 'cls-b', minScore: 0.7, backend: 'auto', temporal: false, wasmThreads: 0 },
      {},
    );
    const result = await t.host.handlers.analyzeFrame(frame(), sender(1));
    expect(result).toMatchObject({
      status: 'analyzed',
      faces: [frameFaceOf(face(40), null)],
      latencyMs: 25,
      wireMs: 5,
      decodeMs: 0,
    });
    expect(t.calls[0]!.options).toEqual({ minScore: 0.7, classifierId: 'cls-b' });
    expect(t.host.status().stats).toMatchObject({ framesAnalyzed: 1, latencyMs: 25, transportMs: 7 });
  });

  it('analyses frames as video streams, one per client and source, ended when the client goes away', async () => {
    const t = setup();
    void t.host.handlers.engineConfigure(engineConfigOf(DEFAULT_SETTINGS), {});
    await t.host.handlers.analyzeFrame(frame({ sourceId: 'v1', sentAtEpochMs: 10 }), sender(1, 'a'));
    await t.host.handlers.analyzeFrame(frame({ sourceId: 'v2', sentAtEpochMs: 20 }), sender(1, 'a'));
    await t.host.handlers.analyzeFrame(frame({ sourceId: 'v1', sentAtEpochMs: 30 }), sender(2, 'b'));
    expect(t.videoFrames.map((f) => f.timestampMs)).toEqual([10, 20, 30]);
    const [a1, a2, b1] = t.videoFrames.map((f) => f.streamId);
    expect(new Set([a1, a2, b1]).size).toBe(3);
    t.host.clientGone(sender(1, 'a'));
    expect(t.endedStreams.sort()).toEqual([a1, a2].sort());
  });

  it('tells the sender how large its next frame should be for the faces it found', async () => {
    const t = setup();
    void t.host.handlers.engineConfigure(engineConfigOf(DEFAULT_SETTINGS), {});
    const result = await t.host.handlers.analyzeFrame(frame(), sender(1));
    // The fake finds a 20 px face in every frame: in a 4x2 frame it fills it, so the minimum will do.
    expect(result).toMatchObject({ status: 'analyzed', nextFrameSide: MIN_FRAME_SIDE });
  });

  it("returns a frame's faces in the source's own pixels, and refuses a frame without the source's size", async () => {
    const t = setup();
    // A 4x2 frame scaled down from a 40x20 video: the fake's face at x 40 in frame pixels is at x 400.
    const result = await t.host.handlers.analyzeFrame(
      frame({ sourceWidth: 40, sourceHeight: 20 }),
      sender(1),
    );
    expect(result.status === 'analyzed' && result.faces[0]!.box).toEqual({
      x: 400,
      y: 100,
      width: 200,
      height: 200,
    });
    expect(result.status === 'analyzed' && result.faces[0]!.keypoints[0]).toEqual({ x: 450, y: 150 });
    await expect(t.host.handlers.analyzeFrame(frame({ sourceWidth: undefined }), sender(1))).rejects.toThrow(
      /sourceWidth and sourceHeight/,
    );
  });

  it('decodes JPEG frames and checks malformed ones with a message saying what was expected', async () => {
    const t = setup();
    const jpeg = await t.host.handlers.analyzeFrame(
      {
        encoding: 'jpeg',
        bytes: new ArrayBuffer(10),
        sourceId: 'v1',
        width: 4,
        height: 2,
        sourceWidth: 4,
        sourceHeight: 2,
        encodeMs: 1,
        sentAtEpochMs: 999,
      },
      sender(1),
    );
    expect(jpeg).toMatchObject({ status: 'analyzed', decodeMs: 3 });
    await expect(t.host.handlers.analyzeFrame(frame({ width: 5 }), sender(1))).rejects.toThrow(
      /expected 40 bytes of RGBA/,
    );
    await expect(
      t.host.handlers.analyzeFrame({ ...frame(), pixels: {} } as never, sender(1)),
    ).rejects.toThrow(/structured_clone/);
    await expect(
      t.host.handlers.analyzeFrame(
        {
          encoding: 'jpeg',
          bytes: new ArrayBuffer(1),
          sourceId: 'v',
          width: 9,
          height: 9,
          sourceWidth: 9,
          sourceHeight: 9,
          encodeMs: 0,
          sentAtEpochMs: 0,
        },
        sender(1),
      ),
    ).rejects.toThrow(/the JPEG is 4x2, the request says 9x9/);
  });

  it('decodes VP8 frames per stream, in order, and asks for a key frame where it has no stream state', async () => {
    const t = setup();
    const vp8 = (key: boolean, sourceId = 'v1'): FrameRequest => ({
      encoding: 'vp8',
      chunk: new ArrayBuffer(16),
      key,
      config: key ? { codec: 'vp8', codedWidth: 4, codedHeight: 2 } : null,
      timestampUs: 0,
      sourceId,
      width: 4,
      height: 2,
      sourceWidth: 4,
      sourceHeight: 2,
      encodeMs: 1,
      sentAtEpochMs: 999,
    });
    // A delta frame first (the host was restarted under a running stream): no picture, a key frame please.
    await expect(t.host.handlers.analyzeFrame(vp8(false), sender(1))).resolves.toEqual({
      status: 'key-frame-needed',
    });
    expect(t.calls).toHaveLength(0);
    await expect(t.host.handlers.analyzeFrame(vp8(true), sender(1))).resolves.toMatchObject({
      status: 'analyzed',
      decodeMs: 2,
    });
    await expect(t.host.handlers.analyzeFrame(vp8(false), sender(1))).resolves.toMatchObject({
      status: 'analyzed',
    });
    // Streams are per client: another tab's delta frame of a source with the same id has no state here.
    await expect(t.host.handlers.analyzeFrame(vp8(false), sender(2))).resolves.toEqual({
      status: 'key-frame-needed',
    });
    expect(t.decodedChunks).toEqual([
      { streamId: '1/0/doc|v1', key: true },
      { streamId: '1/0/doc|v1', key: false },
    ]);
    await expect(
      t.host.handlers.analyzeFrame({ ...vp8(true), chunk: {} } as never, sender(1)),
    ).rejects.toThrow(/VP8 chunk as an ArrayBuffer.*structured_clone/);
    // A client that goes away ends its decoders; so does an unload.
    t.host.clientGone(sender(1));
    expect(t.decodedStreams.size).toBe(0);
    await t.host.handlers.analyzeFrame(vp8(true, 'v2'), sender(3));
    await t.host.unload();
    expect(t.decodedStreams.size).toBe(0);
  });

  it('drops a waiting frame when a newer one of the same source arrives', async () => {
    const t = setup();
    void t.host.handlers.engineConfigure(engineConfigOf(DEFAULT_SETTINGS), {});
    t.hold();
    const first = t.host.handlers.analyzeFrame(frame({ sourceId: 'other' }), sender(1));
    await vi.waitFor(() => expect(t.calls).toHaveLength(1));
    const older = t.host.handlers.analyzeFrame(frame(), sender(2));
    const newer = t.host.handlers.analyzeFrame(frame(), sender(2));
    await expect(older).resolves.toEqual({ status: 'dropped' });
    t.release();
    await expect(first).resolves.toMatchObject({ status: 'analyzed' });
    await expect(newer).resolves.toMatchObject({ status: 'analyzed' });
    expect(t.host.status().stats.framesDropped).toBe(1);
  });

  it('drops the waiting frames of a client that went away', async () => {
    const t = setup();
    void t.host.handlers.engineConfigure(engineConfigOf(DEFAULT_SETTINGS), {});
    t.hold();
    const running = t.host.handlers.analyzeFrame(frame({ sourceId: 'x' }), sender(1, 'a'));
    await vi.waitFor(() => expect(t.calls).toHaveLength(1));
    const waiting = t.host.handlers.analyzeFrame(frame(), sender(2, 'gone'));
    await new Promise((resolve) => setTimeout(resolve, 0)); // past the frame's decoding, into the queue
    t.host.clientGone(sender(2, 'gone'));
    await expect(waiting).resolves.toEqual({ status: 'dropped' });
    t.release();
    await running;
  });

  it('ends one source of a client at once when its video goes, and only that one', async () => {
    const t = setup();
    const key = (sourceId: string) =>
      ({
        ...frame({ sourceId }),
        encoding: 'vp8',
        chunk: new ArrayBuffer(8),
        key: true,
        timestampUs: 0,
        config: { codec: 'vp8', codedWidth: 4, codedHeight: 2 },
      }) as FrameRequest;
    await t.host.handlers.analyzeFrame(key('gone'), sender(1));
    await t.host.handlers.analyzeFrame(key('kept'), sender(1));
    expect([...t.decodedStreams].sort()).toEqual(['1/0/doc|gone', '1/0/doc|kept']);
    await t.host.handlers.endSource({ sourceId: 'gone' }, sender(1));
    expect([...t.decodedStreams]).toEqual(['1/0/doc|kept']);
  });

  it('analyses still images and maps the faces back to natural pixels', async () => {
    const t = setup();
    const result = await t.host.handlers.engineAnalyzeImage(
      { bytes: new ArrayBuffer(4), type: 'image/jpeg' },
      {},
    );
    expect(result).toMatchObject({ width: 100, height: 80, latencyMs: 25 });
    expect(result.faces[0]!.box).toEqual({ x: 80, y: 20, width: 40, height: 40 });
    expect(result.faces[0]!.keypoints).toEqual([{ x: 90, y: 30 }]);
  });

  it('reloads when the backend preference changes, not for other settings', async () => {
    const t = setup();
    void t.host.handlers.engineConfigure(engineConfigOf(DEFAULT_SETTINGS), {});
    await vi.waitFor(() => expect(t.host.status().state).toBe('ready'));
    void t.host.handlers.engineConfigure({ ...engineConfigOf(DEFAULT_SETTINGS), minScore: 0.8 }, {});
    expect(t.load).toHaveBeenCalledTimes(1);
    expect(t.warmClassifier).not.toHaveBeenCalled();
    void t.host.handlers.engineConfigure({ ...engineConfigOf(DEFAULT_SETTINGS), classifierId: 'cls-b' }, {});
    expect(t.load).toHaveBeenCalledTimes(1);
    expect(t.warmClassifier).toHaveBeenCalledWith('cls-b');
    void t.host.handlers.engineConfigure({ ...engineConfigOf(DEFAULT_SETTINGS), backend: 'webgpu' }, {});
    expect(t.load).toHaveBeenCalledTimes(2);
    expect(t.loads[1]!.preference).toBe('webgpu');
    await vi.waitFor(() => expect(t.dispose).toHaveBeenCalled());
  });

  it('reports a failed load as an error and retries on the next request', async () => {
    const t = setup();
    t.load.mockRejectedValueOnce(new Error('models missing'));
    void t.host.handlers.engineConfigure(engineConfigOf(DEFAULT_SETTINGS), {});
    await vi.waitFor(() =>
      expect(t.host.status()).toMatchObject({ state: 'error', error: 'models missing' }),
    );
    await expect(t.host.handlers.analyzeFrame(frame(), sender(1))).resolves.toMatchObject({
      status: 'analyzed',
    });
  });
});

describe('fair share per tab', () => {
  it('tells each source the least time to its next frame: per tab first, then per video within the tab', async () => {
    const t = setup();
    await t.host.handlers.engineConfigure(engineConfigOf(DEFAULT_SETTINGS), {});
    // Alone, one video may send as fast as the engine analyses (25 ms per frame here).
    await expect(t.host.handlers.analyzeFrame(frame({ sourceId: 'b' }), sender(2))).resolves.toMatchObject({
      nextFrameInMs: 25 * FAIR_SHARE_SLACK,
    });
    // Three videos in tab 1 and one in tab 2: tab 2's video gets half the engine, tab 1's a sixth each.
    for (const id of ['a1', 'a2', 'a3'])
      await t.host.handlers.analyzeFrame(frame({ sourceId: id }), sender(1));
    const b = await t.host.handlers.analyzeFrame(frame({ sourceId: 'b' }), sender(2));
    const a = await t.host.handlers.analyzeFrame(frame({ sourceId: 'a1' }), sender(1));
    expect(b).toMatchObject({ nextFrameInMs: FAIR_SHARE_SLACK * 25 * 2 * 1 });
    expect(a).toMatchObject({ nextFrameInMs: FAIR_SHARE_SLACK * 25 * 2 * 3 });
    // Sources that went quiet stop counting.
    t.advance(ACTIVE_SOURCE_MS + 1);
    await expect(t.host.handlers.analyzeFrame(frame({ sourceId: 'b' }), sender(2))).resolves.toMatchObject({
      nextFrameInMs: 25 * FAIR_SHARE_SLACK,
    });
  });
});

describe('the watchdog', () => {
  it('restarts an engine whose run never returns, and the next frames are analysed by the new one', async () => {
    const t = setup({ runTimeoutMs: 30 });
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    await t.host.handlers.engineConfigure(engineConfigOf(DEFAULT_SETTINGS), {});
    await expect(t.host.handlers.analyzeFrame(frame(), sender(1))).resolves.toMatchObject({
      status: 'analyzed',
    });
    t.hold(); // the next run never returns
    await expect(t.host.handlers.analyzeFrame(frame(), sender(1))).rejects.toThrow(
      'The engine did not answer within 0 s; it is being restarted.',
    );
    expect(t.load).toHaveBeenCalledTimes(2);
    expect(t.dispose).toHaveBeenCalled();
    // Another tab was not stopped by it, and the status never claimed to be stuck "ready" meanwhile.
    await expect(t.host.handlers.analyzeFrame(frame(), sender(2))).resolves.toMatchObject({
      status: 'analyzed',
    });
    expect(t.host.status().state).toBe('ready');
  });
});

describe('idleness', () => {
  it('counts the time since the last frame, image or configuration, and not while loading', async () => {
    const t = setup();
    t.advance(1000);
    void t.host.handlers.engineConfigure(engineConfigOf(DEFAULT_SETTINGS), {});
    await vi.waitFor(() => expect(t.host.status().state).toBe('ready'));
    t.advance(4000);
    expect(t.host.status().idleMs).toBe(4000);
    // Asking for the status is not using the engine.
    await t.host.handlers.engineStatus(undefined, {});
    expect(t.host.status().idleMs).toBe(4000);
    await t.host.handlers.analyzeFrame(frame(), sender(1));
    expect(t.host.status().idleMs).toBeLessThan(100);
  });

  it('unload frees the engine and ends its streams; the next request loads it afresh', async () => {
    const t = setup();
    void t.host.handlers.engineConfigure(engineConfigOf(DEFAULT_SETTINGS), {});
    await t.host.handlers.analyzeFrame(frame(), sender(1));
    await t.host.unload();
    expect(t.dispose).toHaveBeenCalledTimes(1);
    expect(t.host.status()).toMatchObject({ state: 'absent', provider: null });
    const again = await t.host.handlers.analyzeFrame(frame(), sender(1));
    expect(again).toMatchObject({ status: 'analyzed' });
    expect(t.load).toHaveBeenCalledTimes(2);
    // A new engine: the stream starts over (every detector pass on its first frame).
    expect(t.videoFrames).toHaveLength(2);
  });
});

describe('user models', () => {
  it('reloads the engine when the picked classifier is a user model it has not loaded yet', async () => {
    const t = setup();
    t.unchecked.add('cls-b');
    void t.host.handlers.engineConfigure(engineConfigOf(DEFAULT_SETTINGS), {});
    await vi.waitFor(() => expect(t.host.status().state).toBe('ready'));
    void t.host.handlers.engineConfigure({ ...engineConfigOf(DEFAULT_SETTINGS), classifierId: 'cls-b' }, {});
    await vi.waitFor(() => expect(t.host.status().state).toBe('ready'));
    expect(t.load).toHaveBeenCalledTimes(2);
    expect(t.loads[1]!.classifierId).toBe('cls-b');
    expect(t.warmClassifier).not.toHaveBeenCalled();
    // A bundled classifier is only warmed, without a reload.
    t.unchecked.clear();
    void t.host.handlers.engineConfigure({ ...engineConfigOf(DEFAULT_SETTINGS), classifierId: 'cls-a' }, {});
    await vi.waitFor(() => expect(t.warmClassifier).toHaveBeenCalledWith('cls-a'));
    expect(t.load).toHaveBeenCalledTimes(2);
  });

  it('reloads a running engine when user models change, and says why a chosen classifier is not in use', async () => {
    const t = setup();
    expect((await t.host.handlers.engineModelsChanged(undefined, {})).state).toBe('absent');
    expect(t.load).not.toHaveBeenCalled();
    void t.host.handlers.engineConfigure({ ...engineConfigOf(DEFAULT_SETTINGS), classifierId: 'gone' }, {});
    await vi.waitFor(() => expect(t.host.status().state).toBe('ready'));
    expect(t.host.status()).toMatchObject({
      classifierId: 'cls-a',
      classifierNote: 'The selected classifier "gone" is not available; using "cls-a" instead.',
    });
    void t.host.handlers.engineModelsChanged(undefined, {});
    await vi.waitFor(() => expect(t.host.status().state).toBe('ready'));
    expect(t.load).toHaveBeenCalledTimes(2);
    expect(t.dispose).toHaveBeenCalledTimes(1);
  });
});

describe('temporal mode ("smoothed over 2 s")', () => {
  const on = { ...engineConfigOf(DEFAULT_SETTINGS), classifierId: 'cls-b', temporal: true };

  it('never sends feature vectors, and reports no temporal model when none is installed', async () => {
    const t = setup();
    void t.host.handlers.engineConfigure(on, {});
    const result = await t.host.handlers.analyzeFrame(frame(), sender(1));
    if (result.status !== 'analyzed') throw new Error(result.status);
    expect(result.faces).toHaveLength(1);
    expect(result.faces[0]).not.toHaveProperty('features');
    expect(result.faces[0]).not.toHaveProperty('smoothed');
    expect(t.smoothersCreated()).toBe(0);
    expect(t.host.status().temporal).toEqual({
      available: false,
      inUse: false,
      featuresOf: null,
      note: null,
    });
  });

  it('passes on why an installed temporal model cannot run', async () => {
    const t = setup({ temporalNote: 'The installed "cls-b" has no features output' });
    void t.host.handlers.engineConfigure(on, {});
    await vi.waitFor(() => expect(t.host.status().state).toBe('ready'));
    expect(t.host.status().temporal).toMatchObject({ available: false, note: /no features output/ });
  });

  it('runs one smoother per stream on its frames when on with the classifier it reads, and adds `smoothed`', async () => {
    const t = setup({ temporal: LSTM });
    void t.host.handlers.engineConfigure(on, {});
    const first = await t.host.handlers.analyzeFrame(frame({ sentAtEpochMs: 1200 }), sender(1));
    await t.host.handlers.analyzeFrame(frame({ sentAtEpochMs: 1400 }), sender(1));
    await t.host.handlers.analyzeFrame(frame({ sentAtEpochMs: 1300, sourceId: 'v2' }), sender(1));
    if (first.status !== 'analyzed') throw new Error(first.status);
    expect(first.faces[0]).not.toHaveProperty('features');
    expect(first.faces[0]!.smoothed).toEqual({
      emotions: SMOOTHED.emotions,
      top: SMOOTHED.top,
      spanMs: 600,
      samples: 3,
    });
    expect(first.faces[0]!.top).toEqual({ emotion: 'neutral', probability: 1 }); // the per-frame result stays
    expect(t.smoothersCreated()).toBe(2);
    // Each stream's smoother gets its frames, with their features, on the stream's clock.
    expect(t.smootherUpdates.map((u) => [u.smoother, u.timestampMs])).toEqual([
      [1, 1200],
      [1, 1400],
      [2, 1300],
    ]);
    expect(t.smootherUpdates[0]!.faces[0]!.features).toHaveLength(512);
    expect(t.host.status().temporal).toEqual({
      available: true,
      inUse: true,
      featuresOf: 'cls-b',
      note: null,
    });
  });

  it('is not used while off or with another classifier, and says so', async () => {
    const t = setup({ temporal: LSTM });
    void t.host.handlers.engineConfigure({ ...on, temporal: false }, {});
    const off = await t.host.handlers.analyzeFrame(frame(), sender(1));
    expect(off.status === 'analyzed' && off.faces[0]).not.toHaveProperty('smoothed');
    expect(t.host.status().temporal).toMatchObject({ available: true, inUse: false, note: null });
    void t.host.handlers.engineConfigure({ ...on, classifierId: 'cls-a' }, {});
    await t.host.handlers.analyzeFrame(frame(), sender(1));
    expect(t.smoothersCreated()).toBe(0);
    expect(t.host.status().temporal).toMatchObject({
      available: true,
      inUse: false,
      note: '"Smoothed over 2 s" needs "cls-b" as the classifier; showing per-frame results.',
    });
  });

  it("starts a stream's window afresh after the client went away, the mode was switched off, or an unload", async () => {
    const t = setup({ temporal: LSTM });
    void t.host.handlers.engineConfigure(on, {});
    await t.host.handlers.analyzeFrame(frame(), sender(1));
    t.host.clientGone(sender(1));
    await t.host.handlers.analyzeFrame(frame(), sender(1));
    expect(t.smoothersCreated()).toBe(2);
    void t.host.handlers.engineConfigure({ ...on, temporal: false }, {});
    void t.host.handlers.engineConfigure(on, {});
    await t.host.handlers.analyzeFrame(frame(), sender(1));
    expect(t.smoothersCreated()).toBe(3);
    await t.host.unload();
    void t.host.handlers.engineConfigure(on, {});
    await t.host.handlers.analyzeFrame(frame(), sender(1));
    expect(t.smoothersCreated()).toBe(4);
  });

  it('falls back to per-frame results, saying why, when the temporal model fails', async () => {
    const t = setup({ temporal: LSTM, failSmoother: true });
    void t.host.handlers.engineConfigure(on, {});
    const result = await t.host.handlers.analyzeFrame(frame(), sender(1));
    expect(result).toMatchObject({ status: 'analyzed' });
    expect(result.status === 'analyzed' && result.faces[0]).not.toHaveProperty('smoothed');
    expect(t.host.status().temporal).toMatchObject({
      available: false,
      inUse: false,
      note: 'The temporal model failed (LSTM session lost); showing per-frame results.',
    });
    await t.host.handlers.analyzeFrame(frame(), sender(1));
    expect(t.smootherUpdates).toHaveLength(1);
  });
});
