/**
 * The offscreen document: hosts the one engine (src/runtime/engine-host.ts) for every tab and answers the
 * engine's messages and the frames port. Only `chrome.runtime` exists here.
 */
import { serveFramesPort } from '../../src/messaging/frames-port.ts';
import { registerHandlers } from '../../src/messaging/messenger.ts';
import { createExtensionEngineHost, preloadExtensionRuntime } from '../../src/runtime/extension-engine.ts';

// The document lives until Chrome or the background closes it: nothing aborts this.
const signal = new AbortController().signal;
// The runtime's WebAssembly is read while the document waits for its configuration (a hint: never fatal).
preloadExtensionRuntime(document).catch((error: unknown) =>
  console.warn('Affect Lens: could not preload the runtime', error),
);
const host = createExtensionEngineHost();
registerHandlers('engine', host.handlers, signal);
serveFramesPort(host.handlers, signal, { onDisconnect: (sender) => host.clientGone(sender) });
