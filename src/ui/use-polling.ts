/**
 * Calls `load` now and every `intervalMs` while the component is mounted; keeps the last value or error.
 * `refresh` loads again at once and `set` replaces the value with one known to be newer (e.g. a reply to a
 * change); either way a load already in flight is ignored when it settles, so it cannot bring back a value
 * older than the change.
 */
import { useEffect, useRef, useState } from 'preact/hooks';

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
    const run = () => {
      const started = generation.current;
      const current = () => !stopped && started === generation.current;
      void load()
        .then(
          (v) => {
            if (!current()) return;
            setValue(v);
            setError(null);
          },
          (e: unknown) => {
            if (current()) setError(e instanceof Error ? e.message : String(e));
          },
        )
        .finally(() => {
          if (current()) timer = setTimeout(run, intervalMs);
        });
    };
    run();
    return () => {
      stopped = true;
      clearTimeout(timer);
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
