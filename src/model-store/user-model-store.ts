/**
 * The user's installed models in IndexedDB (database "affect-lens-models"): the small description of each
 * model (its manifest entry, where it came from, when) apart from its ONNX bytes, so the options page and the
 * engine can list models without reading ~100 MB. Both are written in one transaction: a model is there
 * whole or not at all. Same origin for every extension page, so the options page and the offscreen document
 * see the same store.
 */
import type { ClassifierEntry, TemporalEntry } from '../ml/manifest.ts';

export const DB_NAME = 'affect-lens-models';
const DB_VERSION = 1;
const INFO = 'model-info';
const BYTES = 'model-bytes';

/** `file` of a user model's manifest entry: not a file of the package, a key of this store. */
export const USER_MODEL_FILE_PREFIX = 'user-model:';
export const userModelFile = (id: string): string => `${USER_MODEL_FILE_PREFIX}${id}`;

export type ModelOrigin = { kind: 'download'; url: string } | { kind: 'file'; name: string };

export interface InstalledModelInfo {
  id: string;
  /** Manifest entry; `file` is userModelFile(id), `sha256`/`bytes` describe the stored ONNX. */
  entry: ClassifierEntry;
  origin: ModelOrigin;
  /** What the user gave: a PyTorch state_dict or an ONNX model. */
  from: 'pytorch' | 'onnx';
  /** SHA-256 (hex) and size of the file the user downloaded or picked. */
  sourceSha256: string;
  sourceBytes: number;
  /** Faces per call: null for a symbolic batch dimension (any number). */
  batchSize: number | null;
  /** Date.now() when installed. */
  installedAtMs: number;
  /** Time to read the checkpoint and build the ONNX, ms. */
  buildMs: number;
}

/**
 * A temporal model (EMO-AffectNet's LSTM, src/emo-affectnet/lstm-import.ts), stored like a classifier. It is
 * not a manifest model: src/runtime/user-models.ts keeps it out of the engine's manifest.
 */
export interface InstalledTemporalInfo extends Omit<InstalledModelInfo, 'entry' | 'batchSize'> {
  entry: TemporalEntry;
}

export type StoredModelInfo = InstalledModelInfo | InstalledTemporalInfo;

export const isClassifierInfo = (info: StoredModelInfo): info is InstalledModelInfo =>
  info.entry.kind === 'classifier';

export interface UserModelStore {
  list(): Promise<StoredModelInfo[]>;
  info(id: string): Promise<StoredModelInfo | null>;
  /** The stored ONNX bytes; null when the model is not installed. */
  bytes(id: string): Promise<Uint8Array | null>;
  put(info: StoredModelInfo, onnx: Uint8Array): Promise<void>;
  remove(id: string): Promise<void>;
  close(): void;
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted (storage full?)'));
  });
}

export async function openUserModelStore(factory: IDBFactory = indexedDB): Promise<UserModelStore> {
  const open = factory.open(DB_NAME, DB_VERSION);
  open.onupgradeneeded = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains(INFO)) db.createObjectStore(INFO, { keyPath: 'id' });
    if (!db.objectStoreNames.contains(BYTES)) db.createObjectStore(BYTES);
  };
  const db = await request(open);

  return {
    async list() {
      const tx = db.transaction(INFO, 'readonly');
      return (await request(tx.objectStore(INFO).getAll())) as StoredModelInfo[];
    },
    async info(id) {
      const tx = db.transaction(INFO, 'readonly');
      return ((await request(tx.objectStore(INFO).get(id))) as StoredModelInfo | undefined) ?? null;
    },
    async bytes(id) {
      const tx = db.transaction(BYTES, 'readonly');
      const value = (await request(tx.objectStore(BYTES).get(id))) as ArrayBuffer | undefined;
      return value === undefined ? null : new Uint8Array(value);
    },
    async put(info, onnx) {
      if (info.entry.bytes !== onnx.length) {
        throw new Error(
          `model '${info.id}': the entry says ${info.entry.bytes} bytes, the ONNX has ${onnx.length}`,
        );
      }
      const tx = db.transaction([INFO, BYTES], 'readwrite');
      const written = done(tx);
      // An ArrayBuffer of exactly the model (a view may sit in a larger buffer).
      const buffer = onnx.buffer.slice(onnx.byteOffset, onnx.byteOffset + onnx.byteLength);
      tx.objectStore(BYTES).put(buffer, info.id);
      tx.objectStore(INFO).put(info);
      await written;
    },
    async remove(id) {
      const tx = db.transaction([INFO, BYTES], 'readwrite');
      const removed = done(tx);
      tx.objectStore(INFO).delete(id);
      tx.objectStore(BYTES).delete(id);
      await removed;
    },
    close: () => db.close(),
  };
}
