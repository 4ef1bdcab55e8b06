/**
 * One clip's page with Affect Lens on it, driven as a user drives it: the toolbar button and the popup's
 * toggle. Also what the bench reads there: the overlay's per-frame timings (content script snapshots), the
 * video's playback quality, and play/pause (a paused video is analysed once, then left alone: that is how
 * a block of the other side gets the machine to itself).
 */
import type { Page } from 'playwright-core';
import type { FrameTiming } from '../../src/protocol/frames.ts';
import { tabIdOf, type ExtensionBrowser } from '../../tests/e2e/helpers/browser.ts';
import {
  clickToolbarButton,
  describeOverlay,
  openPopup,
  waitFor,
} from '../../tests/e2e/helpers/extension-calls.ts';
import { clipVideo, type ClipVideo } from './clip-video.ts';

export interface OursPage extends ClipVideo {
  readonly page: Page;
  readonly tabId: number;
  /** Clicks the toolbar button, then the popup's toggle; returns the toggle click's epoch time, ms. */
  toggle: (on: boolean) => Promise<number>;
  /** The epoch time of the last toggle()'s toolbar button click (the popup opening), ms. */
  readonly buttonAt: number;
  /** The first frame captured after `since` (epoch ms) whose box was drawn: its drawing time minus `since`. */
  firstDrawn: (since: number) => Promise<number>;
  /** The frames captured from `since` until `until` (epoch ms), from overlay snapshots taken every second. */
  collectFrames: (since: number, until: number, log?: (line: string) => void) => Promise<FrameTiming[]>;
  /** The popup for this tab, left open (as a user watching the live state). */
  openPopup: () => Promise<Page>;
  epochNow: () => Promise<number>;
}

/** The page of `pageUrl` holding `<video id="clip" src="{videoSrc}">`, once its video plays. */
export async function openOursPage(
  ext: ExtensionBrowser,
  pageUrl: string,
  videoSrc: string,
): Promise<OursPage> {
  const sw = ext.serviceWorker;
  const page = await ext.context.newPage();
  await page.goto(pageUrl);
  await page.waitForFunction(() => {
    const v = document.getElementById('clip') as HTMLVideoElement | null;
    return !!v && v.currentTime > 0.2 && !v.paused;
  });
  const tabId = await tabIdOf(sw, page);
  const src = new URL(videoSrc, pageUrl).href;
  const epochNow = () => page.evaluate(() => performance.timeOrigin + performance.now());

  let buttonAt = Number.NaN;
  return {
    page,
    tabId,
    epochNow,
    get buttonAt() {
      return buttonAt;
    },
    ...clipVideo(page),
    openPopup: async () => {
      const popup = await openPopup(ext, tabId);
      await page.bringToFront();
      return popup;
    },

    async toggle(on) {
      // The toolbar button first, as a user clicks it: it grants the tab (activeTab) and opens the popup.
      buttonAt = await epochNow();
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
    },

    async firstDrawn(since) {
      const drawnAfter = (f: FrameTiming) =>
        f.capturedAtEpochMs >= since && f.drawnAtEpochMs !== null && f.faces > 0;
      const snapshot = await waitFor(
        () => describeOverlay(sw, tabId),
        (s) => s.overlays.some((o) => o.frames?.some(drawnAfter)),
        120_000,
        'the first box drawn after the toggle',
      );
      const drawn = snapshot.overlays
        .flatMap((o) => o.frames ?? [])
        .filter(drawnAfter)
        .map((f) => f.drawnAtEpochMs!);
      return Math.min(...drawn) - since;
    },

    async collectFrames(since, until, log) {
      const frames = new Map<number, FrameTiming>();
      const take = async () => {
        const snapshot = await describeOverlay(sw, tabId).catch(() => null);
        for (const f of snapshot?.overlays.find((o) => o.src === src)?.frames ?? []) {
          // Later snapshots of a frame carry its drawing time: the newest copy wins.
          if (f.capturedAtEpochMs >= since && f.capturedAtEpochMs < until) frames.set(f.seq, f);
        }
      };
      let lastLog = since;
      for (;;) {
        const now = await epochNow();
        if (now >= until) break;
        await take();
        if (log && now - lastLog > 30_000) {
          lastLog = now;
          log(`${frames.size} frames in ${Math.round((now - since) / 1000)} s`);
        }
        await page.waitForTimeout(Math.min(1000, Math.max(0, until - now)));
      }
      // The frames of the last second, analysed or drawn after the last snapshot.
      await page.waitForTimeout(300);
      await take();
      return [...frames.values()].sort((a, b) => a.seq - b.seq);
    },
  };
}
