/**
 * The peer, @vladmandic/human, on the same clip in the same browser: a page that loads human's ESM build and
 * its models from node_modules (served by the local test server, never copied), on its wasm backend,
 * configured as ../shared/ENVIRONMENT.md says so that it runs its detector and emotion model on every frame.
 * Like our content script it analyses the newest presented frame (requestVideoFrameCallback), one at a time,
 * and draws a box in the next animation frame; the page records per frame the capture time, detect() time
 * and drawing time.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { Route, TestServers } from '../../tests/e2e/helpers/servers.ts';
import { clipVideo, type ClipVideo } from './clip-video.ts';
import { HUMAN_DIR, humanTfjsVersion, tfjsWasmDir } from './tfjs-wasm.ts';

/**
 * Human's configuration: detector and emotion on every frame, nothing else (../shared/ENVIRONMENT.md), for up
 * to `maxFaces` faces (peerConfig).
 */
export const PEER_CONFIG = {
  backend: 'wasm',
  wasmPath: '/tfjs-wasm/',
  modelBasePath: '/human/models/',
  debug: false,
  cacheSensitivity: 0,
  face: {
    enabled: true,
    detector: { skipFrames: 0, skipTime: 0, rotation: false, maxDetected: 1 },
    emotion: { enabled: true, skipFrames: 0, skipTime: 0 },
    mesh: { enabled: false },
    iris: { enabled: false },
    description: { enabled: false },
    antispoof: { enabled: false },
    liveness: { enabled: false },
    attention: { enabled: false },
  },
  body: { enabled: false },
  hand: { enabled: false },
  object: { enabled: false },
  gesture: { enabled: false },
  segmentation: { enabled: false },
} as const;

/** PEER_CONFIG for up to `maxFaces` faces a frame. */
export function peerConfig(maxFaces: number) {
  return {
    ...PEER_CONFIG,
    face: { ...PEER_CONFIG.face, detector: { ...PEER_CONFIG.face.detector, maxDetected: maxFaces } },
  };
}

export interface PeerFrame {
  capturedAtMs: number;
  detectMs: number;
  drawnAtMs: number | null;
  faces: number;
}

/** What the page exposes as `window.peerBench` (times: performance.now(), ms since navigation start). */
interface PeerState {
  error: string | null;
  backend: string | null;
  loadStartMs: number | null;
  loadEndMs: number | null;
  firstResultMs: number | null;
  /** tfjs-wasm's thread count (getThreadsCount()); null before the backend is up. */
  threads: number | null;
  frames: PeerFrame[];
}

export interface PeerPageOptions {
  videoSrc: string;
  /** The video element's CSS size (the same as our page's). */
  width: number;
  height: number;
  maxFaces: number;
}

function peerPage({ videoSrc, width, height, maxFaces }: PeerPageOptions): string {
  return `<!doctype html><meta charset="utf-8"><title>Peer: @vladmandic/human</title>
<style>body{margin:24px;background:#f4f4f6} #wrap{position:relative;width:${width}px;height:${height}px}
video{display:block;background:#000} .box{position:absolute;border:2px solid #0a0;color:#0a0;font:14px system-ui}</style>
<div id="wrap"><video id="clip" src="${videoSrc}" autoplay muted loop playsinline width="${width}" height="${height}"></video></div>
<script type="module">
import { Human } from '/human/human.esm.js';
const state = (window.peerBench = { error: null, backend: null, loadStartMs: null, loadEndMs: null, firstResultMs: null, threads: null, frames: [] });
try {
  const human = new Human(${JSON.stringify(peerConfig(maxFaces))});
  const video = document.getElementById('clip');
  const wrap = document.getElementById('wrap');
  const boxes = [];
  state.loadStartMs = performance.now();
  await human.load();
  state.backend = human.tf.getBackend();
  await human.tf.ready();
  state.threads = state.backend === 'wasm' ? human.tf.getThreadsCount() : null;
  state.loadEndMs = performance.now();
  const onFrame = async () => {
    const capturedAtMs = performance.now();
    try {
      const result = await human.detect(video);
      const record = { capturedAtMs, detectMs: performance.now() - capturedAtMs, drawnAtMs: null, faces: result.face.length };
      state.frames.push(record);
      requestAnimationFrame(() => {
        const sx = video.clientWidth / video.videoWidth;
        const sy = video.clientHeight / video.videoHeight;
        result.face.forEach((face, i) => {
          const box = (boxes[i] ??= wrap.appendChild(document.createElement('div')));
          box.className = 'box';
          const [x, y, w, h] = face.box;
          Object.assign(box.style, { display: 'block', left: x * sx + 'px', top: y * sy + 'px', width: w * sx + 'px', height: h * sy + 'px' });
          box.textContent = face.emotion?.[0]?.emotion ?? '';
        });
        for (const box of boxes.slice(result.face.length)) box.style.display = 'none';
        record.drawnAtMs = performance.now();
        if (result.face.length > 0 && state.firstResultMs === null) state.firstResultMs = record.drawnAtMs;
      });
    } catch (e) {
      state.error = String(e);
      return;
    }
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
} catch (e) {
  state.error = String(e && e.stack || e);
}
</script>`;
}

const JS = 'text/javascript';

/**
 * The headers that make a page cross-origin isolated (SharedArrayBuffer, hence tfjs-wasm threads): the peer
 * at its best. Everything it loads is same-origin, so COEP require-corp blocks nothing.
 */
const ISOLATED = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** Adds the peer's library, models and wasm files to the page server (once), and a page at `pagePath`. */
export async function servePeer(
  servers: TestServers,
  pagePath: string,
  options: PeerPageOptions,
): Promise<string> {
  const routes = servers.pageRoutes;
  const add = (path: string, route: Omit<Route, 'headers'>) => {
    routes[path] = { ...route, headers: ISOLATED };
  };
  if (!routes['/human/human.esm.js']) {
    add('/human/human.esm.js', { file: path.join(HUMAN_DIR, 'dist/human.esm.js'), type: JS });
    const models = path.join(HUMAN_DIR, 'models');
    for (const file of await readdir(models)) {
      const type = file.endsWith('.json') ? 'application/json' : 'application/octet-stream';
      add(`/human/models/${file}`, { file: path.join(models, file), type });
    }
    const wasm = await tfjsWasmDir();
    for (const file of await readdir(wasm)) {
      if (file.endsWith('.wasm'))
        add(`/tfjs-wasm/${file}`, { file: path.join(wasm, file), type: 'application/wasm' });
      if (file.endsWith('.worker.js')) add(`/tfjs-wasm/${file}`, { file: path.join(wasm, file), type: JS });
    }
  }
  add(pagePath, { body: peerPage(options), type: 'text/html' });
  return `${servers.pageOrigin}${pagePath}`;
}

export interface PeerInfo {
  version: string;
  tfjsVersion: string;
  backend: string | null;
  crossOriginIsolated: boolean;
  /** tfjs-wasm's thread count in that page (its default for it). */
  threads: number | null;
}

/** The peer's page, loaded and analysing, for blocks of measurement. */
export interface PeerPage extends ClipVideo {
  readonly page: Page;
  readonly info: PeerInfo;
  /** Navigation start to the first box drawn around a face, ms: cold (first load) and warm (reload). */
  readonly firstResultMs: { cold: number; warm: number };
  /** Waits `seconds`, then returns the frames captured meanwhile (the page's own record). */
  collect: (seconds: number) => Promise<{ frames: PeerFrame[]; seconds: number }>;
}

async function firstResult(page: Page): Promise<PeerState> {
  await page.waitForFunction(
    () => {
      const s = (window as unknown as { peerBench?: PeerState }).peerBench;
      return !!s && (s.error !== null || s.firstResultMs !== null);
    },
    undefined,
    { timeout: 120_000, polling: 100 },
  );
  const state = await page.evaluate(() => (window as unknown as { peerBench: PeerState }).peerBench);
  if (state.error) throw new Error(`The peer page failed: ${state.error}`);
  return state;
}

/**
 * Opens the peer's page: a cold load (the browser's first of it) and a warm reload, each to its first box;
 * the page then keeps analysing while its video plays.
 */
export async function openPeerPage(
  context: BrowserContext,
  url: string,
  log: (line: string) => void,
  /** Marks the start of a measured phase (for the load average beside each number). */
  phase: (name: string) => void,
  prefix = 'peer',
): Promise<PeerPage> {
  const page = await context.newPage();
  phase(`${prefix}-cold`);
  await page.goto(url);
  const cold = await firstResult(page);
  phase('idle');
  await page.waitForTimeout(1000);
  phase(`${prefix}-warm`);
  await page.reload();
  const warm = await firstResult(page);
  phase('idle');
  const isolated = await page.evaluate(() => crossOriginIsolated);
  log(
    `${prefix}: first result ${Math.round(cold.firstResultMs!)} ms after navigation, ${Math.round(warm.firstResultMs!)} ms on reload (${warm.backend}, ${warm.threads ?? '?'} thread(s), ${isolated ? '' : 'not '}isolated)`,
  );
  const pkg = (await import(path.join(HUMAN_DIR, 'package.json'), { with: { type: 'json' } })) as {
    default: { version: string };
  };
  return {
    page,
    info: {
      version: pkg.default.version,
      tfjsVersion: await humanTfjsVersion(),
      backend: warm.backend,
      crossOriginIsolated: isolated,
      threads: warm.threads,
    },
    firstResultMs: { cold: cold.firstResultMs!, warm: warm.firstResultMs! },
    ...clipVideo(page),
    async collect(seconds) {
      const start = await page.evaluate(() => performance.now());
      await page.waitForTimeout(seconds * 1000);
      // A frame still being analysed at the end is left out (its drawing time is not known yet).
      return page.evaluate((start) => {
        const end = performance.now();
        const all = (window as unknown as { peerBench: PeerState }).peerBench.frames;
        const frames = all.filter((f) => f.capturedAtMs >= start && f.drawnAtMs !== null);
        (window as unknown as { peerBench: PeerState }).peerBench.frames = [];
        return { frames, seconds: (end - start) / 1000 };
      }, start);
    },
  };
}
