/**
 * Launches Debian's Firefox ESR with the Firefox build (.output/firefox-mv3) through puppeteer-core over
 * WebDriver BiDi (no browser download: puppeteer-core only drives the installed binary). The extension is
 * installed with BiDi `webExtension.install` (Firefox 138+) as a temporary add-on, with a fixed
 * moz-extension UUID (pref `extensions.webextensions.uuids`) so its pages have a known URL.
 * Firefox's BiDi refuses to navigate to moz-extension:// pages ("not allowed in this context") unless Firefox
 * is started with `--remote-allow-system-access`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { REPO_ROOT } from './browser.ts';

export const FIREFOX_EXTENSION_DIR = path.join(REPO_ROOT, '.output/firefox-mv3');
/** Any fixed UUID: the extension's pages are then at moz-extension://<this>/. */
const EXTENSION_UUID = '6d1f7a52-3c1e-4c55-9d8e-6a8f3b3c0a11';
export const FIREFOX_EXTENSION_ORIGIN = `moz-extension://${EXTENSION_UUID}`;

const FIREFOX_CANDIDATES = [process.env.FIREFOX_PATH, '/usr/bin/firefox-esr', '/usr/bin/firefox'];

export function firefoxPath(): string | null {
  return FIREFOX_CANDIDATES.find((p): p is string => !!p && existsSync(p)) ?? null;
}

/** Why the Firefox E2E cannot run here, or null when it can. */
export function firefoxUnavailable(): string | null {
  if (!firefoxPath()) return 'Firefox not found: `apt-get install -y firefox-esr` (or set FIREFOX_PATH)';
  if (!existsSync(path.join(REPO_ROOT, 'node_modules/puppeteer-core')))
    return 'puppeteer-core is not installed: run `npm ci`';
  if (!existsSync(path.join(FIREFOX_EXTENSION_DIR, 'manifest.json')))
    return 'No Firefox build: run `npm run build:firefox`';
  return null;
}

function geckoId(): string {
  const manifest = JSON.parse(readFileSync(path.join(FIREFOX_EXTENSION_DIR, 'manifest.json'), 'utf8')) as {
    browser_specific_settings?: { gecko?: { id?: string } };
  };
  const id = manifest.browser_specific_settings?.gecko?.id;
  if (!id) throw new Error('The Firefox build has no browser_specific_settings.gecko.id (wxt.config.ts).');
  return id;
}

export interface FirefoxWithExtension {
  browser: Browser;
  /** Opens an extension page (e.g. "/popup.html?tab=3") in a new tab. */
  openExtensionPage(pathAndQuery: string): Promise<Page>;
  /** Grants the extension these sites, as a user does in Firefox's menu or from the popup. */
  allowSites(origins: string[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Waits until `selector` matches in `page`, polling from here. Puppeteer's own waitForSelector and
 * waitForFunction poll inside the page with `new Function`, which an extension page's CSP refuses in
 * Firefox ESR 140.12 ("call to Function() blocked by CSP"); page.evaluate is not subject to it.
 */
export async function waitForSelectorIn(page: Page, selector: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await page.evaluate((s) => document.querySelector(s) !== null, selector).catch(() => false);
    if (found) return;
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${selector} in ${page.url()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function launchFirefoxWithExtension(): Promise<FirefoxWithExtension> {
  const executablePath = firefoxPath();
  if (!executablePath) throw new Error(firefoxUnavailable() ?? 'no firefox');
  const { default: puppeteer } = await import('puppeteer-core');
  const id = geckoId();
  const profile = await mkdtemp(path.join(os.tmpdir(), 'affect-lens-e2e-firefox-'));
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath,
    headless: true,
    userDataDir: profile,
    defaultViewport: { width: 1100, height: 760 },
    args: ['--remote-allow-system-access'],
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({ [id]: EXTENSION_UUID }),
      'media.autoplay.default': 0,
      // Site permissions asked for by the extension are granted without Firefox's prompt (which automation
      // cannot click); they are still asked for on a click, as in use.
      'extensions.webextOptionalPermissionPrompts': false,
    },
  });
  try {
    const installed = await browser.installExtension(FIREFOX_EXTENSION_DIR);
    if (installed !== id) throw new Error(`Installed add-on ${installed}, expected ${id}`);
  } catch (error) {
    await browser.close();
    throw error;
  }
  async function openExtensionPage(pathAndQuery: string): Promise<Page> {
    const page = await browser.newPage();
    // The navigation completes, but BiDi never reports it for a moz-extension:// target (the page moves to
    // the extension process): wait for the document instead.
    await page.goto(`${FIREFOX_EXTENSION_ORIGIN}${pathAndQuery}`, { timeout: 3000 }).catch(() => undefined);
    const deadline = Date.now() + 15_000;
    while (
      !(await page
        .evaluate(
          (origin) => location.origin === origin && document.readyState === 'complete',
          FIREFOX_EXTENSION_ORIGIN,
        )
        .catch(() => false))
    ) {
      if (Date.now() > deadline) throw new Error(`${pathAndQuery} did not load`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return page;
  }
  return {
    browser,
    openExtensionPage,
    async allowSites(origins: string[]) {
      // permissions.request needs a user's click: a real click (WebDriver BiDi input) on a button in an
      // extension page, as the user's click on "Always on for this site" or in Firefox's own menu.
      const page = await openExtensionPage('/options.html');
      await page.evaluate((origins) => {
        type Permissions = { request(p: object): Promise<boolean> };
        const { permissions } = (globalThis as unknown as { browser: { permissions: Permissions } }).browser;
        const button = document.createElement('button');
        button.id = 'allow-sites';
        button.textContent = 'Allow';
        button.onclick = () =>
          void permissions.request({ origins }).then((granted) => (button.dataset.granted = String(granted)));
        document.body.prepend(button);
      }, origins);
      await page.click('#allow-sites');
      await waitForSelectorIn(page, '#allow-sites[data-granted]');
      const granted = await page.evaluate(() => document.getElementById('allow-sites')!.dataset.granted);
      await page.close();
      if (granted !== 'true') throw new Error(`Firefox did not grant ${origins.join(', ')}`);
    },
    async close() {
      await browser.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
