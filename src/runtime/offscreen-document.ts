/**
 * Lifecycle of the offscreen document that hosts the engine in Chrome: created on demand, recreated when it
 * has gone (crash, or Chrome closed it), never created twice at once. Chrome allows one offscreen document
 * per extension.
 */
export const OFFSCREEN_PATH = 'offscreen.html';

/** The part of `chrome.offscreen` / `chrome.runtime` used here (injected: tests pass fakes). */
export interface OffscreenApi {
  hasDocument: (url: string) => Promise<boolean>;
  createDocument: (url: string) => Promise<void>;
  closeDocument: () => Promise<void>;
}

export interface OffscreenLifecycle {
  /** Resolves once the document exists; `created` is true when this call had to create it. */
  ensure: () => Promise<{ created: boolean }>;
  exists: () => Promise<boolean>;
  close: () => Promise<void>;
}

export function createOffscreenLifecycle(api: OffscreenApi, url: string): OffscreenLifecycle {
  let creating: Promise<{ created: boolean }> | null = null;

  const ensure = (): Promise<{ created: boolean }> => {
    creating ??= (async () => {
      try {
        if (await api.hasDocument(url)) return { created: false };
        try {
          await api.createDocument(url);
        } catch (error) {
          // Another context (or an earlier background instance) created it in the meantime.
          if (String(error).includes('Only a single offscreen document')) return { created: false };
          throw error;
        }
        return { created: true };
      } finally {
        creating = null;
      }
    })();
    return creating;
  };

  return {
    ensure,
    exists: () => api.hasDocument(url),
    async close() {
      if (await api.hasDocument(url)) await api.closeDocument();
    },
  };
}

interface ChromeOffscreen {
  runtime: {
    getContexts(filter: { contextTypes: string[]; documentUrls?: string[] }): Promise<unknown[]>;
    getURL(path: string): string;
  };
  offscreen: {
    createDocument(parameters: { url: string; reasons: string[]; justification: string }): Promise<void>;
    closeDocument(): Promise<void>;
  };
}

/** The real API (Chrome 116+: runtime.getContexts). */
export function chromeOffscreenApi(): OffscreenApi {
  const chrome = (globalThis as unknown as { chrome: ChromeOffscreen }).chrome;
  return {
    async hasDocument(url) {
      const contexts = await chrome.runtime.getContexts({
        contextTypes: ['OFFSCREEN_DOCUMENT'],
        documentUrls: [chrome.runtime.getURL(url)],
      });
      return contexts.length > 0;
    },
    createDocument: (url) =>
      chrome.offscreen.createDocument({
        url,
        // WORKERS: onnxruntime-web runs its WebAssembly threads in workers.
        reasons: ['WORKERS'],
        justification: 'Runs the on-device face and emotion models (onnxruntime-web, WebGPU or WebAssembly).',
      }),
    closeDocument: () => chrome.offscreen.closeDocument(),
  };
}
