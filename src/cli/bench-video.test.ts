import { describe, expect, it } from 'vitest';
import type { Engine } from '../ml/engine-api.ts';
import type { RgbaImage } from '../ml/types.ts';
import { benchVideoMode, formatVideoModeTable, VIDEO_FRAME_MS } from './bench-video.ts';
import { createFakeEngine } from './fake-engine.test-helper.ts';

const image: RgbaImage = { width: 64, height: 48, data: new Uint8ClampedArray(64 * 48 * 4) };
const stats = (values: readonly number[]) => ({ medianMs: Math.max(...values), p95Ms: Math.max(...values) });

describe('benchVideoMode', () => {
  it('alternates still and video runs on one fresh stream at 30 fps, and ends the stream', async () => {
    const fake = createFakeEngine();
    const order: string[] = [];
    const frames: { streamId: string; timestampMs: number }[] = [];
    const ended: string[] = [];
    const engine: Engine = {
      ...fake,
      analyze: (img, opts) => {
        order.push('still');
        return fake.analyze(img, opts);
      },
      analyzeVideoFrame: (img, frame, opts) => {
        order.push('video');
        frames.push(frame);
        return fake.analyze(img, opts);
      },
      endStream: (id) => ended.push(id),
    };
    const limits = { runs: 3, seconds: 0, maxSeconds: 30, warmup: 1 };
    const row = await benchVideoMode(engine, 'a.jpg', image, { classifierId: 'fake-a' }, limits, stats);
    expect(order).toEqual(['still', 'video', 'still', 'video', 'still', 'video', 'still', 'video']);
    expect(frames.map((f) => f.timestampMs)).toEqual([0, 1, 2, 3].map((i) => i * VIDEO_FRAME_MS));
    expect(new Set(frames.map((f) => f.streamId)).size).toBe(1);
    expect(ended).toEqual([frames[0]?.streamId]);
    expect(row).toMatchObject({
      image: 'a.jpg',
      width: 64,
      height: 48,
      stillFaces: 1,
      videoFaces: 1,
      runs: 3,
    });
    expect(row.ratio).toBeCloseTo(row.video.medianMs / row.still.medianMs, 12);

    const again = await benchVideoMode(engine, 'a.jpg', image, {}, limits, stats);
    expect(again.runs).toBe(3);
    expect(ended[1]).not.toBe(ended[0]);
  });

  it('ends the stream when the engine fails', async () => {
    const fake = createFakeEngine();
    const ended: string[] = [];
    const engine: Engine = {
      ...fake,
      analyzeVideoFrame: () => Promise.reject(new Error('lost')),
      endStream: (id) => ended.push(id),
    };
    await expect(
      benchVideoMode(engine, 'a.jpg', image, {}, { runs: 1, seconds: 0, maxSeconds: 1, warmup: 0 }, stats),
    ).rejects.toThrow('lost');
    expect(ended).toHaveLength(1);
  });
});

describe('formatVideoModeTable', () => {
  it('prints one row per image with the ratio, and both face counts when they differ', () => {
    const table = formatVideoModeTable([
      {
        image: '/data/talk.jpg',
        width: 640,
        height: 360,
        stillFaces: 2,
        videoFaces: 1,
        runs: 50,
        still: { medianMs: 26.6, p95Ms: 31 },
        video: { medianMs: 11.6, p95Ms: 150 },
        ratio: 11.6 / 26.6,
      },
    ]).split('\n');
    expect(table[0]).toMatch(/^image\s+size\s+faces\s+runs\s+still ms\s+video ms\s+video \/ still$/);
    expect(table[1]).toMatch(/^talk\.jpg\s+640x360\s+2 \/ 1\s+50\s+26\.6 \/ 31\.0\s+11\.6 \/ 150\s+0\.44$/);
  });
});
