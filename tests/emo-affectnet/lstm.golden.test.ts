/**
 * Golden test of the import of EMO-AffectNet's temporal model (FER_dinamic_LSTM_<corpus>.pt,
 * ../../../shared/MODELS.md section 2). The project's import builds ONNX from a state_dict and runs it in
 * onnxruntime-web (wasm, the engine the extension ships), against:
 * - a float64 LSTM written out here from PyTorch's documented equations (no PyTorch needed), and
 * - PyTorch itself: scripts/emo-affectnet/make-test-lstm.py saves LSTMPyTorch with seeded random weights,
 *   its outputs for fixed feature sequences and its torch.onnx.export (skipped, with a message, where
 *   /usr/bin/python3 cannot import torch; cached in node_modules/.cache/affect-lens/emo-affectnet-lstm/).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { readStateDict } from '../../src/checkpoint/state-dict.ts';
import { type TestTensor, writeStateDictCheckpoint } from '../../src/checkpoint/test-checkpoint-writer.ts';
import { expectedLstmParams } from '../../src/emo-affectnet/lstm-architecture.ts';
import { importEmoAffectNet } from '../../src/emo-affectnet/import.ts';
import { ONNX_FEATURES } from '../../src/emo-affectnet/resnet50-onnx.ts';
import { importEmoAffectNetLstm, type ImportedTemporalModel } from '../../src/emo-affectnet/lstm-import.ts';
import {
  CACHE_DIR,
  ENABLE,
  ensureFixtures,
  HAVE_TORCH,
  LSTM_CACHE_DIR,
  PYTHON,
  ensureLstmFixtures,
  log,
  readF32,
} from './pytorch-fixtures.ts';
import { catchError, random, rezip } from './checkpoint-tampering.ts';

/**
 * float32 LSTMs against PyTorch's float32 LSTMs: only summation order differs (measured: see the log line,
 * about 1e-6 on probabilities and a few 1e-6 on logits of a few units).
 */
const LSTM_TOLERANCE = 1e-4;
/** The ResNet-50's features carry its own ~3e-5 error (import.golden.test.ts) into the LSTM. */
const CHAIN_TOLERANCE = 1e-3;
/** float32 against the float64 reference below: the same, plus float32 rounding of 10 steps. */
const FLOAT64_TOLERANCE = 1e-4;

const WINDOW = 10;
const FEATURES = 512;

if (!HAVE_TORCH) {
  console.warn(
    `[emo-affectnet lstm golden] SKIPPED the PyTorch comparison: ${PYTHON} cannot import torch. To enable: ${ENABLE}`,
  );
}

interface Outputs {
  probabilities: Float32Array;
  logits: Float32Array | undefined;
  msPerRun: number[];
}

async function runOnnx(imported: ImportedTemporalModel, sequences: Float32Array, runs = 1): Promise<Outputs> {
  const session = await ort.InferenceSession.create(imported.onnx, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
  try {
    const batch = sequences.length / (WINDOW * FEATURES);
    const feeds = {
      [imported.entry.input.name]: new ort.Tensor('float32', sequences, [batch, WINDOW, FEATURES]),
    };
    const msPerRun: number[] = [];
    let out: ort.InferenceSession.OnnxValueMapType = {};
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      out = await session.run(feeds);
      msPerRun.push(performance.now() - started);
    }
    const probabilities = out[imported.entry.output]!;
    expect(probabilities.dims).toEqual([batch, 7]);
    return {
      probabilities: probabilities.data as Float32Array,
      logits: out.logits?.data as Float32Array | undefined,
      msPerRun,
    };
  } finally {
    await session.release();
  }
}

/** Largest |actual - expected| with where it happened, for path-aware failure messages. */
function maxDiff(actual: Float32Array, expected: readonly (readonly number[])[], what: string) {
  let max = 0;
  let where = 'nowhere';
  expect(actual.length, `${what}: output size`).toBe(expected.length * 7);
  expected.forEach((row, i) =>
    row.forEach((value, j) => {
      const d = Math.abs(actual[i * 7 + j]! - value);
      if (d > max || Number.isNaN(d)) {
        max = Number.isNaN(d) ? Infinity : d;
        where = `${what}[${i}][${j}]: ours ${actual[i * 7 + j]}, reference ${value}`;
      }
    }),
  );
  return { max, where };
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * PyTorch's nn.LSTM, one layer, in float64 (https://pytorch.org/docs/stable/generated/torch.nn.LSTM.html):
 * gates stacked i, f, g, o; c' = f*c + i*g; h' = o*tanh(c'). Returns every step's h.
 */
function lstmLayer(
  x: Float64Array[],
  w: { ih: Float32Array; hh: Float32Array; bih: Float32Array; bhh: Float32Array },
  inputSize: number,
  hidden: number,
): Float64Array[] {
  let h = new Float64Array(hidden);
  const c = new Float64Array(hidden);
  const out: Float64Array[] = [];
  const gate = new Float64Array(4 * hidden);
  for (const xt of x) {
    for (let r = 0; r < 4 * hidden; r++) {
      let sum = w.bih[r]! + w.bhh[r]!;
      for (let k = 0; k < inputSize; k++) sum += w.ih[r * inputSize + k]! * xt[k]!;
      for (let k = 0; k < hidden; k++) sum += w.hh[r * hidden + k]! * h[k]!;
      gate[r] = sum;
    }
    const next = new Float64Array(hidden);
    for (let j = 0; j < hidden; j++) {
      const i = sigmoid(gate[j]!);
      const f = sigmoid(gate[hidden + j]!);
      const g = Math.tanh(gate[2 * hidden + j]!);
      const o = sigmoid(gate[3 * hidden + j]!);
      c[j] = f * c[j]! + i * g;
      next[j] = o * Math.tanh(c[j]!);
    }
    h = next;
    out.push(h);
  }
  return out;
}

/** The authors' forward in float64: logits and softmax of one sequence. */
function referenceForward(read: (key: string) => Float32Array, sequence: Float32Array) {
  const x = Array.from({ length: WINDOW }, (_, t) =>
    Float64Array.from(sequence.subarray(t * FEATURES, (t + 1) * FEATURES)),
  );
  const layer = (name: string) => ({
    ih: read(`${name}.weight_ih_l0`),
    hh: read(`${name}.weight_hh_l0`),
    bih: read(`${name}.bias_ih_l0`),
    bhh: read(`${name}.bias_hh_l0`),
  });
  const h1 = lstmLayer(x, layer('lstm1'), 512, 512);
  const last = lstmLayer(h1, layer('lstm2'), 512, 256)[WINDOW - 1]!;
  const fcW = read('fc.weight');
  const fcB = read('fc.bias');
  const logits = Array.from({ length: 7 }, (_, k) => {
    let sum = fcB[k]!;
    for (let j = 0; j < 256; j++) sum += fcW[k * 256 + j]! * last[j]!;
    return sum;
  });
  const top = Math.max(...logits);
  const exp = logits.map((v) => Math.exp(v - top));
  const total = exp.reduce((a, b) => a + b, 0);
  return { logits, probabilities: exp.map((v) => v / total) };
}

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
});

describe('EMO-AffectNet LSTM import without PyTorch at run time', () => {
  it(`onnxruntime-web wasm runs the built graph within ${FLOAT64_TOLERANCE} of PyTorch's LSTM equations in float64`, async () => {
    const rand = random(11);
    const tensors = new Map<string, TestTensor>();
    for (const p of expectedLstmParams()) {
      const count = p.shape.reduce((a, b) => a * b, 1);
      // Wide weights and per-gate biases: a swapped gate or a dropped bias changes the outputs.
      const scale = p.key.startsWith('fc') ? 2 : p.key.includes('bias') ? 1 : 4 / Math.sqrt(p.shape[0]! / 4);
      const data = Float32Array.from({ length: count }, () => (rand() - 0.5) * scale);
      tensors.set(p.key, { dtype: 'float32', shape: p.shape, data });
    }
    const pt = writeStateDictCheckpoint(tensors, 'FER_dinamic_LSTM_Aff-Wild2');
    const imported = importEmoAffectNetLstm(pt);
    const sequences = Float32Array.from({ length: 3 * WINDOW * FEATURES }, () => Math.max(0, rand() * 2 - 1));
    const out = await runOnnx(imported, sequences, 4);
    const read = (key: string): Float32Array => tensors.get(key)!.data as Float32Array;
    const expected = [0, 1, 2].map((i) =>
      referenceForward(read, sequences.subarray(i * WINDOW * FEATURES, (i + 1) * WINDOW * FEATURES)),
    );
    const probabilities = maxDiff(
      out.probabilities,
      expected.map((e) => e.probabilities),
      'probabilities',
    );
    const logits = maxDiff(
      out.logits!,
      expected.map((e) => e.logits),
      'logits',
    );
    const sorted = out.msPerRun.slice(1).sort((a, b) => a - b);
    log(
      `LSTM vs float64 equations, batch of 3: max |probabilities diff| ${probabilities.max.toExponential(2)}, ` +
        `max |logits diff| ${logits.max.toExponential(2)} (tolerance ${FLOAT64_TOLERANCE}); wasm (1 thread) ` +
        `${sorted[1]!.toFixed(1)} ms per call of 3 sequences (runs ${out.msPerRun.map((m) => m.toFixed(1)).join(', ')} ms)`,
    );
    expect(probabilities.max, probabilities.where).toBeLessThanOrEqual(FLOAT64_TOLERANCE);
    expect(logits.max, logits.where).toBeLessThanOrEqual(FLOAT64_TOLERANCE);
    // Not flat: the check means something.
    expect(Math.max(...out.probabilities)).toBeGreaterThan(0.3);
  }, 120_000);
});

describe.skipIf(!HAVE_TORCH)(`EMO-AffectNet LSTM import vs PyTorch (needs python3-torch: ${ENABLE})`, () => {
  let reference: ReturnType<typeof ensureLstmFixtures>;
  let pt: Uint8Array;
  let sequences: Float32Array;

  beforeAll(() => {
    reference = ensureLstmFixtures();
    pt = new Uint8Array(readFileSync(path.join(LSTM_CACHE_DIR, reference.checkpoint)));
    sequences = readF32(path.join(LSTM_CACHE_DIR, reference.inputs.file));
  }, 300_000);

  it("reads the checkpoint PyTorch wrote: LSTMPyTorch's 10 keys and shapes, in PyTorch's order", () => {
    expect(reference.keys).toEqual(expectedLstmParams().map((p) => [p.key, [...p.shape]]));
    expect([...readStateDict(pt).keys()]).toEqual(expectedLstmParams().map((p) => p.key));
  });

  it(`state_dict import: probabilities and logits within ${LSTM_TOLERANCE} of PyTorch, all sequences in one call`, async () => {
    const started = performance.now();
    const imported = importEmoAffectNetLstm(pt);
    const importMs = performance.now() - started;
    const out = await runOnnx(imported, sequences, 4);
    const probabilities = maxDiff(out.probabilities, reference.probabilities, 'probabilities');
    const logits = maxDiff(out.logits!, reference.logits, 'logits');
    const sorted = out.msPerRun.slice(1).sort((a, b) => a - b);
    log(
      `LSTM (torch ${reference.torch}), batch of ${reference.probabilities.length}: max |probabilities diff| ` +
        `${probabilities.max.toExponential(2)}, max |logits diff| ${logits.max.toExponential(2)} (tolerance ` +
        `${LSTM_TOLERANCE}); import of the ${(pt.length / 1e6).toFixed(1)} MB .pt ${importMs.toFixed(0)} ms; wasm ` +
        `(1 thread) ${sorted[1]!.toFixed(1)} ms per call`,
    );
    expect(probabilities.max, probabilities.where).toBeLessThanOrEqual(LSTM_TOLERANCE);
    expect(logits.max, logits.where).toBeLessThanOrEqual(LSTM_TOLERANCE);
  }, 120_000);

  it(`a ready ONNX export (torch.onnx.export) is accepted as it is and gives PyTorch's probabilities`, async (ctx) => {
    if (reference.onnx === null) ctx.skip(`torch.onnx.export failed here: ${reference.onnxError}`);
    const bytes = new Uint8Array(readFileSync(path.join(LSTM_CACHE_DIR, reference.onnx!)));
    const imported = importEmoAffectNetLstm(bytes);
    expect(imported.from).toBe('onnx');
    expect(imported.entry).toMatchObject({
      input: { name: 'input' },
      output: 'output',
      outputIsProbability: true,
    });
    const out = await runOnnx(imported, sequences);
    const probabilities = maxDiff(out.probabilities, reference.probabilities, 'probabilities');
    log(
      `torch.onnx.export of the LSTM in onnxruntime-web: max |probabilities diff| ${probabilities.max.toExponential(2)}`,
    );
    expect(probabilities.max, probabilities.where).toBeLessThanOrEqual(LSTM_TOLERANCE);
  }, 120_000);

  it(`the chain: our ResNet-50's features -> our LSTM gives PyTorch's ResNet-50 -> LSTM within ${CHAIN_TOLERANCE}`, async () => {
    const resnetReference = ensureFixtures();
    const resnet = importEmoAffectNet(
      new Uint8Array(readFileSync(path.join(CACHE_DIR, resnetReference.checkpoint))),
    );
    const inputs = readF32(path.join(CACHE_DIR, resnetReference.inputs.file));
    const session = await ort.InferenceSession.create(resnet.onnx, { executionProviders: ['wasm'] });
    let features: Float32Array;
    try {
      const n = inputs.length / (3 * 224 * 224);
      const out = await session.run({ input: new ort.Tensor('float32', inputs, [n, 3, 224, 224]) });
      features = out[ONNX_FEATURES]!.data as Float32Array;
    } finally {
      await session.release();
    }
    const sequence = new Float32Array(WINDOW * FEATURES);
    reference.chain.order.forEach((i, t) =>
      sequence.set(features.subarray(i * FEATURES, (i + 1) * FEATURES), t * FEATURES),
    );
    const out = await runOnnx(importEmoAffectNetLstm(pt), sequence);
    const diff = maxDiff(out.probabilities, [reference.chain.probabilities], 'chain probabilities');
    log(`chain ResNet-50 features -> LSTM vs PyTorch: max |probabilities diff| ${diff.max.toExponential(2)}`);
    expect(diff.max, diff.where).toBeLessThanOrEqual(CHAIN_TOLERANCE);
  }, 600_000);

  describe('refuses damaged, foreign and malicious files with a clear message', () => {
    const GET_IT =
      "Use one of the authors' temporal models, FER_dinamic_LSTM_<corpus>.pt (e.g. FER_dinamic_LSTM_Aff-Wild2.pt, " +
      'https://huggingface.co/ElenaRyumina/face_emotion_recognition), or an ONNX export of it.';

    it('a wrong key', () => {
      const renamed = rezip(pt, (name, data) => {
        if (!name.endsWith('/data.pkl')) return data;
        const text = new TextDecoder('latin1').decode(data);
        expect(text).toContain('lstm2.weight_hh_l0');
        return Uint8Array.from(text.replace('lstm2.weight_hh_l0', 'lstm2.weight_hh_l1'), (c) =>
          c.charCodeAt(0),
        );
      });
      const e = catchError(() => importEmoAffectNetLstm(renamed));
      expect(e.kind).toBe('mismatch');
      expect(e.message).toBe(
        "This checkpoint does not match EMO-AffectNet's temporal LSTM (10 keys found, 10 expected); 2 problem(s):\n" +
          '- missing 1 key(s): lstm2.weight_hh_l0 [1024, 256]\n' +
          '- unexpected 1 key(s): lstm2.weight_hh_l1 [1024, 256]\n' +
          GET_IT,
      );
    });

    it('a wrong shape (a 128-unit second LSTM)', () => {
      const tensors = new Map<string, TestTensor>(readStateDict(pt));
      tensors.set('lstm2.weight_hh_l0', {
        dtype: 'float32',
        shape: [1024, 128],
        data: new Float32Array(1024 * 128),
      });
      const e = catchError(() => importEmoAffectNetLstm(writeStateDictCheckpoint(tensors)));
      expect(e.message).toBe(
        "This checkpoint does not match EMO-AffectNet's temporal LSTM (10 keys found, 10 expected); 1 problem(s):\n" +
          '- lstm2.weight_hh_l0: expected shape [1024, 256], found [1024, 128]\n' +
          GET_IT,
      );
    });

    it('a truncated file', () => {
      const cut = pt.subarray(0, Math.floor(pt.length * 0.7));
      const e = catchError(() => importEmoAffectNetLstm(cut));
      expect(e.kind).toBe('format');
      expect(e.message).toBe(
        `ZIP: no end-of-central-directory record at the end of the file (${cut.length} bytes). The file is truncated or damaged: download or copy it again.`,
      );
    });

    it('a pickle that calls os.system', () => {
      const evil = rezip(pt, (name, data) =>
        name.endsWith('/data.pkl')
          ? Uint8Array.from(
              '\x80\x02cposix\nsystem\nq\x00X\n\x00\x00\x00echo pwnedq\x01\x85q\x02Rq\x03.',
              (c) => c.charCodeAt(0),
            )
          : data,
      );
      const e = catchError(() => importEmoAffectNetLstm(evil));
      expect(e.kind).toBe('refused');
      expect(e.message).toMatch(
        /^Refused for safety: the pickle asks for the global "posix\.system" \(GLOBAL at byte 2 of emo-affectnet-lstm-test\/data\.pkl\)\./,
      );
    });
  });
});
