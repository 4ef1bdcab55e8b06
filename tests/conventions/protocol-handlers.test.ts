/**
 * Convention test: every message of the protocol has exactly one handler, in the handler table of the
 * receiver MESSAGES names, and every handler table answers only messages addressed to it.
 */
import { describe, expect, it, vi } from 'vitest';
import { createBackground } from '../../src/background/background-app.ts';
import type { EngineClient } from '../../src/background/engine-client.ts';
import { MESSAGES, type MessageType, type Receiver } from '../../src/protocol/protocol-map.ts';
import { absentEngineStatus } from '../../src/protocol/engine-status.ts';
import type { TabStateStore } from '../../src/background/tab-states.ts';
import { createEngineHost } from '../../src/runtime/engine-host.ts';

vi.mock('wxt/browser', async () => ({ browser: (await import('@webext-core/fake-browser')).fakeBrowser }));

const unused = () => Promise.reject(new Error('not used by this test'));

async function handlerTables(): Promise<Record<Receiver, object>> {
  const engine: EngineClient = {
    ensure: unused,
    configure: unused,
    status: () => Promise.resolve(absentEngineStatus()),
    analyzeImage: unused,
    modelsChanged: unused,
  };
  const tabs: TabStateStore = { get: unused, update: unused, remove: unused };
  const background = createBackground({
    engine,
    tabs,
    sendToTab: unused,
    injectContentScript: unused,
    showOverlayBadge: unused,
  });
  const host = createEngineHost({
    load: unused,
    decodeImage: unused,
    decodeFrame: unused,
    videoDecoders: { decode: unused, end: () => undefined, clear: () => undefined },
    nowMs: () => 0,
    epochMs: () => 0,
  });
  // The content handlers touch the DOM only when called.
  const { contentHandlers } = await import('../../src/content/content-app.ts');
  const content = contentHandlers({
    setEnabled: () => undefined,
    isEnabled: () => false,
    layer: {} as never,
  });
  return { background: background.handlers, engine: host.handlers, content };
}

describe('protocol conventions', () => {
  it('gives every message exactly one handler, where MESSAGES says', async () => {
    const tables = await handlerTables();
    const owners = new Map<string, Receiver[]>();
    for (const [receiver, table] of Object.entries(tables) as [Receiver, object][]) {
      for (const type of Object.keys(table)) owners.set(type, [...(owners.get(type) ?? []), receiver]);
    }
    for (const [type, { to }] of Object.entries(MESSAGES) as [MessageType, { to: Receiver }][]) {
      expect(owners.get(type), `handlers of "${type}"`).toEqual([to]);
    }
    const unknown = [...owners.keys()].filter((type) => !(type in MESSAGES));
    expect(unknown, 'handlers of messages not in MESSAGES').toEqual([]);
  });

  it('names messages in camelCase', () => {
    for (const type of Object.keys(MESSAGES)) expect(type).toMatch(/^[a-z][a-zA-Z]+$/);
  });
});
