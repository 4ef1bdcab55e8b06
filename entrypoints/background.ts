/**
 * Wiring only: the real browser APIs into src/background/background-app.ts, the context menu and the keyboard
 * command. Chrome hosts the engine in the offscreen document; Firefox (no offscreen API) hosts it here.
 */
import { browser, type Browser } from 'wxt/browser';
import { defineBackground } from 'wxt/utils/define-background';
import { createBackground } from '../src/background/background-app.ts';
import {
  deferredEngineHandlers,
  localEngineClient,
  offscreenEngineClient,
  type EngineClient,
} from '../src/background/engine-client.ts';
import { createIdleUnloader, ENGINE_IDLE_ALARM } from '../src/background/engine-idle.ts';
import { serveFramesPort } from '../src/messaging/frames-port.ts';
import { registerHandlers, sendMessage, sendToTab } from '../src/messaging/messenger.ts';
import { sessionTabStates } from '../src/background/tab-states.ts';
import {
  chromeOffscreenApi,
  createOffscreenLifecycle,
  OFFSCREEN_PATH,
} from '../src/runtime/offscreen-document.ts';
import { engineConfigOf } from '../src/settings/schema.ts';
import { loadSettings, watchSettings } from '../src/settings/storage.ts';
import {
  isAlwaysOn,
  siteName,
  sitePattern,
  syncAlwaysOnScript,
  watchSiteAccess,
} from '../src/site-access/site-access.ts';
import { openCapture } from '../src/transport/capture-image.ts';

const MENU_ID = 'affect-lens-analyze-image';
const COMMAND_TOGGLE = 'toggle-overlay';

export default defineBackground({
  type: 'module',
  main() {
    // The background lives as long as the extension: nothing ever aborts this.
    const signal = new AbortController().signal;
    const currentConfig = async () => engineConfigOf(await loadSettings());

    let engine: EngineClient;
    let unloadEngine: () => Promise<void>;
    if (import.meta.env.FIREFOX) {
      // Imported lazily: in the Chrome build this branch, and onnxruntime-web with it, is not bundled.
      const host = import('../src/runtime/extension-engine.ts').then((m) => m.createExtensionEngineHost());
      const handlers = deferredEngineHandlers(host);
      serveFramesPort(handlers, signal, {
        onDisconnect: (sender) => void host.then((h) => h.clientGone(sender)),
      });
      engine = localEngineClient(handlers, currentConfig);
      unloadEngine = () => host.then((h) => h.unload());
    } else {
      const offscreen = createOffscreenLifecycle(chromeOffscreenApi(), OFFSCREEN_PATH);
      engine = offscreenEngineClient({
        ensureDocument: offscreen.ensure,
        documentExists: offscreen.exists,
        closeDocument: offscreen.close,
        currentConfig,
        send: sendMessage,
      });
      unloadEngine = offscreen.close;
    }
    const idle = createIdleUnloader({ alarms: browser.alarms, unload: () => unloadEngine() });
    engine = idle.watch(engine);
    browser.alarms.onAlarm.addListener((alarm) => {
      if (alarm.name !== ENGINE_IDLE_ALARM) return;
      idle.check(engine).catch((error: unknown) => console.warn('Affect Lens: idle check failed', error));
    });

    const background = createBackground({
      engine,
      tabs: sessionTabStates(),
      sendToTab,
      async injectContentScript({ tabId, frameId }) {
        await browser.scripting.executeScript({
          target: frameId === undefined ? { tabId, allFrames: true } : { tabId, frameIds: [frameId] },
          files: ['/page-overlay.js'],
        });
      },
      async showOverlayBadge(tabId, on) {
        await browser.action.setBadgeText({ tabId, text: on ? 'ON' : '' });
      },
      siteAccess: {
        async ofTab(tabId) {
          // The URL is visible for a tab the user granted (activeTab: the popup is open on it) or allowed.
          const { url } = await browser.tabs.get(tabId);
          const pattern = sitePattern(url);
          if (pattern === null) return null;
          return { pattern, name: siteName(pattern), alwaysOn: await isAlwaysOn(url) };
        },
        isAlwaysOn,
      },
      screenCapture: {
        captureVisibleTab: (windowId) => browser.tabs.captureVisibleTab(windowId, { format: 'png' }),
        openCapture,
      },
    });
    registerHandlers('background', background.handlers, signal);

    // "Always on for this site": the registered page script follows the user's choice and the grants.
    const syncSites = () =>
      void syncAlwaysOnScript().catch((error: unknown) =>
        console.warn('Affect Lens: could not update the always-on sites', error),
      );
    syncSites();
    watchSiteAccess(syncSites, signal);

    const contextMenuClicked = (info: Browser.contextMenus.OnClickData, tab?: Browser.tabs.Tab) => {
      if (info.menuItemId !== MENU_ID || tab?.id === undefined || !info.srcUrl) return Promise.resolve(null);
      return background.analyzeImage({ tabId: tab.id, frameId: info.frameId }, info.srcUrl);
    };

    browser.runtime.onInstalled.addListener(() => {
      void browser.contextMenus
        .removeAll()
        .then(() =>
          browser.contextMenus.create({ id: MENU_ID, title: 'Analyse emotions', contexts: ['image'] }),
        );
    });
    browser.contextMenus.onClicked.addListener((info, tab) => void contextMenuClicked(info, tab));
    browser.commands.onCommand.addListener((command, tab) => {
      if (command !== COMMAND_TOGGLE) return;
      void (async () => {
        const tabId = tab?.id ?? (await browser.tabs.query({ active: true, currentWindow: true }))[0]?.id;
        if (tabId !== undefined) await background.toggleOverlay(tabId);
      })();
    });
    browser.tabs.onRemoved.addListener((tabId) => void background.tabClosed(tabId));
    browser.tabs.onUpdated.addListener((tabId, change) => {
      if (change.status === 'complete') void background.tabLoaded(tabId);
    });
    watchSettings((settings) => {
      void engine
        .status()
        .then((status) => (status.state === 'absent' ? null : engine.configure(engineConfigOf(settings))))
        .catch((error: unknown) =>
          console.warn('Affect Lens: could not apply the settings to the engine', error),
        );
    }, signal);

    // The context menu's own handler, reachable from DevTools and the E2E tests (native menus cannot be
    // clicked by automation). Pages cannot reach the service worker's globals.
    (globalThis as { affectLensDebug?: object }).affectLensDebug = {
      contextMenuClicked,
      engine,
      // The idle alarm's check, with a shorter idle time than the product's 5 minutes.
      checkIdle: (idleMs?: number) => idle.check(engine, idleMs),
    };
  },
});
