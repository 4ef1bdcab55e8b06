/**
 * Faults injected while the overlay runs on the talking-head video, with what the user sees:
 * - the offscreen document closed mid-stream: the boxes come back by themselves (measured: the time to the
 *   next analysed frame);
 * - the service worker stopped mid-stream: the boxes go on without it (frames go straight to the offscreen
 *   document), and it starts again on the next message;
 * - the extension reloaded mid-stream (an update does the same): the page says so, with a notice, and the
 *   page itself sees no error.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACTS_DIR,
  e2eUnavailable,
  launchWithExtension,
  tabIdOf,
  type ExtensionBrowser,
} from './helpers/browser.ts';
import { describeOverlay, turnOverlayOn, waitFor } from './helpers/extension-calls.ts';
import { ffmpegMissing, missing, TALKING_VIDEO, webmOf } from './helpers/shared-data.ts';
import { startServers, type TestServers } from './helpers/servers.ts';

const skip = e2eUnavailable() ?? missing(TALKING_VIDEO) ?? ffmpegMissing();
if (skip) console.warn(`Skipping faults E2E: ${skip}`);

const PAGE = `<!doctype html><meta charset="utf-8"><title>Faults</title>
<video id="talk" src="/talk.webm" autoplay muted loop playsinline width="640" height="360"></video>`;

describe.skipIf(skip !== null)('faults while the overlay runs', () => {
  let servers: TestServers;
  let ext: ExtensionBrowser;
  let page: Page;
  let tabId: number;
  const pageErrors: string[] = [];

  const framesShown = async () =>
    (await describeOverlay(ext.serviceWorker, tabId)).overlays.find((o) => o.kind === 'video')?.framesShown ??
    0;

  beforeAll(async () => {
    const talk = await webmOf(TALKING_VIDEO, 8);
    servers = await startServers();
    servers.pageRoutes['/talk.webm'] = { file: talk, type: 'video/webm' };
    servers.pageRoutes['/faults.html'] = { body: PAGE, type: 'text/html; charset=utf-8' };
    ext = await launchWithExtension();
    page = await ext.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${servers.pageOrigin}/faults.html`);
    await page.waitForFunction(() => (document.getElementById('talk') as HTMLVideoElement).currentTime > 0.3);
    tabId = await tabIdOf(ext.serviceWorker, page);
    await turnOverlayOn(ext, tabId, page);
    await waitFor(framesShown, (n) => n > 3, 45_000, 'boxes on the video');
  });

  afterAll(async () => {
    await ext?.close();
    await servers?.close();
  });

  it('brings the boxes back by itself after the offscreen document was closed', async () => {
    await ext.serviceWorker.evaluate(() =>
      (
        globalThis as unknown as { chrome: { offscreen: { closeDocument(): Promise<void> } } }
      ).chrome.offscreen.closeDocument(),
    );
    const closedAt = Date.now();
    const before = await framesShown();
    await waitFor(
      framesShown,
      (n) => n > before + 2,
      15_000,
      'boxes again after the offscreen document closed',
    );
    const backMs = Date.now() - closedAt;
    console.info(`Offscreen document closed mid-stream: boxes back after ${backMs} ms`);
    const overlay = (await describeOverlay(ext.serviceWorker, tabId)).overlays.find(
      (o) => o.kind === 'video',
    )!;
    expect(overlay.faces).toHaveLength(1);
    expect(overlay.notice).toBeNull();
  });

  it('keeps analysing when the service worker is stopped mid-stream, and the worker comes back on demand', async () => {
    // Asked from an extension page: the worker is about to go away.
    const probe = await ext.context.newPage();
    await probe.goto(`chrome-extension://${ext.extensionId}/options.html`);
    type Chrome = {
      tabs: { sendMessage(id: number, m: unknown, o: object): Promise<unknown> };
      runtime: { sendMessage(m: unknown): Promise<unknown> };
    };
    const shownFrames = () =>
      probe.evaluate(async (tabId) => {
        const { chrome } = globalThis as unknown as { chrome: Chrome };
        const reply = (await chrome.tabs.sendMessage(
          tabId,
          { tag: 'affect-lens/1', type: 'overlayDescribe' },
          { frameId: 0 },
        )) as { res?: { overlays: { kind: string; framesShown?: number }[] } };
        return reply.res?.overlays.find((o) => o.kind === 'video')?.framesShown ?? 0;
      }, tabId);
    const cdp = await ext.context.browser()!.newBrowserCDPSession();
    type Targets = { targetInfos: { type: string; url: string }[] };
    const workers = async () =>
      ((await cdp.send('Target.getTargets')) as Targets).targetInfos.filter(
        (t) => t.type === 'service_worker' && t.url.startsWith(`chrome-extension://${ext.extensionId}/`),
      ).length;
    expect(await workers()).toBe(1);
    const session = await ext.context.newCDPSession(probe);
    await session.send('ServiceWorker.enable' as never);
    await session.send('ServiceWorker.stopAllWorkers' as never);
    await waitFor(workers, (n) => n === 0, 5000, 'the service worker to stop');
    await page.bringToFront();
    const before = await shownFrames();
    await waitFor(shownFrames, (n) => n > before + 5, 10_000, 'frames analysed with the worker stopped');
    expect(await workers(), 'the overlay ran without waking the worker').toBe(0);
    // The next message from the extension starts it again.
    const status = (await probe.evaluate(() =>
      (globalThis as unknown as { chrome: Chrome }).chrome.runtime.sendMessage({
        tag: 'affect-lens/1',
        type: 'getEngineStatus',
      }),
    )) as { res?: { state: string } };
    expect(status.res?.state).toBe('ready');
    await cdp.detach();
    await probe.close();
  });

  it('tells the user when the extension was reloaded under a running overlay, and the page sees no error', async () => {
    // From an extension page: the service worker Playwright first attached to was stopped by the test above.
    const probe = await ext.context.newPage();
    await probe.goto(`chrome-extension://${ext.extensionId}/options.html`);
    await probe
      .evaluate(() =>
        (globalThis as unknown as { chrome: { runtime: { reload(): void } } }).chrome.runtime.reload(),
      )
      .catch(() => undefined); // the page closes with the extension
    await page.bringToFront();
    const notice = await waitFor(
      () =>
        page.evaluate(() => document.querySelector('affect-lens-notice')?.getAttribute('aria-label') ?? null),
      (text) => text !== null,
      10_000,
      'the reload notice on the page',
    );
    expect(notice).toMatch(/Affect Lens was updated or reloaded, so its overlay stopped/);
    // The old overlay is gone with its script: no stale boxes stay over the video.
    expect(await page.evaluate(() => document.querySelectorAll('affect-lens-overlay').length)).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'reload-notice.png') });
    expect(pageErrors).toEqual([]);
  });
});
