/**
 * Launches Debian's Chromium with the built extension (.output/chrome-mv3) through playwright-core, with the
 * flags of ../shared/ENVIRONMENT.md. Never `playwright install`: its browser download does not work here.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright-core';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The built extension; AFFECT_LENS_EXTENSION_DIR points the measurement scripts at another build. */
export const EXTENSION_DIR =
  process.env.AFFECT_LENS_EXTENSION_DIR ?? path.join(REPO_ROOT, '.output/chrome-mv3');
/** Screenshots and other artefacts for people to look at (ignored by git). */
export const ARTIFACTS_DIR = path.join(REPO_ROOT, 'test-results/e2e');

const CHROMIUM_CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/lib/chromium/chromium', '/usr/bin/chromium'];

export function chromiumPath(): string | null {
  return CHROMIUM_CANDIDATES.find((p): p is string => !!p && existsSync(p)) ?? null;
}

/** Why E2E cannot run here, or null when it can. */
export function e2eUnavailable(): string | null {
  if (!chromiumPath()) return 'Chromium not found: `apt-get install -y chromium` (or set CHROMIUM_PATH)';
  if (!existsSync(path.join(EXTENSION_DIR, 'manifest.json')))
    return 'No built extension: run `npm run build`';
  return null;
}

export interface ExtensionBrowser {
  context: BrowserContext;
  serviceWorker: Worker;
  extensionId: string;
  /** Chromium's user data folder (it holds DevToolsActivePort when launched with a debugging port). */
  profileDir: string;
  close(): Promise<void>;
}

export interface LaunchOptions {
  /**
   * Playwright's emulated viewport of every page (default 1100x760). null: the pages have the window's real
   * size (set it with `--window-size`), which tabs.captureVisibleTab needs: it captures the real window, not
   * the emulated viewport.
   */
  viewport?: { width: number; height: number } | null;
}

/** `extraArgs` are added to the Chromium flags (e.g. a fake camera, a debugging port). */
export async function launchWithExtension(
  extraArgs: string[] = [],
  options: LaunchOptions = {},
): Promise<ExtensionBrowser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error(e2eUnavailable() ?? 'no chromium');
  const profile = await mkdtemp(path.join(os.tmpdir(), 'affect-lens-e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: options.viewport === undefined ? { width: 1100, height: 760 } : options.viewport,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--enable-unsafe-webgpu',
      '--autoplay-policy=no-user-gesture-required',
      // CDP's Extensions.triggerAction: a click on the toolbar button (tests/e2e/helpers/extension-calls.ts).
      '--enable-unsafe-extension-debugging',
      `--disable-extensions-except=${EXTENSION_DIR}`,
      `--load-extension=${EXTENSION_DIR}`,
      ...extraArgs,
    ],
  });
  const serviceWorker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  const extensionId = new URL(serviceWorker.url()).host;
  return {
    context,
    serviceWorker,
    extensionId,
    profileDir: profile,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * The id of the tab that shows `page`: brought to the front, it is the active tab. (The extension has no
 * host permission, so tabs.query does not give it the URLs of web pages to look for.)
 */
export async function tabIdOf(sw: Worker, page: Page): Promise<number> {
  await page.bringToFront();
  const id = await sw.evaluate(async () => {
    type Tab = { id?: number };
    const { chrome } = globalThis as unknown as { chrome: { tabs: { query(q: object): Promise<Tab[]> } } };
    const [tab] = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
    return tab?.id ?? null;
  });
  if (id === null) throw new Error(`No active tab for ${page.url()}`);
  return id;
}
