/**
 * Per-tab state of the background (overlay on/off, last right-click result), kept in `storage.session`: the
 * service worker may be stopped at any time, and session storage survives that but not a browser restart.
 */
import { browser } from 'wxt/browser';
import type { TabState } from '../protocol/overlay.ts';

export interface TabStateStore {
  get: (tabId: number) => Promise<TabState>;
  update: (tabId: number, patch: Partial<Omit<TabState, 'tabId'>>) => Promise<TabState>;
  remove: (tabId: number) => Promise<void>;
}

const keyOf = (tabId: number) => `tab:${tabId}`;

export function initialTabState(tabId: number): TabState {
  return { tabId, overlay: false, lastImage: null };
}

export function sessionTabStates(): TabStateStore {
  const area = browser.storage.session;
  // Updates of one tab are serialised, so two quick toggles cannot lose one another's write.
  const queues = new Map<number, Promise<unknown>>();
  const get = async (tabId: number): Promise<TabState> => {
    const stored = (await area.get(keyOf(tabId)))[keyOf(tabId)] as TabState | undefined;
    return stored ? { ...initialTabState(tabId), ...stored, tabId } : initialTabState(tabId);
  };
  return {
    get,
    update(tabId, patch) {
      const run = (queues.get(tabId) ?? Promise.resolve()).then(async () => {
        const next = { ...(await get(tabId)), ...patch, tabId };
        await area.set({ [keyOf(tabId)]: next });
        return next;
      });
      const settled = run.catch(() => undefined);
      queues.set(tabId, settled);
      void settled.then(() => {
        if (queues.get(tabId) === settled) queues.delete(tabId);
      });
      return run;
    },
    async remove(tabId) {
      await area.remove(keyOf(tabId));
    },
  };
}
