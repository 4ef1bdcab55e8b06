/**
 * Settings in extension storage (`storage.local`, key "settings"): read, patch, and watch. Every context
 * that can reach extension storage (background, content script, popup) reads it here; the engine host
 * cannot and is configured by the background.
 */
import { browser } from 'wxt/browser';
import { DEFAULT_SETTINGS, validateSettings, type Settings } from './schema.ts';

export const SETTINGS_KEY = 'settings';

let warned = false;
function warnOnce(problems: string[]): void {
  if (problems.length === 0 || warned) return;
  warned = true;
  console.warn(`Affect Lens: stored settings replaced by defaults where invalid:\n${problems.join('\n')}`);
}

export async function loadSettings(): Promise<Settings> {
  const stored = await browser.storage.local.get(SETTINGS_KEY);
  const { settings, problems } = validateSettings(stored[SETTINGS_KEY]);
  warnOnce(problems);
  return settings;
}

/**
 * Merges `patch` into the stored settings; rejects a patch with invalid values (saying which). Only values
 * that differ from the defaults are stored, so a default changed by an update (as `frameEncoding` was, from
 * 'rgba' to 'vp8') reaches everyone who never chose otherwise.
 */
export async function saveSettings(patch: Partial<Settings>): Promise<Settings> {
  const current = await loadSettings();
  const { settings, problems } = validateSettings({ ...current, ...patch });
  if (problems.length > 0) throw new Error(`Invalid settings: ${problems.join('; ')}`);
  const chosen = Object.fromEntries(
    Object.entries(settings).filter(([key, value]) => value !== DEFAULT_SETTINGS[key as keyof Settings]),
  );
  await browser.storage.local.set({ [SETTINGS_KEY]: chosen });
  return settings;
}

/** Calls `onChange` with the validated settings whenever they change, until `signal` aborts. */
export function watchSettings(onChange: (settings: Settings) => void, signal: AbortSignal): void {
  const listener = (changes: Record<string, { newValue?: unknown }>, area: string): void => {
    if (area !== 'local' || !(SETTINGS_KEY in changes)) return;
    const { settings, problems } = validateSettings(changes[SETTINGS_KEY]?.newValue);
    warnOnce(problems);
    onChange(settings);
  };
  browser.storage.onChanged.addListener(listener);
  signal.addEventListener('abort', () => browser.storage.onChanged.removeListener(listener), { once: true });
}
