/**
 * The models the user installed (src/model-store), as manifest entries for the engine and a loader for their
 * bytes that refuses missing or damaged data with a message saying how to fix it. A store that cannot be
 * read is a note, never a failed engine: the bundled models still work.
 */
import { featuresOutputOf } from '../emo-affectnet/manifest-entry.ts';
import type { ClassifierEntry, TemporalEntry } from '../ml/manifest.ts';
import { sha256Hex } from '../model-install/sha256.ts';
import {
  isClassifierInfo,
  openUserModelStore,
  USER_MODEL_FILE_PREFIX,
  type UserModelStore,
} from '../model-store/user-model-store.ts';

export interface UserModels {
  /** Classifiers, for the engine's manifest. */
  entries: ClassifierEntry[];
  /** Temporal models (EMO-AffectNet's LSTM): never in the manifest (extension-engine.ts gives one to the engine host beside it). */
  temporal: TemporalEntry[];
  /** Problems found while listing them, for people. */
  notes: string[];
}

const REINSTALL = 'Remove it and install it again on the options page (Affect Lens > Options).';
const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

export const isUserModelFile = (file: string): boolean => file.startsWith(USER_MODEL_FILE_PREFIX);

export async function listUserModels(
  open: () => Promise<UserModelStore> = () => openUserModelStore(),
): Promise<UserModels> {
  let store: UserModelStore | undefined;
  try {
    store = await open();
    const infos = await store.list();
    return {
      entries: infos.filter(isClassifierInfo).map((i) => i.entry),
      temporal: infos.flatMap((i) => (isClassifierInfo(i) ? [] : [i.entry])),
      notes: [],
    };
  } catch (error) {
    return {
      entries: [],
      temporal: [],
      notes: [`The installed models could not be read from the browser's storage (${errorText(error)}).`],
    };
  } finally {
    store?.close();
  }
}

/** The stored ONNX of a user model's entry, checked against the SHA-256 recorded when it was installed. */
export async function loadUserModel(
  entry: Pick<ClassifierEntry, 'id' | 'file' | 'sha256'>,
  open: () => Promise<UserModelStore> = () => openUserModelStore(),
): Promise<Uint8Array> {
  const store = await open();
  let bytes: Uint8Array | null;
  try {
    bytes = await store.bytes(entry.file.slice(USER_MODEL_FILE_PREFIX.length));
  } finally {
    store.close();
  }
  if (!bytes) throw new Error(`its stored data is missing. ${REINSTALL}`);
  if ((await sha256Hex(bytes)) !== entry.sha256) {
    throw new Error(
      `the stored model is damaged (its SHA-256 differs from when it was installed). ${REINSTALL}`,
    );
  }
  return bytes;
}

/**
 * The installed temporal model the engine can run, with its classifier's entry naming the features output it
 * reads (so the engine gives Face.features); or why it cannot run. A ResNet-50 imported from the authors'
 * .pt has always recorded its `features` output (since the first import code); an ONNX export may lack it.
 */
export function withTemporal(
  classifiers: readonly ClassifierEntry[],
  installed: readonly TemporalEntry[],
): { classifiers: ClassifierEntry[]; temporal: TemporalEntry | null; note: string | null } {
  const temporal = installed[0];
  if (!temporal) return { classifiers: [...classifiers], temporal: null, note: null };
  const reader = classifiers.find((c) => c.id === temporal.featuresOf);
  if (!reader) {
    return {
      classifiers: [...classifiers],
      temporal: null,
      note: `The temporal model "${temporal.id}" reads the features of "${temporal.featuresOf}", which is not installed.`,
    };
  }
  const features = featuresOutputOf(reader, temporal.input.shape[2]);
  if (features === null) {
    return {
      classifiers: [...classifiers],
      temporal: null,
      note:
        `The installed "${reader.id}" has no features output (an ONNX export with logits only), which the ` +
        `temporal model reads: install the authors' .pt on the options page to use "Smoothed over 2 s".`,
    };
  }
  return {
    classifiers: classifiers.map((c) => (c === reader ? { ...c, featuresOutput: features } : c)),
    temporal,
    note: null,
  };
}
