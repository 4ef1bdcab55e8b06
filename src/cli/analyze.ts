/**
 * `npm run analyze -- <files or folders> [options]`: finds faces and their emotions in image files.
 * One line per face (or "no face") on stdout, or one JSON object per image with --json; problems with single
 * files go to stderr and the run continues. Exit code: 0 all files analysed, 1 some file failed, 2 usage error.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { AnalyzeOptions, Face } from '../ml/engine-api.ts';
import { annotatePng } from './annotate.ts';
import { type CliIo, errorMessage, isMainModule, processIo } from './cli-io.ts';
import {
  checkClassifierIds,
  classifyOptionSpecs,
  detectOptionSpecs,
  readClassifyOptions,
  readDetectOptions,
} from './engine-flags.ts';
import { readFlag, readNumber, readString } from './flag-readers.ts';
import { type EngineHandle, type OpenEngine, openNodeEngine } from './open-engine.ts';
import { type CommandSpec, UsageError, formatHelp, parseCommand } from './parse-command.ts';
import { analyzeStreams } from './analyze-temporal.ts';
import {
  type LoadedTemporal,
  TEMPORAL_OPTION,
  WEIGHTS_OPTION,
  WeightsError,
  describeTemporal,
  loadTemporal,
  loadWeightsForTool,
  readWeights,
  withFeatures,
} from './emo-weights.ts';
import { findImages, readImage } from './image-io.ts';

export const ANALYZE_SPEC: CommandSpec = {
  command: 'analyze',
  usage: ['npm run analyze -- <files or folders...> [options]'],
  description:
    'Finds every face in the images and classifies its emotion. Folders are searched recursively for\n' +
    'JPEG/PNG/WebP/GIF/TIFF/AVIF/HEIF files. Prints one line per face: file, box x,y,w,h (pixels), detector\n' +
    'score, top emotion and its probability; "no face" for images without one.\n' +
    'Exit code: 0 when every file was analysed, 1 when some file failed (see stderr), 2 on usage errors.',
  positionals: true,
  options: {
    json: {
      type: 'boolean',
      description: 'print one JSON object per image (JSON Lines), with all 7 probabilities',
    },
    annotate: {
      type: 'string',
      value: '<dir>',
      description: 'write a PNG per image with boxes, keypoints and labels into dir',
    },
    ...classifyOptionSpecs(false),
    ...WEIGHTS_OPTION,
    ...TEMPORAL_OPTION,
    fps: {
      type: 'string',
      value: '<n>',
      description: "with --temporal: frames per second of frame folders (default 5, the model's rate)",
    },
    ...detectOptionSpecs(false),
  },
  examples: [
    'npm run analyze -- photo.jpg',
    'npm run analyze -- --model emo-affectnet --weights ~/Downloads/FER_static_ResNet50_AffectNet.pt photo.jpg',
    'npm run analyze -- ../shared/data/face-boxes/dlib-pascalvoc/images --annotate /tmp/annotated',
    'npm run analyze -- photos/ --json --model face-api-expression --margin 0.1 > results.jsonl',
    'npm run analyze -- --model emo-affectnet --weights FER_static_ResNet50_AffectNet.pt --temporal FER_dinamic_LSTM_Aff-Wild2.pt clip.mp4',
  ],
};

/** Rounds for output: pixels to 0.1, probabilities and scores to 1e-4. */
function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function formatFaceLine(file: string, face: Face, index: number, count: number): string {
  const { x, y, width, height } = face.box;
  const box = [x, y, width, height].map((v) => Math.round(v)).join(',');
  return `${file}  face ${index + 1}/${count}  box ${box}  score ${face.score.toFixed(2)}  ${face.top.emotion} ${face.top.probability.toFixed(2)}`;
}

export function faceToJson(face: Face): unknown {
  return {
    box: {
      x: round(face.box.x, 1),
      y: round(face.box.y, 1),
      width: round(face.box.width, 1),
      height: round(face.box.height, 1),
    },
    score: round(face.score, 4),
    keypoints: face.keypoints.map((p) => ({ x: round(p.x, 1), y: round(p.y, 1) })),
    emotions: Object.fromEntries(Object.entries(face.emotions).map(([k, v]) => [k, round(v, 4)])),
    top: { emotion: face.top.emotion, probability: round(face.top.probability, 4) },
  };
}

/** Output names for annotated PNGs: the path relative to the argument, extension .png, made unique. */
export function annotatedName(relative: string, used: Set<string>): string {
  const base = relative.replace(/\.[^./\\]*$/, '');
  let name = `${base}.png`;
  for (let n = 2; used.has(name); n++) name = `${base}-${n}.png`;
  used.add(name);
  return name;
}

export async function runAnalyze(
  argv: readonly string[],
  io: CliIo,
  openEngine: OpenEngine = openNodeEngine,
): Promise<number> {
  let options: Partial<AnalyzeOptions>;
  let json: boolean;
  let annotateDir: string | undefined;
  let paths: string[];
  let weightsPath: string | undefined;
  let temporalPath: string | undefined;
  let folderFps: number | undefined;
  try {
    const parsed = parseCommand(ANALYZE_SPEC, argv);
    if (parsed.help) {
      io.out(formatHelp(ANALYZE_SPEC));
      return 0;
    }
    options = { ...readDetectOptions(parsed.values), ...readClassifyOptions(parsed.values) };
    const picked = readWeights(
      parsed.values,
      options.classifierId === undefined ? undefined : [options.classifierId],
    );
    weightsPath = picked.weights;
    if (picked.models !== undefined) options.classifierId = picked.models[0];
    json = readFlag(parsed.values, 'json');
    annotateDir = readString(parsed.values, 'annotate');
    temporalPath = readString(parsed.values, 'temporal');
    folderFps = readNumber(parsed.values, 'fps', { min: 0.1, max: 240 });
    paths = parsed.positionals;
    if (temporalPath !== undefined && weightsPath === undefined) {
      throw new UsageError(
        "--temporal reads the features of EMO-AffectNet's ResNet-50: give --weights FER_static_ResNet50_AffectNet.pt too",
      );
    }
    if (temporalPath !== undefined && annotateDir !== undefined) {
      throw new UsageError('--annotate is for images; it does not combine with --temporal');
    }
    if (folderFps !== undefined && temporalPath === undefined) {
      throw new UsageError(
        '--fps is the frame rate of frame folders in the temporal mode: it needs --temporal',
      );
    }
    if (paths.length === 0) {
      throw new UsageError(
        'analyze: give at least one image file or folder, e.g. `npm run analyze -- photo.jpg`',
      );
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n`);
      return 2;
    }
    throw error;
  }

  if (temporalPath !== undefined) {
    return runTemporal(paths, options, json, weightsPath!, temporalPath, folderFps, io, openEngine);
  }

  let failed = 0;
  const { images, errors } = await findImages(paths);
  for (const { path, message } of errors) {
    failed++;
    io.err(`${message}\n`);
    if (json) io.out(`${JSON.stringify({ file: path, error: message })}\n`);
  }
  if (images.length === 0) {
    // Paths that do not exist were reported above; only an empty walk needs its own message.
    if (errors.length < paths.length) {
      io.err(
        `analyze: no images found in ${paths.join(', ')} (looked for JPEG, PNG, WebP, GIF, TIFF, AVIF, HEIF files)\n`,
      );
    }
    return 1;
  }

  const weights = await loadWeightsForTool('analyze', weightsPath, io);
  if (weights === null) return 1;
  let handle: EngineHandle;
  try {
    handle = await openEngine(weights === undefined ? {} : { extraModels: [weights] });
  } catch (error) {
    io.err(`analyze: cannot load the engine: ${errorMessage(error)}\n`);
    return 1;
  }
  try {
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
  } catch (error) {
    await handle.close?.();
    if (error instanceof UsageError) {
      io.err(`${error.message}\n`);
      return 2;
    }
    throw error;
  }

  const usedNames = new Set<string>();
  let faceCount = 0;
  try {
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
  } finally {
    await handle.close?.();
  }
  // `errors` are inputs that never became images (missing paths): they count among the inputs and the failures.
  const analysed = images.length - (failed - errors.length);
  io.err(
    `analyze: ${analysed} of ${images.length + errors.length} input(s) analysed, ${faceCount} face(s)` +
      `${failed > 0 ? `, ${failed} failed` : ''}${annotateDir === undefined ? '' : `; annotated PNGs in ${annotateDir}`}\n`,
  );
  return failed > 0 ? 1 : 0;
}

/** The temporal mode (analyze-temporal.ts): imports both models, then runs each stream. */
async function runTemporal(
  paths: readonly string[],
  options: Partial<AnalyzeOptions>,
  json: boolean,
  weightsPath: string,
  temporalPath: string,
  folderFps: number | undefined,
  io: CliIo,
  openEngine: OpenEngine,
): Promise<number> {
  const loaded = await loadWeightsForTool('analyze', weightsPath, io);
  if (!loaded) return 1;
  let temporal: LoadedTemporal;
  let weights;
  try {
    temporal = await loadTemporal(temporalPath);
    weights = withFeatures(loaded, temporal);
  } catch (error) {
    if (!(error instanceof WeightsError)) throw error;
    io.err(`analyze: ${error.message}\n`);
    return 1;
  }
  io.err(`analyze: ${describeTemporal(temporal)}\n`);
  let handle: EngineHandle;
  try {
    handle = await openEngine({ extraModels: [weights], temporalModels: [temporal] });
  } catch (error) {
    io.err(`analyze: cannot load the engine: ${errorMessage(error)}\n`);
    return 1;
  }
  try {
    if (!handle.backend)
      throw new Error('analyze: the engine exposes no backend to run the temporal model on');
    const started = performance.now();
    const result = await analyzeStreams({
      engine: handle.engine,
      backend: handle.backend,
      temporal: temporal.entry,
      paths,
      options: { ...options, classifierId: weights.entry.id },
      json,
      folderFps: folderFps ?? temporal.entry.sampleFps,
      io,
    });
    const seconds = (performance.now() - started) / 1000;
    io.err(
      `analyze: ${paths.length - result.failed} of ${paths.length} stream(s) analysed, ${result.frames} frame(s), ` +
        `${result.faces} face(s) in ${seconds.toFixed(1)} s` +
        `${result.failed > 0 ? `, ${result.failed} failed` : ''}\n`,
    );
    return result.failed > 0 ? 1 : 0;
  } finally {
    await handle.close?.();
  }
}

if (isMainModule(import.meta.url)) {
  process.exitCode = await runAnalyze(process.argv.slice(2), processIo());
}
