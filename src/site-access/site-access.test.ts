import { fakeBrowser } from '@webext-core/fake-browser';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  allowSite,
  ALWAYS_ON_KEY,
  ALWAYS_ON_SCRIPT_ID,
  alwaysOnSites,
  forgetSite,
  isAlwaysOn,
  siteName,
  sitePattern,
  syncAlwaysOnScript,
} from './site-access.ts';

/** The browser's grants and registered scripts (fakeBrowser has neither). */
const granted = new Set<string>();
let registered: { id: string; matches: string[]; js: string[] }[] = [];
let answer = true;

vi.mock('wxt/browser', async () => {
  const { fakeBrowser } = await import('@webext-core/fake-browser');
  const browser = Object.create(fakeBrowser) as typeof fakeBrowser & Record<string, unknown>;
  Object.assign(browser, {
    permissions: {
      contains: ({ origins }: { origins: string[] }) => Promise.resolve(origins.every((o) => granted.has(o))),
      request: ({ origins }: { origins: string[] }) => {
        if (answer) origins.forEach((o) => granted.add(o));
        return Promise.resolve(answer);
      },
      remove: ({ origins }: { origins: string[] }) =>
        Promise.resolve(origins.map((o) => granted.delete(o)).every(Boolean)),
    },
    scripting: {
      getRegisteredContentScripts: ({ ids }: { ids: string[] }) =>
        Promise.resolve(registered.filter((s) => ids.includes(s.id))),
      registerContentScripts: (scripts: typeof registered) => {
        registered = [...registered, ...scripts];
        return Promise.resolve();
      },
      updateContentScripts: (scripts: typeof registered) => {
        registered = registered.map((r) => scripts.find((s) => s.id === r.id) ?? r);
        return Promise.resolve();
      },
      unregisterContentScripts: ({ ids }: { ids: string[] }) => {
        registered = registered.filter((s) => !ids.includes(s.id));
        return Promise.resolve();
      },
    },
  });
  return { browser };
});

describe('site access', () => {
  beforeEach(() => {
    fakeBrowser.reset();
    granted.clear();
    registered = [];
    answer = true;
  });

  it('names a page by its site, and only web pages', () => {
    expect(sitePattern('https://meet.example.com:8443/room?x=1')).toBe('https://meet.example.com/*');
    expect(sitePattern('http://127.0.0.1:3000/')).toBe('http://127.0.0.1/*');
    for (const url of [
      'chrome://settings',
      'file:///a.html',
      'chrome-extension://id/popup.html',
      'nonsense',
      undefined,
    ])
      expect(sitePattern(url), String(url)).toBeNull();
    expect(siteName('https://meet.example.com/*')).toBe('meet.example.com');
  });

  it('registers the page script for a site once it is chosen and granted, and removes it when forgotten', async () => {
    await expect(allowSite('https://meet.example.com/*')).resolves.toBe(true);
    await expect(syncAlwaysOnScript()).resolves.toEqual(['https://meet.example.com/*']);
    expect(registered).toEqual([
      expect.objectContaining({
        id: ALWAYS_ON_SCRIPT_ID,
        matches: ['https://meet.example.com/*'],
        js: ['page-overlay.js'],
      }),
    ]);
    await expect(isAlwaysOn('https://meet.example.com/room')).resolves.toBe(true);
    await expect(isAlwaysOn('https://other.example/')).resolves.toBe(false);

    await allowSite('https://video.example/*');
    await syncAlwaysOnScript();
    expect(registered[0]!.matches).toEqual(['https://meet.example.com/*', 'https://video.example/*']);

    await forgetSite('https://meet.example.com/*');
    expect(granted.has('https://meet.example.com/*')).toBe(false);
    await syncAlwaysOnScript();
    expect(registered[0]!.matches).toEqual(['https://video.example/*']);
    await forgetSite('https://video.example/*');
    await syncAlwaysOnScript();
    expect(registered).toEqual([]);
  });

  it('keeps a refused site out, and pauses a chosen site the browser no longer grants', async () => {
    answer = false;
    await expect(allowSite('https://meet.example.com/*')).resolves.toBe(false);
    await expect(alwaysOnSites()).resolves.toEqual([]);
    answer = true;
    await allowSite('https://meet.example.com/*');
    granted.delete('https://meet.example.com/*'); // revoked in the browser's own menu
    await expect(syncAlwaysOnScript()).resolves.toEqual([]);
    expect(registered).toEqual([]);
  });

  it('never runs on a site merely granted (the model download host), nor on stored junk', async () => {
    granted.add('https://huggingface.co/*');
    await fakeBrowser.storage.local.set({ [ALWAYS_ON_KEY]: ['<all_urls>', 42, 'https://huggingface.co/x'] });
    await expect(syncAlwaysOnScript()).resolves.toEqual([]);
  });
});
