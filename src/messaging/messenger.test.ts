import { fakeBrowser } from '@webext-core/fake-browser';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NoReceiverError, RemoteError } from './envelope.ts';
import { registerHandlers, sendMessage } from './messenger.ts';
import type { HandlersFor, MessageSender } from '../protocol/protocol-map.ts';
import { absentEngineStatus } from '../protocol/engine-status.ts';

vi.mock('wxt/browser', async () => ({ browser: (await import('@webext-core/fake-browser')).fakeBrowser }));

const backgroundHandlers = (
  overrides: Partial<HandlersFor<'background'>> = {},
): HandlersFor<'background'> => ({
  ensureEngine: () => absentEngineStatus(),
  getEngineStatus: () => absentEngineStatus(),
  getTabState: ({ tabId }) => ({ tabId, overlay: true, lastImage: null }),
  setOverlay: ({ tabId, enabled }) => ({ tabId, overlay: enabled, lastImage: null }),
  getSiteAccess: () => null,
  getOverlayForSender: () => ({ enabled: false }),
  captureTabRegion: () => Promise.reject(new Error('not used by this test')),
  analyzeSnapshot: () => Promise.reject(new Error('not used by this test')),
  userModelsChanged: () => absentEngineStatus(),
  ...overrides,
});

const base = fakeBrowser.runtime.getURL('/');
const POPUP: MessageSender = { id: fakeBrowser.runtime.id, url: `${base}popup.html` };
const CONTENT: MessageSender = {
  id: fakeBrowser.runtime.id,
  url: 'https://video.example/',
  tab: { id: 5 } as MessageSender['tab'],
};

/** fakeBrowser's runtime.sendMessage, with the sender the browser would set (fakeBrowser's is `{}`). */
function sendAs(sender: MessageSender) {
  const deliver = async (message: unknown) => {
    let respond!: (reply: unknown) => void;
    const reply = new Promise((resolve) => (respond = resolve));
    const results: unknown[] = await fakeBrowser.runtime.onMessage.trigger(message, sender as never, respond);
    if (!results.some((r) => r === true))
      throw new Error('Could not establish connection. Receiving end does not exist.');
    return reply;
  };
  vi.spyOn(fakeBrowser.runtime, 'sendMessage').mockImplementation(
    (message: unknown) => deliver(message) as never,
  );
}

describe('messenger', () => {
  let controller: AbortController;
  beforeEach(() => {
    fakeBrowser.reset();
    vi.restoreAllMocks();
    sendAs(POPUP);
    controller = new AbortController();
  });
  afterEach(() => controller.abort());

  it("delivers a typed request and returns the handler's result", async () => {
    registerHandlers('background', backgroundHandlers(), controller.signal);
    await expect(sendMessage('getTabState', { tabId: 7 })).resolves.toEqual({
      tabId: 7,
      overlay: true,
      lastImage: null,
    });
  });

  it('awaits asynchronous handlers', async () => {
    registerHandlers(
      'background',
      backgroundHandlers({
        setOverlay: ({ tabId, enabled }) => Promise.resolve({ tabId, overlay: enabled, lastImage: null }),
      }),
      controller.signal,
    );
    await expect(sendMessage('setOverlay', { tabId: 3, enabled: true })).resolves.toMatchObject({
      overlay: true,
    });
  });

  it("rethrows a handler's error at the caller, with its name and message", async () => {
    registerHandlers(
      'background',
      backgroundHandlers({
        getTabState: () => {
          throw new TypeError('tab 9 is gone');
        },
      }),
      controller.signal,
    );
    const error = await sendMessage('getTabState', { tabId: 9 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ name: 'TypeError', message: 'tab 9 is gone', messageType: 'getTabState' });
  });

  it('leaves messages of other receivers to them (one context answers)', async () => {
    // The engine host's listener sees the background's message and stays silent; the background answers.
    registerHandlers(
      'engine',
      {
        engineConfigure: () => absentEngineStatus(),
        engineStatus: () => absentEngineStatus(),
        engineAnalyzeImage: () => ({ width: 1, height: 1, faces: [], latencyMs: 0 }),
        analyzeFrame: () => ({ status: 'dropped' }),
        endSource: () => undefined,
        engineModelsChanged: () => absentEngineStatus(),
        engineClassifyCrop: () => Promise.reject(new Error('not used')),
      },
      controller.signal,
    );
    registerHandlers('background', backgroundHandlers(), controller.signal);
    sendAs(CONTENT);
    await expect(sendMessage('getOverlayForSender')).resolves.toEqual({ enabled: false });
  });

  it('refuses, before any handler runs, a message its sender may not send', async () => {
    const setOverlay = vi.fn(() => ({ tabId: 3, overlay: true, lastImage: null }));
    registerHandlers('background', backgroundHandlers({ setOverlay }), controller.signal);
    sendAs(CONTENT);
    const error = await sendMessage('setOverlay', { tabId: 3, enabled: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({
      name: 'AccessError',
      message: '"setOverlay" may be sent by an extension page, not by a content script.',
    });
    expect(setOverlay).not.toHaveBeenCalled();
  });

  it('refuses a payload of the wrong shape with what is wrong', async () => {
    const getTabState = vi.fn(() => ({ tabId: 3, overlay: true, lastImage: null }));
    registerHandlers('background', backgroundHandlers({ getTabState }), controller.signal);
    const error = await sendMessage('getTabState', { tabId: 'all' as never }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'AccessError',
      message: '"getTabState" payload refused: tabId: must be a tab id (an integer ≥ 0).',
    });
    expect(getTabState).not.toHaveBeenCalled();
  });

  it('says NoReceiverError when nobody answers', async () => {
    registerHandlers('background', backgroundHandlers(), controller.signal);
    const error = await sendMessage('engineStatus').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoReceiverError);
  });

  it('ignores foreign messages', () => {
    registerHandlers('background', backgroundHandlers(), controller.signal);
    const respond = vi.fn();
    const results = fakeBrowser.runtime.onMessage.trigger(
      { type: 'getTabState', data: { tabId: 1 } },
      {},
      respond,
    );
    return expect(results).resolves.toEqual([undefined]);
  });

  it('stops answering when its signal aborts', async () => {
    registerHandlers('background', backgroundHandlers(), controller.signal);
    controller.abort();
    await expect(sendMessage('getOverlayForSender')).rejects.toThrow();
  });
});
