import { fakeBrowser } from '@webext-core/fake-browser';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Face } from '../ml/engine-api.ts';
import { createBackground, type BackgroundDeps } from './background-app.ts';
import type { EngineClient } from './engine-client.ts';
import { NoReceiverError } from '../messaging/envelope.ts';
import type { TabTarget } from '../messaging/messenger.ts';
import { absentEngineStatus } from '../protocol/engine-status.ts';
import type { ImageAnalysis, ImageResult } from '../protocol/overlay.ts';
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

function setup(
  options: {
    contentScriptMissing?: boolean;
    analysis?: ImageAnalysis | Error;
    /** What the frame answers to overlayAnalyzeImage (default: the analysis, read from the page). */
    page?: (srcUrl: string) => Promise<ImageResult>;
  } = {},
) {
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
      if (type === 'overlayAnalyzeImage') {
        const { srcUrl } = data as { srcUrl: string };
        const analysis = options.analysis ?? { width: 100, height: 80, faces: [face], latencyMs: 12 };
        const answer =
          options.page?.(srcUrl) ??
          Promise.resolve<ImageResult>(
            analysis instanceof Error
              ? { srcUrl, state: 'failed', error: analysis.message }
              : { srcUrl, state: 'done', analysis, route: 'page' },
          );
        return answer;
      }
      return Promise.resolve(type === 'overlayShowImageResult' ? { matched: 1 } : undefined);
    }) as BackgroundDeps['sendToTab'],
    injectContentScript,
    showOverlayBadge,
    imageAnswerTimeoutMs: 50,
  };
  const mocks = { ensure, injectContentScript, showOverlayBadge };
  return {
    background: Object.assign(createBackground(deps), { deps }),
    mocks,
    sent,
    injected: () => injected,
  };
}

describe('background', () => {
  beforeEach(() => fakeBrowser.reset());

  it('has the frame that shows a right-clicked image analyse it, and keeps the result for the popup', async () => {
    const { background, sent } = setup();
    const result = await background.analyzeImage({ tabId: 5, frameId: 2 }, 'https://elsewhere.example/a.jpg');
    expect(result).toMatchObject({ state: 'done', route: 'page', analysis: { faces: [face] } });
    expect(sent.map((s) => [s.type, s.data, s.target])).toEqual([
      ['overlayAnalyzeImage', { srcUrl: 'https://elsewhere.example/a.jpg' }, { tabId: 5, frameId: 2 }],
    ]);
    await expect(background.handlers.getTabState({ tabId: 5 }, {})).resolves.toMatchObject({
      lastImage: { state: 'done', route: 'page' },
    });
  });

  it("keeps the frame's failure as it said it, for the popup", async () => {
    const broken = setup({
      analysis: new Error('The page shows no picture for this image (it did not load).'),
    });
    await expect(broken.background.analyzeImage({ tabId: 1 }, 'https://x.example/404.jpg')).resolves.toEqual({
      srcUrl: 'https://x.example/404.jpg',
      state: 'failed',
      error: 'The page shows no picture for this image (it did not load).',
    });
    await expect(broken.background.handlers.getTabState({ tabId: 1 }, {})).resolves.toMatchObject({
      lastImage: { state: 'failed' },
    });
  });

  it('ends an analysis whose frame never answers, and says so over the image', async () => {
    const { background, sent } = setup({ page: () => new Promise<ImageResult>(() => undefined) });
    const result = await background.analyzeImage({ tabId: 3, frameId: 0 }, 'https://x.example/a.jpg');
    expect(result).toEqual({
      srcUrl: 'https://x.example/a.jpg',
      state: 'failed',
      error: 'The page did not answer in time (it may have navigated away).',
    });
    expect(sent.at(-1)).toMatchObject({ type: 'overlayShowImageResult', data: result });
    await expect(background.handlers.getTabState({ tabId: 3 }, {})).resolves.toMatchObject({
      lastImage: result,
    });
  });

  it('says plainly that a page the browser keeps extensions out of cannot be analysed', async () => {
    const { background, mocks } = setup({ contentScriptMissing: true });
    mocks.injectContentScript.mockRejectedValueOnce(new Error('Cannot access a chrome:// URL'));
    await expect(background.analyzeImage({ tabId: 2 }, 'chrome://settings/a.png')).resolves.toMatchObject({
      state: 'failed',
      error:
        'Affect Lens cannot run on this page (the browser keeps extensions out of it), or the page went away.',
    });
  });

  it('injects the content script into a tab that has none, then delivers', async () => {
    const { background, sent, injected } = setup({ contentScriptMissing: true });
    await background.analyzeImage({ tabId: 4, frameId: 0 }, 'https://x.example/a.jpg');
    expect(injected()).toEqual([{ tabId: 4, frameId: 0 }]);
    expect(sent.map((s) => s.type)).toEqual(['overlayAnalyzeImage']);
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

  it('switches back off and says why when the tab may not be scripted', async () => {
    const { background, mocks } = setup({ contentScriptMissing: true });
    mocks.injectContentScript.mockRejectedValueOnce(
      new Error(
        'Cannot access contents of the page. Extension manifest must request permission to access the respective host.',
      ),
    );
    await expect(background.setOverlay(2, true)).rejects.toThrow(
      /has no access to this page yet: click its toolbar button/,
    );
    await expect(background.handlers.getTabState({ tabId: 2 }, {})).resolves.toMatchObject({
      overlay: false,
    });
    expect(mocks.showOverlayBadge).toHaveBeenLastCalledWith(2, false);
    mocks.injectContentScript.mockRejectedValueOnce(new Error('Cannot access a chrome:// URL'));
    await expect(background.setOverlay(2, true)).rejects.toThrow(/the browser keeps extensions out of it/);
  });

  it('turns the overlay on in the top frame of an always-on site, and only there', async () => {
    const { background, mocks } = setup();
    const siteAccess = {
      ofTab: vi.fn(() => Promise.resolve(null)),
      isAlwaysOn: vi.fn((url: string | undefined) =>
        Promise.resolve(url?.startsWith('https://call.example/') ?? false),
      ),
    };
    const withSites = createBackground({ ...background.deps, siteAccess });
    const top = { tab: { id: 9 } as never, frameId: 0, url: 'https://call.example/room' };
    await expect(withSites.handlers.getOverlayForSender(undefined, { ...top, frameId: 2 })).resolves.toEqual({
      enabled: false,
    });
    await expect(
      withSites.handlers.getOverlayForSender(undefined, { ...top, url: 'https://other.example/' }),
    ).resolves.toEqual({ enabled: false });
    await expect(withSites.handlers.getOverlayForSender(undefined, top)).resolves.toEqual({ enabled: true });
    await expect(withSites.handlers.getTabState({ tabId: 9 }, {})).resolves.toMatchObject({ overlay: true });
    expect(mocks.showOverlayBadge).toHaveBeenLastCalledWith(9, true);
  });

  it('puts the page script into a newly loaded page of a tab whose overlay is on, where it may', async () => {
    const { background, mocks } = setup();
    await background.tabLoaded(7);
    expect(mocks.injectContentScript).not.toHaveBeenCalled();
    await background.setOverlay(7, true);
    await background.tabLoaded(7);
    expect(mocks.injectContentScript).toHaveBeenCalledWith({ tabId: 7 });
    await expect(background.handlers.getTabState({ tabId: 7 }, {})).resolves.toMatchObject({ overlay: true });
  });

  it('switches the overlay off when the tab went to a page it may not script', async () => {
    const { background, mocks } = setup();
    await background.setOverlay(7, true);
    mocks.injectContentScript.mockRejectedValueOnce(new Error('Cannot access contents of the page.'));
    await background.tabLoaded(7);
    await expect(background.handlers.getTabState({ tabId: 7 }, {})).resolves.toMatchObject({
      overlay: false,
    });
    expect(mocks.showOverlayBadge).toHaveBeenLastCalledWith(7, false);
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
