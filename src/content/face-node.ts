/**
 * One face's DOM on the overlay: the box (`.face`), its label (emotion, probability, the temporal mode's span)
 * and the panel of seven bars, built once per tracked face and filled from one result per frame.
 */
import { EMOTIONS, type Emotion, type EmotionScores } from '../ml/emotions.ts';
import { EMOTION_COLORS, EMOTION_LABELS, percent } from '../ui/emotion-style.ts';
import { spanLabel } from './span-label.ts';

export interface ShownFace {
  top: { emotion: Emotion; probability: number };
  emotions: EmotionScores;
  /** When `emotions` is the temporal model's result: the stream time it covers, ms. */
  smoothedSpanMs?: number | null;
}

export interface FaceNode {
  root: HTMLDivElement;
  label: HTMLDivElement;
  name: HTMLSpanElement;
  probability: HTMLSpanElement;
  /** The temporal mode's span ("2 s"); hidden for per-frame results. */
  span: HTMLSpanElement;
  bars: HTMLDivElement;
  barFills: Map<Emotion, { fill: HTMLElement; value: HTMLElement }>;
}

export const smoothedOver = (face: ShownFace): string | null =>
  face.smoothedSpanMs === undefined || face.smoothedSpanMs === null ? null : spanLabel(face.smoothedSpanMs);

export function createFaceNode(): FaceNode {
  const root = document.createElement('div');
  root.className = 'face';
  const label = document.createElement('div');
  label.className = 'label';
  const name = document.createElement('span');
  const probability = document.createElement('span');
  probability.className = 'p';
  const span = document.createElement('span');
  span.className = 'span';
  span.hidden = true;
  label.append(name, probability, span);
  const bars = document.createElement('div');
  bars.className = 'bars';
  const barFills = new Map<Emotion, { fill: HTMLElement; value: HTMLElement }>();
  for (const e of EMOTIONS) {
    const row = document.createElement('div');
    row.className = 'bar';
    const text = document.createElement('span');
    text.textContent = EMOTION_LABELS[e];
    const track = document.createElement('i');
    const fill = document.createElement('b');
    fill.style.background = EMOTION_COLORS[e];
    track.append(fill);
    const value = document.createElement('em');
    row.append(text, track, value);
    bars.append(row);
    barFills.set(e, { fill, value });
  }
  root.append(label, bars);
  return { root, label, name, probability, span, bars, barFills };
}

/** Fills the node from one result: colour, text and bars together, in the same frame. */
export function showFace(node: FaceNode, face: ShownFace, showAll: boolean): void {
  // One state per face: colour, text and bars come from the same result, set in the same frame.
  node.root.style.setProperty('--c', EMOTION_COLORS[face.top.emotion]);
  node.name.textContent = EMOTION_LABELS[face.top.emotion];
  node.probability.textContent = percent(face.top.probability);
  const over = smoothedOver(face);
  node.span.hidden = over === null;
  node.span.textContent = over ?? '';
  node.span.title = over === null ? '' : `smoothed over ${over} (EMO-AffectNet LSTM)`;
  node.bars.hidden = !showAll;
  if (showAll) {
    for (const e of EMOTIONS) {
      const bar = node.barFills.get(e);
      if (!bar) continue;
      bar.fill.style.width = `${(face.emotions[e] * 100).toFixed(1)}%`;
      bar.value.textContent = percent(face.emotions[e]);
    }
  }
}
