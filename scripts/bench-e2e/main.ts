/**
 * `npm run bench:e2e [-- --minutes N]`: Affect Lens against its strongest peer, @vladmandic/human, on the
 * talking-head clip in headless Chromium (../shared/ENVIRONMENT.md), in one run and one browser. Prints one
 * table (metric | Affect Lens | peer | ratio | target | load average) and writes everything, per-frame
 * samples included, to test-results/bench/. Measures only: nothing here passes or fails on a number.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { e2eUnavailable, launchWithExtension, REPO_ROOT } from '../../tests/e2e/helpers/browser.ts';
import { ffmpegMissing, missing, TALKING_VIDEO, webmOf } from '../../tests/e2e/helpers/shared-data.ts';
import { startServers } from '../../tests/e2e/helpers/servers.ts';
import { measureAffectLens } from './affect-lens.ts';
import { startCpuSampler } from './cpu-sampler.ts';
import { startLoadSampler } from './load-sampler.ts';
import { measurePeer, servePeer } from './peer.ts';
import { buildReport, formatReport } from './report.ts';

const USAGE = `npm run bench:e2e -- [--minutes N] [--peer-seconds S] [--baseline-seconds S] [--max-fps N]
                         [--encoding vp8|jpeg|rgba] [--compare-seconds S] [--small-face] [--no-build]
  --minutes N           how long Affect Lens runs after its first result, minutes (default 5); per-frame
                        figures come from 30 s on; the offscreen document's memory is read at 30 s and at the end
  --peer-seconds S      how long the peer analyses the clip (default 60)
  --baseline-seconds S  the video alone, for its dropped frames without the overlay (default 20)
  --max-fps N           the extension's maxFps setting for the run (default: the extension's default)
  --encoding E          the extension's frameEncoding setting for the run (default: the extension's default)
  --compare-seconds S   after the steady run, this long with the other encoding (rgba, or vp8 after an rgba
                        run), printed side by side (default 30; 0: none)
  --small-face          the clip shrunk to a quarter inside its 640x360 frame: the face is small, so the
                        engine asks for larger frames (for transport measurements)
  --no-build            use the existing .output/chrome-mv3 instead of running \`wxt build\``;

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    'peer-seconds': { type: 'string', default: '60' },
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
const peerSeconds = positive('peer-seconds', values['peer-seconds']);
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

const unavailable = missing(TALKING_VIDEO) ?? ffmpegMissing();
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

log('making the WebM of the clip');
const clip = await webmOf(TALKING_VIDEO, 20, values['small-face'] ? 4 : 1);
const servers = await startServers();
servers.pageRoutes['/talk.webm'] = { file: clip, type: 'video/webm' };
servers.pageRoutes['/talk.html'] = {
  type: 'text/html',
  body: `<!doctype html><meta charset="utf-8"><title>Talking head</title>
<style>body{margin:24px;background:#f4f4f6} video{display:block;background:#000}</style>
<video id="clip" src="/talk.webm" autoplay muted loop playsinline width="640" height="360"></video>`,
};
const peerUrl = await servePeer(servers, '/talk.webm');

const load = startLoadSampler();
// Eager memory measurement: measureUserAgentSpecificMemory() otherwise waits for a garbage collection.
const ext = await launchWithExtension(['--enable-blink-features=ForceEagerMeasureMemory']);
const cpu = startCpuSampler(ext.profileDir);
if (!cpu) log('the browser CPU time cannot be read here (no /proc): its rows stay empty');
const mark = (name: string) => {
  load.mark(name);
  cpu?.mark(name);
};
try {
  const chromium =
    ext.context.browser()?.version() ?? (await ext.serviceWorker.evaluate(() => navigator.userAgent));
  log(`Chromium: ${chromium}`);
  const ours = await measureAffectLens(
    ext,
    `${servers.pageOrigin}/talk.html`,
    '/talk.webm',
    { minutes, baselineSeconds, maxFps, encoding, compareSeconds },
    log,
    mark,
  );
  log(`Affect Lens: ${ours.frames.length} frames in ${ours.steadySeconds.toFixed(0)} s; now the peer`);
  const peer = await measurePeer(ext.context, peerUrl, peerSeconds, log, mark);
  load.stop();
  const report = buildReport({
    ours,
    peer,
    load,
    cpu,
    settings: {
      minutes,
      peerSeconds,
      baselineSeconds,
      maxFps: maxFps ?? null,
      encoding: encoding ?? null,
      smallFace: values['small-face'],
    },
    machine: { cpus: os.cpus().length, chromium, node: process.version },
  });
  console.log(formatReport(report));
  const dir = path.join(REPO_ROOT, 'test-results/bench');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `bench-e2e-${new Date(started).toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(
    file,
    `${JSON.stringify({ ...report, samples: { ours: ours.frames, peer: peer.frames } }, null, 2)}\n`,
  );
  console.log(`\nWritten: ${path.relative(REPO_ROOT, file)}`);
} finally {
  load.stop();
  await ext.close();
  await servers.close();
}
