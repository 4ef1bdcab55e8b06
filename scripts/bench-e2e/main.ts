/**
 * `npm run bench:e2e [-- options]`: Affect Lens against its strongest peer, @vladmandic/human, in headless
 * Chromium (../shared/ENVIRONMENT.md), in one browser: a steady run on the talking-head clip (cold and warm
 * start, memory, dropped frames), then interleaved blocks of every pairing (Affect Lens at 1 and 2 wasm
 * threads, with the popup open, the peer cross-origin isolated; one face and a 2x2 grid of four), then fresh
 * browsers for the cold start. Prints the tables and writes everything, per-frame samples included, and a PNG
 * chart of the per-frame time distributions to test-results/bench/. Measures only: nothing here passes or
 * fails on a number.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { defaultWasmThreads } from '../../src/runtime/wasm-threads.ts';
import { e2eUnavailable, launchWithExtension, REPO_ROOT } from '../../tests/e2e/helpers/browser.ts';
import {
  ffmpegMissing,
  gridWebmOf,
  missing,
  SELFIE_VIDEO,
  TALKING_VIDEO,
  webmOf,
} from '../../tests/e2e/helpers/shared-data.ts';
import { startServers } from '../../tests/e2e/helpers/servers.ts';
import { measureAffectLens } from './affect-lens.ts';
import { runBlocks, type Pairing } from './blocks.ts';
import { distributionChart } from './chart.ts';
import { measureColdRuns } from './cold-runs.ts';
import { startCpuSampler } from './cpu-sampler.ts';
import { startLoadSampler } from './load-sampler.ts';
import { openOursPage } from './ours-page.ts';
import { openPeerPage, servePeer } from './peer.ts';
import { buildReport, formatReport } from './report.ts';

const USAGE = `npm run bench:e2e -- [--minutes N] [--rounds N] [--block-seconds S] [--cold-runs N]
                         [--baseline-seconds S] [--max-fps N] [--encoding vp8|jpeg|rgba] [--compare-seconds S]
                         [--small-face] [--no-build]
  --minutes N           how long the steady run lasts after the first result, minutes (default 5); its
                        figures come from 30 s on; the offscreen document's memory is read at 30 s and at the end
  --rounds N            rounds of interleaved blocks, every pairing once a round (default 3)
  --block-seconds S     how long each block measures (default 20), after 4 s to settle
  --cold-runs N         fresh browsers for the cold start, each toggled cold, warm and after an unload (default 9;
                        0: none)
  --baseline-seconds S  the video alone, for its dropped frames and CPU without the overlay (default 20)
  --max-fps N           the extension's maxFps setting for the run (default: the extension's default)
  --encoding E          the extension's frameEncoding setting for the run (default: the extension's default)
  --compare-seconds S   after the steady run, this long with the other encoding (rgba, or vp8 after an rgba
                        run), printed side by side (default 30; 0: none)
  --small-face          the one-face clip shrunk to a quarter inside its 640x360 frame: the face is small, so
                        the engine asks for larger frames (for transport measurements)
  --no-build            use the existing .output/chrome-mv3 instead of running \`wxt build\``;

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    'block-seconds': { type: 'string', default: '20' },
    'cold-runs': { type: 'string', default: '9' },
    'baseline-seconds': { type: 'string', default: '20' },
    'max-fps': { type: 'string' },
    encoding: { type: 'string' },
    'compare-seconds': { type: 'string', default: '30' },
    'small-face': { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const positive = (name: string, raw: string): number => {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`--${name}: expected a positive number, got ${JSON.stringify(raw)}\n\n${USAGE}`);
    process.exit(2);
  }
  return n;
};
const minutes = positive('minutes', values.minutes);
const rounds = Math.round(positive('rounds', values.rounds));
const blockSeconds = positive('block-seconds', values['block-seconds']);
const settleSeconds = 4;
const coldRunCount = Number(values['cold-runs']);
if (!Number.isInteger(coldRunCount) || coldRunCount < 0) {
  console.error(`--cold-runs: expected 0 or more, got ${JSON.stringify(values['cold-runs'])}\n\n${USAGE}`);
  process.exit(2);
}
const baselineSeconds = positive('baseline-seconds', values['baseline-seconds']);
const maxFps = values['max-fps'] === undefined ? undefined : positive('max-fps', values['max-fps']);
const encoding = values.encoding;
if (encoding !== undefined && encoding !== 'vp8' && encoding !== 'jpeg' && encoding !== 'rgba') {
  console.error(`--encoding: expected vp8, jpeg or rgba, got ${JSON.stringify(encoding)}\n\n${USAGE}`);
  process.exit(2);
}
const compareSeconds = Number(values['compare-seconds']);
if (!Number.isFinite(compareSeconds) || compareSeconds < 0) {
  console.error(
    `--compare-seconds: expected 0 or more, got ${JSON.stringify(values['compare-seconds'])}\n\n${USAGE}`,
  );
  process.exit(2);
}
if (minutes * 60 < 35) {
  console.error('--minutes: at least 0.6 (the first memory reading is 30 s after the toggle)');
  process.exit(2);
}

const started = Date.now();
const log = (line: string) =>
  console.error(
    `[bench:e2e ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s, load ${os.loadavg()[0]!.toFixed(1)}] ${line}`,
  );

const unavailable = missing(TALKING_VIDEO, SELFIE_VIDEO) ?? ffmpegMissing();
if (unavailable) {
  console.error(`bench:e2e cannot run: ${unavailable}`);
  process.exit(1);
}
if (!values['no-build']) {
  log('building the extension (wxt build)');
  await promisify(execFile)('npx', ['wxt', 'build'], { cwd: REPO_ROOT });
}
const noBrowser = e2eUnavailable();
if (noBrowser) {
  console.error(`bench:e2e cannot run: ${noBrowser}`);
  process.exit(1);
}

log('making the WebM clips (one face; a 2x2 grid of four)');
const clip = await webmOf(TALKING_VIDEO, 20, values['small-face'] ? 4 : 1);
const gridClip = await gridWebmOf(TALKING_VIDEO, SELFIE_VIDEO, 20);
const servers = await startServers();
const videoPage = (title: string, src: string, width: number, height: number) => ({
  type: 'text/html',
  body: `<!doctype html><meta charset="utf-8"><title>${title}</title>
<style>body{margin:24px;background:#f4f4f6} video{display:block;background:#000}</style>
<video id="clip" src="${src}" autoplay muted loop playsinline width="${width}" height="${height}"></video>`,
});
servers.pageRoutes['/talk.webm'] = { file: clip, type: 'video/webm' };
servers.pageRoutes['/grid.webm'] = { file: gridClip, type: 'video/webm' };
servers.pageRoutes['/talk.html'] = videoPage('Talking head', '/talk.webm', 640, 360);
servers.pageRoutes['/grid.html'] = videoPage('Call grid', '/grid.webm', 960, 540);
const peerOneUrl = await servePeer(servers, '/peer.html', {
  videoSrc: '/talk.webm',
  width: 640,
  height: 360,
  maxFaces: 1,
});
const peerFourUrl = await servePeer(servers, '/peer-grid.html', {
  videoSrc: '/grid.webm',
  width: 960,
  height: 540,
  maxFaces: 4,
});
const talkUrl = `${servers.pageOrigin}/talk.html`;

// The pairings: Affect Lens at 1 and 2 threads and at this machine's default (its rule), the popup open at
// the default, the peer; one face and four.
const cpus = os.cpus().length;
const defaultThreads = defaultWasmThreads(cpus);
const threadCounts = [...new Set([1, 2, defaultThreads])].sort((a, b) => a - b);
const threadLabel = (n: number) =>
  `${n} thread${n === 1 ? '' : 's'}${n === defaultThreads ? ' (default)' : ''}`;
const pairings: Pairing[] = [
  ...threadCounts.map((n): Pairing => ({
    id: `ours-${n}t`,
    label: `Affect Lens, ${threadLabel(n)}`,
    side: 'ours',
    faces: 1,
    wasmThreads: n,
  })),
  {
    id: 'ours-popup',
    label: `Affect Lens, ${threadLabel(defaultThreads)}, popup open`,
    side: 'ours',
    faces: 1,
    wasmThreads: defaultThreads,
    popup: true,
  },
  { id: 'peer', label: 'peer', side: 'peer', faces: 1 },
  ...threadCounts.map((n): Pairing => ({
    id: `ours-4f-${n}t`,
    label: `Affect Lens, ${threadLabel(n)}, 4 faces`,
    side: 'ours',
    faces: 4,
    wasmThreads: n,
  })),
  { id: 'peer-4f', label: 'peer, 4 faces', side: 'peer', faces: 4 },
];
const defaultPairing = `ours-${defaultThreads}t`;

const load = startLoadSampler();
// Eager memory measurement: measureUserAgentSpecificMemory() otherwise waits for a garbage collection.
const ext = await launchWithExtension(['--enable-blink-features=ForceEagerMeasureMemory']);
const cpu = startCpuSampler(ext.profileDir);
if (!cpu) log('the browser CPU time cannot be read here (no /proc): its rows stay empty');
const mark = (name: string) => {
  load.mark(name);
  cpu?.mark(name);
};
let closed = false;
try {
  const chromium =
    ext.context.browser()?.version() ?? (await ext.serviceWorker.evaluate(() => navigator.userAgent));
  log(`Chromium: ${chromium}`);
  const { result: ours, ours: oursOne } = await measureAffectLens(
    ext,
    talkUrl,
    '/talk.webm',
    { minutes, baselineSeconds, maxFps, encoding, compareSeconds },
    log,
    mark,
  );
  log(`Affect Lens: ${ours.frames.length} frames in ${ours.steadySeconds.toFixed(0)} s; now the other pages`);
  await oursOne.pause();
  const oursFour = await openOursPage(ext, `${servers.pageOrigin}/grid.html`, '/grid.webm');
  await oursFour.firstDrawn(await oursFour.toggle(true));
  await oursFour.pause();
  const peerOne = await openPeerPage(ext.context, peerOneUrl, log, mark, 'peer');
  await peerOne.pause();
  const peerFour = await openPeerPage(ext.context, peerFourUrl, log, mark, 'peer-4f');
  await peerFour.pause();

  log(`interleaved blocks: ${pairings.length} pairings x ${rounds} rounds x ${blockSeconds} s`);
  const blocks = await runBlocks({
    sw: ext.serviceWorker,
    pages: {
      ours: new Map([
        [1, oursOne],
        [4, oursFour],
      ]),
      peer: new Map([
        [1, peerOne],
        [4, peerFour],
      ]),
    },
    cpu,
    load,
    pairings,
    rounds,
    blockSeconds,
    settleSeconds,
    log,
  });

  const dir = path.join(REPO_ROOT, 'test-results/bench');
  await mkdir(dir, { recursive: true });
  const stem = path.join(dir, `bench-e2e-${new Date(started).toISOString().replace(/[:.]/g, '-')}`);
  const chart = distributionChart(
    pairings
      .filter((p) => !p.popup)
      .map((p) => ({
        label: p.label,
        faces: p.faces,
        side: p.side,
        values: blocks.filter((b) => b.pairing === p.id).flatMap((b) => b.frames.map((f) => f.analysisMs)),
      })),
    `Per-frame analysis time (Affect Lens: engine; peer: human.detect()), ${cpus} CPUs, ${new Date(started).toISOString().slice(0, 10)}`,
  );
  const chartPage = await ext.context.newPage();
  await chartPage.setContent(`<!doctype html><body style="margin:0">${chart}</body>`);
  await chartPage.locator('svg').screenshot({ path: `${stem}.png` });
  await chartPage.close();
  await ext.close();
  closed = true;
  load.stop();

  const coldRuns = coldRunCount > 0 ? await measureColdRuns(coldRunCount, talkUrl, '/talk.webm', log) : [];
  const report = buildReport({
    ours,
    peer: { info: peerOne.info, firstResultMs: peerOne.firstResultMs },
    pairings,
    blocks,
    defaultPairing,
    defaultPairing4: `ours-4f-${defaultThreads}t`,
    coldRuns,
    load,
    cpu,
    settings: {
      minutes,
      baselineSeconds,
      rounds,
      blockSeconds,
      settleSeconds,
      coldRuns: coldRunCount,
      maxFps: maxFps ?? null,
      encoding: encoding ?? null,
      smallFace: values['small-face'],
    },
    machine: { cpus, chromium, node: process.version },
  });
  console.log(formatReport(report));
  await writeFile(
    `${stem}.json`,
    `${JSON.stringify({ ...report, samples: { steady: ours.frames, blocks } }, null, 2)}\n`,
  );
  console.log(
    `\nWritten: ${path.relative(REPO_ROOT, `${stem}.json`)}, ${path.relative(REPO_ROOT, `${stem}.png`)}`,
  );
} finally {
  load.stop();
  if (!closed) await ext.close();
  await servers.close();
}
