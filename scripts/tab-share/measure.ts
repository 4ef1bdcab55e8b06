/**
 * `npm run measure:tabs [-- --seconds S]`: how the engine is shared between tabs (issue 17). Tab A shows
 * twelve copies of the talking-head clip, tab B one, each in a window of its own (both visible, as two
 * windows side by side); the overlay is on in both. Prints the analysed frames/s of each tab over S seconds
 * (from what each tab's overlay drew) and B's share. AFFECT_LENS_EXTENSION_DIR measures another build (e.g.
 * an earlier commit's .output/chrome-mv3) the same way. Needs ../shared/data and ffmpeg.
 */
import { parseArgs } from 'node:util';
import {
  e2eUnavailable,
  EXTENSION_DIR,
  launchWithExtension,
  tabIdOf,
} from '../../tests/e2e/helpers/browser.ts';
import { describeOverlay, turnOverlayOn } from '../../tests/e2e/helpers/extension-calls.ts';
import { startServers } from '../../tests/e2e/helpers/servers.ts';
import { ffmpegMissing, missing, TALKING_VIDEO, webmOf } from '../../tests/e2e/helpers/shared-data.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '20' } } });
const seconds = Number(values.seconds);

const unavailable = e2eUnavailable() ?? missing(TALKING_VIDEO) ?? ffmpegMissing();
if (unavailable) {
  console.log(`measure:tabs: skipped (${unavailable})`);
  process.exit(0);
}

const video = (i: number) =>
  `<video src="/clip.webm?${i}" muted loop playsinline autoplay width="240" height="135"></video>`;
const page = (title: string, n: number) => `<!doctype html><meta charset="utf-8"><title>${title}</title>
<style>body{margin:4px} div{display:grid;grid-template-columns:repeat(4,240px);gap:4px}</style>
<div>${Array.from({ length: n }, (_, i) => video(i)).join('')}</div>`;

const servers = await startServers();
servers.pageRoutes['/clip.webm'] = { file: await webmOf(TALKING_VIDEO, 20), type: 'video/webm' };
servers.pageRoutes['/a.html'] = { body: page('Tab A: twelve videos', 12), type: 'text/html' };
servers.pageRoutes['/b.html'] = { body: page('Tab B: one video', 1), type: 'text/html' };
const ext = await launchWithExtension();
try {
  const a = await ext.context.newPage();
  await a.goto(`${servers.pageOrigin}/a.html`);
  const tabA = await tabIdOf(ext.serviceWorker, a);
  await turnOverlayOn(ext, tabA, a);
  // Tab B in a window of its own: a second tab in A's window would hide A.
  const opened = ext.context.waitForEvent('page');
  await ext.serviceWorker.evaluate(
    (url) =>
      (
        globalThis as unknown as { chrome: { windows: { create(o: object): Promise<unknown> } } }
      ).chrome.windows.create({
        url,
        width: 1000,
        height: 700,
      }),
    `${servers.pageOrigin}/b.html`,
  );
  const b = await opened;
  await b.waitForLoadState();
  const tabB = await tabIdOf(ext.serviceWorker, b);
  await turnOverlayOn(ext, tabB, b);
  await b.waitForTimeout(5000);
  const drawn = async (tabId: number) =>
    (await describeOverlay(ext.serviceWorker, tabId)).overlays.reduce((n, o) => n + (o.framesShown ?? 0), 0);
  const [a0, b0] = [await drawn(tabA), await drawn(tabB)];
  const started = Date.now();
  await b.waitForTimeout(seconds * 1000);
  const [a1, b1] = [await drawn(tabA), await drawn(tabB)];
  const s = (Date.now() - started) / 1000;
  const fpsA = (a1 - a0) / s;
  const fpsB = (b1 - b0) / s;
  console.log(
    `${EXTENSION_DIR}: tab A (12 videos) ${fpsA.toFixed(1)} frames/s in all, tab B (1 video) ${fpsB.toFixed(1)} frames/s; ` +
      `B's share ${((100 * fpsB) / (fpsA + fpsB)).toFixed(0)}%`,
  );
} finally {
  await ext.close();
  await servers.close();
}
