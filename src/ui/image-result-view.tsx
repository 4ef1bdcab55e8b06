/** The last right-clicked image of this tab and what was found in it. */
import { IMAGE_ROUTE_TEXT, type ImageResult } from '../protocol/overlay.ts';
import { EMOTION_COLORS, EMOTION_LABELS, percent } from './emotion-style.ts';

export function ImageResultView({ result }: { result: ImageResult }) {
  const name = result.srcUrl.split(/[?#]/)[0]?.split('/').pop() || result.srcUrl;
  return (
    <section class="image-result">
      <h2>
        Image{' '}
        <span class="file" title={result.srcUrl}>
          {name}
        </span>
      </h2>
      {result.state === 'pending' && <p>Analysing…</p>}
      {result.state === 'failed' && <p class="error">{result.error}</p>}
      {result.state === 'done' && (
        <p class="note" data-testid="image-time">
          Analysed in {Math.round(result.analysis.latencyMs)} ms on this device;{' '}
          <span data-testid="image-route">{IMAGE_ROUTE_TEXT[result.route]}</span>
        </p>
      )}
      {result.state === 'done' && result.analysis.faces.length === 0 && <p>No face found.</p>}
      {result.state === 'done' && result.analysis.faces.length > 0 && (
        <ol class="faces" data-testid="image-faces">
          {result.analysis.faces.map((face, i) => (
            <li key={i}>
              <span class="chip" style={{ background: EMOTION_COLORS[face.top.emotion] }}>
                {EMOTION_LABELS[face.top.emotion]} {percent(face.top.probability)}
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
