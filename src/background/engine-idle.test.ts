import { describe, expect, it, vi } from 'vitest';
import type { EngineClient } from './engine-client.ts';
import { createIdleUnloader, ENGINE_IDLE_ALARM, ENGINE_IDLE_MS, type AlarmsLike } from './engine-idle.ts';
import { absentEngineStatus, type EngineStatus } from '../protocol/engine-status.ts';

function fakeAlarms() {
  const alarms = new Map<string, { periodInMinutes: number }>();
  const created: string[] = [];
  const api: AlarmsLike = {
    get: (name) => Promise.resolve(alarms.get(name)),
    create: (name, info) => {
      created.push(name);
      alarms.set(name, info);
    },
    clear: (name) => Promise.resolve(alarms.delete(name)),
  };
  return { api, alarms, created };
}

function fakeEngine(status: Partial<EngineStatus>) {
  const current: EngineStatus = { ...absentEngineStatus(), ...status };
  const engine: EngineClient = {
    ensure: vi.fn(() => Promise.resolve(current)),
    configure: vi.fn(() => Promise.resolve(current)),
    status: () => Promise.resolve(current),
    analyzeImage: vi.fn(() => Promise.resolve({ width: 1, height: 1, faces: [], latencyMs: 1 })),
    modelsChanged: () => Promise.resolve(current),
  };
  return { engine, current };
}

describe('createIdleUnloader', () => {
  it('arms one periodic alarm when the engine is started or used, without restarting its period', async () => {
    const alarms = fakeAlarms();
    const idle = createIdleUnloader({ alarms: alarms.api, unload: vi.fn() });
    const { engine } = fakeEngine({ state: 'ready' });
    const watched = idle.watch(engine);
    await watched.ensure();
    await watched.analyzeImage({ bytes: new ArrayBuffer(1), type: 'image/png' });
    await vi.waitFor(() => expect(alarms.alarms.get(ENGINE_IDLE_ALARM)).toEqual({ periodInMinutes: 1 }));
    expect(alarms.created).toEqual([ENGINE_IDLE_ALARM]);
    expect(engine.ensure).toHaveBeenCalledTimes(1);
  });

  it.each([
    { what: 'a busy engine', status: { state: 'ready' as const, idleMs: 1000 }, unloads: false },
    { what: 'a loading engine', status: { state: 'loading' as const, idleMs: 0 }, unloads: false },
    {
      what: 'an engine idle long enough',
      status: { state: 'ready' as const, idleMs: ENGINE_IDLE_MS },
      unloads: true,
    },
    {
      what: 'an engine that failed to load',
      status: { state: 'error' as const, idleMs: ENGINE_IDLE_MS },
      unloads: true,
    },
  ])('check: $what is unloaded: $unloads', async ({ status, unloads }) => {
    const alarms = fakeAlarms();
    const unload = vi.fn(() => Promise.resolve());
    const idle = createIdleUnloader({ alarms: alarms.api, unload });
    const { engine } = fakeEngine(status);
    await idle.watch(engine).ensure();
    await vi.waitFor(() => expect(alarms.alarms.size).toBe(1));
    await expect(idle.check(engine)).resolves.toBe(unloads);
    expect(unload).toHaveBeenCalledTimes(unloads ? 1 : 0);
    // Once unloaded there is nothing left to watch: the alarm goes too.
    expect(alarms.alarms.size).toBe(unloads ? 0 : 1);
  });

  it('check: clears the alarm when there is no engine at all (e.g. the document was closed elsewhere)', async () => {
    const alarms = fakeAlarms();
    const unload = vi.fn(() => Promise.resolve());
    const idle = createIdleUnloader({ alarms: alarms.api, unload });
    alarms.api.create(ENGINE_IDLE_ALARM, { periodInMinutes: 1 });
    await expect(idle.check(fakeEngine({ state: 'absent' }).engine)).resolves.toBe(false);
    expect(unload).not.toHaveBeenCalled();
    expect(alarms.alarms.size).toBe(0);
  });
});
