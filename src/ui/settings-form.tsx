/** The settings, applied live: every change is stored at once and picked up by the engine and the pages. */
import type { EngineStatus, BackendPreference } from '../protocol/engine-status.ts';
import { SETTING_LIMITS, type Settings } from '../settings/schema.ts';
import type { TemporalToggle } from './temporal-toggle.ts';

interface Props {
  settings: Settings;
  classifiers: EngineStatus['classifiers'];
  activeClassifier: string | null;
  /** The "Smoothed over 2 s" switch (./temporal-toggle.ts). */
  temporal: TemporalToggle;
  update: (patch: Partial<Settings>) => void;
}

export function SettingsForm({ settings, classifiers, activeClassifier, temporal, update }: Props) {
  const number = (
    key: 'minScore' | 'smoothing' | 'labelSwitchMs' | 'maxFps',
    label: string,
    format: (v: number) => string,
  ) => (
    <label class="row">
      <span>{label}</span>
      <input
        type="range"
        name={key}
        min={SETTING_LIMITS[key].min}
        max={SETTING_LIMITS[key].max}
        step={SETTING_LIMITS[key].step}
        value={settings[key]}
        onInput={(e) => update({ [key]: Number(e.currentTarget.value) })}
      />
      <output>{format(settings[key])}</output>
    </label>
  );
  return (
    <form class="settings" onSubmit={(e) => e.preventDefault()}>
      <label class="row stack">
        <span>Classifier</span>
        <select
          name="classifierId"
          value={settings.classifierId ?? ''}
          onChange={(e) => update({ classifierId: e.currentTarget.value || null })}
        >
          <option value="">
            Default{activeClassifier && settings.classifierId === null ? ` (${activeClassifier})` : ''}
          </option>
          {classifiers.map((c) => (
            <option key={c.id} value={c.id} title={c.description}>
              {c.id}
            </option>
          ))}
          {settings.classifierId && !classifiers.some((c) => c.id === settings.classifierId) && (
            <option value={settings.classifierId}>{settings.classifierId}</option>
          )}
        </select>
      </label>
      <label class="row check" data-testid="temporal-setting" data-enabled={String(temporal.enabled)}>
        <input
          type="checkbox"
          name="temporalSmoothing"
          checked={settings.temporalSmoothing}
          disabled={!temporal.enabled}
          onChange={(e) => update({ temporalSmoothing: e.currentTarget.checked })}
        />
        <span>Smoothed over 2 s (EMO-AffectNet LSTM)</span>
      </label>
      {temporal.hint && (
        <p class="note temporal-hint" data-testid="temporal-hint">
          {temporal.hint}
        </p>
      )}
      {number('minScore', 'Detection threshold', (v) => v.toFixed(2))}
      {number('smoothing', 'Smoothing', (v) => v.toFixed(2))}
      {number('labelSwitchMs', 'Label hold', (v) => `${v} ms`)}
      {number('maxFps', 'Max analysis rate', (v) => `${v} fps`)}
      <label class="row check">
        <input
          type="checkbox"
          name="showAllProbabilities"
          checked={settings.showAllProbabilities}
          onChange={(e) => update({ showAllProbabilities: e.currentTarget.checked })}
        />
        <span>Show all 7 probabilities</span>
      </label>
      <label class="row">
        <span>Runs on</span>
        <select
          name="backend"
          value={settings.backend}
          onChange={(e) => update({ backend: e.currentTarget.value as BackendPreference })}
        >
          <option value="auto">Auto (GPU if fast)</option>
          <option value="webgpu">WebGPU</option>
          <option value="wasm">WebAssembly</option>
        </select>
      </label>
    </form>
  );
}
