import { describe, expect, it } from 'vitest';
import type { Engine } from '../ml/engine-api.ts';
import type { TemporalSmoother } from '../ml/temporal-smoother.ts';
import type { LoadedEngine } from './engine-loader.ts';
import { MAX_VIDEO_STREAMS, createVideoStreams } from './video-streams.ts';

function fakeLoaded() {
  const ended: string[] = [];
  let smoothers = 0;
  const engine = {
    analyzeVideoFrame: () => Promise.resolve([]),
    endStream: (id: string) => ended.push(id),
  } as Partial<Engine> as Engine;
  const loaded = {
    engine,
    createTemporalSmoother: (): TemporalSmoother => {
      smoothers++;
      return { entry: {} as TemporalSmoother['entry'], update: () => Promise.resolve([]), reset() {} };
    },
  } as Partial<LoadedEngine> as LoadedEngine;
  return { loaded, ended, smoothers: () => smoothers };
}

const image = { width: 1, height: 1, data: new Uint8ClampedArray(4) };
const perFrame = { temporal: false, analyze: {} };

describe('video streams', () => {
  it(`keeps at most ${MAX_VIDEO_STREAMS} streams, ending the least recently used`, async () => {
    const { loaded, ended } = fakeLoaded();
    const streams = createVideoStreams();
    for (let i = 0; i < MAX_VIDEO_STREAMS; i++)
      await streams.analyzeFrame(loaded, `s${i}`, image, 0, perFrame);
    // s0 is used again: s1 is now the least recently used, and the next new stream ends it.
    await streams.analyzeFrame(loaded, 's0', image, 1, perFrame);
    expect(ended).toEqual([]);
    await streams.analyzeFrame(loaded, 'new', image, 0, perFrame);
    expect(ended).toEqual(['s1']);
  });

  it('ends the streams that match, and forgets all on clear without ending them', async () => {
    const { loaded, ended } = fakeLoaded();
    const streams = createVideoStreams();
    for (const id of ['tab1|a', 'tab1|b', 'tab2|a'])
      await streams.analyzeFrame(loaded, id, image, 0, perFrame);
    streams.end((id) => id.startsWith('tab1|'));
    expect(ended.sort()).toEqual(['tab1|a', 'tab1|b']);
    streams.clear();
    expect(ended).toHaveLength(2);
  });

  it('gives a stream a smoother in the temporal mode, one per stream, and a fresh one after a reset', async () => {
    const { loaded, smoothers } = fakeLoaded();
    const streams = createVideoStreams();
    const temporal = { temporal: true, analyze: {} };
    await streams.analyzeFrame(loaded, 'a', image, 0, temporal);
    await streams.analyzeFrame(loaded, 'a', image, 200, temporal);
    expect(smoothers()).toBe(1);
    streams.resetTemporal();
    await streams.analyzeFrame(loaded, 'a', image, 400, temporal);
    expect(smoothers()).toBe(2);
  });

  it('opens a new session when the engine changed (a reload)', async () => {
    const first = fakeLoaded();
    const second = fakeLoaded();
    const streams = createVideoStreams();
    await streams.analyzeFrame(first.loaded, 'a', image, 0, perFrame);
    await streams.analyzeFrame(second.loaded, 'a', image, 1, perFrame);
    streams.end(() => true);
    expect(first.ended).toEqual([]);
    expect(second.ended).toEqual(['a']);
  });
});
