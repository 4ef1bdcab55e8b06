/**
 * The images bench times: the ones given (folders walked), or a built-in set from the measurement data beside
 * the checkout. Each is kept as its encoded bytes (decode is one of the stages timed) after one trial decode.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CliIo, errorMessage } from './cli-io.ts';
import { decodeImage, findImages, readImageBytes } from './image-io.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The measurement data beside the checkout (../shared/data/README.md); never copied into the repo. */
export const DEFAULT_DATA_DIR = resolve(REPO_ROOT, '../shared/data');
/** Built-in set: a 7-face group photo, a 2-face portrait, and a photo without faces (detector only). */
export const DEFAULT_IMAGES = [
  'face-boxes/dlib-pascalvoc/images/2008_007676.jpg',
  'face-boxes/dlib-pascalvoc/images/2009_004587.jpg',
  'face-boxes/negatives-noface/coffee.png',
] as const;

export interface BenchImage {
  file: string;
  bytes: Buffer;
}

function defaultImagePaths(io: CliIo, dataDir: string): string[] | undefined {
  const paths = DEFAULT_IMAGES.map((p) => join(dataDir, p));
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length > 0) {
    io.err(
      `bench: the built-in image set is missing (${missing.join(', ')}): it comes from ../shared/data beside the ` +
        'checkout. Nothing to measure; give images instead: `npm run bench -- photo.jpg`\n',
    );
    return undefined;
  }
  io.err(`bench: built-in image set from ${dataDir}: ${DEFAULT_IMAGES.map((p) => basename(p)).join(', ')}\n`);
  return paths;
}

/**
 * The images to time and the count of arguments that failed (reported on stderr); an exit code when there
 * is nothing to time: 0 without images and without the built-in set (said so), 1 when none is readable.
 */
export async function loadBenchImages(
  positionals: readonly string[],
  dataDir: string,
  io: CliIo,
): Promise<{ images: BenchImage[]; failed: number } | number> {
  let files: string[];
  let failed = 0;
  if (positionals.length === 0) {
    const defaults = defaultImagePaths(io, dataDir);
    if (defaults === undefined) return 0;
    files = defaults;
  } else {
    const found = await findImages(positionals);
    for (const e of found.errors) io.err(`${e.message}\n`);
    failed += found.errors.length;
    files = found.images.map((i) => i.path);
  }
  const images: BenchImage[] = [];
  for (const file of files) {
    try {
      const bytes = await readImageBytes(file);
      await decodeImage(bytes, file); // refuse broken files before timing anything
      images.push({ file, bytes });
    } catch (error) {
      failed++;
      io.err(`${errorMessage(error)}\n`);
    }
  }
  if (images.length === 0) {
    io.err('bench: no readable image to measure\n');
    return 1;
  }
  return { images, failed };
}
