import { describe, expect, it } from 'vitest';
import type { Face } from '../ml/engine-api.ts';
import { EMOTIONS, type Emotion, type EmotionScores } from '../ml/emotions.ts';
import { FaceTracker, REFERENCE_FRAME_MS } from './face-tracker.ts';

const FRAME = REFERENCE_FRAME_MS;

function scores(top: Emotion, p = 0.7): EmotionScores {
  const rest = (1 - p) / (EMOTIONS.length - 1);
  return Object.fromEntries(EMOTIONS.map((e) => [e, e === top ? p : rest])) as EmotionScores;
}

function face(x: number, y: number, size: number, top: Emotion = 'happiness', p = 0.7): Face {
  const emotions = scores(top, p);
  return {
    box: { x, y, width: size, height: size },
    score: 0.9,
    keypoints: [],
    emotions,
    top: { emotion: top, probability: p },
  };
}

describe('FaceTracker', () => {
  it("shows the temporal model's result as it is, without smoothing it again", () => {
    const tracker = new FaceTracker({ smoothing: 0.9 });
    const smoothed = (top: Emotion, spanMs: number) => ({
      emotions: scores(top, 0.6),
      top: { emotion: top, probability: 0.6 },
      spanMs,
      samples: Math.round(spanMs / 200),
    });
    const [first] = tracker.update([{ ...face(0, 0, 50, 'anger'), smoothed: smoothed('sadness', 200) }], 0);
    expect(first).toMatchObject({ top: { emotion: 'sadness', probability: 0.6 }, smoothedSpanMs: 200 });
    const [next] = tracker.update(
      [{ ...face(2, 0, 50, 'anger'), smoothed: smoothed('happiness', 2000) }],
      FRAME,
    );
    expect(next!.emotions).toEqual(scores('happiness', 0.6));
    expect(next).toMatchObject({ top: { emotion: 'happiness', probability: 0.6 }, smoothedSpanMs: 2000 });
    // Without a temporal result the track goes back to smoothing the per-frame results.
    const [after] = tracker.update([face(2, 0, 50, 'anger', 0.9)], 2 * FRAME);
    expect(after!.smoothedSpanMs).toBeNull();
    expect(after!.top.emotion).toBe('happiness');
  });

  it('keeps one id for a face that moves a little between frames', () => {
    const tracker = new FaceTracker();
    const ids = [0, 1, 2, 3].map((i) => tracker.update([face(100 + i * 4, 50, 80)], i * FRAME)[0]!.id);
    expect(new Set(ids).size).toBe(1);
  });

  it('gives two faces two tracks and matches each to its own detection, in any order', () => {
    const tracker = new FaceTracker();
    const [a, b] = tracker.update([face(0, 0, 50), face(200, 0, 50)], 0);
    const next = tracker.update([face(204, 0, 50), face(3, 0, 50)], FRAME);
    expect(next).toHaveLength(2);
    expect(next.find((t) => t.box.x > 100)!.id).toBe(b!.id);
    expect(next.find((t) => t.box.x < 100)!.id).toBe(a!.id);
  });

  it('smooths the emotion: one outlier frame does not flip the top emotion', () => {
    const tracker = new FaceTracker({ smoothing: 0.6 });
    for (let i = 0; i < 5; i++) tracker.update([face(0, 0, 50, 'happiness', 0.8)], i * FRAME);
    const [t] = tracker.update([face(0, 0, 50, 'anger', 0.8)], 5 * FRAME);
    expect(t!.top.emotion).toBe('happiness');
    const sum = EMOTIONS.reduce((s, e) => s + t!.emotions[e], 0);
    expect(sum).toBeCloseTo(1, 10);
  });

  it('follows a persistent change within a few frames', () => {
    const tracker = new FaceTracker({ smoothing: 0.6 });
    for (let i = 0; i < 5; i++) tracker.update([face(0, 0, 50, 'happiness', 0.8)], i * FRAME);
    let top: Emotion = 'happiness';
    for (let i = 5; i < 10; i++)
      top = tracker.update([face(0, 0, 50, 'surprise', 0.8)], i * FRAME)[0]!.top.emotion;
    expect(top).toBe('surprise');
  });

  it.each([
    ['no smoothing', 0, 1],
    ['default smoothing', 0.6, 0.7],
  ])('moves the box towards the detection (%s)', (_name, smoothing, minFraction) => {
    const tracker = new FaceTracker({ smoothing });
    tracker.update([face(0, 0, 50)], 0);
    const [t] = tracker.update([face(10, 0, 50)], FRAME);
    expect(t!.box.x).toBeGreaterThanOrEqual(10 * minFraction - 1e-9);
    expect(t!.box.x).toBeLessThanOrEqual(10);
  });

  it('holds a face through one missed detection, then clears it', () => {
    const tracker = new FaceTracker({ holdMs: 300 });
    tracker.update([face(0, 0, 50)], 0);
    expect(tracker.update([], 100)).toHaveLength(1);
    expect(tracker.update([], 301)).toHaveLength(0);
  });

  it('starts a new track for a detection that does not overlap any track', () => {
    const tracker = new FaceTracker();
    const [a] = tracker.update([face(0, 0, 50)], 0);
    const shown = tracker.update([face(300, 300, 50)], FRAME);
    expect(shown.map((t) => t.id)).toContain(a!.id);
    expect(shown.find((t) => t.box.x === 300)?.id).not.toBe(a!.id);
  });

  it('resets when time goes backwards (a seek or a loop)', () => {
    const tracker = new FaceTracker();
    const [a] = tracker.update([face(0, 0, 50)], 1000);
    const [b] = tracker.update([face(0, 0, 50)], 10);
    expect(b!.id).not.toBe(a!.id);
  });

  it('smooths the same per second whatever the frame rate', () => {
    const run = (fps: number) => {
      const tracker = new FaceTracker({ smoothing: 0.6 });
      tracker.update([face(0, 0, 50, 'happiness', 0.8)], 0);
      const step = 1000 / fps;
      let t = tracker.faces[0]!;
      for (let i = 1; i * step <= 1000; i++)
        t = tracker.update([face(0, 0, 50, 'sadness', 0.8)], i * step)[0]!;
      return t.emotions.sadness;
    };
    expect(run(30)).toBeCloseTo(run(10), 2);
  });

  it('rescales its tracks when the frame size changes (a call stream adapting its resolution)', () => {
    const tracker = new FaceTracker({ smoothing: 0.6 });
    const [a] = tracker.update([face(320, 100, 240)], 0, { width: 640, height: 360 });
    // The same face in a frame half the size: one track, its box at the new scale at once.
    const [b, extra] = tracker.update([face(160, 50, 120)], FRAME, { width: 320, height: 180 });
    expect(extra).toBeUndefined();
    expect(b!.id).toBe(a!.id);
    expect(b!.box).toEqual({ x: 160, y: 50, width: 120, height: 120 });
  });

  it('keeps boxes as they are while the frame size stays', () => {
    const tracker = new FaceTracker({ smoothing: 0 });
    tracker.update([face(10, 10, 50)], 0, { width: 640, height: 360 });
    const [t] = tracker.update([face(12, 10, 50)], FRAME, { width: 640, height: 360 });
    expect(t!.box.x).toBe(12);
  });

  it('rejects an empty frame size', () => {
    expect(() => new FaceTracker().update([], 0, { width: 0, height: 360 })).toThrow(/positive/);
  });

  it.each([
    ['smoothing above 0.95', { smoothing: 0.99 }],
    ['negative smoothing', { smoothing: -0.1 }],
    ['minIoU of 0', { minIoU: 0 }],
    ['negative holdMs', { holdMs: -1 }],
  ])('rejects %s', (_name, options) => {
    expect(() => new FaceTracker(options)).toThrow();
  });

  describe('hysteresis of the shown emotion', () => {
    /** A face whose probabilities are `a` for happiness and `b` for sadness (the rest shared). */
    const mixed = (a: number, b: number): Face => {
      const rest = (1 - a - b) / (EMOTIONS.length - 2);
      const emotions = Object.fromEntries(
        EMOTIONS.map((e) => [e, e === 'happiness' ? a : e === 'sadness' ? b : rest]),
      ) as EmotionScores;
      return {
        ...face(0, 0, 50),
        emotions,
        top: { emotion: a >= b ? 'happiness' : 'sadness', probability: Math.max(a, b) },
      };
    };
    const run = (frames: Face[], options: { switchAfterMs: number; switchMargin: number }) => {
      const tracker = new FaceTracker({ smoothing: 0, ...options });
      return frames.map((f, i) => {
        const [shown] = tracker.update([f], i * FRAME);
        return [shown!.top.emotion, shown!.top.probability] as const;
      });
    };

    it('keeps the shown emotion through a short, small lead of another', () => {
      const frames = [mixed(0.6, 0.3), mixed(0.4, 0.45), mixed(0.6, 0.3)];
      const shown = run(frames, { switchAfterMs: 300, switchMargin: 0.5 });
      expect(shown.map(([e]) => e)).toEqual(['happiness', 'happiness', 'happiness']);
      // Text, colour and bars come from one result: the probability is the shown emotion's own.
      expect(shown[1]![1]).toBeCloseTo(0.4);
    });

    it('switches once the new leader has led for switchAfterMs', () => {
      const frames = [mixed(0.6, 0.3), ...Array.from({ length: 6 }, () => mixed(0.35, 0.5))];
      const shown = run(frames, { switchAfterMs: 300, switchMargin: 0.5 }).map(([e]) => e);
      // Led from frame 1 (67 ms); 300 ms later is frame 6 (400 ms > 367 ms).
      expect(shown.indexOf('sadness')).toBe(6);
    });

    it('switches when two others take turns leading past switchAfterMs', () => {
      const turns = (i: number): Face => {
        const lead: Emotion = i % 2 === 0 ? 'fear' : 'anger';
        const emotions = Object.fromEntries(
          EMOTIONS.map((e) => [e, e === lead ? 0.4 : e === 'happiness' ? 0.2 : 0.08]),
        ) as EmotionScores;
        return { ...face(0, 0, 50), emotions, top: { emotion: lead, probability: 0.4 } };
      };
      const frames = [mixed(0.6, 0.3), ...Array.from({ length: 8 }, (_, i) => turns(i))];
      const shown = run(frames, { switchAfterMs: 300, switchMargin: 0.5 }).map(([e]) => e);
      expect(shown.slice(0, 6).every((e) => e === 'happiness')).toBe(true);
      expect(shown.at(-1)).not.toBe('happiness');
    });

    it('switches at once when the new leader leads by switchMargin', () => {
      const frames = [mixed(0.6, 0.3), mixed(0.1, 0.8)];
      expect(run(frames, { switchAfterMs: 300, switchMargin: 0.5 }).map(([e]) => e)).toEqual([
        'happiness',
        'sadness',
      ]);
    });

    it('0 ms: the leader is always shown (no hysteresis)', () => {
      const frames = [mixed(0.6, 0.3), mixed(0.4, 0.45)];
      expect(run(frames, { switchAfterMs: 0, switchMargin: 1 }).map(([e]) => e)).toEqual([
        'happiness',
        'sadness',
      ]);
    });

    it('refuses options out of range', () => {
      expect(() => new FaceTracker({ switchAfterMs: -1 })).toThrow(/switchAfterMs/);
      expect(() => new FaceTracker({ switchMargin: 2 })).toThrow(/switchMargin/);
    });
  });
});
