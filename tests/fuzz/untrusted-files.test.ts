/**
 * Seeded fuzzing of the two untrusted files a user imports (issue 12): a small valid PyTorch state_dict
 * checkpoint and a small ONNX model with EMO-AffectNet's signature, each mutated a few thousand times (bytes flipped, overwritten with
 * edge values, ranges cut, duplicated or inserted). Every case must end in a result or a CheckpointError,
 * never another exception, and never allocate more than a bounded amount (measured around each case).
 * Deterministic: the seed is fixed, so a failure names a case that reproduces.
 */
import { describe, expect, it } from 'vitest';
import { CheckpointError } from '../../src/checkpoint/checkpoint-error.ts';
import { readStateDict } from '../../src/checkpoint/state-dict.ts';
import { writeStateDictCheckpoint, type TestTensor } from '../../src/checkpoint/test-checkpoint-writer.ts';
import { importEmoAffectNet } from '../../src/emo-affectnet/import.ts';
import { readUserOnnxSignature } from '../../src/emo-affectnet/onnx-signature.ts';
import { tinyEmoOnnx } from '../../src/cli/fake-engine.test-helper.ts';
import { random } from '../emo-affectnet/checkpoint-tampering.ts';

const CASES = 2500;
/** Far above anything these few-hundred-byte inputs can legitimately need. */
const MAX_ALLOCATION_BYTES = 32 * 1024 * 1024;
const EDGE_BYTES = [0x00, 0xff, 0x7f, 0x80, 0x01, 0x2e];

function smallCheckpoint(): Uint8Array {
  const tensors = new Map<string, TestTensor>([
    [
      'conv.weight',
      { dtype: 'float32', shape: [2, 1, 2, 2], data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]) },
    ],
    ['bn.running_var', { dtype: 'float32', shape: [2], data: Float32Array.from([0.5, 2]) }],
    ['bn.num_batches_tracked', { dtype: 'int64', shape: [], data: BigInt64Array.from([7n]) }],
  ]);
  return writeStateDictCheckpoint(tensors);
}

/** One mutation of `input`, chosen by `rand`. */
function mutate(input: Uint8Array, rand: () => number): Uint8Array {
  const at = (n: number) => Math.floor(rand() * n);
  const bytes = Uint8Array.from(input);
  switch (at(6)) {
    case 0: {
      for (let i = 0, n = 1 + at(8); i < n; i++) {
        const j = at(bytes.length);
        bytes[j] = bytes[j]! ^ (1 << at(8));
      }
      return bytes;
    }
    case 1: {
      for (let i = 0, n = 1 + at(4); i < n; i++) bytes[at(bytes.length)] = EDGE_BYTES[at(EDGE_BYTES.length)]!;
      return bytes;
    }
    case 2:
      return bytes.slice(0, at(bytes.length));
    case 3: {
      const start = at(bytes.length);
      const end = Math.min(bytes.length, start + 1 + at(64));
      return new Uint8Array([...bytes.slice(0, end), ...bytes.slice(start, end), ...bytes.slice(end)]);
    }
    case 4: {
      const start = at(bytes.length);
      return new Uint8Array([...bytes.slice(0, start), ...bytes.slice(start + 1 + at(32))]);
    }
    default: {
      const start = at(bytes.length);
      const noise = Array.from({ length: 1 + at(16) }, () => at(256));
      return new Uint8Array([...bytes.slice(0, start), ...noise, ...bytes.slice(start)]);
    }
  }
}

/** Runs `read` on each mutation; returns how the cases ended. Fails on any other exception or allocation. */
function fuzz(seed: number, base: Uint8Array, read: (bytes: Uint8Array) => unknown) {
  const rand = random(seed);
  const ends = { ok: 0, refused: 0 };
  for (let i = 0; i < CASES; i++) {
    const bytes = mutate(base, rand);
    const before = process.memoryUsage().arrayBuffers;
    try {
      read(bytes);
      ends.ok++;
    } catch (error) {
      if (!(error instanceof CheckpointError)) {
        throw new Error(`case ${i} (seed ${seed}): ${String(error)}`, { cause: error });
      }
      ends.refused++;
    }
    const grown = process.memoryUsage().arrayBuffers - before;
    if (grown > MAX_ALLOCATION_BYTES) throw new Error(`case ${i} (seed ${seed}) allocated ${grown} bytes`);
  }
  return ends;
}

describe('untrusted files, fuzzed', () => {
  it('a mutated state_dict checkpoint is read or refused with a CheckpointError, within bounded memory', () => {
    const ends = fuzz(0x5eed, smallCheckpoint(), (bytes) => readStateDict(bytes, { verifyCrc: false }));
    // The mutations reach past the ZIP layer: some are read, most are refused.
    expect(ends.refused).toBeGreaterThan(CASES / 2);
    expect(ends.ok).toBeGreaterThan(0);
    // With CRCs checked (the default) as well.
    fuzz(0xc0ffee, smallCheckpoint(), (bytes) => readStateDict(bytes));
  });

  it('a mutated ONNX model is read or refused with a CheckpointError, within bounded memory', () => {
    const ends = fuzz(0x0a11, tinyEmoOnnx(), (bytes) =>
      readUserOnnxSignature(bytes, 'Get it from the project.'),
    );
    expect(ends.refused).toBeGreaterThan(0);
    expect(ends.ok).toBeGreaterThan(0);
  });

  it('the EMO-AffectNet import of either kind of file ends in a model or a CheckpointError', () => {
    fuzz(0xe40, smallCheckpoint(), (bytes) => importEmoAffectNet(bytes));
    fuzz(0xe41, tinyEmoOnnx(), (bytes) => importEmoAffectNet(bytes));
  });
});
