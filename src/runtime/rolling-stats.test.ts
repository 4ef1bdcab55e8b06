import { describe, expect, it } from 'vitest';
import { RollingStats } from './rolling-stats.ts';

describe('RollingStats', () => {
  it('reports fps, latency and the transport breakdown over the window', () => {
    const stats = new RollingStats(3000);
    for (let i = 0; i < 20; i++) stats.record(1000 + i * 100, 40, { encodeMs: 2, wireMs: 5, decodeMs: 3 });
    const s = stats.snapshot(2900, 1);
    expect(s.analyzedFps).toBeCloseTo(20 / 1.9, 5);
    expect(s.latencyMs).toBe(40);
    expect(s.transportMs).toBe(10);
    expect(s.transport).toEqual({ encodeMs: 2, wireMs: 5, decodeMs: 3 });
    expect(s.framesAnalyzed).toBe(20);
    expect(s.framesDropped).toBe(1);
  });

  it('forgets samples older than the window, and counts still images in latency only', () => {
    const stats = new RollingStats(1000);
    stats.record(0, 500, { encodeMs: 1, wireMs: 1, decodeMs: 1 });
    stats.record(5000, 80);
    const s = stats.snapshot(5100, 0);
    expect(s.analyzedFps).toBe(0);
    expect(s.transportMs).toBe(0);
    expect(s.latencyMs).toBe(80);
    expect(s.framesAnalyzed).toBe(2);
  });

  it('keeps working past its ring capacity', () => {
    const stats = new RollingStats(1e9);
    for (let i = 0; i < 1000; i++) stats.record(i, i % 2 ? 10 : 30, { encodeMs: 0, wireMs: 0, decodeMs: 0 });
    const s = stats.snapshot(1000, 0);
    expect(s.latencyMs).toBe(20);
    expect(s.framesAnalyzed).toBe(1000);
  });
});
