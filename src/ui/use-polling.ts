/**
 * Calls `load` now and every `intervalMs` while the component is mounted and its page is visible (a hidden
 * popup or options page costs nothing); after a failure it waits twice as long each time, up to
 * MAX_BACKOFF times the interval, so a missing receiver is not hammered. Keeps the last value or error.
 * `refresh` loads again at once and `set` replaces the value with one known to be newer (e.g. a reply to a
 * change); either way a load already in flight is ignored when it settles, so it cannot bring back a value
 * older than the change.
 */
import { useEffect, useRef, useState } from 'preact/hooks';

/** The longest wait after failures, as a multiple of the interval. */
export const MAX_BACKOFF = 8;

export function usePolling<T>(
  load: (() => Promise<T>) | null,
  intervalMs: number,
  deps: unknown[],
): { value: T | null; error: string | null; refresh: () => void; set: (value: T) => void } {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  // Bumped synchronously by refresh/set, so that a load started before them is dropped even if it settles
  // before the effect below has been re-run.
  const generation = useRef(0);
  useEffect(() => {
    if (!load) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let backoff = 1;
    let waiting = false;
    const schedule = () => {
      waiting = document.visibilityState === 'hidden';
      if (!waiting) timer = setTimeout(run, intervalMs * backoff);
    };
    const onVisible = () => {
      if (waiting && document.visibilityState === 'visible') run();
    };
    document.addEventListener('visibilitychange', onVisible);
    const run = () => {
      waiting = false;
      const started = generation.current;
      const current = () => !stopped && started === generation.current;
      void load()
        .then(
          (v) => {
            if (!current()) return;
            backoff = 1;
            setValue(v);
            setError(null);
          },
          (e: unknown) => {
            if (!current()) return;
            backoff = Math.min(MAX_BACKOFF, backoff * 2);
            setError(e instanceof Error ? e.message : String(e));
          },
        )
        .finally(() => {
          if (current()) schedule();
        });
    };
    run();
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
    // The caller names the dependencies (like useEffect's own list).
  }, [...deps, tick]);
  const refresh = () => {
    generation.current += 1;
    setTick((t) => t + 1);
  };
  const set = (v: T) => {
    generation.current += 1;
    setValue(v);
    setError(null);
    setTick((t) => t + 1);
  };
  return { value, error, refresh, set };
}
