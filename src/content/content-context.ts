/**
 * The content script's lifetime: timers and listeners that stop when the script is invalidated (the extension
 * reloaded, updated or removed). `createContentContext()` is the product's; tests pass a fake.
 *
 * Why not WXT's ContentScriptContext: it posts `<id>:content:wxt:content-script-started` to the page's window
 * and stops itself when the page posts the same message back, so every page (and ad frame) could learn that
 * Affect Lens is installed, its ID, and switch the overlay off (issue 12). This context touches nothing the
 * page can see: no window message, no DOM, no event.
 */
import { browser } from 'wxt/browser';

export interface ContentContext {
  readonly signal: AbortSignal;
  readonly isValid: boolean;
  requestAnimationFrame(callback: FrameRequestCallback): number;
  setTimeout(handler: () => void, timeout?: number): number;
  setInterval(handler: () => void, timeout: number): number;
  onInvalidated(callback: () => void): () => void;
}

/** How often a live overlay checks that its extension still exists, ms (a reload should not go unnoticed). */
export const LIVENESS_CHECK_MS = 1000;

/**
 * A context that is valid while `alive()` holds: after a reload or removal of the extension, the old script's
 * `runtime.id` is undefined. Checked at every timer, frame callback and explicit `isValid` read.
 */
export function createContentContext(
  alive: () => boolean = () => browser.runtime?.id != null,
): ContentContext {
  const controller = new AbortController();
  const check = () => {
    if (!controller.signal.aborted && !alive()) controller.abort(new Error('Extension context invalidated.'));
    return !controller.signal.aborted;
  };
  const ctx: ContentContext = {
    get signal() {
      return controller.signal;
    },
    get isValid() {
      return check();
    },
    // A one-shot callback drops its abort listener when it runs: a 60 Hz frame loop adds none up.
    requestAnimationFrame(callback) {
      const id = requestAnimationFrame((time) => {
        off();
        if (check()) callback(time);
      });
      const off = ctx.onInvalidated(() => cancelAnimationFrame(id));
      return id;
    },
    setTimeout(handler, timeout) {
      const id = setTimeout(() => {
        off();
        if (check()) handler();
      }, timeout);
      const off = ctx.onInvalidated(() => clearTimeout(id));
      return id as unknown as number;
    },
    setInterval(handler, timeout) {
      const id = setInterval(() => {
        if (check()) handler();
      }, timeout);
      ctx.onInvalidated(() => clearInterval(id));
      return id as unknown as number;
    },
    onInvalidated(callback) {
      controller.signal.addEventListener('abort', callback, { once: true });
      return () => controller.signal.removeEventListener('abort', callback);
    },
  };
  return ctx;
}

/** An AbortController that also aborts when the content script's context does: for per-element lifetimes. */
export function childController(ctx: ContentContext): AbortController {
  const controller = new AbortController();
  const abort = () => controller.abort();
  if (ctx.signal.aborted) abort();
  else {
    ctx.signal.addEventListener('abort', abort, { once: true });
    controller.signal.addEventListener('abort', () => ctx.signal.removeEventListener('abort', abort), {
      once: true,
    });
  }
  return controller;
}
