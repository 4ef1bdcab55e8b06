// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Face } from '../ml/engine-api.ts';
import { NoReceiverError } from '../messaging/envelope.ts';
import type { CapturedRegion, CaptureRequest } from '../protocol/capture.ts';
import { happyFace, timerContext } from './content-fakes.test-helper.ts';
import {
  analyzeImageInPage,
  isLostConnection,
  RETRY_ACTION,
  type ImageAnalysisDeps,
} from './image-analysis.ts';
import { OverlayLayer } from './overlay-layer.ts';

const ctx = timerContext;
const face = happyFace;

const SRC = 'https://photos.example/group.jpg';

/** An 800x600 photo shown at 400x300 at (50, 100). */
function image(): HTMLImageElement {
  const img = document.createElement('img');
  img.src = SRC;
  document.body.append(img);
  Object.defineProperty(img, 'naturalWidth', { value: 800 });
  Object.defineProperty(img, 'naturalHeight', { value: 600 });
  Object.defineProperty(img, 'complete', { value: true });
  img.getBoundingClientRect = () =>
    ({ left: 50, top: 100, x: 50, y: 100, width: 400, height: 300, right: 450, bottom: 400 }) as DOMRect;
  return img;
}

const png = { bytes: new ArrayBuffer(8), type: 'image/png' };
const shot = (req: CaptureRequest): Promise<CapturedRegion> =>
  Promise.resolve({ ...png, width: 400, height: 300, css: req.region, capturedAtEpochMs: 0 });

function setup(overrides: Partial<ImageAnalysisDeps> = {}) {
  const img = image();
  const layer = new OverlayLayer(ctx);
  const deps: ImageAnalysisDeps = {
    ctx,
    layer,
    doc: document,
    isTopFrame: true,
    capture: vi.fn(shot),
    analyze: vi.fn(() => Promise.resolve({ width: 800, height: 600, faces: [face], latencyMs: 5 })),
    download: vi.fn(() =>
      Promise.reject(new Error('The site did not let the extension download this image (Failed to fetch).')),
    ),
    readPixels: vi.fn(() => Promise.resolve(png)),
    ...overrides,
  };
  const notice = () => layer.snapshot(true).overlays[0]?.notice;
  return { img, layer, deps, notice };
}

describe('analyzeImageInPage', () => {
  afterEach(() => {
    document.body.replaceChildren();
    document.documentElement.querySelectorAll('affect-lens-overlay').forEach((e) => e.remove());
  });

  it('reads the pixels the page shows when it may, and draws the faces', async () => {
    const { deps, layer } = setup();
    const result = await analyzeImageInPage(SRC, deps);
    expect(result).toMatchObject({ state: 'done', route: 'page', analysis: { faces: [face] } });
    expect(deps.capture).not.toHaveBeenCalled();
    expect(deps.download).not.toHaveBeenCalled();
    await vi.waitFor(() => expect(layer.snapshot(true).overlays[0]!.faces).toHaveLength(1));
  });

  it('reads a cross-origin image from a capture of the screen, boxes mapped to its natural pixels', async () => {
    const { deps } = setup({ readPixels: () => Promise.resolve(null) });
    deps.analyze = vi.fn(() => Promise.resolve({ width: 400, height: 300, faces: [face], latencyMs: 5 }));
    const result = await analyzeImageInPage(SRC, deps);
    expect(deps.capture).toHaveBeenCalledWith({
      region: { x: 50, y: 100, width: 400, height: 300 },
      viewport: { width: window.innerWidth, height: window.innerHeight },
    });
    expect(result).toMatchObject({ state: 'done', route: 'screen', analysis: { width: 800, height: 600 } });
    // 400x300 capture of an 800x600 picture: twice the size in natural pixels.
    expect(result.state === 'done' && result.analysis.faces[0]!.box).toEqual({
      x: 200,
      y: 100,
      width: 80,
      height: 80,
    });
  });

  it('downloads (without cookies) only when the image is neither readable nor on screen', async () => {
    const { deps } = setup({ readPixels: () => Promise.resolve(null), isTopFrame: false });
    deps.download = vi.fn(() => Promise.resolve({ bytes: new ArrayBuffer(4), type: 'image/jpeg' }));
    await expect(analyzeImageInPage(SRC, deps)).resolves.toMatchObject({ state: 'done', route: 'download' });
    expect(deps.download).toHaveBeenCalledWith(SRC);
  });

  it('downloads when the screen capture is refused, and says why the capture failed if that fails too', async () => {
    const capture = vi.fn(() =>
      Promise.reject(new Error('The browser did not take the snapshot: Missing activeTab permission')),
    );
    const { deps } = setup({ readPixels: () => Promise.resolve(null), capture });
    await expect(analyzeImageInPage(SRC, deps)).resolves.toMatchObject({
      state: 'failed',
      error: 'The browser did not take the snapshot: Missing activeTab permission',
    });
    deps.download = vi.fn(() => Promise.resolve({ bytes: new ArrayBuffer(4), type: 'image/jpeg' }));
    await expect(analyzeImageInPage(SRC, deps)).resolves.toMatchObject({ state: 'done', route: 'download' });
  });

  it('retries once when the connection to the engine was lost, then succeeds', async () => {
    const analyze = vi
      .fn<ImageAnalysisDeps['analyze']>()
      .mockRejectedValueOnce(
        new Error(
          'A listener indicated an asynchronous response by returning true, but the message channel closed before a response was received',
        ),
      )
      .mockResolvedValueOnce({ width: 800, height: 600, faces: [], latencyMs: 5 });
    const { deps, notice } = setup({ analyze });
    await expect(analyzeImageInPage(SRC, deps)).resolves.toMatchObject({ state: 'done' });
    expect(analyze).toHaveBeenCalledTimes(2);
    expect(notice()).toBe('No face found in this image.');
  });

  it('says plainly what happened when the connection is lost twice, with a button to try again', async () => {
    const analyze = vi.fn(() => Promise.reject(new NoReceiverError('analyzeSnapshot', new Error('gone'))));
    const { deps, layer, notice } = setup({ analyze });
    const result = await analyzeImageInPage(SRC, deps);
    expect(result).toEqual({
      srcUrl: SRC,
      state: 'failed',
      error: 'The analysis was interrupted twice (the extension restarted its engine).',
    });
    expect(notice()).toBe(
      'Affect Lens could not analyse this image: The analysis was interrupted twice (the extension restarted its engine).',
    );
    expect(layer.snapshot(true).overlays[0]!.noticeAction?.label).toBe(RETRY_ACTION);
  });

  it('ends an analysis that never answers with a timeout', async () => {
    const { deps, notice } = setup({ analyze: () => new Promise(() => undefined), timeoutMs: 30 });
    await expect(analyzeImageInPage(SRC, deps)).resolves.toMatchObject({
      state: 'failed',
      error: 'The analysis did not finish within 0 s.',
    });
    expect(notice()).toMatch(/did not finish/);
  });

  it('shows "Analysing emotions…" while it works', async () => {
    let finish!: () => void;
    const analyze = () =>
      new Promise<{ width: number; height: number; faces: Face[]; latencyMs: number }>(
        (resolve) => (finish = () => resolve({ width: 800, height: 600, faces: [face], latencyMs: 1 })),
      );
    const { deps, notice } = setup({ analyze });
    const done = analyzeImageInPage(SRC, deps);
    await vi.waitFor(() => expect(finish).toBeTypeOf('function'));
    expect(notice()).toBe('Analysing emotions…');
    finish();
    await done;
    expect(notice()).toBeNull();
  });

  it('tells lost connections from other errors', () => {
    expect(isLostConnection(new Error('Could not establish connection. Receiving end does not exist.'))).toBe(
      true,
    );
    expect(isLostConnection(new Error('The image could not be decoded'))).toBe(false);
  });
});
