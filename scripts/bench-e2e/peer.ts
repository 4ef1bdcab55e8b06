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
import type { BrowserContext } from 'playwright-core';
import type { TestServers } from '../../tests/e2e/helpers/servers.ts';
import { droppedBetween } from './stats.ts';
import { HUMAN_DIR, humanTfjsVersion, tfjsWasmDir } from './tfjs-wasm.ts';

/** Human's configuration: detector and emotion on every frame, nothing else (../shared/ENVIRONMENT.md). */
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
  frames: PeerFrame[];
}

function peerPage(videoSrc: string): string {
  return `<!doctype html><meta charset="utf-8"><title>Peer: @vladmandic/human</title>
<style>body{margin:24px;background:#f4f4f6} #wrap{position:relative;width:640px;height:360px}
video{display:block;background:#000} #box{position:absolute;border:2px solid #0a0;display:none;color:#0a0;font:14px system-ui}</style>
<div id="wrap"><video id="clip" src="${videoSrc}" autoplay muted loop playsinline width="640" height="360"></video><div id="box"></div></div>
<script type="module">
import { Human } from '/human/human.esm.js';
const state = (window.peerBench = { error: null, backend: null, loadStartMs: null, loadEndMs: null, firstResultMs: null, frames: [] });
try {
  const human = new Human(${JSON.stringify(PEER_CONFIG)});
  const video = document.getElementById('clip');
  const box = document.getElementById('box');
  state.loadStartMs = performance.now();
  await human.load();
  state.backend = human.tf.getBackend();
  state.loadEndMs = performance.now();
  const onFrame = async () => {
    const capturedAtMs = performance.now();
    try {
      const result = await human.detect(video);
      const record = { capturedAtMs, detectMs: performance.now() - capturedAtMs, drawnAtMs: null, faces: result.face.length };
      state.frames.push(record);
      requestAnimationFrame(() => {
        const face = result.face[0];
        if (face) {
          const [x, y, w, h] = face.box;
          const sx = video.clientWidth / video.videoWidth;
          const sy = video.clientHeight / video.videoHeight;
          Object.assign(box.style, { display: 'block', left: x * sx + 'px', top: y * sy + 'px', width: w * sx + 'px', height: h * sy + 'px' });
          box.textContent = face.emotion?.[0]?.emotion ?? '';
        } else box.style.display = 'none';
        record.drawnAtMs = performance.now();
        if (face && state.firstResultMs === null) state.firstResultMs = record.drawnAtMs;
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

/** Adds the peer's page, library, models and wasm files to the page server. */
export async function servePeer(servers: TestServers, videoPath: string): Promise<string> {
  const routes = servers.pageRoutes;
  routes['/human/human.esm.js'] = { file: path.join(HUMAN_DIR, 'dist/human.esm.js'), type: JS };
  const models = path.join(HUMAN_DIR, 'models');
  for (const file of await readdir(models)) {
    const type = file.endsWith('.json') ? 'application/json' : 'application/octet-stream';
    routes[`/human/models/${file}`] = { file: path.join(models, file), type };
  }
  const wasm = await tfjsWasmDir();
  for (const file of await readdir(wasm)) {
    if (file.endsWith('.wasm'))
      routes[`/tfjs-wasm/${file}`] = { file: path.join(wasm, file), type: 'application/wasm' };
  }
  routes['/peer.html'] = { body: peerPage(videoPath), type: 'text/html' };
  return `${servers.pageOrigin}/peer.html`;
}

export interface PeerResult {
  version: string;
  tfjsVersion: string;
  backend: string | null;
  crossOriginIsolated: boolean;
  /** Navigation start to the first box drawn around a face, ms: cold (first load) and warm (reload). */
  firstResultMs: { cold: number; warm: number };
  /** human.load() start to the first box drawn, ms. */
  firstResultAfterLoadCallMs: { cold: number; warm: number };
  seconds: number;
  frames: PeerFrame[];
  dropped: ReturnType<typeof droppedBetween>;
}

const quality = (page: import('playwright-core').Page) =>
  page.evaluate(() => {
    const q = (document.getElementById('clip') as HTMLVideoElement).getVideoPlaybackQuality();
    return {
      totalVideoFrames: q.totalVideoFrames,
      droppedVideoFrames: q.droppedVideoFrames,
    };
  });

async function firstResult(page: import('playwright-core').Page): Promise<PeerState> {
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

/** Cold load, `seconds` of analysis (frames and the video's dropped frames), then a warm reload. */
export async function measurePeer(
  context: BrowserContext,
  url: string,
  seconds: number,
  log: (line: string) => void,
  /** Marks the start of a measured phase (for the load average beside each number). */
  phase: (name: string) => void,
): Promise<PeerResult> {
  const page = await context.newPage();
  try {
    phase('peer-cold');
    await page.goto(url);
    const cold = await firstResult(page);
    log(`peer: first result ${Math.round(cold.firstResultMs!)} ms after navigation (${cold.backend})`);
    phase('idle');
    await page.waitForTimeout(2000);
    phase('peer-steady');
    const before = await quality(page);
    const start = await page.evaluate(() => {
      const s = (window as unknown as { peerBench: PeerState }).peerBench;
      s.frames = [];
      return performance.now();
    });
    await page.waitForTimeout(seconds * 1000);
    const after = await quality(page);
    const { frames, end, isolated } = await page.evaluate(() => ({
      frames: (window as unknown as { peerBench: PeerState }).peerBench.frames,
      end: performance.now(),
      isolated: crossOriginIsolated,
    }));
    phase('peer-warm');
    await page.reload();
    const warm = await firstResult(page);
    phase('idle');
    log(`peer: warm reload, first result ${Math.round(warm.firstResultMs!)} ms after navigation`);
    const pkg = (await import(path.join(HUMAN_DIR, 'package.json'), { with: { type: 'json' } })) as {
      default: { version: string };
    };
    return {
      version: pkg.default.version,
      tfjsVersion: await humanTfjsVersion(),
      backend: cold.backend,
      crossOriginIsolated: isolated,
      firstResultMs: { cold: cold.firstResultMs!, warm: warm.firstResultMs! },
      firstResultAfterLoadCallMs: {
        cold: cold.firstResultMs! - cold.loadStartMs!,
        warm: warm.firstResultMs! - warm.loadStartMs!,
      },
      seconds: (end - start) / 1000,
      frames,
      dropped: droppedBetween(before, after),
    };
  } finally {
    await page.close();
  }
}
