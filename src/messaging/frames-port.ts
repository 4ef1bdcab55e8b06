/**
 * The frames port: a long-lived `runtime.connect` port from a content script to the engine host, for video
 * frames. Unlike `runtime.sendMessage`, which every extension context receives (the background would wake up
 * and deserialise each frame too), a port reaches only the context that listens for its name: the offscreen
 * document in Chrome, the background page in Firefox. Requests carry ids; replies are `{id, res} | {id, err}`.
 */
import { browser, type Browser } from 'wxt/browser';
import { NoReceiverError, RemoteError, serializeError, type SerializedError } from './envelope.ts';
import type { HandlersFor, MessageSender, ArgsOf, MessagesVia, ResultOf } from '../protocol/protocol-map.ts';
import { payloadProblem } from '../protocol/payload-checks.ts';
import { ownIdentity, senderRole } from './sender-role.ts';

export const FRAMES_PORT = 'affect-lens/frames';

type PortMessage = MessagesVia<'frames-port'>;
type Port = Browser.runtime.Port;

interface PortRequest {
  id: number;
  type: PortMessage;
  data: unknown;
}
type PortReply = { id: number; res: unknown } | { id: number; err: SerializedError };

export interface FramesPortClient {
  request<K extends PortMessage>(type: K, ...args: ArgsOf<K>): Promise<ResultOf<K>>;
  /** false once the port has disconnected (engine host gone); open a new client then. */
  readonly open: boolean;
  close(): void;
}

interface Pending {
  type: PortMessage;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Connects to the engine host. Requests fail with NoReceiverError when it is not there (or goes away). */
export function connectFramesPort(): FramesPortClient {
  const port = browser.runtime.connect({ name: FRAMES_PORT });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let open = true;

  const fail = (reason: string) => {
    open = false;
    for (const [id, p] of pending) {
      pending.delete(id);
      p.reject(new NoReceiverError(p.type, new Error(reason)));
    }
  };

  port.onMessage.addListener((message: unknown) => {
    const reply = message as PortReply;
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if ('err' in reply) p.reject(new RemoteError(p.type, reply.err));
    else p.resolve(reply.res);
  });
  port.onDisconnect.addListener(() => {
    // Chrome reports why in runtime.lastError (e.g. "Receiving end does not exist").
    const lastError = (globalThis as { chrome?: { runtime?: { lastError?: { message?: string } } } }).chrome
      ?.runtime?.lastError?.message;
    fail(lastError ?? 'the engine host closed the frames port');
  });

  return {
    get open() {
      return open;
    },
    request<K extends PortMessage>(type: K, ...args: ArgsOf<K>): Promise<ResultOf<K>> {
      if (!open) return Promise.reject(new NoReceiverError(type, new Error('frames port is closed')));
      const id = nextId++;
      return new Promise<ResultOf<K>>((resolve, reject) => {
        pending.set(id, { type, resolve: resolve as (value: unknown) => void, reject });
        try {
          port.postMessage({ id, type, data: args[0] } satisfies PortRequest);
        } catch (error) {
          pending.delete(id);
          fail(error instanceof Error ? error.message : String(error));
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    },
    close() {
      if (!open) return;
      fail('closed by the client');
      port.disconnect();
    },
  };
}

export interface FramesPortServerOptions {
  /** Called when a client's port closes (its tab navigated, closed, or its content script was reloaded). */
  onDisconnect?: (sender: MessageSender) => void;
}

/** Serves the frames-port messages of `handlers` to every client that connects, until `signal` aborts. */
export function serveFramesPort(
  handlers: Pick<HandlersFor<'engine'>, PortMessage>,
  signal: AbortSignal,
  options: FramesPortServerOptions = {},
): void {
  const ports = new Set<Port>();
  const onConnect = (port: Port) => {
    if (port.name !== FRAMES_PORT) return;
    const sender: MessageSender = port.sender ?? {};
    // Only content scripts stream frames: any other sender's port is closed unanswered.
    if (senderRole(sender, ownIdentity()) !== 'content') {
      port.disconnect();
      return;
    }
    ports.add(port);
    port.onMessage.addListener((message: unknown) => {
      if (typeof message !== 'object' || message === null) return;
      const req = message as PortRequest;
      if (!Number.isSafeInteger(req.id)) return;
      const handler = Object.hasOwn(handlers, req.type) ? handlers[req.type] : undefined;
      const reply = (body: { res: unknown } | { err: SerializedError }) => {
        // The client may have gone while we worked; its port then throws on postMessage.
        try {
          const message: PortReply = { id: req.id, ...body };
          port.postMessage(message);
        } catch {
          /* client gone: nothing to answer */
        }
      };
      if (typeof handler !== 'function') {
        reply({ err: { name: 'Error', message: `No frames-port handler for "${String(req.type)}"` } });
        return;
      }
      const problem = payloadProblem(req.type, req.data);
      if (problem !== null) {
        reply({ err: { name: 'AccessError', message: problem } });
        return;
      }
      Promise.resolve()
        .then(() => handler(req.data as never, sender))
        .then(
          (res) => reply({ res }),
          (error: unknown) => reply({ err: serializeError(error) }),
        );
    });
    port.onDisconnect.addListener(() => {
      ports.delete(port);
      options.onDisconnect?.(sender);
    });
  };
  browser.runtime.onConnect.addListener(onConnect);
  signal.addEventListener(
    'abort',
    () => {
      browser.runtime.onConnect.removeListener(onConnect);
      for (const port of ports) port.disconnect();
      ports.clear();
    },
    { once: true },
  );
}
