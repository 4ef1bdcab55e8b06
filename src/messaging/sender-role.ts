/**
 * Who sent a message, told from the browser's own MessageSender (which a page cannot forge): one of our
 * extension pages, the service worker, the offscreen document, or a content script in a tab. Anything else
 * (another extension, a page through `externally_connectable`, a sender without a tab or a URL) has no role,
 * and the messenger refuses it.
 */
import { browser } from 'wxt/browser';
import type { MessageSender, SenderRole } from '../protocol/protocol-map.ts';

export interface ExtensionIdentity {
  /** runtime.id */
  id: string;
  /**
   * runtime.getURL('/'): chrome-extension://<id>/ or moz-extension://<uuid>/. Compared as text: URL.origin
   * is "null" for schemes an engine does not know as standard (Node's, for one).
   */
  base: string;
}

export function ownIdentity(): ExtensionIdentity {
  return { id: browser.runtime.id, base: browser.runtime.getURL('/') };
}

/** The engine host's page (Chrome): entrypoints/offscreen. */
const ENGINE_PATHS = new Set(['/offscreen.html']);
/** The service worker (Chrome) and the background page (Firefox, Chrome's MV2 name for it). */
const BACKGROUND_PATHS = new Set(['/background.js', '/_generated_background_page.html', '/background.html']);

function urlOf(text: string | undefined): URL | null {
  if (text === undefined) return null;
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

export function senderRole(
  sender: MessageSender,
  self: ExtensionIdentity = ownIdentity(),
): SenderRole | null {
  if (sender.id !== self.id) return null;
  const url = urlOf(sender.url);
  if (url !== null && sender.url!.startsWith(self.base)) {
    if (ENGINE_PATHS.has(url.pathname)) return 'engine';
    if (BACKGROUND_PATHS.has(url.pathname)) return 'background';
    // The popup, the options page, and either of them opened in a tab (sender.tab is set then).
    return 'page';
  }
  // A content script: the browser sets sender.tab for it, and its URL is the frame's.
  if (sender.tab?.id !== undefined && sender.tab.id >= 0 && url !== null) return 'content';
  return null;
}

const ROLE_NAMES: Record<SenderRole, string> = {
  page: 'an extension page',
  content: 'a content script',
  background: 'the background',
  engine: 'the engine host',
};

/** Why `role` may not send `type`, for the error the sender gets; null when it may. */
export function refusal(
  type: string,
  allowed: readonly SenderRole[],
  role: SenderRole | null,
): string | null {
  if (role !== null && allowed.includes(role)) return null;
  const who = role === null ? 'a sender that is not part of Affect Lens' : ROLE_NAMES[role];
  return `"${type}" may be sent by ${allowed.map((r) => ROLE_NAMES[r]).join(' or ')}, not by ${who}.`;
}
