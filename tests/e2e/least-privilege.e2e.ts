/**
 * Least privilege (issue 12): nothing of Affect Lens is in a page until the user asks.
 * - The built manifest asks for no host permission and declares no content script.
 * - With the overlay off, a page cannot tell that the extension is installed: no script world of ours in the
 *   page (CDP lists every JavaScript context of the page), no `message` event, no DOM change, no answer to
 *   WXT's "content-script-started" message, and no extension file the page could fetch.
 * - With the overlay on (a click on the toolbar button, then the popup's switch), boxes come on the
 *   talking-head video; the page sees only the overlay's host element, with a closed shadow root, and it
 *   cannot switch the overlay off by posting WXT's shutdown message.
 * The keyboard command cannot be pressed here: headless Chromium does not route browser accelerators that
 * CDP sends (it reaches the page, not the browser), so its path is covered by the background's glue tests.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  e2eUnavailable,
  EXTENSION_DIR,
  launchWithExtension,
  tabIdOf,
  type ExtensionBrowser,
} from './helpers/browser.ts';
import { describeOverlay, turnOverlayOn, waitFor } from './helpers/extension-calls.ts';
import { ffmpegMissing, missing, TALKING_VIDEO, webmOf } from './helpers/shared-data.ts';
import { startServers, type TestServers } from './helpers/servers.ts';

const skip = e2eUnavailable() ?? missing(TALKING_VIDEO) ?? ffmpegMissing();
if (skip) console.warn(`Skipping least-privilege E2E: ${skip}`);

/** A page that watches for any sign of an extension, from its first script on. */
const WATCHER_PAGE = `<!doctype html><meta charset="utf-8"><title>Watcher</title>
<script>
  window.signs = { messages: [], mutations: [] };
  addEventListener('message', (e) => window.signs.messages.push(typeof e.data === 'string' ? e.data : JSON.stringify(e.data)), true);
  const observer = new MutationObserver((records) => {
    for (const r of records) {
      for (const n of r.addedNodes) window.signs.mutations.push('added ' + (n.nodeName || '?'));
      if (r.type === 'attributes') window.signs.mutations.push('attribute ' + r.attributeName + ' on ' + r.target.nodeName);
    }
  });
  // From the end of parsing on (the parser's own insertions are not signs).
  document.addEventListener('DOMContentLoaded', () =>
    observer.observe(document, { childList: true, subtree: true, attributes: true }),
  );
</script>
<h1>A page that looks for extensions</h1>
<video id="talk" src="/talk.webm" autoplay muted loop playsinline width="480" height="270"></video>`;

/** The origins of every JavaScript context of `page` (its main world and any extension's isolated world). */
async function contextOrigins(session: CDPSession): Promise<string[]> {
  const origins: string[] = [];
  const onCreated = (event: { context: { origin: string } }) => origins.push(event.context.origin);
  session.on('Runtime.executionContextCreated', onCreated);
  await session.send('Runtime.disable');
  await session.send('Runtime.enable');
  await new Promise((resolve) => setTimeout(resolve, 200));
  session.off('Runtime.executionContextCreated', onCreated);
  return origins;
}

describe.skipIf(skip !== null)('least privilege: a page cannot see the extension', () => {
  let servers: TestServers;
  let ext: ExtensionBrowser;
  let page: Page;
  let ours: string;

  beforeAll(async () => {
    const talk = await webmOf(TALKING_VIDEO, 8);
    servers = await startServers();
    servers.pageRoutes['/talk.webm'] = { file: talk, type: 'video/webm' };
    servers.pageRoutes['/watch.html'] = { body: WATCHER_PAGE, type: 'text/html; charset=utf-8' };
    ext = await launchWithExtension();
    ours = `chrome-extension://${ext.extensionId}`;
    page = await ext.context.newPage();
  });

  afterAll(async () => {
    await ext?.close();
    await servers?.close();
  });

  it('asks for no host permission and declares no content script', async () => {
    const manifest = JSON.parse(await readFile(path.join(EXTENSION_DIR, 'manifest.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(manifest.host_permissions).toBeUndefined();
    expect(manifest.content_scripts).toBeUndefined();
    expect(manifest.web_accessible_resources).toBeUndefined();
    expect(manifest.permissions).toEqual(expect.arrayContaining(['activeTab', 'scripting']));
    expect(manifest.permissions).not.toContain('tabs');
    expect(manifest.optional_host_permissions).toEqual(['*://*/*']);
    // What the install prompt says: nothing (the build before this change: "Read and change all your data
    // on all websites"; npm run permissions shows both).
    const warnings = await ext.serviceWorker.evaluate(
      (m) =>
        (
          globalThis as unknown as {
            chrome: { management: { getPermissionWarningsByManifest(m: string): Promise<string[]> } };
          }
        ).chrome.management.getPermissionWarningsByManifest(m),
      JSON.stringify(manifest),
    );
    expect(warnings).toEqual([]);
  });

  it('leaves no trace a page can observe while the overlay is off, and cannot be stopped by it when on', async () => {
    await page.goto(`${servers.pageOrigin}/watch.html`);
    await page.waitForFunction(() => (document.getElementById('talk') as HTMLVideoElement).currentTime > 0.5);
    const session = await ext.context.newCDPSession(page);

    // Off: no world of ours in the page, nothing seen, WXT's message unanswered, our files not fetchable.
    await page.evaluate(
      (id) => window.postMessage({ type: `${id}:content:wxt:content-script-started` }, '*'),
      ext.extensionId,
    );
    await page.waitForTimeout(1500);
    expect(await contextOrigins(session)).not.toContain(ours);
    const offSigns = await page.evaluate(
      () => (window as unknown as { signs: { messages: string[]; mutations: string[] } }).signs,
    );
    expect(offSigns.messages.filter((m) => !m.includes('content-script-started'))).toEqual([]);
    expect(offSigns.messages).toHaveLength(1);
    expect(offSigns.mutations).toEqual([]);
    const fetchable = await page.evaluate(
      (base) =>
        Promise.all(
          ['manifest.json', 'page-overlay.js', 'popup.html', 'icon/16.png'].map((f) =>
            fetch(`${base}/${f}`).then(
              () => `${f}: fetched`,
              () => null,
            ),
          ),
        ),
      ours,
    );
    expect(fetchable.filter((f) => f !== null)).toEqual([]);
    expect(
      await page.evaluate(
        () => typeof (window as { chrome?: { runtime?: { id?: string } } }).chrome?.runtime?.id,
      ),
    ).toBe('undefined');

    // On, as a user does it: boxes on the video.
    const tabId = await tabIdOf(ext.serviceWorker, page);
    await turnOverlayOn(ext, tabId, page);
    const boxed = () =>
      waitFor(
        () => describeOverlay(ext.serviceWorker, tabId),
        (s) => s.enabled && s.overlays.some((o) => o.kind === 'video' && o.faces.length > 0),
        45_000,
        'a face box on the talking-head video',
      );
    await boxed();
    expect(await contextOrigins(session)).toContain(ours);

    // The page sees one host element with a closed shadow root, and no message from us.
    const onSigns = await page.evaluate(() => {
      const hosts = [...document.querySelectorAll('*')].filter((e) => e.tagName.includes('-'));
      return {
        hosts: hosts.map((h) => ({
          name: h.tagName.toLowerCase(),
          shadowRoot: h.shadowRoot === null ? null : 'open',
        })),
        signs: (window as unknown as { signs: { messages: string[]; mutations: string[] } }).signs,
      };
    });
    expect(onSigns.hosts).toEqual([{ name: 'affect-lens-overlay', shadowRoot: null }]);
    expect(onSigns.signs.messages).toHaveLength(1);
    console.info(
      `page-visible changes with the overlay on: ${JSON.stringify([...new Set(onSigns.signs.mutations)])}`,
    );
    // Its insertion, and attributes of that element only (`popover`, which keeps it above fullscreen).
    expect(onSigns.signs.mutations).toContain('added AFFECT-LENS-OVERLAY');
    expect(onSigns.signs.mutations.filter((m) => !m.endsWith('AFFECT-LENS-OVERLAY'))).toEqual([]);

    // WXT's shutdown message from the page no longer stops the overlay.
    const framesBefore = (await describeOverlay(ext.serviceWorker, tabId)).overlays.find(
      (o) => o.kind === 'video',
    )!.framesShown!;
    await page.evaluate(
      (id) => window.postMessage({ type: `${id}:content:wxt:content-script-started` }, '*'),
      ext.extensionId,
    );
    await waitFor(
      () => describeOverlay(ext.serviceWorker, tabId),
      (s) => (s.overlays.find((o) => o.kind === 'video')?.framesShown ?? 0) > framesBefore + 5,
      20_000,
      'the overlay to keep analysing after the page posted the shutdown message',
    );
    await session.detach();
  });
});
