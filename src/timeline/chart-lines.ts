/**
 * The geometry of the popup's timeline chart: one SVG path per emotion over the main face's samples, time
 * (wall clock) left to right, probability 0 at the bottom and 1 at the top. A gap of more than `gapMs`
 * between samples (no face, paused, overlay off) breaks the lines instead of bridging it; a sample alone
 * between gaps is drawn as a dot.
 */
import { EMOTIONS, type Emotion } from '../ml/emotions.ts';
import type { TimelineSample } from './emotion-history.ts';

export interface ChartLines {
  paths: { emotion: Emotion; d: string }[];
  /** Wall-clock span drawn, ms since the epoch. */
  fromMs: number;
  toMs: number;
  /** Video time of the first and last sample drawn, s. */
  fromVideoS: number;
  toVideoS: number;
  points: number;
}

export function mainFaceSamples(samples: readonly TimelineSample[]): TimelineSample[] {
  return samples.filter((s) => s.main);
}

const r = (n: number) => Math.round(n * 10) / 10;

/** null when there is nothing to draw. */
export function chartLines(
  samples: readonly TimelineSample[],
  size: { width: number; height: number },
  gapMs: number,
): ChartLines | null {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (!first || !last) return null;
  const span = Math.max(1, last.wallTimeMs - first.wallTimeMs);
  const x = (t: number) =>
    r(samples.length === 1 ? size.width : ((t - first.wallTimeMs) / span) * size.width);
  const y = (p: number) => r((1 - Math.min(1, Math.max(0, p))) * size.height);
  const paths = EMOTIONS.map((emotion) => {
    let d = '';
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!;
      const joinsPrevious = i > 0 && s.wallTimeMs - samples[i - 1]!.wallTimeMs <= gapMs;
      const joinsNext = i + 1 < samples.length && samples[i + 1]!.wallTimeMs - s.wallTimeMs <= gapMs;
      d += `${joinsPrevious ? 'L' : 'M'}${x(s.wallTimeMs)} ${y(s.emotions[emotion])}`;
      // A sample alone between gaps is a dot (a zero-length segment with round caps), not nothing.
      if (!joinsPrevious && !joinsNext) d += 'h0';
    }
    return { emotion, d };
  });
  return {
    paths,
    fromMs: first.wallTimeMs,
    toMs: last.wallTimeMs,
    fromVideoS: first.videoTimeS,
    toVideoS: last.videoTimeS,
    points: samples.length,
  };
}
