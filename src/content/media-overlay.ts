/**
 * One analysed <img>/<video> on the page overlay (overlay-layer.ts holds them all): follows its element every
 * animation frame (scrolling, resizing, layout changes) and draws a box per face with the top emotion,
 * optionally bars for all seven. A face with the temporal model's result ("smoothed over 2 s") shows it with
 * the span it covers ("2 s") after the probability.
 */
import { type Emotion, type EmotionScores, EMOTIONS } from '../ml/emotions.ts';
import type { PxBox } from '../ml/types.ts';
import type { FrameTiming } from '../protocol/frames.ts';
import type { CssRect } from '../protocol/geometry.ts';
import type { OverlaySnapshot } from '../protocol/overlay.ts';
import { EMOTION_COLORS, EMOTION_LABELS, percent } from '../ui/emotion-style.ts';
import { mediaSrcOf } from './media-src.ts';
import { flipX, isMirroredX } from './mirror.ts';
import type { FrameTimings } from './frame-timings.ts';
import { fittedRect, mapSourceBox, parseObjectFit } from './object-fit.ts';
import { contentBoxOf } from './picture-rect.ts';
import { BARS_HEIGHT_PX, BARS_WIDTH_PX } from './overlay-style.ts';
import { spanLabel } from './span-label.ts';

export interface OverlayFace {
  /** Stable across frames for a tracked face (its DOM node is reused). */
  id: number;
  /** Source pixels (of the analysed image or frame). */
  box: PxBox;
  top: { emotion: Emotion; probability: number };
  emotions: EmotionScores;
  /** When `emotions` is the temporal model's result: the stream time it covers, ms. */
  smoothedSpanMs?: number | null;
}

export interface NoticeAction {
  label: string;
  run: () => void;
}

export type MediaElement = HTMLImageElement | HTMLVideoElement;

/** What a MediaOverlay needs of the layer that holds it. */
export interface OverlayHost {
  /** Requests a layout pass. */
  schedule(): void;
  detach(overlay: MediaOverlay): void;
}

interface FaceNode {
  root: HTMLDivElement;
  name: HTMLSpanElement;
  probability: HTMLSpanElement;
  /** The temporal mode's span ("2 s"); hidden for per-frame results. */
  span: HTMLSpanElement;
  bars: HTMLDivElement;
  barFills: Map<Emotion, { fill: HTMLElement; value: HTMLElement }>;
}

const smoothedOver = (face: OverlayFace): string | null =>
  face.smoothedSpanMs === undefined || face.smoothedSpanMs === null ? null : spanLabel(face.smoothedSpanMs);

const px = (n: number) => `${Math.round(n * 10) / 10}px`;

export class MediaOverlay {
  readonly root: HTMLDivElement;
  private readonly notice: HTMLDivElement;
  private faces: OverlayFace[] = [];
  private sourceWidth = 0;
  private sourceHeight = 0;
  private readonly nodes = new Map<number, FaceNode>();
  private lastRect: CssRect | null = null;
  private dirty = true;
  private noticeText: string | null = null;
  /** Results drawn so far (one per analysed frame of a video): the overlay's update rate, for tests. */
  private framesShown = 0;
  private noticeButton: HTMLButtonElement | null = null;
  /** Videos: the source's frame timings, shown in snapshots; the overlay stamps when it drew each result. */
  frameTimings: FrameTimings | null = null;
  private pendingTiming: FrameTiming | null = null;

  constructor(
    readonly element: MediaElement,
    readonly kind: 'image' | 'video',
    private readonly layer: OverlayHost,
  ) {
    this.root = document.createElement('div');
    this.root.className = 'media';
    this.notice = document.createElement('div');
    this.notice.className = 'notice';
    this.notice.hidden = true;
    this.root.append(this.notice);
  }

  /**
   * Faces in source pixels of a `sourceWidth` x `sourceHeight` picture of the element; `timing` (a video
   * frame's record) gets the time they are drawn.
   */
  setFaces(
    faces: readonly OverlayFace[],
    sourceWidth: number,
    sourceHeight: number,
    timing: FrameTiming | null = null,
  ): void {
    this.faces = faces.map((f) => ({ ...f, box: { ...f.box } }));
    this.pendingTiming = timing;
    this.sourceWidth = sourceWidth;
    this.sourceHeight = sourceHeight;
    this.framesShown++;
    this.dirty = true;
    this.layer.schedule();
  }

  /** A message over the element instead of (or besides) faces; null removes it. */
  setNotice(text: string | null, action?: NoticeAction): void {
    this.noticeText = text;
    this.notice.hidden = text === null;
    this.notice.replaceChildren();
    this.noticeButton = null;
    if (text !== null) {
      const span = document.createElement('span');
      span.textContent = text;
      this.notice.append(span);
      if (action) {
        const button = document.createElement('button');
        button.type = 'button';
        button.textContent = action.label;
        button.addEventListener('click', action.run);
        this.notice.append(button);
        this.noticeButton = button;
      }
    }
    this.layer.schedule();
  }

  remove(): void {
    this.layer.detach(this);
  }

  /** Positions everything for the element's current place on screen; called by the layer once per frame. */
  layout(showAll: boolean, forceFaces: boolean): void {
    const el = this.element;
    const style = getComputedStyle(el);
    const content = contentBoxOf(el, style);
    const visible =
      style.visibility !== 'hidden' && style.display !== 'none' && content.width > 0 && content.height > 0;
    this.root.hidden = !visible;
    if (!visible) return;
    const moved =
      !this.lastRect ||
      this.lastRect.x !== content.x ||
      this.lastRect.y !== content.y ||
      this.lastRect.width !== content.width ||
      this.lastRect.height !== content.height;
    if (moved) {
      const s = this.root.style;
      s.left = px(content.x);
      s.top = px(content.y);
      s.width = px(content.width);
      s.height = px(content.height);
      this.lastRect = content;
    }
    if (!moved && !this.dirty && !forceFaces) return;
    this.dirty = false;

    const fit = parseObjectFit(style.objectFit || (this.kind === 'video' ? 'contain' : 'fill'));
    const local: CssRect = { x: 0, y: 0, width: content.width, height: content.height };
    const fitted = fittedRect(local, this.sourceWidth, this.sourceHeight, fit);
    // A mirrored self view (scaleX(-1)) shows the face on the other side of the same box.
    const mirrored = isMirroredX(style.transform);
    const seen = new Set<number>();
    for (const face of this.faces) {
      seen.add(face.id);
      const node = this.nodes.get(face.id) ?? this.createFaceNode(face.id);
      const mapped = mapSourceBox(face.box, this.sourceWidth, this.sourceHeight, fitted);
      const b = mirrored ? flipX(mapped, local.width) : mapped;
      const s = node.root.style;
      s.left = px(b.x);
      s.top = px(b.y);
      s.width = px(b.width);
      s.height = px(b.height);
      s.setProperty('--c', EMOTION_COLORS[face.top.emotion]);
      node.root.classList.toggle('label-inside', b.y < 22);
      // The probabilities go below the box, or above it near the bottom, and never past the right edge.
      node.root.classList.toggle(
        'bars-above',
        b.y + b.height + BARS_HEIGHT_PX > local.height && b.y > BARS_HEIGHT_PX,
      );
      node.root.classList.toggle('bars-right', b.x + BARS_WIDTH_PX > local.width);
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
    for (const [id, node] of this.nodes) {
      if (seen.has(id)) continue;
      node.root.remove();
      this.nodes.delete(id);
    }
    if (this.pendingTiming) {
      this.pendingTiming.drawnAtEpochMs = performance.timeOrigin + performance.now();
      this.pendingTiming = null;
    }
  }

  snapshot(): OverlaySnapshot['overlays'][number] {
    const faces = [...this.nodes.entries()].map(([id, node]) => {
      const face = this.faces.find((f) => f.id === id);
      const r = node.root.getBoundingClientRect();
      return {
        label: face?.top.emotion ?? '',
        probability: face?.top.probability ?? 0,
        smoothedOver: face ? smoothedOver(face) : null,
        emotions: face ? { ...face.emotions } : null,
        rect: { x: r.x, y: r.y, width: r.width, height: r.height },
      };
    });
    const r = this.element.getBoundingClientRect();
    const button = this.noticeButton?.getBoundingClientRect();
    return {
      kind: this.kind,
      src: mediaSrcOf(this.element),
      rect: { x: r.x, y: r.y, width: r.width, height: r.height },
      faces,
      notice: this.noticeText,
      framesShown: this.framesShown,
      noticeAction:
        this.noticeButton && button
          ? {
              label: this.noticeButton.textContent ?? '',
              rect: { x: button.x, y: button.y, width: button.width, height: button.height },
            }
          : null,
      ...(this.frameTimings ? { frames: this.frameTimings.recent() } : {}),
    };
  }

  private createFaceNode(id: number): FaceNode {
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
    this.root.append(root);
    const node = { root, name, probability, span, bars, barFills };
    this.nodes.set(id, node);
    return node;
  }
}
