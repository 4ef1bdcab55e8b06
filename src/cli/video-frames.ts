/**
 * Frames for the temporal mode of `analyze` (--temporal): a video file decoded by ffmpeg at a fixed rate
 * (the temporal model's sampleFps, so no frame is decoded that the model would not read), or a folder of
 * frame images taken in name order, `fps` apart. Each frame is an RgbaImage with its time in the stream.
 * ffmpeg (apt-get install -y ffmpeg) is an external program, found on PATH; nothing is written to disk.
 */
import { spawn } from 'node:child_process';
import { extname } from 'node:path';
import type { RgbaImage } from '../ml/types.ts';
import { findImages, readImage } from './image-io.ts';

/** Files taken for videos; anything else is tried as a folder of frames or refused. */
export const VIDEO_EXTENSIONS: ReadonlySet<string> = new Set([
  '.mp4',
  '.m4v',
  '.mov',
  '.webm',
  '.mkv',
  '.avi',
  '.ogv',
  '.y4m',
]);

export interface VideoFrame {
  image: RgbaImage;
  timestampMs: number;
  index: number;
}

export const isVideoFile = (path: string): boolean => VIDEO_EXTENSIONS.has(extname(path).toLowerCase());

const FFMPEG_MISSING =
  'ffmpeg is needed to read videos (apt-get install -y ffmpeg); or give a folder of frames';

/** Runs a program and returns its stdout; rejects with its stderr when it fails. */
function output(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(error.code === 'ENOENT' ? FFMPEG_MISSING : error.message)),
    );
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(err.trim() || `exit ${code}`)),
    );
  });
}

/** Width and height of the first video stream, as stored (frames are decoded without auto-rotation). */
export async function probeVideoSize(path: string): Promise<{ width: number; height: number }> {
  let text: string;
  try {
    text = await output('ffprobe', [
      ...['-v', 'error', '-select_streams', 'v:0'],
      ...['-show_entries', 'stream=width,height', '-of', 'csv=p=0:s=x', path],
    ]);
  } catch (error) {
    throw new Error(`${path}: cannot read it as a video (${(error as Error).message})`);
  }
  const match = /^(\d+)x(\d+)/.exec(text.trim());
  if (!match) throw new Error(`${path}: has no video stream`);
  return { width: Number(match[1]), height: Number(match[2]) };
}

/** Decodes the video at `fps` frames a second into RGBA frames, one at a time (back-pressured). */
export async function* readVideoFrames(path: string, fps: number): AsyncGenerator<VideoFrame> {
  const { width, height } = await probeVideoSize(path);
  const frameBytes = width * height * 4;
  const child = spawn(
    'ffmpeg',
    [
      ...['-v', 'error', '-nostdin', '-noautorotate', '-i', path],
      ...['-vf', `fps=${fps}`, '-f', 'rawvideo', '-pix_fmt', 'rgba', 'pipe:1'],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(error.code === 'ENOENT' ? FFMPEG_MISSING : error.message)),
    );
    child.on('close', resolve);
  });
  let pending = new Uint8Array(frameBytes);
  let filled = 0;
  let index = 0;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      let at = 0;
      while (at < chunk.length) {
        const n = Math.min(frameBytes - filled, chunk.length - at);
        pending.set(chunk.subarray(at, at + n), filled);
        filled += n;
        at += n;
        if (filled === frameBytes) {
          yield { image: { width, height, data: pending }, timestampMs: (index * 1000) / fps, index };
          index++;
          pending = new Uint8Array(frameBytes);
          filled = 0;
        }
      }
    }
    const code = await exited;
    if (code !== 0)
      throw new Error(`${path}: ffmpeg could not decode it (${stderr.trim() || `exit ${code}`})`);
    if (index === 0) throw new Error(`${path}: the video has no frames`);
  } finally {
    if (child.exitCode === null) child.kill();
  }
}

/** The images of a folder in name order, as frames `1000 / fps` ms apart. */
export async function* readFrameFolder(path: string, fps: number): AsyncGenerator<VideoFrame> {
  const { images, errors } = await findImages([path]);
  if (errors.length > 0) throw new Error(errors.map((e) => e.message).join('; '));
  if (images.length === 0) throw new Error(`${path}: no frame images found (JPEG, PNG, WebP...)`);
  const sorted = [...images].sort((a, b) =>
    a.relative.localeCompare(b.relative, undefined, { numeric: true }),
  );
  for (const [index, found] of sorted.entries()) {
    yield { image: await readImage(found.path), timestampMs: (index * 1000) / fps, index };
  }
}
