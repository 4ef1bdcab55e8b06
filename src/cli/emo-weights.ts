/**
 * `--weights <file.pt|file.onnx>` for the Node tools: the user's EMO-AffectNet file goes through the same
 * import as the extension (src/emo-affectnet/import.ts) and becomes one more classifier of the engine, with
 * the manifest entry that import gives (../shared/MODELS.md section 2: preprocessing, label order). The ONNX
 * is built in memory on every run (about 1 s for the 98 MB checkpoint) and never written anywhere: nothing
 * is cached.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { CheckpointError } from '../checkpoint/checkpoint-error.ts';
import { importEmoAffectNet } from '../emo-affectnet/import.ts';
import {
  EMO_AFFECTNET_FILE_NAME,
  EMO_AFFECTNET_ID,
  EMO_AFFECTNET_SHA256,
  EMO_AFFECTNET_URL,
} from '../emo-affectnet/manifest-entry.ts';
import {
  EMO_AFFECTNET_LSTM_FILE_PATTERN,
  EMO_AFFECTNET_LSTM_SOURCE,
  importEmoAffectNetLstm,
} from '../emo-affectnet/lstm-import.ts';
import type { WeightStorage } from '../emo-affectnet/resnet50-onnx.ts';
import type { ClassifierEntry, TemporalEntry } from '../ml/manifest.ts';
import { type CliIo } from './cli-io.ts';
import { readString } from './flag-readers.ts';
import { type OptionSpecs, type OptionValues, UsageError } from './parse-command.ts';

export { EMO_AFFECTNET_ID };

/** A model that is not in models/: its manifest entry and its ONNX bytes, in memory. */
export interface UserModel {
  entry: ClassifierEntry;
  onnx: Uint8Array;
}

export interface LoadedWeights extends UserModel {
  path: string;
  /** SHA-256 of the file the user gave (not of the ONNX built from it). */
  fileSha256: string;
  fileBytes: number;
  from: 'pytorch' | 'onnx';
  /** Reading and hashing excluded: import (checks, BatchNorm folding, ONNX serialisation) only. */
  importMs: number;
  /** Whether the file is the authors' FER_static_ResNet50_AffectNet.pt (by SHA-256). */
  authors: boolean;
}

/** A --weights file that cannot be used; the message says why and what to give instead. */
export class WeightsError extends Error {
  override readonly name = 'WeightsError';
}

const GET_IT = `The weights are not bundled: download ${EMO_AFFECTNET_FILE_NAME} (${EMO_AFFECTNET_URL}) or give an ONNX export of it.`;

export const WEIGHTS_OPTION: OptionSpecs = {
  weights: {
    type: 'string',
    value: '<file.pt|file.onnx>',
    description:
      `EMO-AffectNet weights (not bundled): the authors' ${EMO_AFFECTNET_FILE_NAME} or an ONNX\n` +
      `export; adds classifier ${EMO_AFFECTNET_ID} (the one used when --model is absent in analyze/eval),\n` +
      'imported in memory on each run, nothing cached',
  },
};

/**
 * Checks --weights against the classifier ids asked for (undefined: none named). Returns the weights path
 * and the ids to use: --weights alone implies --model emo-affectnet (`impliedModel`), --model emo-affectnet
 * needs --weights, and --weights with only other models is a mistake worth saying.
 */
export function readWeights(
  values: OptionValues,
  models: readonly string[] | undefined,
  impliedModel = true,
): { weights: string | undefined; models: string[] | undefined } {
  const weights = readString(values, 'weights');
  const asked = models?.includes(EMO_AFFECTNET_ID) ?? false;
  if (weights === undefined) {
    if (asked) {
      throw new UsageError(
        `--model ${EMO_AFFECTNET_ID} needs --weights <file.pt|file.onnx>. ${GET_IT}\n` +
          `  e.g. npm run analyze -- --model ${EMO_AFFECTNET_ID} --weights ~/Downloads/${EMO_AFFECTNET_FILE_NAME} photo.jpg`,
      );
    }
    return { weights, models: models === undefined ? undefined : [...models] };
  }
  if (models !== undefined && !asked) {
    throw new UsageError(
      `--weights is for --model ${EMO_AFFECTNET_ID}, but --model names only ${models.join(', ')}; ` +
        `add ${EMO_AFFECTNET_ID} to --model or drop --weights`,
    );
  }
  return {
    weights,
    models: models === undefined ? (impliedModel ? [EMO_AFFECTNET_ID] : undefined) : [...models],
  };
}

export interface LoadWeightsOptions {
  /** Weight storage of the ONNX built from a .pt (default float32); an ONNX file is used as it is. */
  storage?: WeightStorage;
  /** Manifest id of the model (default emo-affectnet; bench loads the float16 build under another id). */
  id?: string;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * The largest model file read (EMO-AffectNet's ResNet-50 is about 100 MB as .pt or float32 ONNX, its LSTMs
 * a few MB). Larger files are refused before any byte is read.
 */
export const MAX_MODEL_FILE_BYTES = 512 * 1024 * 1024;

/**
 * Reads a model file named on the command line: a regular file (not a folder, a device such as /dev/zero,
 * a pipe or a socket, which could be read forever), at most MAX_MODEL_FILE_BYTES. Throws WeightsError.
 */
export async function readModelFile(path: string, where: string, hint: string): Promise<Uint8Array> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : `cannot read it (${(error as Error).message})`;
    throw new WeightsError(`${where}: ${why}. ${hint}`);
  }
  if (info.isDirectory())
    throw new WeightsError(`${where}: is a folder; give the model file itself. ${hint}`);
  if (!info.isFile())
    throw new WeightsError(`${where}: is not a regular file (a device, pipe or socket). ${hint}`);
  if (info.size > MAX_MODEL_FILE_BYTES) {
    throw new WeightsError(
      `${where}: is ${(info.size / 1024 ** 2).toFixed(0)} MiB; model files up to ${MAX_MODEL_FILE_BYTES / 1024 ** 2} MiB are read. ${hint}`,
    );
  }
  try {
    const bytes = new Uint8Array(await readFile(path));
    if (bytes.byteLength > MAX_MODEL_FILE_BYTES) throw new Error('the file grew while it was read');
    return bytes;
  } catch (error) {
    throw new WeightsError(`${where}: cannot read it (${(error as Error).message}). ${hint}`);
  }
}

/** Reads and imports the file; throws WeightsError with a message for the user. */
export async function loadWeights(path: string, options: LoadWeightsOptions = {}): Promise<LoadedWeights> {
  const where = `--weights ${path}`;
  const bytes = await readModelFile(path, where, GET_IT);
  const started = performance.now();
  let imported;
  try {
    imported = importEmoAffectNet(bytes, { weights: options.storage ?? 'float32' });
  } catch (error) {
    if (error instanceof CheckpointError) throw new WeightsError(`${where}: ${error.message}`);
    throw error;
  }
  const importMs = performance.now() - started;
  const fileSha256 = sha256(bytes);
  const id = options.id ?? EMO_AFFECTNET_ID;
  const entry: ClassifierEntry = {
    ...imported.entry,
    id,
    // Not a file in models/: the engine gets the bytes from memory under this name.
    file: `${id}.onnx`,
    sha256: sha256(imported.onnx),
    bytes: imported.onnx.length,
  };
  return {
    entry,
    onnx: imported.onnx,
    path,
    fileSha256,
    fileBytes: bytes.length,
    from: imported.from,
    importMs,
    authors: fileSha256 === EMO_AFFECTNET_SHA256,
  };
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

/** The line the tools print after an import: what was read, what was built, where it lives (memory). */
export function describeWeights(w: LoadedWeights): string {
  const what = w.from === 'pytorch' ? 'PyTorch state_dict' : 'ONNX model';
  const built =
    w.from === 'pytorch'
      ? `built ${w.entry.weights} ONNX (${mb(w.entry.bytes)}) in ${(w.importMs / 1000).toFixed(2)} s`
      : `checked in ${(w.importMs / 1000).toFixed(2)} s`;
  const batch = (w.entry.maxBatch ?? 1) > 1 ? `up to ${w.entry.maxBatch} faces per call` : '1 face per call';
  const origin = w.authors
    ? "the authors' file"
    : `NOT the authors' file (their SHA-256 is ${EMO_AFFECTNET_SHA256.slice(0, 12)}...): its emotions are not EMO-AffectNet's`;
  return (
    `${w.entry.id}: ${w.path}: ${what}, ${mb(w.fileBytes)}, SHA-256 ${w.fileSha256.slice(0, 12)}..., ${origin}; ` +
    `${built}, ${batch}; kept in memory, nothing cached`
  );
}

/**
 * The tools' step for --weights: undefined without it; the loaded model, reported on stderr, with it; null
 * after printing why the file cannot be used (the tool then exits with 1).
 */
export async function loadWeightsForTool(
  tool: string,
  path: string | undefined,
  io: CliIo,
  options: LoadWeightsOptions = {},
): Promise<LoadedWeights | undefined | null> {
  if (path === undefined) return undefined;
  try {
    const loaded = await loadWeights(path, options);
    io.err(`${tool}: ${describeWeights(loaded)}\n`);
    return loaded;
  } catch (error) {
    if (!(error instanceof WeightsError)) throw error;
    io.err(`${tool}: ${error.message}\n`);
    return null;
  }
}

// ---- --temporal: EMO-AffectNet's LSTM over the ResNet-50's features ----

export const TEMPORAL_OPTION: OptionSpecs = {
  temporal: {
    type: 'string',
    value: '<lstm.pt|lstm.onnx>',
    description:
      `EMO-AffectNet temporal model (not bundled): one of the authors' ${EMO_AFFECTNET_LSTM_FILE_PATTERN}\n` +
      'or an ONNX export; needs --weights. Each argument is then a video (read with ffmpeg at 5 fps) or a\n' +
      'folder of frames (in name order, --fps apart), and every face also gets its emotion smoothed over 2 s',
  },
};

export interface LoadedTemporal {
  entry: TemporalEntry;
  onnx: Uint8Array;
  path: string;
  fileBytes: number;
  from: 'pytorch' | 'onnx';
  importMs: number;
}

/** Reads and imports an LSTM file; throws WeightsError with a message for the user. */
export async function loadTemporal(path: string): Promise<LoadedTemporal> {
  const where = `--temporal ${path}`;
  const GET_LSTM = `The temporal models are not bundled: download one of the authors' ${EMO_AFFECTNET_LSTM_FILE_PATTERN} (${EMO_AFFECTNET_LSTM_SOURCE}).`;
  const bytes = await readModelFile(path, where, GET_LSTM);
  const started = performance.now();
  let imported;
  try {
    imported = importEmoAffectNetLstm(bytes);
  } catch (error) {
    if (error instanceof CheckpointError) throw new WeightsError(`${where}: ${error.message}`);
    throw error;
  }
  const importMs = performance.now() - started;
  const entry: TemporalEntry = {
    ...imported.entry,
    file: `${imported.entry.id}.onnx`,
    sha256: sha256(imported.onnx),
    bytes: imported.onnx.length,
  };
  return { entry, onnx: imported.onnx, path, fileBytes: bytes.length, from: imported.from, importMs };
}

/**
 * The ResNet-50 entry with its features output switched on (engine.ts then gives Face.features), for the
 * temporal model; throws WeightsError when an ONNX export lacks the [batch, 512] features output.
 */
export function withFeatures(weights: LoadedWeights, temporal: LoadedTemporal): LoadedWeights {
  const features = weights.entry.outputs.find(
    (o) => o.name !== weights.entry.output && o.shape[o.shape.length - 1] === temporal.entry.input.shape[2],
  );
  if (!features) {
    throw new WeightsError(
      `--weights ${weights.path}: this ONNX export has no features output [batch, ${temporal.entry.input.shape[2]}] ` +
        "(relu(fc1)), which the temporal model reads: give the authors' .pt, or export the features as a second output.",
    );
  }
  return { ...weights, entry: { ...weights.entry, featuresOutput: features.name } };
}

export function describeTemporal(t: LoadedTemporal): string {
  const what = t.from === 'pytorch' ? 'PyTorch state_dict' : 'ONNX model';
  return (
    `${t.entry.id}: ${t.path}: ${what}, ${mb(t.fileBytes)}; ${t.from === 'pytorch' ? 'built' : 'checked'} in ` +
    `${(t.importMs / 1000).toFixed(2)} s; ${t.entry.window} features at ${t.entry.sampleFps} fps ` +
    `(${t.entry.window / t.entry.sampleFps} s) per face; kept in memory, nothing cached`
  );
}
