/**
 * An engine nobody uses is unloaded (src/background/engine-idle.ts) and comes back on the next frame: the
 * overlay of a video that was paused for long shows its faces again once the video plays, after a cold
 * start. The alarm's own period is a minute and the product's idle time 5 minutes, so the test runs the
 * alarm's check itself with an idle time of 1 s. The time from "play" to the first box drawn after the
 * unload is written to test-results/e2e/engine-idle.json (a figure, not an assertion).
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
  checkEngineIdle,
  describeOverlay,
  engineStatus,
  turnOverlayOn,
  waitFor,
} from './helpers/extension-calls.ts';
import { ffmpegMissing, missing, TALKING_VIDEO, webmOf } from './helpers/shared-data.ts';
import { startServers, type TestServers } from './helpers/servers.ts';

const skip = e2eUnavailable() ?? missing(TALKING_VIDEO) ?? ffmpegMissing();
if (skip) console.warn(`Skipping engine-idle E2E: ${skip}`);

const PAGE = `<!doctype html><meta charset="utf-8"><title>Idle</title>
<video id="clip" src="/clip.webm" autoplay muted loop playsinline width="640" height="360"></video>`;

const IDLE_ALARM = 'affect-lens-engine-idle';

describe.skipIf(skip !== null)('an idle engine is unloaded and comes back', () => {
  let servers: TestServers;
  let ext: ExtensionBrowser;
  let page: Page;

  beforeAll(async () => {
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    const clip = await webmOf(TALKING_VIDEO, 20);
    servers = await startServers();
    servers.pageRoutes['/clip.webm'] = { file: clip, type: 'video/webm' };
    servers.pageRoutes['/idle.html'] = { body: PAGE, type: 'text/html' };
    ext = await launchWithExtension();
    page = await ext.context.newPage();
  });

  afterAll(async () => {
    await ext?.close();
    await servers?.close();
  });

  it('closes the offscreen document after the idle time, and the overlay returns when the video plays', async () => {
    const sw = ext.serviceWorker;
    const pageUrl = `${servers.pageOrigin}/idle.html`;
    await page.goto(pageUrl);
    const tabId = await tabIdOf(sw, page);
    await turnOverlayOn(ext, tabId, page);
    const boxesDrawnSince = async (sinceEpochMs: number) =>
      (await describeOverlay(sw, tabId)).overlays.some((o) =>
        o.frames?.some(
          (f) => f.capturedAtEpochMs >= sinceEpochMs && f.drawnAtEpochMs !== null && f.faces > 0,
        ),
      );
    await waitFor(() => boxesDrawnSince(0), Boolean, 60_000, 'the first box');
    const offscreenDocuments = () =>
      sw.evaluate(async () => {
        const { chrome } = globalThis as unknown as {
          chrome: { runtime: { getContexts(f: object): Promise<unknown[]> } };
        };
        return (await chrome.runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT'] })).length;
      });
    const alarm = () =>
      sw.evaluate(async (name) => {
        const { chrome } = globalThis as unknown as {
          chrome: { alarms: { get(name: string): Promise<unknown> } };
        };
        return (await chrome.alarms.get(name)) ?? null;
      }, IDLE_ALARM);
    expect(await alarm()).toMatchObject({ name: IDLE_ALARM, periodInMinutes: 1 });

    // Frames keep coming: the engine is in use, whatever the idle time asked.
    expect(await checkEngineIdle(sw, 1000)).toBe(false);
    expect(await offscreenDocuments()).toBe(1);

    await page.evaluate(() => (document.getElementById('clip') as HTMLVideoElement).pause());
    const status = await waitFor(
      () => engineStatus(sw),
      (s) => s.idleMs >= 1500,
      10_000,
      'the engine to sit idle',
    );
    expect(status.state).toBe('ready');
    expect(await checkEngineIdle(sw, 1000)).toBe(true);
    expect(await offscreenDocuments()).toBe(0);
    expect((await engineStatus(sw)).state).toBe('absent');
    expect(await alarm()).toBeNull();

    const playedAt = await page.evaluate(async () => {
      await (document.getElementById('clip') as HTMLVideoElement).play();
      return performance.timeOrigin + performance.now();
    });
    await waitFor(() => boxesDrawnSince(playedAt), Boolean, 60_000, 'a box after the engine came back');
    const snapshot = await describeOverlay(sw, tabId);
    const firstDrawn = Math.min(
      ...snapshot.overlays
        .flatMap((o) => o.frames ?? [])
        .filter((f) => f.capturedAtEpochMs >= playedAt && f.drawnAtEpochMs !== null && f.faces > 0)
        .map((f) => f.drawnAtEpochMs!),
    );
    expect(await offscreenDocuments()).toBe(1);
    expect(await alarm()).toMatchObject({ name: IDLE_ALARM });
    const coldAgainMs = Math.round(firstDrawn - playedAt);
    console.info(`engine-idle: first box ${coldAgainMs} ms after play, the engine loading afresh`);
    await writeFile(path.join(ARTIFACTS_DIR, 'engine-idle.json'), `${JSON.stringify({ coldAgainMs })}\n`);
  });
});
