/**
 * Pages that change under the overlay, as real sites do: a video inside a same-origin iframe added after
 * load, a single-page-app navigation (history.pushState) that replaces the content with a new video, and
 * that video's container going fullscreen (the overlay must stay above it, in the top layer). The overlay
 * is switched on once, with the popup's toggle, and must follow all of it.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page, Worker } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OverlaySnapshot } from '../../src/protocol/overlay.ts';
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
if (skip) console.warn(`Skipping page-dynamics E2E: ${skip}`);

/** A small single-page app: an iframe with a video appears after load; "watch" navigates without reload. */
const APP_PAGE = `<!doctype html><meta charset="utf-8"><title>App</title>
<style>body{font:16px system-ui;margin:24px;background:#f4f4f6} #stage{background:#222;padding:8px}
video{display:block;background:#000} iframe{border:0}
#stage:fullscreen{display:flex;flex-direction:column;padding:0}
#stage:fullscreen video{flex:1;width:100%;height:auto;min-height:0}</style>
<h1>Feed</h1><main id="app"></main>
<script>
  const app = document.getElementById('app');
  setTimeout(() => {
    const frame = document.createElement('iframe');
    frame.src = '/frame.html';
    frame.width = 520;
    frame.height = 320;
    app.append(frame);
  }, 300);
  window.watch = () => {
    history.pushState({}, '', '/watch/42');
    document.querySelector('h1').textContent = 'Watch';
    app.replaceChildren();
    const stage = document.createElement('div');
    stage.id = 'stage';
    stage.innerHTML = '<video id="main" src="/talk.webm" autoplay muted loop playsinline width="480" height="270"></video>' +
      '<button id="fullscreen" type="button">Fullscreen</button>';
    stage.querySelector('#fullscreen').onclick = () => stage.requestFullscreen();
    app.append(stage);
  };
</script>`;

const FRAME_PAGE = `<!doctype html><meta charset="utf-8"><style>body{margin:0}</style>
<video id="framed" src="/talk.webm" autoplay muted loop playsinline width="480" height="270"></video>`;

const videoOverlay = (s: OverlaySnapshot) => s.overlays.find((o) => o.kind === 'video');

/** Overlay snapshot of the frame whose URL ends with `suffix` (content scripts answer per frame). */
async function describeFrame(sw: Worker, tabId: number, suffix: string): Promise<OverlaySnapshot> {
  const frameId = await sw.evaluate(
    async ({ tabId, suffix }) => {
      type Result = { frameId: number; result?: unknown };
      const { chrome } = globalThis as unknown as {
        chrome: { scripting: { executeScript(o: object): Promise<Result[]> } };
      };
      const results = await chrome.scripting.executeScript({
        target: { tabId, allFrames: true },
        func: () => location.href,
      });
      return results.find((r) => String(r.result).endsWith(suffix))?.frameId ?? null;
    },
    { tabId, suffix },
  );
  if (frameId === null) throw new Error(`no frame ending in ${suffix} yet`);
  return describeOverlay(sw, tabId, frameId);
}

/** A face box inside the video's box, of a sensible size for a talking head. */
function expectFaceInVideo(snapshot: OverlaySnapshot): void {
  const video = videoOverlay(snapshot)!;
  expect(video.faces).toHaveLength(1);
  const face = video.faces[0]!.rect;
  expect(face.width).toBeGreaterThan(video.rect.width * 0.1);
  expect(face.width).toBeLessThan(video.rect.width * 0.8);
  expect(face.x).toBeGreaterThanOrEqual(video.rect.x - 1);
  expect(face.y).toBeGreaterThanOrEqual(video.rect.y - 1);
  expect(face.x + face.width).toBeLessThanOrEqual(video.rect.x + video.rect.width + 1);
  expect(face.y + face.height).toBeLessThanOrEqual(video.rect.y + video.rect.height + 1);
}

describe.skipIf(skip !== null)('overlay on pages that change', () => {
  let servers: TestServers;
  let ext: ExtensionBrowser;
  let page: Page;
  let tabId: number;

  beforeAll(async () => {
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    const talk = await webmOf(TALKING_VIDEO, 8);
    servers = await startServers();
    servers.pageRoutes['/talk.webm'] = { file: talk, type: 'video/webm' };
    servers.pageRoutes['/app.html'] = { body: APP_PAGE, type: 'text/html' };
    servers.pageRoutes['/frame.html'] = { body: FRAME_PAGE, type: 'text/html' };
    ext = await launchWithExtension();
    page = await ext.context.newPage();
    const pageUrl = `${servers.pageOrigin}/app.html`;
    await page.goto(pageUrl);
    tabId = await tabIdOf(ext.serviceWorker, page);

    await turnOverlayOn(ext, tabId, page);
  });

  afterAll(async () => {
    await ext?.close();
    await servers?.close();
  });

  it('boxes the face of a video in an iframe that was added after load', async () => {
    const shown = await waitFor(
      () => describeFrame(ext.serviceWorker, tabId, '/frame.html'),
      (s) => (videoOverlay(s)?.faces.length ?? 0) > 0,
      45_000,
      'a face box over the video inside the iframe',
    );
    expect(shown.enabled).toBe(true);
    expectFaceInVideo(shown);
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'dynamics-iframe.png') });
  });

  it('follows a single-page-app navigation to a new video', async () => {
    await page.evaluate(() => (window as unknown as { watch(): void }).watch());
    expect(new URL(page.url()).pathname).toBe('/watch/42');
    const shown = await waitFor(
      () => describeOverlay(ext.serviceWorker, tabId),
      (s) => (videoOverlay(s)?.faces.length ?? 0) > 0,
      45_000,
      'a face box over the video the navigation added',
    );
    // The iframe's video went with the old content: the top frame now shows exactly the new one.
    expect(shown.overlays.filter((o) => o.kind === 'video')).toHaveLength(1);
    expectFaceInVideo(shown);
  });

  it('stays above the video when its container goes fullscreen', async () => {
    await page.click('#fullscreen');
    await page.waitForFunction(() => document.fullscreenElement?.id === 'stage');
    const viewport = page.viewportSize()!;
    const shown = await waitFor(
      () => describeOverlay(ext.serviceWorker, tabId),
      (s) => {
        const video = videoOverlay(s);
        // Fullscreen enlarged the video: its overlay follows the new size.
        return (video?.faces.length ?? 0) > 0 && (video?.rect.width ?? 0) > 480 * 1.5;
      },
      30_000,
      'the overlay following the video into fullscreen',
    );
    expect(videoOverlay(shown)!.rect.width).toBeLessThanOrEqual(viewport.width + 1);
    expectFaceInVideo(shown);
    // The overlay host re-entered the top layer after the fullscreen element, so it is drawn above it.
    const onTop = await page.evaluate(() => {
      const host = document.querySelector('affect-lens-overlay');
      return !!host && host.matches(':popover-open');
    });
    expect(onTop).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'dynamics-fullscreen.png') });
    await page.evaluate(() => document.exitFullscreen());
  });
});
