import { fakeBrowser } from '@webext-core/fake-browser';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SETTINGS, type Settings } from './schema.ts';
import { loadSettings, saveSettings, SETTINGS_KEY, watchSettings } from './storage.ts';

vi.mock('wxt/browser', async () => ({ browser: (await import('@webext-core/fake-browser')).fakeBrowser }));

describe('settings storage', () => {
  beforeEach(() => fakeBrowser.reset());

  it('loads the defaults when nothing is stored, and what was saved afterwards', async () => {
    await expect(loadSettings()).resolves.toEqual(DEFAULT_SETTINGS);
    await saveSettings({ smoothing: 0.3 });
    await expect(loadSettings()).resolves.toEqual({ ...DEFAULT_SETTINGS, smoothing: 0.3 });
  });

  it('stores only what differs from the defaults, so a changed default reaches those who kept it', async () => {
    await saveSettings({ smoothing: 0.3, maxFps: DEFAULT_SETTINGS.maxFps });
    expect((await fakeBrowser.storage.local.get(SETTINGS_KEY))[SETTINGS_KEY]).toEqual({ smoothing: 0.3 });
    await saveSettings({ smoothing: DEFAULT_SETTINGS.smoothing });
    expect((await fakeBrowser.storage.local.get(SETTINGS_KEY))[SETTINGS_KEY]).toEqual({});
    await expect(loadSettings()).resolves.toEqual(DEFAULT_SETTINGS);
  });

  it('refuses an invalid patch and keeps the stored settings', async () => {
    await saveSettings({ maxFps: 10 });
    await expect(saveSettings({ maxFps: 100 })).rejects.toThrow(/maxFps: expected a number in 1..30/);
    await expect(loadSettings()).resolves.toMatchObject({ maxFps: 10 });
  });

  it('repairs invalid stored values (an older version, a manual edit)', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    await fakeBrowser.storage.local.set({ [SETTINGS_KEY]: { minScore: 5, smoothing: 0.2 } });
    await expect(loadSettings()).resolves.toEqual({ ...DEFAULT_SETTINGS, smoothing: 0.2 });
  });

  it('tells watchers about changes until the signal aborts', async () => {
    const seen: Settings[] = [];
    const controller = new AbortController();
    watchSettings((s) => seen.push(s), controller.signal);
    await saveSettings({ showAllProbabilities: true });
    controller.abort();
    await saveSettings({ showAllProbabilities: false });
    expect(seen).toEqual([{ ...DEFAULT_SETTINGS, showAllProbabilities: true }]);
  });
});
