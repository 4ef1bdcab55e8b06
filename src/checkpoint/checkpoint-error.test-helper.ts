/** For tests of the checkpoint imports: the CheckpointError that `act` throws (anything else fails the test). */
import { expect } from 'vitest';
import { CheckpointError } from './checkpoint-error.ts';

export function catchCheckpointError(act: () => unknown): CheckpointError {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(CheckpointError);
    return error as CheckpointError;
  }
  throw new Error('expected a CheckpointError');
}
