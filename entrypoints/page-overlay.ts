import { defineUnlistedScript } from 'wxt/utils/define-unlisted-script';
import { createContentContext } from '../src/content/content-context.ts';
import { startContent } from '../src/content/content-app.ts';

/**
 * The page's side of Affect Lens, injected only when the user asks (the popup's switch, the keyboard
 * command, the context menu, a site they allowed): an unlisted script, so the manifest declares no content
 * script, and with our own context rather than WXT's, which posts to and listens on the page's window.
 */
export default defineUnlistedScript(() => {
  startContent(createContentContext());
});
