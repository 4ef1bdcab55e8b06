/**
 * Calls into the running extension from the test, through the service worker: the context menu's own
 * handler (native menus cannot be clicked by automation), what a tab's overlay shows, the engine status.
 */
import type { Page, Worker } from 'playwright-core';
import type { EngineStatus } from '../../../src/protocol/engine-status.ts';
import type { ImageResult, OverlaySnapshot } from '../../../src/protocol/overlay.ts';
import type { Settings } from '../../../src/settings/schema.ts';
import type { ExtensionBrowser } from './browser.ts';

/** The bits of the `chrome` global the evaluated functions use (they run in the service worker). */
interface ChromeInWorker {
  tabs: { sendMessage(tabId: number, message: unknown, options?: { frameId?: number }): Promise<unknown> };
  runtime: { sendMessage(message: unknown): Promise<unknown> };
  storage: {
    local: { set(items: object): Promise<void>; get(key: string): Promise<Record<string, unknown>> };
  };
}
interface DebugHooks {
  contextMenuClicked(info: object, tab: { id: number }): Promise<ImageResult | null>;
  engine: { status(): Promise<EngineStatus>; ensure(): Promise<EngineStatus> };
  checkIdle(idleMs?: number): Promise<boolean>;
}
type WorkerGlobal = { chrome: ChromeInWorker; affectLensDebug: DebugHooks };

const TAG = 'affect-lens/1';

/** Runs the "Analyse emotions" context-menu handler exactly as a click on the image would. */
export function clickAnalyzeEmotions(
  sw: Worker,
  tabId: number,
  srcUrl: string,
  pageUrl: string,
): Promise<ImageResult | null> {
  return sw.evaluate(
    ({ tabId, srcUrl, pageUrl }) =>
      (globalThis as unknown as WorkerGlobal).affectLensDebug.contextMenuClicked(
        {
          menuItemId: 'affect-lens-analyze-image',
          srcUrl,
          pageUrl,
          frameId: 0,
          editable: false,
          mediaType: 'image',
        },
        { id: tabId },
      ),
    { tabId, srcUrl, pageUrl },
  );
}

/** What the content script of one frame of the tab draws (frame 0: the top document). */
export async function describeOverlay(sw: Worker, tabId: number, frameId = 0): Promise<OverlaySnapshot> {
  const reply = await sw.evaluate(
    ({ tabId, frameId, tag }) =>
      (globalThis as unknown as WorkerGlobal).chrome.tabs.sendMessage(
        tabId,
        { tag, type: 'overlayDescribe' },
        { frameId },
      ),
    { tabId, frameId, tag: TAG },
  );
  const r = reply as { res?: OverlaySnapshot; err?: { message: string } };
  if (!r.res) {
    throw new Error(`overlayDescribe failed in frame ${frameId}: ${r.err?.message ?? JSON.stringify(reply)}`);
  }
  return r.res;
}

/**
 * Clicks the extension's toolbar button over `page`, as a user does (CDP's Extensions.triggerAction; a
 * headless browser has no toolbar to click). Chrome then grants `activeTab` for the tab, which is what lets
 * the extension script it and capture it, and opens the action popup, which this closes again.
 */
export async function clickToolbarButton(ext: ExtensionBrowser, page: Page): Promise<void> {
  const browser = ext.context.browser();
  if (!browser) throw new Error('no browser behind the context');
  const cdp = await browser.newBrowserCDPSession();
  try {
    await page.bringToFront();
    type Targets = { targetInfos: { targetId: string; type: string; url: string }[] };
    const tabs = (await cdp.send('Target.getTargets', { filter: [{ type: 'tab' }] })) as Targets;
    const tab = tabs.targetInfos.find((t) => t.url === page.url());
    if (!tab) throw new Error(`no tab target for ${page.url()}`);
    await cdp.send(
      'Extensions.triggerAction' as never,
      { id: ext.extensionId, targetId: tab.targetId } as never,
    );
    const popupUrl = `chrome-extension://${ext.extensionId}/popup.html`;
    const popup = await waitFor(
      async () =>
        ((await cdp.send('Target.getTargets')) as Targets).targetInfos.find((t) => t.url === popupUrl),
      (t) => t !== undefined,
      5000,
      'the action popup',
    );
    await cdp.send('Target.closeTarget', { targetId: popup!.targetId });
  } finally {
    await cdp.detach();
  }
}

/**
 * The popup for `tabId`, opened as a page as wide as the real popup, once it is ready: the tab's state has
 * loaded and the toggle shows it (it is disabled until then).
 */
export async function openPopup(ext: ExtensionBrowser, tabId: number, height = 600): Promise<Page> {
  const popup = await ext.context.newPage();
  await popup.setViewportSize({ width: 360, height });
  await popup.goto(`chrome-extension://${ext.extensionId}/popup.html?tab=${tabId}`);
  await popup.locator('main[data-ready=true]').waitFor({ timeout: 10_000 });
  return popup;
}

/**
 * Switches the overlay on for `tabId` as a user does: a click on the toolbar button (the gesture that grants
 * the extension this tab), then the popup's switch; then brings `page` back to the front.
 */
export async function turnOverlayOn(ext: ExtensionBrowser, tabId: number, page: Page): Promise<void> {
  await clickToolbarButton(ext, page);
  const popup = await openPopup(ext, tabId);
  await popup.locator('input[name=overlay]').check();
  await popup.close();
  await page.bringToFront();
}

export function engineStatus(sw: Worker): Promise<EngineStatus> {
  return sw.evaluate(() => (globalThis as unknown as WorkerGlobal).affectLensDebug.engine.status());
}

/** The background's idle check (its alarm's handler) with `idleMs` instead of 5 minutes: true if it unloaded. */
export function checkEngineIdle(sw: Worker, idleMs: number): Promise<boolean> {
  return sw.evaluate((ms) => (globalThis as unknown as WorkerGlobal).affectLensDebug.checkIdle(ms), idleMs);
}

/** Stores settings as the popup does (src/settings/storage.ts: one "setting:<name>" key each). */
export function storeSettings(sw: Worker, patch: Partial<Settings>): Promise<void> {
  return sw.evaluate(async (patch) => {
    const { chrome } = globalThis as unknown as WorkerGlobal;
    await chrome.storage.local.set(
      Object.fromEntries(Object.entries(patch).map(([k, v]) => [`setting:${k}`, v])),
    );
  }, patch);
}

/** Polls `read` until `done` holds (returns that value) or `timeoutMs` passes (throws with the last value). */
export async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await read();
      if (done(last)) return last;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(
    `Timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last) ?? String(lastError)}`,
  );
}
