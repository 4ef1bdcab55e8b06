import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { VP8_OUTPUT_TIMEOUT_MS, Vp8FrameEncoder } from './vp8-encoder.ts';

/** A video the page may not read: the fake VideoFrame refuses it as Chrome does. */
const TAINTED = { tainted: true };
const VIDEO = {} as HTMLVideoElement;

class FakeVideoFrame {
  readonly timestamp: number;
  closed = false;
  constructor(source: unknown, init: { timestamp: number }) {
    if (source === TAINTED) throw new DOMException('The video is tainted', 'SecurityError');
    this.timestamp = init.timestamp;
    frames.push(this);
  }
  close() {
    this.closed = true;
  }
}

/** A realtime encoder: one chunk per frame, the decoder config with the first chunk after each configure. */
class FakeVideoEncoder {
  state: 'unconfigured' | 'configured' | 'closed' = 'unconfigured';
  readonly configs: VideoEncoderConfig[] = [];
  readonly encoded: { timestamp: number; keyFrame: boolean }[] = [];
  private configPending = false;
  constructor(readonly init: VideoEncoderInit) {
    encoders.push(this);
  }
  configure(config: VideoEncoderConfig) {
    this.state = 'configured';
    this.configs.push(config);
    this.configPending = true;
  }
  encode(frame: FakeVideoFrame, options: { keyFrame: boolean }) {
    this.encoded.push({ timestamp: frame.timestamp, keyFrame: options.keyFrame });
    if (behaviour === 'silent') return;
    if (behaviour === 'error') {
      queueMicrotask(() => {
        this.state = 'closed';
        this.init.error(new DOMException('Encoding error', 'EncodingError'));
      });
      return;
    }
    const config = this.configs.at(-1)!;
    const metadata = this.configPending
      ? {
          decoderConfig: {
            codec: 'vp8',
            codedWidth: config.width,
            codedHeight: config.height,
            colorSpace: { primaries: 'bt709', transfer: 'iec61966-2-1', matrix: 'bt709', fullRange: true },
          },
        }
      : undefined;
    this.configPending = false;
    const chunk = {
      type: options.keyFrame ? 'key' : 'delta',
      timestamp: frame.timestamp,
      byteLength: 3,
      copyTo: (dest: ArrayBuffer) => new Uint8Array(dest).set([1, 2, 3]),
    };
    queueMicrotask(() => this.init.output(chunk as unknown as EncodedVideoChunk, metadata as never));
  }
  close() {
    this.state = 'closed';
  }
}

let encoders: FakeVideoEncoder[];
let frames: FakeVideoFrame[];
let behaviour: 'ok' | 'silent' | 'error';

beforeEach(() => {
  encoders = [];
  frames = [];
  behaviour = 'ok';
  vi.stubGlobal('VideoEncoder', FakeVideoEncoder);
  vi.stubGlobal('VideoFrame', FakeVideoFrame);
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('Vp8FrameEncoder', () => {
  it('starts with a key frame carrying the encoder config, then sends delta frames without it', async () => {
    const encoder = new Vp8FrameEncoder();
    const first = await encoder.encode(VIDEO, 320, 180);
    expect(first).toMatchObject({
      encoding: 'vp8',
      key: true,
      config: {
        codec: 'vp8',
        codedWidth: 320,
        codedHeight: 180,
        colorSpace: { matrix: 'bt709', fullRange: true },
      },
      timestampUs: 0,
    });
    expect([...new Uint8Array(first.chunk)]).toEqual([1, 2, 3]);
    const second = await encoder.encode(VIDEO, 320, 180);
    expect(second).toMatchObject({ key: false, config: null });
    expect(second.timestampUs).toBeGreaterThan(first.timestampUs);
    // One encoder, configured once, realtime; every frame closed after use.
    expect(encoders).toHaveLength(1);
    expect(encoders[0]!.configs).toEqual([
      expect.objectContaining({ codec: 'vp8', width: 320, height: 180, latencyMode: 'realtime' }),
    ]);
    expect(frames.every((f) => f.closed)).toBe(true);
  });

  it('starts over with a key frame after a size change and when asked to', async () => {
    const encoder = new Vp8FrameEncoder();
    await encoder.encode(VIDEO, 320, 180);
    const resized = await encoder.encode(VIDEO, 448, 252);
    expect(resized).toMatchObject({ key: true, config: { codedWidth: 448, codedHeight: 252 } });
    expect(await encoder.encode(VIDEO, 448, 252)).toMatchObject({ key: false });
    encoder.requestKeyFrame();
    const again = await encoder.encode(VIDEO, 448, 252);
    // The config is repeated with every key frame: a new engine host needs it.
    expect(again).toMatchObject({ key: true, config: { codedWidth: 448 } });
    expect(encoders).toHaveLength(1);
  });

  it('rejects odd sizes (4:2:0 chroma) and passes on the SecurityError of an unreadable video', async () => {
    const encoder = new Vp8FrameEncoder();
    await expect(encoder.encode(VIDEO, 321, 180)).rejects.toThrow(/must be even.*321x180/);
    await expect(encoder.encode(TAINTED as never, 320, 180)).rejects.toMatchObject({ name: 'SecurityError' });
    expect(await encoder.encode(VIDEO, 320, 180)).toMatchObject({ key: true });
  });

  it('after an encoder error, rejects that frame and builds a new encoder that starts with a key frame', async () => {
    const encoder = new Vp8FrameEncoder();
    await encoder.encode(VIDEO, 320, 180);
    behaviour = 'error';
    await expect(encoder.encode(VIDEO, 320, 180)).rejects.toThrow(/VP8 encoding failed: Encoding error/);
    behaviour = 'ok';
    expect(await encoder.encode(VIDEO, 320, 180)).toMatchObject({ key: true, config: { codec: 'vp8' } });
    expect(encoders).toHaveLength(2);
  });

  it('gives up on a frame the encoder never answers, and starts over', async () => {
    vi.useFakeTimers();
    const encoder = new Vp8FrameEncoder();
    behaviour = 'silent';
    const lost = encoder.encode(VIDEO, 320, 180);
    const checked = expect(lost).rejects.toThrow(/no output within/);
    await vi.advanceTimersByTimeAsync(VP8_OUTPUT_TIMEOUT_MS);
    await checked;
    expect(encoders[0]!.state).toBe('closed');
    behaviour = 'ok';
    expect(await encoder.encode(VIDEO, 320, 180)).toMatchObject({ key: true });
  });
});
