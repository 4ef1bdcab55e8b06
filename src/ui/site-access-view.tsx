/**
 * "Always on for this site" in the popup: the overlay comes on by itself on every page of the tab's site.
 * Checking it asks the browser for that one site (its own prompt), on this click; unchecking gives the
 * permission back. Shown only where a site permission applies (http and https pages).
 */
import { useState } from 'preact/hooks';
import type { SiteAccess } from '../protocol/overlay.ts';
import { allowSite, forgetSite } from '../site-access/site-access.ts';

export function SiteAccessView({
  site,
  onChanged,
}: {
  site: SiteAccess;
  /** After a change: the popup reloads the site's state and, when allowed, switches the overlay on. */
  onChanged: (alwaysOn: boolean) => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const change = (on: boolean) => {
    setBusy(true);
    // permissions.request must be the first await after the click (the browser wants the user's gesture).
    const done = on ? allowSite(site.pattern) : forgetSite(site.pattern).then(() => false);
    done
      .then(
        (alwaysOn) => {
          setError(
            on && !alwaysOn ? `Not allowed: the browser kept ${site.name} closed to Affect Lens.` : null,
          );
          onChanged(alwaysOn);
        },
        (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
      )
      .finally(() => setBusy(false));
  };
  return (
    <div class="site-access">
      <label>
        <input
          type="checkbox"
          name="always-on"
          checked={site.alwaysOn}
          disabled={busy}
          onChange={(e) => change(e.currentTarget.checked)}
        />{' '}
        Always on for <strong>{site.name}</strong>
      </label>
      {error && <p class="error">{error}</p>}
    </div>
  );
}
