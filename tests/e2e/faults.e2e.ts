/**
 * Faults injected while the overlay runs on the talking-head video, with what the user sees:
 * - the offscreen document closed mid-stream: the boxes come back by themselves (measured: the time to the
 *   next analysed frame);
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

  it('tells the user when the extension was reloaded under a running overlay, and the page sees no error', async () => {
    await ext.serviceWorker.evaluate(() =>
      (globalThis as unknown as { chrome: { runtime: { reload(): void } } }).chrome.runtime.reload(),
    );
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
