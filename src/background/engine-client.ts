/**
 * How the background talks to the engine host, whichever context hosts it: messages to the offscreen
 * document in Chrome (created on demand, configured with the current settings whenever it is new, and
 * recreated once if it vanished), direct calls in Firefox where the background page hosts the engine itself.
 */
import { type EngineConfig, absentEngineStatus, type EngineStatus } from '../protocol/engine-status.ts';
import { NoReceiverError } from '../messaging/envelope.ts';
import type { HandlersFor, MessageSender } from '../protocol/protocol-map.ts';
import { sendMessage } from '../messaging/messenger.ts';
import type { ImageAnalysis } from '../protocol/overlay.ts';

export interface EngineClient {
  /** Creates the engine host if needed, configures it, and returns its status. */
  ensure: () => Promise<EngineStatus>;
  configure: (config: EngineConfig) => Promise<EngineStatus>;
  /** Status without creating the host. */
  status: () => Promise<EngineStatus>;
  analyzeImage: (req: { bytes: ArrayBuffer; type: string }) => Promise<ImageAnalysis>;
  /** User models were installed or removed: a running engine reloads them (one not started is left alone). */
  modelsChanged: () => Promise<EngineStatus>;
}

export interface OffscreenClientDeps {
  /** Makes sure the offscreen document exists; `created` when it was just made. */
  ensureDocument: () => Promise<{ created: boolean }>;
  documentExists: () => Promise<boolean>;
  /** Closes the document (its engine with it); the next call creates a new one. */
  closeDocument: () => Promise<void>;
  /** The engine configuration from the current settings. */
  currentConfig: () => Promise<EngineConfig>;
  send: typeof sendMessage;
}

/**
 * Whether the document's runtime was started with another thread count than `config` asks for: a runtime's
 * threads are fixed once it has started (onnxruntime-web), so only a new document can apply the change.
 */
function threadsChanged(status: EngineStatus, config: EngineConfig): boolean {
  return status.wasmThreads !== null && status.wasmThreads.setting !== config.wasmThreads;
}

export function offscreenEngineClient(deps: OffscreenClientDeps): EngineClient {
  /** Ensures the document, configures a new one, then sends; recreates once if it vanished meanwhile. */
  const withHost = async <T>(call: () => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      const { created } = await deps.ensureDocument();
      try {
        if (created) await deps.send('engineConfigure', await deps.currentConfig());
        return await call();
      } catch (error) {
        if (!(error instanceof NoReceiverError) || attempt > 0) throw error;
      }
    }
  };
  /** Configures the document's engine; one started with other threads is replaced by a new document. */
  const configure = async (config: EngineConfig): Promise<EngineStatus> => {
    const status = await withHost(() => deps.send('engineConfigure', config));
    if (!threadsChanged(status, config)) return status;
    await deps.closeDocument();
    return withHost(() => deps.send('engineConfigure', config));
  };
  return {
    ensure: async () => configure(await deps.currentConfig()),
    configure,
    async status() {
      if (!(await deps.documentExists())) return absentEngineStatus();
      try {
        return await deps.send('engineStatus');
      } catch (error) {
        if (error instanceof NoReceiverError) return absentEngineStatus();
        throw error;
      }
    },
    analyzeImage: (req) => withHost(() => deps.send('engineAnalyzeImage', req)),
    async modelsChanged() {
      if (!(await deps.documentExists())) return absentEngineStatus();
      try {
        return await deps.send('engineModelsChanged');
      } catch (error) {
        if (error instanceof NoReceiverError) return absentEngineStatus();
        throw error;
      }
    },
  };
}

/**
 * The engine's handlers once `host` has loaded: lets the Firefox background import the engine host lazily
 * (a static import would also pull onnxruntime-web into Chrome's service worker) while registering its
 * listeners synchronously.
 */
export function deferredEngineHandlers(
  host: Promise<{ handlers: HandlersFor<'engine'> }>,
): HandlersFor<'engine'> {
  return {
    engineConfigure: async (data, sender) => (await host).handlers.engineConfigure(data, sender),
    engineStatus: async (data, sender) => (await host).handlers.engineStatus(data, sender),
    engineAnalyzeImage: async (data, sender) => (await host).handlers.engineAnalyzeImage(data, sender),
    analyzeFrame: async (data, sender) => (await host).handlers.analyzeFrame(data, sender),
    endSource: async (data, sender) => (await host).handlers.endSource(data, sender),
    engineModelsChanged: async (data, sender) => (await host).handlers.engineModelsChanged(data, sender),
    engineClassifyCrop: async (data, sender) => (await host).handlers.engineClassifyCrop(data, sender),
  };
}

/** Firefox: the engine host lives in this (background) context; calls are direct. */
export function localEngineClient(
  handlers: HandlersFor<'engine'>,
  currentConfig: () => Promise<EngineConfig>,
): EngineClient {
  const self: MessageSender = {};
  return {
    ensure: async () => handlers.engineConfigure(await currentConfig(), self),
    configure: async (config) => handlers.engineConfigure(config, self),
    status: async () => handlers.engineStatus(undefined, self),
    analyzeImage: async (req) => handlers.engineAnalyzeImage(req, self),
    modelsChanged: async () => handlers.engineModelsChanged(undefined, self),
  };
}
