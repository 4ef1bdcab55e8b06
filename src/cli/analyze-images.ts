/**
 * analyze's image mode: every image file found in the arguments (folders walked), one line per face or
 * "no face" (or one JSON object per image with --json), optionally an annotated PNG each. Problems with
 * single files go to stderr and the run continues, ending with exit code 1.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { AnalyzeOptions } from '../ml/engine-api.ts';
import type { AnalyzeCliOptions } from './analyze-options.ts';
import { annotatePng } from './annotate.ts';
import { type CliIo, errorMessage } from './cli-io.ts';
import { EXIT_FAILED, EXIT_OK, type Prepared } from './command.ts';
import { loadWeightsForTool } from './emo-weights.ts';
import { checkClassifierIds } from './engine-flags.ts';
import { faceToJson, formatFaceLine } from './face-output.ts';
import { type FoundImage, findImages, readImage } from './image-io.ts';
import type { EngineHandle } from './open-engine.ts';
import { UsageError } from './parse-command.ts';

export interface ImagesInput {
  mode: 'images';
  options: Partial<AnalyzeOptions>;
  json: boolean;
  annotateDir: string | undefined;
  images: FoundImage[];
  /** Arguments that never became images (missing paths), already reported. */
  missing: number;
}

/** Output names for annotated PNGs: the path relative to the argument, extension .png, made unique. */
export function annotatedName(relative: string, used: Set<string>): string {
  const base = relative.replace(/\.[^./\\]*$/, '');
  let name = `${base}.png`;
  for (let n = 2; used.has(name); n++) name = `${base}-${n}.png`;
  used.add(name);
  return name;
}

/** Finds the images and imports --weights; exit 1 when there is nothing to analyse or the weights are unusable. */
export async function prepareImages(
  cli: AnalyzeCliOptions,
  io: CliIo,
): Promise<Prepared<ImagesInput> | number> {
  const { images, errors } = await findImages(cli.paths);
  for (const { path, message } of errors) {
    io.err(`${message}\n`);
    if (cli.json) io.out(`${JSON.stringify({ file: path, error: message })}\n`);
  }
  if (images.length === 0) {
    // Paths that do not exist were reported above; only an empty walk needs its own message.
    if (errors.length < cli.paths.length) {
      io.err(
        `analyze: no images found in ${cli.paths.join(', ')} (looked for JPEG, PNG, WebP, GIF, TIFF, AVIF, HEIF files)\n`,
      );
    }
    return EXIT_FAILED;
  }
  const weights = await loadWeightsForTool('analyze', cli.weightsPath, io);
  if (weights === null) return EXIT_FAILED;
  return {
    input: {
      mode: 'images',
      options: cli.options,
      json: cli.json,
      annotateDir: cli.annotateDir,
      images,
      missing: errors.length,
    },
    engine: weights === undefined ? {} : { extraModels: [weights] },
  };
}

export async function analyzeImages(handle: EngineHandle, input: ImagesInput, io: CliIo): Promise<number> {
  const { options, json, annotateDir, images, missing } = input;
  if (options.classifierId !== undefined && handle.manifest !== undefined) {
    checkClassifierIds(handle.manifest, [options.classifierId]);
  }
  if (annotateDir !== undefined) {
    try {
      await mkdir(annotateDir, { recursive: true });
    } catch (error) {
      throw new UsageError(`--annotate ${annotateDir}: cannot create the folder (${errorMessage(error)})`);
    }
  }
  const usedNames = new Set<string>();
  let failed = missing;
  let faceCount = 0;
  for (const found of images) {
    try {
      const image = await readImage(found.path);
      const faces = await handle.engine.analyze(image, options);
      faceCount += faces.length;
      let annotated: string | undefined;
      if (annotateDir !== undefined) {
        annotated = join(annotateDir, annotatedName(found.relative, usedNames));
        await mkdir(dirname(annotated), { recursive: true });
        await writeFile(annotated, await annotatePng(image, faces));
      }
      if (json) {
        const record = {
          file: found.path,
          width: image.width,
          height: image.height,
          faces: faces.map(faceToJson),
          ...(annotated === undefined ? {} : { annotated }),
        };
        io.out(`${JSON.stringify(record)}\n`);
      } else if (faces.length === 0) {
        io.out(`${found.path}  no face\n`);
      } else {
        io.out(faces.map((face, i) => formatFaceLine(found.path, face, i, faces.length)).join('\n') + '\n');
      }
    } catch (error) {
      failed++;
      const message = errorMessage(error);
      // Image errors already start with the file name; engine errors do not.
      io.err(`${message.startsWith(found.path) ? message : `${found.path}: ${message}`}\n`);
      if (json) io.out(`${JSON.stringify({ file: found.path, error: message })}\n`);
    }
  }
  // Missing paths count among the inputs and the failures.
  const analyzed = images.length - (failed - missing);
  io.err(
    `analyze: ${analyzed} of ${images.length + missing} input(s) analysed, ${faceCount} face(s)` +
      `${failed > 0 ? `, ${failed} failed` : ''}${annotateDir === undefined ? '' : `; annotated PNGs in ${annotateDir}`}\n`,
  );
  return failed > 0 ? EXIT_FAILED : EXIT_OK;
}
