import { describe, expect, it } from 'vitest';
import {
  type DetectOutcome,
  EXTRA_PASS_REFRESH_MS,
  type StreamPassState,
  nextPassState,
  planVideoPasses,
} from './video-passes.ts';

const nothingExtra: DetectOutcome = {
  smallFacesRan: true,
  smallOnly: 0,
  largeFacesRan: false,
  fromLargeRetry: 0,
};

/** Runs a stream through frames at the given times, with what each frame's passes found. */
function run(frames: { t: number; outcome?: Partial<DetectOutcome>; faces?: number }[]) {
  let state: StreamPassState | undefined;
  return frames.map(({ t, outcome, faces = 1 }) => {
    const plan = planVideoPasses(state, t);
    const result: DetectOutcome = {
      smallFacesRan: plan.smallFaces,
      smallOnly: 0,
      largeFacesRan: false,
      fromLargeRetry: 0,
      ...outcome,
    };
    // A pass that did not run cannot have found anything.
    if (!plan.smallFaces) expect(result.smallOnly).toBe(0);
    if (!plan.largeFaces) expect(result.largeFacesRan).toBe(false);
    state = nextPassState(state, result, faces, t);
    return plan;
  });
}

describe('planVideoPasses', () => {
  it('runs every pass on the first frame of a stream', () => {
    expect(planVideoPasses(undefined, 0)).toEqual({ smallFaces: true, largeFaces: true });
  });

  it('skips the small-face pass while it finds nothing new, and re-runs it every refresh period', () => {
    const plans = run(
      [0, 40, 80, EXTRA_PASS_REFRESH_MS - 1, EXTRA_PASS_REFRESH_MS, EXTRA_PASS_REFRESH_MS + 40].map((t) => ({
        t,
      })),
    );
    expect(plans.map((p) => p.smallFaces)).toEqual([true, false, false, false, true, false]);
  });

  it('keeps the small-face pass on every frame while it finds faces the short-range pass misses', () => {
    const plans = run([
      { t: 0, outcome: { smallOnly: 1 } },
      { t: 40, outcome: { smallOnly: 1 } },
      { t: 80, outcome: { smallOnly: 0 } },
      { t: 120 },
    ]);
    expect(plans.map((p) => p.smallFaces)).toEqual([true, true, true, false]);
  });

  it('keeps the large-face retry due while it is what finds the face, and stops once a plain pass does', () => {
    const plans = run([
      { t: 0, outcome: { largeFacesRan: true, fromLargeRetry: 1 } },
      { t: 40, outcome: { largeFacesRan: true, fromLargeRetry: 1 } },
      { t: 80, faces: 1 }, // the plain passes found it: no retry ran
      { t: 120, faces: 0 }, // nothing, and the retry is not due
    ]);
    expect(plans.map((p) => p.largeFaces)).toEqual([true, true, true, false]);
  });

  it('retries large faces on a frame without faces at most once per refresh period', () => {
    const plans = run([
      { t: 0, faces: 0, outcome: { largeFacesRan: true, fromLargeRetry: 0 } },
      { t: 500, faces: 0 },
      { t: EXTRA_PASS_REFRESH_MS, faces: 0, outcome: { largeFacesRan: true } },
    ]);
    expect(plans.map((p) => p.largeFaces)).toEqual([true, false, true]);
  });

  it('starts the refresh over when the stream clock goes back (a seek)', () => {
    const plans = run([{ t: 5000 }, { t: 5040 }, { t: 1000 }]);
    expect(plans.map((p) => p.smallFaces)).toEqual([true, false, true]);
  });

  it('rejects a timestamp that is not a number', () => {
    expect(() => planVideoPasses(undefined, Number.NaN)).toThrow(/timestampMs must be a finite number/);
  });

  it('leaves state fields of passes that did not run as they were', () => {
    const s = nextPassState(undefined, nothingExtra, 1, 100);
    const after = nextPassState(s, { ...nothingExtra, smallFacesRan: false }, 1, 140);
    expect(after.smallRanAtMs).toBe(100);
  });
});
