import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import type { ClassifierEntry } from '../ml/manifest.ts';
import { type InstalledModelInfo, openUserModelStore, userModelFile } from './user-model-store.ts';

function infoFor(id: string, bytes: number): InstalledModelInfo {
  return {
    id,
    entry: { id, kind: 'classifier', file: userModelFile(id), bytes, sha256: 'ab' } as ClassifierEntry,
    origin: { kind: 'file', name: 'model.pt' },
    from: 'pytorch',
    sourceSha256: 'cd',
    sourceBytes: 10,
    batchSize: null,
    installedAtMs: 1_700_000_000_000,
    buildMs: 1234,
  };
}

describe('user model store', () => {
  it('stores a model, lists it, returns its bytes, removes it', async () => {
    const factory = new IDBFactory();
    const store = await openUserModelStore(factory);
    await expect(store.list()).resolves.toEqual([]);
    await expect(store.bytes('m')).resolves.toBeNull();

    // A view into a larger buffer: only the view's bytes are stored.
    const onnx = new Uint8Array([9, 1, 2, 3, 9]).subarray(1, 4);
    await store.put(infoFor('m', 3), onnx);
    await expect(store.list()).resolves.toEqual([infoFor('m', 3)]);
    await expect(store.info('m')).resolves.toEqual(infoFor('m', 3));
    expect([...(await store.bytes('m'))!]).toEqual([1, 2, 3]);

    await store.remove('m');
    await expect(store.info('m')).resolves.toBeNull();
    await expect(store.bytes('m')).resolves.toBeNull();
    store.close();
  });

  it('survives closing and reopening (a browser restart)', async () => {
    const factory = new IDBFactory();
    const first = await openUserModelStore(factory);
    await first.put(infoFor('m', 2), new Uint8Array([7, 8]));
    first.close();
    const second = await openUserModelStore(factory);
    expect([...(await second.bytes('m'))!]).toEqual([7, 8]);
    second.close();
  });

  it('refuses an entry whose byte count disagrees with the ONNX, storing nothing', async () => {
    const store = await openUserModelStore(new IDBFactory());
    await expect(store.put(infoFor('m', 5), new Uint8Array(3))).rejects.toThrow(
      /entry says 5 bytes, the ONNX has 3/,
    );
    await expect(store.list()).resolves.toEqual([]);
    store.close();
  });
});
