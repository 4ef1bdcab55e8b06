/**
 * Privacy: the extension makes no network request of its own. Every request of every target (service
 * worker, offscreen document, popup, pages, iframes, workers) is recorded over CDP from the browser's start
 * (helpers/network-recorder.ts). First: the service worker, the offscreen document and the popup cannot
 * connect to another origin at all (the CSP's connect-src refuses it), and the recorder proves it sees a
 * deliberate fetch from the page script. Then a realistic session (overlay on a playing video, right-click
 * analysis of a cross-origin image, popup open) must show, among the extension's requests, nothing that
 * leaves the extension: the image is read from the screen. Writes the list of the extension's requests to
 * test-results/e2e/privacy-requests.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
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
import {
  clickAnalyzeEmotions,
  clickToolbarButton,
  describeOverlay,
  engineStatus,
  openPopup,
  turnOverlayOn,
  waitFor,
} from './helpers/extension-calls.ts';
import {
  extensionRequests,
  isLocalUrl,
  NetworkRecorder,
  REMOTE_DEBUGGING_ARGS,
} from './helpers/network-recorder.ts';
import { FACE_IMAGES, ffmpegMissing, missing, TALKING_VIDEO, webmOf } from './helpers/shared-data.ts';
import { startServers, typeOf, type TestServers } from './helpers/servers.ts';

const IMAGE = '2008_002506.jpg';
const skip = e2eUnavailable() ?? missing(TALKING_VIDEO, path.join(FACE_IMAGES, IMAGE)) ?? ffmpegMissing();
if (skip) console.warn(`Skipping privacy E2E: ${skip}`);

function sessionPage(imageUrl: string): string {
  return `<!doctype html><meta charset="utf-8"><title>Privacy test</title>
<style>body{font:16px system-ui;margin:24px;background:#f4f4f6} video,img{display:block;margin:8px 0;background:#000}</style>
<h1>A video and a photo</h1>
<video id="talk" src="/talk.webm" autoplay muted loop playsinline width="480" height="270"></video>
<img id="photo" src="${imageUrl}" width="400" height="300" alt="three people">`;
}

describe.skipIf(skip !== null)('privacy: no network request of its own', () => {
  let servers: TestServers;
  let ext: ExtensionBrowser;
  let recorder: NetworkRecorder;
  let page: Page;
  /** The deliberate requests of the first test, left out of the second. */
  const probes = new Set<string>();

  beforeAll(async () => {
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    const talk = await webmOf(TALKING_VIDEO, 8);
    servers = await startServers();
    servers.pageRoutes['/talk.webm'] = { file: talk, type: 'video/webm' };
    servers.mediaRoutes[`/${IMAGE}`] = { file: path.join(FACE_IMAGES, IMAGE), type: typeOf(IMAGE) };
    servers.pageRoutes['/session.html'] = {
      body: sessionPage(`${servers.mediaOrigin}/${IMAGE}`),
      type: 'text/html; charset=utf-8',
    };
    for (const probe of ['sw', 'offscreen', 'popup', 'content'])
      servers.pageRoutes[`/probe-${probe}`] = { body: 'probe', type: 'text/plain' };
    // The real window size: the right-clicked image is read from a capture of the window.
    ext = await launchWithExtension([...REMOTE_DEBUGGING_ARGS, '--window-size=1100,760'], { viewport: null });
    recorder = await NetworkRecorder.connect(ext.profileDir);
    page = await ext.context.newPage();
  });

  afterAll(async () => {
    recorder?.close();
    await ext?.close();
    await servers?.close();
  });

  const offExtension = () =>
    extensionRequests(recorder.requests, ext.extensionId).filter((r) => !isLocalUrl(r.url, ext.extensionId));

  it("lets no extension page connect anywhere (CSP connect-src), and sees the content script's requests", async () => {
    // The service worker, the offscreen document and the popup may connect only to the extension itself
    // (and, for the EMO-AffectNet download the user starts, to Hugging Face): a fetch elsewhere is refused
    // before it leaves the browser.
    const refused = (url: string) =>
      `fetch(${JSON.stringify(url)}).then(() => 'sent', (e) => 'refused: ' + e.message)`;
    const sw = `${servers.pageOrigin}/probe-sw`;
    const tryFetch = (url: string) =>
      fetch(url).then(
        () => 'sent',
        (e: Error) => `refused: ${e.message}`,
      );
    expect(await ext.serviceWorker.evaluate(tryFetch, sw)).toMatch(/^refused/);
    // The offscreen document exists once something asks for the engine.
    await ext.serviceWorker.evaluate(() =>
      (
        globalThis as unknown as { affectLensDebug: { engine: { ensure(): Promise<unknown> } } }
      ).affectLensDebug.engine.ensure(),
    );
    const offscreenUrl = `chrome-extension://${ext.extensionId}/offscreen.html`;
    const offscreen = await waitFor(
      () => Promise.resolve(recorder.sessionOf(offscreenUrl)),
      (s) => s !== null,
      10_000,
      'the offscreen document to be attached',
    );
    const off = `${servers.pageOrigin}/probe-offscreen`;
    expect(await recorder.evaluate(offscreen!, refused(off))).toMatch(/^refused/);
    const popup = await ext.context.newPage();
    await popup.goto(`chrome-extension://${ext.extensionId}/popup.html`);
    const pop = `${servers.pageOrigin}/probe-popup`;
    expect(await popup.evaluate(tryFetch, pop)).toMatch(/^refused/);
    await popup.close();
    for (const name of ['sw', 'offscreen', 'popup'])
      expect(
        servers.requests.some((r) => r.path === `/probe-${name}`),
        name,
      ).toBe(false);

    // The recorder sees requests where they can be made: from the page script in a web page (its isolated
    // world, which shares the page's target), injected when the user switches the overlay on.
    const pageUrl = `${servers.pageOrigin}/session.html`;
    await page.goto(pageUrl);
    await turnOverlayOn(ext, await tabIdOf(ext.serviceWorker, page), page);
    const pageSession = await waitFor(
      () => Promise.resolve(recorder.sessionOf(pageUrl, 'page')),
      (s) => s !== null,
      10_000,
      'the page to be attached',
    );
    const content = `${servers.pageOrigin}/probe-content`;
    // Named after the page script's file, as its own code's frames are (CDP gives evaluated code no URL).
    const contentScriptUrl = `chrome-extension://${ext.extensionId}/page-overlay.js`;
    await recorder.evaluateInContentScript(
      pageSession!,
      ext.extensionId,
      `fetch(${JSON.stringify(content)}).then((r) => r.text())\n//# sourceURL=${contentScriptUrl}`,
    );
    const seen = await waitFor(
      () => Promise.resolve(offExtension()),
      (rs) => rs.some((r) => r.url === content),
      10_000,
      'the deliberate request in the recording',
    );
    const request = seen.find((r) => r.url === content)!;
    expect(request.target.url).toBe(pageUrl);
    expect(request.initiatorUrls.some((u) => u.startsWith(`chrome-extension://${ext.extensionId}/`))).toBe(
      true,
    );
    expect(servers.requests.some((r) => r.path === '/probe-content')).toBe(true);
    for (const url of [sw, off, pop, content]) probes.add(url);
  });

  it('makes no request that leaves the extension, in a realistic session', async () => {
    const pageUrl = `${servers.pageOrigin}/session.html`;
    const imageUrl = `${servers.mediaOrigin}/${IMAGE}`;
    await page.goto(pageUrl);
    await page.waitForFunction(() => {
      const v = document.getElementById('talk') as HTMLVideoElement;
      return v.currentTime > 0.2 && (document.getElementById('photo') as HTMLImageElement).complete;
    });
    const tabId = await tabIdOf(ext.serviceWorker, page);

    // Overlay on with the popup's toggle.
    // A click on the toolbar button grants the tab (activeTab), then the popup's switch.
    await clickToolbarButton(ext, page);
    const popup = await openPopup(ext, tabId);
    const toggle = popup.locator('input[name=overlay]');
    await expect.poll(() => toggle.isEnabled(), { timeout: 5000 }).toBe(true);
    await toggle.check();
    await page.bringToFront();
    await waitFor(
      () => describeOverlay(ext.serviceWorker, tabId),
      (s) => s.overlays.some((o) => o.kind === 'video' && o.faces.length > 0),
      45_000,
      'a face box on the playing video',
    );

    // Right-click "Analyse emotions" on the cross-origin photo: read from the screen, nothing downloaded.
    const result = await clickAnalyzeEmotions(ext.serviceWorker, tabId, imageUrl, pageUrl);
    expect(result?.state, JSON.stringify(result)).toBe('done');
    expect(result?.state === 'done' && result.route).toBe('screen');

    // The popup again, with the result and the engine's status; the overlay keeps running meanwhile.
    await popup.reload();
    await popup.getByTestId('image-faces').waitFor({ timeout: 10_000 });
    await popup.waitForTimeout(3000);
    await popup.screenshot({ path: path.join(ARTIFACTS_DIR, 'privacy-popup.png'), fullPage: true });
    await page.bringToFront();
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'privacy-session.png') });
    expect((await engineStatus(ext.serviceWorker)).stats.framesAnalyzed).toBeGreaterThan(0);
    await popup.close();

    const ours = extensionRequests(recorder.requests, ext.extensionId);
    const leaving = offExtension().filter((r) => !probes.has(r.url));
    await writeFile(
      path.join(ARTIFACTS_DIR, 'privacy-requests.json'),
      `${JSON.stringify(
        ours.map((r) => ({ from: `${r.target.type} ${r.target.url}`, url: r.url, type: r.resourceType })),
        null,
        2,
      )}\n`,
    );
    const contexts = new Set(ours.map((r) => r.target.type));
    console.info(
      `Privacy: ${ours.length} extension requests from ${[...contexts].join(', ')}; ` +
        `leaving the extension: ${JSON.stringify(leaving.map((r) => `${r.target.type} ${r.url}`))}`,
    );
    // The recording covered the extension's own contexts during the session (the service worker may make no
    // request at all now: it no longer downloads images).
    expect(ours.some((r) => r.target.url.endsWith('/offscreen.html'))).toBe(true);
    expect(ours.some((r) => r.target.url.includes('/popup.html'))).toBe(true);
    // Nothing left the extension: not even the right-clicked image, which was read from the screen.
    expect(leaving.map((r) => `${r.target.type} ${r.url}`)).toEqual([]);
  });
});
