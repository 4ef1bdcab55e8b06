import { describe, expect, it } from 'vitest';
import type { Engine, Face } from './engine-api.ts';
import { EMOTIONS, type EmotionScores } from './emotions.ts';
import type { SmoothedFace, TemporalSmoother } from './temporal-smoother.ts';
import { openVideoSession } from './video-session.ts';

const uniformScores = (): EmotionScores =>
  Object.fromEntries(EMOTIONS.map((e) => [e, 1 / EMOTIONS.length])) as EmotionScores;

const face = (x: number): Face => ({
  box: { x, y: 0, width: 10, height: 10 },
  score: 0.9,
  keypoints: [],
  emotions: uniformScores(),
  top: { emotion: 'neutral', probability: 1 / 7 },
});

function fakeEngine() {
  const calls: { streamId: string; timestampMs: number }[] = [];
  const ended: string[] = [];
  const engine = {
    analyzeVideoFrame: (_image: unknown, frame: { streamId: string; timestampMs: number }) => {
      calls.push(frame);
      return Promise.resolve([face(frame.timestampMs)]);
    },
    endStream: (streamId: string) => ended.push(streamId),
  } as Partial<Engine> as Engine;
  return { engine, calls, ended };
}

function fakeSmoother(fail = false): TemporalSmoother & { seen: number[] } {
  const seen: number[] = [];
  return {
    seen,
    entry: {} as TemporalSmoother['entry'],
    update(faces, timestampMs) {
      seen.push(timestampMs);
      if (fail) return Promise.reject(new Error('lstm exploded'));
      return Promise.resolve(
        faces.map((): SmoothedFace => ({
          trackId: 1,
          samples: seen.length,
          spanMs: 200 * seen.length,
          fresh: true,
          emotions: uniformScores(),
          top: { emotion: 'neutral', probability: 1 / 7 },
        })),
      );
    },
    reset() {},
  };
}

const image = { width: 4, height: 4, data: new Uint8ClampedArray(64) };

describe('openVideoSession', () => {
  it('runs each frame through the video path of its stream, per frame only without a smoother', async () => {
    const { engine, calls } = fakeEngine();
    const session = openVideoSession(engine, 'tab1|v1');
    const result = await session.analyzeFrame(image, 40);
    expect(calls).toEqual([{ streamId: 'tab1|v1', timestampMs: 40 }]);
    expect(result.faces).toHaveLength(1);
    expect(result.smoothed).toBeNull();
    expect(session.smoothing).toBe(false);
  });

  it('gives the smoother every frame, one result per face', async () => {
    const { engine } = fakeEngine();
    const smoother = fakeSmoother();
    const session = openVideoSession(engine, 's', smoother);
    await session.analyzeFrame(image, 0);
    const result = await session.analyzeFrame(image, 200);
    expect(smoother.seen).toEqual([0, 200]);
    expect(result.smoothed).toHaveLength(1);
    expect(result.smoothed?.[0]?.samples).toBe(2);
  });

  it('a failing smoother: the frame keeps its faces, says why, and the session goes on per frame', async () => {
    const { engine } = fakeEngine();
    const smoother = fakeSmoother(true);
    const session = openVideoSession(engine, 's', smoother);
    const failed = await session.analyzeFrame(image, 0);
    expect(failed.faces).toHaveLength(1);
    expect(failed.smoothed).toBeNull();
    expect(failed.temporalError?.message).toBe('lstm exploded');
    expect(session.smoothing).toBe(false);
    const next = await session.analyzeFrame(image, 200);
    expect(next.temporalError).toBeUndefined();
    expect(smoother.seen).toEqual([0]);
  });

  it('smoothWith: stops the temporal model, or starts it with a fresh smoother', async () => {
    const { engine } = fakeEngine();
    const first = fakeSmoother();
    const session = openVideoSession(engine, 's', first);
    session.smoothWith(null);
    expect((await session.analyzeFrame(image, 0)).smoothed).toBeNull();
    expect(first.seen).toEqual([]);
    const second = fakeSmoother();
    session.smoothWith(second);
    expect(session.smoothing).toBe(true);
    expect((await session.analyzeFrame(image, 200)).smoothed).toHaveLength(1);
    expect(second.seen).toEqual([200]);
  });

  it('end() forgets the stream once, and refuses frames afterwards', async () => {
    const { engine, ended } = fakeEngine();
    const session = openVideoSession(engine, 's');
    session.end();
    session.end();
    expect(ended).toEqual(['s']);
    await expect(session.analyzeFrame(image, 0)).rejects.toThrow(/has ended/);
  });
});
