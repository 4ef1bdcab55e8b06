import { describe, expect, it, vi } from 'vitest';
import { offscreenEngineClient, type OffscreenClientDeps } from './engine-client.ts';
import { NoReceiverError } from '../messaging/envelope.ts';
import { absentEngineStatus } from '../protocol/engine-status.ts';
import type { MessageType } from '../protocol/protocol-map.ts';
import { DEFAULT_SETTINGS, engineConfigOf } from '../settings/schema.ts';

vi.mock('wxt/browser', async () => ({ browser: (await import('@webext-core/fake-browser')).fakeBrowser }));

const ready = { ...absentEngineStatus(), state: 'ready' as const };

function setup(script: { created?: boolean[]; failures?: number } = {}) {
  const created = [...(script.created ?? [false])];
  let failures = script.failures ?? 0;
  const calls: MessageType[] = [];
  const ensureDocument = vi.fn(() => Promise.resolve({ created: created.shift() ?? false }));
  const documentExists = vi.fn(() => Promise.resolve(true));
  const deps: OffscreenClientDeps = {
    ensureDocument,
    documentExists,
    closeDocument: () => Promise.resolve(),
    currentConfig: () => Promise.resolve(engineConfigOf(DEFAULT_SETTINGS)),
    send: ((type: MessageType) => {
      calls.push(type);
      if (failures > 0) {
        failures--;
        return Promise.reject(new NoReceiverError(type, new Error('Receiving end does not exist.')));
      }
      return Promise.resolve(
        type === 'engineAnalyzeImage' ? { width: 1, height: 1, faces: [], latencyMs: 1 } : ready,
      );
    }) as OffscreenClientDeps['send'],
  };
  return { client: offscreenEngineClient(deps), ensureDocument, documentExists, calls };
}

describe('offscreenEngineClient', () => {
  it('configures a document it just created before using it', async () => {
    const { client, calls } = setup({ created: [true] });
    await client.analyzeImage({ bytes: new ArrayBuffer(1), type: 'image/png' });
    expect(calls).toEqual(['engineConfigure', 'engineAnalyzeImage']);
  });

  it('does not reconfigure an existing document', async () => {
    const { client, calls } = setup({ created: [false] });
    await client.analyzeImage({ bytes: new ArrayBuffer(1), type: 'image/png' });
    expect(calls).toEqual(['engineAnalyzeImage']);
  });

  it('recreates a document that vanished, once', async () => {
    const { client, calls, ensureDocument } = setup({ created: [false, true], failures: 1 });
    await client.analyzeImage({ bytes: new ArrayBuffer(1), type: 'image/png' });
    expect(ensureDocument).toHaveBeenCalledTimes(2);
    expect(calls).toEqual(['engineAnalyzeImage', 'engineConfigure', 'engineAnalyzeImage']);

    const broken = setup({ failures: 5 });
    await expect(
      broken.client.analyzeImage({ bytes: new ArrayBuffer(1), type: 'image/png' }),
    ).rejects.toBeInstanceOf(NoReceiverError);
  });

  it('replaces a document whose runtime was started with other threads', async () => {
    // A fake document: its runtime keeps the thread setting of its first configuration.
    let started: number | null = null;
    let stored = engineConfigOf(DEFAULT_SETTINGS);
    const log: string[] = [];
    const client = offscreenEngineClient({
      ensureDocument: () => Promise.resolve({ created: started === null }),
      documentExists: () => Promise.resolve(started !== null),
      closeDocument: () => {
        log.push('close');
        started = null;
        return Promise.resolve();
      },
      currentConfig: () => Promise.resolve(stored),
      send: ((type: MessageType, config: { wasmThreads: number }) => {
        log.push(`${type} ${config.wasmThreads}`);
        started ??= config.wasmThreads;
        return Promise.resolve({ ...ready, wasmThreads: { setting: started, inUse: started || 1 } });
      }) as OffscreenClientDeps['send'],
    });
    const config = engineConfigOf(DEFAULT_SETTINGS);
    await client.ensure();
    await client.configure({ ...config, minScore: 0.7 });
    expect(log).toEqual(['engineConfigure 0', 'engineConfigure 0', 'engineConfigure 0']);

    log.length = 0;
    stored = { ...config, wasmThreads: 2 };
    const status = await client.configure(stored);
    // The new document is configured when created, then configured again by the call.
    expect(log).toEqual(['engineConfigure 2', 'close', 'engineConfigure 2', 'engineConfigure 2']);
    expect(status.wasmThreads).toEqual({ setting: 2, inUse: 2 });
  });

  it('reports "absent" without creating a document', async () => {
    const { client, documentExists, ensureDocument } = setup();
    documentExists.mockResolvedValue(false);
    await expect(client.status()).resolves.toMatchObject({ state: 'absent' });
    expect(ensureDocument).not.toHaveBeenCalled();
  });
});
