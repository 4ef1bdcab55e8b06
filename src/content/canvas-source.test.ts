// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SETTINGS } from '../settings/schema.ts';
import { UNREADABLE_CANVAS_MESSAGE } from '../transport/frame-grabber.ts';
import type { FrameTransport } from '../transport/frame-transport.ts';
import { CanvasSource, isCanvasCandidate, MIN_CANVAS_CSS_PX, MOVING_AFTER_FRAMES } from './canvas-source.ts';
import { timerContext } from './content-fakes.test-helper.ts';
import type { MediaOverlay } from './media-overlay.ts';
import type { OverlayLayer } from './overlay-layer.ts';

vi.mock('wxt/browser', () => ({ browser: { runtime: { id: 'x' } } }));

describe('isCanvasCandidate', () => {
  it.each([
    ['a call tile', { width: 320, height: 180 }, { width: 640, height: 360 }, true],
    [
      'the smallest shown',
      { width: MIN_CANVAS_CSS_PX, height: MIN_CANVAS_CSS_PX },
      { width: 64, height: 64 },
      true,
    ],
    ['a sparkline', { width: 120, height: 24 }, { width: 240, height: 48 }, false],
    ['an icon', { width: 32, height: 32 }, { width: 64, height: 64 }, false],
    ['a large box with a tiny store', { width: 400, height: 300 }, { width: 40, height: 30 }, false],
    ['not laid out', { width: 0, height: 0 }, { width: 300, height: 150 }, false],
  ])('%s', (_what, css, backing, expected) => {
    expect(isCanvasCandidate(css, backing)).toBe(expected);
  });
});

function fakeCapture() {
  return {
    video: document.createElement('video'),
    framesPresented: 0,
    lastFrameAtMs: -Infinity,
    stopped: false,
    stop() {
      this.stopped = true;
    },
  };
}

function fakeLayer() {
  const notices: (string | null)[] = [];
  const overlay = {
    setFaces: () => undefined,
    setNotice: (text: string | null) => notices.push(text),
    remove: () => undefined,
  } as unknown as MediaOverlay;
  return { layer: { attach: () => overlay } as unknown as OverlayLayer, notices };
}

const transport: FrameTransport = {
  analyze: () => Promise.resolve({ status: 'busy' as const }),
  end: () => undefined,
  close: () => undefined,
} as unknown as FrameTransport;

describe('CanvasSource', () => {
  let canvas: HTMLCanvasElement;
  let sources: CanvasSource[];

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
    canvas = document.createElement('canvas');
    canvas.width = 640;
    canvas.height = 360;
    document.body.append(canvas);
    sources = [];
  });
  afterEach(() => {
    for (const s of sources) s.stop();
    vi.useRealTimers();
    document.body.replaceChildren();
  });

  function start(
    options: {
      css?: { width: number; height: number };
      capture?: () => ReturnType<typeof fakeCapture>;
      clean?: () => boolean;
    } = {},
  ) {
    const { layer, notices } = fakeLayer();
    const captures: ReturnType<typeof fakeCapture>[] = [];
    const snapshots: string[] = [];
    let css = options.css ?? { width: 320, height: 180 };
    const source = new CanvasSource(canvas, 'v1', {
      ctx: timerContext,
      transport,
      layer,
      settings: () => DEFAULT_SETTINGS,
      capture: () => {
        const c = (options.capture ?? fakeCapture)();
        captures.push(c);
        return c;
      },
      isOriginClean: options.clean ?? (() => true),
      cssSizeOf: () => css,
      offerSnapshot: (_element, _overlay, reason) => snapshots.push(reason),
    });
    sources.push(source);
    return { source, captures, notices, snapshots, resize: (next: typeof css) => (css = next) };
  }

  it('captures a canvas only once it is large enough, and offers it only once it is redrawn', () => {
    const { source, captures, resize } = start({ css: { width: 40, height: 40 } });
    vi.advanceTimersByTime(2000);
    expect(captures).toHaveLength(0);
    resize({ width: 320, height: 180 });
    vi.advanceTimersByTime(600);
    expect(captures).toHaveLength(1);
    // Drawn once (a chart, a poster): not analysed.
    captures[0]!.framesPresented = 1;
    vi.advanceTimersByTime(2000);
    expect(source.timeline('t', []).src).toMatch(/^canvas:/);
    expect(source.offered).toBe(false);
    captures[0]!.framesPresented = MOVING_AFTER_FRAMES;
    captures[0]!.lastFrameAtMs = performance.now();
    vi.advanceTimersByTime(600);
    expect(source.offered).toBe(true);
    expect(captures).toHaveLength(1);
  });

  it('explains a canvas tainted from the start and offers the snapshot', () => {
    const tainted = () => {
      throw new DOMException('Canvas is not origin-clean.', 'SecurityError');
    };
    const { snapshots, captures, source } = start({ capture: tainted });
    expect(snapshots).toEqual([UNREADABLE_CANVAS_MESSAGE]);
    expect(captures).toHaveLength(0);
    vi.advanceTimersByTime(5000);
    expect(snapshots).toHaveLength(1);
    expect(source.offered).toBe(false);
  });

  it('notices a canvas tainted later (its capture falls silent), once, and stops capturing it', () => {
    let clean = true;
    const checks = vi.fn(() => clean);
    const { captures, snapshots, source } = start({ clean: checks });
    const capture = captures[0]!;
    capture.framesPresented = 5;
    capture.lastFrameAtMs = performance.now();
    vi.advanceTimersByTime(600);
    expect(source.offered).toBe(true);
    // Silent but clean (a paused call, a still frame): checked once, then not again until new frames.
    capture.lastFrameAtMs = performance.now() - 5000;
    vi.advanceTimersByTime(3000);
    expect(checks).toHaveBeenCalledTimes(1);
    expect(snapshots).toHaveLength(0);
    // Redrawn, then tainted: the capture falls silent again.
    capture.framesPresented = 9;
    capture.lastFrameAtMs = performance.now() - 5000;
    clean = false;
    vi.advanceTimersByTime(600);
    expect(checks).toHaveBeenCalledTimes(2);
    expect(snapshots).toEqual([UNREADABLE_CANVAS_MESSAGE]);
    expect(capture.stopped).toBe(true);
    expect(source.offered).toBe(false);
  });

  it('without the snapshot (an iframe) shows the note alone; stop releases the capture', () => {
    const { layer, notices } = fakeLayer();
    const capture = fakeCapture();
    const source = new CanvasSource(canvas, 'v2', {
      ctx: timerContext,
      transport,
      layer,
      settings: () => DEFAULT_SETTINGS,
      capture: () => capture,
      isOriginClean: () => false,
      cssSizeOf: () => ({ width: 320, height: 180 }),
    });
    capture.framesPresented = 2;
    vi.advanceTimersByTime(600);
    capture.lastFrameAtMs = performance.now() - 5000;
    vi.advanceTimersByTime(600);
    expect(notices).toContain(UNREADABLE_CANVAS_MESSAGE);
    source.stop();
    expect(capture.stopped).toBe(true);
  });
});
