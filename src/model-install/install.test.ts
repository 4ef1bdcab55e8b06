import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { CheckpointError } from '../checkpoint/checkpoint-error.ts';
import { importEmoAffectNet } from '../emo-affectnet/import.ts';
import { EMO_AFFECTNET_ID } from '../emo-affectnet/manifest-entry.ts';
import { type TestTensor, writeStateDictCheckpoint } from '../checkpoint/test-checkpoint-writer.ts';
import { expectedLstmParams } from '../emo-affectnet/lstm-architecture.ts';
import { attr, OnnxGraphBuilder } from '../onnx/onnx-builder.ts';
import { openUserModelStore, userModelFile } from '../model-store/user-model-store.ts';
import { DownloadError } from './download.ts';
import {
  installEmoAffectNet,
  installEmoAffectNetLstm,
  removeEmoAffectNet,
  removeEmoAffectNetLstm,
  verifySha256,
} from './install.ts';
import { sha256Hex } from './sha256.ts';

/** A tiny ONNX with EMO-AffectNet's signature (input [batch,3,224,224], logits [batch,7]). */
function onnxWithTheRightSignature(): Uint8Array {
  const b = new OnnxGraphBuilder('signature_only');
  b.input('input', 'float32', ['batch', 3, 224, 224]);
  b.node('GlobalAveragePool', ['input'], ['pooled']);
  b.node('Flatten', ['pooled'], ['flat'], { axis: attr.int(1) });
  b.constFloat('w', new Float32Array(7 * 3), [7, 3]);
  b.node('Gemm', ['flat', 'w'], ['logits'], { transB: attr.int(1) });
  b.output('logits', 'float32', ['batch', 7]);
  return b.serialize({ producerName: 'test', producerVersion: '0', opset: 17 });
}

describe('verifySha256', () => {
  it('accepts the published hash and refuses any other, saying both', async () => {
    const bytes = new TextEncoder().encode('abc');
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    await expect(verifySha256(bytes, abc.toUpperCase())).resolves.toBe(abc);
    const error = await verifySha256(bytes, '00'.repeat(32)).catch((e: unknown) => e as DownloadError);
    expect(error).toBeInstanceOf(DownloadError);
    expect((error as DownloadError).kind).toBe('checksum');
    expect((error as DownloadError).message).toBe(
      'The downloaded file (0.0 MB) is not the published FER_static_ResNet50_AffectNet.pt: ' +
        `its SHA-256 is ${abc}, expected ${'00'.repeat(32)}. It was not used. ` +
        'Download it again, or pick a copy you trust.',
    );
  });
});

describe('installEmoAffectNet', () => {
  const deps = async () => ({
    store: await openUserModelStore(new IDBFactory()),
    now: () => 1_700_000_000_000,
    clockMs: (() => {
      let t = 0;
      return () => (t += 5);
    })(),
  });

  it('stores an ONNX export with its manifest entry, source and timing', async () => {
    const d = await deps();
    const onnx = onnxWithTheRightSignature();
    const info = await installEmoAffectNet(onnx, { kind: 'file', name: 'emo.onnx' }, d);
    expect(info).toMatchObject({
      id: EMO_AFFECTNET_ID,
      origin: { kind: 'file', name: 'emo.onnx' },
      from: 'onnx',
      sourceSha256: await sha256Hex(onnx),
      sourceBytes: onnx.length,
      installedAtMs: 1_700_000_000_000,
      buildMs: 5,
    });
    expect(info.entry).toMatchObject({
      id: EMO_AFFECTNET_ID,
      kind: 'classifier',
      file: userModelFile(EMO_AFFECTNET_ID),
      bytes: onnx.length,
      sha256: await sha256Hex(onnx),
      labels: ['neutral', 'happiness', 'sadness', 'surprise', 'fear', 'disgust', 'anger'],
    });
    await expect(d.store.list()).resolves.toEqual([info]);
    expect(await d.store.bytes(EMO_AFFECTNET_ID)).toEqual(onnx);
  });

  it('refuses a file that is not the model, storing nothing', async () => {
    const d = await deps();
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
    await expect(installEmoAffectNet(png, { kind: 'file', name: 'x.png' }, d)).rejects.toThrow(
      CheckpointError,
    );
    await expect(d.store.list()).resolves.toEqual([]);
  });

  it('builds with the given builder (the options page: a worker), and stores nothing when it fails', async () => {
    const d = await deps();
    const onnx = onnxWithTheRightSignature();
    const built: number[] = [];
    const info = await installEmoAffectNet(
      onnx,
      { kind: 'file', name: 'emo.onnx' },
      {
        ...d,
        build: (bytes) => {
          built.push(bytes.length);
          return Promise.resolve(importEmoAffectNet(bytes));
        },
      },
    );
    expect(built).toEqual([onnx.length]);
    expect(info.from).toBe('onnx');
    await d.store.remove(EMO_AFFECTNET_ID);
    await expect(
      installEmoAffectNet(
        onnx,
        { kind: 'file', name: 'emo.onnx' },
        { ...d, build: () => Promise.reject(new Error('The model builder stopped: out of memory')) },
      ),
    ).rejects.toThrow('The model builder stopped: out of memory');
    await expect(d.store.list()).resolves.toEqual([]);
  });
});

describe('installEmoAffectNetLstm (the temporal model, next to EMO-AffectNet)', () => {
  const deps = async () => ({
    store: await openUserModelStore(new IDBFactory()),
    now: () => 1_700_000_000_000,
    clockMs: () => 0,
  });
  /** The LSTM's state_dict, zero weights (the checks never look at values). */
  const lstmPt = (): Uint8Array => {
    const tensors = new Map<string, TestTensor>();
    for (const p of expectedLstmParams()) {
      tensors.set(p.key, {
        dtype: 'float32',
        shape: p.shape,
        data: new Float32Array(p.shape.reduce((a, b) => a * b, 1)),
      });
    }
    return writeStateDictCheckpoint(tensors, 'FER_dinamic_LSTM_Aff-Wild2');
  };

  it('needs the ResNet-50 installed first, with its features output', async () => {
    const d = await deps();
    await expect(installEmoAffectNetLstm(lstmPt(), { kind: 'file', name: 'l.pt' }, d)).rejects.toThrow(
      "The temporal model (FER_dinamic_LSTM_<corpus>.pt) reads the features of EMO-AffectNet's ResNet-50: install that first.",
    );
    // An ONNX export with logits only cannot feed it.
    await installEmoAffectNet(onnxWithTheRightSignature(), { kind: 'file', name: 'emo.onnx' }, d);
    await expect(installEmoAffectNetLstm(lstmPt(), { kind: 'file', name: 'l.pt' }, d)).rejects.toThrow(
      /^The installed EMO-AffectNet is an ONNX export without the 512-d features output/,
    );
    await expect(d.store.list()).resolves.toHaveLength(1);
  });

  it('stores the built LSTM with its temporal entry beside the ResNet-50', async () => {
    const d = await deps();
    const resnet = await installEmoAffectNet(
      onnxWithTheRightSignature(),
      { kind: 'file', name: 'emo.onnx' },
      d,
    );
    // What a .pt import of the ResNet-50 records: logits and features.
    await d.store.put(
      {
        ...resnet,
        entry: { ...resnet.entry, outputs: [...resnet.entry.outputs, { name: 'features', shape: [1, 512] }] },
      },
      (await d.store.bytes(EMO_AFFECTNET_ID))!,
    );
    const pt = lstmPt();
    const info = await installEmoAffectNetLstm(
      pt,
      { kind: 'file', name: 'FER_dinamic_LSTM_Aff-Wild2.pt' },
      d,
    );
    expect(info).toMatchObject({ id: 'emo-affectnet-lstm', from: 'pytorch', sourceBytes: pt.length });
    expect(info.entry).toMatchObject({
      kind: 'temporal',
      featuresOf: EMO_AFFECTNET_ID,
      file: userModelFile('emo-affectnet-lstm'),
      window: 10,
      sampleFps: 5,
    });
    expect((await d.store.bytes('emo-affectnet-lstm'))?.length).toBe(info.entry.bytes);
    expect((await d.store.list()).map((i) => i.entry.kind).sort()).toEqual(['classifier', 'temporal']);
  });

  it('goes alone with removeEmoAffectNetLstm, and with the ResNet-50 with removeEmoAffectNet', async () => {
    const d = await deps();
    const resnet = await installEmoAffectNet(
      onnxWithTheRightSignature(),
      { kind: 'file', name: 'emo.onnx' },
      d,
    );
    const withFeatures = {
      ...resnet,
      entry: { ...resnet.entry, outputs: [...resnet.entry.outputs, { name: 'features', shape: [1, 512] }] },
    };
    await d.store.put(withFeatures, (await d.store.bytes(EMO_AFFECTNET_ID))!);
    const lstm = { kind: 'file', name: 'FER_dinamic_LSTM_Aff-Wild2.pt' } as const;
    await installEmoAffectNetLstm(lstmPt(), lstm, d);
    await removeEmoAffectNetLstm(d.store);
    expect((await d.store.list()).map((i) => i.id)).toEqual([EMO_AFFECTNET_ID]);
    await installEmoAffectNetLstm(lstmPt(), lstm, d);
    await removeEmoAffectNet(d.store);
    await expect(d.store.list()).resolves.toEqual([]);
    await expect(d.store.bytes('emo-affectnet-lstm')).resolves.toBeNull();
  });
});
