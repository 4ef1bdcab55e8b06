/**
 * Every label and bar inside the picture (issue 13), as a user sees it: the talking-head clip paused at 3 s
 * (../shared/data/video/pyfeat/SOURCE.txt; its face is at x 309-538, y 119-348 of 640x360) with "Show all 7
 * probabilities" on, in three places where the old layout drew outside the picture:
 * - a close-up: a 240x240 video with object-fit: cover, the face filling it and cut at its right edge;
 * - a face at the left edge: the video shifted left past the viewport, the face cut by the window;
 * - a scroll container: the video inside a 300x200 box with overflow: hidden, the face cut at its bottom.
 * The overlay's own description gives the visible picture and each box, label and bar panel; all must lie
 * inside the picture, and labels of one picture must not overlap. Screenshots: test-results/e2e/layout-*.png.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OverlaySnapshot } from '../../src/protocol/overlay.ts';
import {
  ARTIFACTS_DIR,
  e2eUnavailable,
  launchWithExtension,
  tabIdOf,
  type ExtensionBrowser,
} from './helpers/browser.ts';
import { describeOverlay, storeSettings, turnOverlayOn, waitFor } from './helpers/extension-calls.ts';
import { ffmpegMissing, missing, TALKING_VIDEO, webmOf } from './helpers/shared-data.ts';
import { layoutProblems } from './helpers/overlay-geometry.ts';
import { startServers, type TestServers } from './helpers/servers.ts';

const skip = e2eUnavailable() ?? missing(TALKING_VIDEO) ?? ffmpegMissing();
if (skip) console.warn(`Skipping overlay-layout E2E: ${skip}`);

const PAGE = `<!doctype html><meta charset="utf-8"><title>Overlay layout</title>
<style>
  body { margin: 0; background: #f4f4f6; font: 14px system-ui; }
  video { display: block; background: #000; }
  #closeup { width: 240px; height: 240px; object-fit: cover; margin: 24px; }
  #left { width: 640px; height: 360px; margin: 24px 0 24px -330px; }
  #box { width: 300px; height: 200px; overflow: hidden; margin: 24px; }
  #scrolled { width: 640px; height: 360px; margin: -60px 0 0 -300px; }
</style>
<video id="closeup" src="/clip.webm" muted playsinline></video>
<video id="left" src="/clip.webm" muted playsinline></video>
<div id="box"><video id="scrolled" src="/clip.webm" muted playsinline></video></div>`;

describe.skipIf(skip !== null)('overlay layout: labels and bars inside the picture', () => {
  let servers: TestServers;
  let ext: ExtensionBrowser;
  let page: Page;

  beforeAll(async () => {
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    const clip = await webmOf(TALKING_VIDEO, 8);
    servers = await startServers();
    servers.pageRoutes['/clip.webm'] = { file: clip, type: 'video/webm' };
    servers.pageRoutes['/layout.html'] = { body: PAGE, type: 'text/html' };
    ext = await launchWithExtension();
    page = await ext.context.newPage();
    await page.setViewportSize({ width: 900, height: 800 });
  });

  afterAll(async () => {
    await ext?.close();
    await servers?.close();
  });

  it('keeps every box, label and bar of a close-up, an edge face and a clipped video inside its picture', async () => {
    const pageUrl = `${servers.pageOrigin}/layout.html`;
    await page.goto(pageUrl);
    await page.evaluate(async () => {
      const videos = [...document.querySelectorAll('video')];
      await Promise.all(
        videos.map(
          (v) =>
            new Promise<void>((resolve) => {
              v.addEventListener('seeked', () => resolve(), { once: true });
              v.currentTime = 3;
            }),
        ),
      );
    });
    const tabId = await tabIdOf(ext.serviceWorker, page);
    await storeSettings(ext.serviceWorker, { showAllProbabilities: true });
    await turnOverlayOn(ext, tabId, page);
    const snapshot: OverlaySnapshot = await waitFor(
      () => describeOverlay(ext.serviceWorker, tabId),
      (s) => s.overlays.length === 3 && s.overlays.every((o) => o.faces.some((f) => f.barsRect)),
      60_000,
      'a face with its bars over each of the three videos',
    );
    // The transitions of the boxes (80 ms) settle before the picture is taken and described again.
    await page.waitForTimeout(500);
    const settled = await describeOverlay(ext.serviceWorker, tabId);
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'layout-all.png') });
    for (const id of ['closeup', 'left', 'box']) {
      await page.locator(`#${id}`).screenshot({ path: path.join(ARTIFACTS_DIR, `layout-${id}.png`) });
    }
    expect(snapshot.overlays).toHaveLength(3);
    for (const overlay of settled.overlays) expect(overlay.faces.length, overlay.src).toBeGreaterThan(0);
    expect(layoutProblems(settled, { bars: true })).toEqual([]);
  });
});
