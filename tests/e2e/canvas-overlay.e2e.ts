/**
 * Live overlay on video drawn into a <canvas> (call clients, WebGL players), in real Chromium with the built
 * extension, on the page of helpers/canvas-page.ts: a 2D canvas, a WebGL canvas without
 * preserveDrawingBuffer and a 2x2 call grid in one canvas get boxes on their faces, the same top emotion
 * as the <video> path on the same frame, a timeline in the popup; a canvas tainted by a cross-origin video
 * gets the note and its snapshot boxes the face. Writes test-results/e2e/canvas-metrics.json (grab + encode
 * time per source, faceless frames, the page's own frame rate with the overlay off and on) and
 * screenshots canvas-overlay.png, canvas-snapshot.png, canvas-timeline.png.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FrameTiming } from '../../src/protocol/frames.ts';
import type { OverlaySnapshot } from '../../src/protocol/overlay.ts';
import {
  ARTIFACTS_DIR,
  e2eUnavailable,
  launchWithExtension,
  tabIdOf,
  type ExtensionBrowser,
} from './helpers/browser.ts';
import { canvasPageHtml } from './helpers/canvas-page.ts';
import {
  describeOverlay,
  engineStatus,
  openPopup,
  turnOverlayOn,
  waitFor,
} from './helpers/extension-calls.ts';
import { ffmpegMissing, missing, SHARED_DATA, TALKING_VIDEO, webmOf } from './helpers/shared-data.ts';
import { iou, normalised } from './helpers/overlay-geometry.ts';
import { startServers, type TestServers } from './helpers/servers.ts';

const SECOND_VIDEO = path.join(SHARED_DATA, 'video/pyfeat/single_face.mp4');
const skip = e2eUnavailable() ?? missing(TALKING_VIDEO, SECOND_VIDEO) ?? ffmpegMissing();
if (skip) console.warn(`Skipping canvas E2E: ${skip}`);

const WEBM = 'video/webm';
/** The same frame through the <video> path and a canvas: boxes this close (IoU, relative to the picture). */
const SAME_FRAME_MIN_IOU = 0.7;
/** Frames analysed on a canvas after the pause before comparing (smoothing and the label switch settle). */
const SETTLE_FRAMES = 15;

type Overlay = OverlaySnapshot['overlays'][number];
type Rect = { x: number; y: number; width: number; height: number };

const byId = (s: OverlaySnapshot, id: string) => s.overlays.find((o) => o.src === `canvas:#${id}`);
const refOf = (s: OverlaySnapshot) =>
  s.overlays.find((o) => o.kind === 'video' && o.src.endsWith('/talk.webm'));

const centre = (r: Rect) => ({ x: r.x + r.width / 2, y: r.y + r.height / 2 });
/** `r` in units of the overlay's picture (0..1). */
const inPicture = (r: Rect, o: Overlay): Rect => normalised(r, o.picture ?? o.rect);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? null : Math.round(s[Math.floor(s.length / 2)]! * 100) / 100;
};

/** The page's own animation frames per second over `ms` (what the capture costs the page shows here). */
async function pageFps(page: Page, ms: number): Promise<number> {
  const before = await page.evaluate('window.pageFrames');
  await page.waitForTimeout(ms);
  const after = await page.evaluate('window.pageFrames');
  return Math.round(((((after as number) - (before as number)) * 1000) / ms) * 10) / 10;
}

function frameCosts(frames: FrameTiming[] | undefined) {
  const done = (frames ?? []).filter((f) => f.encoding !== null);
  return {
    frames: done.length,
    encoding: done.at(-1)?.encoding ?? null,
    medianGrabEncodeMs: median(done.map((f) => f.encodeMs)),
    facelessFrames: done.filter((f) => f.faces === 0).length,
  };
}

describe.skipIf(skip !== null)('live overlay on canvases', () => {
  let servers: TestServers;
  let ext: ExtensionBrowser;
  let page: Page;
  let tabId: number;
  const metrics: Record<string, unknown> = {};

  beforeAll(async () => {
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    const [talk, second] = await Promise.all([webmOf(TALKING_VIDEO, 8), webmOf(SECOND_VIDEO, 3)]);
    servers = await startServers();
    servers.pageRoutes['/talk.webm'] = { file: talk, type: WEBM };
    servers.pageRoutes['/second.webm'] = { file: second, type: WEBM };
    servers.mediaRoutes['/talk.webm'] = { file: talk, type: WEBM };
    servers.pageRoutes['/canvas.html'] = {
      body: canvasPageHtml({
        talk: '/talk.webm',
        second: '/second.webm',
        remoteTalk: `${servers.mediaOrigin}/talk.webm`,
      }),
      type: 'text/html',
    };
    // The real window, not an emulated viewport: the snapshot captures the real window.
    ext = await launchWithExtension(['--window-size=1100,760'], { viewport: null });
    page = await ext.context.newPage();
    await page.goto(`${servers.pageOrigin}/canvas.html`);
    await page.waitForFunction('window.allVideos().every((v) => v.currentTime > 0.2 && !v.paused)');
    tabId = await tabIdOf(ext.serviceWorker, page);
  });

  afterAll(async () => {
    if (Object.keys(metrics).length > 0) {
      await writeFile(path.join(ARTIFACTS_DIR, 'canvas-metrics.json'), JSON.stringify(metrics, null, 2));
    }
    await ext?.close();
    await servers?.close();
  });

  it(
    'boxes the faces of a 2D canvas, a WebGL canvas and a call grid, and explains a tainted canvas',
    { timeout: 180_000 },
    async () => {
      const fpsOff = await pageFps(page, 3000);
      await turnOverlayOn(ext, tabId, page);
      const shown = await waitFor(
        () => describeOverlay(ext.serviceWorker, tabId),
        (s) =>
          (byId(s, 'c2d')?.faces.length ?? 0) >= 1 &&
          (byId(s, 'cgl')?.faces.length ?? 0) >= 1 &&
          (byId(s, 'grid')?.faces.length ?? 0) === 4 &&
          byId(s, 'tainted')?.noticeAction != null &&
          (refOf(s)?.faces.length ?? 0) >= 1,
        90_000,
        'boxes on the 2D, WebGL and grid canvases and the <video>, the note on the tainted canvas',
      );
      await page.waitForTimeout(4000); // a few seconds of frames for the costs below
      const fpsOn = await pageFps(page, 3000);
      const after = await describeOverlay(ext.serviceWorker, tabId);
      await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'canvas-overlay.png') });

      // One face each on the single-person canvases, on the picture.
      for (const id of ['c2d', 'cgl']) {
        const o = byId(after, id)!;
        expect(o.faces, id).toHaveLength(1);
        const c = centre(inPicture(o.faces[0]!.rect, o));
        expect(c.x, id).toBeGreaterThan(0.2);
        expect(c.x, id).toBeLessThan(0.8);
      }
      // The grid: a box per tile, each tracked on its own.
      const grid = byId(shown, 'grid')!;
      const quadrants = grid.faces.map((f) => {
        const c = centre(inPicture(f.rect, grid));
        return `${c.y < 0.5 ? 'top' : 'bottom'}-${c.x < 0.5 ? 'left' : 'right'}`;
      });
      expect(new Set(quadrants)).toEqual(new Set(['top-left', 'top-right', 'bottom-left', 'bottom-right']));
      const tainted = byId(shown, 'tainted')!;
      expect(tainted.notice).toMatch(/cannot read this canvas/);
      expect(tainted.faces).toHaveLength(0);

      // WebGL without preserveDrawingBuffer gives real pictures: its frames have the face as often as the
      // 2D canvas's and the <video>'s do (a blank frame has none).
      const costs = {
        video: frameCosts(refOf(after)?.frames),
        canvas2d: frameCosts(byId(after, 'c2d')?.frames),
        webgl: frameCosts(byId(after, 'cgl')?.frames),
        grid: frameCosts(byId(after, 'grid')?.frames),
      };
      Object.assign(metrics, {
        pageFps: { overlayOff: fpsOff, overlayOn: fpsOn },
        costs,
        engine: (await engineStatus(ext.serviceWorker)).stats,
      });
      console.info('Canvas E2E costs', JSON.stringify(metrics.pageFps), JSON.stringify(costs));
      expect(costs.webgl.frames).toBeGreaterThan(3);
      expect(costs.webgl.facelessFrames).toBeLessThanOrEqual(Math.max(1, costs.webgl.frames * 0.2));
      expect(costs.grid.frames).toBeGreaterThan(3);
    },
  );

  it(
    'gives the same box and top emotion on a canvas as on the <video> for the same frame',
    { timeout: 120_000 },
    async () => {
      await page.bringToFront();
      // Every video paused on the frame at 3 s; the page goes on redrawing its canvases with it.
      const pausedAt = await page.evaluate<number>('performance.timeOrigin + performance.now()');
      await page.evaluate(`Promise.all(window.allVideos().map((v) => {
        v.pause();
        const seeked = new Promise((resolve) => v.addEventListener('seeked', resolve, { once: true }));
        v.currentTime = 3;
        return seeked;
      }))`);
      const start = await describeOverlay(ext.serviceWorker, tabId);
      const shownAt = (s: OverlaySnapshot, id: string) => byId(s, id)?.framesShown ?? 0;
      // The <video>'s source analyses its paused picture once, after the seek: any frame grabbed after the
      // pause is of the new position (one grabbed mid-seek does not count as analysed: it is sent again).
      const refAnalysedPaused = (s: OverlaySnapshot) =>
        (refOf(s)?.frames ?? []).some((f) => f.capturedAtEpochMs > pausedAt && f.resultAtEpochMs > 0);
      await waitFor(
        async () => ({
          ...(await describeOverlay(ext.serviceWorker, tabId)),
          page: await page.evaluate(
            'JSON.stringify({ frames: window.pageFrames, hidden: document.hidden, videos: window.allVideos().map((v) => [v.paused, v.currentTime]) })',
          ),
        }),
        (s) =>
          shownAt(s, 'c2d') >= shownAt(start, 'c2d') + SETTLE_FRAMES &&
          shownAt(s, 'cgl') >= shownAt(start, 'cgl') + SETTLE_FRAMES &&
          refAnalysedPaused(s) &&
          (refOf(s)?.faces.length ?? 0) === 1,
        60_000,
        `${SETTLE_FRAMES} canvas frames of the paused picture and the <video>'s analysis of it`,
      );
      // A frame grabbed mid-seek (the old picture) is followed by the seeked one: give it time to land.
      await page.waitForTimeout(1500);
      const compare = await describeOverlay(ext.serviceWorker, tabId);
      const ref = refOf(compare)!;
      const refFace = ref.faces[0]!;
      const compared: Record<string, unknown> = { video: refFace.label };
      for (const id of ['c2d', 'cgl']) {
        const o = byId(compare, id)!;
        expect(o.faces, id).toHaveLength(1);
        const face = o.faces[0]!;
        const overlap = iou(inPicture(face.rect, o), inPicture(refFace.rect, ref));
        compared[id] = { label: face.label, iou: Math.round(overlap * 1000) / 1000 };
        expect(face.label, `${id}: top emotion`).toBe(refFace.label);
        expect(overlap, `${id}: box against the <video>'s`).toBeGreaterThan(SAME_FRAME_MIN_IOU);
      }
      metrics.sameFrame = compared;
      console.info('Same frame, canvas vs <video>', JSON.stringify(compared));
    },
  );

  it('shows the timeline of a canvas in the popup', { timeout: 90_000 }, async () => {
    const popup = await openPopup(ext, tabId);
    await page.bringToFront(); // a hidden tab draws no frames: the popup polls behind it
    const pick = popup.locator('[data-testid=timeline-video]');
    await pick.waitFor({ timeout: 15_000 });
    const names = await pick.locator('option').allTextContents();
    expect(names).toEqual(expect.arrayContaining(['2D canvas', 'WebGL canvas', 'Call grid']));
    await pick.selectOption('canvas:#c2d');
    const chart = popup.locator('[data-testid=timeline] svg.chart');
    await waitFor(
      async () => Number(await chart.getAttribute('data-points')),
      (points) => points >= 3,
      30_000,
      'three points on the 2D canvas timeline',
    );
    await popup.locator('main').screenshot({ path: path.join(ARTIFACTS_DIR, 'canvas-timeline.png') });
    await popup.close();
  });

  it('boxes the face of the tainted canvas from a screen snapshot', { timeout: 60_000 }, async () => {
    const before = await describeOverlay(ext.serviceWorker, tabId);
    const button = byId(before, 'tainted')!.noticeAction!;
    expect(button.label).toBe("Analyse what's on screen");
    await page.mouse.click(button.rect.x + button.rect.width / 2, button.rect.y + button.rect.height / 2);
    const shot = await waitFor(
      () => describeOverlay(ext.serviceWorker, tabId),
      (s) => /^Snapshot of the screen/.test(byId(s, 'tainted')?.notice ?? ''),
      30_000,
      'the snapshot result over the tainted canvas',
    );
    const tainted = byId(shot, 'tainted')!;
    expect(tainted.notice).toMatch(/1 face\. It does not follow the video\./);
    expect(tainted.faces).toHaveLength(1);
    // The same paused frame as the readable 2D canvas: the box lands where that one's does.
    const c2d = byId(shot, 'c2d')!;
    const overlap = iou(inPicture(tainted.faces[0]!.rect, tainted), inPicture(c2d.faces[0]!.rect, c2d));
    metrics.snapshotIou = Math.round(overlap * 1000) / 1000;
    expect(overlap).toBeGreaterThan(0.6);
    await page.waitForTimeout(500); // the boxes glide into place
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'canvas-snapshot.png') });
  });
});
