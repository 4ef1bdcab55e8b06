/**
 * The figures of each pairing over its interleaved blocks (blocks.ts), and the ratios between an Affect Lens
 * pairing and the peer's with the same number of faces. Pure: tested in pairings.test.ts.
 */
import type { BlockResult, Pairing } from './blocks.ts';
import { summarize, type Summary } from './stats.ts';

export interface PairingFigures {
  id: string;
  label: string;
  side: Pairing['side'];
  faces: number;
  blocks: number;
  /** Threads in use (the same in every block, else the list). */
  threads: string;
  frames: number;
  seconds: number;
  /** Frames analysed per second of block (ours: capped by maxFps). */
  analysedFps: number;
  /** What the analysis alone could sustain: 1000 / mean analysis time. */
  capacityFps: number;
  analysisMs: Summary;
  /** Capture to the box drawn, drawn frames only. */
  latencyMs: Summary;
  /** Frames analysed with the number of faces asked for (4 of 4 on the grid), %. */
  allFacesPercent: number;
  /** The whole browser's CPU time (all processes) per analysed frame, ms; null without /proc. */
  cpuPerFrameMs: number | null;
  /** The browser's CPU time as a share of the machine (all cores), %. */
  cpuSharePercent: number | null;
  /** CPU per analysed frame by process kind, ms. */
  cpuByKindPerFrameMs: Record<string, number>;
  droppedPercent: number;
  load: number | null;
  /** Capacity and CPU per frame block by block, in run order: the spread. */
  perBlock: { round: number; capacityFps: number; cpuPerFrameMs: number | null; load: number | null }[];
}

export function pairingFigures(
  pairing: Pairing,
  blocks: readonly BlockResult[],
  cpus: number,
): PairingFigures {
  const mine = blocks.filter((b) => b.pairing === pairing.id);
  const frames = mine.flatMap((b) => b.frames);
  const seconds = mine.reduce((s, b) => s + b.seconds, 0);
  const analysis = summarize(frames.map((f) => f.analysisMs));
  const withCpu = mine.filter((b) => b.cpu !== null);
  const cpuMs = withCpu.reduce((s, b) => s + b.cpu!.cpuMs, 0);
  const wallMs = withCpu.reduce((s, b) => s + b.cpu!.wallMs, 0);
  const cpuFrames = withCpu.reduce((s, b) => s + b.frames.length, 0);
  const byKind: Record<string, number> = {};
  for (const b of withCpu)
    for (const [kind, ms] of Object.entries(b.cpu!.byKind)) byKind[kind] = (byKind[kind] ?? 0) + ms;
  const videoFrames = mine.reduce((s, b) => s + b.dropped.frames, 0);
  const dropped = mine.reduce((s, b) => s + b.dropped.dropped, 0);
  const loads = mine.map((b) => b.load?.mean).filter((l): l is number => l !== undefined);
  const threads = [...new Set(mine.map((b) => b.threads ?? '?'))].join('/');
  return {
    id: pairing.id,
    label: pairing.label,
    side: pairing.side,
    faces: pairing.faces,
    blocks: mine.length,
    threads,
    frames: frames.length,
    seconds,
    analysedFps: seconds > 0 ? frames.length / seconds : Number.NaN,
    capacityFps: 1000 / analysis.mean,
    analysisMs: analysis,
    latencyMs: summarize(frames.flatMap((f) => (f.latencyMs === null ? [] : [f.latencyMs]))),
    allFacesPercent:
      frames.length > 0
        ? (100 * frames.filter((f) => f.faces >= pairing.faces).length) / frames.length
        : Number.NaN,
    cpuPerFrameMs: cpuFrames > 0 ? cpuMs / cpuFrames : null,
    cpuSharePercent: wallMs > 0 ? (100 * cpuMs) / wallMs / cpus : null,
    cpuByKindPerFrameMs: Object.fromEntries(
      Object.entries(byKind)
        .sort((a, b) => b[1] - a[1])
        .map(([kind, ms]) => [kind, cpuFrames > 0 ? ms / cpuFrames : Number.NaN]),
    ),
    droppedPercent: videoFrames > 0 ? (100 * dropped) / videoFrames : Number.NaN,
    load: loads.length > 0 ? loads.reduce((s, l) => s + l, 0) / loads.length : null,
    perBlock: mine.map((b) => ({
      round: b.round,
      capacityFps: 1000 / summarize(b.frames.map((f) => f.analysisMs)).mean,
      cpuPerFrameMs: b.cpu && b.frames.length > 0 ? b.cpu.cpuMs / b.frames.length : null,
      load: b.load?.mean ?? null,
    })),
  };
}

export interface Comparison {
  ours: string;
  peer: string;
  faces: number;
  /** ours / peer: higher is better. */
  capacity: number;
  /** ours / peer: lower is better. */
  cpuPerFrame: number | null;
  latencyMedian: number;
  /**
   * The capacity ratio of each round's blocks alone (ours and the peer's of the same round): how much of the
   * headline ratio is the machine's drift.
   */
  capacityByRound: number[];
}

/** Every Affect Lens pairing against the peer's with as many faces. */
export function comparisons(figures: readonly PairingFigures[]): Comparison[] {
  const out: Comparison[] = [];
  for (const ours of figures.filter((f) => f.side === 'ours')) {
    const peer = figures.find((f) => f.side === 'peer' && f.faces === ours.faces);
    if (!peer) continue;
    const rounds = [...new Set(ours.perBlock.map((b) => b.round))];
    const byRound = rounds.flatMap((round) => {
      const o = ours.perBlock.filter((b) => b.round === round);
      const p = peer.perBlock.filter((b) => b.round === round);
      if (o.length === 0 || p.length === 0) return [];
      const mean = (xs: { capacityFps: number }[]) => xs.reduce((s, x) => s + x.capacityFps, 0) / xs.length;
      return [mean(o) / mean(p)];
    });
    out.push({
      ours: ours.id,
      peer: peer.id,
      faces: ours.faces,
      capacity: ours.capacityFps / peer.capacityFps,
      cpuPerFrame:
        ours.cpuPerFrameMs !== null && peer.cpuPerFrameMs !== null
          ? ours.cpuPerFrameMs / peer.cpuPerFrameMs
          : null,
      latencyMedian: ours.latencyMs.median / peer.latencyMs.median,
      capacityByRound: byRound,
    });
  }
  return out;
}
