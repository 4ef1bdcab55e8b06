/**
 * The images of an eval run: decoded once into a cache (so a sweep decodes each file once and its timings
 * measure the engine only), failures reported once per file, and one untimed warm-up call per config.
 */
import type { RgbaImage } from '../ml/types.ts';
import { type CliIo, errorMessage } from './cli-io.ts';
import { readImage } from './image-io.ts';

/**
 * Decoded images, kept in memory up to a budget so a sweep decodes each file once (FER2013's 3,589 48x48
 * images take 33 MB as RGBA).
 */
export class ImageCache {
  private readonly cache = new Map<string, RgbaImage>();
  private bytes = 0;
  constructor(private readonly budgetBytes = 1024 * 1024 * 1024) {}

  async get(file: string): Promise<RgbaImage> {
    const hit = this.cache.get(file);
    if (hit !== undefined) return hit;
    const image = await readImage(file);
    if (this.bytes + image.data.byteLength <= this.budgetBytes) {
      this.cache.set(file, image);
      this.bytes += image.data.byteLength;
    }
    return image;
  }

  /** Decodes every file once (failures reported, not thrown) and says how long it took. */
  async preload(files: readonly string[], failures: Failures, io: CliIo): Promise<void> {
    const started = performance.now();
    const unique = [...new Set(files)];
    for (const file of unique) {
      try {
        await this.get(file);
      } catch (error) {
        failures.report(file, error);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    io.err(`eval: decoded ${unique.length - failures.files.size} image(s) in ${seconds.toFixed(1)} s\n`);
  }
}

/** Counts per-image failures: reported once per file, the run goes on and exits 1. */
export class Failures {
  readonly files = new Set<string>();
  constructor(private readonly io: CliIo) {}
  report(file: string, error: unknown): void {
    if (this.files.has(file)) return;
    this.files.add(file);
    const message = errorMessage(error);
    this.io.err(`${message.startsWith(file) ? message : `${file}: ${message}`}\n`);
  }
}

/**
 * One untimed call before a config is timed: the first run of a model creates its session (hundreds of ms),
 * which would otherwise land in the first config's ms/image. Errors surface in the timed loop instead.
 */
export async function warmUp(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch {
    // reported per image by the timed loop
  }
}
