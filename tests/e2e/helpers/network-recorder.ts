/**
 * Records every network request of every target in the browser over the Chrome DevTools Protocol: pages,
 * the extension's service worker, its offscreen document, the popup, iframes and workers. Playwright only
 * reports pages (and, partly, service workers), and its browser CDP session cannot address the sessions of
 * flattened auto-attach, so this opens a second, raw CDP connection (`--remote-debugging-port=0`, see
 * REMOTE_DEBUGGING_ARGS) and auto-attaches to every target with `waitForDebuggerOnStart`, so a new target is
 * paused until `Network.enable` is in place and not even its first request is missed.
 * https://chromedevtools.github.io/devtools-protocol/tot/Target/#method-setAutoAttach
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import WebSocket from 'ws';

/** Launch flags for launchWithExtension: a DevTools port of Chromium's choosing, written to the profile. */
export const REMOTE_DEBUGGING_ARGS = ['--remote-debugging-port=0'];

export interface TargetInfo {
  targetId: string;
  type: string;
  url: string;
}

export interface RecordedNetworkRequest {
  /** The target that made the request (its URL when it was attached). */
  target: TargetInfo;
  url: string;
  method: string;
  /** The document (or worker script) the request was made for, as CDP reports it. */
  documentUrl: string;
  /** CDP's resource type: Fetch, XHR, Document, Image, Media, Script, ... */
  resourceType: string;
  /** Script URLs on the initiator's stack (a content script's fetch shows its chrome-extension:// file). */
  initiatorUrls: string[];
}

interface CdpMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: { message: string };
  sessionId?: string;
}

interface CdpInitiator {
  url?: string;
  stack?: CdpStack;
}
interface CdpStack {
  callFrames: { url: string }[];
  parent?: CdpStack;
}

function stackUrls(initiator: CdpInitiator | undefined): string[] {
  const urls = new Set<string>();
  if (initiator?.url) urls.add(initiator.url);
  for (let s = initiator?.stack; s; s = s.parent) for (const f of s.callFrames) if (f.url) urls.add(f.url);
  return [...urls];
}

export class NetworkRecorder {
  readonly requests: RecordedNetworkRequest[] = [];
  /** Every target ever attached, by session. */
  readonly targets = new Map<string, TargetInfo>();
  /** A target attached through two sessions (the browser's and a page's auto-attach) reports twice. */
  private readonly seen = new Set<string>();
  /** JavaScript contexts reported by sessions with Runtime enabled (pages' main and isolated worlds). */
  private readonly contexts: { sessionId: string; id: number; origin: string }[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: WebSocket.RawData) => {
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a text frame's Buffer
      this.onMessage(JSON.parse(data.toString()) as CdpMessage);
    });
  }

  /** Connects to the browser launched with REMOTE_DEBUGGING_ARGS whose profile is `profileDir`. */
  static async connect(profileDir: string): Promise<NetworkRecorder> {
    const portFile = path.join(profileDir, 'DevToolsActivePort');
    let text = '';
    for (let i = 0; i < 100 && !text.includes('\n'); i++) {
      text = await readFile(portFile, 'utf8').catch(() => '');
      if (!text.includes('\n')) await new Promise((r) => setTimeout(r, 100));
    }
    const [port, wsPath] = text.trim().split('\n');
    if (!port || !wsPath)
      throw new Error(
        `${portFile} is missing or incomplete: was the browser launched with REMOTE_DEBUGGING_ARGS?`,
      );
    const socket = new WebSocket(`ws://127.0.0.1:${port}${wsPath}`, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const recorder = new NetworkRecorder(socket);
    // targetInfoChanged keeps each target's URL current (a tab that navigates).
    await recorder.send('Target.setDiscoverTargets', { discover: true });
    await recorder.send('Target.setAutoAttach', {
      autoAttach: true,
      waitForDebuggerOnStart: true,
      flatten: true,
    });
    return recorder;
  }

  send(method: string, params: object = {}, sessionId?: string): Promise<unknown> {
    const id = this.nextId++;
    const message: CdpMessage = { id, method, params: params as Record<string, unknown> };
    if (sessionId) message.sessionId = sessionId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify(message));
    });
  }

  /** The session of the first attached target whose URL starts with `urlPrefix` (and is of `type`, if given). */
  sessionOf(urlPrefix: string, type?: string): string | null {
    for (const [sessionId, t] of this.targets)
      if (t.url.startsWith(urlPrefix) && (!type || t.type === type)) return sessionId;
    return null;
  }

  /** Evaluates `expression` (awaiting a promise) in the target attached as `sessionId`. */
  async evaluate(sessionId: string, expression: string): Promise<unknown> {
    const reply = (await this.send('Runtime.evaluate', { expression, awaitPromise: true }, sessionId)) as {
      result?: { value?: unknown };
      exceptionDetails?: { text: string };
    };
    if (reply.exceptionDetails) throw new Error(`evaluate failed: ${reply.exceptionDetails.text}`);
    return reply.result?.value;
  }

  /**
   * Evaluates `expression` in an extension's isolated world (its content script) in the page attached as
   * `sessionId`: as the content script itself would run it.
   */
  async evaluateInContentScript(
    sessionId: string,
    extensionId: string,
    expression: string,
  ): Promise<unknown> {
    await this.send('Runtime.enable', {}, sessionId);
    const origin = `chrome-extension://${extensionId}`;
    let contextId: number | undefined;
    for (let i = 0; i < 50 && contextId === undefined; i++) {
      contextId = this.contexts.find((c) => c.sessionId === sessionId && c.origin === origin)?.id;
      if (contextId === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    if (contextId === undefined) throw new Error(`No content script of ${origin} in session ${sessionId}`);
    const reply = (await this.send(
      'Runtime.evaluate',
      { expression, awaitPromise: true, contextId },
      sessionId,
    )) as { result?: { value?: unknown }; exceptionDetails?: { text: string } };
    if (reply.exceptionDetails) throw new Error(`evaluate failed: ${reply.exceptionDetails.text}`);
    return reply.result?.value;
  }

  close(): void {
    this.socket.close();
  }

  private onMessage(message: CdpMessage): void {
    if (message.id !== undefined) {
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) waiter?.reject(new Error(message.error.message));
      else waiter?.resolve(message.result);
      return;
    }
    const params = message.params ?? {};
    if (message.method === 'Target.attachedToTarget') {
      this.onAttached(params.sessionId as string, params.targetInfo as TargetInfo);
    } else if (message.method === 'Target.targetInfoChanged') {
      const info = params.targetInfo as TargetInfo;
      for (const t of this.targets.values()) if (t.targetId === info.targetId) t.url = info.url;
    } else if (message.method === 'Runtime.executionContextCreated' && message.sessionId) {
      const context = params.context as { id: number; origin: string };
      this.contexts.push({ sessionId: message.sessionId, id: context.id, origin: context.origin });
    } else if (message.method === 'Network.requestWillBeSent' && message.sessionId) {
      const target = this.targets.get(message.sessionId);
      const request = params.request as { url: string; method: string };
      if (!target) return;
      const key = `${target.targetId} ${String(params.requestId)} ${request.url}`;
      if (this.seen.has(key)) return;
      this.seen.add(key);
      this.requests.push({
        target: { ...target },
        url: request.url,
        method: request.method,
        documentUrl: (params.documentURL as string | undefined) ?? '',
        resourceType: (params.type as string | undefined) ?? '',
        initiatorUrls: stackUrls(params.initiator as CdpInitiator | undefined),
      });
    }
  }

  private onAttached(sessionId: string, info: TargetInfo): void {
    this.targets.set(sessionId, { targetId: info.targetId, type: info.type, url: info.url });
    const quiet = () => undefined;
    // Chromium's own UI (omnibox popup and the like) is not the extension: let it run unrecorded.
    if (info.type === 'browser_ui') {
      void this.send('Runtime.runIfWaitingForDebugger', {}, sessionId).catch(quiet);
      return;
    }
    // Network first, then the target's own children (iframes, workers), then let it run. A target without a
    // Network domain just refuses it and is resumed all the same.
    void this.send('Network.enable', {}, sessionId)
      .catch(quiet)
      .then(() =>
        this.send(
          'Target.setAutoAttach',
          { autoAttach: true, waitForDebuggerOnStart: true, flatten: true },
          sessionId,
        ).catch(quiet),
      )
      .then(() => this.send('Runtime.runIfWaitingForDebugger', {}, sessionId).catch(quiet));
  }
}

/** True for URLs that never leave the machine: the extension's own files, data: and blob: URLs. */
export function isLocalUrl(url: string, extensionId: string): boolean {
  return url.startsWith(`chrome-extension://${extensionId}/`) || /^(data|blob):/.test(url);
}

/**
 * Requests made by the extension: from its own contexts (service worker, offscreen document, popup, its
 * iframes), or from a web page's target with a content-script file on the initiator's stack.
 */
export function extensionRequests(
  requests: readonly RecordedNetworkRequest[],
  extensionId: string,
): RecordedNetworkRequest[] {
  const ours = (url: string) => url.startsWith(`chrome-extension://${extensionId}/`);
  return requests.filter((r) => ours(r.target.url) || ours(r.documentUrl) || r.initiatorUrls.some(ours));
}
