/**
 * Which execution provider the engine starts on, and why, from the user's preference and what WebGPU offers.
 * The "why" is shown to the user: an expected degradation is a value in the status (../../shared/STYLE.md).
 */
import type { Provider, BackendPreference } from '../protocol/engine-status.ts';
import type { WebGpuProbe } from './webgpu-probe.ts';

export interface ProviderChoice {
  provider: Provider;
  /** null when running on WebGPU; otherwise why not. */
  note: string | null;
}

export function chooseProvider(preference: BackendPreference, probe: WebGpuProbe): ProviderChoice {
  if (preference === 'wasm') return { provider: 'wasm', note: 'WebAssembly is selected in the settings.' };
  if (!probe.available) return { provider: 'wasm', note: `No WebGPU: ${probe.reason}.` };
  if (probe.software && preference === 'auto') {
    return {
      provider: 'wasm',
      note: `The only WebGPU adapter is a software fallback (${probe.adapter}), which is slower than WebAssembly.`,
    };
  }
  return { provider: 'webgpu', note: null };
}
