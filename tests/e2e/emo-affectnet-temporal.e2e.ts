/**
 * EMO-AffectNet's temporal mode end to end, as a user sets it up: on the options page the PyTorch-written
 * test checkpoints (seeded random weights, ../emo-affectnet/pytorch-fixtures.ts) are picked, first the
 * ResNet-50, then the LSTM below it; in the popup EMO-AffectNet is the classifier and "Smoothed over 2 s" is
 * switched on; a talking-head video then shows the LSTM's result over the face, marked with the time its
 * window covers. The engine strips the features from its replies, so the LSTM's exact input is not visible
 * here (the golden test checks the chain ResNet-50 -> LSTM against PyTorch to 3.4e-6): this test checks that
 * the smoothed probabilities are a distribution and differ from the per-frame ones of the same video. Last,
 * removing the ResNet-50 removes the LSTM too.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMOTIONS, type EmotionScores } from '../../src/ml/emotions.ts';
import type { OverlaySnapshot } from '../../src/protocol/overlay.ts';
import {
  CACHE_DIR,
  ENABLE,
  ensureLstmFixtures,
  HAVE_TORCH,
  IMAGE,
  LSTM_CACHE_DIR,
  PYTHON,
} from '../emo-affectnet/pytorch-fixtures.ts';
import {
  ARTIFACTS_DIR,
  e2eUnavailable,
  launchWithExtension,
  tabIdOf,
  type ExtensionBrowser,
} from './helpers/browser.ts';
import {
  clickToolbarButton,
  describeOverlay,
  engineStatus,
  openPopup,
  storeSettings,
  waitFor,
} from './helpers/extension-calls.ts';
import { ffmpegMissing, missing, TALKING_VIDEO, webmOf } from './helpers/shared-data.ts';
import { startServers, type TestServers } from './helpers/servers.ts';

const BUILD_TIMEOUT_MS = 240_000;
const WEBM = 'video/webm';

const skip =
  e2eUnavailable() ??
  (HAVE_TORCH ? null : `${PYTHON} cannot import torch and PIL (${ENABLE})`) ??
  (IMAGE ? null : 'no fixture image: ../shared/data is not here') ??
  missing(TALKING_VIDEO) ??
  ffmpegMissing();
if (skip) console.warn(`Skipping EMO-AffectNet temporal E2E: ${skip}`);

const PAGE = `<!doctype html><meta charset="utf-8"><title>Temporal test</title>
<style>body{margin:24px;background:#f4f4f6} video{background:#000;display:block}</style>
<video id="talk" src="/talk.webm" autoplay muted loop playsinline width="640" height="360"></video>`;

const faceOf = (s: OverlaySnapshot) => s.overlays.find((o) => o.kind === 'video')?.faces[0];

describe.skipIf(skip !== null)('EMO-AffectNet temporal mode ("smoothed over 2 s")', () => {
  let ext: ExtensionBrowser;
  let servers: TestServers;
  let options: Page;
  let optionsUrl: string;

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(ARTIFACTS_DIR, name), fullPage: true });

  beforeAll(async () => {
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    ensureLstmFixtures();
    servers = await startServers();
    servers.pageRoutes['/talk.webm'] = { file: await webmOf(TALKING_VIDEO, 8), type: WEBM };
    servers.pageRoutes['/talk.html'] = { body: PAGE, type: 'text/html' };
    ext = await launchWithExtension();
    options = await ext.context.newPage();
    optionsUrl = `chrome-extension://${ext.extensionId}/options.html`;
    await options.goto(optionsUrl);
    await options.waitForSelector('main[data-ready="true"]');
  }, 900_000);

  afterAll(async () => {
    await ext?.close();
    await servers?.close();
  });

  it(
    'installs the ResNet-50 and the LSTM, and shows the smoothed emotion over a video',
    async () => {
      // No temporal model section before the ResNet-50 is installed.
      expect(await options.$('[data-testid="emo-lstm"]')).toBeNull();
      await options.setInputFiles('input[name="model-file"]', path.join(CACHE_DIR, 'emo-affectnet-test.pt'));
      await options.waitForSelector('[data-testid="emo-installed"]', { timeout: BUILD_TIMEOUT_MS });
      const lstmText = (await options.textContent('[data-testid="emo-lstm"]')) ?? '';
      expect(lstmText).toContain('FER_dinamic_LSTM_<corpus>.pt');
      expect(lstmText).toContain('https://huggingface.co/ElenaRyumina/face_emotion_recognition');
      expect(lstmText).toMatch(/same terms \(scientific use\)/);

      // A wrong file: the ResNet-50 is not a temporal model.
      await options.setInputFiles('input[name="lstm-file"]', path.join(CACHE_DIR, 'emo-affectnet-test.pt'));
      await options.waitForSelector('[data-testid="lstm-error"]', { timeout: 60_000 });
      expect(await options.textContent('[data-testid="lstm-error"]')).toMatch(
        /^emo-affectnet-test\.pt was not installed: .*FER_dinamic_LSTM_<corpus>\.pt/,
      );
      const picked = Date.now();
      await options.setInputFiles(
        'input[name="lstm-file"]',
        path.join(LSTM_CACHE_DIR, 'emo-affectnet-lstm-test.pt'),
      );
      await options.waitForSelector('[data-testid="lstm-installed"]', { timeout: 60_000 });
      console.info(`[temporal e2e] LSTM pick -> installed: ${Date.now() - picked} ms`);
      expect(await options.textContent('[data-testid="lstm-source"]')).toContain(
        'emo-affectnet-lstm-test.pt',
      );
      expect(await options.textContent('[data-testid="lstm-size"]')).toMatch(/10 features at 5 fps \(2 s\)/);
      await shot(options, 'temporal-options-installed.png');

      // EMO-AffectNet as the classifier, no content-side smoothing: what is shown is what the engine sent.
      await storeSettings(ext.serviceWorker, { classifierId: 'emo-affectnet', smoothing: 0 });
      await ext.serviceWorker.evaluate(() =>
        (
          globalThis as unknown as { affectLensDebug: { engine: { ensure(): Promise<unknown> } } }
        ).affectLensDebug.engine.ensure(),
      );
      await waitFor(
        () => engineStatus(ext.serviceWorker),
        (s) => s.state === 'ready' && s.classifierId === 'emo-affectnet' && s.temporal.available,
        BUILD_TIMEOUT_MS,
        'the engine to load with emo-affectnet and its temporal model',
      );

      const pageUrl = `${servers.pageOrigin}/talk.html`;
      const page = await ext.context.newPage();
      await page.goto(pageUrl);
      await page.waitForFunction(() => document.querySelector('video')!.currentTime > 0.2);
      const tabId = await tabIdOf(ext.serviceWorker, page);

      // The popup's switch, enabled now that the engine has a temporal model.
      // A click on the toolbar button grants the tab (activeTab), then the popup's switch.
      await clickToolbarButton(ext, page);
      const popup = await openPopup(ext, tabId, 700);
      const toggle = popup.locator('input[name=temporalSmoothing]');
      await expect.poll(() => toggle.isEnabled(), { timeout: 30_000 }).toBe(true);
      await toggle.check();
      await popup.locator('input[name=overlay]').check();
      await waitFor(
        () => engineStatus(ext.serviceWorker),
        (s) => s.temporal.inUse,
        10_000,
        'the temporal mode in use',
      );
      await shot(popup, 'temporal-popup.png');
      await popup.close();
      await page.bringToFront();

      const smoothed = await waitFor(
        () => describeOverlay(ext.serviceWorker, tabId),
        (s) => faceOf(s)?.smoothedOver != null && Number.parseFloat(faceOf(s)!.smoothedOver!) >= 2,
        120_000,
        'a smoothed label whose window has filled',
      );
      const face = faceOf(smoothed)!;
      await shot(page, 'temporal-overlay.png');
      expect(face.smoothedOver).toMatch(/^\d+(\.\d)? s$/);
      const emotions = face.emotions!;
      const sum = EMOTIONS.reduce((a, e) => a + emotions[e], 0);
      expect(Math.abs(sum - 1)).toBeLessThan(1e-3);
      for (const e of EMOTIONS) expect(emotions[e]).toBeGreaterThanOrEqual(0);
      expect(face.label).toBe(EMOTIONS.reduce((a, e) => (emotions[e] > emotions[a] ? e : a)));
      const status = await engineStatus(ext.serviceWorker);
      console.info(
        `[temporal e2e] smoothed over ${face.smoothedOver}: ${face.label} ${face.probability.toFixed(3)}; ` +
          `analysed ${status.stats.analyzedFps.toFixed(1)} fps, ${status.stats.latencyMs.toFixed(0)} ms per frame on ${status.provider}`,
      );

      // "Show all 7": the bars are the LSTM's probabilities (for people to look at; the snapshot has them).
      await storeSettings(ext.serviceWorker, { showAllProbabilities: true });
      await waitFor(
        () => describeOverlay(ext.serviceWorker, tabId),
        (s) => faceOf(s)?.smoothedOver != null,
        30_000,
        'a smoothed label after the settings change',
      );
      await page.waitForTimeout(1000);
      await shot(page, 'temporal-overlay-all.png');

      // The same video per frame: the temporal mode off, the label without a span, other probabilities.
      await storeSettings(ext.serviceWorker, { temporalSmoothing: false });
      const perFrame = await waitFor(
        () => describeOverlay(ext.serviceWorker, tabId),
        (s) => faceOf(s) !== undefined && faceOf(s)!.smoothedOver === null,
        60_000,
        'a per-frame label',
      );
      const raw: EmotionScores = faceOf(perFrame)!.emotions!;
      const diff = Math.max(...EMOTIONS.map((e) => Math.abs(raw[e] - emotions[e])));
      console.info(`[temporal e2e] largest difference smoothed vs per-frame: ${diff.toFixed(3)}`);
      expect(diff).toBeGreaterThan(0.01);
      await page.close();
    },
    BUILD_TIMEOUT_MS * 3,
  );

  it('removes the temporal model with the ResNet-50', async () => {
    await options.bringToFront();
    await options.click('button:has-text("Remove (with the temporal model)")');
    await options.waitForSelector('input[name="model-file"]');
    expect(await options.$('[data-testid="emo-lstm"]')).toBeNull();
    const ids = await options.evaluate(async () => {
      const req = <T>(r: IDBRequest<T>) =>
        new Promise<T>((resolve, reject) => {
          r.onsuccess = () => resolve(r.result);
          r.onerror = () => reject(new Error(String(r.error)));
        });
      const db = await req(indexedDB.open('affect-lens-models'));
      const keys = await req(db.transaction('model-info').objectStore('model-info').getAllKeys());
      db.close();
      return keys.map(String);
    });
    expect(ids).toEqual([]);
    await shot(options, 'temporal-options-removed.png');
  });
});
