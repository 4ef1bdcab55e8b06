/**
 * The background's behaviour: answers the background's messages, keeps per-tab state, analyses right-clicked
 * images, toggles the overlay (popup, keyboard command). Everything it touches is injected, so glue tests run
 * it against fakeBrowser and a fake engine; entrypoints/background.ts only wires the real pieces.
 */
import type { EngineClient } from './engine-client.ts';
import { isContextInvalidated, NoReceiverError } from '../messaging/envelope.ts';
import type { HandlersFor, ArgsOf, MessagesVia } from '../protocol/protocol-map.ts';
import { type TabTarget, sendToTab } from '../messaging/messenger.ts';
import type { ImageResult, SiteAccess, TabState } from '../protocol/overlay.ts';
import { snapshotHandlers, type ScreenCapture } from './snapshot-handlers.ts';
import type { TabStateStore } from './tab-states.ts';

export interface BackgroundDeps {
  engine: EngineClient;
  tabs: TabStateStore;
  sendToTab: typeof sendToTab;
  /** Injects the content script into a tab (one frame, or all frames) that has none yet. */
  injectContentScript: (target: TabTarget) => Promise<void>;
  /** Shows the overlay state on the toolbar button of the tab. */
  showOverlayBadge: (tabId: number, on: boolean) => Promise<void>;
  /** tabs.captureVisibleTab and cropping, for "Analyse what's on screen" (src/background/snapshot-handlers.ts). */
  screenCapture?: ScreenCapture;
  /** "Always on for this site" (src/site-access); without it no site is. */
  siteAccess?: {
    ofTab: (tabId: number) => Promise<SiteAccess | null>;
    isAlwaysOn: (url: string | undefined) => Promise<boolean>;
  };
  /** How long to wait for a frame's image analysis (default IMAGE_ANSWER_TIMEOUT_MS). */
  imageAnswerTimeoutMs?: number;
}

export interface Background {
  handlers: HandlersFor<'background'>;
  /** The context menu's "Analyse emotions" on an image. */
  analyzeImage: (target: TabTarget, srcUrl: string) => Promise<ImageResult>;
  setOverlay: (tabId: number, enabled: boolean) => Promise<TabState>;
  toggleOverlay: (tabId: number) => Promise<TabState>;
  /**
   * A tab finished loading a page (tabs.onUpdated, status "complete"). With its overlay on, the page script
   * goes into the new page when the extension may still script it (the same site, a site the user allowed);
   * otherwise the overlay goes off for the tab, badge included: a new site needs a new click.
   */
  tabLoaded: (tabId: number) => Promise<void>;
  tabClosed: (tabId: number) => Promise<void>;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The background stops waiting for a frame's image analysis (which times out by itself at 30 s), ms. */
export const IMAGE_ANSWER_TIMEOUT_MS = 35_000;

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms))),
  ]).finally(() => clearTimeout(timer));
}

/** Why a page could not be asked, for people (the browser's own wording says nothing to them). */
export function pageError(error: unknown): string {
  const text = errorText(error);
  if (/Cannot access contents|must request permission|Missing host permission/i.test(text))
    return 'Affect Lens has no access to this page yet: click its toolbar button while on the page (or press its keyboard shortcut), or switch on "Always on for this site".';
  if (error instanceof NoReceiverError || /Cannot access|cannot be scripted|extensions gallery/i.test(text))
    return 'Affect Lens cannot run on this page (the browser keeps extensions out of it), or the page went away.';
  return text;
}

export function createBackground(deps: BackgroundDeps): Background {
  /**
   * Sends to a tab's content script, injecting it first when the tab has none (tabs opened before the
   * extension was installed or reloaded). Pages where extensions cannot run (chrome://, the Web Store) fail.
   */
  const deliver = <K extends MessagesVia<'tab'>>(target: TabTarget, type: K, ...args: ArgsOf<K>) =>
    deps.sendToTab(target, type, ...args).catch(async (error: unknown) => {
      if (!(error instanceof NoReceiverError)) throw error;
      await deps.injectContentScript(target);
      return deps.sendToTab(target, type, ...args);
    });

  const setOverlay = async (tabId: number, enabled: boolean): Promise<TabState> => {
    const state = await deps.tabs.update(tabId, { overlay: enabled });
    await deps.showOverlayBadge(tabId, enabled).catch(() => undefined);
    if (enabled)
      void deps.engine
        .ensure()
        .catch((error: unknown) => console.warn('Affect Lens: engine start failed', error));
    try {
      await deliver({ tabId }, 'overlaySetEnabled', { enabled });
    } catch (error) {
      // Switching off a page without the script, or an extension being reloaded: nothing to undo.
      if (!enabled || isContextInvalidated(error)) return state;
      // A page the extension may not script: the switch goes back off, and the user is told why.
      await deps.tabs.update(tabId, { overlay: false });
      await deps.showOverlayBadge(tabId, false).catch(() => undefined);
      throw new Error(pageError(error));
    }
    return state;
  };

  const show = async (target: TabTarget, result: ImageResult) => {
    await deps.tabs.update(target.tabId, { lastImage: result });
    try {
      await deliver(target, 'overlayShowImageResult', result);
    } catch (error) {
      console.info(`Affect Lens: could not show the result in tab ${target.tabId} (${errorText(error)})`);
    }
  };

  /**
   * The frame that shows the image reads and analyses it (src/content/image-analysis.ts: the extension has no
   * host permission to download it); the background keeps the result for the popup. The frame's analysis
   * ends by itself; IMAGE_ANSWER_TIMEOUT_MS bounds the wait here too, for a frame that went away.
   */
  const analyzeImage = async (target: TabTarget, srcUrl: string): Promise<ImageResult> => {
    await deps.tabs.update(target.tabId, { lastImage: { srcUrl, state: 'pending' } });
    let result: ImageResult;
    try {
      result = await withTimeout(
        deliver(target, 'overlayAnalyzeImage', { srcUrl }),
        deps.imageAnswerTimeoutMs ?? IMAGE_ANSWER_TIMEOUT_MS,
        'The page did not answer in time (it may have navigated away).',
      );
    } catch (error) {
      result = { srcUrl, state: 'failed', error: pageError(error) };
      await show(target, result);
      return result;
    }
    await deps.tabs.update(target.tabId, { lastImage: result });
    return result;
  };

  const handlers: HandlersFor<'background'> = {
    ensureEngine: () => deps.engine.ensure(),
    getEngineStatus: () => deps.engine.status(),
    userModelsChanged: () => deps.engine.modelsChanged(),
    getTabState: ({ tabId }) => deps.tabs.get(tabId),
    setOverlay: ({ tabId, enabled }) => setOverlay(tabId, enabled),
    getSiteAccess: ({ tabId }) => deps.siteAccess?.ofTab(tabId) ?? null,
    async getOverlayForSender(_data, sender) {
      const tabId = sender.tab?.id;
      if (tabId === undefined) return { enabled: false };
      const { overlay } = await deps.tabs.get(tabId);
      if (overlay) return { enabled: true };
      // The page script started by itself in the top frame of an always-on site: the overlay comes on.
      if (sender.frameId === 0 && (await deps.siteAccess?.isAlwaysOn(sender.url))) {
        await deps.tabs.update(tabId, { overlay: true });
        await deps.showOverlayBadge(tabId, true).catch(() => undefined);
        void deps.engine
          .ensure()
          .catch((error: unknown) => console.warn('Affect Lens: engine start failed', error));
        return { enabled: true };
      }
      return { enabled: false };
    },
    ...snapshotHandlers({ engine: deps.engine, capture: deps.screenCapture }),
  };

  return {
    handlers,
    analyzeImage,
    setOverlay,
    async toggleOverlay(tabId) {
      const { overlay } = await deps.tabs.get(tabId);
      return setOverlay(tabId, !overlay);
    },
    async tabLoaded(tabId) {
      if (!(await deps.tabs.get(tabId)).overlay) return;
      try {
        await deps.injectContentScript({ tabId });
      } catch (error) {
        console.info(
          `Affect Lens: overlay off in tab ${tabId}, the new page is not granted (${errorText(error)})`,
        );
        await deps.tabs.update(tabId, { overlay: false });
        await deps.showOverlayBadge(tabId, false).catch(() => undefined);
      }
    },
    tabClosed: (tabId) => deps.tabs.remove(tabId),
  };
}
