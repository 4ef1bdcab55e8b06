/**
 * Typed senders and the one handler registration for runtime and tab messages. A context registers the
 * handler table of its receiver role; the listener ignores messages it has no handler for, so several
 * extension contexts (background, offscreen document) can share `runtime.onMessage` and exactly one answers.
 */
import { browser } from 'wxt/browser';
import {
  isNoReceiverMessage,
  isRequest,
  NoReceiverError,
  request,
  serializeError,
  unwrapReply,
  type Reply,
} from './envelope.ts';
import {
  MESSAGES,
  type ArgsOf,
  type Handler,
  type HandlersFor,
  type MessageSender,
  type MessagesVia,
  type MessageType,
  type Receiver,
  type ResultOf,
} from '../protocol/protocol-map.ts';
import { payloadProblem } from '../protocol/payload-checks.ts';
import { ownIdentity, refusal, senderRole } from './sender-role.ts';

function rethrow(type: MessageType, error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  if (isNoReceiverMessage(message)) throw new NoReceiverError(type, error);
  throw error;
}

/** Sends a runtime message (to the background or the engine host) and returns its result or rethrows. */
export async function sendMessage<K extends MessagesVia<'runtime'>>(
  type: K,
  ...args: ArgsOf<K>
): Promise<ResultOf<K>> {
  let reply: unknown;
  try {
    reply = await browser.runtime.sendMessage(request(type, args[0]));
  } catch (error) {
    rethrow(type, error);
  }
  return unwrapReply(type, reply) as ResultOf<K>;
}

export interface TabTarget {
  tabId: number;
  /** Omitted: every frame of the tab receives it and the first answer wins. */
  frameId?: number;
}

/** Sends a message to the content script(s) of a tab. */
export async function sendToTab<K extends MessagesVia<'tab'>>(
  target: TabTarget,
  type: K,
  ...args: ArgsOf<K>
): Promise<ResultOf<K>> {
  let reply: unknown;
  try {
    const options = target.frameId === undefined ? undefined : { frameId: target.frameId };
    reply = await browser.tabs.sendMessage(target.tabId, request(type, args[0]), options);
  } catch (error) {
    rethrow(type, error);
  }
  return unwrapReply(type, reply) as ResultOf<K>;
}

/**
 * Why a message may not reach its handler: a sender whose role MESSAGES does not list for it (a content
 * script asking the engine directly, another extension), or a payload of the wrong shape. null: deliver it.
 * The frames port applies the same gate to each request.
 */
export function gate(type: MessageType, data: unknown, sender: MessageSender): string | null {
  const entry = MESSAGES[type];
  return refusal(type, entry.from, senderRole(sender, ownIdentity())) ?? payloadProblem(type, data);
}

/** A refusal as it reaches the sender: a RemoteError named AccessError. */
const refused = (message: string): Reply => ({ err: { name: 'AccessError', message } });

/**
 * Answers every message addressed to `receiver` with `handlers`, until `signal` aborts. Handler errors are
 * sent back as data and rethrown at the sender; so is a refusal by the gate, before any handler runs.
 */
export function registerHandlers<R extends Receiver>(
  receiver: R,
  handlers: HandlersFor<R>,
  signal: AbortSignal,
): void {
  const table = handlers as Record<string, Handler<MessageType> | undefined>;
  const listener = (message: unknown, sender: MessageSender, sendResponse: (reply: Reply) => void) => {
    if (!isRequest(message)) return undefined;
    const entry = MESSAGES[message.type];
    if (entry?.to !== receiver || entry.via === 'frames-port') return undefined;
    const handler = table[message.type];
    if (!handler) return undefined;
    const problem = gate(message.type, message.data, sender);
    if (problem !== null) {
      sendResponse(refused(problem));
      return true;
    }
    // sendResponse + `return true` is the one reply style that Chrome, Firefox, the polyfill and fakeBrowser
    // all accept.
    Promise.resolve()
      .then(() => handler(message.data as never, sender))
      .then(
        (res) => sendResponse({ res }),
        (error: unknown) => sendResponse({ err: serializeError(error) }),
      );
    return true;
  };
  browser.runtime.onMessage.addListener(listener);
  signal.addEventListener('abort', () => browser.runtime.onMessage.removeListener(listener), { once: true });
}
