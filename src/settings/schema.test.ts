import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, engineConfigOf, validateSettings } from './schema.ts';

describe('validateSettings', () => {
  it('gives the defaults for nothing stored', () => {
    expect(validateSettings(undefined)).toEqual({ settings: DEFAULT_SETTINGS, problems: [] });
  });

  it('keeps valid values and fills the missing ones', () => {
    const { settings, problems } = validateSettings({
      minScore: 0.7,
      classifierId: 'mini-xception',
      backend: 'wasm',
    });
    expect(problems).toEqual([]);
    expect(settings).toEqual({
      ...DEFAULT_SETTINGS,
      minScore: 0.7,
      classifierId: 'mini-xception',
      backend: 'wasm',
    });
  });

  it.each([
    ['minScore', 2, /minScore: expected a number in 0.3..0.95/],
    ['minScore', 'high', /minScore/],
    ['smoothing', -1, /smoothing: expected a number in 0..0.95/],
    ['labelSwitchMs', 5000, /labelSwitchMs: expected a number in 0..1000/],
    ['maxFps', 0, /maxFps: expected a number in 1..30/],
    ['showAllProbabilities', 'yes', /showAllProbabilities: expected true or false/],
    ['temporalSmoothing', 1, /temporalSmoothing: expected true or false, got 1/],
    ['backend', 'webgl', /backend: expected one of auto, webgpu, wasm/],
    ['frameEncoding', 'png', /frameEncoding: expected one of vp8, jpeg, rgba/],
    ['classifierId', '', /classifierId: expected a model id or null/],
  ])('replaces an invalid %s (%j) by its default, saying why', (key, value, message) => {
    const { settings, problems } = validateSettings({ [key]: value });
    expect(settings).toEqual(DEFAULT_SETTINGS);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('keeps the temporal mode off unless switched on', () => {
    expect(DEFAULT_SETTINGS.temporalSmoothing).toBe(false);
    expect(validateSettings({ temporalSmoothing: true })).toEqual({
      settings: { ...DEFAULT_SETTINGS, temporalSmoothing: true },
      problems: [],
    });
  });

  it('rounds the rate to whole frames per second', () => {
    expect(validateSettings({ maxFps: 12.4 }).settings.maxFps).toBe(12);
  });

  it("takes 0..4 WebAssembly threads, 0 being the engine's choice", () => {
    expect(DEFAULT_SETTINGS.wasmThreads).toBe(0);
    expect(validateSettings({ wasmThreads: 2 }).settings.wasmThreads).toBe(2);
    const { settings, problems } = validateSettings({ wasmThreads: 8 });
    expect(settings.wasmThreads).toBe(0);
    expect(problems).toEqual(['wasmThreads: expected a number in 0..4, got 8']);
  });

  it('rejects a non-object', () => {
    expect(validateSettings('x').problems).toEqual(['expected a settings object, got string']);
  });
});

describe('engineConfigOf', () => {
  it('keeps what the engine needs', () => {
    expect(
      engineConfigOf({ ...DEFAULT_SETTINGS, minScore: 0.6, temporalSmoothing: true, wasmThreads: 2 }),
    ).toEqual({
      classifierId: null,
      minScore: 0.6,
      backend: 'auto',
      temporal: true,
      wasmThreads: 2,
    });
  });
});
