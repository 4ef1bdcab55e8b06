/**
 * Interleaved blocks: each pairing (Affect Lens at 1 or 2 wasm threads, with the popup open, the peer; one
 * face or four) analyses its clip for a block of seconds while every other page's video is paused, in rounds
 * whose order alternates (forward, then backward), so that a drift of the machine's load hits all pairings
 * alike. Per block: the frames analysed, the browser's CPU time (all its processes), the load average and the
 * video's dropped frames.
 */
import type { Page } from 'playwright-core';
import type { FrameTiming } from '../../src/protocol/frames.ts';
import { engineStatus, storeSettings, waitFor } from '../../tests/e2e/helpers/extension-calls.ts';
import type { CpuSampler } from './cpu-sampler.ts';
import type { LoadSampler } from './load-sampler.ts';
import type { OursPage } from './ours-page.ts';
import type { PeerFrame, PeerPage } from './peer.ts';
import { droppedBetween } from './stats.ts';

export interface Pairing {
  /** Short and unique: 'ours-1t', 'peer-4f'. */
  id: string;
  /** For the table: "Affect Lens, 1 thread". */
  label: string;
  side: 'ours' | 'peer';
  faces: number;
  /** Affect Lens's Settings.wasmThreads for the block (0: its rule). */
  wasmThreads?: number;
  /** Affect Lens with its popup open on the tab for the whole block. */
  popup?: boolean;
}

/** A frame of either side in one shape: its analysis time and capture-to-drawn latency, ms. */
export interface BlockFrame {
  /** Affect Lens: the engine's time (detector + classifier); the peer: human.detect(). */
  analysisMs: number;
  /** Capture to the box drawn; null when it was not drawn. */
  latencyMs: number | null;
  faces: number;
}

export interface BlockResult {
  pairing: string;
  round: number;
  seconds: number;
  frames: BlockFrame[];
  /** Affect Lens's own per-frame record (transport and stages), for its profile. */
  timings: FrameTiming[];
  cpu: { cpuMs: number; wallMs: number; byKind: Record<string, number> } | null;
  load: { mean: number; min: number; max: number } | null;
  dropped: ReturnType<typeof droppedBetween>;
  /** Affect Lens: the wasm threads in use (engine status); the peer: tfjs-wasm's. */
  threads: number | null;
}

/** `items` for `rounds` rounds, every other round backwards: A B C, C B A, A B C... */
export function blockOrder<T>(items: readonly T[], rounds: number): { item: T; round: number }[] {
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`rounds: expected 1 or more, got ${rounds}`);
  const order: { item: T; round: number }[] = [];
  for (let round = 0; round < rounds; round++) {
    const pass = round % 2 === 0 ? items : [...items].reverse();
    for (const item of pass) order.push({ item, round });
  }
  return order;
}

export function oursFrame(f: FrameTiming): BlockFrame {
  return {
    analysisMs: f.engineMs,
    latencyMs: f.drawnAtEpochMs === null ? null : f.drawnAtEpochMs - f.capturedAtEpochMs,
    faces: f.faces,
  };
}

export function peerFrame(f: PeerFrame): BlockFrame {
  return {
    analysisMs: f.detectMs,
    latencyMs: f.drawnAtMs === null ? null : f.drawnAtMs - f.capturedAtMs,
    faces: f.faces,
  };
}

export interface BlockPages {
  /** Affect Lens's page by face count, its overlay on. */
  ours: Map<number, OursPage>;
  peer: Map<number, PeerPage>;
}

export interface BlockRun {
  sw: import('playwright-core').Worker;
  pages: BlockPages;
  cpu: CpuSampler | null;
  load: LoadSampler;
  pairings: readonly Pairing[];
  rounds: number;
  blockSeconds: number;
  /** Before each block, after its page plays (engine restarts, decoder start-up): not measured. */
  settleSeconds: number;
  log: (line: string) => void;
}

export async function runBlocks(run: BlockRun): Promise<BlockResult[]> {
  const { sw, pages, cpu, load, log } = run;
  const all = [...pages.ours.values(), ...pages.peer.values()];
  const results: BlockResult[] = [];
  const order = blockOrder(run.pairings, run.rounds);
  for (const [i, { item: pairing, round }] of order.entries()) {
    await Promise.all(all.map((p) => p.pause()));
    const ours = pairing.side === 'ours' ? pages.ours.get(pairing.faces) : undefined;
    const peer = pairing.side === 'peer' ? pages.peer.get(pairing.faces) : undefined;
    const target = ours ?? peer;
    if (!target) throw new Error(`No ${pairing.side} page for ${pairing.faces} face(s)`);
    let popup: Page | null = null;
    let threads: number | null = null;
    if (ours) {
      const wanted = pairing.wasmThreads ?? 0;
      // A thread change makes the background start a new offscreen document (a runtime's threads are fixed).
      await storeSettings(sw, { wasmThreads: wanted });
      await ours.page.bringToFront();
      await ours.play();
      const status = await waitFor(
        () => engineStatus(sw),
        (s) => s.state === 'ready' && s.wasmThreads?.setting === wanted,
        60_000,
        `the engine on wasmThreads ${wanted}`,
      );
      threads = status.wasmThreads?.inUse ?? null;
      await ours.firstDrawn(await ours.epochNow());
      if (pairing.popup) popup = await ours.openPopup();
    } else {
      await peer!.page.bringToFront();
      await peer!.play();
      threads = peer!.info.threads;
    }
    await target.page.waitForTimeout(run.settleSeconds * 1000);

    const phase = `block:${pairing.id}:${round}`;
    const q0 = await target.quality();
    cpu?.mark(phase);
    load.mark(phase);
    let frames: BlockFrame[];
    let timings: FrameTiming[] = [];
    let seconds: number;
    if (ours) {
      const since = await ours.epochNow();
      timings = await ours.collectFrames(since, since + run.blockSeconds * 1000);
      seconds = ((await ours.epochNow()) - since) / 1000;
      frames = timings.map(oursFrame);
    } else {
      const got = await peer!.collect(run.blockSeconds);
      seconds = got.seconds;
      frames = got.frames.map(peerFrame);
    }
    cpu?.mark('idle');
    load.mark('idle');
    const dropped = droppedBetween(q0, await target.quality());
    await popup?.close();
    const result: BlockResult = {
      pairing: pairing.id,
      round,
      seconds,
      frames,
      timings,
      cpu: cpu?.during(phase) ?? null,
      load: load.during(phase),
      dropped,
      threads,
    };
    results.push(result);
    const cpuPerFrame = result.cpu && frames.length ? (result.cpu.cpuMs / frames.length).toFixed(1) : '-';
    log(
      `block ${i + 1}/${order.length} ${pairing.label} (round ${round + 1}): ${frames.length} frames in ${seconds.toFixed(0)} s, CPU ${cpuPerFrame} ms a frame`,
    );
  }
  await Promise.all(all.map((p) => p.pause()));
  await storeSettings(sw, { wasmThreads: 0 });
  return results;
}
