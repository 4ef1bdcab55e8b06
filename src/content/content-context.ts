/**
 * The part of WXT's ContentScriptContext that src/content uses: timers and listeners that stop when the
 * content script is invalidated (extension reloaded or removed). WXT's `ctx` satisfies it; tests pass a fake.
 */
export interface ContentContext {
  readonly signal: AbortSignal;
  readonly isValid: boolean;
  requestAnimationFrame(callback: FrameRequestCallback): number;
  setTimeout(handler: () => void, timeout?: number): number;
  onInvalidated(callback: () => void): () => void;
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
