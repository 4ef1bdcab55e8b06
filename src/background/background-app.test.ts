import { fakeBrowser } from '@webext-core/fake-browser';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Face } from '../ml/engine-api.ts';
import { createBackground, type BackgroundDeps } from './background-app.ts';
import type { EngineClient } from './engine-client.ts';
import { NoReceiverError } from '../messaging/envelope.ts';
import type { TabTarget } from '../messaging/messenger.ts';
import { absentEngineStatus } from '../protocol/engine-status.ts';
import type { ImageAnalysis } from '../protocol/overlay.ts';
import type { MessageType } from '../protocol/protocol-map.ts';
import { sessionTabStates } from './tab-states.ts';

vi.mock('wxt/browser', async () => ({ browser: (await import('@webext-core/fake-browser')).fakeBrowser }));

const face: Face = {
  box: { x: 10, y: 20, width: 30, height: 30 },
  score: 0.9,
  keypoints: [],
  emotions: {
    neutral: 0.1,
    happiness: 0.7,
    sadness: 0.05,
    surprise: 0.05,
    fear: 0.04,
    disgust: 0.03,
    anger: 0.03,
  },
  top: { emotion: 'happiness', probability: 0.7 },
};

interface Sent {
  target: TabTarget;
  type: MessageType;
  data: unknown;
}

function setup(options: { contentScriptMissing?: boolean; analysis?: ImageAnalysis | Error } = {}) {
  const sent: Sent[] = [];
  let injected: TabTarget[] = [];
  let hasContentScript = !options.contentScriptMissing;
  const ensure = vi.fn(() => Promise.resolve(absentEngineStatus()));
  const engine: EngineClient = {
    ensure,
    configure: () => Promise.resolve(absentEngineStatus()),
    status: () => Promise.resolve(absentEngineStatus()),
    modelsChanged: () => Promise.resolve(absentEngineStatus()),
    analyzeImage: () => {
      const a = options.analysis ?? { width: 100, height: 80, faces: [face], latencyMs: 12 };
      return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
    },
  };
  const fetchImage = vi.fn((url: string) =>
    url.includes('404')
      ? Promise.reject(new Error('Could not download the image: HTTP 404 Not Found.'))
      : Promise.resolve({ bytes: new ArrayBuffer(8), type: 'image/jpeg' }),
  );
  const injectContentScript = vi.fn((target: TabTarget) => {
    injected = [...injected, target];
    hasContentScript = true;
    return Promise.resolve();
  });
  const showOverlayBadge = vi.fn((_tabId: number, _on: boolean) => Promise.resolve());
  const deps: BackgroundDeps = {
    engine,
    tabs: sessionTabStates(),
    sendToTab: ((target: TabTarget, type: MessageType, data?: unknown) => {
      if (!hasContentScript)
        return Promise.reject(new NoReceiverError(type, new Error('Receiving end does not exist.')));
      sent.push({ target, type, data });
      return Promise.resolve(type === 'overlayShowImageResult' ? { matched: 1 } : undefined);
    }) as BackgroundDeps['sendToTab'],
    fetchImage,
    injectContentScript,
    showOverlayBadge,
  };
  const mocks = { ensure, fetchImage, injectContentScript, showOverlayBadge };
  return { background: createBackground(deps), mocks, sent, injected: () => injected };
}

describe('background', () => {
  beforeEach(() => fakeBrowser.reset());

  it('analyses a right-clicked image: "pending" then the faces go to the tab, and the popup can read them', async () => {
    const { background, sent, mocks } = setup();
    const result = await background.analyzeImage({ tabId: 5, frameId: 2 }, 'https://elsewhere.example/a.jpg');
    expect(result).toMatchObject({ state: 'done', analysis: { faces: [face] } });
    expect(mocks.fetchImage).toHaveBeenCalledWith('https://elsewhere.example/a.jpg');
    expect(sent.map((s) => [s.type, (s.data as { state: string }).state, s.target])).toEqual([
      ['overlayShowImageResult', 'pending', { tabId: 5, frameId: 2 }],
      ['overlayShowImageResult', 'done', { tabId: 5, frameId: 2 }],
    ]);
    await expect(background.handlers.getTabState({ tabId: 5 }, {})).resolves.toMatchObject({
      lastImage: { state: 'done' },
    });
  });

  it('shows a failed download or analysis as the error, over the image and in the tab state', async () => {
    const { background, sent } = setup();
    const result = await background.analyzeImage({ tabId: 1 }, 'https://x.example/404.jpg');
    expect(result).toMatchObject({ srcUrl: 'https://x.example/404.jpg', state: 'failed' });
    expect(result.state === 'failed' && result.error).toMatch(/404/);
    expect(sent.at(-1)?.data).toEqual(result);

    const broken = setup({ analysis: new Error('engine failed to load') });
    await expect(
      broken.background.analyzeImage({ tabId: 1 }, 'https://x.example/a.jpg'),
    ).resolves.toMatchObject({
      state: 'failed',
      error: 'engine failed to load',
    });
  });

  it('injects the content script into a tab that has none, then delivers', async () => {
    const { background, sent, injected } = setup({ contentScriptMissing: true });
    await background.analyzeImage({ tabId: 4, frameId: 0 }, 'https://x.example/a.jpg');
    expect(injected()).toEqual([{ tabId: 4, frameId: 0 }]);
    expect(sent).toHaveLength(2);
  });

  it('switches the overlay per tab, tells the tab, starts the engine and marks the toolbar button', async () => {
    const { background, sent, mocks } = setup();
    await expect(background.setOverlay(3, true)).resolves.toMatchObject({ tabId: 3, overlay: true });
    expect(sent).toEqual([{ target: { tabId: 3 }, type: 'overlaySetEnabled', data: { enabled: true } }]);
    expect(mocks.ensure).toHaveBeenCalled();
    expect(mocks.showOverlayBadge).toHaveBeenCalledWith(3, true);
    await expect(
      background.handlers.getOverlayForSender(undefined, { tab: { id: 3 } as never }),
    ).resolves.toEqual({
      enabled: true,
    });
    await expect(
      background.handlers.getOverlayForSender(undefined, { tab: { id: 4 } as never }),
    ).resolves.toEqual({
      enabled: false,
    });
  });

  it('toggles with the keyboard command and forgets closed tabs', async () => {
    const { background } = setup();
    await expect(background.toggleOverlay(8)).resolves.toMatchObject({ overlay: true });
    await expect(background.toggleOverlay(8)).resolves.toMatchObject({ overlay: false });
    await background.setOverlay(8, true);
    await background.tabClosed(8);
    await expect(background.handlers.getTabState({ tabId: 8 }, {})).resolves.toEqual({
      tabId: 8,
      overlay: false,
      lastImage: null,
    });
  });

  it('keeps the overlay state when the tab cannot be scripted', async () => {
    const { background, mocks } = setup({ contentScriptMissing: true });
    mocks.injectContentScript.mockRejectedValueOnce(new Error('Cannot access a chrome:// URL'));
    await expect(background.setOverlay(2, true)).resolves.toMatchObject({ overlay: true });
  });

  it('serialises quick updates of one tab', async () => {
    const { background } = setup();
    await Promise.all([
      background.setOverlay(6, true),
      background.analyzeImage({ tabId: 6 }, 'https://x.example/a.jpg'),
    ]);
    await expect(background.handlers.getTabState({ tabId: 6 }, {})).resolves.toMatchObject({
      overlay: true,
      lastImage: { state: 'done' },
    });
  });
});
