import { describe, expect, it, vi } from 'vitest';
import type { FrameRequest } from '../protocol/frames.ts';
import { createFrameReceiver, MAX_FRAME_SIDE } from './frame-receiver.ts';

const receiver = () =>
  createFrameReceiver({
    decodeFrame: vi.fn(() => Promise.reject(new Error('not reached'))),
    videoDecoders: {
      decode: vi.fn(() => Promise.reject(new Error('not reached'))),
      end: vi.fn(),
      clear: vi.fn(),
    },
  });

const frame = (patch: Partial<FrameRequest>): FrameRequest =>
  ({
    encoding: 'rgba',
    pixels: new Uint8ClampedArray(4 * 2 * 4),
    sourceId: 'v1',
    width: 4,
    height: 2,
    sourceWidth: 1280,
    sourceHeight: 720,
    encodeMs: 0,
    sentAtEpochMs: 0,
    ...patch,
  }) as FrameRequest;

describe('frame receiver', () => {
  it('takes an RGBA frame of the size it says', async () => {
    await expect(receiver().pixels(frame({}), 's')).resolves.toMatchObject({ width: 4, height: 2 });
  });

  it('refuses, before decoding or allocating, frames and videos beyond the size limits', async () => {
    const r = receiver();
    await expect(
      r.pixels(frame({ width: MAX_FRAME_SIDE + 1, encoding: 'jpeg' } as never), 's'),
    ).rejects.toThrow(/a 4097x2 frame is larger than 4096 pixels a side/);
    await expect(r.pixels(frame({ sourceWidth: 100_000 }), 's')).rejects.toThrow(
      /a 100000x720 video is larger/,
    );
    await expect(r.pixels(frame({ width: 0 }), 's')).rejects.toThrow(/positive integers/);
  });
});
