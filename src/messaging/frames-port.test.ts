import { describe, expect, it, vi } from 'vitest';
import { FRAMES_PORT, serveFramesPort } from './frames-port.ts';
import type { HandlersFor, MessageSender } from '../protocol/protocol-map.ts';

type Listener = (port: FakePort) => void;
const connectListeners: Listener[] = [];

vi.mock('wxt/browser', () => ({
  browser: {
    runtime: {
      id: 'ext-id',
      getURL: (path: string) => `chrome-extension://ext-id${path}`,
      onConnect: {
        addListener: (l: Listener) => connectListeners.push(l),
        removeListener: (l: Listener) => connectListeners.splice(connectListeners.indexOf(l), 1),
      },
    },
  },
}));

class FakePort {
  readonly sent: unknown[] = [];
  disconnected = false;
  private readonly messageListeners: ((m: unknown) => void)[] = [];
  readonly onMessage = { addListener: (l: (m: unknown) => void) => this.messageListeners.push(l) };
  readonly onDisconnect = { addListener: () => undefined };
  constructor(
    readonly sender: MessageSender,
    readonly name = FRAMES_PORT,
  ) {}
  postMessage(m: unknown) {
    this.sent.push(m);
  }
  disconnect() {
    this.disconnected = true;
  }
  receive(m: unknown) {
    for (const l of this.messageListeners) l(m);
  }
}

const CONTENT: MessageSender = {
  id: 'ext-id',
  url: 'https://video.example/',
  tab: { id: 3 } as MessageSender['tab'],
};
const POPUP: MessageSender = { id: 'ext-id', url: 'chrome-extension://ext-id/popup.html' };

function serve() {
  connectListeners.length = 0;
  const handlers: Pick<HandlersFor<'engine'>, 'analyzeFrame' | 'endSource'> = {
    analyzeFrame: vi.fn(() => ({ status: 'dropped' as const })),
    endSource: vi.fn(),
  };
  serveFramesPort(handlers, new AbortController().signal);
  const connect = (sender: MessageSender) => {
    const port = new FakePort(sender);
    for (const l of connectListeners) l(port);
    return port;
  };
  return { handlers, connect };
}

describe('frames port server', () => {
  it('serves content scripts and closes a port from anyone else unanswered', () => {
    const { handlers, connect } = serve();
    const fromPopup = connect(POPUP);
    expect(fromPopup.disconnected).toBe(true);
    const fromOtherExtension = connect({ ...CONTENT, id: 'other' });
    expect(fromOtherExtension.disconnected).toBe(true);
    fromPopup.receive({ id: 1, type: 'endSource', data: { sourceId: 'v' } });
    expect(handlers.endSource).not.toHaveBeenCalled();
  });

  it('refuses a malformed request with what is wrong, and ignores what is not a request', async () => {
    const { handlers, connect } = serve();
    const port = connect(CONTENT);
    expect(port.disconnected).toBe(false);
    port.receive({ id: 1, type: 'analyzeFrame', data: { sourceId: 'v', encoding: 'png' } });
    port.receive({ id: 2, type: 'toString', data: null });
    port.receive('not a request');
    await vi.waitFor(() => expect(port.sent).toHaveLength(2));
    const refused = port.sent[0] as { id: number; err: { name: string; message: string } };
    expect(refused.id).toBe(1);
    expect(refused.err.name).toBe('AccessError');
    expect(refused.err.message).toMatch(/payload refused/);
    expect(port.sent[1]).toMatchObject({ id: 2, err: { message: 'No frames-port handler for "toString"' } });
    expect(handlers.analyzeFrame).not.toHaveBeenCalled();
    port.receive({ id: 3, type: 'endSource', data: { sourceId: 'v' } });
    await vi.waitFor(() => expect(handlers.endSource).toHaveBeenCalledWith({ sourceId: 'v' }, CONTENT));
  });
});
