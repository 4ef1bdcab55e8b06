// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CapturedRegion, CaptureRequest } from '../protocol/capture.ts';
import { happyFace, timerContext } from './content-fakes.test-helper.ts';
import { OverlayLayer } from './overlay-layer.ts';
import { formatVideoTime, offerScreenSnapshot, SNAPSHOT_ACTION } from './screen-snapshot.ts';

const ctx = timerContext;
const face = happyFace;

/** A 640x360 video shown in a 400x300 box at (50, 100): letterboxed to 400x225 at y = 137.5. */
function video(): HTMLVideoElement {
  const v = document.createElement('video');
  document.body.append(v);
  Object.defineProperty(v, 'videoWidth', { value: 640 });
  Object.defineProperty(v, 'videoHeight', { value: 360 });
  v.getBoundingClientRect = () =>
    ({ left: 50, top: 100, x: 50, y: 100, width: 400, height: 300, right: 450, bottom: 400 }) as DOMRect;
  return v;
}

function setup(capture: (req: CaptureRequest) => Promise<CapturedRegion>) {
  const layer = new OverlayLayer(ctx);
  const hidden: boolean[] = [];
  const setHidden = layer.setHidden.bind(layer);
  layer.setHidden = (h) => {
    hidden.push(h);
    setHidden(h);
  };
  const v = video();
  const overlay = layer.attach(v, 'video');
  const events: string[] = [];
  const analyze = vi.fn(() => {
    events.push(`analyse (hidden: ${hidden.at(-1)})`);
    return Promise.resolve({ width: 400, height: 225, faces: [face], latencyMs: 3 });
  });
  offerScreenSnapshot(v, overlay, 'Cannot read this video.', {
    ctx,
    layer,
    capture: (req) => {
      events.push(`capture (hidden: ${hidden.at(-1)})`);
      return capture(req);
    },
    analyze,
  });
  const click = () => overlay.root.querySelector<HTMLButtonElement>('.notice button')!.click();
  const notice = () => overlay.snapshot().notice;
  return { layer, overlay, click, notice, events, analyze };
}

const shot = (req: CaptureRequest): Promise<CapturedRegion> =>
  Promise.resolve({
    bytes: new ArrayBuffer(8),
    type: 'image/png',
    width: 400,
    height: 225,
    css: req.region,
    capturedAtEpochMs: Date.UTC(2026, 10, 28, 12, 0, 0),
  });

describe('offerScreenSnapshot', () => {
  afterEach(() => {
    document.body.replaceChildren();
    document.documentElement.querySelectorAll('affect-lens-overlay').forEach((e) => e.remove());
  });

  it('offers the button in the notice', () => {
    const { overlay } = setup(shot);
    expect(overlay.snapshot()).toMatchObject({ notice: 'Cannot read this video.', faces: [] });
    expect(overlay.root.querySelector('.notice button')!.textContent).toBe(SNAPSHOT_ACTION);
  });

  it('captures the picture with the overlay hidden, analyses with it shown, and draws faces in video pixels', async () => {
    const requests: CaptureRequest[] = [];
    const { click, notice, events, overlay } = setup((req) => {
      requests.push(req);
      return shot(req);
    });
    const setFaces = vi.spyOn(overlay, 'setFaces');
    click();
    await vi.waitFor(() => expect(notice()).toMatch(/^Snapshot of the screen at /));
    expect(events).toEqual(['capture (hidden: true)', 'analyse (hidden: false)']);
    expect(requests[0]!.region).toEqual({ x: 50, y: 137.5, width: 400, height: 225 });
    expect(requests[0]!.viewport).toEqual({ width: window.innerWidth, height: window.innerHeight });
    // Crop pixels are CSS pixels here (the crop is 400x225 for 400x225 CSS); the video is 640x360: x1.6.
    const [faces, w, h] = setFaces.mock.calls.at(-1)!;
    expect([w, h]).toEqual([640, 360]);
    expect(faces[0]!.box).toEqual({ x: 160, y: 80, width: 64, height: 64 });
    expect(notice()).toMatch(/\(video at 0:00\.0\): 1 face\. It does not follow the video\.$/);
    expect(overlay.root.querySelector('.notice button')).not.toBeNull();
  });

  it('shows a refused capture in the notice with the button, and shows the overlay again', async () => {
    const { click, notice, layer, analyze } = setup(() =>
      Promise.reject(new Error('The browser allows 2 screen snapshots per second: try again in 0.4 s.')),
    );
    const setHidden = vi.spyOn(layer, 'setHidden');
    click();
    await vi.waitFor(() => expect(notice()).toMatch(/2 screen snapshots per second/));
    expect(notice()).toBe(
      'Cannot read this video. The browser allows 2 screen snapshots per second: try again in 0.4 s.',
    );
    expect(setHidden.mock.calls.at(-1)).toEqual([false]);
    expect(analyze).not.toHaveBeenCalled();
  });
});

describe('formatVideoTime', () => {
  it.each([
    [0, '0:00.0'],
    [7.34, '0:07.3'],
    [65.5, '1:05.5'],
  ])('%d s -> %s', (s, text) => expect(formatVideoTime(s)).toBe(text));
});
