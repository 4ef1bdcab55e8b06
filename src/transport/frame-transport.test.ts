import { describe, expect, it, vi } from 'vitest';
import type { FramesPortClient } from '../messaging/frames-port.ts';
import { NoReceiverError } from '../messaging/envelope.ts';
import { absentEngineStatus } from '../protocol/engine-status.ts';
import type { FrameAnalysis, FrameRequest } from '../protocol/frames.ts';
import type { GrabbedFrame } from './frame-grabber.ts';
import { createPortTransport, FrameTimeoutError } from './frame-transport.ts';

const grabbed: GrabbedFrame = {
  width: 2,
  height: 1,
  sourceWidth: 4,
  sourceHeight: 2,
  encodeMs: 4,
  payload: { encoding: 'jpeg', bytes: new ArrayBuffer(3) },
};
const analyzed: FrameAnalysis = {
  status: 'analyzed',
  faces: [],
  nextFrameSide: 256,
  latencyMs: 20,
  wireMs: 6,
  decodeMs: 2,
  queueMs: 0,
};

function fakePort(reply: (frame: FrameRequest) => Promise<FrameAnalysis>) {
  const sent: FrameRequest[] = [];
  const close = vi.fn();
  const client: FramesPortClient & { open: boolean } = {
    open: true,
    request: ((_type: 'analyzeFrame', frame: FrameRequest) => {
      sent.push(frame);
      return reply(frame);
    }) as FramesPortClient['request'],
    close,
  };
  return { client, sent, close };
}

describe('port transport', () => {
  it('starts the engine, connects once, and sends the frame with its timing', async () => {
    const port = fakePort(() => Promise.resolve(analyzed));
    const deps = {
      ensureEngine: vi.fn(() => Promise.resolve(absentEngineStatus())),
      connect: vi.fn(() => port.client),
      epochMs: () => 500,
    };
    const transport = createPortTransport(deps);
    await expect(transport.analyze('v1', grabbed)).resolves.toEqual(analyzed);
    await transport.analyze('v1', grabbed);
    expect(deps.ensureEngine).toHaveBeenCalledTimes(1);
    expect(deps.connect).toHaveBeenCalledTimes(1);
    expect(port.sent[0]).toEqual({
      encoding: 'jpeg',
      bytes: grabbed.payload.encoding === 'jpeg' ? grabbed.payload.bytes : null,
      sourceId: 'v1',
      width: 2,
      height: 1,
      sourceWidth: 4,
      sourceHeight: 2,
      encodeMs: 4,
      sentAtEpochMs: 500,
    });
    expect(transport.meanCostMs).toBeCloseTo(12, 9);
  });

  it('keeps at most one frame per source in flight: a second one is refused, not queued', async () => {
    const answers: (() => void)[] = [];
    const answer = () => answers.shift()?.();
    const port = fakePort(() => new Promise((resolve) => answers.push(() => resolve(analyzed))));
    const transport = createPortTransport({
      ensureEngine: () => Promise.resolve(absentEngineStatus()),
      connect: () => port.client,
      epochMs: () => 0,
    });
    const first = transport.analyze('v1', grabbed);
    await expect(transport.analyze('v1', grabbed)).resolves.toEqual({ status: 'busy' });
    const other = transport.analyze('v2', grabbed);
    await vi.waitFor(() => expect(port.sent).toHaveLength(2));
    answer();
    await first;
    answer();
    await other;
    expect(port.sent.map((f) => f.sourceId)).toEqual(['v1', 'v2']);
  });

  it('reconnects through the background after the engine host went away, after a pause', async () => {
    let clock = 0;
    const dead = fakePort(() => {
      dead.client.open = false;
      return Promise.reject(new NoReceiverError('analyzeFrame', new Error('port closed')));
    });
    const alive = fakePort(() => Promise.resolve(analyzed));
    const clients = [dead.client, alive.client];
    const sleeps: number[] = [];
    const deps = {
      ensureEngine: vi.fn(() => Promise.resolve(absentEngineStatus())),
      connect: () => clients.shift()!,
      epochMs: () => 0,
      nowMs: () => clock,
      retryMs: 1000,
      sleep: (ms: number) => {
        sleeps.push(ms);
        clock += ms;
        return Promise.resolve();
      },
    };
    const transport = createPortTransport(deps);
    await expect(transport.analyze('v1', grabbed)).rejects.toBeInstanceOf(NoReceiverError);
    clock += 200;
    await expect(transport.analyze('v1', grabbed)).resolves.toEqual(analyzed);
    expect(deps.ensureEngine).toHaveBeenCalledTimes(2);
    expect(sleeps).toEqual([800]);
  });

  it('fails a frame that gets no answer, frees its source and opens a new port for the next', async () => {
    const silent = fakePort(() => new Promise<FrameAnalysis>(() => undefined));
    const alive = fakePort(() => Promise.resolve(analyzed));
    const clients = [silent.client, alive.client];
    const transport = createPortTransport({
      ensureEngine: vi.fn(() => Promise.resolve(absentEngineStatus())),
      connect: () => clients.shift()!,
      epochMs: () => 0,
      retryMs: 0,
      requestTimeoutMs: 20,
    });
    await expect(transport.analyze('v1', grabbed)).rejects.toBeInstanceOf(FrameTimeoutError);
    expect(silent.close).toHaveBeenCalled();
    await expect(transport.analyze('v1', grabbed)).resolves.toEqual(analyzed);
    expect(alive.sent).toHaveLength(1);
  });
});
