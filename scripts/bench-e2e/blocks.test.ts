import { describe, expect, it } from 'vitest';
import type { FrameTiming } from '../../src/protocol/frames.ts';
import { blockOrder, oursFrame, peerFrame } from './blocks.ts';

describe('blockOrder', () => {
  it('runs every item once a round, every other round backwards', () => {
    const order = blockOrder(['a', 'b', 'c'], 3).map(({ item, round }) => `${item}${round}`);
    expect(order).toEqual(['a0', 'b0', 'c0', 'c1', 'b1', 'a1', 'a2', 'b2', 'c2']);
  });

  it('gives each item the same mean position over an even number of rounds', () => {
    const order = blockOrder(['a', 'b', 'c', 'd'], 4);
    const mean = (x: string) => {
      const at = order.flatMap(({ item }, i) => (item === x ? [i % 4] : []));
      return at.reduce((s, i) => s + i, 0) / at.length;
    };
    expect(new Set(['a', 'b', 'c', 'd'].map(mean))).toEqual(new Set([1.5]));
  });

  it('refuses no rounds', () => {
    expect(() => blockOrder(['a'], 0)).toThrow('rounds: expected 1 or more, got 0');
  });
});

describe('frames of either side in one shape', () => {
  it('takes the engine time and capture to drawn from our frame timings', () => {
    const f = { engineMs: 12, capturedAtEpochMs: 1000, drawnAtEpochMs: 1031, faces: 4 } as FrameTiming;
    expect(oursFrame(f)).toEqual({ analysisMs: 12, latencyMs: 31, faces: 4 });
    expect(oursFrame({ ...f, drawnAtEpochMs: null }).latencyMs).toBeNull();
  });

  it("takes detect() and capture to drawn from the peer's record", () => {
    expect(peerFrame({ capturedAtMs: 10, detectMs: 55, drawnAtMs: 70, faces: 1 })).toEqual({
      analysisMs: 55,
      latencyMs: 60,
      faces: 1,
    });
  });
});
