import { describe, expect, it } from 'vitest';
import type { Manifest, ModelEntry, TemporalEntry } from '../ml/manifest.ts';
import { composeModels } from './model-composition.ts';

const entry = (id: string, file = `${id}.onnx`) => ({ id, file, kind: 'classifier' }) as ModelEntry;
const bundled = { version: 1, models: [entry('det'), entry('cls')] } as unknown as Manifest;
const bytes = (n: number) => () => Promise.resolve(new Uint8Array([n]));
const readBundled = (file: string) => Promise.resolve(new TextEncoder().encode(file));

describe('composeModels', () => {
  it('puts extra classifiers after the bundled ones and temporal models only in the backend', () => {
    const lstm = { id: 'lstm', file: 'user:lstm', kind: 'temporal' } as TemporalEntry;
    const c = composeModels({
      bundled,
      readBundled,
      extra: [{ entry: entry('emo', 'user:emo'), bytes: bytes(1) }],
      temporal: [{ entry: lstm, bytes: bytes(2) }],
    });
    expect(c.manifest.models.map((m) => m.id)).toEqual(['det', 'cls', 'emo']);
    expect(c.backendModels.models.map((m) => m.id)).toEqual(['det', 'cls', 'emo', 'lstm']);
    expect([...c.extraIds]).toEqual(['emo']);
  });

  it('leaves out an extra model whose id a bundled model has', () => {
    const c = composeModels({
      bundled,
      readBundled,
      extra: [{ entry: entry('cls', 'user:cls'), bytes: bytes(1) }],
    });
    expect(c.manifest.models.map((m) => m.file)).toEqual(['det.onnx', 'cls.onnx']);
    expect(c.extraIds.size).toBe(0);
  });

  it('serves each file from where it lives', async () => {
    const c = composeModels({
      bundled,
      readBundled,
      extra: [{ entry: entry('emo', 'user:emo'), bytes: bytes(7) }],
    });
    expect([...(await c.loadModel('user:emo'))]).toEqual([7]);
    expect(new TextDecoder().decode(await c.loadModel('det.onnx'))).toBe('det.onnx');
  });
});
