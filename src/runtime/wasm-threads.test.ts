import { describe, expect, it } from 'vitest';
import { defaultWasmThreads, wasmThreadsFor } from './wasm-threads.ts';

describe('defaultWasmThreads', () => {
  it.each([
    [1, 1],
    [2, 1],
    [3, 1],
    [4, 2],
    [8, 4],
    [16, 4],
  ])('%i cores: %i threads', (cores, threads) => {
    expect(defaultWasmThreads(cores)).toBe(threads);
  });
});

describe('wasmThreadsFor', () => {
  it('follows the setting in an isolated page', () => {
    expect(wasmThreadsFor(2, true, 2)).toBe(2);
    expect(wasmThreadsFor(0, true, 8)).toBe(4);
  });

  it('is 1 where the page is not cross-origin isolated, whatever the setting', () => {
    expect(wasmThreadsFor(4, false, 16)).toBe(1);
    expect(wasmThreadsFor(0, false, 16)).toBe(1);
  });
});
