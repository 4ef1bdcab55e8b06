/**
 * The popup: overlay on/off for this tab, the engine's state, the settings, and the last right-click result.
 * `?tab=<id>` picks the tab explicitly (the popup opened as a page, e.g. in tests); otherwise the active tab.
 */
import { useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { sendMessage } from '../messaging/messenger.ts';
import { EngineStatusView } from './engine-status-view.tsx';
import { ImageResultView } from './image-result-view.tsx';
import { SettingsForm } from './settings-form.tsx';
import { SiteAccessView } from './site-access-view.tsx';
import { temporalToggleOf } from './temporal-toggle.ts';
import { TimelineView } from './timeline-view.tsx';
import { usePolling } from './use-polling.ts';
import { useSettings } from './use-settings.ts';
import './theme.css';
import './popup.css';

async function targetTabId(): Promise<number | null> {
  const fromQuery = Number(new URLSearchParams(location.search).get('tab'));
  if (Number.isInteger(fromQuery) && fromQuery > 0) return fromQuery;
  const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
  return tab?.id ?? null;
}

export function App() {
  const [tabId, setTabId] = useState<number | null>(null);
  const [toggleError, setToggleError] = useState<string | null>(null);
  // The user's latest choice while the background applies it: shown at once and kept over polled state
  // (which may predate the click), so a click is never undone by a re-render.
  const [pendingOverlay, setPendingOverlay] = useState<boolean | null>(null);
  useEffect(() => {
    void targetTabId().then(setTabId);
    // Opening the popup is the first step to switching the overlay on: the engine starts loading now
    // (a no-op when it runs), so the first result does not wait for the runtime after the click.
    sendMessage('ensureEngine').catch((e: unknown) =>
      console.warn('Affect Lens: could not start the engine', e),
    );
  }, []);
  const engine = usePolling(() => sendMessage('getEngineStatus'), 700, []);
  const tab = usePolling(tabId === null ? null : () => sendMessage('getTabState', { tabId }), 1000, [tabId]);
  const site = usePolling(tabId === null ? null : () => sendMessage('getSiteAccess', { tabId }), 5000, [
    tabId,
  ]);
  const { settings, update, error: settingsError } = useSettings();

  const toggle = (enabled: boolean) => {
    if (tabId === null) return;
    setPendingOverlay(enabled);
    sendMessage('setOverlay', { tabId, enabled }).then(
      (state) => {
        setToggleError(null);
        // The reply is the tab's state after the change; a poll still in flight is dropped.
        tab.set(state);
        setPendingOverlay((p) => (p === enabled ? null : p));
        engine.refresh();
      },
      (e: unknown) => {
        setPendingOverlay((p) => (p === enabled ? null : p));
        setToggleError(e instanceof Error ? e.message : String(e));
        tab.refresh();
      },
    );
  };
  // Ready once the tab's state has loaded: until then the toggle is disabled (it has nothing to show).
  const ready = tab.value !== null;

  return (
    <main data-ready={ready ? 'true' : 'false'} aria-busy={!ready}>
      <header>
        <h1>Affect Lens</h1>
        <label class="switch">
          <input
            type="checkbox"
            role="switch"
            name="overlay"
            checked={pendingOverlay ?? tab.value?.overlay ?? false}
            disabled={!ready}
            onChange={(e) => toggle(e.currentTarget.checked)}
          />
          <span>Overlay on this tab</span>
        </label>
      </header>
      {toggleError && <p class="error">{toggleError}</p>}
      {site.value && (
        <SiteAccessView
          site={site.value}
          onChanged={(alwaysOn) => {
            site.refresh();
            if (alwaysOn && !(tab.value?.overlay ?? false)) toggle(true);
          }}
        />
      )}
      <EngineStatusView
        status={engine.value}
        error={engine.error}
        onRetry={() => {
          sendMessage('ensureEngine').then(engine.refresh, (e: unknown) =>
            setToggleError(e instanceof Error ? e.message : String(e)),
          );
        }}
      />
      {tab.value?.lastImage && <ImageResultView result={tab.value.lastImage} />}
      <TimelineView tabId={tabId} />
      <h2>Settings</h2>
      {settings ? (
        <SettingsForm
          settings={settings}
          classifiers={engine.value?.classifiers ?? []}
          activeClassifier={engine.value?.classifierId ?? null}
          temporal={temporalToggleOf(engine.value)}
          update={update}
        />
      ) : (
        <p>Loading settings…</p>
      )}
      {settingsError && <p class="error">{settingsError}</p>}
      <p class="more-models">
        <a
          href={browser.runtime.getURL('/options.html')}
          data-testid="options-link"
          onClick={(e) => {
            e.preventDefault();
            void browser.runtime.openOptionsPage();
          }}
        >
          More classifiers (EMO-AffectNet)…
        </a>
      </p>
      <footer>Everything is computed on this device; nothing leaves it.</footer>
    </main>
  );
}
