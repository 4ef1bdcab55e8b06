/**
 * What Chrome tells a user about a build's permissions: loads each built extension folder given (default
 * .output/chrome-mv3) in Debian's Chromium, prints the warnings of its install prompt
 * (management.getPermissionWarningsByManifest) and the site-access line of its chrome://extensions details
 * page, and saves a screenshot of that page in test-results/permission-warnings/. Usage: npx tsx scripts/permission-warnings.ts [dir ...]
 */
import { mkdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { chromiumPath, EXTENSION_DIR, REPO_ROOT } from '../tests/e2e/helpers/browser.ts';

const OUT = path.join(REPO_ROOT, 'test-results/permission-warnings');

async function describe(dir: string, name: string): Promise<void> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('Chromium not found: apt-get install -y chromium');
  const profile = path.join(os.tmpdir(), `affect-lens-permissions-${process.pid}-${name}`);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 900, height: 1100 },
    args: ['--no-sandbox', `--disable-extensions-except=${dir}`, `--load-extension=${dir}`],
  });
  try {
    const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
    const id = new URL(worker.url()).host;
    const page = await context.newPage();
    await page.goto(`chrome://extensions/?id=${id}`);
    await page.waitForTimeout(1500);
    // The details view lives in nested shadow roots; its text is what the user reads. (A string: tsx's
    // helpers do not exist in the page.)
    const lines = await page.evaluate<string[]>(`(() => {
      const texts = [];
      const walk = (root) => {
        for (const el of root.querySelectorAll('*')) {
          if (el.shadowRoot) walk(el.shadowRoot);
          const text = (el.innerText || '').trim();
          if (text.includes('read and change') && text.length < 400) texts.push(text);
        }
      };
      walk(document);
      // What Chrome says about site access: the innermost text that says it ("read and change ...").
      const shortest = texts.sort((a, b) => a.length - b.length)[0];
      return [shortest ? shortest.split('\\n').map((l) => l.trim()).filter(Boolean).join(' | ') : 'no site access line'];
    })()`);
    // The warnings of the install prompt itself, as Chrome words them for this manifest.
    const manifest = await readFile(path.join(dir, 'manifest.json'), 'utf8');
    const install = await worker.evaluate(
      (m) =>
        (
          globalThis as unknown as {
            chrome: { management: { getPermissionWarningsByManifest(m: string): Promise<string[]> } };
          }
        ).chrome.management.getPermissionWarningsByManifest(m),
      manifest,
    );
    lines.unshift(
      `install prompt: ${install.length === 0 ? '(no warning)' : install.map((w) => `"${w}"`).join(', ')}`,
    );
    await mkdir(OUT, { recursive: true });
    const file = path.join(OUT, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(
      `${name} (${dir}):\n  ${lines.join('\n  ') || '(no permission lines found)'}\n  screenshot: ${file}`,
    );
  } finally {
    await context.close();
  }
}

const dirs = process.argv.slice(2);
for (const [i, dir] of (dirs.length > 0 ? dirs : [EXTENSION_DIR]).entries()) {
  await describe(path.resolve(dir), dirs.length > 1 ? `build-${i + 1}` : 'current');
}
