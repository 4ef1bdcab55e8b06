/**
 * The overlay's top emotion follows the face, with the default classifier (the project's own, trained on FER+,
 * affect-lens-ferplus): the talking-head clip (../shared/data/video/pyfeat/SOURCE.txt)
 * goes from crying to laughing. `npm run analyze` on one frame per second of it says sadness for 0-6 s
 * (probability ~1.0), a mix for 6-10 s, and happiness from 10.5 s to the end. The clip plays once, in real
 * time, with the overlay on; the top label shown over the video is sampled with the video's own time.
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
import { describeOverlay, engineStatus, openPopup, turnOverlayOn } from './helpers/extension-calls.ts';
import { ffmpegMissing, missing, TALKING_VIDEO, webmOf } from './helpers/shared-data.ts';
import { startServers, type TestServers } from './helpers/servers.ts';

const skip = e2eUnavailable() ?? missing(TALKING_VIDEO) ?? ffmpegMissing();
if (skip) console.warn(`Skipping emotion-change E2E: ${skip}`);

/** The parts of the clip whose emotion is unambiguous (see above), in seconds of the video. */
const CRYING = { from: 0.5, to: 6 };
const LAUGHING = { from: 11, to: 19.5 };
/** Share of the samples in each part whose top label must be the part's emotion. */
const MIN_SHARE = 0.7;
/** The default classifier: the first classifier of models/manifest.json. */
const DEFAULT_CLASSIFIER = 'affect-lens-ferplus';

const PAGE = `<!doctype html><meta charset="utf-8"><title>Crying, then laughing</title>
<style>body{margin:24px;background:#f4f4f6} video{background:#000}</style>
<video id="clip" src="/clip.webm" muted playsinline width="640" height="360"></video>`;

interface Sample {
  videoTimeS: number;
  label: string | null;
  probability: number | null;
}

describe.skipIf(skip !== null)('top emotion over a crying-then-laughing clip', () => {
  let servers: TestServers;
  let ext: ExtensionBrowser;
  let page: Page;

  beforeAll(async () => {
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    const clip = await webmOf(TALKING_VIDEO, 20);
    servers = await startServers();
    servers.pageRoutes['/clip.webm'] = { file: clip, type: 'video/webm' };
    servers.pageRoutes['/clip.html'] = { body: PAGE, type: 'text/html' };
    ext = await launchWithExtension();
    page = await ext.context.newPage();
  });

  afterAll(async () => {
    await ext?.close();
    await servers?.close();
  });

  it('shows sadness while she cries and happiness once she laughs', async () => {
    const pageUrl = `${servers.pageOrigin}/clip.html`;
    await page.goto(pageUrl);
    await page.waitForFunction(() => (document.getElementById('clip') as HTMLVideoElement).readyState >= 2);
    const tabId = await tabIdOf(ext.serviceWorker, page);

    await turnOverlayOn(ext, tabId, page);
    // The engine loads on the first frame: show the first picture until a face is on it, then play.
    await expect
      .poll(async () => (await describeOverlay(ext.serviceWorker, tabId)).overlays[0]?.faces.length ?? 0, {
        timeout: 45_000,
        interval: 250,
      })
      .toBeGreaterThan(0);
    await page.evaluate(() => (document.getElementById('clip') as HTMLVideoElement).play());

    const samples: Sample[] = [];
    for (;;) {
      const [snapshot, video] = await Promise.all([
        describeOverlay(ext.serviceWorker, tabId),
        page.evaluate(() => {
          const v = document.getElementById('clip') as HTMLVideoElement;
          return { time: v.currentTime, ended: v.ended };
        }),
      ]);
      const face = snapshot.overlays[0]?.faces[0];
      samples.push({
        videoTimeS: video.time,
        label: face?.label ?? null,
        probability: face?.probability ?? null,
      });
      if (video.ended) break;
      if (samples.length === 20)
        await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'emotion-crying.png') });
      await page.waitForTimeout(250);
    }
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'emotion-laughing.png') });
    await writeFile(
      path.join(ARTIFACTS_DIR, 'emotion-timeline.json'),
      `${JSON.stringify(samples, null, 1)}\n`,
    );

    const shareOf = (part: { from: number; to: number }, label: string) => {
      const inPart = samples.filter((s) => s.videoTimeS >= part.from && s.videoTimeS <= part.to);
      expect(inPart.length, `samples between ${part.from} s and ${part.to} s`).toBeGreaterThan(5);
      return inPart.filter((s) => s.label === label).length / inPart.length;
    };
    expect(shareOf(CRYING, 'sadness')).toBeGreaterThanOrEqual(MIN_SHARE);
    expect(shareOf(LAUGHING, 'happiness')).toBeGreaterThanOrEqual(MIN_SHARE);
    // Those labels came from the default classifier, the project's own.
    expect((await engineStatus(ext.serviceWorker)).classifierId).toBe(DEFAULT_CLASSIFIER);
  });

  it('lists the default classifier in the popup, beside face-api and mini-Xception', async () => {
    const tabId = await tabIdOf(ext.serviceWorker, page);
    const popup = await openPopup(ext, tabId);
    await popup.waitForSelector('.status[data-state="ready"]', { timeout: 60_000 });
    const options = await popup.$$eval('select[name="classifierId"] option', (list) =>
      list.map((o) => ({ value: (o as HTMLOptionElement).value, text: o.textContent ?? '' })),
    );
    expect(options[0]).toEqual({ value: '', text: `Default (${DEFAULT_CLASSIFIER})` });
    expect(options.slice(1).map((o) => o.value)).toEqual([
      DEFAULT_CLASSIFIER,
      'face-api-expression',
      'mini-xception',
    ]);
    await popup.screenshot({
      path: path.join(ARTIFACTS_DIR, 'popup-default-classifier.png'),
      fullPage: true,
    });
    await popup.close();
  });
});
