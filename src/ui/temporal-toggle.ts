/**
 * Whether the popup's "Smoothed over 2 s" switch can be used, and what to say beside it: it is enabled only
 * when the engine reports a temporal model it can run (EngineStatus.temporal), otherwise disabled with the
 * reason in a few words.
 */
import type { EngineStatus } from '../protocol/engine-status.ts';

export interface TemporalToggle {
  enabled: boolean;
  /** A short line under the switch; null when there is nothing to say. */
  hint: string | null;
}

export function temporalToggleOf(status: EngineStatus | null | undefined): TemporalToggle {
  if (!status || status.state !== 'ready') {
    return { enabled: false, hint: 'Available once the engine has loaded.' };
  }
  const { temporal } = status;
  if (temporal.available) return { enabled: true, hint: temporal.note };
  return {
    enabled: false,
    hint:
      temporal.note ??
      "Needs EMO-AffectNet's temporal model (FER_dinamic_LSTM_<corpus>.pt): install it on the options page.",
  };
}
