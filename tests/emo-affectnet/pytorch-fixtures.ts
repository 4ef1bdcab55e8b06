/**
 * The PyTorch fixtures of the EMO-AffectNet tests: scripts/emo-affectnet/make-test-checkpoint.py (a
 * full-size checkpoint with seeded random weights, PyTorch's outputs for fixed inputs and for a real image)
 * and scripts/emo-affectnet/make-test-lstm.py (the temporal LSTM, likewise), run with Debian's python3-torch
 * and cached in node_modules/.cache/affect-lens/emo-affectnet{,-lstm}/ until the generator or the image
 * changes. Shared by the golden test and the CLI end-to-end test; a lock keeps two
 * test files from generating at once.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PYTHON, SHARED_DATA } from '../helpers/python.ts';

export { ENABLE, HAVE_TORCH, PYTHON, SHARED_DATA } from '../helpers/python.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GENERATOR = path.join(ROOT, 'scripts/emo-affectnet/make-test-checkpoint.py');
export const CACHE_DIR = path.join(ROOT, 'node_modules/.cache/affect-lens/emo-affectnet');
/** Real photos for the preprocessing check (shared data, never copied into the repo). */
export const IMAGES_DIR = path.join(SHARED_DATA, 'face-boxes/dlib-pascalvoc/images');
export const IMAGE = existsSync(IMAGES_DIR)
  ? readdirSync(IMAGES_DIR)
      .filter((f) => f.endsWith('.jpg'))
      .sort()
      .map((f) => path.join(IMAGES_DIR, f))[0]
  : undefined;

export interface Reference {
  torch: string;
  checkpoint: string;
  keys: number;
  inputs: { file: string; shape: number[] };
  logits: number[][];
  features: number[][];
  image?: {
    path: string;
    width: number;
    height: number;
    rgb: string;
    tensor: string;
    logits: number[];
    features: number[];
    /** A 256x256 crop (null for images smaller than that). */
    crop: { x: number; y: number; width: number; height: number; tensor: string } | null;
  };
}

export const log = (message: string): void => console.log(`[emo-affectnet] ${message}`);
export const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** A generator run takes about a minute; a lock older than this was left by a killed run. */
const STALE_LOCK_MS = 20 * 60_000;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Runs `act` holding the lock of a cache folder (a directory: mkdir is atomic), waiting for another holder. */
function withLock<T>(cacheDir: string, act: () => T): T {
  const lock = `${cacheDir}.lock`;
  mkdirSync(path.dirname(lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      else sleepSync(1000);
    }
  }
  try {
    return act();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Runs the ResNet-50 generator unless the cache holds its output for this generator and image. */
export function ensureFixtures(): Reference {
  return withLock(CACHE_DIR, () =>
    generateUnlessCached(GENERATOR, CACHE_DIR, [...(IMAGE ? ['--image', IMAGE] : []), '--batch', '5'], {
      image: IMAGE ?? null,
    }),
  );
}

function generateUnlessCached<T>(
  generator: string,
  cacheDir: string,
  args: string[],
  inputs: Record<string, unknown>,
): T {
  const stamp = JSON.stringify({
    generator: createHash('sha256').update(readFileSync(generator)).digest('hex'),
    ...inputs,
  });
  const stampFile = path.join(cacheDir, 'stamp.json');
  const referenceFile = path.join(cacheDir, 'reference.json');
  if (!(existsSync(stampFile) && existsSync(referenceFile) && readFileSync(stampFile, 'utf8') === stamp)) {
    rmSync(cacheDir, { recursive: true, force: true });
    mkdirSync(cacheDir, { recursive: true });
    const started = performance.now();
    const run = spawnSync(PYTHON, [generator, cacheDir, ...args], { encoding: 'utf8', timeout: 900_000 });
    if (run.status !== 0) {
      throw new Error(
        `${generator} failed (exit ${run.status}, ${run.error?.message ?? ''}):\n${run.stderr}`,
      );
    }
    writeFileSync(stampFile, stamp);
    log(`generated the PyTorch fixtures in ${seconds(performance.now() - started)}: ${run.stdout.trim()}`);
  }
  return JSON.parse(readFileSync(referenceFile, 'utf8')) as T;
}

// ---- the temporal model (scripts/emo-affectnet/make-test-lstm.py) ----

const LSTM_GENERATOR = path.join(ROOT, 'scripts/emo-affectnet/make-test-lstm.py');
export const LSTM_CACHE_DIR = path.join(ROOT, 'node_modules/.cache/affect-lens/emo-affectnet-lstm');

export interface LstmReference {
  torch: string;
  checkpoint: string;
  /** [key, shape] in the order torch.save wrote them. */
  keys: [string, number[]][];
  /** torch.onnx.export of the same model; null when the export failed (onnxError says why). */
  onnx: string | null;
  onnxError?: string;
  inputs: { file: string; shape: number[] };
  probabilities: number[][];
  logits: number[][];
  /** PyTorch's LSTM on the ResNet-50 fixture's features (Reference.features) in this order, oldest first. */
  chain: { order: number[]; probabilities: number[] };
}

/**
 * Runs the LSTM generator (a few seconds) unless the cache holds its output; it reads the ResNet-50
 * fixtures' features (ensureFixtures first), so the chain ResNet-50 -> LSTM can be checked against PyTorch.
 */
export function ensureLstmFixtures(): LstmReference {
  ensureFixtures();
  const resnetReference = path.join(CACHE_DIR, 'reference.json');
  return withLock(LSTM_CACHE_DIR, () =>
    generateUnlessCached(LSTM_GENERATOR, LSTM_CACHE_DIR, ['--resnet-reference', resnetReference], {
      resnet: createHash('sha256').update(readFileSync(resnetReference)).digest('hex'),
    }),
  );
}

/** A little-endian float32 file of the fixtures (inputs, preprocessed tensors). */
export function readF32(file: string): Float32Array {
  const bytes = readFileSync(file);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}
