// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import type { EmotionScores } from '../ml/emotions.ts';
import type { ContentContext } from './content-context.ts';
import type { OverlayFace } from './media-overlay.ts';
import { OverlayLayer } from './overlay-layer.ts';

function fakeContext() {
  const frames: FrameRequestCallback[] = [];
  const controller = new AbortController();
  const ctx: ContentContext = {
    signal: controller.signal,
    isValid: true,
    requestAnimationFrame: (cb) => frames.push(cb),
    setTimeout: (handler, ms) => window.setTimeout(handler, ms),
    setInterval: (handler, ms) => window.setInterval(handler, ms),
    onInvalidated: (cb) => {
      controller.signal.addEventListener('abort', cb);
      return () => undefined;
    },
  };
  /** Runs the pending animation frames (one layout pass). */
  const flush = () => frames.splice(0).forEach((cb) => cb(0));
  return { ctx, flush, invalidate: () => controller.abort() };
}

const emotions: EmotionScores = {
  neutral: 0.1,
  happiness: 0.6,
  sadness: 0.1,
  surprise: 0.05,
  fear: 0.05,
  disgust: 0.05,
  anger: 0.05,
};
const face = (id: number, x: number): OverlayFace => ({
  id,
  box: { x, y: 100, width: 100, height: 100 },
  top: { emotion: 'happiness', probability: 0.6 },
  emotions,
});

function image(rect: { left: number; top: number; width: number; height: number }): HTMLImageElement {
  const img = document.createElement('img');
  img.src = 'https://x.example/a.jpg';
  document.body.append(img);
  let current = rect;
  img.getBoundingClientRect = () => ({
    ...current,
    x: current.left,
    y: current.top,
    right: 0,
    bottom: 0,
    toJSON: () => ({}),
  });
  (img as unknown as { move: (r: typeof rect) => void }).move = (r) => (current = r);
  return img;
}

const faceNodes = (root: HTMLElement) => [...root.querySelectorAll<HTMLElement>('.face')];

describe('OverlayLayer', () => {
  afterEach(() => {
    document.body.replaceChildren();
    document.documentElement.querySelectorAll('affect-lens-overlay').forEach((e) => e.remove());
  });

  it('puts a box per face over the element, scaled from source pixels, with the top emotion', () => {
    const { ctx, flush } = fakeContext();
    const layer = new OverlayLayer(ctx);
    const img = image({ left: 100, top: 50, width: 400, height: 300 });
    const overlay = layer.attach(img, 'image');
    overlay.setFaces([face(1, 200), face(2, 500)], 800, 600);
    flush();
    expect(overlay.root.style.left).toBe('100px');
    expect(overlay.root.style.top).toBe('50px');
    const nodes = faceNodes(overlay.root);
    expect(nodes.map((n) => [n.style.left, n.style.top, n.style.width])).toEqual([
      ['100px', '50px', '50px'],
      ['250px', '50px', '50px'],
    ]);
    expect(nodes[0]!.querySelector('.label')!.textContent).toBe('Happiness60%');
    expect(document.querySelector('affect-lens-overlay')).not.toBeNull();
  });

  it('follows the element when it moves (scroll, resize) and reuses face nodes across frames', () => {
    const { ctx, flush } = fakeContext();
    const layer = new OverlayLayer(ctx);
    const img = image({ left: 0, top: 0, width: 800, height: 600 });
    const overlay = layer.attach(img, 'image');
    overlay.setFaces([face(1, 200)], 800, 600);
    flush();
    const node = faceNodes(overlay.root)[0];
    (img as unknown as { move: (r: object) => void }).move({ left: 0, top: -120, width: 800, height: 600 });
    overlay.setFaces([face(1, 210)], 800, 600);
    flush();
    expect(overlay.root.style.top).toBe('-120px');
    expect(faceNodes(overlay.root)[0]).toBe(node);
    expect(node!.style.left).toBe('210px');
  });

  it('removes the boxes of faces that left, and shows all probabilities on request', () => {
    const { ctx, flush } = fakeContext();
    const layer = new OverlayLayer(ctx);
    const overlay = layer.attach(image({ left: 0, top: 0, width: 800, height: 600 }), 'video');
    overlay.setFaces([face(1, 0), face(2, 300)], 800, 600);
    flush();
    overlay.setFaces([face(2, 300)], 800, 600);
    layer.setShowAll(true);
    flush();
    const nodes = faceNodes(overlay.root);
    expect(nodes).toHaveLength(1);
    const bars = nodes[0]!.querySelector<HTMLElement>('.bars')!;
    expect(bars.hidden).toBe(false);
    expect(bars.querySelectorAll('.bar')).toHaveLength(7);
  });

  it('marks a result of the temporal mode with its span, and shows its probabilities in the bars', () => {
    const { ctx, flush } = fakeContext();
    const layer = new OverlayLayer(ctx);
    const overlay = layer.attach(image({ left: 0, top: 0, width: 800, height: 600 }), 'video');
    const sad: EmotionScores = { ...emotions, happiness: 0.1, sadness: 0.6 };
    const smoothed = { ...face(1, 0), emotions: sad, top: { emotion: 'sadness', probability: 0.6 } } as const;
    overlay.setFaces([{ ...smoothed, smoothedSpanMs: 1200 }, face(2, 300)], 800, 600);
    layer.setShowAll(true);
    flush();
    const [first, second] = faceNodes(overlay.root);
    expect(first!.querySelector('.label')!.textContent).toBe('Sadness60%1.2 s');
    expect(first!.querySelector<HTMLElement>('.label .span')!.title).toBe(
      'smoothed over 1.2 s (EMO-AffectNet LSTM)',
    );
    expect(first!.querySelectorAll('.bar em')[2]!.textContent).toBe('60%');
    expect(second!.querySelector<HTMLElement>('.label .span')!.hidden).toBe(true);
    expect(layer.snapshot(true).overlays[0]!.faces.map((f) => [f.label, f.smoothedOver])).toEqual([
      ['sadness', '1.2 s'],
      ['happiness', null],
    ]);
    overlay.setFaces([{ ...smoothed, smoothedSpanMs: 2000 }], 800, 600);
    flush();
    expect(faceNodes(overlay.root)[0]!.querySelector('.label')!.textContent).toBe('Sadness60%2 s');
  });

  it('shows a notice, and describes what it shows', () => {
    const { ctx, flush } = fakeContext();
    const layer = new OverlayLayer(ctx);
    const overlay = layer.attach(image({ left: 0, top: 0, width: 100, height: 100 }), 'video');
    overlay.setNotice('cannot read this video');
    flush();
    const snapshot = layer.snapshot(true);
    expect(snapshot.enabled).toBe(true);
    expect(snapshot.overlays).toEqual([
      expect.objectContaining({ kind: 'video', notice: 'cannot read this video', faces: [] }),
    ]);
  });

  it('drops the overlay of an element removed from the page, and everything when invalidated', () => {
    const { ctx, flush, invalidate } = fakeContext();
    const layer = new OverlayLayer(ctx);
    const img = image({ left: 0, top: 0, width: 100, height: 100 });
    layer.attach(img, 'image').setFaces([face(1, 0)], 100, 100);
    flush();
    img.remove();
    flush();
    expect(layer.snapshot(true).overlays).toEqual([]);
    expect(document.querySelector('affect-lens-overlay')).toBeNull();
    layer.attach(image({ left: 0, top: 0, width: 100, height: 100 }), 'image');
    invalidate();
    expect(document.querySelector('affect-lens-overlay')).toBeNull();
  });
});
