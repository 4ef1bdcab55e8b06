// @vitest-environment happy-dom
import { h, render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { usePolling } from './use-polling.ts';

function mount(load: () => Promise<number>, intervalMs = 100) {
  const root = document.createElement('div');
  document.body.append(root);
  const Probe = () => {
    const { value, error } = usePolling(load, intervalMs, []);
    return h('p', null, error ?? String(value));
  };
  void act(() => render(h(Probe, null), root));
  return {
    root,
    unmount: () => {
      void act(() => render(null, root));
    },
  };
}

const flush = async (ms: number) => {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
};

const setVisibility = (state: 'visible' | 'hidden') => {
  Object.defineProperty(document, 'visibilityState', { value: state, configurable: true });
  document.dispatchEvent(new Event('visibilitychange'));
};

describe('usePolling', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    setVisibility('visible');
    vi.useRealTimers();
    document.body.replaceChildren();
  });

  it('polls every interval while visible, and not at all while hidden', async () => {
    const load = vi.fn(() => Promise.resolve(1));
    const { unmount } = mount(load);
    await flush(350);
    expect(load).toHaveBeenCalledTimes(4);
    setVisibility('hidden');
    await flush(150);
    const calls = load.mock.calls.length;
    await flush(1000);
    expect(load).toHaveBeenCalledTimes(calls);
    setVisibility('visible');
    await flush(10);
    expect(load).toHaveBeenCalledTimes(calls + 1);
    unmount();
  });

  it('backs off after failures (2x each, at most 8x) and returns to the interval after a success', async () => {
    let fail = true;
    const times: number[] = [];
    const load = vi.fn(() => {
      times.push(Date.now());
      return fail ? Promise.reject(new Error('no receiver')) : Promise.resolve(2);
    });
    const { root, unmount } = mount(load);
    await flush(3000);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps.slice(0, 4)).toEqual([200, 400, 800, 800]);
    expect(root.textContent).toBe('no receiver');
    fail = false;
    await flush(800);
    const before = load.mock.calls.length;
    await flush(100);
    expect(load.mock.calls.length).toBe(before + 1);
    expect(root.textContent).toBe('2');
    unmount();
  });
});
