/**
 * The one error type of checkpoint import, so the UI can tell a damaged file ('format') from one refused
 * for safety ('refused') and from a sound file of another model ('mismatch'). Messages say what was
 * expected and how to fix it; they are meant to be shown to the user as they are.
 */
export type CheckpointErrorKind = 'format' | 'refused' | 'mismatch';

export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';

  constructor(
    readonly kind: CheckpointErrorKind,
    message: string,
  ) {
    super(message);
  }
}
