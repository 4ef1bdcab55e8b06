import { describe, expect, it } from 'vitest';
import { DROPPED, FairScheduler, StuckRunError, type Job } from './fair-scheduler.ts';

/** A job whose run is recorded and finishes when the test says so. */
function controllable(
  log: string[],
  name: string,
  group: string,
  source: string,
  priority: Job<string>['priority'] = 'frame',
) {
  let finish = () => {};
  const job: Job<string> = {
    group,
    source,
    priority,
    run: () => {
      log.push(name);
      return new Promise<string>((resolve) => (finish = () => resolve(name)));
    },
  };
  return { job, finish: () => finish() };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/** A job that records its name and finishes at once. */
const quick = (
  log: string[],
  name: string,
  group: string,
  source: string,
  priority: Job<string>['priority'] = 'frame',
): Job<string> => ({
  group,
  source,
  priority,
  run: () => {
    log.push(name);
    return Promise.resolve(name);
  },
});

describe('FairScheduler', () => {
  it('runs one job at a time', async () => {
    const s = new FairScheduler();
    const log: string[] = [];
    const a = controllable(log, 'a', 'tab1', 'v1');
    const b = controllable(log, 'b', 'tab2', 'v1');
    const pa = s.submit(a.job);
    const pb = s.submit(b.job);
    await tick();
    expect(log).toEqual(['a']);
    a.finish();
    await expect(pa).resolves.toBe('a');
    await tick();
    expect(log).toEqual(['a', 'b']);
    b.finish();
    await expect(pb).resolves.toBe('b');
  });

  it('replaces a waiting frame of the same source with the newer one (drop, never queue)', async () => {
    const s = new FairScheduler();
    const log: string[] = [];
    const busy = controllable(log, 'busy', 'tab1', 'v0');
    const old = controllable(log, 'old', 'tab1', 'v1');
    const fresh = controllable(log, 'new', 'tab1', 'v1');
    void s.submit(busy.job);
    const pOld = s.submit(old.job);
    const pNew = s.submit(fresh.job);
    await expect(pOld).resolves.toBe(DROPPED);
    expect(s.dropped).toBe(1);
    busy.finish();
    await tick();
    fresh.finish();
    await expect(pNew).resolves.toBe('new');
    expect(log).toEqual(['busy', 'new']);
  });

  it('serves tabs round-robin, so a tab with many videos cannot starve a tab with one', async () => {
    const s = new FairScheduler();
    const log: string[] = [];
    const busy = controllable(log, 'busy', 'x', 'x');
    const all = [
      s.submit(busy.job),
      s.submit(quick(log, 'A1', 'A', '1')),
      s.submit(quick(log, 'A2', 'A', '2')),
      s.submit(quick(log, 'A3', 'A', '3')),
      s.submit(quick(log, 'B1', 'B', '1')),
    ];
    busy.finish();
    await Promise.all(all);
    expect(log).toEqual(['busy', 'A1', 'B1', 'A2', 'A3']);
  });

  it('runs user requests before frames', async () => {
    const s = new FairScheduler();
    const log: string[] = [];
    const busy = controllable(log, 'busy', 'x', 'x');
    const all = [
      s.submit(busy.job),
      s.submit(quick(log, 'frame', 'A', '1')),
      s.submit(quick(log, 'user', 'user', 'image', 'user')),
    ];
    busy.finish();
    await Promise.all(all);
    expect(log).toEqual(['busy', 'user', 'frame']);
  });

  it('drops the waiting frames of a closed client and keeps going after a failed job', async () => {
    const s = new FairScheduler();
    const log: string[] = [];
    const failing: Job<string> = {
      group: 'A',
      source: '1',
      priority: 'frame',
      run: () => Promise.reject(new Error('boom')),
    };
    const waiting = controllable(log, 'w', 'B', 'port7|v1');
    const after = controllable(log, 'after', 'C', '1');
    const pFail = s.submit(failing);
    const pWaiting = s.submit(waiting.job);
    s.dropWhere((_g, source) => source.startsWith('port7|'));
    const pAfter = s.submit(after.job);
    await expect(pFail).rejects.toThrow('boom');
    await expect(pWaiting).resolves.toBe(DROPPED);
    await tick();
    after.finish();
    await expect(pAfter).resolves.toBe('after');
    expect(s.waiting).toBe(0);
  });

  it('fails a run that never returns after the watchdog time, says so, and goes on with the next', async () => {
    const log: string[] = [];
    const stuck: StuckRunError[] = [];
    const s = new FairScheduler({ runTimeoutMs: 20, onStuck: (e) => stuck.push(e) });
    const never = controllable(log, 'never', 'A', '1');
    const pNever = s.submit(never.job);
    const pNext = s.submit(quick(log, 'next', 'B', '1'));
    await expect(pNever).rejects.toBeInstanceOf(StuckRunError);
    await expect(pNext).resolves.toBe('next');
    expect(stuck).toHaveLength(1);
    // Its late answer changes nothing.
    never.finish();
    await tick();
    expect(log).toEqual(['never', 'next']);
  });
});
