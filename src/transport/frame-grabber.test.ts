// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FrameGrabber, UnreadableMediaError, VP8_FAILURES_BEFORE_RGBA } from './frame-grabber.ts';

/** A <video> showing a 640x360 picture. */
function video(): HTMLVideoElement {
  const v = document.createElement('video');
  Object.defineProperty(v, 'videoWidth', { value: 640 });
  Object.defineProperty(v, 'videoHeight', { value: 360 });
  return v;
}

/** Enough of OffscreenCanvas for the RGBA path: grey pixels of the canvas's size. */
class FakeOffscreenCanvas {
  constructor(
    readonly width: number,
    readonly height: number,
  ) {}
  getContext() {
    return {
      drawImage: () => undefined,
      getImageData: (_x: number, _y: number, w: number, h: number) => ({
        data: new Uint8ClampedArray(w * h * 4).fill(128),
      }),
    };
  }
}

class FakeVideoFrame {
  constructor(source: unknown) {
    if (unreadable) throw new DOMException('The video is tainted', 'SecurityError');
    void source;
  }
  close() {}
}

/** An encoder that fails every frame (a browser whose WebCodecs cannot encode VP8). */
class FailingVideoEncoder {
  state = 'unconfigured';
  constructor(private readonly init: VideoEncoderInit) {}
  configure() {
    this.state = 'configured';
  }
  encode() {
    queueMicrotask(() => {
      this.state = 'closed';
      this.init.error(new DOMException('Unsupported codec', 'NotSupportedError'));
    });
  }
  close() {
    this.state = 'closed';
  }
}

let unreadable = false;
beforeEach(() => {
  unreadable = false;
  vi.stubGlobal('OffscreenCanvas', FakeOffscreenCanvas);
  vi.stubGlobal('VideoFrame', FakeVideoFrame);
  vi.stubGlobal('VideoEncoder', FailingVideoEncoder);
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('FrameGrabber', () => {
  it('sends RGBA instead of VP8 where this context has no WebCodecs', async () => {
    vi.stubGlobal('VideoEncoder', undefined);
    const grabber = new FrameGrabber('vp8');
    expect(grabber.encoding).toBe('rgba');
    const frame = await grabber.grab(video(), 320);
    expect(frame).toMatchObject({ width: 320, height: 180, payload: { encoding: 'rgba' } });
  });

  it(`falls back to RGBA after ${VP8_FAILURES_BEFORE_RGBA} VP8 failures in a row, saying why`, async () => {
    const grabber = new FrameGrabber('vp8');
    expect(grabber.encoding).toBe('vp8');
    for (let i = 0; i < VP8_FAILURES_BEFORE_RGBA; i++) {
      await expect(grabber.grab(video(), 320)).rejects.toThrow(/VP8 encoding failed: Unsupported codec/);
    }
    expect(grabber.encoding).toBe('rgba');
    expect(console.warn).toHaveBeenCalledWith(expect.stringMatching(/now travel as raw RGBA/));
    const frame = await grabber.grab(video(), 320);
    expect(frame?.payload).toMatchObject({ encoding: 'rgba' });
    expect((frame?.payload as { pixels: Uint8ClampedArray }).pixels).toHaveLength(320 * 180 * 4);
  });

  it('explains an unreadable video and does not count it as a VP8 failure', async () => {
    unreadable = true;
    const grabber = new FrameGrabber('vp8');
    for (let i = 0; i < VP8_FAILURES_BEFORE_RGBA + 1; i++) {
      await expect(grabber.grab(video(), 320)).rejects.toBeInstanceOf(UnreadableMediaError);
    }
    expect(grabber.encoding).toBe('vp8');
  });
});
