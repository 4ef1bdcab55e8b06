/**
 * One analysed <img>/<video>/<canvas> on the page overlay (overlay-layer.ts holds them all): follows its element every
 * animation frame (scrolling, resizing, layout changes) and draws a box per face with the top emotion,
 * optionally bars for all seven. A face with the temporal model's result ("smoothed over 2 s") shows it with
 * the span it covers ("2 s") after the probability.
 */
import type { PxBox } from '../ml/types.ts';
import type { FrameTiming } from '../protocol/frames.ts';
import type { CssRect, CssSize } from '../protocol/geometry.ts';
import type { OverlaySnapshot } from '../protocol/overlay.ts';
import { createFaceNode, type FaceNode, type ShownFace, showFace, smoothedOver } from './face-node.ts';
import { mediaSrcOf } from './media-src.ts';
import { flipX, isMirroredX } from './mirror.ts';
import type { FrameTimings } from './frame-timings.ts';
import { fittedRect, mapSourceBox } from './object-fit.ts';
import { ancestorClipOf, contentBoxOf, objectFitOf, type PictureElement } from './picture-rect.ts';
import { BARS_SIZES, FACE_BORDER_PX } from './overlay-style.ts';
import { intersectRects, layoutFaces, type LayoutFace } from './overlay-layout.ts';

export interface OverlayFace extends ShownFace {
  /** Stable across frames for a tracked face (its DOM node is reused). */
  id: number;
  /** Source pixels (of the analysed image or frame). */
  box: PxBox;
}

export interface NoticeAction {
  label: string;
  run: () => void;
}

/** What an overlay follows: an image, a video, or a canvas the page draws moving pictures into. */
export type MediaElement = PictureElement;

/** What a MediaOverlay needs of the layer that holds it. */
export interface OverlayHost {
  /** Requests a layout pass. */
  schedule(): void;
  detach(overlay: MediaOverlay): void;
}

const rectOf = (el: Element): CssRect => {
  const r = el.getBoundingClientRect();
  return { x: r.x, y: r.y, width: r.width, height: r.height };
};

const px = (n: number) => `${Math.round(n * 10) / 10}px`;

export class MediaOverlay {
  readonly root: HTMLDivElement;
  private readonly notice: HTMLDivElement;
  private faces: OverlayFace[] = [];
  private sourceWidth = 0;
  private sourceHeight = 0;
  private readonly nodes = new Map<number, FaceNode>();
  private lastRect: CssRect | null = null;
  private readonly labelSizes = new Map<string, CssSize>();
  /** The visible picture at the last layout, local CSS pixels; null when none of it is on screen. */
  private picture: CssRect | null = null;
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
    // A pass for a move only (scrolling) repositions; the faces' contents change with a new result or setting.
    const refill = this.dirty || forceFaces;
    this.dirty = false;

    const fit = objectFitOf(el, style);
    const local: CssRect = { x: 0, y: 0, width: content.width, height: content.height };
    const fitted = fittedRect(local, this.sourceWidth, this.sourceHeight, fit);
    const mirrored = isMirroredX(style.transform);
    // What of the picture is on screen: letterboxing, the element's box, its scroll containers and the
    // viewport clip it.
    const viewport: CssRect = { x: -content.x, y: -content.y, width: innerWidth, height: innerHeight };
    const ancestors = ancestorClipOf(el);
    const scrolled = ancestors && { ...ancestors, x: ancestors.x - content.x, y: ancestors.y - content.y };
    const picture = intersectRects(intersectRects(intersectRects(fitted, local), viewport), scrolled);
    this.picture = picture;
    const seen = new Set<number>();
    const layoutInput: LayoutFace[] = [];
    const faceNodes: FaceNode[] = [];
    for (const face of this.faces) {
      seen.add(face.id);
      const node = this.nodes.get(face.id) ?? this.createFaceNode(face.id);
      if (refill) showFace(node, face, showAll);
      const mapped = mapSourceBox(face.box, this.sourceWidth, this.sourceHeight, fitted);
      // A mirrored self view (scaleX(-1)) shows the face on the other side of the same box.
      const box = mirrored ? flipX(mapped, local.width) : mapped;
      layoutInput.push({ id: face.id, box, label: this.labelSize(node) });
      faceNodes.push(node);
    }
    // In the faces' order, one layout per face.
    const layouts = picture ? layoutFaces(layoutInput, picture, showAll ? BARS_SIZES : null) : null;
    faceNodes.forEach((node, i) => {
      const l = layouts?.[i];
      node.root.hidden = !l?.box;
      if (!l?.box) return;
      const s = node.root.style;
      s.left = px(l.box.x);
      s.top = px(l.box.y);
      s.width = px(l.box.width);
      s.height = px(l.box.height);
      // Children are placed from the box's padding edge, inside its border.
      const originX = l.box.x + FACE_BORDER_PX;
      const originY = l.box.y + FACE_BORDER_PX;
      node.label.style.left = px(l.label.x - originX);
      node.label.style.top = px(l.label.y - originY);
      node.label.dataset.placement = l.label.placement;
      if (l.bars) {
        node.bars.style.left = px(l.bars.x - originX);
        node.bars.style.top = px(l.bars.y - originY);
        node.bars.classList.toggle('compact', l.bars.compact);
      }
    });
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

  /** The label's size as drawn, measured once per text (a layout read) and cached. */
  private labelSize(node: FaceNode): CssSize {
    const key = node.label.textContent ?? '';
    let size = this.labelSizes.get(key);
    if (!size) {
      size = { width: node.label.offsetWidth, height: node.label.offsetHeight };
      if (this.labelSizes.size > 64) this.labelSizes.clear();
      this.labelSizes.set(key, size);
    }
    return size;
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
        labelRect: rectOf(node.label),
        barsRect: node.bars.hidden ? null : rectOf(node.bars),
      };
    });
    const r = this.element.getBoundingClientRect();
    const button = this.noticeButton?.getBoundingClientRect();
    return {
      kind: this.kind,
      src: mediaSrcOf(this.element),
      rect: { x: r.x, y: r.y, width: r.width, height: r.height },
      faces,
      picture:
        this.picture && this.lastRect
          ? { ...this.picture, x: this.picture.x + this.lastRect.x, y: this.picture.y + this.lastRect.y }
          : null,
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
    const node = createFaceNode();
    this.root.append(node.root);
    this.nodes.set(id, node);
    return node;
  }
}
