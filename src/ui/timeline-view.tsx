/**
 * The emotion timeline of the video analysed in this tab (the content script's history, polled): one line
 * per emotion for the main face, a legend, and CSV / JSON exports of every face's samples.
 */
import { sendToTab } from '../messaging/messenger.ts';
import { EMOTIONS } from '../ml/emotions.ts';
import type { VideoTimeline } from '../timeline/emotion-history.ts';
import { chartLines, mainFaceSamples } from '../timeline/chart-lines.ts';
import { exportFileName, timelineCsv, timelineJson } from '../timeline/timeline-export.ts';
import { downloadText } from './download.ts';
import { EMOTION_COLORS, EMOTION_LABELS } from './emotion-style.ts';
import { useState } from 'preact/hooks';
import { usePolling } from './use-polling.ts';
import './timeline.css';

const WIDTH = 312;
const HEIGHT = 96;
/** Room around the plot so lines at 0 %, 100 % and the ends are not cut in half by the edge. */
const PAD = 3;
/** Longer gaps between samples break the lines: no face, paused, tab hidden (slow machines analyse ~1 fps). */
const GAP_MS = 5000;

const seconds = (ms: number) => `${Math.max(0, Math.round(ms / 1000))} s`;
const videoTime = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;

function exportAs(timeline: VideoTimeline, kind: 'csv' | 'json') {
  const now = new Date();
  if (kind === 'csv') downloadText(timelineCsv(timeline), exportFileName(timeline, 'csv', now), 'text/csv');
  else downloadText(timelineJson(timeline, now), exportFileName(timeline, 'json', now), 'application/json');
}

export function TimelineView({ tabId }: { tabId: number | null }) {
  /** The video the user picked (its src key); null follows the one analysed most recently. */
  const [picked, setPicked] = useState<string | null>(null);
  // The top frame's content script: it has the tab's viewport and, usually, its videos.
  const timeline = usePolling(
    tabId === null
      ? null
      : () => sendToTab({ tabId, frameId: 0 }, 'timelineDescribe', picked === null ? {} : { src: picked }),
    1000,
    [tabId, picked],
  );
  const value = timeline.value;
  const lines = value
    ? chartLines(mainFaceSamples(value.samples), { width: WIDTH - 2 * PAD, height: HEIGHT - 2 * PAD }, GAP_MS)
    : null;
  const videos = value?.videos ?? [];

  return (
    <section class="timeline" data-testid="timeline">
      <h2>
        Timeline{' '}
        {value && videos.length <= 1 && (
          <span class="file" title={value.src}>
            {value.name}
          </span>
        )}
      </h2>
      {value && videos.length > 1 && (
        <label class="pick">
          <span>Video</span>
          <select
            data-testid="timeline-video"
            value={value.src}
            onChange={(e) => setPicked(e.currentTarget.value)}
          >
            {videos.map((v) => (
              <option key={v.src} value={v.src}>
                {v.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {!lines || !value ? (
        <p class="note">
          {timeline.error
            ? 'No timeline on this page.'
            : 'Switch the overlay on and play a video with a face: its emotions over time show here.'}
        </p>
      ) : (
        <>
          <svg
            class="chart"
            viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
            role="img"
            aria-label={`Emotions of the main face over the last ${seconds(lines.toMs - lines.fromMs)}`}
            data-points={lines.points}
          >
            {[0, 0.5, 1].map((p) => (
              <line
                key={p}
                class="grid"
                x1={0}
                x2={WIDTH}
                y1={PAD + (1 - p) * (HEIGHT - 2 * PAD)}
                y2={PAD + (1 - p) * (HEIGHT - 2 * PAD)}
              />
            ))}
            <g transform={`translate(${PAD} ${PAD})`}>
              {lines.paths.map(({ emotion, d }) => (
                <path key={emotion} d={d} data-emotion={emotion} stroke={EMOTION_COLORS[emotion]} />
              ))}
            </g>
          </svg>
          {/* The x axis is wall-clock time: the video's own time can jump (seek, loop), so it is only named at now. */}
          <p class="axis">
            <span>{seconds(lines.toMs - lines.fromMs)} ago</span>
            <span>now (video at {videoTime(lines.toVideoS)})</span>
          </p>
          <ul class="legend">
            {EMOTIONS.map((e) => (
              <li key={e}>
                <i style={{ background: EMOTION_COLORS[e] }} />
                {EMOTION_LABELS[e]}
              </li>
            ))}
          </ul>
          <div class="exports">
            <button type="button" data-testid="export-csv" onClick={() => exportAs(value, 'csv')}>
              Export CSV
            </button>
            <button type="button" data-testid="export-json" onClick={() => exportAs(value, 'json')}>
              Export JSON
            </button>
            <span class="note">
              {value.samples.length} samples, every {value.bucketMs} ms, last{' '}
              {Math.round(value.windowMs / 60_000)} min
            </span>
          </div>
        </>
      )}
    </section>
  );
}
