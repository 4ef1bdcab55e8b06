/**
 * Affect Lens on the clip, in a fresh browser: the video's dropped frames without the overlay, the popup's
 * toggle cold (first ever) and warm (off, then on again) to the first box drawn, then analysis until `minutes`
 * after the first result: per-frame timings from the content script (overlay snapshots) from 30 s on, the
 * video's dropped frames with the overlay, and the offscreen document's memory at 30 s and at the end; then
 * the same timings for a while with the other frame encoding, for a side-by-side comparison.
 */
import type { Page } from 'playwright-core';
import type { EngineStatus } from '../../src/protocol/engine-status.ts';
import type { FrameEncoding, FrameTiming } from '../../src/protocol/frames.ts';
import { tabIdOf, type ExtensionBrowser } from '../../tests/e2e/helpers/browser.ts';
import {
  clickToolbarButton,
  checkEngineIdle,
  describeOverlay,
  engineStatus,
  storeSettings,
  waitFor,
} from '../../tests/e2e/helpers/extension-calls.ts';
import { DEFAULT_SETTINGS } from '../../src/settings/schema.ts';
import { droppedBetween } from './stats.ts';
import { attachToTarget, measureMemory, type TargetMemory } from './target-session.ts';

export interface AffectLensOptions {
  minutes: number;
  baselineSeconds: number;
  /** Overrides the stored maxFps setting; undefined keeps the extension's default. */
  maxFps: number | undefined;
  /** Overrides the stored frameEncoding setting; undefined keeps the extension's default. */
  encoding: FrameEncoding | undefined;
  /** After the steady run, this long with the other frame encoding (rgba, or vp8 if the run used rgba); 0: none. */
  compareSeconds: number;
}

/** A step of the engine's cold start as its status described it, ms after the toggle click. */
export interface ColdStep {
  atMs: number;
  state: EngineStatus['state'];
  detail: string;
}

export interface AffectLensResult {
  /**
   * Toggle click in the popup to the first box drawn around a face, ms: cold (the extension's first start),
   * warm (off, then on again), and `unloaded`: on again after the engine was unloaded (as after 5 idle
   * minutes, or as after a browser restart but with the browser itself up), the runtime now in Cache Storage.
   */
  firstResultMs: { cold: number; warm: number; unloaded: number };
  /** The engine status's steps during the cold start (polled every ~100 ms from the service worker). */
  coldSteps: ColdStep[];
  steadySeconds: number;
  frames: FrameTiming[];
  droppedWithout: ReturnType<typeof droppedBetween>;
  droppedWith: ReturnType<typeof droppedBetween>;
  /** Read after a forced garbage collection, 30 s and `endSeconds` after the first result. */
  memory: { at30s: TargetMemory; atEnd: TargetMemory; endSeconds: number };
  status: EngineStatus;
  /** The steady run's encoding, and frames of the same clip right after it with another encoding. */
  encodings: {
    steady: FrameEncoding;
    other: { encoding: FrameEncoding; seconds: number; frames: FrameTiming[] } | null;
  };
}

const epochNow = (page: Page) => page.evaluate(() => performance.timeOrigin + performance.now());

const quality = (page: Page) =>
  page.evaluate(() => {
    const q = (document.getElementById('clip') as HTMLVideoElement).getVideoPlaybackQuality();
    return {
      totalVideoFrames: q.totalVideoFrames,
      droppedVideoFrames: q.droppedVideoFrames,
    };
  });

export async function measureAffectLens(
  ext: ExtensionBrowser,
  pageUrl: string,
  videoSrc: string,
  options: AffectLensOptions,
  log: (line: string) => void,
  /** Marks the start of a measured phase (for the load average beside each number). */
  phase: (name: string) => void,
): Promise<AffectLensResult> {
  const sw = ext.serviceWorker;
  const page = await ext.context.newPage();
  await page.goto(pageUrl);
  await page.waitForFunction(() => {
    const v = document.getElementById('clip') as HTMLVideoElement | null;
    return !!v && v.currentTime > 0.2 && !v.paused;
  });
  const tabId = await tabIdOf(sw, page);
  if (options.maxFps !== undefined) await storeSettings(sw, { maxFps: options.maxFps });
  if (options.encoding !== undefined) await storeSettings(sw, { frameEncoding: options.encoding });

  log(`video: ${options.baselineSeconds} s without the overlay`);
  phase('baseline');
  const q0 = await quality(page);
  await page.waitForTimeout(options.baselineSeconds * 1000);
  const droppedWithout = droppedBetween(q0, await quality(page));

  /** Clicks the popup's toggle (as a user would) and returns the click's time; the video tab is then in front. */
  const toggle = async (on: boolean): Promise<number> => {
    // The toolbar button first, as a user clicks it: it grants the tab (activeTab) and opens the popup.
    await clickToolbarButton(ext, page);
    const popup = await ext.context.newPage();
    await popup.goto(`chrome-extension://${ext.extensionId}/popup.html?tab=${tabId}`);
    await popup.locator('main[data-ready=true]').waitFor({ timeout: 30_000 });
    const input = popup.locator('input[name=overlay]');
    await waitFor(() => input.isEnabled(), Boolean, 30_000, 'the popup toggle to be enabled');
    if ((await input.isChecked()) === on) throw new Error(`The overlay is already ${on ? 'on' : 'off'}`);
    const clickedAt = await popup.evaluate(() => {
      const at = performance.timeOrigin + performance.now();
      document.querySelector<HTMLInputElement>('input[name=overlay]')!.click();
      return at;
    });
    await page.bringToFront();
    await waitFor(
      () => describeOverlay(sw, tabId),
      (s) => s.enabled === on,
      30_000,
      `overlay ${on}`,
    );
    await popup.close();
    return clickedAt;
  };

  /** The first frame captured after `since` whose box was drawn: its drawing time minus `since`. */
  const firstDrawn = async (since: number): Promise<number> => {
    const snapshot = await waitFor(
      () => describeOverlay(sw, tabId),
      (s) =>
        s.overlays.some((o) =>
          o.frames?.some((f) => f.capturedAtEpochMs >= since && f.drawnAtEpochMs !== null && f.faces > 0),
        ),
      120_000,
      'the first box drawn after the toggle',
    );
    const drawn = snapshot.overlays
      .flatMap((o) => o.frames ?? [])
      .filter((f) => f.capturedAtEpochMs >= since && f.drawnAtEpochMs !== null && f.faces > 0)
      .map((f) => f.drawnAtEpochMs!);
    return Math.min(...drawn) - since;
  };

  phase('cold');
  // The engine's own account of its cold start, polled until the first box is drawn.
  const coldSteps: ColdStep[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const status = await engineStatus(sw).catch(() => null);
      const last = coldSteps.at(-1);
      if (status && (last?.detail !== status.detail || last.state !== status.state)) {
        coldSteps.push({ atMs: Date.now(), state: status.state, detail: status.detail });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const coldAt = await toggle(true);
  const cold = await firstDrawn(coldAt);
  polling = false;
  await poller;
  // Node's wall clock and the browser's epoch clock are the same machine's: steps become ms after the click.
  for (const step of coldSteps) step.atMs -= coldAt;
  log(`cold toggle: first box after ${Math.round(cold)} ms`);
  await page.waitForTimeout(3000);
  phase('idle');
  await toggle(false);
  await page.waitForTimeout(2000);
  phase('warm');
  const warmAt = await toggle(true);
  const warm = await firstDrawn(warmAt);
  log(`warm toggle: first box after ${Math.round(warm)} ms`);
  phase('idle');

  const cdp = await ext.context.newCDPSession(page);
  const offscreen = await attachToTarget(
    cdp,
    (t) => t.url.startsWith(`chrome-extension://${ext.extensionId}/`) && t.url.includes('offscreen'),
  );

  // Steady state: from 30 s after the first result to `minutes` after it (loading can take long when busy).
  const engineUpAt = coldAt + cold;
  const endAt = engineUpAt + options.minutes * 60_000;
  await page.waitForTimeout(Math.max(0, engineUpAt + 30_000 - (await epochNow(page))));
  phase('steady');
  const at30s = await measureMemory(offscreen);
  log(`memory at 30 s: ${(at30s.userAgentSpecificBytes ?? at30s.jsHeapUsedBytes) / 2 ** 20} MiB`);
  const src = new URL(videoSrc, pageUrl).href;
  /** The frames captured from `since` until `until` (epoch ms), from overlay snapshots taken every second. */
  const collectFrames = async (name: string, since: number, until: number): Promise<FrameTiming[]> => {
    const frames = new Map<number, FrameTiming>();
    let lastLog = since;
    for (;;) {
      const now = await epochNow(page);
      if (now >= until) break;
      const snapshot = await describeOverlay(sw, tabId).catch(() => null);
      for (const f of snapshot?.overlays.find((o) => o.src === src)?.frames ?? []) {
        // Later snapshots of a frame carry its drawing time: the newest copy wins.
        if (f.capturedAtEpochMs >= since) frames.set(f.seq, f);
      }
      if (now - lastLog > 30_000) {
        lastLog = now;
        log(`${name}: ${frames.size} frames in ${Math.round((now - since) / 1000)} s`);
      }
      await page.waitForTimeout(Math.min(1000, Math.max(0, until - now)));
    }
    return [...frames.values()].sort((a, b) => a.seq - b.seq);
  };
  const steadyStart = await epochNow(page);
  const q1 = await quality(page);
  const frames = await collectFrames('steady', steadyStart, endAt);
  const steadyEnd = await epochNow(page);
  const droppedWith = droppedBetween(q1, await quality(page));
  phase('idle');
  const status = await engineStatus(sw);
  const atEnd = await measureMemory(offscreen);
  await offscreen.detach();

  const steadyEncoding = options.encoding ?? DEFAULT_SETTINGS.frameEncoding;
  let other: AffectLensResult['encodings']['other'] = null;
  if (options.compareSeconds > 0) {
    const encoding: FrameEncoding = steadyEncoding === 'rgba' ? 'vp8' : 'rgba';
    phase('compare');
    await storeSettings(sw, { frameEncoding: encoding });
    // The encoding applies from the next frame grabbed.
    await page.waitForTimeout(2000);
    const since = await epochNow(page);
    const otherFrames = (
      await collectFrames(`with ${encoding}`, since, since + options.compareSeconds * 1000)
    ).filter((f) => f.encoding === encoding);
    other = { encoding, seconds: ((await epochNow(page)) - since) / 1000, frames: otherFrames };
    log(`with ${encoding} frames: ${otherFrames.length} frames in ${Math.round(other.seconds)} s`);
    await storeSettings(sw, { frameEncoding: steadyEncoding });
  }

  phase('idle');
  await toggle(false);
  if (!(await checkEngineIdle(sw, 0))) throw new Error('The engine could not be unloaded (still loading?)');
  await page.waitForTimeout(2000);
  phase('unloaded');
  const unloadedAt = await toggle(true);
  const unloaded = await firstDrawn(unloadedAt);
  log(`toggle after the engine was unloaded: first box after ${Math.round(unloaded)} ms`);
  phase('idle');
  await page.close();
  return {
    firstResultMs: { cold, warm, unloaded },
    coldSteps,
    steadySeconds: (steadyEnd - steadyStart) / 1000,
    frames,
    droppedWithout,
    droppedWith,
    memory: { at30s, atEnd, endSeconds: (steadyEnd - engineUpAt) / 1000 },
    status,
    encodings: { steady: steadyEncoding, other },
  };
}
