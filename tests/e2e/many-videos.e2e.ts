/**
 * Many videos on one page (issue 12): only those a person can see are analysed. Twenty copies of the
 * talking-head clip: twelve in a grid on screen, two hidden (display: none, and a zero-size one), six below
 * the fold. The visible ones are all boxed in turn; the hidden and off-screen ones get no frame at all
 * (nothing grabbed, encoded or sent); scrolled into view, the ones below the fold are boxed too, and those
 * scrolled away stop. The engine's counters are written to test-results/e2e/many-videos.json.
 */
import { writeFile } from 'node:fs/promises';
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
import { describeOverlay, engineStatus, turnOverlayOn, waitFor } from './helpers/extension-calls.ts';
import { ffmpegMissing, missing, TALKING_VIDEO, webmOf } from './helpers/shared-data.ts';
import { startServers, type TestServers } from './helpers/servers.ts';

const skip = e2eUnavailable() ?? missing(TALKING_VIDEO) ?? ffmpegMissing();
if (skip) console.warn(`Skipping many-videos E2E: ${skip}`);

const video = (id: string, style = '') =>
  `<video id="${id}" src="/talk.webm?${id}" autoplay muted loop playsinline width="200" height="112" style="${style}"></video>`;

const PAGE = `<!doctype html><meta charset="utf-8"><title>Twenty videos</title>
<style>body{margin:8px;font:14px system-ui} .grid{display:grid;grid-template-columns:repeat(4,200px);gap:6px}</style>
<div class="grid">${Array.from({ length: 12 }, (_, i) => video(`on${i}`)).join('')}</div>
${video('none', 'display:none')}${video('zero', 'width:0;height:0')}
<div style="height:2400px"></div>
<div class="grid">${Array.from({ length: 6 }, (_, i) => video(`below${i}`)).join('')}</div>`;

describe.skipIf(skip !== null)('twenty videos on one page', () => {
  let servers: TestServers;
  let ext: ExtensionBrowser;
  let page: Page;

  beforeAll(async () => {
    const talk = await webmOf(TALKING_VIDEO, 8, 2);
    servers = await startServers();
    servers.pageRoutes['/talk.webm'] = { file: talk, type: 'video/webm' };
    servers.pageRoutes['/many.html'] = { body: PAGE, type: 'text/html; charset=utf-8' };
    ext = await launchWithExtension();
    page = await ext.context.newPage();
  });

  afterAll(async () => {
    await ext?.close();
    await servers?.close();
  });

  it('boxes every visible video in turn and sends nothing for hidden or off-screen ones', async () => {
    await page.goto(`${servers.pageOrigin}/many.html`);
    await page.waitForFunction(() => [...document.querySelectorAll('video')].every((v) => v.readyState >= 2));
    const tabId = await tabIdOf(ext.serviceWorker, page);
    await turnOverlayOn(ext, tabId, page);
    const switchedOnAt = Date.now();
    const byId = async () => {
      const snapshot = await describeOverlay(ext.serviceWorker, tabId);
      const shown = new Map<string, { faces: number; frames: number }>();
      for (const o of snapshot.overlays) {
        const id = new URL(o.src).search.slice(1);
        shown.set(id, { faces: o.faces.length, frames: o.framesShown ?? 0 });
      }
      return shown;
    };
    const visible = Array.from({ length: 12 }, (_, i) => `on${i}`);
    const shown = await waitFor(
      byId,
      (m) => visible.every((id) => (m.get(id)?.faces ?? 0) > 0),
      90_000,
      'a box on each of the twelve visible videos',
    );
    // From the switch to a box on all twelve: their VP8 encoders all start then (issue 17).
    const msToAllBoxed = Date.now() - switchedOnAt;
    const framesWhenAllBoxed = (await engineStatus(ext.serviceWorker)).stats.framesAnalyzed;
    for (const id of ['none', 'zero', ...Array.from({ length: 6 }, (_, i) => `below${i}`)]) {
      expect(shown.get(id)?.frames ?? 0, `${id} is not on screen: no frame analysed`).toBe(0);
    }
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'many-videos.png') });

    // Scrolled into view, the ones below the fold are boxed; those now above it stop.
    await page.evaluate(() => document.getElementById('below0')!.scrollIntoView());
    const below = Array.from({ length: 6 }, (_, i) => `below${i}`);
    const scrolled = await waitFor(
      byId,
      (m) => below.every((id) => (m.get(id)?.faces ?? 0) > 0),
      60_000,
      'a box on each video scrolled into view',
    );
    const stopped = new Map(visible.map((id) => [id, scrolled.get(id)?.frames ?? 0]));
    await page.waitForTimeout(2000);
    const later = await byId();
    for (const id of visible) {
      expect(later.get(id)?.frames ?? 0, `${id} scrolled away: no new frames`).toBeLessThanOrEqual(
        stopped.get(id)! + 1,
      );
    }
    const status = await engineStatus(ext.serviceWorker);
    await writeFile(
      path.join(ARTIFACTS_DIR, 'many-videos.json'),
      `${JSON.stringify({ msToAllBoxed, framesAnalyzedWhenAllVisibleBoxed: framesWhenAllBoxed, stats: status.stats }, null, 1)}\n`,
    );
    console.info(
      `Twenty videos: all twelve boxed ${msToAllBoxed} ms after the switch; ${JSON.stringify(status.stats)}`,
    );
  });
});
