import { describe, expect, it } from 'vitest';
import { absentEngineStatus, type EngineStatus, type TemporalStatus } from '../protocol/engine-status.ts';
import { temporalToggleOf } from './temporal-toggle.ts';

const ready = (temporal: TemporalStatus): EngineStatus => ({
  ...absentEngineStatus(),
  state: 'ready',
  temporal,
});

describe('temporalToggleOf', () => {
  it('is disabled until the engine has loaded', () => {
    expect(temporalToggleOf(undefined)).toEqual({
      enabled: false,
      hint: 'Available once the engine has loaded.',
    });
    expect(temporalToggleOf({ ...absentEngineStatus(), state: 'loading' }).enabled).toBe(false);
  });

  it('is disabled without a temporal model, saying where to get one or why it cannot run', () => {
    const none = { available: false, inUse: false, featuresOf: null, note: null };
    expect(temporalToggleOf(ready(none))).toEqual({
      enabled: false,
      hint: "Needs EMO-AffectNet's temporal model (FER_dinamic_LSTM_<corpus>.pt): install it on the options page.",
    });
    const why = 'The installed "emo-affectnet" has no features output';
    expect(temporalToggleOf(ready({ ...none, featuresOf: 'emo-affectnet', note: why }))).toEqual({
      enabled: false,
      hint: why,
    });
  });

  it("is enabled when one is available, with the engine's note (e.g. the classifier it needs)", () => {
    const note = '"Smoothed over 2 s" needs "emo-affectnet" as the classifier; showing per-frame results.';
    expect(
      temporalToggleOf(ready({ available: true, inUse: false, featuresOf: 'emo-affectnet', note })),
    ).toEqual({ enabled: true, hint: note });
    expect(
      temporalToggleOf(ready({ available: true, inUse: true, featuresOf: 'emo-affectnet', note: null })),
    ).toEqual({ enabled: true, hint: null });
  });
});
