import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FramePayload } from '../protocol/frames.ts';
import { createVp8Decoders, KeyFrameNeededError, MAX_DECODED_STREAMS } from './vp8-decoders.ts';

type Vp8Payload = Extract<FramePayload, { encoding: 'vp8' }>;

/** A decoded picture: its size, and RGBA filled with its timestamp's low byte. */
class FakeVideoFrame {
  closed = false;
  constructor(
    readonly displayWidth: number,
    readonly displayHeight: number,
    readonly timestamp: number,
  ) {}
  copyTo(dest: Uint8ClampedArray, options: { format: string }) {
    expect(options.format).toBe('RGBA');
    dest.fill(this.timestamp & 0xff);
    return Promise.resolve([]);
  }
  close() {
    this.closed = true;
  }
}

/** Decodes each chunk to a picture of the configured size, or fails on a chunk whose first byte is 0xff. */
class FakeVideoDecoder {
  state: 'unconfigured' | 'configured' | 'closed' = 'unconfigured';
  readonly configs: VideoDecoderConfig[] = [];
  constructor(readonly init: VideoDecoderInit) {
    decoders.push(this);
  }
  configure(config: VideoDecoderConfig) {
    this.state = 'configured';
    this.configs.push(config);
  }
  decode(chunk: { type: string; timestamp: number; data: ArrayBuffer }) {
    const config = this.configs.at(-1)!;
    queueMicrotask(() => {
      if (new Uint8Array(chunk.data)[0] === 0xff) {
        this.state = 'closed';
        this.init.error(new DOMException('Corrupt chunk', 'EncodingError'));
        return;
      }
      const frame = new FakeVideoFrame(config.codedWidth!, config.codedHeight!, chunk.timestamp);
      outputs.push(frame);
      this.init.output(frame as unknown as VideoFrame);
    });
  }
  close() {
    this.state = 'closed';
  }
}

class FakeEncodedVideoChunk {
  readonly type: string;
  readonly timestamp: number;
  readonly data: ArrayBuffer;
  constructor(init: { type: string; timestamp: number; data: ArrayBuffer }) {
    ({ type: this.type, timestamp: this.timestamp, data: this.data } = init);
  }
}

let decoders: FakeVideoDecoder[];
let outputs: FakeVideoFrame[];

beforeEach(() => {
  decoders = [];
  outputs = [];
  vi.stubGlobal('VideoDecoder', FakeVideoDecoder);
  vi.stubGlobal('EncodedVideoChunk', FakeEncodedVideoChunk);
});
afterEach(() => vi.unstubAllGlobals());

const chunk = (key: boolean, timestampUs: number, firstByte = 0): Vp8Payload => ({
  encoding: 'vp8',
  chunk: new Uint8Array([firstByte, 1, 2]).buffer,
  key,
  config: key
    ? { codec: 'vp8', codedWidth: 4, codedHeight: 2, colorSpace: { matrix: 'bt709', fullRange: true } }
    : null,
  timestampUs,
});

describe('VP8 stream decoders', () => {
  it('asks for a key frame before it has a stream, then decodes the stream in order into RGBA', async () => {
    const streams = createVp8Decoders();
    expect(() => streams.decode('s', chunk(false, 1), 4, 2)).toThrow(KeyFrameNeededError);
    const [a, b] = await Promise.all([
      streams.decode('s', chunk(true, 7), 4, 2),
      streams.decode('s', chunk(false, 8), 4, 2),
    ]);
    expect(a).toMatchObject({ width: 4, height: 2 });
    expect(a.data.length).toBe(4 * 2 * 4);
    expect(a.data[0]).toBe(7);
    expect(b.data[0]).toBe(8);
    // Configured from the key frame's config, colour space included, for low latency; frames closed.
    expect(decoders).toHaveLength(1);
    expect(decoders[0]!.configs[0]).toMatchObject({
      codec: 'vp8',
      codedWidth: 4,
      codedHeight: 2,
      colorSpace: { matrix: 'bt709', fullRange: true },
      optimizeForLatency: true,
    });
    expect(outputs.every((f) => f.closed)).toBe(true);
  });

  it('keeps one decoder per stream, reconfigured by each key frame', async () => {
    const streams = createVp8Decoders();
    await streams.decode('a', chunk(true, 1), 4, 2);
    await streams.decode('b', chunk(true, 2), 4, 2);
    await streams.decode('a', chunk(true, 3), 4, 2);
    expect(decoders).toHaveLength(2);
    expect(decoders[0]!.configs).toHaveLength(2);
  });

  it('refuses a key frame without its config, a chunk that is not an ArrayBuffer, and a size mismatch', async () => {
    const streams = createVp8Decoders();
    expect(() => streams.decode('s', { ...chunk(true, 1), config: null }, 4, 2)).toThrow(
      /key frame must carry its stream config/,
    );
    expect(() => streams.decode('s', { ...chunk(true, 1), chunk: {} as ArrayBuffer }, 4, 2)).toThrow(
      /expected the VP8 chunk as an ArrayBuffer, got \[object Object\]/,
    );
    await expect(streams.decode('s', chunk(true, 1), 8, 2)).rejects.toThrow(
      /the VP8 frame is 4x2, the request says 8x2/,
    );
  });

  it('refuses a stream larger than MAX_VP8_SIDE before configuring or allocating', () => {
    const streams = createVp8Decoders();
    const huge = { ...chunk(true, 1), config: { codec: 'vp8', codedWidth: 100_000, codedHeight: 100_000 } };
    expect(() => streams.decode('s', huge, 4, 2)).toThrow(
      /a VP8 stream of 100000x100000 is refused \(1 to 4096/,
    );
    expect(decoders.flatMap((d) => d.configs)).toEqual([]);
  });

  it('queues nothing for a chunk the decoder refuses: the next frames still settle', async () => {
    const streams = createVp8Decoders();
    await streams.decode('s', chunk(true, 1), 4, 2);
    const decoder = decoders[0]!;
    const decode = decoder.decode.bind(decoder);
    decoder.decode = () => {
      throw new DOMException('A key frame is required', 'DataError');
    };
    expect(() => streams.decode('s', chunk(false, 2), 4, 2)).toThrow(/A key frame is required/);
    decoder.decode = decode;
    // Had the refused chunk left a pending entry, this frame's picture would have gone to it.
    const image = await streams.decode('s', chunk(false, 3), 4, 2);
    expect(image.data[0]).toBe(3);
  });

  it('after a decoding error, fails that frame and asks for a key frame', async () => {
    const streams = createVp8Decoders();
    await streams.decode('s', chunk(true, 1), 4, 2);
    await expect(streams.decode('s', chunk(false, 2, 0xff), 4, 2)).rejects.toThrow(
      /VP8 decoding failed: Corrupt chunk/,
    );
    expect(() => streams.decode('s', chunk(false, 3), 4, 2)).toThrow(KeyFrameNeededError);
    await expect(streams.decode('s', chunk(true, 4), 4, 2)).resolves.toMatchObject({ width: 4 });
  });

  it('closes the decoders of ended streams, all of them on clear, and the oldest beyond the limit', async () => {
    const streams = createVp8Decoders();
    await streams.decode('tab1|v1', chunk(true, 1), 4, 2);
    await streams.decode('tab2|v1', chunk(true, 1), 4, 2);
    streams.end((id) => id.startsWith('tab1|'));
    expect(decoders[0]!.state).toBe('closed');
    expect(() => streams.decode('tab1|v1', chunk(false, 2), 4, 2)).toThrow(KeyFrameNeededError);
    await streams.decode('tab2|v1', chunk(false, 2), 4, 2);
    streams.clear();
    expect(decoders[1]!.state).toBe('closed');

    for (let i = 0; i <= MAX_DECODED_STREAMS; i++) await streams.decode(`s${i}`, chunk(true, i), 4, 2);
    expect(() => streams.decode('s0', chunk(false, 99), 4, 2)).toThrow(KeyFrameNeededError);
    await streams.decode(`s${MAX_DECODED_STREAMS}`, chunk(false, 99), 4, 2);
  });
});
