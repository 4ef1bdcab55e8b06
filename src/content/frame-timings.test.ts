import { describe, expect, it } from 'vitest';
import { FRAME_TIMINGS_KEPT, FrameTimings } from './frame-timings.ts';

describe('FrameTimings', () => {
  it('keeps only frames with a result, oldest first, numbered from 1', () => {
    const timings = new FrameTimings();
    const a = timings.start(100);
    timings.start(200); // never answered (busy or dropped)
    const c = timings.start(300);
    c.resultAtEpochMs = 350;
    a.resultAtEpochMs = 160;
    expect(timings.recent().map((r) => [r.seq, r.capturedAtEpochMs])).toEqual([
      [1, 100],
      [3, 300],
    ]);
  });

  it(`keeps the last ${FRAME_TIMINGS_KEPT} frames, reusing their records`, () => {
    const timings = new FrameTimings();
    const first = timings.start(0);
    first.resultAtEpochMs = 1;
    for (let i = 1; i <= FRAME_TIMINGS_KEPT; i++) timings.start(i).resultAtEpochMs = i + 1;
    const recent = timings.recent();
    expect(recent).toHaveLength(FRAME_TIMINGS_KEPT);
    expect(recent[0]!.seq).toBe(2);
    expect(recent.at(-1)!.seq).toBe(FRAME_TIMINGS_KEPT + 1);
    // The first record was reused for the newest frame; snapshots are copies.
    expect(first.seq).toBe(FRAME_TIMINGS_KEPT + 1);
    recent.at(-1)!.engineMs = 99;
    expect(first.engineMs).toBe(0);
  });
});
