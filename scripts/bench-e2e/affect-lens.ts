/**
 * Affect Lens on the clip, in a fresh browser: the video's dropped frames without the overlay, the popup's
 * toggle cold (first ever) and warm (off, then on again) to the first box drawn, then analysis until `minutes`
 * after the first result: per-frame timings from the content script (overlay snapshots) from 30 s on, the
 * video's dropped frames with the overlay, and the offscreen document's memory at 30 s and at the end; then
 * the same timings for a while with the other frame encoding, for a side-by-side comparison.
 */
import type { EngineStatus } from '../../src/protocol/engine-status.ts';
import type { FrameEncoding, FrameTiming } from '../../src/protocol/frames.ts';
import type { ExtensionBrowser } from '../../tests/e2e/helpers/browser.ts';
import { checkEngineIdle, engineStatus, storeSettings } from '../../tests/e2e/helpers/extension-calls.ts';
import { type ColdStep, watchEngineSteps } from './cold-runs.ts';
import { openOursPage, type OursPage } from './ours-page.ts';
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

export async function measureAffectLens(
  ext: ExtensionBrowser,
  pageUrl: string,
  videoSrc: string,
  options: AffectLensOptions,
  log: (line: string) => void,
  /** Marks the start of a measured phase (for the load average beside each number). */
  phase: (name: string) => void,
): Promise<{ result: AffectLensResult; ours: OursPage }> {
  const sw = ext.serviceWorker;
  const ours = await openOursPage(ext, pageUrl, videoSrc);
  const { page, toggle, firstDrawn, quality, epochNow } = ours;
  if (options.maxFps !== undefined) await storeSettings(sw, { maxFps: options.maxFps });
  if (options.encoding !== undefined) await storeSettings(sw, { frameEncoding: options.encoding });

  log(`video: ${options.baselineSeconds} s without the overlay`);
  phase('baseline');
  const q0 = await quality();
  await page.waitForTimeout(options.baselineSeconds * 1000);
  const droppedWithout = droppedBetween(q0, await quality());

  phase('cold');
  // The engine's own account of its cold start, polled until the first box is drawn.
  const steps = watchEngineSteps(sw);
  const coldAt = await toggle(true);
  const cold = await firstDrawn(coldAt);
  const coldSteps = await steps.stop(coldAt);
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
  await page.waitForTimeout(Math.max(0, engineUpAt + 30_000 - (await epochNow())));
  phase('steady');
  const at30s = await measureMemory(offscreen);
  log(`memory at 30 s: ${(at30s.userAgentSpecificBytes ?? at30s.jsHeapUsedBytes) / 2 ** 20} MiB`);
  const collectFrames = (name: string, since: number, until: number) =>
    ours.collectFrames(since, until, (line) => log(`${name}: ${line}`));
  const steadyStart = await epochNow();
  const q1 = await quality();
  const frames = await collectFrames('steady', steadyStart, endAt);
  const steadyEnd = await epochNow();
  const droppedWith = droppedBetween(q1, await quality());
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
    const since = await epochNow();
    const otherFrames = (
      await collectFrames(`with ${encoding}`, since, since + options.compareSeconds * 1000)
    ).filter((f) => f.encoding === encoding);
    other = { encoding, seconds: ((await epochNow()) - since) / 1000, frames: otherFrames };
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
  const result: AffectLensResult = {
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
  return { result, ours };
}
