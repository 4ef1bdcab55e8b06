/**
 * The options page's list of sites where the overlay is always on, each with a button that takes the site
 * away (its permission goes back to the browser). A chosen site the browser no longer grants (revoked in
 * the browser's own menu) is listed as paused.
 */
import { useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import {
  ALWAYS_ON_KEY,
  alwaysOnSites,
  chosenSites,
  forgetSite,
  siteName,
} from '../site-access/site-access.ts';

interface Row {
  pattern: string;
  granted: boolean;
}

async function loadRows(): Promise<Row[]> {
  const [chosen, granted] = await Promise.all([chosenSites(), alwaysOnSites()]);
  return chosen.map((pattern) => ({ pattern, granted: granted.includes(pattern) }));
}

export function AlwaysOnSites() {
  const [rows, setRows] = useState<Row[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const reload = () => void loadRows().then(setRows, (e: unknown) => setError(String(e)));
    reload();
    const onStorage = (changes: Record<string, unknown>, area: string) => {
      if (area === 'local' && ALWAYS_ON_KEY in changes) reload();
    };
    browser.storage.onChanged.addListener(onStorage);
    browser.permissions.onAdded.addListener(reload);
    browser.permissions.onRemoved.addListener(reload);
    return () => {
      browser.storage.onChanged.removeListener(onStorage);
      browser.permissions.onAdded.removeListener(reload);
      browser.permissions.onRemoved.removeListener(reload);
    };
  }, []);
  const remove = (pattern: string) =>
    forgetSite(pattern).then(
      () => loadRows().then(setRows),
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  return (
    <section class="always-on" data-testid="always-on-sites">
      <h2>Sites where the overlay is always on</h2>
      <p class="note">
        Everywhere else Affect Lens runs in a tab only when you switch it on there. Add a site from the popup
        (“Always on for …”).
      </p>
      {rows === null ? (
        <p>Loading…</p>
      ) : rows.length === 0 ? (
        <p>None.</p>
      ) : (
        <ul>
          {rows.map((row) => (
            <li key={row.pattern}>
              <span>{siteName(row.pattern)}</span>
              {!row.granted && <em> (paused: the browser no longer allows it)</em>}{' '}
              <button type="button" onClick={() => void remove(row.pattern)}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      {error && <p class="error">{error}</p>}
    </section>
  );
}
