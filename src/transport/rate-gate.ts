/**
 * At most `max` uses in any `perMs` window (a sliding window over the last uses). For tabs.captureVisibleTab,
 * which Chrome limits to 2 calls per second per extension (MAX_CAPTURE_VISIBLE_TAB_CALLS_PER_SECOND,
 * https://developer.chrome.com/docs/extensions/reference/api/tabs#property-MAX_CAPTURE_VISIBLE_TAB_CALLS_PER_SECOND):
 * asking first gives a clear answer instead of Chrome's quota error. Pure: the caller passes the time.
 */
export type GateAnswer = { ok: true } | { ok: false; retryInMs: number };

export class RateGate {
  private readonly uses: number[] = [];

  constructor(
    readonly max: number,
    readonly perMs: number,
  ) {
    if (!(Number.isInteger(max) && max >= 1))
      throw new Error(`RateGate: max must be an integer >= 1, got ${max}`);
    if (!(perMs > 0)) throw new Error(`RateGate: perMs must be > 0, got ${perMs}`);
  }

  /** Takes one use at `nowMs` when the window allows it; otherwise says how long until it would. */
  take(nowMs: number): GateAnswer {
    while (this.uses.length > 0 && nowMs - this.uses[0]! >= this.perMs) this.uses.shift();
    if (this.uses.length >= this.max) {
      return { ok: false, retryInMs: Math.max(1, this.uses[0]! + this.perMs - nowMs) };
    }
    this.uses.push(nowMs);
    return { ok: true };
  }
}
