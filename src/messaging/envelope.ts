/**
 * The wire format: a request names its message; a reply is `{res}` or `{err}`. Errors cross contexts as data
 * and are rethrown at the caller as RemoteError with the original name and message, so a failure in the
 * offscreen document reads the same in the popup as where it happened.
 */
import type { MessageType } from '../protocol/protocol-map.ts';

export const ENVELOPE_TAG = 'affect-lens/1';

export interface Request<K extends MessageType = MessageType> {
  tag: typeof ENVELOPE_TAG;
  type: K;
  data: unknown;
}

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

export type Reply = { res: unknown } | { err: SerializedError };

export function request<K extends MessageType>(type: K, data: unknown): Request<K> {
  return { tag: ENVELOPE_TAG, type, data };
}

export function isRequest(value: unknown): value is Request {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { tag?: unknown }).tag === ENVELOPE_TAG &&
    typeof (value as { type?: unknown }).type === 'string'
  );
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'Error', message: String(error) };
}

/** An error thrown by a handler in another context, rethrown where the message was sent. */
export class RemoteError extends Error {
  override readonly name: string;
  readonly remoteStack: string | undefined;
  constructor(
    readonly messageType: MessageType,
    error: SerializedError,
  ) {
    super(error.message);
    this.name = error.name;
    this.remoteStack = error.stack;
  }
}

/** Nothing listens for the message: the receiving context does not exist (yet, or any more). */
export class NoReceiverError extends Error {
  override readonly name = 'NoReceiverError';
  constructor(
    readonly messageType: MessageType,
    cause: unknown,
  ) {
    super(`No receiver for "${messageType}": ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
}

/** Unwraps a reply: returns `res`, throws `err` as RemoteError, and rejects anything else. */
export function unwrapReply(type: MessageType, reply: unknown): unknown {
  if (typeof reply === 'object' && reply !== null) {
    if ('err' in reply) throw new RemoteError(type, (reply as { err: SerializedError }).err);
    if ('res' in reply) return reply.res;
  }
  throw new NoReceiverError(type, new Error(`no handler answered (reply: ${JSON.stringify(reply)})`));
}

const NO_RECEIVER_PATTERNS = [
  'Receiving end does not exist',
  'Could not establish connection',
  'message port closed before a response',
  'No matching message handler',
];

export function isNoReceiverMessage(message: string): boolean {
  return NO_RECEIVER_PATTERNS.some((p) => message.includes(p));
}

/**
 * The extension was reloaded or removed while this content script kept running: a normal shutdown
 * (../shared/STYLE.md), not an error to report.
 */
export function isContextInvalidated(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return message.includes('Extension context invalidated');
}
