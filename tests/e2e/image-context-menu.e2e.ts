/**
 * Right-click an image -> "Analyse emotions": an image from a second origin without CORS (the page itself
 * cannot read its pixels, and the extension has no host permission to download it) is read from a capture
 * of the screen; it gets a box per face over it, the boxes follow the image when the page scrolls, and the
 * popup lists the result and says how the image was read. The context menu is triggered through its own
 * onClicked handler in the service worker (`affectLensDebug.contextMenuClicked`): automation cannot click
 * native menus, so the test first grants the tab as that click does (activeTab), with the toolbar button.
 */
import { mkdir } from 'node:fs/promises';
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
import { layoutProblems } from './helpers/overlay-geometry.ts';
import {
  clickAnalyzeEmotions,
  clickToolbarButton,
  describeOverlay,
  openPopup,
  waitFor,
} from './helpers/extension-calls.ts';
import { annotatedFaceCounts, FACE_IMAGES, missing } from './helpers/shared-data.ts';
import { startServers, typeOf, type TestServers } from './helpers/servers.ts';

const IMAGE = '2008_002506.jpg';
const skip = e2eUnavailable() ?? missing(path.join(FACE_IMAGES, IMAGE));
if (skip) console.warn(`Skipping image E2E: ${skip}`);

function imagePage(src: string): string {
  return `<!doctype html><meta charset="utf-8"><title>Image test</title>
<style>body{font:16px system-ui;margin:24px;background:#f4f4f6} .card{margin-top:40px;padding:12px;background:#fff;border:8px solid #ccd;display:inline-block}</style>
<h1>A photo from another origin</h1><p>Served without CORS headers, so this page cannot read its pixels.</p>
<div class="card"><img id="photo" src="${src}" width="500" height="375" alt="three people"></div>
<div style="height:1600px"></div>`;
}

describe.skipIf(skip !== null)('right-click "Analyse emotions" on a cross-origin image', () => {
  let servers: TestServers;
  let ext: ExtensionBrowser;
  let page: Page;
  let tabId: number;
  let srcUrl: string;

  beforeAll(async () => {
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    servers = await startServers();
    servers.mediaRoutes[`/${IMAGE}`] = { file: path.join(FACE_IMAGES, IMAGE), type: typeOf(IMAGE) };
    srcUrl = `${servers.mediaOrigin}/${IMAGE}`;
    servers.pageRoutes['/image.html'] = { body: imagePage(srcUrl), type: 'text/html; charset=utf-8' };
    // The real window size: tabs.captureVisibleTab captures the window, not an emulated viewport.
    ext = await launchWithExtension(['--window-size=1100,760'], { viewport: null });
    page = await ext.context.newPage();
  });

  afterAll(async () => {
    await ext?.close();
    await servers?.close();
  });

  it('shows one box per face over the image, following it when the page scrolls', async () => {
    const expectedFaces = (await annotatedFaceCounts()).get(IMAGE);
    expect(expectedFaces, `${IMAGE} in boxes.csv`).toBe(3);
    const pageUrl = `${servers.pageOrigin}/image.html`;
    await page.goto(pageUrl);
    await page.waitForFunction(() => (document.getElementById('photo') as HTMLImageElement).complete);
    // The premise: the page itself cannot read this image's pixels.
    const pageCanRead = await page.evaluate(() => {
      const img = document.getElementById('photo') as HTMLImageElement;
      const ctx = Object.assign(document.createElement('canvas'), { width: 8, height: 8 }).getContext('2d')!;
      ctx.drawImage(img, 0, 0, 8, 8);
      try {
        ctx.getImageData(0, 0, 1, 1);
        return true;
      } catch {
        return false;
      }
    });
    expect(pageCanRead).toBe(false);
    tabId = await tabIdOf(ext.serviceWorker, page);
    // The menu click grants the tab to the extension (activeTab); automation grants it with the toolbar button.
    await clickToolbarButton(ext, page);

    const started = Date.now();
    const result = await clickAnalyzeEmotions(ext.serviceWorker, tabId, srcUrl, pageUrl);
    const elapsedMs = Date.now() - started;
    expect(result?.state, JSON.stringify(result)).toBe('done');
    if (result?.state !== 'done') return;
    expect(result.route, 'a cross-origin image without CORS is read from the screen').toBe('screen');
    expect(result.analysis.faces).toHaveLength(expectedFaces!);
    expect(result.analysis.width).toBe(500);

    const shown = await waitFor(
      () => describeOverlay(ext.serviceWorker, tabId),
      (s) => s.overlays[0]?.faces.length === expectedFaces,
      5000,
      'the overlay to show every face',
    );
    expect(shown.overlays).toHaveLength(1);
    const overlay = shown.overlays[0]!;
    expect(overlay.kind).toBe('image');
    expect(overlay.notice).toBeNull();
    const img = overlay.rect;
    for (const face of overlay.faces) {
      expect(face.rect.width, 'face box width').toBeGreaterThan(40);
      expect(face.rect.x).toBeGreaterThanOrEqual(img.x - 1);
      expect(face.rect.y).toBeGreaterThanOrEqual(img.y - 1);
      expect(face.rect.x + face.rect.width).toBeLessThanOrEqual(img.x + img.width + 1);
      expect(face.rect.y + face.rect.height).toBeLessThanOrEqual(img.y + img.height + 1);
    }
    // A photo from another site (its own origin): every box and label inside the picture, none on another.
    expect(layoutProblems(shown, { bars: false })).toEqual([]);
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'image-context-menu.png') });

    // Scroll: the boxes move with the image.
    await page.mouse.wheel(0, 150);
    const scrolled = await waitFor(
      () => describeOverlay(ext.serviceWorker, tabId),
      (s) =>
        Math.abs((s.overlays[0]?.rect.y ?? 0) - (img.y - 150)) < 2 &&
        s.overlays[0]!.faces.length === expectedFaces,
      5000,
      'the overlay to follow the scrolled image',
    );
    const before = overlay.faces.map((f) => f.rect.y).sort((a, b) => a - b);
    const after = scrolled.overlays[0]!.faces.map((f) => f.rect.y).sort((a, b) => a - b);
    after.forEach((y, i) => expect(y).toBeCloseTo(before[i]! - 150, 0));
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'image-context-menu-scrolled.png') });
    console.info(
      `Right-click analysis of ${IMAGE}: ${elapsedMs} ms (screen capture, engine start, analysis)`,
    );

    // The popup lists the result for this tab.
    const popup = await openPopup(ext, tabId);
    await popup.getByTestId('image-faces').waitFor();
    expect(await popup.getByTestId('image-faces').locator('li').count()).toBe(expectedFaces);
    expect(await popup.getByTestId('image-route').textContent()).toMatch(/capture of the screen/);
    await popup.getByTestId('provider').waitFor();
    await popup.screenshot({ path: path.join(ARTIFACTS_DIR, 'popup-image-result.png'), fullPage: true });
    await popup.close();
  });
});
