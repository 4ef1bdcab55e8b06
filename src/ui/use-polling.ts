/** Calls `load` now and every `intervalMs` while the component is mounted; keeps the last value or error. */
import { useEffect, useState } from 'preact/hooks';

export function usePolling<T>(
  load: (() => Promise<T>) | null,
  intervalMs: number,
  deps: unknown[],
): { value: T | null; error: string | null; refresh: () => void } {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!load) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = () => {
      void load()
        .then(
          (v) => {
            if (stopped) return;
            setValue(v);
            setError(null);
          },
          (e: unknown) => {
            if (!stopped) setError(e instanceof Error ? e.message : String(e));
          },
        )
        .finally(() => {
          if (!stopped) timer = setTimeout(run, intervalMs);
        });
    };
    run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
    // The caller names the dependencies (like useEffect's own list).
  }, [...deps, tick]);
  return { value, error, refresh: () => setTick((t) => t + 1) };
}
