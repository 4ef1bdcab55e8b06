import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type TestTensor,
  writeStateDictCheckpoint,
  writeStoredZip,
} from '../checkpoint/test-checkpoint-writer.ts';
import { expectedLstmParams } from '../emo-affectnet/lstm-architecture.ts';
import { UsageError } from './parse-command.ts';
import {
  MAX_MODEL_FILE_BYTES,
  WeightsError,
  describeTemporal,
  describeWeights,
  loadTemporal,
  loadWeights,
  readWeights,
  withFeatures,
} from './emo-weights.ts';
import { tinyEmoOnnx } from './fake-engine.test-helper.ts';

const GET_IT =
  'The weights are not bundled: download FER_static_ResNet50_AffectNet.pt ' +
  '(https://huggingface.co/ElenaRyumina/face_emotion_recognition/resolve/main/FER_static_ResNet50_AffectNet.pt) or give an ONNX export of it.';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'affect-lens-weights-'));
  await writeFile(join(dir, 'tiny.onnx'), tinyEmoOnnx());
  await writeFile(join(dir, 'notes.txt'), 'not a model');
  const zip = writeStoredZip([
    { name: 'archive/data.pkl', data: Uint8Array.from('\x80\x02}q\x00.', (c) => c.charCodeAt(0)) },
  ]);
  await writeFile(join(dir, 'truncated.pt'), zip.subarray(0, zip.length - 10));
  const evil = '\x80\x02cposix\nsystem\nq\x00X\n\x00\x00\x00echo pwnedq\x01\x85q\x02Rq\x03.';
  await writeFile(
    join(dir, 'evil.pt'),
    writeStoredZip([{ name: 'archive/data.pkl', data: Uint8Array.from(evil, (c) => c.charCodeAt(0)) }]),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readWeights: --weights against --model', () => {
  it.each([
    { weights: undefined, models: undefined, out: undefined },
    { weights: undefined, models: ['mini-xception'], out: ['mini-xception'] },
    { weights: 'w.pt', models: undefined, out: ['emo-affectnet'] },
    { weights: 'w.pt', models: ['emo-affectnet', 'mini-xception'], out: ['emo-affectnet', 'mini-xception'] },
  ])('--weights $weights --model $models -> $out', ({ weights, models, out }) => {
    expect(readWeights({ weights }, models)).toEqual({ weights, models: out });
  });

  it('does not imply the model where the tool runs every classifier without --model (bench)', () => {
    expect(readWeights({ weights: 'w.pt' }, undefined, false)).toEqual({
      weights: 'w.pt',
      models: undefined,
    });
  });

  it('--model emo-affectnet without --weights says where the weights come from', () => {
    expect(() => readWeights({}, ['emo-affectnet'])).toThrow(UsageError);
    expect(() => readWeights({}, ['emo-affectnet'])).toThrow(
      `--model emo-affectnet needs --weights <file.pt|file.onnx>. ${GET_IT}`,
    );
  });

  it('--weights with only other models is refused', () => {
    expect(() => readWeights({ weights: 'w.pt' }, ['mini-xception'])).toThrow(
      '--weights is for --model emo-affectnet, but --model names only mini-xception; add emo-affectnet to --model or drop --weights',
    );
  });
});

describe('loadWeights: the same import as the extension, messages for the user', () => {
  const failure = async (file: string): Promise<string> => {
    try {
      await loadWeights(file);
    } catch (error) {
      expect(error).toBeInstanceOf(WeightsError);
      return (error as Error).message;
    }
    throw new Error('expected loadWeights to fail');
  };

  it('a missing file', async () => {
    const file = join(dir, 'nope.pt');
    expect(await failure(file)).toBe(`--weights ${file}: no such file. ${GET_IT}`);
  });

  it('a folder', async () => {
    expect(await failure(dir)).toBe(`--weights ${dir}: is a folder; give the model file itself. ${GET_IT}`);
  });

  it('a device that never ends (/dev/zero), refused before a byte is read', async () => {
    const before = process.memoryUsage().arrayBuffers;
    expect(await failure('/dev/zero')).toBe(
      `--weights /dev/zero: is not a regular file (a device, pipe or socket). ${GET_IT}`,
    );
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
  });

  it('a file over the size limit, refused before it is read', async () => {
    const big = join(dir, 'huge.pt');
    await writeFile(big, '');
    await truncate(big, MAX_MODEL_FILE_BYTES + 1);
    expect(await failure(big)).toMatch(/: is 512 MiB; model files up to 512 MiB are read\./);
  });

  it('a file that is neither a checkpoint nor ONNX', async () => {
    expect(await failure(join(dir, 'notes.txt'))).toMatch(
      /: The file is neither a PyTorch checkpoint \(\.pt, a ZIP\) nor an ONNX model \(.+\)\. Use the authors'/,
    );
  });

  it('a truncated checkpoint', async () => {
    expect(await failure(join(dir, 'truncated.pt'))).toMatch(
      /truncated\.pt: ZIP: no end-of-central-directory record .* The file is truncated or damaged: download or copy it again\.$/,
    );
  });

  it('a checkpoint whose pickle asks for os.system', async () => {
    expect(await failure(join(dir, 'evil.pt'))).toMatch(
      /evil\.pt: Refused for safety: the pickle asks for the global "posix\.system"/,
    );
  });

  it('another model (the bundled mini-Xception given as weights)', async () => {
    const file = new URL('../../models/mini-xception.onnx', import.meta.url).pathname;
    expect(await failure(file)).toMatch(
      /mini-xception\.onnx: This ONNX model is not EMO-AffectNet's ResNet-50: expected one input float32 \[batch, 3, 224, 224\]/,
    );
  });

  it("an ONNX export: its entry (MODELS.md section 2), in memory under a name of its own, not the authors' file", async () => {
    const loaded = await loadWeights(join(dir, 'tiny.onnx'));
    expect(loaded.from).toBe('onnx');
    expect(loaded.authors).toBe(false);
    expect(loaded.entry).toMatchObject({
      id: 'emo-affectnet',
      kind: 'classifier',
      file: 'emo-affectnet.onnx',
      bytes: loaded.onnx.length,
      labels: ['neutral', 'happiness', 'sadness', 'surprise', 'fear', 'disgust', 'anger'],
      outputIsProbability: false,
      maxBatch: 8,
      preprocessing: { color: 'bgr', fit: 'stretch', resize: 'nearest', mean: [91.4953, 103.8827, 131.0912] },
    });
    expect(loaded.entry.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await loadWeights(join(dir, 'tiny.onnx'), { id: 'other' })).entry.file).toBe('other.onnx');
    expect(describeWeights(loaded)).toMatch(
      /^emo-affectnet: .*tiny\.onnx: ONNX model, 0\.0 MB, SHA-256 [0-9a-f]{12}\.\.\., NOT the authors' file .*; checked in \d+\.\d\d s, up to 8 faces per call; kept in memory, nothing cached$/,
    );
  });
});

describe('--temporal: loadTemporal and withFeatures', () => {
  const lstmPt = (): Uint8Array => {
    const tensors = new Map<string, TestTensor>();
    for (const p of expectedLstmParams()) {
      const count = p.shape.reduce((a, b) => a * b, 1);
      tensors.set(p.key, { dtype: 'float32', shape: p.shape, data: new Float32Array(count) });
    }
    return writeStateDictCheckpoint(tensors, 'FER_dinamic_LSTM_Aff-Wild2');
  };

  it('imports the LSTM in memory and describes it', async () => {
    await writeFile(join(dir, 'lstm.pt'), lstmPt());
    const t = await loadTemporal(join(dir, 'lstm.pt'));
    expect(t.from).toBe('pytorch');
    expect(t.entry).toMatchObject({
      id: 'emo-affectnet-lstm',
      file: 'emo-affectnet-lstm.onnx',
      bytes: t.onnx.length,
    });
    expect(describeTemporal(t)).toMatch(
      /^emo-affectnet-lstm: .*lstm\.pt: PyTorch state_dict, 11\.6 MB; built in \d+\.\d\d s; 10 features at 5 fps \(2 s\) per face; kept in memory, nothing cached$/,
    );
  });

  it('refuses a missing file and the ResNet-50 given as the LSTM, saying why', async () => {
    await expect(loadTemporal(join(dir, 'nope.pt'))).rejects.toThrow(
      /--temporal .*nope\.pt: no such file\. The temporal models are not bundled/,
    );
    await expect(loadTemporal(join(dir, 'tiny.onnx'))).rejects.toThrow(
      /--temporal .*tiny\.onnx: This ONNX model is not EMO-AffectNet's temporal LSTM: expected one input float32 \[batch, 10, 512\]/,
    );
  });

  it("switches the ResNet-50's features on, or says the ONNX export lacks them", async () => {
    await writeFile(join(dir, 'lstm.pt'), lstmPt());
    const t = await loadTemporal(join(dir, 'lstm.pt'));
    const onnxOnly = await loadWeights(join(dir, 'tiny.onnx'));
    expect(() => withFeatures(onnxOnly, t)).toThrow(
      /tiny\.onnx: this ONNX export has no features output \[batch, 512\] \(relu\(fc1\)\), which the temporal model reads/,
    );
    const withOutput = {
      ...onnxOnly,
      entry: {
        ...onnxOnly.entry,
        outputs: [...onnxOnly.entry.outputs, { name: 'features', shape: [1, 512] }],
      },
    };
    expect(withFeatures(withOutput, t).entry.featuresOutput).toBe('features');
  });
});
