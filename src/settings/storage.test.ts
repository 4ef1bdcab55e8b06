import { fakeBrowser } from '@webext-core/fake-browser';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SETTINGS, type Settings } from './schema.ts';
import { LEGACY_SETTINGS_KEY, loadSettings, saveSettings, settingKey, watchSettings } from './storage.ts';

vi.mock('wxt/browser', async () => ({ browser: (await import('@webext-core/fake-browser')).fakeBrowser }));

const stored = async () => fakeBrowser.storage.local.get(null);

describe('settings storage', () => {
  beforeEach(() => fakeBrowser.reset());

  it('loads the defaults when nothing is stored, and what was saved afterwards', async () => {
    await expect(loadSettings()).resolves.toEqual(DEFAULT_SETTINGS);
    await saveSettings({ smoothing: 0.3 });
    await expect(loadSettings()).resolves.toEqual({ ...DEFAULT_SETTINGS, smoothing: 0.3 });
  });

  it('stores each setting under its own key, and only what differs from the defaults', async () => {
    await saveSettings({ smoothing: 0.3, maxFps: DEFAULT_SETTINGS.maxFps });
    await expect(stored()).resolves.toEqual({ [settingKey('smoothing')]: 0.3 });
    await saveSettings({ smoothing: DEFAULT_SETTINGS.smoothing });
    await expect(stored()).resolves.toEqual({});
    await expect(loadSettings()).resolves.toEqual(DEFAULT_SETTINGS);
  });

  it('keeps both of two quick changes made from two places', async () => {
    await Promise.all([saveSettings({ maxFps: 10 }), saveSettings({ showAllProbabilities: true })]);
    await expect(loadSettings()).resolves.toMatchObject({ maxFps: 10, showAllProbabilities: true });
  });

  it('refuses an invalid patch and keeps the stored settings', async () => {
    await saveSettings({ maxFps: 10 });
    await expect(saveSettings({ maxFps: 100 })).rejects.toThrow(/maxFps: expected a number in 1..30/);
    await expect(loadSettings()).resolves.toMatchObject({ maxFps: 10 });
  });

  it('repairs invalid stored values (an older version, a manual edit)', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    await fakeBrowser.storage.local.set({ [settingKey('minScore')]: 5, [settingKey('smoothing')]: 0.2 });
    await expect(loadSettings()).resolves.toEqual({ ...DEFAULT_SETTINGS, smoothing: 0.2 });
  });

  it("reads an earlier version's settings object, and moves it to per-key values on the first save", async () => {
    await fakeBrowser.storage.local.set({ [LEGACY_SETTINGS_KEY]: { smoothing: 0.2, maxFps: 12 } });
    await expect(loadSettings()).resolves.toMatchObject({ smoothing: 0.2, maxFps: 12 });
    await saveSettings({ maxFps: 8 });
    await expect(stored()).resolves.toEqual({ [settingKey('smoothing')]: 0.2, [settingKey('maxFps')]: 8 });
  });

  it('tells watchers about changes, the latest last, until the signal aborts', async () => {
    const seen: Settings[] = [];
    const controller = new AbortController();
    watchSettings((s) => seen.push(s), controller.signal);
    await saveSettings({ showAllProbabilities: true });
    await vi.waitFor(() => expect(seen.at(-1)).toEqual({ ...DEFAULT_SETTINGS, showAllProbabilities: true }));
    controller.abort();
    await saveSettings({ showAllProbabilities: false });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen.at(-1)).toEqual({ ...DEFAULT_SETTINGS, showAllProbabilities: true });
  });
});
