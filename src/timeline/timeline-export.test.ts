import { describe, expect, it } from 'vitest';
import { EMOTIONS, type EmotionScores } from '../ml/emotions.ts';
import type { VideoTimeline } from './emotion-history.ts';
import { CSV_HEADER, exportFileName, JSON_FORMAT, timelineCsv, timelineJson } from './timeline-export.ts';

const emotions = (happiness: number): EmotionScores => ({
  neutral: 1 - happiness,
  happiness,
  sadness: 0,
  surprise: 0,
  fear: 0,
  disgust: 0,
  anger: 0,
});

const timeline: VideoTimeline = {
  src: 'https://media.example/clips/talk%20show.webm?x=1',
  name: 'Talk show',
  videos: [{ src: 'https://media.example/clips/talk%20show.webm?x=1', name: 'Talk show' }],
  bucketMs: 500,
  windowMs: 300_000,
  samples: [
    {
      videoTimeS: 1.23456,
      wallTimeMs: Date.UTC(2026, 10, 28, 12, 0, 0, 250),
      faceId: 1,
      main: true,
      emotions: emotions(0.25),
    },
    {
      videoTimeS: 1.5,
      wallTimeMs: Date.UTC(2026, 10, 28, 12, 0, 0, 750),
      faceId: 3,
      main: false,
      emotions: emotions(1 / 3),
    },
  ],
};

describe('timelineCsv', () => {
  it('writes the header and one row per sample, emotions in canonical order', () => {
    const csv = timelineCsv(timeline);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(
      'video_time_s,wall_time_iso,face_id,neutral,happiness,sadness,surprise,fear,disgust,anger',
    );
    expect(CSV_HEADER.slice(3)).toEqual(EMOTIONS);
    expect(lines[1]).toBe(
      '1.235,2026-11-28T12:00:00.250Z,1,0.7500,0.2500,0.0000,0.0000,0.0000,0.0000,0.0000',
    );
    expect(lines[2]).toBe(
      '1.500,2026-11-28T12:00:00.750Z,3,0.6667,0.3333,0.0000,0.0000,0.0000,0.0000,0.0000',
    );
    expect(lines[3]).toBe('');
    expect(lines).toHaveLength(4);
  });

  it('writes only the header for an empty timeline', () => {
    expect(timelineCsv({ ...timeline, samples: [] })).toBe(`${CSV_HEADER.join(',')}\r\n`);
  });
});

describe('timelineJson', () => {
  it('has the same rows with named fields, and says what they are', () => {
    const json = JSON.parse(timelineJson(timeline, new Date(Date.UTC(2026, 10, 28, 13)))) as {
      format: string;
      src: string;
      exportedAt: string;
      emotions: string[];
      bucketMs: number;
      samples: Record<string, unknown>[];
    };
    expect(json).toMatchObject({
      format: JSON_FORMAT,
      src: timeline.src,
      exportedAt: '2026-11-28T13:00:00.000Z',
      emotions: [...EMOTIONS],
      bucketMs: 500,
    });
    expect(json.samples[1]).toEqual({
      videoTimeS: 1.5,
      wallTime: '2026-11-28T12:00:00.750Z',
      faceId: 3,
      main: false,
      neutral: 0.6667,
      happiness: 0.3333,
      sadness: 0,
      surprise: 0,
      fear: 0,
      disgust: 0,
      anger: 0,
    });
  });
});

describe('exportFileName', () => {
  it('names the file after the video and the time, with safe characters only', () => {
    const at = new Date(Date.UTC(2026, 10, 28, 12, 41, 7));
    expect(exportFileName(timeline, 'csv', at)).toBe('affect-lens-talk-20show-2026-11-28T12-41-07.csv');
    expect(exportFileName({ ...timeline, src: 'blob:https://x.example/' }, 'json', at)).toBe(
      'affect-lens-video-2026-11-28T12-41-07.json',
    );
  });
});
