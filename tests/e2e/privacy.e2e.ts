/**
 * Privacy: the extension makes no network request of its own. Every request of every target (service
 * worker, offscreen document, popup, pages, iframes, workers) is recorded over CDP from the browser's start
 * (helpers/network-recorder.ts). First the recorder proves it would see one: deliberate fetches from the
 * service worker, the offscreen document, the popup and the content script to a local URL. Then a realistic session (overlay on a
 * playing video, right-click analysis of a cross-origin image, popup open) must show, among the extension's
 * requests, nothing that leaves the extension except the image the user asked to analyse. Writes the list of
 * the extension's requests to test-results/e2e/privacy-requests.json.
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
    for (const probe of ['sw', 'offscreen', 'popup', 'content']) {
      const url = `${servers.pageOrigin}/probe-${probe}`;
      servers.pageRoutes[`/probe-${probe}`] = { body: 'probe', type: 'text/plain' };
      probes.add(url);
    }
    ext = await launchWithExtension(REMOTE_DEBUGGING_ARGS);
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

  it('sees deliberate requests from the service worker, offscreen document, popup and content script', async () => {
    const sw = `${servers.pageOrigin}/probe-sw`;
    await ext.serviceWorker.evaluate((url) => fetch(url).then((r) => r.text()), sw);
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
    await recorder.evaluate(offscreen!, `fetch(${JSON.stringify(off)}).then((r) => r.text())`);
    const popup = await ext.context.newPage();
    await popup.goto(`chrome-extension://${ext.extensionId}/popup.html`);
    const pop = `${servers.pageOrigin}/probe-popup`;
    await popup.evaluate((url) => fetch(url).then((r) => r.text()), pop);
    await popup.close();
    // And from the content script in a web page (its isolated world), which shares the page's target.
    const pageUrl = `${servers.pageOrigin}/session.html`;
    await page.goto(pageUrl);
    const pageSession = await waitFor(
      () => Promise.resolve(recorder.sessionOf(pageUrl, 'page')),
      (s) => s !== null,
      10_000,
      'the page to be attached',
    );
    const content = `${servers.pageOrigin}/probe-content`;
    // Named after the content script's file, as its own code's frames are (CDP gives evaluated code no URL).
    const contentScriptUrl = `chrome-extension://${ext.extensionId}/content-scripts/content.js`;
    await recorder.evaluateInContentScript(
      pageSession!,
      ext.extensionId,
      `fetch(${JSON.stringify(content)}).then((r) => r.text())\n//# sourceURL=${contentScriptUrl}`,
    );

    const seen = await waitFor(
      () => Promise.resolve(offExtension()),
      (rs) => [sw, off, pop, content].every((u) => rs.some((r) => r.url === u)),
      10_000,
      'the four deliberate requests in the recording',
    );
    const byUrl = (u: string) => seen.find((r) => r.url === u)!;
    expect(byUrl(sw).target.type).toBe('service_worker');
    expect(byUrl(off).target.url).toBe(offscreenUrl);
    expect(byUrl(pop).target.url).toMatch(/\/popup\.html/);
    expect(byUrl(content).target.url).toBe(pageUrl);
    expect(
      byUrl(content).initiatorUrls.some((u) => u.startsWith(`chrome-extension://${ext.extensionId}/`)),
    ).toBe(true);
    // The servers got them too: the recording is of real requests.
    for (const name of ['sw', 'offscreen', 'popup', 'content'])
      expect(servers.requests.some((r) => r.path === `/probe-${name}`)).toBe(true);
  });

  it('makes no request beyond the image the user asked to analyse, in a realistic session', async () => {
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

    // Right-click "Analyse emotions" on the cross-origin photo.
    const result = await clickAnalyzeEmotions(ext.serviceWorker, tabId, imageUrl, pageUrl);
    expect(result?.state, JSON.stringify(result)).toBe('done');

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
    // The recording covered the extension's own contexts during the session.
    expect(contexts).toContain('service_worker');
    expect(ours.some((r) => r.target.url.endsWith('/offscreen.html'))).toBe(true);
    expect(ours.some((r) => r.target.url.includes('/popup.html'))).toBe(true);
    // Only the right-clicked image left the extension, fetched by the service worker.
    expect([...new Set(leaving.map((r) => r.url))]).toEqual([imageUrl]);
    expect(new Set(leaving.map((r) => r.target.type))).toEqual(new Set(['service_worker']));
  });
});
