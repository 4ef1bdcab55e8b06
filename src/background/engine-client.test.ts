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

  it('reports "absent" without creating a document', async () => {
    const { client, documentExists, ensureDocument } = setup();
    documentExists.mockResolvedValue(false);
    await expect(client.status()).resolves.toMatchObject({ state: 'absent' });
    expect(ensureDocument).not.toHaveBeenCalled();
  });
});
