import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { likelyRuntimeFile, RUNTIME_WASM } from './runtime-preload.ts';

describe('likelyRuntimeFile', () => {
  it('is the wasm-only build without a hardware WebGPU adapter', () => {
    expect(likelyRuntimeFile({ available: false, reason: 'none' })).toBe(RUNTIME_WASM.wasm);
    expect(likelyRuntimeFile({ available: true, adapter: 'google swiftshader', software: true })).toBe(
      RUNTIME_WASM.wasm,
    );
  });

  it('is the WebGPU build on a hardware adapter', () => {
    expect(likelyRuntimeFile({ available: true, adapter: 'nvidia ampere', software: false })).toBe(
      'ort-wasm-simd-threaded.jsep.wasm',
    );
  });
});

describe('RUNTIME_WASM', () => {
  it.each(Object.values(RUNTIME_WASM))(
    '%s ships with onnxruntime-web (a rename would leave the preload unused)',
    (file) => {
      expect(existsSync(new URL(`../../node_modules/onnxruntime-web/dist/${file}`, import.meta.url))).toBe(
        true,
      );
    },
  );
});
