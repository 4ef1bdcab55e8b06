/**
 * How a grabbed frame reaches the engine and its faces come back. The data plane is the frames port
 * (src/messaging/frames-port.ts): structured clone carries the RGBA bytes as they are, only the engine host
 * receives them, and it works the same in Firefox. The engine host is started (or restarted) through the
 * background on first use and after it went away; reconnection waits `retryMs` so a broken host is not
 * hammered. At most one frame per source is in flight: a second `analyse` for a busy source is refused
 * (the caller drops that frame) instead of queueing.
 */
import type { FramesPortClient } from '../messaging/frames-port.ts';
import type { FrameAnalysis } from '../protocol/frames.ts';
import type { EngineStatus } from '../protocol/engine-status.ts';
import type { GrabbedFrame } from './frame-grabber.ts';

export interface FrameTransport {
  /** Sends one frame of `sourceId`; resolves 'busy' when that source already has a frame in flight. */
  analyze(sourceId: string, frame: GrabbedFrame): Promise<FrameAnalysis | { status: 'busy' }>;
  /** Mean cost of moving one frame into the engine, ms: encoding here, messaging, decoding there. */
  readonly meanCostMs: number;
  /** The source went (its video removed): the engine ends its stream now, not at an eviction. */
  end(sourceId: string): void;
  close(): void;
}

export interface PortTransportDeps {
  /** Asks the background to make sure the engine host exists (sendMessage('ensureEngine')). */
  ensureEngine: () => Promise<EngineStatus>;
  connect: () => FramesPortClient;
  /** performance.timeOrigin + performance.now() */
  epochMs: () => number;
  /** Waits before reconnecting after a failure, ms. */
  retryMs?: number;
  nowMs?: () => number;
  /** In content scripts: a ctx.setTimeout-based sleep, so nothing outlives the script. */
  sleep?: (ms: number) => Promise<void>;
  /** How long one frame may wait for its answer (default REQUEST_TIMEOUT_MS). */
  requestTimeoutMs?: number;
}

/**
 * A frame with no answer after this long fails, and the port is dropped and opened again with the next
 * frame (ensureEngine first): a wedged host cannot hold a video's one frame in flight for good. Longer than
 * the engine's own watchdog (src/runtime/engine-host.ts RUN_TIMEOUT_MS), which answers first when it can.
 */
export const REQUEST_TIMEOUT_MS = 30_000;

export class FrameTimeoutError extends Error {
  override readonly name = 'FrameTimeoutError';
}

const EMA = 0.2;

export function createPortTransport(deps: PortTransportDeps): FrameTransport {
  const retryMs = deps.retryMs ?? 1000;
  const requestTimeoutMs = deps.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const now = deps.nowMs ?? (() => performance.now());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let client: FramesPortClient | null = null;
  let connecting: Promise<FramesPortClient> | null = null;
  let notBeforeMs = 0;
  let closed = false;
  let meanCostMs = 0;
  const busy = new Set<string>();

  const connected = (): Promise<FramesPortClient> => {
    if (client?.open) return Promise.resolve(client);
    connecting ??= (async () => {
      try {
        const wait = notBeforeMs - now();
        if (wait > 0) await sleep(wait);
        await deps.ensureEngine();
        client = deps.connect();
        return client;
      } finally {
        connecting = null;
      }
    })();
    return connecting;
  };

  return {
    get meanCostMs() {
      return meanCostMs;
    },
    async analyze(sourceId, frame) {
      if (closed) throw new Error('The frame transport is closed.');
      if (busy.has(sourceId)) return { status: 'busy' };
      busy.add(sourceId);
      try {
        const port = await connected();
        const sentAt = deps.epochMs();
        const { width, height, sourceWidth, sourceHeight, encodeMs, payload } = frame;
        const request = port.request('analyzeFrame', {
          ...payload,
          sourceId,
          width,
          height,
          sourceWidth,
          sourceHeight,
          encodeMs,
          sentAtEpochMs: sentAt,
        });
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            // The host may be wedged: this port is dropped, the next frame opens a new one.
            if (client === port) client = null;
            port.close();
            reject(
              new FrameTimeoutError(
                `The engine did not answer a frame within ${Math.round(requestTimeoutMs / 1000)} s.`,
              ),
            );
          }, requestTimeoutMs);
        });
        const result = await Promise.race([request, timeout]).finally(() => clearTimeout(timer));
        if (result.status === 'analyzed') {
          const cost = encodeMs + result.wireMs + result.decodeMs;
          meanCostMs = meanCostMs === 0 ? cost : (1 - EMA) * meanCostMs + EMA * cost;
        }
        return result;
      } catch (error) {
        notBeforeMs = now() + retryMs;
        if (client && !client.open) client = null;
        throw error;
      } finally {
        busy.delete(sourceId);
      }
    },
    end(sourceId) {
      // Nothing to end without a port: the engine has no stream of this client then.
      if (closed || !client?.open) return;
      client.request('endSource', { sourceId }).catch(() => undefined);
    },
    close() {
      closed = true;
      client?.close();
      client = null;
    },
  };
}
