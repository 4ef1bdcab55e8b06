/**
 * Settings in extension storage (`storage.local`), one key per setting ("setting:maxFps"): read, patch and
 * watch. Every context that can reach extension storage (background, content script, popup) reads it here;
 * the engine host cannot and is configured by the background.
 *
 * One key per setting, so that a save writes only what it changes: two quick changes from two places (the
 * popup's slider and its checkbox, the popup and the options page) both land, where a read-modify-write of
 * one object would lose one. Only values that differ from the defaults are stored (a default changed by an
 * update, as `frameEncoding` was from 'rgba' to 'vp8', reaches everyone who never chose otherwise).
 * Versions before this kept one object under "settings": it is read as a fallback and moved on first save.
 */
import { browser } from 'wxt/browser';
import { DEFAULT_SETTINGS, validateSettings, type Settings } from './schema.ts';

/** The settings object of earlier versions, read under the per-key values and moved by `saveSettings`. */
export const LEGACY_SETTINGS_KEY = 'settings';
const PREFIX = 'setting:';
const SETTING_NAMES = Object.keys(DEFAULT_SETTINGS) as (keyof Settings)[];

export const settingKey = (name: keyof Settings): string => `${PREFIX}${name}`;
const ALL_KEYS = [LEGACY_SETTINGS_KEY, ...SETTING_NAMES.map(settingKey)];

let warned = false;
function warnOnce(problems: string[]): void {
  if (problems.length === 0 || warned) return;
  warned = true;
  console.warn(`Affect Lens: stored settings replaced by defaults where invalid:\n${problems.join('\n')}`);
}

/** The stored values as one object: the legacy object under the per-key values. */
function merge(stored: Record<string, unknown>): Record<string, unknown> {
  const legacy = stored[LEGACY_SETTINGS_KEY];
  const merged: Record<string, unknown> = typeof legacy === 'object' && legacy !== null ? { ...legacy } : {};
  for (const name of SETTING_NAMES) {
    const value = stored[settingKey(name)];
    if (value !== undefined) merged[name] = value;
  }
  return merged;
}

export async function loadSettings(): Promise<Settings> {
  const { settings, problems } = validateSettings(merge(await browser.storage.local.get(ALL_KEYS)));
  warnOnce(problems);
  return settings;
}

/**
 * Writes the settings in `patch`, each under its own key (a value equal to its default removes the key);
 * rejects a patch with invalid values (saying which), writing nothing. Moves a legacy settings object to
 * per-key values on the way.
 */
export async function saveSettings(patch: Partial<Settings>): Promise<Settings> {
  const stored = await browser.storage.local.get(ALL_KEYS);
  const { settings, problems } = validateSettings({ ...merge(stored), ...patch });
  if (problems.length > 0) throw new Error(`Invalid settings: ${problems.join('; ')}`);
  const legacy = stored[LEGACY_SETTINGS_KEY];
  // The patched keys; with a legacy object still there, every key (once), so that it can go.
  const names = legacy === undefined ? (Object.keys(patch) as (keyof Settings)[]) : SETTING_NAMES;
  const set: Record<string, unknown> = {};
  const remove: string[] = legacy === undefined ? [] : [LEGACY_SETTINGS_KEY];
  for (const name of names) {
    if (!SETTING_NAMES.includes(name)) continue;
    if (settings[name] === DEFAULT_SETTINGS[name]) remove.push(settingKey(name));
    else set[settingKey(name)] = settings[name];
  }
  if (Object.keys(set).length > 0) await browser.storage.local.set(set);
  if (remove.length > 0) await browser.storage.local.remove(remove);
  return settings;
}

/**
 * Calls `onChange` with the validated settings whenever any of them changes, until `signal` aborts. Each
 * change re-reads storage; a read that an even newer change overtook is dropped, so the last call always
 * has the latest settings.
 */
export function watchSettings(onChange: (settings: Settings) => void, signal: AbortSignal): void {
  let generation = 0;
  const listener = (changes: Record<string, unknown>, area: string): void => {
    if (area !== 'local' || !ALL_KEYS.some((key) => key in changes)) return;
    const mine = ++generation;
    void loadSettings().then(
      (settings) => {
        if (mine === generation && !signal.aborted) onChange(settings);
      },
      (error: unknown) => console.warn('Affect Lens: could not read the settings', error),
    );
  };
  browser.storage.onChanged.addListener(listener);
  signal.addEventListener('abort', () => browser.storage.onChanged.removeListener(listener), { once: true });
}
