/**
 * The timeline as files people can open elsewhere: CSV (one row per sample and face, RFC 4180, no quoting
 * needed: every field is a number or an ISO time) and JSON (the same rows with named fields, plus what the
 * numbers mean). Emotion columns follow EMOTIONS, the order every result of Affect Lens uses.
 */
import { EMOTIONS } from '../ml/emotions.ts';
import type { VideoTimeline } from './emotion-history.ts';

export const CSV_HEADER = ['video_time_s', 'wall_time_iso', 'face_id', ...EMOTIONS] as const;

export const JSON_FORMAT = 'affect-lens-timeline/1';

const iso = (epochMs: number) => new Date(epochMs).toISOString();
const prob = (p: number) => p.toFixed(4);

export function timelineCsv(timeline: VideoTimeline): string {
  const lines = [CSV_HEADER.join(',')];
  for (const s of timeline.samples) {
    lines.push(
      [
        s.videoTimeS.toFixed(3),
        iso(s.wallTimeMs),
        String(s.faceId),
        ...EMOTIONS.map((e) => prob(s.emotions[e])),
      ].join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

export function timelineJson(timeline: VideoTimeline, exportedAt: Date): string {
  return `${JSON.stringify(
    {
      format: JSON_FORMAT,
      src: timeline.src,
      exportedAt: exportedAt.toISOString(),
      description:
        'Smoothed emotion probabilities of each tracked face, averaged over buckets of bucketMs of wall-clock time; main marks the largest face of its bucket.',
      bucketMs: timeline.bucketMs,
      windowMs: timeline.windowMs,
      emotions: EMOTIONS,
      samples: timeline.samples.map((s) => ({
        videoTimeS: Number(s.videoTimeS.toFixed(3)),
        wallTime: iso(s.wallTimeMs),
        faceId: s.faceId,
        main: s.main,
        ...Object.fromEntries(EMOTIONS.map((e) => [e, Number(prob(s.emotions[e]))])),
      })),
    },
    null,
    2,
  )}\n`;
}

/** "affect-lens-talk-2026-11-28T12-41-07.csv": the video's file name and the export time, safe everywhere. */
export function exportFileName(timeline: VideoTimeline, extension: 'csv' | 'json', exportedAt: Date): string {
  const file = timeline.src.split(/[?#]/)[0]?.split('/').pop() ?? '';
  const base =
    file
      .replace(/\.[^.]*$/, '')
      .replace(/[^a-zA-Z0-9_-]+/g, '-')
      .slice(0, 40) || 'video';
  const stamp = exportedAt.toISOString().slice(0, 19).replace(/:/g, '-');
  return `affect-lens-${base}-${stamp}.${extension}`;
}
