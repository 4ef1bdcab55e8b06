/**
 * `npm run measure:popup [-- --rounds N --seconds S]`: what an open popup costs a running overlay (issue 13).
 * The built extension (`npm run build` first) in headless Chromium, the talking-head clip looping with the
 * overlay on; then alternating blocks of S seconds with the popup closed and open (in a window of its own,
 * as Chrome shows it, its polling and chart running), N rounds, so load drift hits both alike. Prints the analysed frames/s of each block and the ratio
 * open / closed. Needs ../shared/data and ffmpeg (the clip is converted to WebM); says so and stops without.
 */
import { parseArgs } from 'node:util';
import { e2eUnavailable, launchWithExtension, tabIdOf } from '../../tests/e2e/helpers/browser.ts';
import { engineStatus, turnOverlayOn } from '../../tests/e2e/helpers/extension-calls.ts';
import { startServers } from '../../tests/e2e/helpers/servers.ts';
import { ffmpegMissing, missing, TALKING_VIDEO, webmOf } from '../../tests/e2e/helpers/shared-data.ts';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '10' } },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);

const unavailable = e2eUnavailable() ?? missing(TALKING_VIDEO) ?? ffmpegMissing();
if (unavailable) {
  console.log(`measure:popup: skipped (${unavailable})`);
  process.exit(0);
}

interface ChromeWindows {
  windows: {
    create(options: object): Promise<{ id: number }>;
    remove(id: number): Promise<void>;
  };
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>Popup cost</title>
<video id="clip" src="/clip.webm" muted loop playsinline autoplay width="640" height="360"></video>`;

const servers = await startServers();
servers.pageRoutes['/clip.webm'] = { file: await webmOf(TALKING_VIDEO, 20), type: 'video/webm' };
servers.pageRoutes['/clip.html'] = { body: PAGE, type: 'text/html' };
const ext = await launchWithExtension();
try {
  const page = await ext.context.newPage();
  const url = `${servers.pageOrigin}/clip.html`;
  await page.goto(url);
  const tabId = await tabIdOf(ext.serviceWorker, page);
  await turnOverlayOn(ext, tabId, page);
  await page.waitForTimeout(5000);
  const block = async (): Promise<number> => {
    const before = (await engineStatus(ext.serviceWorker)).stats.framesAnalyzed;
    const started = Date.now();
    await page.waitForTimeout(seconds * 1000);
    const after = (await engineStatus(ext.serviceWorker)).stats.framesAnalyzed;
    return (after - before) / ((Date.now() - started) / 1000);
  };
  const closed: number[] = [];
  const open: number[] = [];
  for (let r = 0; r < rounds; r++) {
    closed.push(await block());
    // The popup in a window of its own, as Chrome shows it: the video's tab stays visible (a second tab in
    // the same window would hide it, and the browser would throttle its video instead).
    const windowId = await ext.serviceWorker.evaluate(
      async ({ url }) => {
        const chrome = (globalThis as unknown as { chrome: ChromeWindows }).chrome;
        return (await chrome.windows.create({ url, type: 'popup', width: 360, height: 600 })).id;
      },
      { url: `chrome-extension://${ext.extensionId}/popup.html?tab=${tabId}` },
    );
    await page.waitForTimeout(1000);
    open.push(await block());
    await ext.serviceWorker.evaluate(
      (id) => (globalThis as unknown as { chrome: ChromeWindows }).chrome.windows.remove(id),
      windowId,
    );
    console.log(
      `round ${r + 1}: closed ${closed.at(-1)!.toFixed(1)} fps, open ${open.at(-1)!.toFixed(1)} fps`,
    );
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(
    `analysed frames/s, mean of ${rounds} rounds of ${seconds} s: popup closed ${mean(closed).toFixed(1)}, ` +
      `open ${mean(open).toFixed(1)} (open / closed ${(mean(open) / mean(closed)).toFixed(2)})`,
  );
} finally {
  await ext.close();
  await servers.close();
}
