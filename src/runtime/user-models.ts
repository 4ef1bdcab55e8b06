/**
 * The models the user installed (src/model-store), as manifest entries for the engine and a loader for their
 * bytes that refuses missing or damaged data with a message saying how to fix it. A store that cannot be
 * read is a note, never a failed engine: the bundled models still work.
 */
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
  /** Temporal models (EMO-AffectNet's LSTM): never in the manifest (the engine does not run them yet). */
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
