/**
 * Installs EMO-AffectNet from the bytes the user downloaded or picked: the published checksum is checked
 * first for a download, then src/emo-affectnet's import (the same code as the Node golden test) reads the
 * checkpoint without executing it and builds the ONNX, which is stored with its manifest entry.
 */
import {
  EMO_AFFECTNET_FILE_NAME,
  EMO_AFFECTNET_ID,
  featuresOutputOf,
} from '../emo-affectnet/manifest-entry.ts';
import { type ImportedModel, importEmoAffectNet } from '../emo-affectnet/import.ts';
import {
  EMO_AFFECTNET_LSTM_FILE_PATTERN,
  EMO_AFFECTNET_LSTM_ID,
  type ImportedTemporalModel,
  importEmoAffectNetLstm,
} from '../emo-affectnet/lstm-import.ts';
import type { ClassifierEntry, TemporalEntry } from '../ml/manifest.ts';
import {
  type InstalledModelInfo,
  type InstalledTemporalInfo,
  isClassifierInfo,
  type ModelOrigin,
  type UserModelStore,
  userModelFile,
} from '../model-store/user-model-store.ts';
import { DownloadError, formatMb } from './download.ts';
import { sha256Hex } from './sha256.ts';

/** Throws a DownloadError('checksum') unless `bytes` hash to `expectedSha256`: nothing else is trusted. */
export async function verifySha256(bytes: Uint8Array, expectedSha256: string): Promise<string> {
  const actual = await sha256Hex(bytes);
  if (actual !== expectedSha256.toLowerCase()) {
    throw new DownloadError(
      'checksum',
      `The downloaded file (${formatMb(bytes.length)}) is not the published ${EMO_AFFECTNET_FILE_NAME}: ` +
        `its SHA-256 is ${actual}, expected ${expectedSha256}. It was not used. ` +
        'Download it again, or pick a copy you trust.',
    );
  }
  return actual;
}

export interface InstallDeps {
  store: UserModelStore;
  /** Epoch ms (Date.now). */
  now: () => number;
  /** Monotonic ms (performance.now). */
  clockMs: () => number;
  /** A known SHA-256 of `bytes` (a verified download), to skip hashing them again. */
  sourceSha256?: string;
  /**
   * Reads the file and builds the ONNX (default: src/emo-affectnet's import, here and now). The options page
   * passes import-in-worker.ts, so the build does not freeze it.
   */
  build?: (bytes: Uint8Array) => Promise<ImportedModel>;
}

export async function installEmoAffectNet(
  bytes: Uint8Array,
  origin: ModelOrigin,
  deps: InstallDeps,
): Promise<InstalledModelInfo> {
  const sourceSha256 = deps.sourceSha256 ?? (await sha256Hex(bytes));
  const started = deps.clockMs();
  // Throws a CheckpointError that says what is wrong with the file and where to get the right one.
  const imported = await (deps.build ?? ((b) => Promise.resolve(importEmoAffectNet(b))))(bytes);
  const buildMs = deps.clockMs() - started;
  const entry: ClassifierEntry = {
    ...imported.entry,
    file: userModelFile(EMO_AFFECTNET_ID),
    sha256: await sha256Hex(imported.onnx),
    bytes: imported.onnx.length,
  };
  const info: InstalledModelInfo = {
    id: EMO_AFFECTNET_ID,
    entry,
    origin,
    from: imported.from,
    sourceSha256,
    sourceBytes: bytes.length,
    batchSize: imported.batchSize,
    installedAtMs: deps.now(),
    buildMs,
  };
  await deps.store.put(info, imported.onnx);
  return info;
}

/**
 * Installs one of EMO-AffectNet's temporal models (an LSTM over the ResNet-50's features) from a file the
 * user picked, stored like the ResNet-50 under EMO_AFFECTNET_LSTM_ID. It reads the installed ResNet-50's
 * `features` output, so that must be installed first and have one (a .pt import always has; an ONNX export
 * may not). The options page offers it below the installed ResNet-50 (a ~12 MB build, about 0.1 s: no worker).
 */
export async function installEmoAffectNetLstm(
  bytes: Uint8Array,
  origin: ModelOrigin,
  deps: Omit<InstallDeps, 'build'> & { build?: (bytes: Uint8Array) => Promise<ImportedTemporalModel> },
): Promise<InstalledTemporalInfo> {
  const resnet = await deps.store.info(EMO_AFFECTNET_ID);
  if (!resnet || !isClassifierInfo(resnet)) {
    throw new Error(
      `The temporal model (${EMO_AFFECTNET_LSTM_FILE_PATTERN}) reads the features of EMO-AffectNet's ResNet-50: ` +
        'install that first.',
    );
  }
  if (featuresOutputOf(resnet.entry) === null) {
    throw new Error(
      'The installed EMO-AffectNet is an ONNX export without the 512-d features output that the temporal ' +
        "model reads: install the authors' FER_static_ResNet50_AffectNet.pt instead.",
    );
  }
  const sourceSha256 = deps.sourceSha256 ?? (await sha256Hex(bytes));
  const started = deps.clockMs();
  const imported = await (deps.build ?? ((b) => Promise.resolve(importEmoAffectNetLstm(b))))(bytes);
  const buildMs = deps.clockMs() - started;
  const entry: TemporalEntry = {
    ...imported.entry,
    file: userModelFile(EMO_AFFECTNET_LSTM_ID),
    sha256: await sha256Hex(imported.onnx),
    bytes: imported.onnx.length,
  };
  const info: InstalledTemporalInfo = {
    id: EMO_AFFECTNET_LSTM_ID,
    entry,
    origin,
    from: imported.from,
    sourceSha256,
    sourceBytes: bytes.length,
    installedAtMs: deps.now(),
    buildMs,
  };
  await deps.store.put(info, imported.onnx);
  return info;
}

/** Removes the temporal model (the ResNet-50 stays). */
export async function removeEmoAffectNetLstm(store: UserModelStore): Promise<void> {
  await store.remove(EMO_AFFECTNET_LSTM_ID);
}

/** Removes the ResNet-50 and with it the temporal model, which cannot run without its features. */
export async function removeEmoAffectNet(store: UserModelStore): Promise<void> {
  await store.remove(EMO_AFFECTNET_LSTM_ID);
  await store.remove(EMO_AFFECTNET_ID);
}
