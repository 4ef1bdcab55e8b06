import { describe, expect, it } from 'vitest';
import type { BlockFrame, BlockResult, Pairing } from './blocks.ts';
import { comparisons, pairingFigures } from './pairings.ts';

const frames = (analysisMs: number, n: number, faces = 1): BlockFrame[] =>
  Array.from({ length: n }, () => ({ analysisMs, latencyMs: analysisMs + 10, faces }));

function block(pairing: string, round: number, f: BlockFrame[], cpuMs: number): BlockResult {
  return {
    pairing,
    round,
    seconds: 10,
    frames: f,
    timings: [],
    cpu: { cpuMs, wallMs: 10_000, byKind: { renderer: cpuMs * 0.75, gpu: cpuMs * 0.25 } },
    load: { mean: 1, min: 1, max: 1 },
    dropped: { frames: 240, dropped: 0, percent: 0 },
    threads: 1,
  };
}

const OURS: Pairing = {
  id: 'ours-1t',
  label: 'Affect Lens, 1 thread',
  side: 'ours',
  faces: 1,
  wasmThreads: 1,
};
const PEER: Pairing = { id: 'peer', label: 'peer', side: 'peer', faces: 1 };

describe('pairingFigures', () => {
  const blocks = [
    block('ours-1t', 0, frames(10, 100), 3000),
    block('peer', 0, frames(50, 80), 8000),
    block('peer', 1, frames(50, 80), 8000),
    block('ours-1t', 1, frames(30, 100), 5000),
  ];

  it('sums a pairing over its blocks', () => {
    const f = pairingFigures(OURS, blocks, 2);
    expect(f.blocks).toBe(2);
    expect(f.frames).toBe(200);
    expect(f.analysedFps).toBe(10);
    expect(f.capacityFps).toBeCloseTo(1000 / 20);
    expect(f.cpuPerFrameMs).toBe(40);
    // 8 s of CPU over 20 s of wall time on 2 cores.
    expect(f.cpuSharePercent).toBe(20);
    expect(f.cpuByKindPerFrameMs).toEqual({ renderer: 30, gpu: 10 });
    expect(f.perBlock.map((b) => b.capacityFps)).toEqual([100, 1000 / 30]);
    expect(f.allFacesPercent).toBe(100);
  });

  it('compares each of our pairings with the peer of as many faces, also round by round', () => {
    const [c] = comparisons([pairingFigures(OURS, blocks, 2), pairingFigures(PEER, blocks, 2)]);
    expect(c).toMatchObject({ ours: 'ours-1t', peer: 'peer', faces: 1 });
    expect(c!.capacity).toBeCloseTo(50 / 20);
    expect(c!.cpuPerFrame).toBeCloseTo(40 / 100);
    expect(c!.capacityByRound[0]).toBeCloseTo(100 / 20);
    expect(c!.capacityByRound[1]).toBeCloseTo(1000 / 30 / 20);
  });

  it('counts frames that missed a face', () => {
    const four: Pairing = { ...OURS, id: 'ours-4f', faces: 4 };
    const f = pairingFigures(four, [block('ours-4f', 0, [...frames(10, 3, 4), ...frames(10, 1, 3)], 100)], 2);
    expect(f.allFacesPercent).toBe(75);
  });
});
