/** The settings in extension storage as Preact state: loaded once, kept current, updated with a patch. */
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { Settings } from '../settings/schema.ts';
import { loadSettings, saveSettings, watchSettings } from '../settings/storage.ts';

export function useSettings(): {
  settings: Settings | null;
  update: (patch: Partial<Settings>) => void;
  error: string | null;
} {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    void loadSettings().then(setSettings, (e: unknown) => setError(String(e)));
    watchSettings(setSettings, controller.signal);
    return () => controller.abort();
  }, []);
  const update = useCallback((patch: Partial<Settings>) => {
    setSettings((current) => (current ? { ...current, ...patch } : current));
    saveSettings(patch).then(
      () => setError(null),
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  }, []);
  return { settings, update, error };
}
