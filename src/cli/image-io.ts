/**
 * Image files <-> RgbaImage for the Node tools (analyze, eval, bench), via sharp.
 * Decoding applies the EXIF orientation (so boxes match what a viewer shows), converts any colour space or bit
 * depth to 8-bit sRGB and adds an opaque alpha channel: the layout of the DOM's ImageData.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import sharp from 'sharp';
import type { RgbaImage } from '../ml/types.ts';

/** Files larger than this are refused before reading (a photo is a few MB; 50 MB is a mistake or an attack). */
export const MAX_FILE_BYTES = 50 * 1024 * 1024;
/** Images with more pixels than this are refused before decoding (100 MP needs 400 MB as RGBA). */
export const MAX_PIXELS = 100_000_000;

/** File extensions picked up when a folder is walked (formats sharp reads). Files named explicitly are always tried. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([
  '.jpg',
  '.jpeg',
  '.jpe',
  '.jfif',
  '.png',
  '.webp',
  '.gif',
  '.tif',
  '.tiff',
  '.avif',
  '.heic',
  '.heif',
]);

export type ImageErrorCode =
  'not-found' | 'unreadable' | 'empty' | 'too-large' | 'too-many-pixels' | 'not-an-image' | 'corrupt';

/** A file that could not be turned into an image; `message` says what was expected and what to do. */
export class ImageReadError extends Error {
  override readonly name = 'ImageReadError';
  constructor(
    readonly code: ImageErrorCode,
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface DecodeLimits {
  maxBytes?: number;
  maxPixels?: number;
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Reads a file's bytes with the size checks (exists, not a folder, not empty, not too large). */
export async function readImageBytes(file: string, limits: DecodeLimits = {}): Promise<Buffer> {
  const maxBytes = limits.maxBytes ?? MAX_FILE_BYTES;
  let size: number;
  try {
    const info = await stat(file);
    if (info.isDirectory()) {
      throw new ImageReadError('unreadable', file, `${file}: is a folder, expected an image file`);
    }
    size = info.size;
  } catch (error) {
    if (error instanceof ImageReadError) throw error;
    throw fsError(file, error);
  }
  if (size === 0) {
    throw new ImageReadError(
      'empty',
      file,
      `${file}: file is empty (0 bytes), expected an image; re-export or re-download it`,
    );
  }
  if (size > maxBytes) {
    throw new ImageReadError(
      'too-large',
      file,
      `${file}: file is ${megabytes(size)}, over the limit of ${megabytes(maxBytes)}; downscale it first`,
    );
  }
  try {
    return await readFile(file);
  } catch (error) {
    throw fsError(file, error);
  }
}

function fsError(file: string, error: unknown): ImageReadError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') {
    return new ImageReadError('not-found', file, `${file}: no such file; check the path`, { cause: error });
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new ImageReadError(
    'unreadable',
    file,
    `${file}: cannot read the file (${reason}); check its permissions`,
    {
      cause: error,
    },
  );
}

/**
 * Decodes encoded image bytes (JPEG, PNG, WebP, GIF, TIFF, AVIF, HEIF: whatever sharp reads) into RGBA.
 * `file` only names the source in error messages.
 */
export async function decodeImage(
  bytes: Uint8Array,
  file: string,
  limits: DecodeLimits = {},
): Promise<RgbaImage> {
  const maxPixels = limits.maxPixels ?? MAX_PIXELS;
  if (bytes.length === 0) {
    throw new ImageReadError(
      'empty',
      file,
      `${file}: file is empty (0 bytes), expected an image; re-export or re-download it`,
    );
  }
  try {
    // 'truncated' turns a cut-off file into an error instead of a half-grey image; milder libjpeg warnings
    // (common in camera files) still decode. sharp checks the pixel limit from the header, before decoding.
    const { data, info } = await sharp(bytes, { failOn: 'truncated', limitInputPixels: maxPixels })
      .autoOrient()
      .toColourspace('srgb')
      .ensureAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 4) {
      throw new Error(`decoder returned ${info.channels} channels, expected 4 (RGBA)`);
    }
    return {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    };
  } catch (error) {
    if (error instanceof Error && /pixel limit/i.test(error.message))
      throw await pixelLimitError(bytes, file, maxPixels, error);
    throw decodeError(file, error);
  }
}

/** The message for an image over the pixel limit, with its size (read from the header only on this path). */
async function pixelLimitError(
  bytes: Uint8Array,
  file: string,
  maxPixels: number,
  cause: Error,
): Promise<ImageReadError> {
  let size = '';
  try {
    const { width, height } = await sharp(bytes, { limitInputPixels: false }).metadata();
    size = ` is ${width}x${height} = ${((width * height) / 1e6).toFixed(1)} megapixels,`;
  } catch {
    // keep the message without the size
  }
  return new ImageReadError(
    'too-many-pixels',
    file,
    `${file}: image${size} over the limit of ${maxPixels / 1e6} megapixels; downscale it first`,
    { cause },
  );
}

function decodeError(file: string, error: unknown): ImageReadError {
  const reason = error instanceof Error ? error.message : String(error);
  if (/unsupported image format/i.test(reason)) {
    return new ImageReadError(
      'not-an-image',
      file,
      `${file}: not an image (expected JPEG, PNG, WebP, GIF, TIFF, AVIF or HEIF)`,
      { cause: error },
    );
  }
  return new ImageReadError(
    'corrupt',
    file,
    `${file}: corrupt or truncated image (${reason}); re-export or re-download it`,
    {
      cause: error,
    },
  );
}

/** Reads and decodes an image file; throws ImageReadError with a message fit for a user. */
export async function readImage(file: string, limits: DecodeLimits = {}): Promise<RgbaImage> {
  return decodeImage(await readImageBytes(file, limits), file, limits);
}

function checkRgba(image: RgbaImage): void {
  const expected = image.width * image.height * 4;
  if (
    !Number.isInteger(image.width) ||
    !Number.isInteger(image.height) ||
    image.width <= 0 ||
    image.height <= 0
  ) {
    throw new Error(`RgbaImage size must be positive integers, got ${image.width}x${image.height}`);
  }
  if (image.data.length !== expected) {
    throw new Error(
      `RgbaImage data has ${image.data.length} bytes, expected width*height*4 = ${expected} for ${image.width}x${image.height}`,
    );
  }
}

/** Encodes RGBA pixels as PNG. */
export async function encodePng(image: RgbaImage): Promise<Buffer> {
  checkRgba(image);
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } })
    .png()
    .toBuffer();
}

export interface FoundImage {
  /** Path to open (as given, or joined under the folder given). */
  path: string;
  /** Path relative to the argument it was found under (the file name for files given directly). */
  relative: string;
}

export interface FindImagesResult {
  images: FoundImage[];
  /** Arguments that do not exist or cannot be listed, with a message. */
  errors: { path: string; message: string }[];
}

/**
 * Expands files and folders into image files. Folders are walked recursively in sorted order, taking files
 * with an image extension and skipping hidden entries; files named directly are always taken (so a
 * mis-named or broken file gets its own error later instead of vanishing).
 */
export async function findImages(paths: readonly string[]): Promise<FindImagesResult> {
  const images: FoundImage[] = [];
  const errors: { path: string; message: string }[] = [];
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      errors.push({ path, message: fsError(path, error).message });
      continue;
    }
    if (!info.isDirectory()) {
      images.push({ path, relative: path.split(/[\\/]/).pop() ?? path });
      continue;
    }
    await walk(path, '', images, errors, new Set());
  }
  return { images, errors };
}

async function walk(
  root: string,
  relativeDir: string,
  images: FoundImage[],
  errors: { path: string; message: string }[],
  visited: Set<string>,
): Promise<void> {
  const dir = relativeDir === '' ? root : join(root, relativeDir);
  let entries;
  try {
    const info = await stat(dir);
    const key = `${info.dev}:${info.ino}`;
    if (visited.has(key)) return; // a symlink loop
    visited.add(key);
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    errors.push({ path: dir, message: fsError(dir, error).message });
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const relative = relativeDir === '' ? entry.name : join(relativeDir, entry.name);
    let isDir = entry.isDirectory();
    if (entry.isSymbolicLink()) {
      try {
        isDir = (await stat(join(root, relative))).isDirectory();
      } catch {
        continue; // dangling link
      }
    }
    if (isDir) {
      await walk(root, relative, images, errors, visited);
    } else if (IMAGE_EXTENSIONS.has(extname(entry.name).toLowerCase())) {
      images.push({ path: join(root, relative), relative });
    }
  }
}
