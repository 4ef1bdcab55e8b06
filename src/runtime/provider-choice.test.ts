import { describe, expect, it } from 'vitest';
import { chooseProvider } from './provider-choice.ts';
import type { WebGpuProbe } from './webgpu-probe.ts';

const hardware: WebGpuProbe = { available: true, adapter: 'nvidia ampere', software: false };
const software: WebGpuProbe = { available: true, adapter: 'google swiftshader', software: true };
const none: WebGpuProbe = { available: false, reason: 'no WebGPU adapter' };

describe('chooseProvider', () => {
  it.each([
    ['auto', hardware, 'webgpu', null],
    ['auto', software, 'wasm', /software fallback \(google swiftshader\)/],
    ['auto', none, 'wasm', /No WebGPU: no WebGPU adapter/],
    ['webgpu', software, 'webgpu', null],
    ['webgpu', none, 'wasm', /No WebGPU/],
    ['wasm', hardware, 'wasm', /selected in the settings/],
  ] as const)('%s with %o -> %s', (preference, probe, provider, note) => {
    const choice = chooseProvider(preference, probe);
    expect(choice.provider).toBe(provider);
    if (note === null) expect(choice.note).toBeNull();
    else expect(choice.note).toMatch(note);
  });
});
