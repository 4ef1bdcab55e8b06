import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import type { ClassifierEntry, TemporalEntry } from '../ml/manifest.ts';
import { sha256Hex } from '../model-install/sha256.ts';
import {
  type InstalledModelInfo,
  type InstalledTemporalInfo,
  openUserModelStore,
  userModelFile,
} from '../model-store/user-model-store.ts';
import { isUserModelFile, listUserModels, loadUserModel, withTemporal } from './user-models.ts';

async function storeWith(onnx: Uint8Array) {
  const factory = new IDBFactory();
  const store = await openUserModelStore(factory);
  const entry = {
    id: 'emo-affectnet',
    kind: 'classifier',
    file: userModelFile('emo-affectnet'),
    sha256: await sha256Hex(onnx),
    bytes: onnx.length,
  } as ClassifierEntry;
  await store.put({ id: 'emo-affectnet', entry } as InstalledModelInfo, onnx);
  store.close();
  return { open: () => openUserModelStore(factory), entry, factory };
}

describe('user models for the engine', () => {
  it('lists installed entries and loads their checked bytes', async () => {
    const { open, entry } = await storeWith(new Uint8Array([1, 2, 3]));
    await expect(listUserModels(open)).resolves.toEqual({ entries: [entry], temporal: [], notes: [] });
    expect(isUserModelFile(entry.file)).toBe(true);
    expect(isUserModelFile('face-api-expression.onnx')).toBe(false);
    expect([...(await loadUserModel(entry, open))]).toEqual([1, 2, 3]);
  });

  it('refuses damaged or missing data, saying how to fix it', async () => {
    const { open, entry } = await storeWith(new Uint8Array([1, 2, 3]));
    const store = await open();
    await store.put({ id: 'emo-affectnet', entry } as InstalledModelInfo, new Uint8Array([1, 2, 4]));
    store.close();
    await expect(loadUserModel(entry, open)).rejects.toThrow(
      'the stored model is damaged (its SHA-256 differs from when it was installed). Remove it and install it again on the options page (Affect Lens > Options).',
    );
    await expect(loadUserModel({ ...entry, file: userModelFile('gone') }, open)).rejects.toThrow(
      /^its stored data is missing\. Remove it/,
    );
  });

  it('turns an unreadable store into a note, not a failure', async () => {
    const broken = () => Promise.reject(new Error('QuotaExceededError'));
    await expect(listUserModels(broken)).resolves.toEqual({
      entries: [],
      temporal: [],
      notes: ["The installed models could not be read from the browser's storage (QuotaExceededError)."],
    });
  });

  it('keeps a temporal model (the LSTM) out of the manifest entries, listed apart', async () => {
    const { open, entry } = await storeWith(new Uint8Array([1, 2, 3]));
    const store = await open();
    const temporal = {
      id: 'emo-affectnet-lstm',
      kind: 'temporal',
      file: userModelFile('emo-affectnet-lstm'),
      bytes: 2,
    } as TemporalEntry;
    await store.put(
      { id: 'emo-affectnet-lstm', entry: temporal } as InstalledTemporalInfo,
      new Uint8Array([4, 5]),
    );
    store.close();
    await expect(listUserModels(open)).resolves.toEqual({
      entries: [entry],
      temporal: [temporal],
      notes: [],
    });
  });
});

describe('withTemporal: the temporal model with the classifier whose features it reads', () => {
  const resnet = (outputs: { name: string; shape: number[] }[]) =>
    ({ id: 'emo-affectnet', kind: 'classifier', output: 'logits', outputs }) as unknown as ClassifierEntry;
  const lstm = {
    id: 'emo-affectnet-lstm',
    kind: 'temporal',
    featuresOf: 'emo-affectnet',
    input: { name: 'features', shape: [1, 10, 512] },
  } as unknown as TemporalEntry;
  const logits = { name: 'logits', shape: [1, 7] };

  it('names the features output on the classifier (a .pt import always has one)', () => {
    const r = withTemporal([resnet([logits, { name: 'features', shape: [1, 512] }])], [lstm]);
    expect(r.temporal).toBe(lstm);
    expect(r.note).toBeNull();
    expect(r.classifiers[0]!.featuresOutput).toBe('features');
  });

  it('leaves it out, saying why, for an ONNX export with logits only or without its classifier', () => {
    const noFeatures = withTemporal([resnet([logits])], [lstm]);
    expect(noFeatures.temporal).toBeNull();
    expect(noFeatures.classifiers[0]!.featuresOutput).toBeUndefined();
    expect(noFeatures.note).toMatch(
      /^The installed "emo-affectnet" has no features output .*install the authors' \.pt/,
    );
    expect(withTemporal([], [lstm])).toMatchObject({
      temporal: null,
      note: 'The temporal model "emo-affectnet-lstm" reads the features of "emo-affectnet", which is not installed.',
    });
    expect(withTemporal([resnet([logits])], [])).toMatchObject({ temporal: null, note: null });
  });
});
