/**
 * "Always on for this site": the one way Affect Lens runs in a page without a click there. The extension
 * has no host permission at install; for a site the user picks, the popup asks the browser for that one
 * origin (permissions.request, on the user's click) and records the choice; the background then registers
 * the page script for exactly the sites that are both chosen and granted (scripting.registerContentScripts),
 * and turns the overlay on in their tabs. Revoking (the options page, the popup, or the browser's own
 * site-access menu) removes the site from the registration at once.
 *
 * Chosen and granted are kept apart on purpose: a user may grant a site from the browser's menu (or an
 * earlier version may have held a grant), and that does not mean "analyse every video there".
 */
import { browser } from 'wxt/browser';

/** storage.local key: the match patterns of the sites the user chose ("https://example.com/*"). */
export const ALWAYS_ON_KEY = 'alwaysOnSites';
/** The registered page script's id (scripting.registerContentScripts). */
export const ALWAYS_ON_SCRIPT_ID = 'always-on';
const PAGE_SCRIPT = 'page-overlay.js';

/**
 * The match pattern for the site of `url` ("https://example.com/*"; ports are not part of match patterns),
 * or null for pages no site permission covers (chrome://, file:, the extension's own pages).
 */
export function sitePattern(url: string | undefined): string | null {
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null;
  return `${parsed.protocol}//${parsed.hostname}/*`;
}

/** "example.com" for people, from a pattern. */
export function siteName(pattern: string): string {
  return pattern.replace(/^\w+:\/\//, '').replace(/\/\*$/, '');
}

const isPattern = (value: unknown): value is string =>
  typeof value === 'string' && sitePattern(value.replace(/\*$/, '')) === value;

/** The sites the user chose (whatever is stored that is not a site pattern is ignored). */
export async function chosenSites(): Promise<string[]> {
  const stored = (await browser.storage.local.get(ALWAYS_ON_KEY))[ALWAYS_ON_KEY];
  return Array.isArray(stored) ? [...new Set(stored.filter(isPattern))].sort() : [];
}

async function storeChosen(sites: string[]): Promise<void> {
  await browser.storage.local.set({ [ALWAYS_ON_KEY]: [...new Set(sites)].sort() });
}

/** The chosen sites the browser grants now: those the page script runs on by itself. */
export async function alwaysOnSites(): Promise<string[]> {
  const chosen = await chosenSites();
  if (chosen.length === 0) return [];
  const granted = await Promise.all(
    chosen.map((origin) => browser.permissions.contains({ origins: [origin] })),
  );
  return chosen.filter((_, i) => granted[i]);
}

export async function isAlwaysOn(url: string | undefined): Promise<boolean> {
  const pattern = sitePattern(url);
  return pattern !== null && (await alwaysOnSites()).includes(pattern);
}

/**
 * Asks the browser for the site and records the choice; true when granted. Call it straight from the user's
 * click (before any other await): the browser asks for a user gesture.
 */
export async function allowSite(pattern: string): Promise<boolean> {
  const granted = await browser.permissions.request({ origins: [pattern] });
  if (granted) await storeChosen([...(await chosenSites()), pattern]);
  return granted;
}

/** Forgets the choice and gives the site's permission back to the browser. */
export async function forgetSite(pattern: string): Promise<void> {
  await storeChosen((await chosenSites()).filter((site) => site !== pattern));
  await browser.permissions.remove({ origins: [pattern] }).catch(() => false);
}

/**
 * Makes the registered page script match exactly the always-on sites (none: unregistered). Called by the
 * background at start and whenever the choice or the grants change.
 */
export async function syncAlwaysOnScript(): Promise<string[]> {
  const sites = await alwaysOnSites();
  const registered = await browser.scripting.getRegisteredContentScripts({ ids: [ALWAYS_ON_SCRIPT_ID] });
  if (sites.length === 0) {
    if (registered.length > 0)
      await browser.scripting.unregisterContentScripts({ ids: [ALWAYS_ON_SCRIPT_ID] });
    return sites;
  }
  const script = {
    id: ALWAYS_ON_SCRIPT_ID,
    matches: sites,
    js: [PAGE_SCRIPT],
    allFrames: true,
    runAt: 'document_idle' as const,
    persistAcrossSessions: true,
  };
  if (registered.length > 0) await browser.scripting.updateContentScripts([script]);
  else await browser.scripting.registerContentScripts([script]);
  return sites;
}

/** Calls `onChange` when the chosen sites or the browser's grants change, until `signal` aborts. */
export function watchSiteAccess(onChange: () => void, signal: AbortSignal): void {
  const storage = (changes: Record<string, unknown>, area: string) => {
    if (area === 'local' && ALWAYS_ON_KEY in changes) onChange();
  };
  const permissions = () => onChange();
  browser.storage.onChanged.addListener(storage);
  browser.permissions.onAdded.addListener(permissions);
  browser.permissions.onRemoved.addListener(permissions);
  signal.addEventListener(
    'abort',
    () => {
      browser.storage.onChanged.removeListener(storage);
      browser.permissions.onAdded.removeListener(permissions);
      browser.permissions.onRemoved.removeListener(permissions);
    },
    { once: true },
  );
}
