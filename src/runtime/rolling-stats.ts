/**
 * Analysed fps, engine latency and transport cost over a sliding time window, for the engine status.
 * Fixed-size ring buffers: recording a frame allocates nothing.
 */
import type { EngineStats } from '../protocol/engine-status.ts';

const CAPACITY = 256;

export interface FrameCost {
  encodeMs: number;
  wireMs: number;
  decodeMs: number;
}

export class RollingStats {
  private readonly at = new Float64Array(CAPACITY);
  private readonly latency = new Float64Array(CAPACITY);
  /** encode, wire, decode per sample; NaN for samples without transport (still images). */
  private readonly cost = new Float64Array(CAPACITY * 3);
  private head = 0;
  private count = 0;
  private total = 0;

  constructor(
    /** Window for fps and means, ms. */
    private readonly windowMs = 3000,
  ) {}

  /** One analysis finished at `atMs`; `cost` only for video frames. */
  record(atMs: number, latencyMs: number, cost?: FrameCost): void {
    this.at[this.head] = atMs;
    this.latency[this.head] = latencyMs;
    this.cost[this.head * 3] = cost ? cost.encodeMs : Number.NaN;
    this.cost[this.head * 3 + 1] = cost ? cost.wireMs : Number.NaN;
    this.cost[this.head * 3 + 2] = cost ? cost.decodeMs : Number.NaN;
    this.head = (this.head + 1) % CAPACITY;
    this.count = Math.min(this.count + 1, CAPACITY);
    this.total++;
  }

  snapshot(nowMs: number, framesDropped: number): EngineStats {
    let samples = 0;
    let latencySum = 0;
    let frames = 0;
    let encode = 0;
    let wire = 0;
    let decode = 0;
    let oldestFrame = nowMs;
    for (let i = 0; i < this.count; i++) {
      const k = (this.head - 1 - i + CAPACITY) % CAPACITY;
      const at = this.at[k]!;
      if (nowMs - at > this.windowMs) break;
      samples++;
      latencySum += this.latency[k]!;
      const e = this.cost[k * 3]!;
      if (Number.isNaN(e)) continue;
      frames++;
      oldestFrame = at;
      encode += e;
      wire += this.cost[k * 3 + 1]!;
      decode += this.cost[k * 3 + 2]!;
    }
    // Frames per second over the span the frames cover (at least 1 s, so one frame is not "1000 fps").
    const spanMs = Math.max(1000, nowMs - oldestFrame);
    const mean = (sum: number) => (frames === 0 ? 0 : sum / frames);
    return {
      analyzedFps: (frames * 1000) / spanMs,
      latencyMs: samples === 0 ? 0 : latencySum / samples,
      transportMs: mean(encode + wire + decode),
      transport: { encodeMs: mean(encode), wireMs: mean(wire), decodeMs: mean(decode) },
      framesAnalyzed: this.total,
      framesDropped,
    };
  }
}
