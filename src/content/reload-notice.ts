/**
 * The word to the user when the extension is reloaded or updated while its overlay is on: the old page
 * script can no longer reach the extension, its boxes go, and without a word the overlay would just vanish
 * (issue 17). A short notice in its own closed shadow root, in the corner of the page; it goes on a click or
 * after NOTICE_MS. Plain DOM timers: the script's context is already invalidated when this runs.
 */
export const RELOAD_NOTICE_TEXT =
  'Affect Lens was updated or reloaded, so its overlay stopped. Switch it on again from its toolbar button.';
export const NOTICE_MS = 10_000;

const STYLE = `
:host { all: initial; }
div { position: fixed; top: 12px; right: 12px; z-index: 2147483647; max-width: 320px; padding: 10px 34px 10px 12px;
  font: 13px/1.4 system-ui, sans-serif; color: #fff; background: rgba(20, 20, 28, 0.92); border-radius: 8px;
  box-shadow: 0 2px 10px rgba(0, 0, 0, 0.35); }
button { position: absolute; top: 6px; right: 6px; border: 0; background: none; color: inherit; font-size: 16px;
  cursor: pointer; }
`;

export function showReloadNotice(doc: Document = document): HTMLElement {
  const host = doc.createElement('affect-lens-notice');
  const root = host.attachShadow({ mode: 'closed' });
  const style = doc.createElement('style');
  style.textContent = STYLE;
  const box = doc.createElement('div');
  box.setAttribute('role', 'status');
  box.textContent = RELOAD_NOTICE_TEXT;
  const close = doc.createElement('button');
  close.type = 'button';
  close.setAttribute('aria-label', 'Close');
  close.textContent = '×';
  close.addEventListener('click', () => host.remove());
  box.append(close);
  root.append(style, box);
  doc.documentElement.append(host);
  setTimeout(() => host.remove(), NOTICE_MS);
  // For tests and the page's accessibility tree alike: what it says is on the host too.
  host.setAttribute('aria-label', RELOAD_NOTICE_TEXT);
  return host;
}
