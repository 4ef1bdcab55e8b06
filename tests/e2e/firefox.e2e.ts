/**
 * The Firefox build (`npm run build:firefox`) in Debian's Firefox ESR: without a site granted the extension
 * sees nothing of a page; with it, the popup's "Always on for this site" (the popup opened as a tab,
 * `?tab=<id>`) switches the overlay on, a same-origin video (and a canvas the page draws it into) gets a box
 * around the face, and after a reload the box comes back with no click; the engine runs in the background
 * page (Firefox has no offscreen documents) on WebAssembly, single-threaded (extension pages are not
 * cross-origin isolated in Firefox); a right-clicked cross-origin image is analysed there too; and
 * Mozilla's addons-linter accepts the build. Screenshots land in test-results/e2e/.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineStatus } from '../../src/protocol/engine-status.ts';
import type { ImageResult, OverlaySnapshot } from '../../src/protocol/overlay.ts';
import { ARTIFACTS_DIR, REPO_ROOT } from './helpers/browser.ts';
import { waitFor } from './helpers/extension-calls.ts';
import {
  FIREFOX_EXTENSION_DIR,
  firefoxUnavailable,
  launchFirefoxWithExtension,
  waitForSelectorIn,
  type FirefoxWithExtension,
} from './helpers/firefox.ts';
import {
  annotatedFaceCounts,
  FACE_IMAGES,
  ffmpegMissing,
  missing,
  TALKING_VIDEO,
  webmOf,
} from './helpers/shared-data.ts';
import { startServers, typeOf, type TestServers } from './helpers/servers.ts';

const IMAGE = '2008_002506.jpg';
const skip = firefoxUnavailable() ?? missing(TALKING_VIDEO, path.join(FACE_IMAGES, IMAGE)) ?? ffmpegMissing();
if (skip) console.warn(`Skipping Firefox E2E: ${skip}`);

const TAG = 'affect-lens/1';

const VIDEO_PAGE = `<!doctype html><meta charset="utf-8"><title>Firefox video test</title>
<style>body{font:16px system-ui;margin:24px;background:#f4f4f6} video{background:#000;display:block}</style>
<h1>Video (same origin)</h1>
<video id="local" src="/talk.webm" autoplay muted loop playsinline width="640" height="360"></video>
<h1>The same video drawn into a canvas</h1>
<canvas id="drawn" width="640" height="360" style="width:320px;height:180px;display:block"></canvas>
<script>
const video = document.getElementById('local');
const ctx = document.getElementById('drawn').getContext('2d');
const draw = () => {
  if (video.readyState >= 2) ctx.drawImage(video, 0, 0, 640, 360);
  requestAnimationFrame(draw);
};
requestAnimationFrame(draw);
</script>`;

const imagePage = (src: string) => `<!doctype html><meta charset="utf-8"><title>Firefox image test</title>
<style>body{font:16px system-ui;margin:24px;background:#f4f4f6}</style>
<h1>A photo from another origin (no CORS)</h1>
<img id="photo" src="${src}" width="500" height="375" alt="three people">`;

/** What the background page itself says about where the engine runs (evaluated in an extension page). */
interface BackgroundFacts {
  /** The background document's path: Firefox generates one for `background.scripts`. */
  backgroundPath: string;
  crossOriginIsolated: boolean;
  status: EngineStatus;
}

/** The WebExtension globals of an extension page, for the evaluated functions. */
interface ExtensionPageGlobal {
  browser: {
    tabs: {
      query(q: object): Promise<{ id?: number; url?: string }[]>;
      sendMessage(tabId: number, message: unknown, options?: { frameId?: number }): Promise<unknown>;
    };
    runtime: { getBackgroundPage(): Promise<Window & DebugGlobal> };
  };
}
interface DebugGlobal {
  affectLensDebug: {
    engine: { status(): Promise<EngineStatus> };
    contextMenuClicked(info: object, tab: { id: number }): Promise<ImageResult | null>;
  };
}

function tabIdOf(extPage: Page, urlPrefix: string): Promise<number | null> {
  return extPage.evaluate(async (prefix) => {
    const tabs = await (globalThis as unknown as ExtensionPageGlobal).browser.tabs.query({});
    return tabs.find((t) => t.url?.startsWith(prefix))?.id ?? null;
  }, urlPrefix);
}

async function describeOverlay(extPage: Page, tabId: number): Promise<OverlaySnapshot> {
  const reply = await extPage.evaluate(
    (tabId, tag) =>
      (globalThis as unknown as ExtensionPageGlobal).browser.tabs.sendMessage(
        tabId,
        { tag, type: 'overlayDescribe' },
        { frameId: 0 },
      ),
    tabId,
    TAG,
  );
  const r = reply as { res?: OverlaySnapshot; err?: { message: string } };
  if (!r.res) throw new Error(`overlayDescribe failed: ${r.err?.message ?? JSON.stringify(reply)}`);
  return r.res;
}

function backgroundFacts(extPage: Page): Promise<BackgroundFacts> {
  return extPage.evaluate(async () => {
    const bg = await (globalThis as unknown as ExtensionPageGlobal).browser.runtime.getBackgroundPage();
    const status = await bg.affectLensDebug.engine.status();
    // A plain copy: the object belongs to the background page's compartment.
    return JSON.parse(
      JSON.stringify({
        backgroundPath: bg.location.pathname,
        crossOriginIsolated: bg.crossOriginIsolated,
        status,
      }),
    ) as BackgroundFacts;
  });
}

/** Runs the "Analyse emotions" context-menu handler in the background page, as a click on the image would. */
function clickAnalyzeEmotions(extPage: Page, tabId: number, srcUrl: string): Promise<ImageResult | null> {
  return extPage.evaluate(
    async (tabId, srcUrl) => {
      const bg = await (globalThis as unknown as ExtensionPageGlobal).browser.runtime.getBackgroundPage();
      const info = { menuItemId: 'affect-lens-analyze-image', srcUrl, frameId: 0, mediaType: 'image' };
      const result = await bg.affectLensDebug.contextMenuClicked(info, { id: tabId });
      return JSON.parse(JSON.stringify(result)) as ImageResult | null;
    },
    tabId,
    srcUrl,
  );
}

describe.skipIf(skip !== null)('Firefox build', () => {
  let servers: TestServers;
  let ff: FirefoxWithExtension;

  beforeAll(async () => {
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    const talk = await webmOf(TALKING_VIDEO, 8);
    servers = await startServers();
    servers.pageRoutes['/talk.webm'] = { file: talk, type: 'video/webm' };
    servers.pageRoutes['/video.html'] = { body: VIDEO_PAGE, type: 'text/html' };
    servers.mediaRoutes[`/${IMAGE}`] = {
      file: path.join(FACE_IMAGES, IMAGE),
      type: typeOf(IMAGE),
      headers: { 'access-control-allow-origin': '*' },
    };
    servers.pageRoutes['/image.html'] = {
      body: imagePage(`${servers.mediaOrigin}/${IMAGE}`),
      type: 'text/html',
    };
    ff = await launchFirefoxWithExtension();
  });

  afterAll(async () => {
    await ff?.close();
    await servers?.close();
  });

  it('boxes the face in a video, with the engine in the background page on wasm', async () => {
    const pageUrl = `${servers.pageOrigin}/video.html`;
    const page = await ff.browser.newPage();
    await page.goto(pageUrl);
    await page.waitForFunction(
      () => {
        const v = document.querySelector('video');
        return !!v && v.currentTime > 0.2 && !v.paused;
      },
      { timeout: 20_000 },
    );

    // Without a site granted, the extension sees neither the tab's URL nor the page.
    const probe = await ff.openExtensionPage('/popup.html');
    expect(await tabIdOf(probe, pageUrl), 'the URL of a tab not granted').toBeNull();
    // The site granted (Firefox's menu, or the popup opened on the tab), the popup's "Always on for
    // 127.0.0.1" switches the overlay on, now and on every later page of the site.
    await ff.allowSites([`${new URL(pageUrl).origin.replace(/:\d+$/, '')}/*`]);
    const tabId = await tabIdOf(probe, pageUrl);
    expect(tabId, `a tab for ${pageUrl}`).not.toBeNull();
    const popup = await ff.openExtensionPage(`/popup.html?tab=${tabId}`);
    await waitForSelectorIn(popup, 'main[data-ready=true]');
    await waitForSelectorIn(popup, 'input[name=always-on]:not([disabled])');
    await popup.click('input[name=always-on]');
    await waitForSelectorIn(popup, 'input[name=overlay]:checked');
    await page.bringToFront();

    const src = `${servers.pageOrigin}/talk.webm`;
    const shown = await waitFor(
      () => describeOverlay(probe, tabId!),
      (s) => (s.overlays.find((o) => o.src === src)?.faces.length ?? 0) > 0,
      60_000,
      'a face box on the video',
    );
    const video = shown.overlays.find((o) => o.src === src)!;
    expect(video.faces).toHaveLength(1);
    const face = video.faces[0]!;
    // A talking head: the box is inside the video and a sensible size.
    expect(face.rect.width).toBeGreaterThan(video.rect.width * 0.1);
    expect(face.rect.width).toBeLessThan(video.rect.width * 0.8);
    expect(face.rect.x).toBeGreaterThanOrEqual(video.rect.x - 1);
    expect(face.rect.y).toBeGreaterThanOrEqual(video.rect.y - 1);
    expect(face.rect.x + face.rect.width).toBeLessThanOrEqual(video.rect.x + video.rect.width + 1);

    // The canvas the page draws the video into gets its box too (its capture stream, as in Chrome).
    const drawn = await waitFor(
      () => describeOverlay(probe, tabId!),
      (s) => (s.overlays.find((o) => o.src === 'canvas:#drawn')?.faces.length ?? 0) > 0,
      60_000,
      'a face box on the canvas',
    );
    const canvas = drawn.overlays.find((o) => o.src === 'canvas:#drawn')!;
    expect(canvas.faces).toHaveLength(1);
    expect(canvas.faces[0]!.rect.x).toBeGreaterThanOrEqual(canvas.rect.x - 1);
    expect(canvas.faces[0]!.rect.x + canvas.faces[0]!.rect.width).toBeLessThanOrEqual(
      canvas.rect.x + canvas.rect.width + 1,
    );

    const facts = await backgroundFacts(probe);
    const { state, provider, providerNote, stats } = facts.status;
    console.info(
      'Firefox engine:',
      JSON.stringify({ ...facts, status: { state, provider, providerNote, stats } }),
    );
    // Firefox generates the background page for `background.scripts`; no offscreen document exists.
    expect(facts.backgroundPath).toMatch(/background/);
    expect(facts.crossOriginIsolated).toBe(false);
    expect(facts.status.state).toBe('ready');
    expect(facts.status.provider).toBe('wasm');
    expect(facts.status.stats.framesAnalyzed).toBeGreaterThan(0);

    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'firefox-video-overlay.png') });
    await popup.bringToFront();
    await popup.screenshot({ path: path.join(ARTIFACTS_DIR, 'firefox-popup.png'), fullPage: true });

    // Always on: a reload of the page brings the boxes back with no click at all (the registered script).
    await page.bringToFront();
    await page.reload();
    await waitFor(
      () => describeOverlay(probe, tabId!),
      (s) => s.enabled && (s.overlays.find((o) => o.src === src)?.faces.length ?? 0) > 0,
      60_000,
      'a face box after the reload, with no click',
    );
  });

  it('analyses a right-clicked cross-origin image in the background page', async () => {
    const pageUrl = `${servers.pageOrigin}/image.html`;
    const srcUrl = `${servers.mediaOrigin}/${IMAGE}`;
    const page = await ff.browser.newPage();
    await page.goto(pageUrl);
    await page.waitForFunction(() => (document.getElementById('photo') as HTMLImageElement).complete);
    const probe = await ff.openExtensionPage('/popup.html');
    await ff.allowSites([`${new URL(pageUrl).origin.replace(/:\d+$/, '')}/*`]);
    const tabId = await tabIdOf(probe, pageUrl);
    expect(tabId, `a tab for ${pageUrl}`).not.toBeNull();

    // The page cannot read this image's pixels (no crossorigin attribute). A real click on the menu grants
    // the tab (activeTab), and the page script would read it from a capture of the tab; automation cannot
    // click Firefox's menus, so without that grant the capture is refused and the image, which its server
    // allows cross-origin (CORS), is downloaded again without cookies; the background page's engine
    // analyses it either way.
    await page.bringToFront();
    const result = await clickAnalyzeEmotions(probe, tabId!, srcUrl);
    expect(result?.state, JSON.stringify(result)).toBe('done');
    expect(result?.state === 'done' && result.route).toBe('download');
    const download = servers.requests.find(
      (r) => r.origin === 'media' && r.path === `/${IMAGE}` && r.headers.origin,
    );
    expect(download, 'the page script downloaded the image (a CORS request)').toBeDefined();
    expect(download?.headers.cookie, 'no cookie sent').toBeUndefined();
    expect(download?.headers.referer, 'no referrer sent').toBeUndefined();
    if (result?.state !== 'done') return;
    expect(result.analysis.faces).toHaveLength((await annotatedFaceCounts()).get(IMAGE)!);
    const shown = await waitFor(
      () => describeOverlay(probe, tabId!),
      (s) => (s.overlays.find((o) => o.src === srcUrl)?.faces.length ?? 0) > 0,
      10_000,
      'the boxes over the image',
    );
    expect(shown.overlays.find((o) => o.src === srcUrl)?.faces).toHaveLength(result.analysis.faces.length);
    await page.bringToFront();
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'firefox-image.png') });
  });
});

/**
 * Mozilla's addons-linter (through web-ext) on the Firefox build: no errors, and no warnings beyond these,
 * each in third-party code the extension ships as is.
 */
const ACCEPTED_LINT_WARNINGS: AcceptedWarning[] = [
  // Preact's DOM diff (the `dangerouslySetInnerHTML` branch, which no component of ours uses), in whichever
  // chunk Vite puts Preact (the popup's, or one shared with the options page).
  {
    code: 'UNSAFE_VAR_ASSIGNMENT',
    file: /^chunks\/[\w-]+\.js$/,
    message: /innerHTML/,
    contains: 'dangerouslySetInnerHTML',
  },
  // onnxruntime-web importing its own runtime (.mjs) from wasmPaths, i.e. /ort/ inside the package: in its
  // own chunks (ort.min for WebGPU, ort.wasm.min for wasm: src/runtime/ort-backend.ts imports them on demand).
  {
    code: 'UNSAFE_VAR_ASSIGNMENT',
    file: /^chunks\/(extension-engine|ort\.min|ort\.wasm\.min)-[\w-]+\.js$/,
    message: /import/,
  },
  // Emscripten's embind in onnxruntime-web's runtime; never reached on the wasm path (the extension CSP
  // has no 'unsafe-eval', so it would throw, and the E2E runs would fail).
  { code: 'DANGEROUS_EVAL', file: /^ort\/ort-wasm-simd-threaded\.jsep\.mjs$/, message: /Function/ },
];

interface AcceptedWarning {
  code: string;
  file: RegExp;
  message: RegExp;
  /** Text the flagged file must contain (what shows the warning is the known third-party code). */
  contains?: string;
}

interface LintMessage {
  code: string;
  file?: string;
  message: string;
}

const noFirefoxBuild = existsSync(path.join(FIREFOX_EXTENSION_DIR, 'manifest.json'))
  ? null
  : 'No Firefox build: run `npm run build:firefox`';

describe.skipIf(noFirefoxBuild !== null)('Firefox build, linted', () => {
  it('passes addons-linter with only the known third-party warnings', { timeout: 180_000 }, async () => {
    const webExt = path.join(REPO_ROOT, 'node_modules/.bin/web-ext');
    const { stdout } = await promisify(execFile)(
      webExt,
      ['lint', '--source-dir', FIREFOX_EXTENSION_DIR, '--output', 'json', '--no-config-discovery'],
      { maxBuffer: 16 * 1024 * 1024 },
    ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    const report = JSON.parse(stdout) as { errors: LintMessage[]; warnings: LintMessage[] };
    const show = (m: LintMessage) => `${m.code} in ${m.file ?? 'the package'}: ${m.message}`;
    expect(report.errors.map(show)).toEqual([]);
    const unexpected = report.warnings.filter(
      (w) =>
        !ACCEPTED_LINT_WARNINGS.some(
          (a) =>
            a.code === w.code &&
            a.file.test(w.file ?? '') &&
            a.message.test(w.message) &&
            (a.contains === undefined ||
              readFileSync(path.join(FIREFOX_EXTENSION_DIR, w.file ?? ''), 'utf8').includes(a.contains)),
        ),
    );
    expect(unexpected.map(show)).toEqual([]);
  });
});
