// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createContentContext, LIVENESS_CHECK_MS } from './content-context.ts';
import { NOTICE_MS, RELOAD_NOTICE_TEXT, showReloadNotice } from './reload-notice.ts';

vi.mock('wxt/browser', () => ({ browser: { runtime: { id: 'x' } } }));

describe('content context', () => {
  afterEach(() => vi.useRealTimers());

  it('stays valid while the extension exists, and ends at the first tick after it is gone', () => {
    vi.useFakeTimers();
    let alive = true;
    const ctx = createContentContext(() => alive);
    const ended = vi.fn();
    const ticks = vi.fn();
    ctx.onInvalidated(ended);
    ctx.setInterval(ticks, LIVENESS_CHECK_MS);
    const later = vi.fn();
    ctx.setTimeout(later, 10 * LIVENESS_CHECK_MS);
    vi.advanceTimersByTime(2 * LIVENESS_CHECK_MS);
    expect(ticks).toHaveBeenCalledTimes(2);
    expect(ctx.isValid).toBe(true);
    alive = false; // the extension was reloaded: runtime.id is gone
    vi.advanceTimersByTime(LIVENESS_CHECK_MS);
    expect(ended).toHaveBeenCalledTimes(1);
    expect(ctx.isValid).toBe(false);
    expect(ctx.signal.aborted).toBe(true);
    // Its timers are cleared: nothing runs after the end.
    vi.advanceTimersByTime(20 * LIVENESS_CHECK_MS);
    expect(ticks).toHaveBeenCalledTimes(2);
    expect(later).not.toHaveBeenCalled();
  });

  it('posts nothing to the page and adds nothing to its DOM', () => {
    const messages = vi.fn();
    window.addEventListener('message', messages);
    const before = document.documentElement.outerHTML;
    const ctx = createContentContext(() => true);
    expect(ctx.isValid).toBe(true);
    expect(document.documentElement.outerHTML).toBe(before);
    expect(messages).not.toHaveBeenCalled();
  });
});

describe('reload notice', () => {
  it('tells the user the overlay stopped, and goes on a click or by itself', () => {
    vi.useFakeTimers();
    const host = showReloadNotice(document);
    expect(host.getAttribute('aria-label')).toBe(RELOAD_NOTICE_TEXT);
    expect(document.querySelector('affect-lens-notice')).toBe(host);
    // Closed shadow root: the page cannot read or restyle it.
    expect(host.shadowRoot).toBeNull();
    vi.advanceTimersByTime(NOTICE_MS);
    expect(document.querySelector('affect-lens-notice')).toBeNull();
    vi.useRealTimers();
  });
});
