/**
 * Right-click images the page shows but could not be downloaded and decoded again (issue 17): a truncated
 * JPEG the page still draws, an SVG (wrapping the photo), and a photo whose address answers 404 since the
 * page loaded. The extension reads the pixels the page displays (route "page"), so each gets its faces; and
 * an image that never loaded gets a message a person understands, with "Try again"; and closing the
 * offscreen document (the engine) in the middle of an analysis ends it with the faces (one retry on a new
 * engine), never Chrome's raw "message channel closed" nor "Analysing emotions…" for good; nor does
 * stopping the service worker in the middle of one leave it hanging.
 */
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eUnavailable, launchWithExtension, tabIdOf, type ExtensionBrowser } from './helpers/browser.ts';
import {
  clickAnalyzeEmotions,
  clickToolbarButton,
  describeOverlay,
  waitFor,
} from './helpers/extension-calls.ts';
import { FACE_IMAGES, missing } from './helpers/shared-data.ts';
import { startServers, type TestServers } from './helpers/servers.ts';

const IMAGE = '2008_002506.jpg';
const skip = e2eUnavailable() ?? missing(path.join(FACE_IMAGES, IMAGE));
if (skip) console.warn(`Skipping image-routes E2E: ${skip}`);

describe.skipIf(skip !== null)('images read as the page shows them', () => {
  let servers: TestServers;
  let ext: ExtensionBrowser;
  let page: Page;
  let tabId: number;

  beforeAll(async () => {
    const photo = await readFile(path.join(FACE_IMAGES, IMAGE));
    const dir = os.tmpdir();
    // The first two thirds of the file: the page draws the top of the photo, where the faces are.
    const truncated = path.join(dir, 'affect-lens-truncated.jpg');
    await writeFile(truncated, photo.subarray(0, Math.round(photo.length * 0.67)));
    const svg = path.join(dir, 'affect-lens-photo.svg');
    await writeFile(
      svg,
      `<svg xmlns="http://www.w3.org/2000/svg" width="500" height="375" viewBox="0 0 500 375">` +
        `<image width="500" height="375" href="data:image/jpeg;base64,${photo.toString('base64')}"/></svg>`,
    );
    const gone = path.join(dir, 'affect-lens-gone.jpg');
    await writeFile(gone, photo);
    servers = await startServers();
    servers.pageRoutes['/truncated.jpg'] = { file: truncated, type: 'image/jpeg' };
    servers.pageRoutes['/photo.svg'] = { file: svg, type: 'image/svg+xml' };
    servers.pageRoutes['/gone.jpg'] = {
      file: gone,
      type: 'image/jpeg',
      headers: { 'cache-control': 'no-store' },
    };
    servers.pageRoutes['/routes.html'] = {
      body: `<!doctype html><meta charset="utf-8"><title>Image routes</title>
<style>img{display:inline-block;margin:4px;width:300px;height:225px}</style>
<img id="truncated" src="/truncated.jpg"><img id="svg" src="/photo.svg"><img id="gone" src="/gone.jpg">
<img id="broken" src="/never-there.jpg">`,
      type: 'text/html; charset=utf-8',
    };
    ext = await launchWithExtension();
    page = await ext.context.newPage();
    await page.goto(`${servers.pageOrigin}/routes.html`);
    await page.waitForFunction(() => [...document.images].every((i) => i.complete));
    // The photo's address answers 404 from now on; the page still shows it.
    delete servers.pageRoutes['/gone.jpg'];
    tabId = await tabIdOf(ext.serviceWorker, page);
    await clickToolbarButton(ext, page);
  });

  afterAll(async () => {
    await ext?.close();
    await servers?.close();
  });

  it.each(['truncated.jpg', 'photo.svg', 'gone.jpg'])(
    'finds the faces of %s from the pixels the page shows',
    async (file) => {
      const srcUrl = `${servers.pageOrigin}/${file}`;
      const result = await clickAnalyzeEmotions(ext.serviceWorker, tabId, srcUrl, page.url());
      expect(result?.state, JSON.stringify(result)).toBe('done');
      if (result?.state !== 'done') return;
      expect(result.route).toBe('page');
      expect(result.analysis.faces.length).toBeGreaterThanOrEqual(1);
      const shown = await waitFor(
        () => describeOverlay(ext.serviceWorker, tabId),
        (s) => (s.overlays.find((o) => o.src === srcUrl)?.faces.length ?? 0) > 0,
        5000,
        `boxes over ${file}`,
      );
      console.info(
        `${file}: ${result.analysis.faces.length} faces, ${shown.overlays.length} overlays on the page`,
      );
    },
  );

  it('says plainly that an image which never loaded has nothing to analyse, and offers to try again', async () => {
    const srcUrl = `${servers.pageOrigin}/never-there.jpg`;
    const result = await clickAnalyzeEmotions(ext.serviceWorker, tabId, srcUrl, page.url());
    expect(result).toMatchObject({
      state: 'failed',
      error: 'The page shows no picture for this image (it did not load).',
    });
    const overlay = (await describeOverlay(ext.serviceWorker, tabId)).overlays.find((o) => o.src === srcUrl);
    expect(overlay?.notice).toMatch(/^Affect Lens could not analyse this image: The page shows no picture/);
    expect(overlay?.noticeAction?.label).toBe('Try again');
  });

  it('ends an analysis whose engine is closed in the middle of it with the faces (one retry)', async () => {
    const closeOffscreen = () =>
      ext.serviceWorker.evaluate(async () => {
        const { chrome } = globalThis as unknown as {
          chrome: { offscreen: { hasDocument(): Promise<boolean>; closeDocument(): Promise<void> } };
        };
        if (await chrome.offscreen.hasDocument()) await chrome.offscreen.closeDocument();
      });
    // The engine unloaded first: the analysis then waits for it to load (about a second here), and the close
    // 400 ms after the click falls inside that wait, after the page has read the pixels and asked.
    await closeOffscreen();
    const srcUrl = `${servers.pageOrigin}/truncated.jpg`;
    const started = Date.now();
    const pending = clickAnalyzeEmotions(ext.serviceWorker, tabId, srcUrl, page.url());
    await new Promise((resolve) => setTimeout(resolve, 400));
    await closeOffscreen();
    const result = await pending;
    console.info(
      `Analysis with the engine closed mid-way: ${result?.state} after ${Date.now() - started} ms`,
    );
    expect(result?.state, JSON.stringify(result)).toBe('done');
    if (result?.state !== 'done') return;
    expect(result.analysis.faces.length).toBeGreaterThanOrEqual(1);
    const overlay = (await describeOverlay(ext.serviceWorker, tabId)).overlays.find((o) => o.src === srcUrl);
    expect(overlay?.notice ?? '').not.toMatch(/message channel|Analysing/);
    expect(overlay?.faces.length ?? 0).toBeGreaterThanOrEqual(1);
  });

  it(
    'ends an analysis whose service worker is stopped in the middle of it',
    { timeout: 60_000 },
    async () => {
      const srcUrl = `${servers.pageOrigin}/gone.jpg`;
      // Asked from an extension page: the worker goes away under the analysis.
      const probe = await ext.context.newPage();
      await probe.goto(`chrome-extension://${ext.extensionId}/options.html`);
      const imageOverlay = () =>
        probe.evaluate(
          async ({ tabId, srcUrl }) => {
            type Chrome = { tabs: { sendMessage(id: number, m: unknown, o: object): Promise<unknown> } };
            const { chrome } = globalThis as unknown as { chrome: Chrome };
            const reply = (await chrome.tabs.sendMessage(
              tabId,
              { tag: 'affect-lens/1', type: 'overlayDescribe' },
              { frameId: 0 },
            )) as { res?: { overlays: { src: string; notice: string | null; faces: unknown[] }[] } };
            return reply.res?.overlays.find((o) => o.src === srcUrl) ?? null;
          },
          { tabId, srcUrl },
        );
      // The engine unloaded first, so that the analysis waits for it (about a second) while the worker stops.
      await ext.serviceWorker.evaluate(async () => {
        const { chrome } = globalThis as unknown as {
          chrome: { offscreen: { hasDocument(): Promise<boolean>; closeDocument(): Promise<void> } };
        };
        if (await chrome.offscreen.hasDocument()) await chrome.offscreen.closeDocument();
      });
      // The menu's handler started and not awaited here: the worker that runs it is stopped next.
      await ext.serviceWorker.evaluate(
        ({ tabId, srcUrl, pageUrl }) => {
          type Debug = { contextMenuClicked(info: object, tab: { id: number }): Promise<unknown> };
          const debug = (globalThis as unknown as { affectLensDebug: Debug }).affectLensDebug;
          void debug.contextMenuClicked(
            { menuItemId: 'affect-lens-analyze-image', srcUrl, pageUrl, frameId: 0, editable: false },
            { id: tabId },
          );
        },
        { tabId, srcUrl, pageUrl: page.url() },
      );
      await waitFor(imageOverlay, (o) => o?.notice === 'Analysing emotions…', 5000, '"Analysing emotions…"');
      const session = await ext.context.newCDPSession(probe);
      await session.send('ServiceWorker.enable' as never);
      await session.send('ServiceWorker.stopAllWorkers' as never);
      const started = Date.now();
      // Whether the worker did stop (CDP stops it within a second or two, not always at once): reported.
      const browserCdp = await ext.context.browser()!.newBrowserCDPSession();
      type Targets = { targetInfos: { type: string; url: string }[] };
      const workerRunning = async () =>
        ((await browserCdp.send('Target.getTargets')) as Targets).targetInfos.some(
          (t) => t.type === 'service_worker' && t.url.startsWith(`chrome-extension://${ext.extensionId}/`),
        );
      const stopped = await waitFor(workerRunning, (running) => !running, 3000, 'the worker to stop').then(
        () => true,
        () => false,
      );
      const ended = await waitFor(
        imageOverlay,
        (o) => o !== null && o.notice !== 'Analysing emotions…',
        45_000,
        'the analysis to end',
      );
      console.info(
        `Analysis with the service worker stopped mid-way ended after ${Date.now() - started} ms:`,
        JSON.stringify({ workerStopped: stopped, faces: ended?.faces.length, notice: ended?.notice }),
      );
      await browserCdp.detach();
      // The faces (the content script asked again), or a plain message with "Try again": never a raw error.
      if ((ended?.faces.length ?? 0) === 0) {
        expect(ended?.notice ?? '').toMatch(/^Affect Lens could not analyse this image: /);
        expect(ended?.notice ?? '').not.toMatch(/message channel|Receiving end/);
      }
      await probe.close();
    },
  );
});
