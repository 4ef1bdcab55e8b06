/**
 * DevTools protocol commands to a target Playwright does not expose as a page, such as the extension's
 * offscreen document (type 'background_page'). Playwright's CDPSession has no way to address a child session,
 * so this attaches in the older non-flattened mode and tunnels commands through Target.sendMessageToTarget.
 */
import type { CDPSession } from 'playwright-core';

export interface TargetSession {
  readonly url: string;
  send<T = unknown>(method: string, params?: object, timeoutMs?: number): Promise<T>;
  detach(): Promise<void>;
}

interface Reply {
  id?: number;
  result?: unknown;
  error?: { message: string };
}

export async function attachToTarget(
  cdp: CDPSession,
  match: (target: { type: string; url: string }) => boolean,
): Promise<TargetSession> {
  const { targetInfos } = await cdp.send('Target.getTargets');
  const target = targetInfos.find(match);
  if (!target) {
    const seen = targetInfos.map((t) => `${t.type} ${t.url}`).join('; ');
    throw new Error(`No DevTools target matches (targets: ${seen})`);
  }
  const { sessionId } = await cdp.send('Target.attachToTarget', {
    targetId: target.targetId,
    flatten: false,
  });
  const pending = new Map<number, { resolve: (r: Reply) => void }>();
  const onMessage = (event: { sessionId?: string; message: string }) => {
    if (event.sessionId !== sessionId) return;
    const reply = JSON.parse(event.message) as Reply;
    if (reply.id !== undefined) pending.get(reply.id)?.resolve(reply);
  };
  cdp.on('Target.receivedMessageFromTarget', onMessage);
  let nextId = 1;
  return {
    url: target.url,
    async send<T>(method: string, params: object = {}, timeoutMs = 30_000): Promise<T> {
      const id = nextId++;
      const reply = new Promise<Reply>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${method} on ${target.url}: no reply within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (r) => {
            clearTimeout(timer);
            pending.delete(id);
            resolve(r);
          },
        });
      });
      await cdp.send('Target.sendMessageToTarget', {
        sessionId,
        message: JSON.stringify({ id, method, params }),
      });
      const r = await reply;
      if (r.error) throw new Error(`${method} on ${target.url}: ${r.error.message}`);
      return r.result as T;
    },
    async detach() {
      cdp.off('Target.receivedMessageFromTarget', onMessage);
      await cdp.send('Target.detachFromTarget', { sessionId }).catch(() => undefined);
    },
  };
}

/** Memory of a target after a forced garbage collection: retained, not transient. */
export interface TargetMemory {
  /** V8 heap in use (Runtime.getHeapUsage usedSize). */
  jsHeapUsedBytes: number;
  /** Blink's heap (DOM, canvases' bookkeeping) in use. */
  embedderHeapUsedBytes: number;
  /** ArrayBuffer backing stores, WebAssembly memories among them. */
  backingStorageBytes: number;
  /** performance.measureUserAgentSpecificMemory() total (needs crossOriginIsolated), null if unavailable. */
  userAgentSpecificBytes: number | null;
}

export async function measureMemory(session: TargetSession): Promise<TargetMemory> {
  await session.send('HeapProfiler.collectGarbage');
  const heap = await session.send<{
    usedSize: number;
    embedderHeapUsedSize?: number;
    backingStorageSize?: number;
  }>('Runtime.getHeapUsage');
  let userAgentSpecificBytes: number | null = null;
  try {
    const evaluated = await session.send<{ result: { value?: unknown } }>(
      'Runtime.evaluate',
      {
        expression:
          "typeof performance.measureUserAgentSpecificMemory === 'function' && crossOriginIsolated ? performance.measureUserAgentSpecificMemory().then((m) => m.bytes) : null",
        awaitPromise: true,
        returnByValue: true,
      },
      60_000,
    );
    if (typeof evaluated.result.value === 'number') userAgentSpecificBytes = evaluated.result.value;
  } catch {
    /* not measurable here: the heap figures stand alone */
  }
  return {
    jsHeapUsedBytes: heap.usedSize,
    embedderHeapUsedBytes: heap.embedderHeapUsedSize ?? Number.NaN,
    backingStorageBytes: heap.backingStorageSize ?? Number.NaN,
    userAgentSpecificBytes,
  };
}
