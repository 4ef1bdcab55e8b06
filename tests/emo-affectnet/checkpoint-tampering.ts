/**
 * What the refusal tests of the EMO-AffectNet imports (ResNet-50 and LSTM golden tests) share: rewriting a
 * checkpoint's ZIP, catching the CheckpointError an import throws, and seeded pseudo-random weights.
 */
import { writeStoredZip } from '../../src/checkpoint/test-checkpoint-writer.ts';
import { readZip } from '../../src/checkpoint/zip-reader.ts';

/** The error `act` throws, which must be a CheckpointError. */
export { catchCheckpointError as catchError } from '../../src/checkpoint/checkpoint-error.test-helper.ts';

/** Rewrites a checkpoint's ZIP with some entries changed (the archive stays as torch.save laid it out). */
export function rezip(bytes: Uint8Array, change: (name: string, data: Uint8Array) => Uint8Array): Uint8Array {
  const zip = readZip(bytes, { verifyCrc: false });
  return writeStoredZip(zip.names.map((name) => ({ name, data: change(name, zip.read(name)) })));
}

/** Deterministic pseudo-random numbers in [0, 1) (xorshift32). */
export function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}
