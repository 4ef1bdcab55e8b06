/**
 * The popup as a user sees it (issue 13): the overlay switch is a real switch (role switch, focus ring, Space
 * toggles it), the classifier list shows whole names, and the popup reads at 100% and 200% zoom and in dark
 * mode without anything cut off sideways. Screenshots: test-results/e2e/popup-{light,dark,zoom200}.png.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACTS_DIR,
  e2eUnavailable,
  launchWithExtension,
  tabIdOf,
  type ExtensionBrowser,
} from './helpers/browser.ts';
import { clickToolbarButton, openPopup } from './helpers/extension-calls.ts';
import { startServers, type TestServers } from './helpers/servers.ts';

const skip = e2eUnavailable();
if (skip) console.warn(`Skipping popup-look E2E: ${skip}`);

/** Nothing in the popup may stick out of its main column (a cut-off select, a row pushed out). */
async function overflowing(popup: Page): Promise<string[]> {
  return popup.evaluate(() => {
    const width = Math.min(
      document.documentElement.clientWidth,
      document.querySelector('main')!.getBoundingClientRect().right,
    );
    return [...document.querySelectorAll<HTMLElement>('main *')]
      .filter((el) => el.offsetParent !== null && el.getBoundingClientRect().right > width + 0.5)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className}: right ${el.getBoundingClientRect().right}`);
  });
}

describe.skipIf(skip !== null)('popup look', () => {
  let servers: TestServers;
  let ext: ExtensionBrowser;
  let tabId: number;

  beforeAll(async () => {
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    servers = await startServers();
    servers.pageRoutes['/plain.html'] = {
      body: '<!doctype html><title>Plain</title><p>Nothing here.',
      type: 'text/html',
    };
    ext = await launchWithExtension();
    const page = await ext.context.newPage();
    const url = `${servers.pageOrigin}/plain.html`;
    await page.goto(url);
    tabId = await tabIdOf(ext.serviceWorker, page);
    // The toolbar click grants the tab, so the switch can reach its page (else it goes back off).
    await clickToolbarButton(ext, page);
  });

  afterAll(async () => {
    await ext?.close();
    await servers?.close();
  });

  it('has a keyboard switch for the overlay and whole classifier names, light and dark', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const popup = await openPopup(ext, tabId, 900);
      await popup.emulateMedia({ colorScheme: scheme });
      const toggle = popup.getByRole('switch', { name: 'Overlay on this tab' });
      await expect.poll(() => toggle.isEnabled(), { timeout: 5000 }).toBe(true);
      if (scheme === 'light') {
        await toggle.focus();
        await popup.keyboard.press('Space');
        await expect.poll(() => toggle.isChecked()).toBe(true);
        await popup.keyboard.press('Space');
        await expect.poll(() => toggle.isChecked()).toBe(false);
        const ring = await toggle.evaluate((el) => getComputedStyle(el).outlineStyle);
        expect(ring, 'a focus ring on the switch').not.toBe('none');
      }
      const select = popup.locator('select[name=classifierId]');
      await expect.poll(() => select.locator('option').count(), { timeout: 20_000 }).toBeGreaterThan(2);
      const cut = await select.evaluate((s: HTMLSelectElement) => {
        const probe = document.createElement('span');
        probe.style.cssText = `position:absolute;visibility:hidden;white-space:nowrap;font:${getComputedStyle(s).font}`;
        document.body.append(probe);
        const widest = Math.max(
          ...[...s.options].map((o) => {
            probe.textContent = o.text;
            return probe.getBoundingClientRect().width;
          }),
        );
        probe.remove();
        // The select's own arrow and padding take about 30 px.
        return widest > s.getBoundingClientRect().width - 30 ? widest : 0;
      });
      expect(cut, 'the longest classifier name fits its list').toBe(0);
      expect(await overflowing(popup)).toEqual([]);
      await popup.locator('main').screenshot({ path: path.join(ARTIFACTS_DIR, `popup-${scheme}.png`) });
      await popup.close();
    }
  });

  it('reads at 200% zoom', async () => {
    const popup = await openPopup(ext, tabId, 900);
    // At 200% Chrome draws the popup's 360 CSS px at twice the size (a popup may be up to 800 px wide).
    await popup.setViewportSize({ width: 720, height: 1800 });
    await popup.evaluate(() => {
      document.documentElement.style.zoom = '2';
    });
    await popup.waitForTimeout(300);
    await popup.screenshot({ path: path.join(ARTIFACTS_DIR, 'popup-zoom200.png'), fullPage: true });
    expect(await popup.getByRole('switch', { name: 'Overlay on this tab' }).isVisible()).toBe(true);
    expect(await overflowing(popup)).toEqual([]);
    await popup.close();
  });
});
