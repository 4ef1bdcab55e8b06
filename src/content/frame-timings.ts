/**
 * The timings of a video source's most recent analysed frames, for benchmarks (scripts/bench-e2e reads them
 * through overlayDescribe): capture, result, overlay drawn, and the transport and engine times the engine host
 * reported. A fixed ring of reused records: once full, recording a frame allocates nothing but its stages.
 */
import type { FrameTiming } from '../protocol/frames.ts';

/** Four seconds at 30 analysed frames per second: enough for a reader polling once a second on a busy machine. */
export const FRAME_TIMINGS_KEPT = 128;

export class FrameTimings {
  private readonly ring: FrameTiming[] = [];
  private next = 0;
  private seq = 0;

  /** A record for the next frame (its result times are filled in by the caller, drawnAtEpochMs by the overlay). */
  start(capturedAtEpochMs: number): FrameTiming {
    let record = this.ring[this.next];
    if (!record) {
      record = {
        seq: 0,
        capturedAtEpochMs: 0,
        resultAtEpochMs: 0,
        drawnAtEpochMs: null,
        encoding: null,
        encodeMs: 0,
        wireMs: 0,
        decodeMs: 0,
        queueMs: 0,
        engineMs: 0,
        stages: {},
        faces: 0,
      };
      this.ring[this.next] = record;
    }
    this.next = (this.next + 1) % FRAME_TIMINGS_KEPT;
    record.seq = ++this.seq;
    record.capturedAtEpochMs = capturedAtEpochMs;
    record.resultAtEpochMs = Number.NaN;
    record.drawnAtEpochMs = null;
    record.encoding = null;
    return record;
  }

  /** Copies of the records with a result, oldest first. */
  recent(): FrameTiming[] {
    return this.ring
      .filter((r) => !Number.isNaN(r.resultAtEpochMs))
      .sort((a, b) => a.seq - b.seq)
      .map((r) => ({ ...r, stages: { ...r.stages } }));
  }
}
